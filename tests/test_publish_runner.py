"""The publish run's decisions against the Mastodon and Telegram fakes: due, expired, changed, retracted,
removed; --limit, --only, --dry-run; the ledger; and each platform's own limits."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from fakes.mastodon import FakeMastodon, status_length

from smmgen.cli.main import main
from smmgen.errors import SmmgenError
from smmgen.publish.ledger import Ledger, Record
from smmgen.publish.lock import acquire

# The harness fixtures come in as a plugin; its helpers are imported by name below, so it is marked for
# assertion rewriting first, as pytest does for every plugin it loads itself.
pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, Harness, card, entry, iso, ledger, outcomes, run, write_manifest, write_site  # noqa: I001

H = dt.timedelta(hours=1)


def test_posts_when_due_and_deletes_when_expired(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path)
    a = entry("budget-vote", "mastodon", "Budget passes", publish_at=T0, expire_at=T0 + 6 * H)
    b = entry("tram-line", "mastodon", "Tram line opens", publish_at=T0 + 2 * H)
    write_manifest(site, [a, b])
    assert outcomes(run(site, T0 - H, mastodon.env)) == {a["id"]: "not due", b["id"]: "not due"}
    assert mastodon.live_texts() == []
    assert outcomes(run(site, T0, mastodon.env)) == {a["id"]: "posted", b["id"]: "not due"}
    assert outcomes(run(site, T0 + 3 * H, mastodon.env)) == {b["id"]: "posted"}
    assert mastodon.live_texts() == ["Budget passes", "Tram line opens"]
    assert outcomes(run(site, T0 + 6 * H, mastodon.env)) == {a["id"]: "deleted"}
    assert mastodon.live_texts() == ["Tram line opens"]
    record = ledger(site)[a["id"]]
    assert (record["state"], record["deleted_at"], record["expire_at"]) == ("deleted", iso(T0 + 6 * H),
                                                                             iso(T0 + 6 * H))
    assert run(site, T0 + 7 * H, mastodon.env) == []


def test_an_entry_that_expired_before_it_was_posted_is_never_posted(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path)
    a = entry("old-news", "mastodon", "Old news", publish_at=T0 - 5 * H, expire_at=T0 - H)
    write_manifest(site, [a])
    events = run(site, T0, mastodon.env)
    assert [(e.outcome, e.detail) for e in events] == [("skipped", f"expired {iso(T0 - H)} before it was posted")]
    assert mastodon.server.seen == []


@pytest.mark.parametrize("policy", ["warn", "edit", "repost"])
@pytest.mark.parametrize("platform", ["mastodon", "telegram"])
def test_change_after_posting_follows_the_policy(tmp_path: Path, request: pytest.FixtureRequest, platform: str,
                                                 policy: str) -> None:
    h: Harness = request.getfixturevalue(platform)
    site = h.site(tmp_path, f'[platforms.{platform}]\non_change = "{policy}"\n')
    first = entry("budget-vote", platform, "Budget passes 31-12")
    write_manifest(site, [first])
    assert outcomes(run(site, T0, h.env)) == {first["id"]: "posted"}
    old = ledger(site)[first["id"]]
    changed = entry("budget-vote", platform, "Budget passes 31-12 (corrected: 30-13)")
    write_manifest(site, [changed])
    events = run(site, T0 + H, h.env)
    record = ledger(site)[first["id"]]
    if policy == "warn":
        assert [(e.outcome, "on_change" in e.detail) for e in events] == [("warning", True)]
        assert h.live_texts() == [first["text"]] and record == old
    elif policy == "edit":
        assert [e.outcome for e in events] == ["edited"]
        assert h.live_texts() == [changed["text"]]
        assert record["remote_id"] == old["remote_id"] and record["content_hash"] == changed["content_hash"]
        assert record["edited_at"] == iso(T0 + H)
        assert run(site, T0 + 2 * H, h.env) == []          # edited once, not every run
    else:
        assert [e.outcome for e in events] == ["deleted", "posted"]
        assert h.live_texts() == [changed["text"]]
        assert record["remote_id"] != old["remote_id"] and record["content_hash"] == changed["content_hash"]


def test_retracted_and_removed_articles_are_deleted(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path)
    a, b, c = (entry(s, "mastodon", f"Story {s}") for s in ("alpha-one", "beta-two", "gamma-three"))
    write_manifest(site, [a, b, c])
    run(site, T0, mastodon.env)
    assert len(mastodon.live_texts()) == 3
    write_manifest(site, [entry("alpha-one", "mastodon", "Story alpha-one", retracted=True), c])
    events = run(site, T0 + H, mastodon.env)
    assert {(e.entry_id, e.outcome, e.detail) for e in events} == {
        (a["id"], "deleted", "the article is retracted"), (b["id"], "deleted", "removed from content")}
    assert mastodon.live_texts() == ["Story gamma-three"]


def test_deletes_of_removed_articles_are_configurable(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path, "[platforms.mastodon]\ndelete_retracted = false\n")
    a = entry("alpha-one", "mastodon", "Story alpha", expire_at=T0 + 5 * H)
    b = entry("beta-two", "mastodon", "Story beta")
    write_manifest(site, [a, b])
    run(site, T0, mastodon.env)
    write_manifest(site, [b])
    assert run(site, T0 + H, mastodon.env) == []
    # Kept, but its expiry from the ledger still applies.
    assert outcomes(run(site, T0 + 5 * H, mastodon.env)) == {a["id"]: "deleted"}
    assert mastodon.live_texts() == ["Story beta"]


def test_an_empty_manifest_deletes_nothing(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path)
    write_manifest(site, [entry("alpha-one", "mastodon", "Story alpha")])
    run(site, T0, mastodon.env)
    write_manifest(site, [])
    events = run(site, T0 + H, mastodon.env)
    assert [e.outcome for e in events] == ["warning"] and "no entries" in events[0].detail
    assert mastodon.live_texts() == ["Story alpha"]


def test_limit_only_and_one_platform_failing(tmp_path: Path, mastodon: Harness, telegram: Harness) -> None:
    site = write_site(tmp_path / "site", mastodon.table, telegram.table)
    entries = [entry(f"story-{i}", p, f"Story {i} on {p}", publish_at=T0 - i * H)
               for i in range(3) for p in ("mastodon", "telegram")]
    write_manifest(site, entries)
    events = run(site, T0, mastodon.env, limit=2)      # a limit for the whole run, over all platforms
    assert [(e.platform, e.outcome) for e in events] == [("mastodon", "posted")] * 2 + [("mastodon", "skipped")] + [
        ("telegram", "skipped")] * 3
    assert len(mastodon.live_texts()) == 2
    events = run(site, T0, mastodon.env)                # no Telegram token: Mastodon goes on regardless
    assert [(e.platform, e.outcome) for e in events] == [("mastodon", "posted")] + [("telegram", "failed")] * 3
    assert all("SMMGEN_TELEGRAM_BOT_TOKEN is not set" in e.detail for e in events if e.platform == "telegram")
    assert len(mastodon.live_texts()) == 3 and telegram.server.seen == []
    events = run(site, T0, {**mastodon.env, **telegram.env}, only="telegram")
    assert {e.platform for e in events} == {"telegram"} and len(telegram.live_texts()) == 3
    assert len(mastodon.live_texts()) == 3
    with pytest.raises(SmmgenError, match="no publisher by that name"):
        run(site, T0, mastodon.env, only="myspace")


def test_dry_run_shows_posts_and_deletes_and_changes_nothing(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path)
    a = entry("alpha-one", "mastodon", "First line\nsecond line", expire_at=T0 + H)
    b = entry("beta-two", "mastodon", "Later story", publish_at=T0 + 2 * H)
    write_manifest(site, [a, b])
    run(site, T0, mastodon.env)
    before = (site / ".smmgen" / "ledger.json").read_bytes()
    seen = len(mastodon.server.seen)
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0 + 3 * H), "--dry-run"],
                                env=mastodon.env)
    assert result.exit_code == 0, result.output
    assert "would delete alpha-one@mastodon" in result.output
    assert "would post  beta-two@mastodon" in result.output and "    | Later story" in result.output
    assert "dry run: nothing was sent" in result.output
    assert (site / ".smmgen" / "ledger.json").read_bytes() == before and len(mastodon.server.seen) == seen


def test_a_damaged_ledger_stops_the_run(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path)
    write_manifest(site, [entry("alpha-one", "mastodon", "Story alpha")])
    (site / ".smmgen").mkdir()
    (site / ".smmgen" / "ledger.json").write_text('{"format": "smmgen-ledger", "version": 1, "entries": {')
    with pytest.raises(SmmgenError, match="restore it from git"):
        run(site, T0, mastodon.env)
    assert mastodon.server.seen == []


def test_a_second_run_is_refused_while_the_ledger_is_locked(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path)
    write_manifest(site, [entry("alpha-one", "mastodon", "Story alpha")])
    with (acquire(site / ".smmgen" / "ledger.json", dt.timedelta(hours=1)),
          pytest.raises(SmmgenError, match="publishing is locked by")):
        run(site, T0, mastodon.env)
    assert mastodon.server.seen == []
    assert outcomes(run(site, T0, mastodon.env)) == {"alpha-one@mastodon": "posted"}
    assert not (site / ".smmgen" / "ledger.json.lock").exists()


def test_ledger_round_trips_and_is_sorted_json(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    book = Ledger.load(path)
    book.put(Record(id="b@mastodon", platform="mastodon", state="posted", remote={"ids": ["1", "2"]}))
    book.put(Record(id="a@telegram", platform="telegram", state="intent", entry={"id": "a@telegram"}))
    again = Ledger.load(path)
    assert [r.id for r in again.records()] == ["a@telegram", "b@mastodon"]
    assert again.get("b@mastodon").remote == {"ids": ["1", "2"]}
    assert again.get("a@telegram").entry == {"id": "a@telegram"}
    assert path.read_bytes() == again.dumps()
    doc = json.loads(path.read_text())
    assert list(doc["entries"]) == ["a@telegram", "b@mastodon"]


# --- Mastodon's own rules ----------------------------------------------------------------------------------------

def test_mastodon_instance_limit_is_checked_before_sending(tmp_path: Path) -> None:
    with FakeMastodon(max_characters=60) as fake:
        site = write_site(tmp_path / "site", f'[publish.mastodon]\ninstance = "https://social.example"\n'
                                               f'api_base = "{fake.url}"\n')
        text = "A" * 36 + " https://courier.news/a/very/long/link/that/counts/as/twenty-three"
        ok = entry("fits", "mastodon", text)
        too_long = entry("too-long", "mastodon", "B" * 61)
        write_manifest(site, [ok, too_long])
        events = run(site, T0, {"SMMGEN_MASTODON_TOKEN": fake.token})
        assert outcomes(events) == {ok["id"]: "posted", too_long["id"]: "failed"}
        assert "this instance allows 60" in next(e.detail for e in events if e.entry_id == too_long["id"])
        assert len(fake.requests_to("POST /api/v1/statuses")) == 1
        # And the fake refuses what the real server refuses.
        refused = requests.post(f"{fake.url}/api/v1/statuses", json={"status": "B" * 61}, timeout=5,
                                headers={"Authorization": f"Bearer {fake.token}"})
        assert (refused.status_code, refused.json()["error"]) == (
            422, "Validation failed: Text character limit of 60 exceeded")
        assert status_length("@someone@example.social hi https://x.com/" + "y" * 80, 23) == len("@someone hi ") + 23
        assert status_length("see https://courier.example/x", 23) == len("see https://courier.example/x")


def test_mastodon_waits_for_media_processing_and_sends_alt_text(tmp_path: Path) -> None:
    with FakeMastodon(processing_polls=3) as fake:
        site = write_site(tmp_path / "site", f'[publish.mastodon]\ninstance = "https://social.example"\n'
                                               f'api_base = "{fake.url}"\n')
        media = card(site / "output", role="attach", alt="Council chamber, evening")
        e = entry("budget-vote", "mastodon", "Budget passes", media=[media],
                  extra={"visibility": "unlisted", "language": "de"})
        write_manifest(site, [e])
        assert outcomes(run(site, T0, {"SMMGEN_MASTODON_TOKEN": fake.token})) == {e["id"]: "posted"}
        status = next(iter(fake.statuses.values()))
        assert status["media_attachments"][0]["description"] == "Council chamber, evening"
        assert status["media_attachments"][0]["url"] is not None
        assert (status["visibility"], status["language"]) == ("unlisted", "de")
        assert len(fake.requests_to("GET /api/v1/media/")) == 3


def test_mastodon_intent_is_reconciled_by_the_article_link(tmp_path: Path, mastodon: Harness) -> None:
    """An intent older than the Idempotency-Key's hour: found by its link among recent statuses."""
    site = mastodon.site(tmp_path)
    posted = entry("alpha-one", "mastodon", "Story alpha https://courier.example/2026/03/alpha-one/?utm_source=m",
                   link="https://courier.example/2026/03/alpha-one/?utm_source=m")
    missing = entry("beta-two", "mastodon", "Story beta https://courier.example/2026/03/beta-two/",
                    link="https://courier.example/2026/03/beta-two/")
    write_manifest(site, [posted, missing])
    run(site, T0, mastodon.env, only="mastodon", limit=1)        # posts alpha-one
    book = Ledger.load(site / ".smmgen" / "ledger.json")
    # Pretend both were interrupted: alpha went out (its record says intent), beta never did.
    for e in (posted, missing):
        book.put(Record(id=e["id"], platform="mastodon", state="intent", intent_at=iso(T0), entry=e))
    mastodon.server.clock = T0 + 2 * H            # the idempotency keys have expired
    events = run(site, T0 + 2 * H, mastodon.env)
    assert outcomes(events) == {posted["id"]: "posted", missing["id"]: "posted"}
    assert "interrupted run had posted it" in next(e.detail for e in events if e.entry_id == posted["id"])
    assert mastodon.live_texts() == [posted["text"], missing["text"]]


