"""What the build process holds after the last card is drawn: the cache's save and the edit index's are written a
file at a time and keep nothing of what they wrote, so that the process does not grow at the end of a large
site's build (at 10,000 articles the edit index's records were 15 MB at once, the output index's buckets kept
after their files were written 6 MB)."""

from __future__ import annotations

import shutil
import sys
import tracemalloc
from pathlib import Path

import pytest
from conftest import MINIMAL_CONFIG

from smmgen.build import edit_index
from smmgen.build.cache import BuildCache
from smmgen.build.incremental import build_site
from smmgen.config.site import load_site

ARTICLES = 48


def _site(make_site) -> Path:
    make_site.config(MINIMAL_CONFIG + '\n[platforms.bluesky]\nhandle = "@desk.example"\n')
    for i in range(ARTICLES):
        make_site.article(f"story-{i:02d}.md", f"---\ntitle: Story number {i}, with a longer title\n"
                                               f"date: 2026-{1 + i % 12:02d}-{1 + i // 12:02d}\n"
                                               f"tags: [Climate, Energy]\n---\nWhat happened on day {i}.\n")
    return make_site.root


def _traced(monkeypatch, owner, name: str, seen: dict) -> None:
    """``owner.name`` tells ``seen`` the traced bytes when it was called and the peak and bytes when it returned."""
    original = getattr(owner, name)

    def traced(*args, **kwargs):
        tracemalloc.reset_peak()
        start = tracemalloc.get_traced_memory()[0]
        try:
            return original(*args, **kwargs)
        finally:
            now, peak = tracemalloc.get_traced_memory()
            seen[name] = (start, peak, now)

    monkeypatch.setattr(owner, name, traced)


@pytest.fixture
def tail(make_site, monkeypatch) -> dict:
    """A cold build of a site of ``ARTICLES`` articles, traced: the cache's save and the edit index's."""
    site = load_site(_site(make_site))
    assert not build_site(site, workers=1).errors         # what a build imports and caches, once
    shutil.rmtree(site.output_dir)
    shutil.rmtree(site.root / ".smmgen")
    seen: dict = {}
    _traced(monkeypatch, BuildCache, "save", seen)
    _traced(monkeypatch, edit_index, "save_full", seen)
    tracemalloc.start()
    try:
        outcome = build_site(site, workers=1)
    finally:
        tracemalloc.stop()
    assert not outcome.errors and outcome.index is not None
    seen["files"] = len(outcome.cache.index)
    seen["cache"] = outcome.cache
    return seen


def test_the_edit_index_is_written_a_shard_at_a_time(tail: dict) -> None:
    start, peak, _ = tail["save_full"]
    # Bytes an article above what the build held when the save began (2,040): 3,630 with every record's line
    # made before the first file was written and edit.json's text made whole and copied twice.
    assert (peak - start) / ARTICLES < 2600


def test_a_cache_save_keeps_nothing_of_the_files_it_wrote(tail: dict) -> None:
    """A build that saves its cache once lets each file's value go once written; ``smmgen serve``, which saves
    the same cache again after the next build, keeps them to compare with (``keep_lines``)."""
    files = tail["cache"]._files
    assert files and all(value is None for _, value in files.values())
    # Bytes an output file kept: the output index's buckets, cards' buckets and sections, kept to compare a later
    # save with, were 100 a file and more.
    assert sum(sys.getsizeof(value) for _, value in files.values()) / tail["files"] < 20


def test_a_cache_held_between_builds_keeps_what_its_files_hold(make_site) -> None:
    site = load_site(_site(make_site))
    outcome = build_site(site, workers=1, hold=True)
    assert not outcome.errors
    assert all(value is not None for _, value in outcome.cache._files.values())


def test_the_plan_holds_each_post_in_a_few_small_objects(sample_site: Path) -> None:
    """The plan's pages are made after drawing from a slot per post and an event per time it goes out or comes
    down, all of them at once (90,000 posts at 10,000 articles): objects without a dict each."""
    from smmgen.build.pipeline import build
    from smmgen.preview import agenda

    site = load_site(sample_site)
    result = build(site)
    order = [p.name for p in site.platforms]
    agenda.days(agenda.planned(result.outputs, order), site.timezone)     # what is made once, made
    tracemalloc.start()
    try:
        every = agenda.planned(result.outputs, order)
        days = agenda.days(every, site.timezone)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert days and len(every) == len(result.cuts)
    # Bytes a post (230): 330 with a dict for each slot and event.
    assert held / len(every) < 300


