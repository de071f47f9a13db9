"""``smmgen doctor``: each account's credentials checked with the platform's cheapest authenticated read, never
a post: do they work, whose are they, does that match smmgen.toml, what may they do, when do they expire.

One function checks one account: ``check(ctx, account=, handle=)`` takes the ``AdapterContext`` the publisher
would open the account's adapter with, so it reads credentials exactly where the publisher does
(``ctx.secret``/``ctx.account``), and returns a ``Health``. ``diagnose(site)`` runs it for every account.

A platform's check lives in ``smmgen/publish/doctor/<platform>.py`` as ``check(ctx, report)``; it fills in the
``Report`` and lets errors go: an ``AuthError`` is a credential the platform refused (or one that is not set),
a transient error (5xx, timeout, refused connection) is an outage, which says nothing about the credential.
A third-party publisher may offer the same ``check(ctx, report)`` in its adapter module.

Many accounts per platform: ``accounts_to_check`` gives one ``Account`` per account of the site; accounts declared
in smmgen.toml are more ``Account`` values (their own name, handle and context), checked by the same
``diagnose``.

==========  ==============================================================  =========================================
platform    the read                                                        expiry and refresh
==========  ==============================================================  =========================================
bluesky     com.atproto.server.createSession                                app passwords do not expire
mastodon    /api/v2/instance, accounts and apps verify_credentials          tokens do not expire
telegram    getMe, getChat, getChatMember                                   bot tokens do not expire
x           GET /2/users/me                                                 OAuth 2.0 tokens: 2 h (refresh token)
facebook    debug_token, GET /{page-id}                                     expires_at, data_access_expires_at
instagram   debug_token, GET /{ig-user-id}, content_publishing_limit;       60 days, ig_refresh_token
            Instagram Login: GET /me
threads     GET /me, debug_token                                            60 days, th_refresh_token
linkedin    organizationAcls or /v2/userinfo; introspectToken               60 days (introspection)
vk          groups.getTokenPermissions + groups.getById, or users.get       not readable
==========  ==============================================================  =========================================

Each platform's module names its sources.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from smmgen.errors import AuthError, ConfigError, PublishError, RateLimited, SmmgenError
from smmgen.publish.base import AdapterContext
from smmgen.publish.doctor.health import Finding, Health, Report
from smmgen.publish.http import Budget, HttpConfig

__all__ = ["Account", "Finding", "Health", "check", "accounts_to_check", "diagnose", "expiry_findings"]

CHECKS: dict[str, str] = {name: f"smmgen.publish.doctor.{name}" for name in
                          ("bluesky", "mastodon", "telegram", "x", "facebook", "instagram", "threads", "linkedin",
                           "vk")}
EXPIRY_WARNING = dt.timedelta(days=14)


@dataclass(frozen=True)
class Account:
    """An account to check: its name, the handle smmgen.toml gives it, and the publisher's context for it."""

    name: str
    platform: str
    handle: str
    context: AdapterContext


def _probe(platform: str) -> Any:
    """The module whose ``check(ctx, report)`` knows ``platform``, or None."""
    if platform in CHECKS:
        return importlib.import_module(CHECKS[platform])
    from smmgen.publish import registry

    try:
        adapter = registry.module(platform)
    except (KeyError, ImportError):
        return None
    return adapter if callable(getattr(adapter, "check", None)) else None


