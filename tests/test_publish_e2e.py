"""End to end: the sample site built with ``smmgen build`` into a temporary copy, then ``smmgen publish`` with all
nine platforms enabled, each pointed at its server (the real local PDS for Bluesky, the fakes for the rest, a
local host for the cards Instagram and Threads fetch): once when everything but the future article is due, again
at the same time (nothing is posted twice), and once past every expiry (expired posts are deleted, except where
the platform forbids it: Telegram bots cannot delete messages older than 48 h)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakes.cardhost import CardHost

from smmgen import manifest
from smmgen.cli.main import main
from smmgen.config.accounts import accounts
from smmgen.config.site import load_site

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms")
pytest_plugins = ["support.publishing", "support.fake_platforms"]

from support.fake_platforms import NEW_PLATFORMS, open_platform
from support.publishing import PUBLISH_TOML, open_harness

pytestmark = pytest.mark.slow

SAMPLE = Path(__file__).resolve().parents[1]
ALL = ("bluesky", "mastodon", "telegram", *NEW_PLATFORMS)
_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")


def sample_copy(folder: Path, cards_base_url: str, tables: list[str], media_base_url: str | None = None) -> Path:
    """The sample site with its own [publish] tables replaced by ones that point at the test servers (and its
    cards and media served by local hosts)."""
    for name in ("content", "layouts"):
        if (SAMPLE / name).is_dir():
            shutil.copytree(SAMPLE / name, folder / name)
    kept, skip = [], False
    for line in (SAMPLE / "smmgen.toml").read_text().splitlines():
        header = _SECTION.match(line)
        if header:
            skip = header.group(1) == "publish" or header.group(1).startswith("publish.")
        if line.startswith("publish = "):           # an account's own channel: the test server's only one here
            line = 'publish = { chat_id = "@courier_news" }'
        if not skip:
            if line.startswith("media_base_url") and media_base_url is not None:
                line = f'media_base_url = "{media_base_url}"'
            kept.append(f'cards_base_url = "{cards_base_url}"' if line.startswith("cards_base_url") else line)
    text = "\n".join(kept) + "\n\n" + PUBLISH_TOML + "".join("\n" + t for t in tables)
    (folder / "smmgen.toml").write_text(text)
    return folder


@pytest.fixture
def servers(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    opened: list[Iterator[Any]] = []
    harnesses: dict[str, Any] = {}
    try:
        for name in ALL:
            if name == "vk":
                gen = open_platform(name, per_second=1000)      # the per-second limit has its own test
            elif name in NEW_PLATFORMS:
                gen = open_platform(name)
            else:
                gen = open_harness(name, request)
            opened.append(gen)
            harnesses[name] = next(gen)
        yield harnesses
    finally:
        for gen in opened:
            gen.close()


def publish(site: Path, now: dt.datetime, env: dict[str, str], harnesses: dict[str, Any], *args: str):
    """``smmgen publish --now``, with every fake's clock at that time (the PDS keeps real time)."""
    for name, h in harnesses.items():
        if name != "bluesky":
            h.server.clock = now
    return CliRunner().invoke(main, ["publish", "--site", str(site), "--now", now.strftime("%Y-%m-%dT%H:%M:%SZ"), *args],
                              env=env, catch_exceptions=False)


def ledger(site: Path) -> dict[str, Any]:
    return json.loads((site / ".smmgen" / "ledger.json").read_text())["entries"]


