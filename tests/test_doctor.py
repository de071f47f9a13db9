"""``smmgen doctor`` against the contract fakes (Telegram, Mastodon) and the real local Bluesky PDS: a valid
credential, a wrong one, an expired or revoked one, another account's, one missing a right or scope, and the
platform answering 5xx (an outage, never "your token is dead"). No credential ever reaches the output."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from fakes.server import Fault, Response
from support.pds import create_account
from support.publishing import Harness, env_without_secrets, write_site

from smmgen.config.site import load_site
from smmgen.publish.doctor import Health, accounts_to_check, diagnose, expiry_findings

REPO = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
PLATFORM_TABLES = {
    "telegram": '[platforms.telegram]\nhandle = "@courier_news"\n',
    "mastodon": '[platforms.mastodon]\nhandle = "@courier@social.example"\n',
}


def site_for(h: Harness, folder: Path, platform_table: str | None = None, *more: str) -> Path:
    table = platform_table if platform_table is not None else PLATFORM_TABLES[h.name]
    return write_site(folder, h.table, table, *more)


def health(site: Path, env: dict[str, str], now: dt.datetime = NOW) -> Health:
    (only,) = diagnose(accounts_to_check(load_site(site), env), now=now)
    return only


def codes(h: Health) -> dict[str, str]:
    return {f.code: f.severity for f in h.findings}


def smmgen_doctor(site: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in env_without_secrets().items() if k != "GITHUB_ACTIONS"}
    environ.update(PYTHONPATH=str(REPO), **env)
    return subprocess.run([sys.executable, "-m", "smmgen", "doctor", "--site", str(site), *args], env=environ,
                          capture_output=True, text=True, timeout=120, check=False)


def outage(h: Harness, times: int = 20) -> None:
    """Every request answers the platform's 5xx (more times than the retries)."""
    h.server.inject(Fault("", "status", h.server_error(), times=times))


# --- Telegram -------------------------------------------------------------------------------------------------

def test_telegram_valid_bot_with_the_right_to_post(telegram: Harness, tmp_path: Path) -> None:
    result = health(site_for(telegram, tmp_path), telegram.env)
    assert result.status == "ok", result.findings
    assert result.who == "@courier_bot (bot 7354120011) in @courier_news (channel -1001234567890)"
    assert result.scopes == ("can_post_messages", "can_edit_messages", "can_delete_messages")
    assert result.findings == () and result.expires_at is None


def test_telegram_wrong_and_revoked_tokens_are_refused_credentials(telegram: Harness, tmp_path: Path) -> None:
    site = site_for(telegram, tmp_path)
    wrong = health(site, {"SMMGEN_TELEGRAM_BOT_TOKEN": "7354120011:AAH-not-the-token"})
    assert wrong.status == "problem" and codes(wrong) == {"auth.rejected": "error"}
    assert "HTTP 401" in wrong.findings[0].message
    telegram.server.revoke()
    revoked = health(site, telegram.env)
    assert revoked.status == "problem" and codes(revoked) == {"auth.rejected": "error"}


def test_telegram_a_missing_token_is_named(telegram: Harness, tmp_path: Path) -> None:
    result = health(site_for(telegram, tmp_path), {})
    assert result.status == "problem" and codes(result) == {"credentials.missing": "error"}
    assert "SMMGEN_TELEGRAM_BOT_TOKEN is not set" in result.findings[0].message
    assert telegram.server.seen == []                  # nothing was sent


def test_telegram_another_bots_token_is_no_administrator(telegram: Harness, tmp_path: Path) -> None:
    result = health(site_for(telegram, tmp_path), {"SMMGEN_TELEGRAM_BOT_TOKEN": telegram.server.other_token})
    assert result.status == "problem" and codes(result) == {"permission.not_admin": "error"}
    assert result.who.startswith("@courier_sport_bot (bot 6120045512)")
    assert "it is left" in result.findings[0].message


def test_telegram_an_administrator_without_the_right_to_post(telegram: Harness, tmp_path: Path) -> None:
    telegram.server.set_rights(can_post_messages=False, can_delete_messages=True)
    result = health(site_for(telegram, tmp_path), telegram.env)
    assert result.status == "problem" and codes(result) == {"permission.missing": "error"}
    assert result.scopes == ("can_delete_messages",)
    assert "can_post_messages" in result.findings[0].message
    # The fake holds the publisher to the same rule: the post is refused.
    answer = requests.post(f"{telegram.server.url}/bot{telegram.server.token}/sendMessage", timeout=10,
                           json={"chat_id": "@courier_news", "text": "hello"})
    assert answer.status_code == 400 and "need administrator rights" in answer.json()["description"]