# --- Telegram's own rules ----------------------------------------------------------------------------------------

def test_telegram_escapes_plain_text_and_sends_cut_html_as_is(tmp_path: Path, telegram: Harness) -> None:
    site = telegram.site(tmp_path)
    plain = entry("plain-text", "telegram", "Tax <b>cut</b> & spending: 5 < 6")
    marked = entry("marked-up", "telegram", "<b>Budget</b> passes &amp; more", extra={"parse_mode": "HTML"})
    write_manifest(site, [plain, marked])
    assert set(outcomes(run(site, T0, telegram.env)).values()) == {"posted"}
    assert sorted(telegram.live_texts()) == sorted(["Tax <b>cut</b> & spending: 5 < 6", "Budget passes & more"])


def test_telegram_caption_limit_and_photo(tmp_path: Path, telegram: Harness) -> None:
    site = telegram.site(tmp_path)
    photo = card(site / "output", role="attach")
    fits = entry("fits", "telegram", "é" * 1024, media=[photo], extra={"method": "sendPhoto"})
    too_long = entry("too-long", "telegram", "😀" * 513, media=[photo], extra={"method": "sendPhoto"})
    write_manifest(site, [fits, too_long])
    events = run(site, T0, telegram.env)
    assert outcomes(events) == {fits["id"]: "posted", too_long["id"]: "failed"}
    assert "caption is 1026 characters (UTF-16); Telegram allows 1024" in events[-1].detail
    message = next(iter(telegram.server.messages.values()))
    assert message["photo_bytes"] == photo["bytes"] and message["caption"] == "é" * 1024
    direct = requests.post(f"{telegram.server.url}/bot{telegram.server.token}/sendPhoto",
                           data={"chat_id": "@courier_news", "caption": "x" * 1025},
                           files={"photo": ("c.png", b"png", "image/png")}, timeout=5)
    assert (direct.status_code, direct.json()["description"]) == (400, "Bad Request: message caption is too long")


