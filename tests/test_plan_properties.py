"""Properties of slot assignment: deterministic under any input order, within the rules, and never moving a
post the ledger says went out."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.plan import BERLIN, cut, local, site_with, write_ledger

from smmgen.plan import posting_rules
from smmgen.plan import slots as plan

PRESETS = {
    "slots": """
        [plan]
        slots = ["07:30", "09:00", "12:30", "18:00", "21:00"]
        min_spacing = "2h"
        max_per_day = 3
        blackout = [{ from = 2026-11-21T10:00:00, until = 2026-11-22T08:00:00 }]
        """,
    "every": """
        [plan]
        slots = { every = "45m", from = "06:00", until = "23:00" }
        min_spacing = "1h"
        max_per_day = 6
        """,
    "free": """
        [plan]
        min_spacing = "50m"
        max_per_day = 4
        blackout = [{ date = 2026-11-23 }]
        """,
    "bare": """
        [plan]
        slots = ["08:00", "12:00", "16:00"]
        """,
    "dst": """
        [plan]
        slots = ["01:30", "02:00", "02:30", "03:00", "09:00"]
        min_spacing = "30m"
        max_per_day = 3
        """,
}
START = {"bare": "2026-11-20 00:00", "slots": "2026-11-20 00:00", "every": "2026-11-20 00:00", "free": "2026-11-20 00:00",
         "dst": "2026-03-28 00:00"}

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("plans")
    return {name: site_with(root / name, text) for name, text in PRESETS.items()}


# An article: minutes after the preset's start (within four days), explicit or not, and its platform.
article = st.tuples(st.integers(0, 4 * 24 * 60 - 1), st.booleans(), st.sampled_from(["mastodon", "bluesky"]))
articles = st.lists(article, min_size=1, max_size=18)


def make_cuts(spec, preset: str, prefix: str = "a") -> list:
    start = local(START[preset])
    return [cut(f"{prefix}{i}", start + dt.timedelta(minutes=minute), platform, explicit=explicit)
            for i, (minute, explicit, platform) in enumerate(spec)]


def outcome(cuts, errors) -> tuple:
    return (sorted((c.id, c.publish_at, c.expire_at, c.timing.basis, c.warnings) for c in cuts),
            sorted(e.message for e in errors))


def assert_within_rules(planned, site, dates) -> None:
    """Every post the plan placed keeps its distance from every other post, fits its day, avoids blackouts,
    sits on a slot when there are slots, and never goes out before its article's date."""
    for platform in {c.platform for c in planned}:
        rules = posting_rules.rules_for(site, platform)
        posts = [c for c in planned if c.platform == platform]
        per_day = Counter(rules.day(c.publish_at) for c in posts)
        for c in posts:
            if c.timing.basis != "slot":
                continue
            assert c.publish_at >= dates[c.id]
            assert rules.blackout_at(c.publish_at) is None
            if rules.max_per_day:
                assert per_day[rules.day(c.publish_at)] <= rules.max_per_day
            others = [o.publish_at for o in posts if o.id != c.id]
            assert all(abs(c.publish_at - t) >= rules.min_spacing for t in others)
            assert c.publish_at not in others
            if rules.slots:
                assert c.publish_at in rules.slot_times(rules.day(c.publish_at))


@PROPERTY_SETTINGS
@given(spec=articles, preset=st.sampled_from(sorted(PRESETS)), seed=st.integers(0, 2**32 - 1))
def test_the_plan_does_not_depend_on_input_order(sites, spec, preset, seed):
    site = sites[preset]
    cuts = make_cuts(spec, preset)
    shuffled = list(cuts)
    random.Random(seed).shuffle(shuffled)
    assert outcome(*plan.assign(cuts, site)) == outcome(*plan.assign(shuffled, site))


@PROPERTY_SETTINGS
@given(spec=articles, preset=st.sampled_from(sorted(PRESETS)))
def test_every_placed_post_respects_spacing_daily_maximum_blackouts_and_slots(sites, spec, preset):
    site = sites[preset]
    cuts = make_cuts(spec, preset)
    planned, _ = plan.assign(cuts, site)
    assert_within_rules(planned, site, {c.id: c.publish_at for c in cuts})
    # Explicit times are never moved, whatever they break.
    original = {c.id: c.publish_at for c in cuts}
    assert all(c.publish_at == original[c.id] for c in planned if c.timing.basis == "explicit")


@PROPERTY_SETTINGS
@given(spec=articles, later=articles, preset=st.sampled_from(sorted(PRESETS)), data=st.data())
def test_newly_merged_articles_never_move_a_published_post(sites, spec, later, preset, data):
    site = sites[preset]
    ledger = site.root / ".smmgen" / "ledger.json"
    ledger.unlink(missing_ok=True)
    first_cuts = make_cuts(spec, preset)
    first, _ = plan.assign(first_cuts, site)
    out = data.draw(st.lists(st.sampled_from([c.id for c in first]), unique=True), label="published")
    published = {c.id: c.publish_at for c in first if c.id in out}
    write_ledger(site, published)
    try:
        # New articles, dated anywhere (also before the published ones), in any order.
        new_cuts = make_cuts(later, preset, prefix="n")
        merged = first_cuts + new_cuts
        random.Random(len(merged)).shuffle(merged)
        second, _ = plan.assign(merged, site)
    finally:
        ledger.unlink()
    after = {c.id: c for c in second}
    for entry_id, when in published.items():
        assert after[entry_id].publish_at == when
        assert after[entry_id].timing.basis == "published"
    assert_within_rules(second, site, {c.id: c.publish_at for c in merged})


def test_the_dst_preset_really_crosses_a_dst_change(sites):
    # The "dst" preset's four days include Europe/Berlin's spring-forward night, where 02:00 and 02:30 do not
    # exist: they fall on 03:00 and 03:30 CEST, and the day has three distinct slot instants before 09:00.
    rules = posting_rules.rules_for(sites["dst"], "mastodon")
    day = dt.date(2026, 3, 29)
    shown = [t.astimezone(BERLIN).strftime("%H:%M") for t in rules.slot_times(day)]
    assert shown == ["01:30", "03:00", "03:30", "09:00"]