def test_telegram_a_chat_the_bot_cannot_see_and_a_handle_that_names_another_channel(telegram: Harness,
                                                                                     tmp_path: Path) -> None:
    site = site_for(telegram, tmp_path, '[platforms.telegram]\nhandle = "@northbridgecourier"\n')
    mismatch = health(site, telegram.env)
    assert mismatch.status == "ok" and codes(mismatch) == {"account.handle_mismatch": "warning"}
    config = site / "smmgen.toml"
    config.write_text(config.read_text().replace('chat_id = "@courier_news"', 'chat_id = "@courier_newz"'))
    unknown = health(site, telegram.env)
    assert unknown.status == "problem" and codes(unknown) == {"chat.not_found": "error"}


def test_telegram_5xx_is_an_outage_not_a_dead_token(telegram: Harness, tmp_path: Path) -> None:
    site = site_for(telegram, tmp_path)
    outage(telegram)
    result = health(site, telegram.env)
    assert result.status == "outage" and codes(result) == {"check.outage": "warning"}
    assert result.findings[0].message.startswith("could not check: telegram answered 500")
    assert "refused" not in result.findings[0].message


def test_telegram_flood_control_is_could_not_check(telegram: Harness, tmp_path: Path) -> None:
    site = site_for(telegram, tmp_path)
    telegram.server.inject(Fault("getMe", "status", telegram.rate_limited(600), times=50))
    result = health(site, telegram.env)
    assert result.status == "outage" and codes(result) == {"check.rate_limited": "warning"}
    assert result.findings[0].message == "could not check: telegram asked to wait 600 s (HTTP 429)"


def test_telegram_a_refused_connection_is_an_outage(tmp_path: Path) -> None:
    site = write_site(tmp_path, '[publish.telegram]\nchat_id = "@c"\napi_base = "http://127.0.0.1:9"\n',
                      PLATFORM_TABLES["telegram"])
    result = health(site, {"SMMGEN_TELEGRAM_BOT_TOKEN": "1:abc"})
    assert result.status == "outage"
    assert result.findings[0].message.startswith("could not check: telegram: cannot connect")


# --- Mastodon -------------------------------------------------------------------------------------------------

def test_mastodon_valid_token_matching_handle_and_instance(mastodon: Harness, tmp_path: Path) -> None:
    result = health(site_for(mastodon, tmp_path), mastodon.env)
    assert result.status == "ok", result.findings
    assert result.who == "@courier@social.example (id 1)" and result.scopes == ("read", "write")


def test_mastodon_wrong_revoked_and_expired_tokens(mastodon: Harness, tmp_path: Path) -> None:
    site = site_for(mastodon, tmp_path)
    wrong = health(site, {"SMMGEN_MASTODON_TOKEN": "not-a-token"})
    assert wrong.status == "problem" and codes(wrong) == {"auth.rejected": "error"}
    assert "The access token is invalid (HTTP 401)" in wrong.findings[0].message
    mastodon.server.expire()
    expired = health(site, mastodon.env)
    assert codes(expired) == {"auth.rejected": "error"} and "expired" in expired.findings[0].message
    mastodon.server.revoke()
    assert "revoked" in health(site, mastodon.env).findings[0].message


def test_mastodon_another_accounts_token(mastodon: Harness, tmp_path: Path) -> None:
    result = health(site_for(mastodon, tmp_path), {"SMMGEN_MASTODON_TOKEN": mastodon.server.other_token})
    assert result.status == "problem" and codes(result) == {"account.mismatch": "error"}
    assert result.who == "@sport@social.example (id 2)"


@pytest.mark.parametrize(("scopes", "lacking"), [
    (["read", "write:statuses"], ["write:media"]),
    (["profile", "write:statuses", "write:media"], []),
    (["write"], ["read:accounts"]),
    (["read:accounts"], ["write:statuses", "write:media"]),
])
def test_mastodon_missing_scopes(mastodon: Harness, tmp_path: Path, scopes: list[str], lacking: list[str]) -> None:
    mastodon.server.set_scopes(scopes)
    result = health(site_for(mastodon, tmp_path), mastodon.env)
    if not lacking:
        assert result.status == "ok", result.findings
        return
    assert result.status == "problem" and set(codes(result)) == {"scope.missing"}
    text = " ".join(f.message for f in result.findings)
    assert all(scope in text for scope in lacking)