def test_telegram_cannot_delete_after_48_hours(tmp_path: Path, telegram: Harness) -> None:
    site = telegram.site(tmp_path)
    short = entry("short-lived", "telegram", "Road closed today", expire_at=T0 + 12 * H)
    long = entry("long-lived", "telegram", "Election guide", expire_at=T0 + 72 * H)
    write_manifest(site, [short, long])
    telegram.server.clock = T0
    run(site, T0, telegram.env)
    telegram.server.clock = T0 + 12 * H
    assert outcomes(run(site, T0 + 12 * H, telegram.env)) == {short["id"]: "deleted"}
    telegram.server.clock = T0 + 72 * H
    events = run(site, T0 + 72 * H, telegram.env)
    assert outcomes(events) == {long["id"]: "failed"}
    assert "can't be deleted" in events[0].detail and "48 h" in events[0].detail
    assert telegram.live_texts() == ["Election guide"]
    assert ledger(site)[long["id"]]["state"] == "posted"
    assert "will not be retried" in events[0].detail
    # A refusal for good is said once; later runs warn instead of failing every fifteen minutes.
    telegram.server.clock = T0 + 73 * H
    later = run(site, T0 + 73 * H, telegram.env)
    assert outcomes(later) == {}
    assert [(e.entry_id, e.outcome) for e in later] == [(long["id"], "warning")]
    assert "refused to delete it" in later[0].detail and "remove it by hand" in later[0].detail
    assert telegram.live_texts() == ["Election guide"]