def utc(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def test_publish_the_sample_site_to_all_nine_platforms(servers: dict[str, Any], tmp_path: Path) -> None:
    cards = CardHost(tmp_path / "site" / "output" / "cards").start()
    media = CardHost(tmp_path / "site" / "output" / "media").start()     # the videos Instagram and Threads fetch
    try:
        tables = [h.table for h in servers.values()]
        site = sample_copy(tmp_path / "site", cards.base_url, tables, media.base_url)
        built = CliRunner().invoke(main, ["build", "--site", str(site)], catch_exceptions=False)
        assert built.exit_code == 0, built.output
        entries = manifest.load(site / "output" / "manifest.json")["entries"]      # as the build made them
        assert {e["platform"] for e in entries} == set(ALL)
        env = {k: v for h in servers.values() for k, v in h.env.items()}
        # The sample's other accounts (courier-ru, courier-sport) post to the same servers, with their own
        # variables (SMMGEN_TELEGRAM_RU_BOT_TOKEN) holding the same credentials.
        for account in accounts(load_site(site)):
            default = f"SMMGEN_{account.platform.upper()}_"
            env.update({account.env_prefix + k[len(default):]: v for k, v in servers[account.platform].env.items()
                        if not account.is_default and k.startswith(default)})
        expiries = sorted(utc(e["expire_at"]) for e in entries if e["expire_at"])
        now1 = expiries[0] - dt.timedelta(minutes=1)
        now3 = expiries[-1] + dt.timedelta(minutes=1)
        due = [e for e in entries if utc(e["publish_at"]) <= now1 and not e["retracted"]]
        later = [e for e in entries if e not in due and not e["retracted"]]
        assert due and later

        # 1: everything due goes out once, with an id and a URL in the ledger.
        # The sample's whole backlog (over 100 posts) goes out at once: more than max_posts_per_run allows.
        refused = publish(site, now1, env, servers)
        assert refused.exit_code == 1 and "max_posts_per_run = 50" in refused.output, refused.output
        assert not (site / ".smmgen" / "ledger.json").exists()
        first = publish(site, now1, env, servers, "--allow-many")
        assert first.exit_code == 0, first.output
        records = ledger(site)
        for e in due:
            record = records[e["id"]]
            assert (record["state"], bool(record["remote_id"]), bool(record["url"])) == ("posted", True, True), \
                (e["id"], record)
        per_platform = Counter(e["platform"] for e in due)
        # The Mastodon fake lists every status of a thread; the others list first parts only.
        per_platform["mastodon"] = sum(len(e["parts"]) for e in due if e["platform"] == "mastodon")
        for name, h in servers.items():
            live = h.live_texts()
            assert len(live) == per_platform[name], (name, live)
            if name == "linkedin":
                # What LinkedIn shows of the escaped commentary is the cut's text, cut nowhere.
                assert sorted(live) == sorted(e["text"] for e in due if e["platform"] == name)
            elif name not in ("telegram",):
                assert {e["text"] for e in due if e["platform"] == name} <= set(live), name
        seen_before = {name: len(h.server.seen) for name, h in servers.items()}

        # 2: the same time again: nothing is posted twice, no platform is even asked.
        second = publish(site, now1, env, servers)
        assert second.exit_code == 0, second.output
        assert not [line for line in second.output.splitlines() if line.startswith(("posted", "deleted"))]
        assert re.search(r"^total +0 +0 +0 +\d+ +0 +0 +0$", second.output, re.MULTILINE), second.output
        assert {name: len(h.server.seen) for name, h in servers.items()} == seen_before
        assert ledger(site) == records

        # 3: past every expiry: expired posts are deleted where the platform allows it; what became due is posted.
        third = publish(site, now3, env, servers)
        records = ledger(site)
        for e in due:
            if not e["expire_at"]:
                continue
            record = records[e["id"]]
            posted_at = utc(record["posted_at"])
            if e["platform"] == "telegram" and now3 - posted_at >= dt.timedelta(hours=48):
                assert record["state"] == "posted" and "48 h" in record["last_error"], record
            else:
                assert record["state"] == "deleted", (e["id"], record)
        for e in later:
            if e["expire_at"] and utc(e["expire_at"]) <= now3:
                # Due and expired between two runs: never posted, never recorded as posted.
                assert e["id"] not in records or records[e["id"]]["state"] != "posted", (e["id"], records[e["id"]])
                assert e["text"] not in servers[e["platform"]].live_texts(), e["id"]
            else:
                assert records[e["id"]]["state"] == "posted", (e["id"], records[e["id"]])
        telegram_stuck = [e for e in due if e["platform"] == "telegram" and e["expire_at"]
                          and now3 - utc(records[e["id"]]["posted_at"]) >= dt.timedelta(hours=48)]
        assert third.exit_code == (1 if telegram_stuck else 0), third.output
        for name, h in servers.items():
            gone = {e["text"] for e in due if e["platform"] == name and records[e["id"]]["state"] == "deleted"}
            assert not gone & set(h.live_texts()), name
    finally:
        cards.stop()
        media.stop()