def test_mastodon_instance_configuration_against_smmgen_toml(mastodon: Harness, tmp_path: Path) -> None:
    server = mastodon.server
    server.max_characters, server.per_url, server.image_size_limit = 5000, 30, 2_000_000
    result = health(site_for(mastodon, tmp_path), mastodon.env)
    assert result.status == "problem"
    assert codes(result) == {"config.max_characters": "warning", "config.characters_reserved_per_url": "error",
                             "media.size": "error"}
    text = {f.code: f.message for f in result.findings}
    assert "set max_characters = 5000" in text["config.max_characters"]
    assert "set characters_reserved_per_url = 30" in text["config.characters_reserved_per_url"]
    server.max_characters, server.per_url, server.image_size_limit = 400, 23, 16_777_216
    smaller = health(site_for(mastodon, tmp_path), mastodon.env)
    assert codes(smaller) == {"config.max_characters": "error"}
    server.max_characters, server.image_matrix_limit = 500, 640 * 480
    pixels = health(site_for(mastodon, tmp_path), mastodon.env)
    assert codes(pixels) == {"media.size": "error"} and "307,200 pixels" in pixels.findings[0].message


def test_mastodon_server_that_does_not_list_scopes(mastodon: Harness, tmp_path: Path) -> None:
    mastodon.server.app_scopes_listed = False
    result = health(site_for(mastodon, tmp_path), mastodon.env)
    assert result.status == "ok" and codes(result) == {"scope.unlisted": "info"} and result.scopes is None


def test_mastodon_5xx_is_an_outage(mastodon: Harness, tmp_path: Path) -> None:
    site = site_for(mastodon, tmp_path)
    outage(mastodon)
    result = health(site, mastodon.env)
    assert result.status == "outage"
    assert result.findings[0].message.startswith("could not check: mastodon answered 500")


# --- Bluesky, on the real local PDS ---------------------------------------------------------------------------

def _bluesky_site(h: Harness, folder: Path, handle: str) -> Path:
    return write_site(folder, h.table, f'[platforms.bluesky]\nhandle = "@{handle}"\n')


def _app_password(h: Harness) -> str:
    """A new app password of the harness's account (created through the PDS, as a person does in Settings)."""
    upstream = h.server.upstream
    session = requests.post(f"{upstream}/xrpc/com.atproto.server.createSession", timeout=10,
                            json={"identifier": h.env["SMMGEN_BLUESKY_HANDLE"],
                                  "password": h.env["SMMGEN_BLUESKY_APP_PASSWORD"]}).json()
    answer = requests.post(f"{upstream}/xrpc/com.atproto.server.createAppPassword", timeout=10,
                           headers={"Authorization": f"Bearer {session['accessJwt']}"}, json={"name": "smmgen"})
    assert answer.status_code == 200, answer.text
    return answer.json()["password"]


@pytest.mark.slow
def test_bluesky_valid_app_password(bluesky: Harness, tmp_path: Path) -> None:
    handle = bluesky.env["SMMGEN_BLUESKY_HANDLE"]
    env = {**bluesky.env, "SMMGEN_BLUESKY_APP_PASSWORD": _app_password(bluesky)}
    result = health(_bluesky_site(bluesky, tmp_path, handle), env)
    assert result.status == "ok", result.findings
    assert result.who.startswith(f"@{handle} (did:plc:") and result.scopes == ("com.atproto.appPass",)


@pytest.mark.slow
def test_bluesky_main_password_is_a_warning(bluesky: Harness, tmp_path: Path) -> None:
    result = health(_bluesky_site(bluesky, tmp_path, bluesky.env["SMMGEN_BLUESKY_HANDLE"]), bluesky.env)
    assert result.status == "ok" and codes(result) == {"auth.main_password": "warning"}
    assert result.scopes == ("com.atproto.access",)


@pytest.mark.slow
def test_bluesky_wrong_and_revoked_passwords(bluesky: Harness, tmp_path: Path) -> None:
    handle = bluesky.env["SMMGEN_BLUESKY_HANDLE"]
    site = _bluesky_site(bluesky, tmp_path, handle)
    wrong = health(site, {**bluesky.env, "SMMGEN_BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"})
    assert wrong.status == "problem" and codes(wrong) == {"auth.rejected": "error"}
    assert "AuthenticationRequired" in wrong.findings[0].message and "HTTP 401" in wrong.findings[0].message
    # An app password revoked in the account's settings: the PDS refuses it like a wrong one.
    password = _app_password(bluesky)
    upstream = bluesky.server.upstream
    session = requests.post(f"{upstream}/xrpc/com.atproto.server.createSession", timeout=10,
                            json={"identifier": handle, "password": bluesky.env["SMMGEN_BLUESKY_APP_PASSWORD"]}).json()
    requests.post(f"{upstream}/xrpc/com.atproto.server.revokeAppPassword", timeout=10, json={"name": "smmgen"},
                  headers={"Authorization": f"Bearer {session['accessJwt']}"}).raise_for_status()
    revoked = health(site, {**bluesky.env, "SMMGEN_BLUESKY_APP_PASSWORD": password})
    assert revoked.status == "problem" and codes(revoked) == {"auth.rejected": "error"}