def test_check_warns_about_telegram_expiries_beyond_48_hours() -> None:
    from smmgen.manifest_model import read_entry
    from smmgen.publish.checks import warnings

    found = warnings([read_entry(e, Path("."), shown="m", require_files=False) for e in (
        entry("long-lived", "telegram", "x", expire_at=T0 + 72 * H),
        entry("just-fits", "telegram", "x", expire_at=T0 + 47 * H),
        entry("at-the-edge", "telegram", "x", expire_at=T0 + 48 * H),
        entry("long-elsewhere", "mastodon", "x", expire_at=T0 + 72 * H),
        entry("no-expiry", "telegram", "x"),
    )])
    assert [w.split(":")[0] for w in found] == ["long-lived@telegram", "at-the-edge@telegram"]
    assert "expires 72 h after it is posted" in found[0] and "48 h" in found[0]


def test_a_missing_setting_is_a_failure_naming_the_key(tmp_path: Path, telegram: Harness) -> None:
    site = write_site(tmp_path / "site", f'[publish.telegram]\napi_base = "{telegram.server.url}"\n')
    write_manifest(site, [entry("alpha-one", "telegram", "Story alpha")])
    events = run(site, T0, telegram.env)
    assert [e.outcome for e in events] == ["failed"]
    assert "smmgen.toml: publish.telegram.chat_id: required to publish to Telegram" in events[0].detail
    assert telegram.server.seen == []


