"""`smmgen preview --summary` (Markdown for $GITHUB_STEP_SUMMARY) and `smmgen plan` (table and JSON)."""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from support.entries import entry as manifest_entry

from smmgen.build.pipeline import build
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.preview import agenda
from smmgen.preview.summary import markdown_summary, md_escape


def run(site, *args):
    return CliRunner().invoke(main, [*args, "--site", str(site)], catch_exceptions=False)


def test_summary_is_a_table_of_articles_by_platform(sample_site):
    result = build(load_site(sample_site), render_images=False)
    text = run(sample_site, "preview", "--summary")
    assert text.exit_code == 0, text.output
    assert text.output == markdown_summary(result)
    lines = text.output.splitlines()
    header = next(line for line in lines if line.startswith("| Article |"))
    platforms = [p.name for p in result.site.platforms]
    assert header.count("|") == len(platforms) + 2
    rows = [line for line in lines if line.startswith("| ") and line is not header and "---" not in line]
    assert len(rows) == len(result.articles)
    for entry in result.entries:
        row = next(r for r in rows if md_escape(entry.title) in r)
        cell = row.split(" | ")[1 + platforms.index(entry.platform)]
        assert f"{max(entry.lengths)}/{entry.limit}" in cell
    assert not (sample_site / "output" / "manifest.json").exists()     # --summary writes nothing


def test_summary_shows_errors_and_warnings_and_exits_non_zero(make_site):
    make_site.article("ok.md", "---\ntitle: Fine | with a pipe &lt;b&gt;\ndate: 2026-11-20\n---\nBody.\n")
    make_site.article("long.md", "---\ntitle: Long\ndate: 2026-11-21\nsocial:\n  mastodon:\n    text: \""
                      + "word " * 150 + "\"\n---\nBody.\n")
    out = run(make_site.root, "preview", "--summary")
    assert out.exit_code == 1
    assert re.search(r"\| ❌ \d+/500<br>❌ ", out.output)
    assert "Fine \\| with a pipe &lt;b&gt;" in out.output                # a title cannot break the table
    assert "build error(s)" in out.output


def test_md_escape():
    assert md_escape("a|b\n<x>*_`[") == "a\\|b &lt;x&gt;\\*\\_\\`\\["


def test_plan_json_lists_every_entry_in_time_order(sample_site):
    result = build(load_site(sample_site), render_images=False)
    out = run(sample_site, "plan", "--json", "--all", "--now", "2026-11-25T00:00:00Z")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["timezone"] == "Europe/Berlin" and doc["now"] == "2026-11-25T00:00:00Z"
    got = doc["entries"]
    assert sorted(e["id"] for e in got) == sorted(e.id for e in result.entries)
    assert [e["publish_at"] for e in got] == sorted(e["publish_at"] for e in got)
    by_id = {e.id: e.json for e in result.entries}
    for e in got:
        assert (e["publish_at"], e["expire_at"]) == (by_id[e["id"]]["publish_at"], by_id[e["id"]]["expire_at"])
        now = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
        publish = dt.datetime.fromisoformat(e["publish_at"])
        assert (e["state"] == "scheduled") == (publish > now)
    # Without --all, what has expired by then is left out.
    later = json.loads(run(sample_site, "plan", "--json", "--now", "2026-12-31T00:00:00Z").output)["entries"]
    assert all(e["expire_at"] is None for e in later) and len(later) < len(got)


def test_plan_table_shows_local_times_and_expiry(sample_site):
    out = run(sample_site, "plan", "--all", "--platform", "mastodon", "--now", "2026-11-25T00:00:00Z")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].split()[:2] == ["When", "(Europe/Berlin)"]
    result = build(load_site(sample_site), render_images=False)
    entry = next(e for e in result.entries if e.id == "budget-passes@mastodon")
    tz = ZoneInfo("Europe/Berlin")

    def local(when):
        return when.astimezone(tz).strftime("%a %Y-%m-%d %H:%M")

    budget = next(line for line in lines if "budget-passes" in line)
    assert entry.expire_at, "the sample's budget article expires"
    assert budget.startswith(local(entry.publish_at)) and budget.endswith(local(entry.expire_at))
    # The account column shows the handle the post goes to.
    assert budget.split()[3:7] == ["mastodon", "@courier@newsroom.social", "live", "budget-passes"]
    bad = run(sample_site, "plan", "--platform", "myspace")
    assert bad.exit_code != 0 and "not an enabled platform" in bad.output


def test_agenda_groups_by_local_day_and_monday_weeks():
    tz = ZoneInfo("Europe/Berlin")
    entries = [
        # Mon 23 Nov in Berlin
        manifest_entry("a@x", title="A", publish_at="2026-11-22T23:30:00Z", expire_at="2026-12-01T08:00:00Z"),
        manifest_entry("b@x", title="B", publish_at="2026-11-22T10:00:00Z"),
    ]
    slots = agenda.slots(entries, ["x"])
    assert [s.id for s in slots] == ["b@x", "a@x"]
    days = agenda.days(slots, tz)
    assert [d.date.isoformat() for d in days] == ["2026-11-22", "2026-11-23", "2026-12-01"]
    assert [e.kind for e in days[2].events] == ["expire"]
    weeks = agenda.weeks(slots, tz)
    assert [w.monday.isoformat() for w in weeks] == ["2026-11-16", "2026-11-23", "2026-11-30"]
    assert all(len(w.days) == 7 for w in weeks)
    now = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    assert [s.state(now) for s in slots] == ["live", "scheduled"]


def test_agenda_orders_events_by_instant_across_the_autumn_clock_change():
    # 25 Oct 2026 in Berlin: 02:00-03:00 comes twice; 00:30Z is the first 02:30, 01:10Z the second 02:10.
    tz = ZoneInfo("Europe/Berlin")
    entries = [manifest_entry("late@x", title="L", publish_at="2026-10-25T01:10:00Z"),
               manifest_entry("early@x", title="E", publish_at="2026-10-25T00:30:00Z")]
    day, = agenda.days(agenda.slots(entries, ["x"]), tz)
    assert [e.slot.id for e in day.events] == ["early@x", "late@x"]
    assert [e.at.strftime("%H:%M") for e in day.events] == ["02:30", "02:10"]


def test_the_plan_read_from_cuts_is_the_plan_read_from_the_manifest(sample_site):
    # The preview reads the slots off the cuts, without making manifest entries; ``smmgen plan`` and the
    # manifest's readers read them off the entries: both must agree, to the second.
    result = build(load_site(sample_site), render_images=False)
    order = [p.name for p in result.site.platforms]
    planned = agenda.planned(result.outputs, order)
    assert len(planned) == len(result.cuts) > 50
    assert planned == agenda.slots(result.entries, order)
    assert [s.identity() for s in planned] == [s.identity() for s in agenda.slots(result.entries, order)]