def test_the_plans_days_are_sorted_without_a_key_per_event() -> None:
    """The plan's events are sorted by their time, kind, platform and id with keys the events hold already: a
    tuple per event as its key, and one beside it, were 20 MB at 10,000 articles, at the moment the build process
    peaked after drawing."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from smmgen.preview import agenda

    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    every = [agenda.Slot(id=f"story-{i // 9}-{p}", platform=p, slug=f"story-{i // 9}", title="A story",
                         source=f"content/story-{i // 9}.md", publish_at=base + dt.timedelta(minutes=30 * (i // 4)),
                         expire_at=base + dt.timedelta(hours=48 + i // 9) if i % 2 else None)
             for i, p in enumerate(["bluesky", "mastodon", "threads", "x", "vk", "linkedin", "telegram", "facebook",
                                    "instagram"] * 1000)]
    tz = ZoneInfo("Europe/Berlin")
    agenda.days(every[:10], tz)                         # what is made once, made
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        days = agenda.days(every, tz)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    events = sum(len(d.events) for d in days)
    assert events == len(every) * 3 // 2
    # Bytes an event at the peak, the days made (96): 230 with a key tuple and a tuple beside each.
    assert (peak - start) / events < 130


def test_the_plans_cache_section_is_made_without_a_list_per_cut() -> None:
    """The plan's section of the cache (what planning changed in every cut) is made as a table before it is
    written: the warnings planning added are written from the tuples the plan holds, not copied into a list per
    cut (most are empty and all share one tuple)."""
    import datetime as dt
    import json

    from smmgen.build.cache_files import _table_codec, section_in, section_out

    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    changes = [((base + dt.timedelta(hours=i), base + dt.timedelta(hours=i + 48), None),
                ("too early",) if i % 50 == 0 else ()) for i in range(5000)]
    tables = _table_codec(None)
    section_out(tables, "plan", ("signature", changes[:10]))     # what is made once, made
    tracemalloc.start()
    try:
        data, side = section_out(tables, "plan", ("signature", changes))
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert held / len(changes) < 210        # bytes a cut (182): 244 with a list each
    assert not side                         # no timing: nothing put aside
    assert section_in(tables, "plan", json.loads(json.dumps(data)), []) == ("signature", changes)


def _rss() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc, /proc")
def test_the_c_heaps_free_pages_are_given_back() -> None:
    """Blocks freed between live ones stay in the process's memory until ``heap.give_back``."""
    from smmgen.build import heap

    blocks = [bytes(2000) + bytes([i % 256]) for i in range(20_000)]     # 40 MB from the C heap
    keep = bytes(2000) + b"!"                                           # above them: the heap's top is live
    del blocks
    before = _rss()
    heap.give_back()
    assert before - _rss() > 20 << 20
    assert keep


def test_a_build_gives_the_c_heap_back_after_drawing_and_before_the_plan_and_each_save(make_site,
                                                                                       monkeypatch) -> None:
    from smmgen.build import heap

    site = load_site(_site(make_site))
    when: list[str] = []
    monkeypatch.setattr(heap, "give_back", lambda: when.append(_caller()))
    assert not build_site(site, workers=1).errors
    assert when == ["_build", "iter_pages", "_build_site", "_build_site"]     # the cache save, the edit index


def _caller() -> str:
    return sys._getframe(2).f_code.co_name


def test_a_spilled_build_gives_the_c_heap_back_once_its_articles_are_in_the_spill(make_site, monkeypatch) -> None:
    """With its articles spilled (``smmgen.build.spill``), the build gives back what the spill let go of before
    it waits for the cards, and once more after drawing."""
    from smmgen.build import early, heap, spill

    site = load_site(_site(make_site))
    monkeypatch.setattr(spill, "SPILL_MIN_CUTS", 1)
    when: list[str] = []
    following: list[int] = []
    monkeypatch.setattr(heap, "give_back", lambda: when.append(_caller()))
    follow = early.EarlyWrite.follow

    def counted(self, arrivals):
        following.append(len(when))
        return follow(self, arrivals)

    monkeypatch.setattr(early.EarlyWrite, "follow", counted)
    assert not build_site(site, workers=2).errors
    assert following == [1]                     # given back before the cards were followed
    assert when[:2] == ["_build", "_build"]


def test_a_spilled_record_reads_back_a_date_in_a_named_time_zone() -> None:
    """An article's date in the site's named zone (``ZoneInfo``, pickled as ``getattr(ZoneInfo, "_unpickle")``)
    comes back from the spill; nothing else reached through ``getattr`` does."""
    import datetime as dt
    import pickle
    import zoneinfo

    from smmgen.build import spill

    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    one = spill.ArticleSpill()
    one.put("content/a.md", (when, ()))
    assert one.get("content/a.md") == (when, ())
    one.put("content/b.md", (shutil.rmtree,))
    with pytest.raises(pickle.UnpicklingError):
        one.get("content/b.md")
    one.close()
