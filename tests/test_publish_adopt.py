"""An existing site's archive is never posted: ``smmgen adopt`` records what is already due as adopted (never
posted, never deleted, freed from the plan), ``[publish] not_before`` is a hard floor, and a run that would post
more than ``[publish] max_posts_per_run`` stops before posting anything. ``publish --dry-run --json`` lists the
same decisions a real run then carries out. Every command runs as a real ``smmgen`` process against the fake
Mastodon server over 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from smmgen.manifest import joined as joined_manifest

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import Harness, entry, iso, ledger, write_manifest, write_site  # noqa: E402, I001

REPO = Path(__file__).resolve().parents[1]
UTC = dt.UTC


def smmgen(site: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("SMMGEN_")}
    full.update(env or {}, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-m", "smmgen", args[0], "--site", str(site), *args[1:]],
                            capture_output=True, text=True, env=full, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def archive_site(folder: Path, harness: Harness, dates: list[dt.date], extra: str = "") -> Path:
    """A site with one article per date (``a<index>``), its Mastodon posts going to the fake."""
    write_site(folder, '[platforms.mastodon]\nhandle = "@desk@social.example"\n', harness.table,
               textwrap.dedent(extra))
    content = folder / "content"
    content.mkdir(exist_ok=True)
    for i, day in enumerate(dates):
        (content / f"a{i}.md").write_text(f"---\ntitle: Article {i}\ndate: {day.isoformat()}\n---\n\n"
                                          f"What happened on day {i}, told in a few words.\n")
    return folder


def actions(site: Path, now: str, env: dict[str, str], *more: str) -> list[dict]:
    out = ok(smmgen(site, "publish", "--dry-run", "--json", "--now", now, *more, env=env))
    doc = json.loads(out)                     # one JSON object, nothing else on stdout
    return doc["actions"]


def years(first: int, last: int, per_year: int) -> list[dt.date]:
    return [dt.date(y, 1 + (i * 12) // per_year, 1 + i % 27) for y in range(first, last + 1) for i in range(per_year)]


def posted_ids(site: Path) -> set[str]:
    return {k for k, r in ledger(site).items() if r["state"] == "posted"}


def test_an_adopted_archive_is_never_posted_and_new_articles_still_are(tmp_path: Path, mastodon: Harness) -> None:
    site = archive_site(tmp_path / "site", mastodon, years(2019, 2024, 10), extra="""
        [plan]
        slots = ["09:00"]
        """)
    env = mastodon.env
    ok(smmgen(site, "build"))
    # Not adopted yet: the first run would post 60 old articles, and stops before posting any.
    refused = smmgen(site, "publish", "--now", "2025-03-01T12:00:00Z", env=env)
    assert refused.returncode == 1
    assert "would make 60 new posts, more than [publish] max_posts_per_run = 50" in refused.stderr
    assert "Nothing was posted" in refused.stderr and mastodon.live_texts() == []
    assert not (site / ".smmgen" / "ledger.json").exists()

    out = ok(smmgen(site, "adopt", "--before", "2025-01-01"))
    assert "adopted 60 posts due before 2025-01-01T00:00:00Z into .smmgen/ledger.json (mastodon 60)" in out
    records = ledger(site)
    assert len(records) == 60 and {r["state"] for r in records.values()} == {"adopted"}
    before = (site / ".smmgen" / "ledger.json").read_bytes()
    again = ok(smmgen(site, "adopt", "--before", "2025-01-01"))
    assert "nothing to adopt" in again and "60 already in the ledger" in again
    assert (site / ".smmgen" / "ledger.json").read_bytes() == before

    # Adopted posts take no slots and are shown as held by the plan; publish looks at each and skips it.
    ok(smmgen(site, "build"))
    manifest = joined_manifest(site / "output" / "manifest.json")["entries"]
    assert {e["hold"].split(":")[0] for e in manifest} == {"adopted"}
    assert "held back, never posted (--all lists them): 60 adopted" in ok(smmgen(site, "plan"))
    assert "never posted: adopted" in ok(smmgen(site, "plan", "--all"))
    preview = site / "output" / "preview"
    assert "Held back, never posted: 60 adopted (out before smmgen)" in (preview / "plan.html").read_text()
    assert "Never posted: adopted: it was out before smmgen" in (preview / "articles" / "a0.html").read_text()
    listed = actions(site, "2025-03-01T12:00:00Z", env)
    assert len(listed) == 60 and {a["action"] for a in listed} == {"skip"}
    assert all(a["reason"].startswith("adopted") for a in listed)
    ok(smmgen(site, "publish", "--now", "2025-03-01T12:00:00Z", env=env))
    assert mastodon.live_texts() == []

    # A new article goes out as usual; adopting again leaves its post as posted.
    (site / "content" / "fresh.md").write_text("---\ntitle: Fresh news\ndate: 2025-02-01\n---\n\nJust in.\n")
    ok(smmgen(site, "build"))
    listed = actions(site, "2025-03-01T12:00:00Z", env)
    assert [a["id"] for a in listed if a["action"] == "post"] == ["fresh@mastodon"]
    ok(smmgen(site, "publish", "--now", "2025-03-01T12:00:00Z", env=env))
    assert len(mastodon.live_texts()) == 1 and posted_ids(site) == {"fresh@mastodon"}
    out = ok(smmgen(site, "adopt"))
    assert "nothing to adopt" in out and "61 already in the ledger" in out
    assert ledger(site)["fresh@mastodon"]["state"] == "posted"

    # An adopted article removed from content: nothing to delete, the record stays.
    (site / "content" / "a0.md").unlink()
    ok(smmgen(site, "build"))
    removed = [a for a in actions(site, "2025-03-02T12:00:00Z", env) if a["id"] == "a0@mastodon"]
    assert [(a["action"], a["reason"]) for a in removed] == [
        ("skip", "removed from content; adopted, nothing is live to delete")]
    ok(smmgen(site, "publish", "--now", "2025-03-02T12:00:00Z", env=env))
    assert ledger(site)["a0@mastodon"]["state"] == "adopted" and len(mastodon.live_texts()) == 1


def test_not_before_frees_the_plan_and_is_a_hard_floor(tmp_path: Path, mastodon: Harness) -> None:
    old = [dt.date(2024, 12, 31)] * 30
    site = archive_site(tmp_path / "site", mastodon, [*old, dt.date(2025, 1, 2)], extra="""
        [plan]
        slots = ["09:00"]
        max_per_day = 1

        [publish]
        not_before = 2025-01-01
        """)
    # [publish] appears twice otherwise: put not_before into the one table.
    toml = (site / "smmgen.toml").read_text().replace("\n[publish]\nnot_before = 2025-01-01\n", "\n")
    (site / "smmgen.toml").write_text(toml.replace("[publish]\n", "[publish]\nnot_before = 2025-01-01\n", 1))
    ok(smmgen(site, "build"))
    entries = {e["id"]: e for e in joined_manifest(site / "output" / "manifest.json")["entries"]}
    # The 30 older articles take no slot: the new one goes out at its own day's slot, not a month later.
    assert entries["a30@mastodon"]["publish_at"] == "2025-01-02T09:00:00Z" and "hold" not in entries["a30@mastodon"]
    assert entries["a0@mastodon"]["hold"] == ("not_before: the article is dated 2024-12-31T00:00:00Z, before "
                                              "[publish] not_before 2025-01-01T00:00:00Z")
    listed = {a["id"]: a for a in actions(site, "2025-01-03T00:00:00Z", mastodon.env)}
    assert [i for i, a in listed.items() if a["action"] == "post"] == ["a30@mastodon"]
    assert listed["a0@mastodon"]["action"] == "skip" and "not_before" in listed["a0@mastodon"]["reason"]
    out = ok(smmgen(site, "publish", "--now", "2025-01-03T00:00:00Z", env=mastodon.env))
    assert posted_ids(site) == {"a30@mastodon"} and len(mastodon.live_texts()) == 1
    # Thirty held posts are one line, not thirty, in every run's report.
    assert "held back, never posted: 30 " in out and "a0@mastodon" not in out

    # The publisher keeps the floor on its own, whatever manifest it is handed (no "hold" in this one).
    write_manifest(site, [entry("older", "mastodon", "Older story", publish_at=dt.datetime(2024, 6, 1, tzinfo=UTC)),
                          entry("newer", "mastodon", "Newer story", publish_at=dt.datetime(2025, 1, 2, tzinfo=UTC))])
    listed = {a["id"]: a for a in actions(site, "2025-01-03T00:00:00Z", mastodon.env)}
    assert listed["older@mastodon"]["action"] == "skip"
    assert listed["older@mastodon"]["reason"] == ("the article is dated 2024-06-01T00:00:00Z, before [publish] "
                                                  "not_before 2025-01-01T00:00:00Z")
    ok(smmgen(site, "publish", "--now", "2025-01-03T00:00:00Z", env=mastodon.env))
    assert "older@mastodon" not in ledger(site) and "newer@mastodon" in posted_ids(site)


def test_more_than_max_posts_per_run_stops_before_posting_anything(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    (site / "smmgen.toml").write_text((site / "smmgen.toml").read_text().replace(
        "[publish]\n", "[publish]\nmax_posts_per_run = 3\n", 1))
    t0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    write_manifest(site, [entry(f"story-{i}", "mastodon", f"Story {i}", publish_at=t0 - dt.timedelta(hours=i))
                          for i in range(5)])
    now = iso(t0)
    refused = smmgen(site, "publish", "--now", now, env=mastodon.env)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert ("publish: this run would make 5 new posts, more than [publish] max_posts_per_run = 3 allows"
            in refused.stderr)
    assert "--limit N" in refused.stderr and "--allow-many" in refused.stderr
    assert mastodon.live_texts() == [] and not (site / ".smmgen" / "ledger.json").exists()
    # A dry run shows what would go, and says that a real run would stop.
    dry = smmgen(site, "publish", "--now", now, "--dry-run", env=mastodon.env)
    assert dry.returncode == 0 and "max_posts_per_run = 3" in dry.stderr
    doc = json.loads(ok(smmgen(site, "publish", "--now", now, "--dry-run", "--json", env=mastodon.env)))
    assert [a["action"] for a in doc["actions"]] == ["post"] * 5
    assert len(doc["warnings"]) == 1 and "would make 5 new posts" in doc["warnings"][0]
    # --limit N posts the N earliest due and holds the rest back for the next run.
    ok(smmgen(site, "publish", "--now", now, "--limit", "2", env=mastodon.env))
    assert posted_ids(site) == {"story-4@mastodon", "story-3@mastodon"}
    # Three left: within the limit, a plain run posts them.
    ok(smmgen(site, "publish", "--now", now, env=mastodon.env))
    assert len(posted_ids(site)) == 5 and len(mastodon.live_texts()) == 5


def test_allow_many_posts_beyond_the_limit(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    (site / "smmgen.toml").write_text((site / "smmgen.toml").read_text().replace(
        "[publish]\n", "[publish]\nmax_posts_per_run = 1\n", 1))
    write_manifest(site, [entry(f"story-{i}", "mastodon", f"Story {i}") for i in range(3)])
    ok(smmgen(site, "publish", "--now", "2026-03-02T07:00:00Z", "--allow-many", env=mastodon.env))
    assert len(mastodon.live_texts()) == 3


def test_a_real_run_does_exactly_what_the_dry_run_listed(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    t0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    h = dt.timedelta(hours=1)
    first = [entry("due-a", "mastodon", "Due A", publish_at=t0 - h),
             entry("due-b", "mastodon", "Due B", publish_at=t0 - 2 * h, expire_at=t0 + 2 * h),
             entry("later", "mastodon", "Later", publish_at=t0 + 3 * h),
             entry("expired", "mastodon", "Expired", publish_at=t0 - 5 * h, expire_at=t0 - h),
             entry("pulled", "mastodon", "Pulled", publish_at=t0 - h, retracted=True)]
    write_manifest(site, first)

    def check(now: dt.datetime, entry_ids: set[str]) -> list[dict]:
        before = ledger(site) if (site / ".smmgen" / "ledger.json").exists() else {}
        listed = actions(site, iso(now), mastodon.env)
        assert sorted(a["id"] for a in listed) == sorted(entry_ids | set(before))    # one per entry and record
        ok(smmgen(site, "publish", "--now", iso(now), env=mastodon.env))
        after = ledger(site)
        posted = {k for k, r in after.items() if r["state"] == "posted" and r.get("posted_at") == iso(now)}
        deleted = {k for k, r in after.items() if r["state"] == "deleted" and r.get("deleted_at") == iso(now)}
        assert posted == {a["id"] for a in listed if a["action"] == "post"}
        assert deleted == {a["id"] for a in listed if a["action"] == "delete"}
        changed = {k for k in after if after[k] != before.get(k)}
        assert changed == posted | deleted
        return listed

    listed = {a["id"]: a for a in check(t0, {e["id"] for e in first})}
    assert {i: a["action"] for i, a in listed.items()} == {
        "due-a@mastodon": "post", "due-b@mastodon": "post", "later@mastodon": "wait",
        "expired@mastodon": "skip", "pulled@mastodon": "skip"}
    assert listed["later@mastodon"] == {"id": "later@mastodon", "platform": "mastodon", "action": "wait",
                                        "reason": "due 2026-03-02T09:00:00Z", "publish_at": "2026-03-02T09:00:00Z"}
    # Later: one post expired, one removed from content, one became due, one is unchanged.
    second = [e for e in first if e["id"] != "due-a@mastodon"]
    write_manifest(site, second)
    listed = {a["id"]: a for a in check(t0 + 4 * h, {e["id"] for e in second})}
    assert {i: a["action"] for i, a in listed.items()} == {
        "due-a@mastodon": "delete", "due-b@mastodon": "delete", "later@mastodon": "post",
        "expired@mastodon": "skip", "pulled@mastodon": "skip"}
    assert len(mastodon.live_texts()) == 1
    listed = {a["id"]: a for a in check(t0 + 5 * h, {e["id"] for e in second})}
    assert listed["later@mastodon"]["action"] == "skip" and listed["later@mastodon"]["reason"].startswith("posted")


def test_json_needs_dry_run(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    write_manifest(site, [entry("story", "mastodon", "Story")])
    result = smmgen(site, "publish", "--json", env=mastodon.env)
    assert result.returncode == 2 and "--json describes a dry run" in result.stderr
    assert mastodon.live_texts() == []


def test_an_adopted_post_is_not_deleted_when_it_expires(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    t0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    write_manifest(site, [entry("old", "mastodon", "Old story", publish_at=t0 - dt.timedelta(days=3),
                                expire_at=t0 - dt.timedelta(days=1))])
    (site / ".smmgen").mkdir()
    (site / ".smmgen" / "ledger.json").write_text(json.dumps({
        "format": "smmgen-ledger", "version": 1, "site": "https://courier.example",
        "entries": {"old@mastodon": {"platform": "mastodon", "state": "adopted", "publish_at": iso(t0),
                                     "adopted_at": iso(t0)}}}))
    before = (site / ".smmgen" / "ledger.json").read_bytes()
    listed = actions(site, iso(t0), mastodon.env)
    assert [(a["action"], a["reason"].split(":")[0]) for a in listed] == [("skip", "adopted")]
    ok(smmgen(site, "publish", "--now", iso(t0), env=mastodon.env))
    assert (site / ".smmgen" / "ledger.json").read_bytes() == before and mastodon.live_texts() == []


def test_wrong_settings_and_dates_are_one_line_each(tmp_path: Path, mastodon: Harness) -> None:
    site = archive_site(tmp_path / "site", mastodon, [dt.date(2025, 1, 1)])
    good = (site / "smmgen.toml").read_text()
    bad = smmgen(site, "adopt", "--before", "tomorrow")
    assert bad.returncode == 2 and "not a date: 'tomorrow'" in bad.stderr
    (site / "smmgen.toml").write_text(good.replace("[publish]\n", '[publish]\nnot_before = "yesterday"\n'
                                                                  "max_posts_per_run = 0\n", 1))
    bad = smmgen(site, "check")
    assert bad.returncode == 1
    assert 'publish.not_before: not a date: "yesterday" (write e.g. 2026-01-01' in bad.stderr
    assert "publish.max_posts_per_run: must be at least 1, got 0" in bad.stderr