@pytest.mark.slow
def test_bluesky_another_accounts_credentials(bluesky: Harness, tmp_path: Path, bluesky_pds_server) -> None:
    other = create_account(bluesky_pds_server.pds_url, f"sport{os.getpid() % 10000}.test")
    site = _bluesky_site(bluesky, tmp_path, bluesky.env["SMMGEN_BLUESKY_HANDLE"])
    result = health(site, {"SMMGEN_BLUESKY_HANDLE": other.handle, "SMMGEN_BLUESKY_APP_PASSWORD": other.password})
    assert result.status == "problem" and "account.mismatch" in codes(result)
    assert result.who.startswith(f"@{other.handle} ({other.did})")


@pytest.mark.slow
def test_bluesky_5xx_is_an_outage(bluesky: Harness, tmp_path: Path) -> None:
    site = _bluesky_site(bluesky, tmp_path, bluesky.env["SMMGEN_BLUESKY_HANDLE"])
    outage(bluesky)
    result = health(site, bluesky.env)
    assert result.status == "outage"
    assert result.findings[0].message.startswith("could not check: bluesky answered 500")


# --- the command ----------------------------------------------------------------------------------------------

def test_expiry_within_the_warning_is_a_problem() -> None:
    soon = Health("threads", "threads", "ok", expires_at=NOW + dt.timedelta(days=10), refreshable=True,
                  refresh="GET /refresh_access_token")
    assert expiry_findings(soon, NOW).status == "problem"
    assert expiry_findings(soon, NOW).findings[-1].code == "token.expiring"
    assert "refresh it without a person: GET /refresh_access_token; then" in expiry_findings(soon, NOW).findings[-1].message
    assert expiry_findings(soon, NOW, dt.timedelta(days=7)).status == "ok"
    gone = expiry_findings(soon, NOW + dt.timedelta(days=11))
    assert gone.findings[-1].code == "token.expired"


