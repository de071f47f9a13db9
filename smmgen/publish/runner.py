"""The publish run from a site (``smmgen publish``): read the manifest, settings and accounts, hold the ledger
lock, and let the ``Publisher`` (``smmgen.publish.publisher``) decide and act, yielding its events.

The run's options, policies and events (``smmgen.publish.events``) are importable from here too.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from smmgen.config import schema as s
from smmgen.errors import ConfigError, ContentError, SmmgenError
from smmgen.publish.base import Adapter, AdapterContext
from smmgen.publish.events import (  # noqa: F401 (the run's vocabulary, read from here by the CLI and tests)
    ACTIONS,
    COLUMNS,
    PREFLIGHT_MAX_WAIT,
    CouldNotTell,
    Event,
    Options,
    Policy,
    RemovalLimit,
)
from smmgen.publish.http import Budget, HttpConfig
from smmgen.publish.ledger import Ledger
from smmgen.publish.lock import acquire
from smmgen.publish.manifest_reader import read_manifest
from smmgen.publish.preflight import open_preflight
from smmgen.publish.publisher import Publisher
from smmgen.site_files import inside


def platform_settings(name: str, publish: Mapping[str, Any]) -> Mapping[str, Any]:
    """``[publish.<name>]`` with its declared defaults filled in, also when the table is absent."""
    from smmgen.config.publish_settings import PLATFORM_SETTINGS

    given = publish.get(name)
    if given is not None:
        return given
    return s.validate({}, PLATFORM_SETTINGS.get(name, {})).values


def publish(site: Any, options: Options, *, manifest_path: Path | None = None,
            ledger_path: Path | None = None, env: Mapping[str, str] | None = None) -> Iterator[Event]:
    """Run the publisher for a loaded ``Site``: read the manifest, hold the ledger lock, yield events."""
    from smmgen.config.accounts import accounts as site_accounts
    from smmgen.config.publish_settings import MAX_POSTS_PER_RUN, floor_time
    from smmgen.publish import registry

    settings = dict(site.publish or {})
    env = os.environ if env is None else env
    manifest_path = manifest_path or site.output_dir / "manifest.json"
    if ledger_path is None:
        # From the site's own files: it must stay inside the site (an explicit --ledger is the operator's).
        ledger_path = site.root / (settings.get("ledger") or ".smmgen/ledger.json")
        if inside(ledger_path, Path(os.path.realpath(site.root))) is None:
            raise ConfigError(site.rel(ledger_path), "publish.ledger", f"leads to {os.path.realpath(ledger_path)}, "
                              "outside the site folder; keep the ledger in the site (or pass --ledger)")
    named = {a.name: a for a in site_accounts(site) if not a.is_default}
    if options.only and options.only not in registry.names() and options.only not in named:
        known = ", ".join([*registry.names(), *named])
        raise SmmgenError(f"--only {options.only}: no publisher by that name, nor an account (known: {known})")
    manifest = read_manifest(manifest_path, shown=site.rel(manifest_path))
    if manifest.base_url.rstrip("/") != site.base_url.rstrip("/"):
        raise ContentError(site.rel(manifest_path), None, "site.base_url",
                           f"built for {manifest.base_url}, but [site] base_url in smmgen.toml is {site.base_url}; "
                           "publish this site's own manifest (rebuild it with `smmgen build`)")
    removal_limit = RemovalLimit(articles=settings.get("removal_limit", RemovalLimit.articles),
                                 share=settings.get("removal_share", RemovalLimit.share))
    http = HttpConfig.from_settings(settings)
    policies = {}
    for name in registry.names():
        cuts_settings = site.platform(name)
        native = platform_settings(name, settings).get("native_scheduling")
        policies[name] = Policy(on_change=cuts_settings.get("on_change", "warn") if cuts_settings else "warn",
                                delete_retracted=cuts_settings.get("delete_retracted", True)
                                if cuts_settings else True,
                                schedule_window=getattr(registry.module(name), "SCHEDULE_WINDOW", None)
                                if native else None)
    for account in named.values():
        native = account.publish.get("native_scheduling")
        policies[account.name] = Policy(
            on_change=account.settings.get("on_change", "warn"),
            delete_retracted=account.settings.get("delete_retracted", True),
            schedule_window=getattr(registry.module(account.platform), "SCHEDULE_WINDOW", None) if native else None)

    def opener(name: str, account_name: str, budget: Budget) -> Adapter:
        account = named.get(account_name) if account_name != name else None
        if account_name != name and account is None:
            raise ConfigError("smmgen.toml", f"accounts.{account_name}", "the manifest names this account, which "
                              "smmgen.toml does not declare; rebuild, or declare it again")
        if account is None:
            platform = site.platform(name)
            ctx = AdapterContext(name=name, settings=platform_settings(name, settings),
                                 platform_options=platform.options if platform else {}, env=env, http=http,
                                 budget=budget)
        else:
            ctx = AdapterContext(name=name, settings=account.publish,
                                 platform_options=account.settings.options, env=env, http=http, budget=budget,
                                 env_prefix=account.env_prefix, account_name=account.name)
        return registry.open_adapter(ctx)

    preflight = None
    if options.preflight and settings.get("preflight", True):
        origins = (manifest.base_url, manifest.cards_base_url)
        preflight = open_preflight(manifest.entries, origins, http, env)
        for key, url in (("site.base_url", manifest.base_url), ("site.cards_base_url", manifest.cards_base_url)):
            refused = url and preflight.fetcher.refusal(url)
            if refused:
                preflight.close()
                raise ConfigError("smmgen.toml", key, f"{url}: {refused}; serve the site over HTTPS, or set "
                                  "[publish] preflight = false (or publish with --no-preflight)")

    def run(ledger: Ledger) -> Iterator[Event]:
        publisher = Publisher(entries=manifest.entries, settled=manifest.settled, ledger=ledger, options=options,
                              open_adapter=opener,
                              base_dir=manifest_path.parent, http=http, policies=policies,
                              known_platforms=registry.names(), removal_limit=removal_limit, site=site.base_url,
                              not_before=floor_time(settings.get("not_before"), site.timezone),
                              max_posts=settings.get("max_posts_per_run") or MAX_POSTS_PER_RUN,
                              preflight=preflight,
                              preflight_max_wait=settings.get("preflight_max_wait") or PREFLIGHT_MAX_WAIT)
        yield from publisher.run()

    try:
        if options.dry_run:
            yield from run(Ledger.load(ledger_path, read_only=True, shown=site.rel(ledger_path)))
            return
        with acquire(ledger_path, settings.get("lock_stale_after") or dt.timedelta(hours=1)):
            yield from run(Ledger.load(ledger_path, shown=site.rel(ledger_path)))
    finally:
        if preflight is not None:
            preflight.close()
