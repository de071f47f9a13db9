"""``smmgen doctor`` against the contract fakes of X, Facebook, Instagram, Threads, LinkedIn and VK: for every
platform a valid credential, a wrong one, an expired one, another account's, one missing a scope or right, and a
5xx (an outage, not a dead token); then what each platform tells beyond that (expiry, refresh, token kinds)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Helpers of the harness plugins are imported by name below: marked for assertion rewriting first, as pytest does
# for every plugin it loads itself.
pytest.register_assert_rewrite("support.publishing", "support.fake_platforms")

from fakes.graph import graph_error
from fakes.server import Fault, Response
from support.fake_platforms import NEW_PLATFORMS, PlatformHarness, open_platform
from support.publishing import env_without_secrets, write_site

from smmgen.config.site import load_site
from smmgen.publish.doctor import Health, accounts_to_check, diagnose

REPO = Path(__file__).resolve().parent.parent
HANDLES = {"x": "@NorthbridgeNews", "facebook": "NorthbridgeCourier", "instagram": "@northbridgecourier",
           "threads": "@northbridgecourier", "linkedin": "the-northbridge-courier", "vk": "northbridgecourier"}


@pytest.fixture
def opened() -> Iterator[Callable[..., PlatformHarness]]:
    running: list[Iterator[PlatformHarness]] = []

    def open_one(name: str, **kw: Any) -> PlatformHarness:
        harness = open_platform(name, **kw)
        running.append(harness)
        return next(harness)

    yield open_one
    for harness in running:
        harness.close()


def check(h: PlatformHarness, tmp_path: Path, env: dict[str, str] | None = None, *more: str,
          now: dt.datetime | None = None) -> Health:
    site = write_site(tmp_path / "site", h.table, f'[platforms.{h.name}]\nhandle = "{HANDLES[h.name]}"\n', *more)
    (only,) = diagnose(accounts_to_check(load_site(site), h.env if env is None else env),
                       now=now or dt.datetime.now(dt.UTC))
    return only


def codes(h: Health) -> dict[str, str]:
    return {f.code: f.severity for f in h.findings}


def errors(h: Health) -> set[str]:
    return {f.code for f in h.findings if f.severity == "error"}


def _wrong(h: PlatformHarness) -> dict[str, str]:
    if h.name == "x":
        return {**h.env, "SMMGEN_X_ACCESS_SECRET": "not-the-secret"}
    (variable,) = h.env
    return {variable: "wrongToken0000"}


def _expire(h: PlatformHarness) -> None:
    fake = h.fake
    if h.name == "x":
        fake.expire_bearer()
    elif h.name in ("facebook", "instagram", "threads"):
        fake.tokens[fake.token].expired = True
        fake.tokens[fake.token].expires_at = int(time.time()) - 3600
    else:
        fake.expire()


def _expire_env(h: PlatformHarness) -> dict[str, str]:
    # X: OAuth 1.0a tokens do not expire; an OAuth 2.0 user token does, after 2 hours.
    return {"SMMGEN_X_BEARER_TOKEN": h.fake.bearer} if h.name == "x" else h.env


def _other(h: PlatformHarness) -> dict[str, str]:
    if h.name == "x":
        return {**h.env, "SMMGEN_X_ACCESS_TOKEN": h.fake.other_access_token,
                "SMMGEN_X_ACCESS_SECRET": h.fake.other_access_secret}
    (variable,) = h.env
    return {variable: h.fake.other_token}


def _take_right(h: PlatformHarness) -> None:
    fake = h.fake
    if h.name == "x":
        fake.enrolled = False
    elif h.name in ("facebook", "instagram", "threads"):
        needed = {"facebook": "pages_manage_posts", "instagram": "instagram_content_publish",
                  "threads": "threads_delete"}[h.name]
        fake.tokens[fake.token].scopes.remove(needed)
    elif h.name == "linkedin":
        fake.tokens[fake.token]["roles"][fake.author] = "ANALYST"
    else:
        fake.tokens[fake.token]["permissions"].remove("photos")


TAKEN = {"x": "access.forbidden", "facebook": "scope.missing", "instagram": "scope.missing",
         "threads": "scope.missing", "linkedin": "permission.missing", "vk": "scope.missing"}
OTHER = {"x": "account.mismatch", "facebook": "account.mismatch", "instagram": "account.mismatch",
         "threads": "account.mismatch", "linkedin": "permission.missing", "vk": "account.mismatch"}


@pytest.mark.parametrize("name", NEW_PLATFORMS)
def test_valid_credentials(opened, tmp_path: Path, name: str) -> None:
    h = opened(name)
    result = check(h, tmp_path)
    assert result.status == "ok", result.findings
    assert not errors(result) and result.who


@pytest.mark.parametrize("name", NEW_PLATFORMS)
def test_wrong_credentials(opened, tmp_path: Path, name: str) -> None:
    h = opened(name)
    result = check(h, tmp_path, _wrong(h))
    assert result.status == "problem" and errors(result) == {"auth.rejected"}, result.findings
    assert "could not check" not in result.findings[0].message


@pytest.mark.parametrize("name", NEW_PLATFORMS)
def test_expired_credentials(opened, tmp_path: Path, name: str) -> None:
    h = opened(name)
    _expire(h)
    result = check(h, tmp_path, _expire_env(h))
    assert result.status == "problem" and errors(result) == {"auth.rejected"}, result.findings
    if name in ("facebook", "instagram", "threads", "linkedin", "vk"):
        assert "expired" in result.findings[0].message


@pytest.mark.parametrize("name", NEW_PLATFORMS)
def test_another_accounts_credentials(opened, tmp_path: Path, name: str) -> None:
    h = opened(name)
    result = check(h, tmp_path, _other(h))
    assert result.status == "problem" and OTHER[name] in errors(result), result.findings


@pytest.mark.parametrize("name", NEW_PLATFORMS)
def test_a_missing_scope_or_right(opened, tmp_path: Path, name: str) -> None:
    h = opened(name)
    _take_right(h)
    result = check(h, tmp_path)
    assert result.status == "problem" and errors(result) == {TAKEN[name]}, result.findings


@pytest.mark.parametrize("name", NEW_PLATFORMS)
def test_5xx_is_an_outage(opened, tmp_path: Path, name: str) -> None:
    h = opened(name)
    h.server.inject(Fault("", "status", Response(503, {"error": "Service Unavailable"}), times=50))
    result = check(h, tmp_path)
    assert result.status == "outage" and codes(result) == {"check.outage": "warning"}
    assert result.findings[0].message.startswith(f"could not check: {name} answered 503")


# --- what each platform tells beyond that ---------------------------------------------------------------------

def test_x_oauth2_bearer_tokens_are_short_lived_and_refreshable_only_with_a_client_id(opened, tmp_path: Path) -> None:
    h = opened("x")
    bearer = {"SMMGEN_X_BEARER_TOKEN": h.fake.bearer}
    alone = check(h, tmp_path, bearer)
    assert alone.status == "ok" and codes(alone) == {"token.short_lived": "warning"} and alone.refreshable is False
    assert "OAuth 1.0a" in alone.findings[0].message
    refreshable = check(h, tmp_path, {**bearer, "SMMGEN_X_CLIENT_ID": "Y2xpZW50LWlk",
                                      "SMMGEN_X_REFRESH_TOKEN": "cmVmcmVzaC10b2tlbg"})
    assert refreshable.refreshable is True and "grant_type=refresh_token" in refreshable.refresh


def test_x_missing_keys_are_named(opened, tmp_path: Path) -> None:
    h = opened("x")
    result = check(h, tmp_path, {"SMMGEN_X_API_KEY": h.fake.consumer_key})
    assert errors(result) == {"credentials.missing"}
    assert "SMMGEN_X_API_SECRET, SMMGEN_X_ACCESS_TOKEN, SMMGEN_X_ACCESS_SECRET" in result.findings[0].message


def test_facebook_page_token_facts(opened, tmp_path: Path) -> None:
    h = opened("facebook")
    token = h.fake.tokens[h.fake.token]
    ok = check(h, tmp_path)
    assert ok.who == "The Northbridge Courier (Page 104955112233445)" and ok.expires_at is None
    assert ok.scopes == ("pages_show_list", "pages_read_engagement", "pages_manage_posts") and ok.refreshable is False
    # Data access ends in 5 days: a problem now (within 14 days), none with a 3-day warning.
    token.data_access_expires_at = int(time.time()) + 5 * 86400
    soon = check(h, tmp_path)
    assert soon.status == "problem" and errors(soon) == {"token.expiring"}
    assert codes(soon)["token.data_access"] == "info" and "renew it" in soon.findings[-1].message
    (later,) = diagnose(accounts_to_check(load_site(tmp_path / "site"), h.env), now=dt.datetime.now(dt.UTC),
                        expiry_warning=dt.timedelta(days=3))
    assert later.status == "ok"
    token.type = "USER"
    assert "token.type" in errors(check(h, tmp_path))


def test_instagram_quota_and_instagram_login(opened, tmp_path: Path) -> None:
    h = opened("instagram")
    ok = check(h, tmp_path)
    assert ok.who == "@northbridgecourier (17841400000000001)" and codes(ok) == {"quota.publishing": "info"}
    login = opened("instagram", delete_allowed=False)       # the harness's table says api = "instagram_login"
    result = check(login, tmp_path / "login")
    assert result.status == "ok" and codes(result) == {"token.expiry_unknown": "warning"}
    assert result.refreshable is True and "ig_refresh_token" in result.refresh


def test_threads_expiry_and_refresh(opened, tmp_path: Path) -> None:
    h = opened("threads")
    ok = check(h, tmp_path)
    assert ok.status == "ok" and ok.refreshable is True and ok.expires_at is not None
    assert dt.timedelta(days=49) < ok.expires_at - dt.datetime.now(dt.UTC) <= dt.timedelta(days=50)
    h.fake.tokens[h.fake.token].expires_at = int(time.time()) + 3 * 86400
    soon = check(h, tmp_path)
    assert soon.status == "problem" and errors(soon) == {"token.expiring"}
    assert "th_refresh_token" in soon.findings[-1].message


def test_threads_debug_token_refused_leaves_the_expiry_unknown(opened, tmp_path: Path) -> None:
    h = opened("threads")
    h.server.inject(Fault("debug_token", "status", graph_error(10, "(#10) Application does not have permission for "
                                                                   "this action", status=403), times=5))
    result = check(h, tmp_path)
    assert result.status == "ok" and codes(result) == {"token.expiry_unknown": "info"}
    assert result.expires_at is None and result.refreshable is True


def test_linkedin_introspection_with_the_apps_credentials(opened, tmp_path: Path) -> None:
    h = opened("linkedin")
    plain = check(h, tmp_path)
    assert codes(plain) == {"token.expiry_unknown": "warning"} and plain.expires_at is None
    assert plain.who == "urn:li:person:Ed1torCour13r (ADMINISTRATOR of urn:li:organization:2414183)"
    client = {**h.env, "SMMGEN_LINKEDIN_CLIENT_ID": h.fake.client_id,
              "SMMGEN_LINKEDIN_CLIENT_SECRET": h.fake.client_secret}
    oauth = f'oauth_base = "{h.fake.url}"\n'
    table = h.table + oauth
    site = write_site(tmp_path / "s2", table, f'[platforms.linkedin]\nhandle = "{HANDLES["linkedin"]}"\n')
    (full,) = diagnose(accounts_to_check(load_site(site), client), now=dt.datetime.now(dt.UTC))
    assert full.status == "ok" and full.findings == () and full.refreshable is False
    assert "w_organization_social" in full.scopes and full.expires_at is not None
    h.fake.tokens[h.fake.token]["scopes"].remove("w_organization_social")
    (lacking,) = diagnose(accounts_to_check(load_site(site), client), now=dt.datetime.now(dt.UTC))
    assert errors(lacking) == {"scope.missing"}
    h.fake.tokens[h.fake.token]["scopes"].remove("r_organization_admin")
    (blind,) = diagnose(accounts_to_check(load_site(site), client), now=dt.datetime.now(dt.UTC))
    assert codes(blind)["scope.unreadable"] == "warning"


def test_linkedin_person_author(opened, tmp_path: Path) -> None:
    h = opened("linkedin")
    h.fake.tokens[h.fake.token]["scopes"].append("openid")
    table = h.table.replace(h.fake.author, "urn:li:person:Ed1torCour13r")
    site = write_site(tmp_path / "site", table, '[platforms.linkedin]\nhandle = "ed"\n')
    (me,) = diagnose(accounts_to_check(load_site(site), h.env), now=dt.datetime.now(dt.UTC))
    assert me.who == "urn:li:person:Ed1torCour13r" and not errors(me)
    other = write_site(tmp_path / "other", h.table.replace(h.fake.author, "urn:li:person:SomeoneElse"),
                       '[platforms.linkedin]\nhandle = "ed"\n')
    (mismatch,) = diagnose(accounts_to_check(load_site(other), h.env), now=dt.datetime.now(dt.UTC))
    assert errors(mismatch) == {"account.mismatch"}


def test_vk_user_tokens_need_an_editor(opened, tmp_path: Path) -> None:
    h = opened("vk")
    user = {"SMMGEN_VK_TOKEN": h.fake.user_token}
    editor = check(h, tmp_path, user)
    assert editor.status == "ok" and editor.who == "Vera Editor (id743000111)"
    h.fake.admin_level = 1
    moderator = check(h, tmp_path, user)
    assert errors(moderator) == {"permission.missing"}, moderator


def test_vk_internal_error_is_an_outage(opened, tmp_path: Path) -> None:
    h = opened("vk")
    h.server.inject(Fault("", "status", h.fake.server_error(), times=50))
    result = check(h, tmp_path)
    assert result.status == "outage" and "VK error 10" in result.findings[0].message


@pytest.mark.parametrize("name", NEW_PLATFORMS)
def test_the_command_never_prints_a_credential(opened, tmp_path: Path, name: str) -> None:
    h = opened(name)
    site = write_site(tmp_path / "site", h.table, f'[platforms.{name}]\nhandle = "{HANDLES[name]}"\n')
    environ = {k: v for k, v in env_without_secrets().items() if k != "GITHUB_ACTIONS"}
    environ.update(PYTHONPATH=str(REPO), GITHUB_ACTIONS="true")
    wrong = _wrong(h)
    shown = ""
    for env, extra in ((h.env, ()), (wrong, ("--json",)), (_other(h), ())):
        run = subprocess.run([sys.executable, "-m", "smmgen", "doctor", "--site", str(site), *extra],
                             env={**environ, **env}, capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode in (0, 1), run.stderr
        shown += run.stdout + run.stderr
    for secret in {*h.secrets, *wrong.values(), *_other(h).values()}:
        assert secret not in shown, secret


def test_the_command_fails_14_days_before_a_token_expires(opened, tmp_path: Path) -> None:
    h = opened("threads")
    site = write_site(tmp_path / "site", h.table, f'[platforms.threads]\nhandle = "{HANDLES["threads"]}"\n')
    environ = {k: v for k, v in env_without_secrets().items() if k != "GITHUB_ACTIONS"}
    environ.update(PYTHONPATH=str(REPO), GITHUB_ACTIONS="true", **h.env)
    expires = dt.datetime.fromtimestamp(h.fake.tokens[h.fake.token].expires_at, dt.UTC)

    def doctor(now: dt.datetime, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "smmgen", "doctor", "--site", str(site), "--now",
                               now.strftime("%Y-%m-%dT%H:%M:%SZ"), *args], env=environ, capture_output=True,
                              text=True, timeout=120, check=False)

    assert doctor(expires - dt.timedelta(days=15)).returncode == 0
    soon = doctor(expires - dt.timedelta(days=10))
    assert soon.returncode == 1
    assert "::error::smmgen doctor: threads: token.expiring: the token expires on" in soon.stdout
    assert doctor(expires - dt.timedelta(days=10), "--expiry-warning", "7d").returncode == 0
    assert doctor(expires - dt.timedelta(days=10), "--expiry-warning", "21d").returncode == 1
