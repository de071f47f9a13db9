"""The content plan: slots, spacing, daily maximums, blackouts, expiry, the ledger, rate budgets, DST."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from click.testing import CliRunner
from support.plan import BERLIN, UTC, cut, local, shown, site_with, times, write_ledger

from smmgen.build.pipeline import build
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.errors import ErrorList
from smmgen.plan import posting_rules
from smmgen.plan import slots as plan

SLOTS = """
[plan]
slots = ["08:00", "12:30", "18:00"]
"""


def test_a_post_takes_the_first_free_slot_at_or_after_its_date(tmp_path):
    site = site_with(tmp_path / "s", SLOTS)
    cuts = [cut("a", "2026-11-20 07:00"), cut("b", "2026-11-20 07:30"), cut("c", "2026-11-20 09:00"),
            cut("d", "2026-11-20 19:00"), cut("e", "2026-11-21 12:30")]
    planned, errors = plan.assign(cuts, site)
    assert errors == []
    assert times(planned) == {
        "a@mastodon": "2026-11-20 08:00",
        "b@mastodon": "2026-11-20 12:30",
        "c@mastodon": "2026-11-20 18:00",      # 12:30 is taken
        "d@mastodon": "2026-11-21 08:00",      # after the day's last slot
        "e@mastodon": "2026-11-21 12:30",      # exactly on a slot: that slot
    }
    assert {c.timing.basis for c in planned} == {"slot"}


def test_spacing_and_the_daily_maximum_push_posts_on(tmp_path):
    site = site_with(tmp_path / "s", """
        [plan]
        slots = { every = "30m", from = "08:00", until = "11:00" }
        min_spacing = "1h"
        max_per_day = 2
        """)
    planned, errors = plan.assign([cut(f"p{i}", "2026-11-20 07:00") for i in range(5)], site)
    assert errors == []
    assert sorted(times(planned).values()) == ["2026-11-20 08:00", "2026-11-20 09:00", "2026-11-21 08:00",
                                               "2026-11-21 09:00", "2026-11-22 08:00"]


def test_planning_works_out_each_days_slot_times_once_not_once_per_post(tmp_path, monkeypatch):
    site = site_with(tmp_path / "s", """
        [plan]
        slots = { every = "30m", from = "06:00", until = "23:30" }
        min_spacing = "30m"
        max_per_day = 36
        """)
    made = []
    real = posting_rules.wall_clock
    monkeypatch.setattr(posting_rules, "wall_clock", lambda *a: made.append(a) or real(*a))
    posting_rules._slot_times.cache_clear()
    cuts = [cut(f"p{i}", f"2026-11-{1 + i // 20:02d} 07:00") for i in range(400)]
    planned, errors = plan.assign(cuts, site)
    assert errors == [] and len(times(planned)) == 400
    days = {t[:10] for t in times(planned).values()}
    # 36 slots a day, for each day a post looked at (one more than those that got posts): a post's search for
    # its slot went through every slot of its days again (ten times as many).
    assert len(made) <= 36 * (len(days) + 2), len(made)



def test_an_articles_cuts_planned_to_equal_timings_share_one_timing(tmp_path):
    # A large site's plan answers are all held until the build applies them: a new timing a cut was ~150 bytes
    # a cut more than one for the equal timings of an article's cuts.
    site = site_with(tmp_path / "s", SLOTS, extra="""
        [platforms.bluesky]
        handle = "desk.example"
        """)
    cuts = [cut(slug, "2026-11-20 07:00", platform) for slug in ("a", "b", "c")
            for platform in ("mastodon", "bluesky")]
    cuts += [cut("d", "2026-11-20 07:00", explicit=True), cut("d", "2026-11-20 07:00", "bluesky", explicit=True)]
    planned, errors = plan.assign(cuts, site)
    assert errors == []
    timings = [c.timing for c in planned]
    assert len({id(t) for t in timings}) == len(set(timings)) < len(timings)
    # The same answers as each cut's own timing: equal values, only fewer objects.
    assert [(t.basis, t.field, t.line) for t in timings] == \
        [("slot", "date", 3)] * 6 + [("explicit", "social.publish_at", 5)] * 2

def test_without_slots_a_post_keeps_its_date_unless_a_rule_moves_it(tmp_path):
    site = site_with(tmp_path / "s", """
        [plan]
        min_spacing = "45m"
        max_per_day = 3
        blackout = [{ from = 2026-11-20T12:00:00, until = 2026-11-20T14:00:00 }]
        """)
    cuts = [cut("a", "2026-11-20 09:00"), cut("b", "2026-11-20 09:10"), cut("c", "2026-11-20 12:30"),
            cut("d", "2026-11-20 20:00")]
    planned, errors = plan.assign(cuts, site)
    assert errors == []
    assert times(planned) == {
        "a@mastodon": "2026-11-20 09:00",
        "b@mastodon": "2026-11-20 09:45",      # spacing
        "c@mastodon": "2026-11-20 14:00",      # the blackout's end
        "d@mastodon": "2026-11-21 00:00",      # the day already has three
    }


def test_no_plan_leaves_every_time_alone(tmp_path):
    site = site_with(tmp_path / "s")
    cuts = [cut("a", "2026-11-20 09:00"), cut("b", "2026-11-20 09:00")]
    planned, errors = plan.assign(cuts, site)
    assert errors == [] and times(planned) == times(cuts)
    assert {c.timing.basis for c in planned} == {"date"}


def test_explicit_times_win_and_slotted_posts_keep_their_distance(tmp_path):
    site = site_with(tmp_path / "s", """
        [plan]
        slots = ["08:00", "09:00", "10:00"]
        min_spacing = "90m"
        """)
    cuts = [cut("auto", "2026-11-20 07:00"), cut("fixed", "2026-11-20 08:40", explicit=True)]
    planned, errors = plan.assign(cuts, site)
    assert errors == []
    # 08:00, 09:00 and 10:00 are all within 90 minutes of the explicit 08:40.
    assert times(planned) == {"auto@mastodon": "2026-11-21 08:00", "fixed@mastodon": "2026-11-20 08:40"}
    assert [c.timing.basis for c in planned] == ["slot", "explicit"]


def test_platforms_are_planned_separately_and_override_the_shared_rules(tmp_path):
    site = site_with(tmp_path / "s", """
        [plan]
        slots = ["08:00", "12:30"]
        [plan.bluesky]
        slots = ["09:15"]
        """, extra="""
        [platforms.bluesky]
        handle = "desk.example"
        """)
    cuts = [cut("a", "2026-11-20 07:00"), cut("a", "2026-11-20 07:00", "bluesky"),
            cut("b", "2026-11-20 07:00", "bluesky")]
    planned, _ = plan.assign(cuts, site)
    assert times(planned) == {"a@mastodon": "2026-11-20 08:00", "a@bluesky": "2026-11-20 09:15",
                              "b@bluesky": "2026-11-21 09:15"}


# --- the ledger: a published post never moves ---------------------------------------------------------------------

def test_a_new_article_never_moves_a_published_post(tmp_path):
    site = site_with(tmp_path / "s", SLOTS)
    old = cut("old", "2026-11-20 07:00")
    first, _ = plan.assign([old], site)
    assert times(first) == {"old@mastodon": "2026-11-20 08:00"}
    # A new article with an earlier date would take 08:00 and push the old post on...
    newer = cut("newer", "2026-11-20 06:00")
    replanned, _ = plan.assign([old, newer], site)
    assert times(replanned)["old@mastodon"] == "2026-11-20 12:30"
    # ...unless the ledger says the old post went out at 08:00.
    write_ledger(site, {"old@mastodon": first[0].publish_at})
    planned, errors = plan.assign([old, newer], site)
    assert errors == []
    assert times(planned) == {"old@mastodon": "2026-11-20 08:00", "newer@mastodon": "2026-11-20 12:30"}
    assert planned[0].timing.basis == "published"


def test_the_ledger_path_comes_from_publish_settings_and_the_state_decides_what_is_out(tmp_path):
    site = site_with(tmp_path / "s", SLOTS, extra="""
        [publish]
        ledger = "state/posted.json"
        """)
    (site.root / "state").mkdir()
    (site.root / "state" / "posted.json").write_text(json.dumps({"format": "smmgen-ledger", "version": 1,
                                                                 "entries": {
        "a@mastodon": {"state": "posted", "posted_at": "2026-11-20T10:07:00Z"},           # posted_at: fallback
        "b@mastodon": {"state": "pending", "posted_at": None},                            # not out: planned
        "c@mastodon": {"state": "unknown", "entry": {"publish_at": "2026-11-20T16:00:00Z"}},  # may be out
        "d@mastodon": {"state": "deleted", "posted_at": None},                            # never went out
        "e@mastodon": {"state": "deleted", "posted_at": "2026-11-19T17:01:00Z",
                       "publish_at": "2026-11-19T17:00:00Z"},                             # out, then expired
    }}))
    cuts = [cut(x, "2026-11-20 07:00") for x in "abcd"] + [cut("e", "2026-11-19 07:00")]
    planned, errors = plan.assign(cuts, site)
    assert errors == []
    assert times(planned) == {"a@mastodon": "2026-11-20 11:07", "b@mastodon": "2026-11-20 08:00",
                              "c@mastodon": "2026-11-20 17:00", "d@mastodon": "2026-11-20 12:30",
                              "e@mastodon": "2026-11-19 18:00"}
    assert [c.timing.basis for c in planned] == ["published", "slot", "published", "slot", "published"]


def test_an_unreadable_ledger_is_an_error_not_an_empty_history(tmp_path):
    site = site_with(tmp_path / "s", SLOTS)
    (site.root / ".smmgen").mkdir()
    (site.root / ".smmgen" / "ledger.json").write_text("{not json")
    _, errors = plan.assign([cut("a", "2026-11-20 07:00")], site)
    assert len(errors) == 1 and ".smmgen/ledger.json: cannot read the publisher's ledger" in errors[0].message


# --- expiry ---------------------------------------------------------------------------------------------------------

def test_relative_expiry_moves_with_the_slot_and_default_expiry_fills_in(tmp_path):
    site = site_with(tmp_path / "s", SLOTS + 'default_expiry = "7d"\n')
    relative = cut("rel", "2026-11-20 07:00", expire_after=dt.timedelta(hours=48))
    absolute = cut("abs", "2026-11-20 07:10", expire_at=local("2026-11-25 18:00"))
    plain = cut("plain", "2026-11-20 07:20")
    planned, errors = plan.assign([relative, absolute, plain], site)
    assert errors == []
    by_id = {c.id: c for c in planned}
    assert shown(by_id["rel@mastodon"].publish_at) == "2026-11-20 08:00"
    assert shown(by_id["rel@mastodon"].expire_at) == "2026-11-22 08:00"
    assert shown(by_id["abs@mastodon"].expire_at) == "2026-11-25 18:00"
    assert shown(by_id["plain@mastodon"].publish_at) == "2026-11-20 18:00"
    assert shown(by_id["plain@mastodon"].expire_at) == "2026-11-27 18:00"


def test_a_slot_after_the_posts_fixed_expiry_is_an_error(tmp_path):
    site = site_with(tmp_path / "s", SLOTS)
    doomed = cut("doomed", "2026-11-20 19:00", expire_at=local("2026-11-20 23:00"))
    _, errors = plan.assign([doomed], site)
    assert [e.message for e in errors] == [
        ("content/doomed.md:3: date: mastodon: the next free mastodon slot, 2026-11-21 08:00 CET, is not before "
        "its expiry 2026-11-20 23:00 CET; set an explicit publish_at or a later expiry")]


# --- explicit times that break the plan: smmgen check fails with file:line ----------------------------------------

RULES = """
[plan]
slots = ["08:00", "12:30", "18:00"]
min_spacing = "2h"
max_per_day = 2
blackout = [{ date = 2026-11-22, reason = "Remembrance day" }]
"""


def explicit_article(make_site, name: str, when: str) -> None:
    make_site.article(f"{name}.md", f"""
        ---
        title: Story {name}
        date: 2026-11-19T08:00:00+01:00
        social:
          publish_at: {when}
        ---

        Body of {name}.
        """)


def test_check_fails_when_explicit_times_break_the_plan(make_site):
    make_site.config((make_site.root / "smmgen.toml").read_text() + RULES)
    explicit_article(make_site, "a", "2026-11-20T09:00:00+01:00")
    explicit_article(make_site, "b", "2026-11-20T10:00:00+01:00")     # 1 h after a
    explicit_article(make_site, "c", "2026-11-20T16:00:00+01:00")     # the day's third
    explicit_article(make_site, "d", "2026-11-22T12:00:00+01:00")     # in the blackout
    explicit_article(make_site, "e", "2026-11-23T12:00:00+01:00")     # fine
    result = CliRunner().invoke(main, ["check", "--site", str(make_site.root)], env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert "content/b.md:5: social.publish_at: mastodon: 2026-11-20 10:00 CET is 1 h from another mastodon post " \
           "(content/a.md at 2026-11-20 09:00 CET); min_spacing is 2 h" in result.output
    assert "content/c.md:5: social.publish_at: mastodon: 3 mastodon posts on 2026-11-20, more than max_per_day 2 " \
           "(this one at 2026-11-20 16:00 CET)" in result.output
    assert "content/d.md:5: social.publish_at: mastodon: 2026-11-22 12:00 CET is inside the mastodon blackout " \
           "2026-11-22 00:00 CET – 2026-11-23 00:00 CET (Remembrance day)" in result.output
    assert "::error file=content/b.md,line=5::social.publish_at: mastodon: 2026-11-20 10:00 CET" in result.output
    assert "content/a.md" not in result.output.replace("(content/a.md at", "")
    assert "content/e.md" not in result.output
    assert "3 error(s)" in result.output


def test_published_posts_are_history_and_only_new_explicit_times_are_reported(tmp_path):
    site = site_with(tmp_path / "s", RULES)
    # Two posts that went out 30 minutes apart (before the rule existed) are no error; a new explicit post
    # next to them is.
    write_ledger(site, {"a@mastodon": local("2026-11-20 09:00"), "b@mastodon": local("2026-11-20 09:30")})
    cuts = [cut("a", "2026-11-20 09:00"), cut("b", "2026-11-20 09:30"),
            cut("c", "2026-11-20 10:00", explicit=True)]
    _, errors = plan.assign(cuts, site)
    assert [e.path for e in errors] == ["content/c.md", "content/c.md"]       # spacing and daily maximum
    assert "1 h" not in errors[0].message and "30 min from another mastodon post" in errors[0].message


# --- rate budgets -----------------------------------------------------------------------------------------------

def test_posts_over_a_platforms_rate_budget_get_a_warning(tmp_path):
    site = site_with(tmp_path / "s")
    start = local("2026-11-20 06:00")
    # X: 300 posts per 3 h. 151 two-part threads a minute apart are 302 posts within 151 minutes.
    x_cuts = [cut(f"t{i:03d}", start + dt.timedelta(minutes=i), "x", parts=("one", "two")) for i in range(151)]
    instagram = [cut(f"i{i:02d}", start + dt.timedelta(minutes=20 * i), "instagram") for i in range(51)]
    planned, errors = plan.assign(x_cuts + instagram, site)
    assert errors == []
    warned = {c.id: c.warnings for c in planned if c.warnings}
    assert list(warned) == ["t150@x", "i50@instagram"]
    assert warned["t150@x"][0].startswith("302 posts in the 3 h up to 2026-11-20 08:30 CET exceed the rate "
                                          "budget of 300 per 3 h")
    assert warned["i50@instagram"][0].startswith("51 posts in the 24 h up to 2026-11-20 22:40 CET exceed the rate "
                                                 "budget of 50 per 24 h")


def test_a_rolling_window_forgets_old_posts(tmp_path):
    site = site_with(tmp_path / "s")
    start = local("2026-11-20 06:00")
    # 50 Instagram posts a day for three days never exceed 50 in any 24 hours.
    cuts = [cut(f"i{i:03d}", start + dt.timedelta(hours=24 * (i // 50), minutes=25 * (i % 50)), "instagram")
            for i in range(150)]
    planned, _ = plan.assign(cuts, site)
    assert not any(c.warnings for c in planned)


# --- daylight saving time ---------------------------------------------------------------------------------------

def test_wall_clock_slots_on_dst_days_exist_exactly_once():
    rules = posting_rules.Rules(tz=BERLIN, slots=(dt.time(2, 30), dt.time(12, 0)))
    spring, autumn = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
    # Spring forward: 02:30 does not exist; the slot moves on by the gap, to 03:30 CEST.
    assert [t.strftime("%H:%M") for t in rules.slot_times(spring)] == ["01:30", "10:00"]
    assert rules.slot_times(spring)[0].astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"
    # Fall back: 02:30 happens twice; the slot is the first one only.
    assert [t.strftime("%H:%M") for t in rules.slot_times(autumn)] == ["00:30", "11:00"]
    assert rules.slot_times(autumn)[0].astimezone(BERLIN).strftime("%H:%M %Z") == "02:30 CEST"


@pytest.mark.parametrize(("first_day", "expected"), [
    ("2026-03-27", ["03-27 02:30 CET", "03-28 02:30 CET", "03-29 03:30 CEST", "03-30 02:30 CEST"]),
    ("2026-10-23", ["10-23 02:30 CEST", "10-24 02:30 CEST", "10-25 02:30 CEST", "10-26 02:30 CET"]),
])
def test_a_0230_slot_neither_vanishes_nor_doubles_across_a_dst_change(tmp_path, first_day, expected):
    site = site_with(tmp_path / "s", """
        [plan]
        slots = ["02:30"]
        """)
    cuts = [cut(f"p{i}", f"{first_day} 00:00") for i in range(4)]
    planned, errors = plan.assign(cuts, site)
    assert errors == []
    got = sorted(c.publish_at for c in planned)
    assert [t.astimezone(BERLIN).strftime("%m-%d %H:%M %Z") for t in got] == expected
    # One post per day, every day: the slot happened exactly once on the DST day.
    assert len({t.astimezone(BERLIN).date() for t in got}) == 4


def test_every_slots_and_spacing_count_real_time_on_the_fall_back_night(tmp_path):
    site = site_with(tmp_path / "s", """
        [plan]
        slots = { every = "1h", from = "01:00", until = "04:00" }
        min_spacing = "1h"
        """)
    cuts = [cut(f"p{i}", "2026-10-25 00:00") for i in range(4)]
    planned, _ = plan.assign(cuts, site)
    got = sorted(c.publish_at for c in planned)
    # 01:00 CEST, 02:00 CEST, 03:00 CET (two real hours after 02:00 CEST), 04:00 CET: all an hour or more apart.
    assert [t.astimezone(BERLIN).strftime("%H:%M %Z") for t in got] == ["01:00 CEST", "02:00 CEST", "03:00 CET",
                                                                        "04:00 CET"]
    assert all(b - a >= dt.timedelta(hours=1) for a, b in itertools.pairwise(got))


# --- configuration ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("plan_toml", "line", "message"), [
    ('slots = ["8am"]', 9, 'plan.slots: item 1: not a time of day: "8am"'),
    ('slots = { every = "2h", from = "20:00", until = "08:00" }', 9, "plan.slots: until is before from"),
    ('blackout = [{ from = 2026-12-24 }]', 9, "plan.blackout: item 1: needs both from and until"),
    ('blackout = [{ from = 2026-12-26, until = 2026-12-24 }]', 9, "is not after from"),
    ("max_per_day = 0", 9, "plan.max_per_day: must be at least 1, got 0"),
    ('[plan.myspace]\nslots = ["08:00"]', 9, "plan.myspace: unknown key"),
    ('[plan.x]\nspacing = "1h"', 10, "plan.x.spacing: unknown key"),
])
def test_plan_configuration_errors_name_the_key_and_line(tmp_path, plan_toml, line, message):
    with pytest.raises(ErrorList) as caught:
        site_with(tmp_path / "s", "[plan]\n" + plan_toml + "\n")
    assert caught.value.message.startswith(f"smmgen.toml:{line}: ")
    assert message in caught.value.message


def test_blackout_dates_cover_whole_days_in_the_site_timezone(tmp_path):
    site = site_with(tmp_path / "s", """
        [plan]
        blackout = [{ from = 2026-12-24, until = 2026-12-26, reason = "Christmas" }]
        """)
    (window,) = posting_rules.rules_for(site, "mastodon").blackouts
    assert shown(window.start) == "2026-12-24 00:00" and shown(window.end) == "2026-12-27 00:00"
    assert window.start.tzinfo is UTC


# --- the sample site --------------------------------------------------------------------------------------------

def test_the_sample_site_plans_every_post_on_a_slot_or_at_its_explicit_time(sample_site):
    site = load_site(sample_site)
    result = build(site, render_images=False)
    assert result.errors == ()
    by_id = {e.id: e for e in result.entries}
    for c in result.cuts:
        rules = posting_rules.rules_for(site, c.platform)
        article_date = by_id[c.id].article_date
        if c.timing.basis == "explicit":
            continue
        assert c.timing.basis == "slot", c.id
        assert c.publish_at >= article_date
        assert c.publish_at.astimezone(site.timezone).time().replace(tzinfo=None) in rules.slots, c.id
    explicit = [c for c in result.cuts if c.slug == "climate-summit-preview"]
    assert explicit and all(c.timing.basis == "explicit" for c in explicit)


def test_a_cut_without_timing_keeps_its_time(tmp_path):
    site = site_with(tmp_path / "s", SLOTS)
    bare = cut("bare", "2026-11-20 07:00")
    bare = type(bare)(**{**bare.__dict__, "timing": None})
    planned, errors = plan.assign([bare], site)
    assert errors == [] and times(planned) == {"bare@mastodon": "2026-11-20 07:00"}
