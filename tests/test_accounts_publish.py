"""Accounts on the publisher's side: a site published before accounts existed upgrades without a single repost or
edit; adding an account posts only that account's entries, with its own credentials (its env prefix) to its own
channel; a missing credential is reported for its account; no credential is ever printed."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.mastodon import FakeMastodon
from fakes.telegram import FakeTelegram

from smmgen.build.pipeline import build, write_output
from smmgen.cli.main import main
from smmgen.config.publish_settings import PUBLISH_SCHEMA
from smmgen.config.site import load_site
from smmgen.manifest import joined as joined_manifest
from smmgen.publish import runner

FIXTURE = Path(__file__).parent / "fixtures" / "ledger-v1"
PUBLISHED = dt.datetime(2026, 11, 25, 0, 0, tzinfo=dt.UTC)     # when the fixture's ledger was written
LATER = PUBLISHED + dt.timedelta(hours=2)
RU_TOKEN = "8811220033:AAH-fake-telegram-ru-token-77e1"

RU_ACCOUNT = """
[accounts.courier-ru]
platform = "telegram"
handle = "@courier_ru"
when = {{ lang = ["ru"] }}
env = "SMMGEN_TELEGRAM_RU_"
publish = {{ chat_id = "@courier_ru", api_base = "{api}" }}
"""


@pytest.fixture
def fakes():
    servers = {"telegram": FakeTelegram(), "mastodon": FakeMastodon(),
               "telegram-ru": FakeTelegram(RU_TOKEN, channel="@courier_ru", channel_id=-1009876543210)}
    for server in servers.values():
        server.start()
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def upgraded_site(tmp_path: Path, fakes: dict, more: str = "") -> Path:
    """The fixture site as today's smmgen finds it: its content, its config and the ledger an older smmgen
    wrote when it published it."""
    site = tmp_path / "site"
    shutil.copytree(FIXTURE / "content", site / "content")
    (site / ".smmgen").mkdir()
    shutil.copy(FIXTURE / "ledger.json", site / ".smmgen" / "ledger.json")
    text = (FIXTURE / "smmgen.toml.in").read_text().replace("{telegram}", fakes["telegram"].url)
    if "preflight" in PUBLISH_SCHEMA:
        # No page of this site is served: a publisher that checks the live page first is told not to.
        text = text.replace("[publish]\n", "[publish]\npreflight = false\n", 1)
    (site / "smmgen.toml").write_text(text.replace("{mastodon}", fakes["mastodon"].url) + more)
    return site


def build_and_publish(site: Path, env: dict[str, str], now: dt.datetime = LATER) -> list[runner.Event]:
    loaded = load_site(site)
    result = build(loaded)
    assert not result.errors, [e.message for e in result.errors]
    write_output(result)
    return list(runner.publish(loaded, runner.Options(now=now, explain=True), env=env))


def env_of(fakes: dict) -> dict[str, str]:
    return {"SMMGEN_TELEGRAM_BOT_TOKEN": fakes["telegram"].token, "SMMGEN_MASTODON_TOKEN": fakes["mastodon"].token,
            "SMMGEN_TELEGRAM_RU_BOT_TOKEN": RU_TOKEN}


def acted(events: list[runner.Event]) -> list[tuple[str, str]]:
    return [(e.entry_id, e.outcome) for e in events if e.outcome != "quiet"]


def test_the_fixture_ledger_was_written_before_accounts(tmp_path):
    ledger = json.loads((FIXTURE / "ledger.json").read_text())
    assert sorted(ledger["entries"]) == sorted(f"{slug}@{p}" for slug in ("budget-passes", "harbour-city-title",
                                                                          "naberezhnaya-rekonstrukciya")
                                               for p in ("mastodon", "telegram"))
    assert all(r["state"] == "posted" for r in ledger["entries"].values())


def test_upgrading_reposts_and_edits_nothing(tmp_path, fakes):
    site = upgraded_site(tmp_path, fakes)
    events = build_and_publish(site, env_of(fakes))
    assert acted(events) == []
    assert {e.detail.split(",")[0] for e in events} == {"posted 2026-11-25T00:00:00Z"}     # unchanged, every one
    assert all(not f.seen for f in fakes.values())           # not one request to any platform
    manifest = joined_manifest(site / "output" / "manifest.json")
    assert {e["account"] for e in manifest["entries"]} == {"telegram", "mastodon"}


def test_adding_an_account_posts_only_that_account_s_entries(tmp_path, fakes):
    site = upgraded_site(tmp_path, fakes, RU_ACCOUNT.format(api=fakes["telegram-ru"].url))
    before = (site / ".smmgen" / "ledger.json").read_text()
    events = build_and_publish(site, env_of(fakes))
    assert acted(events) == [("naberezhnaya-rekonstrukciya@telegram:courier-ru", "posted")]
    # The account's own bot and channel; the default channel and Mastodon hear nothing (and lose nothing: the
    # Russian article's earlier post on the default channel stays where it went out).
    assert len(fakes["telegram-ru"].live_texts()) == 1
    assert "Городской совет" in fakes["telegram-ru"].live_texts()[0]
    assert not fakes["telegram"].seen and not fakes["mastodon"].seen
    moved = next(e for e in events if e.entry_id == "naberezhnaya-rekonstrukciya@telegram")
    assert "now goes to another account" in moved.detail
    ledger = json.loads((site / ".smmgen" / "ledger.json").read_text())["entries"]
    old = json.loads(before)["entries"]
    assert {k: v for k, v in ledger.items() if k in old} == old
    assert ledger["naberezhnaya-rekonstrukciya@telegram:courier-ru"]["state"] == "posted"
    # And again: nothing more to do.
    assert acted(build_and_publish(site, env_of(fakes), LATER + dt.timedelta(hours=1))) == []


def test_a_missing_credential_is_reported_for_its_account(tmp_path, fakes):
    site = upgraded_site(tmp_path, fakes, RU_ACCOUNT.format(api=fakes["telegram-ru"].url))
    env = {k: v for k, v in env_of(fakes).items() if k != "SMMGEN_TELEGRAM_RU_BOT_TOKEN"}
    events = build_and_publish(site, env)
    [failed] = [e for e in events if e.outcome == "failed"]
    assert failed.entry_id == "naberezhnaya-rekonstrukciya@telegram:courier-ru"
    assert failed.detail == "environment variable SMMGEN_TELEGRAM_RU_BOT_TOKEN is not set (account courier-ru)"
    # The default account's token is not taken instead.
    assert not fakes["telegram-ru"].seen and not fakes["telegram"].seen


def test_an_account_with_the_default_s_token_is_refused_by_its_bot_and_no_token_is_printed(tmp_path, fakes):
    site = upgraded_site(tmp_path, fakes, RU_ACCOUNT.format(api=fakes["telegram-ru"].url))
    env = {**env_of(fakes), "SMMGEN_TELEGRAM_RU_BOT_TOKEN": fakes["telegram"].token}
    loaded = load_site(site)
    write_output(build(loaded))
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", "2026-11-25T02:00:00Z"], env=env)
    assert result.exit_code == 1
    assert "naberezhnaya-rekonstrukciya@telegram:courier-ru" in result.output
    secrets = [fakes["telegram"].token, fakes["mastodon"].token, RU_TOKEN]
    ledger = (site / ".smmgen" / "ledger.json").read_text()
    for secret in secrets:
        assert secret not in result.output and secret not in ledger
        assert secret.split(":")[-1] not in result.output
    dry = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", "2026-11-25T02:00:00Z", "--dry-run",
                                    "--json"], env=env_of(fakes))
    assert dry.exit_code == 0, dry.output
    actions = json.loads(dry.output)["actions"]
    assert [(a["id"], a["action"]) for a in actions if a["action"] != "skip"] == [
        ("naberezhnaya-rekonstrukciya@telegram:courier-ru", "post")]
    assert not any(secret in dry.output for secret in secrets)


def test_only_one_account_or_every_account_of_a_platform(tmp_path, fakes):
    site = upgraded_site(tmp_path, fakes, RU_ACCOUNT.format(api=fakes["telegram-ru"].url))
    write_output(build(load_site(site)))

    def posted(only: str) -> list[str]:
        events = runner.publish(load_site(site), runner.Options(now=LATER, dry_run=True, only=only),
                                env=env_of(fakes))
        return [e.entry_id for e in events if e.outcome == "posted"]

    assert posted("courier-ru") == ["naberezhnaya-rekonstrukciya@telegram:courier-ru"]
    assert posted("telegram") == ["naberezhnaya-rekonstrukciya@telegram:courier-ru"]
    assert posted("mastodon") == []
    with pytest.raises(Exception, match="no publisher by that name, nor an account"):
        posted("courier-de")