def test_the_command_text_json_exit_codes_annotations_and_no_secret(telegram: Harness, mastodon: Harness,
                                                                     tmp_path: Path) -> None:
    site = write_site(tmp_path, telegram.table, mastodon.table, PLATFORM_TABLES["telegram"],
                      PLATFORM_TABLES["mastodon"])
    env = {**telegram.env, **mastodon.env}
    secrets = [telegram.server.token, mastodon.server.token]

    ok = smmgen_doctor(site, env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines()[0] == "mastodon: ok  @courier@social.example (id 1)"
    assert ok.stdout.splitlines()[-1] == "doctor: 2 ok"

    as_json = smmgen_doctor(site, env, "--json", "--now", "2026-03-02T06:00:00Z")
    assert as_json.returncode == 0
    doc = json.loads(as_json.stdout)
    assert doc["format"] == "smmgen-doctor" and doc["version"] == 1 and doc["ok"] is True
    assert doc["checked_at"] == "2026-03-02T06:00:00Z"
    assert [a["account"] for a in doc["accounts"]] == ["mastodon", "telegram"]
    assert set(doc["accounts"][0]) == {"account", "platform", "status", "who", "expires_at", "refreshable", "scopes",
                                       "refresh", "findings"}

    # A wrong Telegram token and a Mastodon outage: a problem (exit 1), annotated in Actions; the outage is a warning.
    mastodon.server.inject(Fault("", "status", mastodon.server_error(), times=50))
    bad = smmgen_doctor(site, {**env, "SMMGEN_TELEGRAM_BOT_TOKEN": "7354120011:AAH-wrong-secret-value",
                               "GITHUB_ACTIONS": "true"})
    assert bad.returncode == 1
    assert "::error::smmgen doctor: telegram: auth.rejected: " in bad.stdout
    assert "::warning::smmgen doctor: mastodon: check.outage: could not check: mastodon answered 500" in bad.stdout
    assert "doctor: 1 of 2 accounts have a problem" in bad.stderr
    for run in (ok, as_json, bad):
        for secret in [*secrets, "AAH-wrong-secret-value"]:
            assert secret not in run.stdout + run.stderr

    # Only the outage left: nothing wrong was found, but not everything could be checked (exit 3).
    only_outage = smmgen_doctor(site, {**env, "GITHUB_ACTIONS": "true"}, "--json")
    assert only_outage.returncode == 3, only_outage.stderr
    assert json.loads(only_outage.stdout)["accounts"][0]["status"] == "outage"
    assert "::warning::" in only_outage.stderr and "::" not in only_outage.stdout


def test_the_command_refuses_a_bad_expiry_warning(tmp_path: Path, telegram: Harness) -> None:
    site = site_for(telegram, tmp_path)
    run = smmgen_doctor(site, telegram.env, "--expiry-warning", "soon")
    assert run.returncode == 2 and "not a duration" in run.stderr


@pytest.mark.slow
def test_the_command_on_the_real_pds_prints_no_password(bluesky: Harness, tmp_path: Path) -> None:
    handle = bluesky.env["SMMGEN_BLUESKY_HANDLE"]
    site = _bluesky_site(bluesky, tmp_path, handle)
    ok = smmgen_doctor(site, bluesky.env, "--json")
    assert ok.returncode == 0, ok.stderr
    (account,) = json.loads(ok.stdout)["accounts"]
    assert account["who"].startswith(f"@{handle} (did:plc:") and account["status"] == "ok"
    wrong = smmgen_doctor(site, {**bluesky.env, "SMMGEN_BLUESKY_APP_PASSWORD": "wxyz-wrong-pass-word"},
                          "--expiry-warning", "30d")
    assert wrong.returncode == 1 and "auth.rejected" in wrong.stdout
    for secret in (bluesky.env["SMMGEN_BLUESKY_APP_PASSWORD"], "wxyz-wrong-pass-word"):
        assert secret not in ok.stdout + ok.stderr + wrong.stdout + wrong.stderr


def test_an_answer_in_an_unknown_shape_is_unknown_not_a_dead_token(telegram: Harness, tmp_path: Path) -> None:
    site = site_for(telegram, tmp_path)
    telegram.server.inject(Fault("getMe", "status", Response(200, b"<html>captive portal</html>",
                                                             {"Content-Type": "text/html"}), times=5))
    result = health(site, telegram.env)
    assert result.status == "unknown" and codes(result) == {"check.unexpected": "warning"}


def test_a_platform_without_a_check_is_unknown() -> None:
    from smmgen.publish.base import AdapterContext
    from smmgen.publish.doctor import check
    from smmgen.publish.http import Budget, HttpConfig

    ctx = AdapterContext(name="reddit", settings={}, platform_options={}, env={}, http=HttpConfig(), budget=Budget(1))
    result = check(ctx)
    assert result.status == "unknown" and codes(result) == {"check.unsupported": "warning"}


def test_every_account_is_checked_with_its_own_credentials(telegram: Harness, tmp_path: Path) -> None:
    """A declared account is checked beside the platform's default one, reading its own variables: a missing
    one is named for that account, and the default account's token is not borrowed for it."""
    site = site_for(telegram, tmp_path, None, '[accounts.courier-ru]\nplatform = "telegram"\n'
                    'handle = "@courier_news"\nenv = "SMMGEN_TELEGRAM_RU_"\nwhen = { lang = ["ru"] }\n'
                    'publish = { chat_id = "@courier_news" }\n')
    token = telegram.env["SMMGEN_TELEGRAM_BOT_TOKEN"]
    both = diagnose(accounts_to_check(load_site(site), {**telegram.env, "SMMGEN_TELEGRAM_RU_BOT_TOKEN": token}),
                    now=NOW)
    assert [(h.account, h.status) for h in both] == [("telegram", "ok"), ("courier-ru", "ok")]
    default, named = diagnose(accounts_to_check(load_site(site), telegram.env), now=NOW)
    assert default.status == "ok"
    assert named.status == "problem" and codes(named) == {"credentials.missing": "error"}
    assert "SMMGEN_TELEGRAM_RU_BOT_TOKEN" in named.findings[0].message


def test_a_missing_x_credential_is_named_as_the_account_reads_it(tmp_path: Path) -> None:
    site = write_site(tmp_path, '[platforms.x]\nhandle = "@courier"\n',
                      '[accounts.sport]\nplatform = "x"\nhandle = "@courier_sport"\nenv = "SMMGEN_X_SPORT_"\n'
                      'when = { tags = ["sport"] }\n')
    default, sport = diagnose(accounts_to_check(load_site(site), {}), now=NOW)
    assert "SMMGEN_X_API_KEY" in default.findings[0].message
    message = sport.findings[0].message
    assert "SMMGEN_X_SPORT_API_KEY is not set (account sport)" in message
    assert "SMMGEN_X_SPORT_BEARER_TOKEN" in message and "SMMGEN_X_API_KEY" not in message