def dry_run(site: Path, env: dict[str, str]):
    return CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0), "--dry-run"], env=env)


def test_dry_run_fails_where_the_real_run_would_for_credentials(tmp_path: Path, mastodon: Harness,
                                                                telegram: Harness) -> None:
    """A dry run checks each platform's credentials as the real run reads them (nothing is sent): missing or
    malformed ones are failures, named by their variable, and the exit code is not 0."""
    site = write_site(tmp_path / "site", mastodon.table, telegram.table)
    write_manifest(site, [entry("budget-vote", p, "Budget passes") for p in ("mastodon", "telegram")])
    result = dry_run(site, {"SMMGEN_MASTODON_TOKEN": "", "SMMGEN_TELEGRAM_BOT_TOKEN": ""})
    assert result.exit_code == 1, result.output
    assert "would post" not in result.output
    assert "failed      budget-vote@mastodon  (environment variable SMMGEN_MASTODON_TOKEN is not set)" in result.stderr
    assert "environment variable SMMGEN_TELEGRAM_BOT_TOKEN is not set" in result.stderr
    assert "publish --dry-run: 2 failed" in result.stderr

    ascii_only, no_controls = "a space or a character outside ASCII", "a line break or another control character"
    for malformed, what in [("tok en", ascii_only), ("token\nmore", no_controls), ("tökén", ascii_only)]:
        result = dry_run(site, {**telegram.env, "SMMGEN_MASTODON_TOKEN": malformed})
        assert result.exit_code == 1, result.output
        assert f"environment variable SMMGEN_MASTODON_TOKEN holds {what}" in result.stderr, result.stderr
        assert malformed not in result.output and malformed not in result.stderr
        assert "would post  budget-vote@telegram" in result.stdout
    assert mastodon.server.seen == [] and telegram.server.seen == []
    assert not (site / ".smmgen" / "ledger.json").exists()

    result = dry_run(site, {**mastodon.env, **telegram.env})
    assert result.exit_code == 0, result.output
    assert result.stdout.count("would post") == 2 and mastodon.server.seen == [] and telegram.server.seen == []


