"""Publish preflight against a local plain-HTTP site (allowed by the test-only SMMGEN_PREFLIGHT_ALLOW_HTTP): an
entry waits while its article page is missing, broken or shows another card, and posts on a later run once the
page is right; the maximum wait fails loudly; --no-preflight sends without fetching; each URL is fetched once per
run; redirects and bodies are bounded; requests stay on the site's hosts, without cookies."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.server import Response
from fakes.sitehost import SiteHost, page

from smmgen.cli.main import main
from smmgen.errors import ConfigError
from smmgen.publish.http import HttpConfig
from smmgen.publish.preflight import MAX_REDIRECTS, PAGE_MAX, USER_AGENT, Fetcher

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, Harness, card, iso, outcomes, run  # noqa: E402, I001
from support.served_site import ALLOW, article, right_page, served_site, write_manifest  # noqa: E402, I001

H = dt.timedelta(hours=1)


@pytest.fixture
def host(tmp_path: Path):
    with SiteHost(tmp_path / "site" / "output" / "cards") as server:
        yield server


def details(events) -> dict[str, str]:
    return {e.entry_id: e.detail for e in events if e.outcome != "warning"}


def test_an_entry_waits_for_its_page_then_posts_on_a_later_run(tmp_path: Path, host: SiteHost, mastodon: Harness,
                                                               telegram: Harness) -> None:
    site = served_site(tmp_path / "site", host, mastodon.table, telegram.table)
    entries, og = article(site, host, "budget-vote", ("mastodon", "telegram"))
    write_manifest(site, host, entries)
    env = {**mastodon.env, **telegram.env, **ALLOW}

    # The site's deploy has not run yet: the page answers 404. Nothing is sent, nothing recorded.
    first = run(site, T0 + 5 * dt.timedelta(minutes=1), env)
    assert outcomes(first) == {"budget-vote@mastodon": "not due", "budget-vote@telegram": "not due"}
    assert details(first)["budget-vote@mastodon"] == (f"wait: page not live yet ({host.url}/budget-vote/ answers "
                                                      "HTTP 404)")
    assert [e.action for e in first] == ["wait", "wait"]
    assert mastodon.live_texts() == [] and telegram.live_texts() == []
    ledger = site / ".smmgen" / "ledger.json"
    assert not ledger.exists() or json.loads(ledger.read_text())["entries"] == {}
    assert host.gets("/budget-vote/") == 1          # once for both entries

    # Deployed: the next run posts both, fetching each URL once.
    host.pages["/budget-vote/"] = right_page(og)
    host.seen.clear()
    second = run(site, T0 + 20 * dt.timedelta(minutes=1), env)
    assert outcomes(second) == {"budget-vote@mastodon": "posted", "budget-vote@telegram": "posted"}
    assert mastodon.live_texts() == ["budget-vote on mastodon"] and telegram.live_texts() == ["budget-vote on telegram"]
    assert sorted(r.path for r in host.seen) == ["/budget-vote/", "/social-cards/budget-vote-og.png",
                                                 "/social-cards/budget-vote-tg.png"]


@pytest.mark.parametrize("state, reason", [
    ("404", "answers HTTP 404"),
    ("500", "answers HTTP 500"),
    ("no og:image", "has no og:image"),
    ("old og:image", "is not the card in the manifest (cards/budget-vote-og.png); an older card?"),
    ("og:image 404", "og:image {host}/social-cards/old.png answers HTTP 404"),
    ("card stale", "is not the card in the manifest"),
    ("redirect loop", f"more than {MAX_REDIRECTS} redirects"),
    ("redirect away", "is not one of the site's hosts"),
    ("ftp redirect", "preflight fetches only over HTTPS"),
])
def test_a_page_that_is_not_right_yet_makes_the_entry_wait(tmp_path: Path, host: SiteHost, state: str,
                                                           reason: str) -> None:
    site = served_site(tmp_path / "site", host, '[publish.mastodon]\ninstance = "https://social.example"\n')
    entries, og = article(site, host, "budget-vote", ("mastodon",))
    write_manifest(site, host, entries)
    good = right_page(og)
    pages = {
        "404": Response(404, b"gone"),
        "500": Response(500, b"deploying"),
        "no og:image": page({"twitter:card": "summary_large_image"}),
        "old og:image": page({"og:image": f"{host.cards_base_url}/old.png"}),
        "og:image 404": page({"og:image": f"{host.cards_base_url}/old.png"}),
        "card stale": good,
        "redirect loop": Response(302, b"", {"Location": "/budget-vote/"}),
        "redirect away": Response(301, b"", {"Location": "https://elsewhere.example/budget-vote/"}),
        "ftp redirect": Response(301, b"", {"Location": host.url.replace("http://", "ftp://") + "/x"}),
    }
    host.pages["/budget-vote/"] = pages[state]
    if state == "old og:image":
        old = card(site / "output", "old.png", color=(1, 2, 3))     # a card of an earlier build, still served
        assert old["sha256"] != og["sha256"]
    if state == "card stale":
        host.pages["/social-cards/budget-vote-og.png"] = Response(200, b"\x89PNG other bytes",
                                                                  {"Content-Type": "image/png"})
    events = run(site, T0, {"SMMGEN_MASTODON_TOKEN": "t", **ALLOW}, dry_run=True)
    assert outcomes(events) == {"budget-vote@mastodon": "not due"}
    detail = details(events)["budget-vote@mastodon"]
    assert detail.startswith("wait: page not live yet (") and reason.format(host=host.url) in detail, detail
    # A redirect loop stops after MAX_REDIRECTS redirects; nothing leaves the site's host.
    assert host.gets("/budget-vote/") <= MAX_REDIRECTS + 1

    # The same run once the page and its card are right: it would post.
    host.pages.clear()
    host.pages["/budget-vote/"] = good
    events = run(site, T0, {"SMMGEN_MASTODON_TOKEN": "t", **ALLOW}, dry_run=True)
    assert outcomes(events) == {"budget-vote@mastodon": "posted"}


def test_an_unreachable_site_makes_the_entry_wait(tmp_path: Path, host: SiteHost) -> None:
    site = served_site(tmp_path / "site", host, '[publish.mastodon]\ninstance = "https://social.example"\n')
    entries, _ = article(site, host, "budget-vote", ("mastodon",))
    write_manifest(site, host, entries)
    host.stop()                                  # connection refused
    events = run(site, T0, {"SMMGEN_MASTODON_TOKEN": "t", **ALLOW}, dry_run=True)
    assert "cannot connect" in details(events)["budget-vote@mastodon"]


def test_waiting_beyond_the_maximum_fails_loudly(tmp_path: Path, host: SiteHost, mastodon: Harness) -> None:
    site = served_site(tmp_path / "site", host, mastodon.table, publish='preflight_max_wait = "2h"\n')
    entries, _ = article(site, host, "budget-vote", ("mastodon",))
    write_manifest(site, host, entries)
    env = {**mastodon.env, **ALLOW}
    assert outcomes(run(site, T0 + 2 * H, env)) == {"budget-vote@mastodon": "not due"}     # still within 2 h
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0 + 2 * H + H / 60)], env=env)
    assert result.exit_code == 1
    assert (f"failed      budget-vote@mastodon  (page not live 2 h 1 min after its publish time, beyond [publish] "
            f"preflight_max_wait = 2 h: {host.url}/budget-vote/ answers HTTP 404; fix the site or its deploy (or "
            "publish with --no-preflight))") in result.output
    assert "publish: 1 failed, 0 unknown" in result.output
    assert mastodon.live_texts() == []


def test_no_preflight_posts_without_fetching(tmp_path: Path, host: SiteHost, mastodon: Harness) -> None:
    site = served_site(tmp_path / "site", host, mastodon.table)
    entries, _ = article(site, host, "budget-vote", ("mastodon",))
    write_manifest(site, host, entries)
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0), "--no-preflight"],
                                env=mastodon.env)
    assert result.exit_code == 0, result.output
    assert mastodon.live_texts() == ["budget-vote on mastodon"] and host.seen == []
    # [publish] preflight = false does the same.
    text = (site / "smmgen.toml").read_text().replace("preflight = true", "preflight = false")
    (site / "smmgen.toml").write_text(text)
    more, _ = article(site, host, "tram-line", ("mastodon",))
    write_manifest(site, host, entries + more)
    assert outcomes(run(site, T0, mastodon.env)) == {"tram-line@mastodon": "posted"}
    assert host.seen == []


def test_each_url_is_fetched_once_per_run_politely(tmp_path: Path, host: SiteHost) -> None:
    tables = ('[publish.mastodon]\ninstance = "https://social.example"\n',
              '[publish.telegram]\nchat_id = "@desk"\n',
              '[publish.x]\n', '[publish.instagram]\nuser_id = "17841400000000001"\n')
    site = served_site(tmp_path / "site", host, *tables)
    entries, og = article(site, host, "budget-vote", ("mastodon", "telegram", "x", "instagram"))
    write_manifest(site, host, entries)
    host.pages["/budget-vote/"] = Response(200, right_page(og).body, {"Content-Type": "text/html",
                                                                       "Set-Cookie": "session=abc; Path=/"})
    env = {"SMMGEN_MASTODON_TOKEN": "t", "SMMGEN_TELEGRAM_BOT_TOKEN": "1:t", "SMMGEN_X_BEARER_TOKEN": "t",
           "SMMGEN_INSTAGRAM_TOKEN": "t", **ALLOW}
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0), "--dry-run", "--json"],
                                env=env)
    assert result.exit_code == 0, result.output
    actions = {a["id"]: a["action"] for a in json.loads(result.output)["actions"]}
    assert set(actions.values()) == {"post"}, actions
    # Four entries: the page once, the og card once (og:image and two entries' card), each own card once.
    counted = {p: host.gets(p) for p in {r.path for r in host.seen}}
    assert counted == {"/budget-vote/": 1, "/social-cards/budget-vote-og.png": 1,
                       "/social-cards/budget-vote-tg.png": 1, "/social-cards/budget-vote-ig.png": 1}
    assert all(r.method == "GET" and r.header("user-agent") == USER_AGENT and r.header("cookie") is None
               for r in host.seen)
    assert USER_AGENT.startswith("smmgen/")


def test_instagram_with_a_bio_link_needs_only_its_card(tmp_path: Path, host: SiteHost) -> None:
    site = served_site(tmp_path / "site", host, '[publish.instagram]\nuser_id = "17841400000000001"\n')
    entries, _ = article(site, host, "budget-vote", ("instagram",))
    write_manifest(site, host, entries)
    env = {"SMMGEN_INSTAGRAM_TOKEN": "t", **ALLOW}
    assert outcomes(run(site, T0, env, dry_run=True)) == {"budget-vote@instagram": "posted"}   # the page is a 404
    assert host.gets("/budget-vote/") == 0
    host.pages["/social-cards/budget-vote-ig.png"] = Response(200, b"an older upload", {"Content-Type": "image/png"})
    events = run(site, T0, env, dry_run=True)
    assert details(events)["budget-vote@instagram"] == (
        f"wait: page not live yet (card {host.cards_base_url}/budget-vote-ig.png serves other bytes than "
        "cards/budget-vote-ig.png in the manifest (an older upload?))")
    assert host.gets("/budget-vote/") == 0


def test_an_entry_that_waits_does_not_hold_up_the_others(tmp_path: Path, host: SiteHost,
                                                         mastodon: Harness) -> None:
    site = served_site(tmp_path / "site", host, mastodon.table)
    late, _ = article(site, host, "budget-vote", ("mastodon",), publish_at=T0 - H)
    ready, og = article(site, host, "tram-line", ("mastodon",))
    write_manifest(site, host, late + ready)
    host.pages["/tram-line/"] = right_page(og)
    events = run(site, T0, {**mastodon.env, **ALLOW}, limit=1)
    assert outcomes(events) == {"budget-vote@mastodon": "not due", "tram-line@mastodon": "posted"}


def test_https_is_required_without_the_test_setting(tmp_path: Path, host: SiteHost) -> None:
    site = served_site(tmp_path / "site", host, '[publish.mastodon]\ninstance = "https://social.example"\n')
    entries, _ = article(site, host, "budget-vote", ("mastodon",))
    write_manifest(site, host, entries)
    with pytest.raises(ConfigError, match=r"site.base_url: http://127\.0\.0\.1:\d+: not https \(preflight fetches "
                                          r"only over HTTPS\); serve the site over HTTPS, or set \[publish\] "
                                          r"preflight = false"):
        run(site, T0, {"SMMGEN_MASTODON_TOKEN": "t"}, dry_run=True)
    assert host.seen == []


def test_bodies_are_read_only_up_to_the_head_or_the_cap(host: SiteHost) -> None:
    fetcher = Fetcher([host.url], HttpConfig(connect_timeout=2, read_timeout=2), http_allowed=True)
    try:
        host.pages["/huge/"] = Response(200, b"<html><head>" + b"<!-- padding -->" * (8 * PAGE_MAX // 16),
                                        {"Content-Type": "text/html"})
        huge = fetcher.page(f"{host.url}/huge/")
        assert huge.status == 200 and huge.truncated and len(huge.body) == PAGE_MAX
        host.pages["/short/"] = page({"og:image": "x"}, body="<p>" + "words " * 200_000 + "</p>")
        short = fetcher.page(f"{host.url}/short/")
        assert not short.truncated and len(short.body) < 64 * 1024
        # Each URL once per run; other hosts never asked.
        assert fetcher.page(f"{host.url}/huge/") is huge and host.gets("/huge/") == 1
        with socket.socket() as other:
            other.bind(("127.0.0.1", 0))
            elsewhere = f"http://127.0.0.1:{other.getsockname()[1]}/x"
            assert "not one of the site's hosts" in (fetcher.page(elsewhere).problem or "")
        assert "not https or http" in (fetcher.page("file:///etc/passwd").problem or "")
    finally:
        fetcher.close()
