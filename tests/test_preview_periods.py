"""The preview's index by month and plan by ISO week: page names, what plan.html opens on, and that an edit
rewrites the pages of its own period only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from click.testing import CliRunner
from conftest import MINIMAL_CONFIG

from smmgen.build.pipeline import build
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.preview.agenda import Day, Week
from smmgen.preview.pages import render_pages
from smmgen.preview.periods import month_of, month_period, opening_weeks, week_period


def week(monday: dt.date) -> Week:
    return Week(monday, tuple(Day(monday + dt.timedelta(days=i), ()) for i in range(7)))


def test_period_pages_are_named_by_month_and_iso_week():
    from zoneinfo import ZoneInfo

    # 23:30 UTC on 31 October is 1 November in Tokyo: the month is the site's.
    assert month_of("2026-10-31T23:30:00Z", ZoneInfo("Asia/Tokyo")) == dt.date(2026, 11, 1)
    november = month_period(dt.date(2026, 11, 1), ["ok", "error", "warning", "error"])
    assert (november.key, november.label, november.errors, november.warnings) == ("2026-11", "November 2026", 2, 1)
    assert month_period(dt.date(2026, 11, 1)).page == "index-2026-11.html"
    assert week_period(dt.date(2026, 11, 23)).page == "plan-2026-W48.html"
    assert week_period(dt.date(2026, 12, 28)).page == "plan-2026-W53.html"     # ISO years have 52 or 53 weeks
    assert week_period(dt.date(2027, 1, 4)).page == "plan-2027-W01.html"


def test_plan_opens_on_the_calendar_weeks_around_the_newest_articles():
    mondays = [dt.date(2026, 9, 7), dt.date(2026, 11, 9), dt.date(2026, 11, 16), dt.date(2026, 11, 23),
               dt.date(2026, 11, 30), dt.date(2027, 1, 4)]
    weeks = [week(m) for m in mondays]
    shown = [w.monday for w in opening_weeks(weeks, dt.date(2026, 11, 19))]
    assert shown == [dt.date(2026, 11, 9), dt.date(2026, 11, 16), dt.date(2026, 11, 23)]
    # No week around it has events: the next week that has, else the last one.
    assert [w.monday for w in opening_weeks(weeks, dt.date(2026, 10, 1))] == [dt.date(2026, 11, 9)]
    assert [w.monday for w in opening_weeks(weeks, dt.date(2027, 6, 1))] == [dt.date(2027, 1, 4)]
    assert [w.monday for w in opening_weeks(weeks, None)] == [dt.date(2026, 9, 7)]
    assert opening_weeks([], dt.date(2026, 11, 19)) == []


def months_site(make_site) -> Path:
    make_site.config(MINIMAL_CONFIG)
    for n, date in enumerate(["2026-08-12T10:00:00+02:00", "2026-09-10T10:00:00+02:00",
                              "2026-10-05T10:00:00+02:00", "2026-11-20T10:00:00+01:00"]):
        make_site.article(f"2026/story-{n}.md", f"---\ntitle: Story {n}\ndate: {date}\n---\nBody of story {n}.\n")
    return make_site.root


def test_each_month_and_week_is_a_page_and_the_front_pages_open_on_the_newest(make_site):
    root = months_site(make_site)
    result = build(load_site(root), render_images=False)
    assert not result.errors, result.errors
    pages = render_pages(result)
    names = sorted(p for p in pages if re.fullmatch(r"preview/(index|plan)[^/]*\.html", p))
    assert [n for n in names if "index" in n] == ["preview/index-2026-08.html", "preview/index-2026-09.html",
                                                    "preview/index-2026-10.html", "preview/index-2026-11.html",
                                                    "preview/index.html"]
    text = {name: pages[name].decode() for name in names}
    for n, month in enumerate(["08", "09", "10", "11"]):
        rows = re.findall(r'class="title-link" href="[^"]+">([^<]+)<', text[f"preview/index-2026-{month}.html"])
        assert rows == [f"Story {n}"]
        # Each article page leads back to its own month.
        assert f'href="../../preview/index-2026-{month}.html">← All articles' in \
            pages[f"preview/articles/story-{n}.html"].decode()
    assert re.findall(r'class="title-link" href="[^"]+">([^<]+)<', text["preview/index.html"]) == ["Story 3"]
    # Every page lists every month, newest first.
    for name in names:
        if "index" in name:
            assert re.findall(r'href="\.\./preview/(index-[\d-]+\.html)"', text[name]) == \
                ["index-2026-11.html", "index-2026-10.html", "index-2026-09.html", "index-2026-08.html"]
    # plan.html: the week of 20 November (the newest article) and those around it that have posts.
    weeks = [n for n in names if re.fullmatch(r"preview/plan-\d{4}-W\d\d\.html", n)]
    assert len(weeks) >= 4
    plan = text["preview/plan.html"]
    assert re.findall(r'<caption>Week of ([^<]+)</caption>', plan)[0].endswith("November 2026")
    assert "August" not in "".join(re.findall(r'<caption>Week of ([^<]+)</caption>', plan))
    for name in weeks:
        assert len(re.findall(r'<caption>Week of', text[name])) == 1


def test_an_edit_rewrites_only_its_own_months_and_weeks_pages(make_site):
    root = months_site(make_site)
    run = lambda: CliRunner().invoke(main, ["build", "--site", str(root)], catch_exceptions=False)  # noqa: E731
    assert run().exit_code == 0
    preview = root / "output" / "preview"
    before = {p.name: p.stat().st_mtime_ns for p in preview.glob("*.html")}
    story = root / "content" / "2026" / "story-1.md"
    story.write_text(story.read_text().replace("Story 1", "Story 1, edited"))
    assert run().exit_code == 0
    after = {p.name: p.stat().st_mtime_ns for p in preview.glob("*.html")}
    assert before.keys() == after.keys()
    rewritten = {name for name in after if after[name] != before[name]}
    assert "index-2026-09.html" in rewritten
    assert "Story 1, edited" in (preview / "index-2026-09.html").read_text()
    # The other months, the front page (November) and the weeks of the other stories are left as they were.
    assert not rewritten & {"index.html", "index-2026-08.html", "index-2026-10.html", "index-2026-11.html",
                            "plan.html"}, rewritten
    assert all(name.startswith("plan-2026-W3") for name in rewritten - {"index-2026-09.html"}), rewritten