def check(ctx: AdapterContext, *, account: str | None = None, handle: str = "") -> Health:
    """One account's health. Never raises for what the platform answers; never prints a credential."""
    report = Report(account=account or ctx.name, platform=ctx.name, handle=handle)
    probe = _probe(ctx.name)
    if probe is None:
        report.could_not_check("unknown", "check.unsupported",
                               f"smmgen has no credential check for {ctx.name}")
        return report.health()
    try:
        probe.check(ctx, report)
    except AuthError as e:
        if e.status is None and e.detail.startswith("environment variable"):
            # Refused before anything was sent: the variable is not set or holds no credential.
            report.error("credentials.missing", e.detail)
        else:
            status = f" (HTTP {e.status})" if e.status else ""
            report.error("auth.rejected", f"{ctx.name} refused the credentials: {e.detail}{status}; renew them "
                         "and update the secret")
    except RateLimited as e:
        # Like an outage: the platform did not answer the question, which says nothing about the credentials.
        report.could_not_check("outage", "check.rate_limited", f"could not check: {ctx.name} asked to wait"
                               + (f" {e.retry_after:.0f} s" if e.retry_after is not None else "")
                               + (f" (HTTP {e.status})" if e.status else ""))
    except PublishError as e:
        if e.transient:
            answered = f"{ctx.name} answered {e.status}" if e.status else f"{ctx.name}: {e.detail}"
            report.could_not_check("outage", "check.outage", f"could not check: {answered}; this says nothing "
                                   "about the credentials, try again later")
        else:
            report.could_not_check("unknown", "check.unexpected", f"could not check: {e.detail}"
                                   + (f" (HTTP {e.status})" if e.status else ""))
    except ConfigError as e:
        report.error("config.missing", e.message)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        # An answer in a shape the check does not know (a proxy's page, a changed API): no verdict on the token.
        report.could_not_check("unknown", "check.unexpected", f"could not check: {ctx.name} answered in an "
                               f"unexpected shape ({type(e).__name__})")
    return report.health()


def expiry_findings(health: Health, now: dt.datetime, warning: dt.timedelta = EXPIRY_WARNING) -> Health:
    """``health`` with a problem added when its credential has expired or expires within ``warning``."""
    if health.expires_at is None or health.status == "outage":
        return health
    left = health.expires_at - now
    how = (f"refresh it without a person: {health.refresh}; then store the new token in the secret"
           if health.refreshable and health.refresh else "renew it and update the secret")
    if left <= dt.timedelta(0):
        finding = Finding("token.expired", f"the token expired on {_day(health.expires_at)}; {how}")
    elif left <= warning:
        finding = Finding("token.expiring", f"the token expires on {_day(health.expires_at)}, in "
                          f"{_days(left)}; {how}")
    else:
        return health
    return replace(health, status="problem", findings=(*health.findings, finding))


def _day(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _days(left: dt.timedelta) -> str:
    days = left.total_seconds() / 86400
    return f"{days:.0f} days" if days >= 1.5 else f"{left.total_seconds() / 3600:.0f} hours"


def accounts_to_check(site: Any, env: Mapping[str, str] | None = None) -> list[Account]:
    """Every account of the site (each enabled platform's default one, then the ``[accounts.<name>]`` ones), with
    the context the publisher builds for it (``smmgen.publish.runner.publish``): its settings, its credentials'
    variable prefix."""
    from smmgen.config.accounts import accounts as site_accounts
    from smmgen.publish.runner import platform_settings

    env = os.environ if env is None else env
    settings = dict(site.publish or {})
    http = HttpConfig.from_settings(settings)
    out = []
    for a in site_accounts(site):
        if a.is_default:
            context = AdapterContext(name=a.platform, settings=platform_settings(a.platform, settings),
                                     platform_options=a.settings.options, env=env, http=http,
                                     budget=Budget(http.retry_budget))
        else:
            context = AdapterContext(name=a.platform, settings=a.publish, platform_options=a.settings.options,
                                     env=env, http=http, budget=Budget(http.retry_budget),
                                     env_prefix=a.env_prefix, account_name=a.name)
        out.append(Account(name=a.name, platform=a.platform, handle=a.handle, context=context))
    return out


def diagnose(accounts: Sequence[Account], *, now: dt.datetime,
             expiry_warning: dt.timedelta = EXPIRY_WARNING) -> list[Health]:
    """Check every account, one after another (a few reads each)."""
    out = []
    for acct in accounts:
        try:
            health = check(acct.context, account=acct.name, handle=acct.handle)
        except SmmgenError as e:      # a check's own bug must not hide the other accounts' answers
            health = Health(acct.name, acct.platform, "unknown",
                            (Finding("check.failed", f"could not check: {e.message}", "warning"),))
        out.append(expiry_findings(health, now, expiry_warning))
    return out