def test_dry_run_names_both_sets_of_x_credentials(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", '[publish.x]\napi_base = "http://127.0.0.1:9"\n')
    write_manifest(site, [entry("budget-vote", "x", "Budget passes")])
    result = dry_run(site, {})
    assert result.exit_code == 1
    assert ("environment variable SMMGEN_X_API_KEY is not set: X takes either SMMGEN_X_BEARER_TOKEN (an OAuth 2.0 "
            "user access token) or all four of SMMGEN_X_API_KEY, SMMGEN_X_API_SECRET, SMMGEN_X_ACCESS_TOKEN, "
            "SMMGEN_X_ACCESS_SECRET (OAuth 1.0a user context)") in result.stderr
    half = {"SMMGEN_X_API_KEY": "key", "SMMGEN_X_ACCESS_TOKEN": "token"}
    assert "missing: SMMGEN_X_API_SECRET, SMMGEN_X_ACCESS_SECRET" in dry_run(site, half).stderr
    four = {**half, "SMMGEN_X_API_SECRET": "secret", "SMMGEN_X_ACCESS_SECRET": "secret2"}
    assert dry_run(site, four).exit_code == 0
    assert dry_run(site, {"SMMGEN_X_BEARER_TOKEN": "bearer"}).exit_code == 0


def test_a_bluesky_app_password_may_hold_any_printable_character(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", '[publish.bluesky]\nservice = "http://127.0.0.1:9"\n')
    write_manifest(site, [entry("budget-vote", "bluesky", "Budget passes")])
    env = {"SMMGEN_BLUESKY_HANDLE": "courier.example.com", "SMMGEN_BLUESKY_APP_PASSWORD": 'pä"ss \\wörd'}
    assert dry_run(site, env).exit_code == 0
    result = dry_run(site, {**env, "SMMGEN_BLUESKY_APP_PASSWORD": "pass\x1bword"})
    assert "SMMGEN_BLUESKY_APP_PASSWORD holds a line break or another control character" in result.stderr


def test_dry_run_of_a_delete_or_an_edit_checks_credentials_too(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path, '[platforms.mastodon]\ninstance = "https://social.example"\non_change = "edit"\n')
    a = entry("alpha-one", "mastodon", "Story alpha", expire_at=T0 + H)
    b = entry("beta-two", "mastodon", "Story beta")
    write_manifest(site, [a, b])
    run(site, T0, mastodon.env)
    write_manifest(site, [a, entry("beta-two", "mastodon", "Story beta, corrected")])
    seen = len(mastodon.server.seen)
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0 + 2 * H), "--dry-run"], env={})
    assert result.exit_code == 1, result.output
    assert "delete (expired 2026-03-02T07:00:00Z): environment variable SMMGEN_MASTODON_TOKEN is not set" in result.stderr
    assert "edit: environment variable SMMGEN_MASTODON_TOKEN is not set" in result.stderr
    assert "would" not in result.stdout and len(mastodon.server.seen) == seen
