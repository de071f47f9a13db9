"""What a build holds in memory does not include every article's entries, bodies or paths at once: at 10,000
articles each of these was tens to hundreds of megabytes of the build process."""

from __future__ import annotations

import gc
import hashlib
import shutil
from pathlib import Path, PurePath

import pytest
from conftest import MINIMAL_CONFIG

from smmgen.build import write
from smmgen.build.cache import BuildCache
from smmgen.build.pipeline import build
from smmgen.config.site import load_site
from smmgen.manifest_model import ManifestEntry

DESK = MINIMAL_CONFIG + """
[platforms.bluesky]
handle = "@desk.example"
"""


def _desk_early_writer(make_site) -> tuple:
    """The desk site built without images, its card requests and an early writer started for them."""
    from smmgen.build.card_stage import card_requests
    from smmgen.build.early import EarlyWrite

    _desk_site(make_site)
    site = load_site(make_site.root)
    result = build(site, render_images=False)
    requests = card_requests(list(result.cuts), {a.source: a for a in result.articles}, site)
    writer = EarlyWrite.start(site, result.layouts, BuildCache.load(site), result.articles, result.cuts, requests, {})
    return result, requests, writer


def _desk_site(make_site) -> None:
    """A two-network site with enough articles for the worker processes (``smmgen.build.prepared.PARALLEL_MIN``)."""
    make_site.config(DESK)
    for i in range(20):
        make_site.article(f"story-{i:02d}.md", f"---\ntitle: Story number {i}\ndate: 2026-11-{1 + i:02d}\n"
                                               f"tags: [Climate, Energy]\n---\nWhat happened on day {i}.\n")


def _alive(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, kind))


def test_a_written_build_holds_no_manifest_entry(sample_site: Path) -> None:
    """The preview and the manifest writer share each entry (made once), but no entry outlives its use: the
    writer copies the preview's entry lines from a spool file."""
    site = load_site(sample_site)
    result = build(site, render_images=False)
    write.write_output(result)
    assert result.cuts and (site.output_dir / "manifest.json").is_file()
    assert _alive(ManifestEntry) == 0


def test_articles_cut_in_the_build_process_keep_no_body(sample_site: Path) -> None:
    """Cut in the build's own process (one worker), an article drops its body after cutting, as one a worker
    process cut arrives without it."""
    result = build(load_site(sample_site), render_images=False, workers=1)
    cut = {c.source for c in result.cuts}
    assert cut and all(a.body_text == "" for a in result.articles if a.source in cut)
    assert all(a.body_text == "" for a in result.drafts)


def test_a_cold_write_holds_no_path_per_new_file(tmp_path: Path) -> None:
    """Until the commit renames them into place, a write with a cache keeps per new file its temporary name and
    its output index entry, not the file's ``Path`` (half a kilobyte each, 130,000 files at 10,000 articles)."""
    out = tmp_path / "output"
    out.mkdir()
    sink = write.PendingWrites(out, BuildCache(tmp_path / "cache", "env"), ({}, set()))
    for i in range(90):
        sink.put(out / "cuts" / f"article-number-{i // 9:05d}" / f"platform{i % 9}.txt", b"text")
    sink.flush()
    held = [value for pending in (*sink._new, *sink._renames) for value in pending if isinstance(value, PurePath)]
    assert len(sink._new) == 90 and not sink._renames and not held and not sink.written
    sink.commit()
    assert (out / "cuts" / "article-number-00001" / "platform3.txt").read_bytes() == b"text"
    assert len(sink.index) == 90


def test_a_cold_write_holds_its_new_files_by_their_index_keys_alone(tmp_path: Path) -> None:
    """Besides the output index's entries, a write keeps per new file (written by the caller's thread, as while
    the cards are drawn, or by its writer thread) little more than its relative path, the index's key: its
    temporary name follows from it. A record of its temporary name per file held 400 bytes, 40 MB at 10,000
    articles (about ten files each)."""
    out = tmp_path / "output"
    out.mkdir()
    cache = BuildCache(tmp_path / "cache", "env")
    sink = write.PendingWrites(out, cache, ({}, set()))
    for inline in (True, False):
        sink.inline = inline
        for i in range(900):
            sink.put(out / "preview" / f"2026-11-{1 + i // 90:02d}-story-number-{i // 9:05d}-{inline}" /
                     f"platform{i % 9}.txt", b"text")
    sink.flush()
    assert _deep_size([sink], [cache, sink.index]) / 1800 < 200
    assert not cache.index          # one index of the new files, the write's (the cache's becomes it at the end)
    sink.commit()
    assert (out / "preview" / "2026-11-01-story-number-00001-True" / "platform3.txt").read_bytes() == b"text"
    assert len(sink.index) == 1800 and not list(out.rglob("*.tmp"))


def test_the_output_index_holds_one_small_object_per_file_as_written_and_as_read(tmp_path: Path) -> None:
    """An output index entry (size, mtime, sha256) is one bytes object of 48: as a tuple of two ints and the hex
    digest it was four objects and 213 bytes a file, 21 MB of the build process at 10,000 articles."""
    import json

    from smmgen.build import cache_files

    out = tmp_path / "output"
    out.mkdir()
    cache = BuildCache(tmp_path / "cache", "env")
    sink = write.PendingWrites(out, cache, ({}, set()))
    sink.inline = True
    for i in range(300):
        sink.put(out / "cuts" / f"story-{i // 3:03d}" / f"platform{i % 3}.txt", f"text {i}".encode())
    sink.commit()
    read = cache_files.index_in(json.loads(json.dumps(cache_files.index_out(sink.index))))
    assert read == sink.index and len(read) == 300
    for index in (sink.index, read):
        assert _deep_size(list(index.values()), []) / len(index) <= 81
    known = sink.index["cuts/story-001/platform2.txt"]
    cache.index = sink.index                                # as ``write.write_output`` leaves it
    assert cache_files.entry_digest(known) == hashlib.sha256(b"text 5").hexdigest()
    st = (out / "cuts" / "story-001" / "platform2.txt").stat()
    assert cache_files.entry_stat(known) == (st.st_size, st.st_mtime_ns)
    assert cache.unchanged("cuts/story-001/platform2.txt", out / "cuts" / "story-001" / "platform2.txt",
                           hashlib.sha256(b"text 5").hexdigest())


def test_what_a_write_leaves_in_output_is_listed_through_its_output_index(tmp_path: Path) -> None:
    """The listing a write returns (``BuildCache.files``: the no-op state's digest, the edit index, ``smmgen
    serve``) reads the write's output index through instead of holding a (size, mtime) tuple a file (116 bytes a
    file, 12 MB at 10,000 articles, for the rest of the build); it lists what output/ holds, and takes changes."""
    from smmgen.build.incremental import output_listing

    out = tmp_path / "output"
    (out / "cards").mkdir(parents=True)
    (out / "cuts" / "old").mkdir(parents=True)
    (out / "cuts" / "old" / "x.txt").write_bytes(b"gone")
    (out / "cards" / "c.png").write_bytes(b"png")
    sink = write.PendingWrites(out, BuildCache(tmp_path / "cache", "env"), write.survey(tmp_path, out, ("cuts",)))
    for i in range(300):
        sink.put(out / "cuts" / f"story-{i // 3:03d}" / f"platform{i % 3}.txt", f"text {i}".encode())
    sink.flush()
    sink.commit()
    listing = sink.finish({"cards/c.png"})
    assert not (out / "cuts" / "old").exists()
    assert dict(listing) == output_listing(out) == dict(listing.items()) and len(listing) == 301
    assert "cuts/old/x.txt" not in listing
    assert _deep_size([listing], [sink.index]) < 2000
    listing["cuts/story-000/platform0.txt"] = (1, 2)
    del listing["cuts/story-000/platform1.txt"]
    listing.pop("cuts/story-001/platform1.txt")
    listing["cuts/new.txt"] = (3, 4)
    assert len(listing) == 300 and listing["cuts/story-000/platform0.txt"] == (1, 2) and listing["cuts/new.txt"] == (3, 4)
    assert "cuts/story-000/platform1.txt" not in listing and "cuts/story-000/platform1.txt" not in dict(listing)
    with pytest.raises(KeyError):
        del listing["cuts/story-000/platform1.txt"]


def test_the_manifest_line_spool_holds_one_small_object_per_article() -> None:
    """Until the manifest is written, the spool keeps per article where its lines are, in one bytes object
    (where they start and each one's length): an (offset, length) tuple per entry held 930 bytes an article of
    nine entries, 9 MB at 10,000 articles."""
    from types import SimpleNamespace

    from smmgen.build.article_outputs import EntryLines
    from smmgen.manifest import entry_line

    spool = EntryLines()
    entries = {f"content/story-{n:03d}.md": [SimpleNamespace(json={"id": f"story-{n}@p{i}", "n": "x" * (n + i)})
                                             for i in range(9)] for n in range(200)}
    for source, made in entries.items():
        spool.put(source, made)
    assert _deep_size([spool._where], [*spool._where]) / len(entries) < 250
    spool.put("content/none.md", [])
    assert spool.take("content/none.md") == [] and spool.take("content/other.md") is None
    for source, made in reversed(entries.items()):
        assert spool.take(source) == [entry_line(e.json) for e in made]
    assert spool.take("content/story-000.md") is None


def test_cuts_from_worker_processes_share_their_repeated_values(make_site) -> None:
    """Each worker's answer is unpickled anew, with its own copies of every hashtag, card reference and timing:
    the build keeps one of each equal value, and the output is the same as from cuts made in one process."""
    _desk_site(make_site)
    site = load_site(make_site.root)
    result = build(site, render_images=False, workers=2)
    alone = build(site, render_images=False, workers=1)
    assert result.whole_cuts() == alone.cuts and len(result.cuts) == 40
    tags = [t for c in result.cuts for t in c.tags]
    assert tags and len({id(t) for t in tags}) == len(set(tags))
    media = [m for c in result.cuts for m in c.media]
    assert media and len({id(m) for m in media}) == len(set(media))
    # Lengths and limits too (tuples of numbers past the ones Python shares itself: a cut's 0.1 kB).
    for values in ([c.lengths for c in result.cuts], [c.limit for c in result.cuts]):
        assert len({id(v) for v in values}) == len(set(values)) < len(values)


def test_an_articles_cuts_that_show_one_card_share_its_media_file(sample_site: Path) -> None:
    """Several cuts of an article show the same card in the same role: one ``MediaFile`` for all of them."""
    from smmgen.build.card_stage import card_requests
    from smmgen.build.pipeline import article_outputs
    from smmgen.cards.model import Card

    site = load_site(sample_site)
    result = build(site, render_images=False)
    requests = card_requests(list(result.cuts), {a.source: a for a in result.articles}, site)
    cards = {req: Card(path=f"cards/{n:04d}.png", width=1200, height=630, bytes=1000, sha256=f"{n:064x}",
                       format="png", alt=req.alt, target=req.target)
             for n, req in enumerate(dict.fromkeys(r for reqs in requests for r in reqs))}
    outputs = article_outputs(result.articles, result.cuts, requests, cards, site, None)
    files = [m for o in outputs for media in o.media for m in media]
    assert files and len({id(m) for m in files}) == len(set(files)) < len(files)


def _deep_size(roots: list, skip: list) -> int:
    """The bytes of every object reachable from ``roots`` except through ``skip`` (and classes, modules, code)."""
    import sys
    import types

    seen = set(map(id, skip))
    total, stack = 0, list(roots)
    while stack:
        o = stack.pop()
        if id(o) in seen or isinstance(o, (type, types.ModuleType, types.FunctionType, types.CodeType)):
            continue
        seen.add(id(o))
        total += sys.getsizeof(o)
        stack.extend(gc.get_referents(o))
    return total


def test_cuts_from_worker_processes_hold_their_texts_compressed_until_written(make_site) -> None:
    """Between cutting and writing, the build keeps of each cut a worker process made what planning, cards and
    the summary read; its texts, link and platform data wait compressed, by article (``HeldCuts``), and come
    back whole for the article's files, entries and the cache's record."""
    from smmgen.build.held_cuts import HELD_TEXT
    from smmgen.build.incremental import build_site

    make_site.config(DESK + """
[platforms.threads]
handle = "desk"
""")
    for i in range(24):             # enough for the worker processes (smmgen.build.pipeline.PARALLEL_MIN)
        words = " ".join(f"word{(i * 7 + k) % 97}" for k in range(60))
        make_site.article(f"story-{i:02d}.md", f"---\ntitle: Story number {i} about the council budget\n"
                                               f"date: 2026-11-{1 + i:02d}\ntags: [Climate, Energy]\n"
                                               f"summary: The council met on day {i}. {words}\n---\n{words}.\n")
    site = load_site(make_site.root)
    result = build(site, render_images=False, workers=2)
    alone = build(site, render_images=False, workers=1)
    assert result.whole_cuts() == alone.cuts and len(result.cuts) == 72
    assert all(set(c.parts) == {HELD_TEXT} for c in result.cuts)
    # What the cuts and outputs hold per article: 7.7 kB with every cut's texts, 2.8 kB with them compressed.
    per_article = _deep_size([result.cuts, result.outputs], [site, result.layouts, *result.articles]) / 24
    assert per_article < 4000
    # The files, the manifest and the cache's records are those of a build in one process.
    build_site(site, workers=2)
    written = {p.relative_to(site.output_dir): p.read_bytes() for p in site.output_dir.rglob("*") if p.is_file()}
    cache = BuildCache.load(site)
    records = {source: record.cuts for source, record in cache.articles.items()}
    assert all(HELD_TEXT not in c.parts for cuts in records.values() for c in cuts)
    build_site(site, workers=1, use_cache=False)
    assert {p.relative_to(site.output_dir): p.read_bytes() for p in site.output_dir.rglob("*")
            if p.is_file()} == written


def test_a_cache_kept_in_memory_gives_the_next_build_whole_cuts(make_site) -> None:
    """``smmgen serve`` builds again with the cache the last build saved (``held``): the records it holds of
    articles that worker processes cut are slim, and the next build, which reuses them, still writes what a
    build in one process without a cache writes."""
    _desk_site(make_site)
    from smmgen.build.incremental import build_site

    site = load_site(make_site.root)
    first = build_site(site, workers=2, hold=True)
    assert not first.errors and first.cache is not None
    from smmgen.build.held_cuts import is_slim

    assert all(is_slim(c) for record in first.cache.articles.values() for c in record.cuts or ())
    for i in range(16):             # enough again for the worker processes, the other four taken from the cache
        make_site.article(f"story-{i:02d}.md", f"---\ntitle: Story number {i}, updated\ndate: 2026-11-{1 + i:02d}\n"
                                               f"tags: [Climate]\n---\nWhat happened on day {i}, and after.\n")
    again = build_site(site, workers=2, held=first.cache, hold=True)
    assert not again.errors and again.cache is first.cache
    written = {p.relative_to(site.output_dir): p.read_bytes() for p in site.output_dir.rglob("*") if p.is_file()}
    build_site(site, workers=1, use_cache=False)
    assert {p.relative_to(site.output_dir): p.read_bytes() for p in site.output_dir.rglob("*")
            if p.is_file()} == written
    third = build_site(site, workers=2, held=again.cache)
    assert not third.errors


def test_a_cache_save_keeps_no_table_it_wrote(make_site) -> None:
    """The cache is saved with the collector paused; each file's tables (a shard of article records, a bucket of
    cards, the plan) must go once written, not wait for the collector: kept, they were every record of a large
    site at once, the largest thing the build process held (+350 MB at 10,000 articles)."""
    from smmgen.build.cache_tables import TableWriter
    from smmgen.build.incremental import build_site

    make_site.config(MINIMAL_CONFIG)
    for i in range(12):
        make_site.article(f"story-{i:02d}.md", f"---\ntitle: Story number {i}\ndate: 2026-11-{1 + i:02d}\n---\n"
                                               f"What happened on day {i}.\n")
    site = load_site(make_site.root)
    assert not build_site(site, workers=1).errors
    cache = BuildCache.load(site)
    cache._saved.clear()            # every file written again
    cache._files.clear()
    gc.collect()
    gc.disable()
    try:
        cache.save(cache.state)
        alive = sum(1 for o in gc.get_objects() if type(o) is TableWriter)
    finally:
        gc.enable()
    assert alive == 0


def test_held_cut_texts_come_back_as_values_and_never_as_code() -> None:
    """What ``HeldCuts`` holds is read back by an unpickler that takes values only: read-only mappings, dates and
    smmgen's value classes come back equal; bytes naming anything else (here, a function that runs a command)
    are refused."""
    import datetime as dt
    import os
    import pickle
    import zlib
    from types import MappingProxyType

    from smmgen.build.held_cuts import HeldCuts, is_slim
    from smmgen.platforms import Cut

    extra = MappingProxyType({"facets": ({"start": 0, "end": 4},), "at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                              "nested": MappingProxyType({"a": 1})})
    cut = Cut(id="story@bluesky", platform="bluesky", source="content/story.md", slug="story", parts=("One", "Two"),
              lengths=(3, 3), limit=300, unit="graphemes", link="https://news.example/story/", tags=(), media=(),
              publish_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), expire_at=None, extra=extra)
    held = HeldCuts()
    slim = held.put(cut.source, (cut,))
    assert is_slim(slim[0]) and slim[0].parts != cut.parts
    assert held.full(cut.source, slim) == (cut,)

    held._held[cut.source] = zlib.compress(pickle.dumps([("bluesky", "", (os.system,), "", {})]))
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system"):
        held.full(cut.source, slim)


def test_card_groups_go_to_the_workers_a_few_at_a_time(make_site, monkeypatch) -> None:
    """The drawing thread hands the workers a few groups of cards per worker at a time, and takes each group's
    cards in as they come: handed out all at once, every group's pending call, future and then result waited in
    the build process until the last card was drawn (tens of megabytes at 10,000 articles). The cards are those
    drawn in one process."""
    from concurrent.futures import ThreadPoolExecutor

    from smmgen.build.card_stage import card_requests
    from smmgen.cards import batch

    _desk_site(make_site)
    site = load_site(make_site.root)
    result = build(site, render_images=False)
    requests = card_requests(list(result.cuts), {a.source: a for a in result.articles}, site)
    unique = list(dict.fromkeys(r for reqs in requests for r in reqs if r.source < "content/story-08"))
    assert len({r.source for r in unique}) == 8              # one group of cards per article (no hero)

    class Counting(ThreadPoolExecutor):
        submitted = 0

        def submit(self, *args, **kwargs):
            Counting.submitted += 1
            return super().submit(*args, **kwargs)

    seen_at_arrival: list[int] = []
    monkeypatch.setattr(batch, "WINDOW_PER_WORKER", 2)      # at most 2 × 2 groups out at a time
    layout_dirs = [d / "cards" for d in result.layouts.dirs]
    with Counting(2) as pool:
        cards = batch.render_cards(unique, layout_dirs=layout_dirs, roots=result.layouts.roots,
                                   out_dir=site.output_dir, workers=2, executor=lambda: pool,
                                   arrived=lambda told: seen_at_arrival.append(Counting.submitted))
    assert Counting.submitted == 8 and len(seen_at_arrival) == 8
    # The window's four, then one more for each group taken in (before its cards are told).
    assert seen_at_arrival == [5, 6, 7, 8, 8, 8, 8, 8]
    alone = batch.render_cards(unique, layout_dirs=layout_dirs, roots=result.layouts.roots,
                               out_dir=site.output_dir, workers=1)
    assert cards == alone


def test_articles_from_worker_processes_share_their_repeated_values(make_site) -> None:
    """Each worker's answer brings its own copy of every article's front-matter lines, social settings and tags:
    the build keeps one of each equal value (a kilobyte an article), and builds the same."""
    _desk_site(make_site)
    site = load_site(make_site.root)
    result = build(site, render_images=False, workers=2)
    alone = build(site, render_images=False, workers=1)
    assert result.articles == alone.articles and len(result.articles) == 20
    for values in ([a.lines for a in result.articles], [a.social for a in result.articles],
                   [a.tags for a in result.articles]):
        assert len({id(v) for v in values}) == 1
    # An article's source is its cuts' (one string).
    assert {id(c.source) for c in result.cuts} == {id(a.source) for a in result.articles}


def _planned_desk(make_site) -> tuple:
    """The desk site cut by two worker processes and planned, as the build does before drawing: the site, its
    cache, layouts, what the workers prepared, the articles, their cuts and the planned cuts."""
    from smmgen.build.pipeline import assign_plan, make_cuts, with_expiry_warnings
    from smmgen.build.prepared import _start_worker, parse_and_cut
    from smmgen.build.templates import Layouts
    from smmgen.build.workers import Workers
    from smmgen.content.reading import read_articles

    _desk_site(make_site)
    site = load_site(make_site.root)
    cache = BuildCache.load(site)
    layouts = Layouts(site.layouts_dir, compiled=True, root=site.root)
    with Workers(2, initializer=_start_worker, initargs=(site,)) as pool:
        ready = parse_and_cut(site, layouts, cache, pool, {})
    articles = read_articles(site, reuse=ready.article, found=ready.found).articles
    cuts, errors = make_cuts(articles, site, layouts, ready=ready.cuts)
    planned, plan_errors = assign_plan(cuts, site, cache)
    planned = with_expiry_warnings(planned, site)
    assert len(planned) == 40 and not errors and not plan_errors
    return site, cache, layouts, ready, articles, cuts, planned


def test_cuts_before_planning_wait_for_the_cache_as_what_planning_changed(make_site) -> None:
    """The cache records each article's cuts as they were before planning, after drawing. Until then the build
    keeps of them only what planning changed (times, timing, number of warnings), not a second cut object for
    every cut beside the planned one; the records are those of a build in one process."""
    from smmgen.build.incremental import build_site
    site, cache, layouts, ready, articles, cuts, planned = _planned_desk(make_site)
    before = _deep_size([ready.cuts], [planned, site, layouts, *articles]) / 20
    ready.planned(planned, cache)
    after = _deep_size([ready.cuts], [planned, site, layouts, *articles]) / 20
    assert after < before / 2           # 1,890 bytes an article (two cuts) before, 600 after
    ready.remember(cache, articles, planned)
    assert [c for a in articles for c in cache.articles[a.source].cuts] == cuts

    build_site(site, workers=2)
    records = {source: BuildCache.load(site)._whole(r) for source, r in BuildCache.load(site).articles.items()}
    assert len(records) == 20
    shutil.rmtree(site.root / ".smmgen")
    build_site(site, workers=1)
    assert {source: BuildCache.load(site)._whole(r) for source, r in BuildCache.load(site).articles.items()} \
        == records


def test_the_early_writer_keeps_an_articles_cuts_as_a_range(make_site) -> None:
    """The files written while the cards are drawn find an article's cuts by their place in the planned cuts:
    an article's cuts are next to each other, so a range (not a list of numbers, 0.4 kB an article at nine
    networks) says where."""
    result, requests, writer = _desk_early_writer(make_site)
    assert writer is not None and len(writer.cuts) == 20
    assert all(type(where) is range and [result.cuts[i].source for i in where] == [source] * 2
               for source, where in writer.cuts.items())
    writer.discard()


def test_held_cut_texts_are_compressed_with_the_first_articles_as_dictionary(sample_site: Path) -> None:
    """One article's cut texts are a few kilobytes, most of them (the pickle's frame, platform names, link
    tails, the platforms' data keys) in every article's: compressed with the first article's as the dictionary,
    they are a third smaller than each compressed alone, and come back the same, also from a ``HeldCuts`` that
    took them over with another dictionary."""
    import pickle
    import zlib

    from smmgen.build.held_cuts import HeldCuts

    result = build(load_site(sample_site), render_images=False, workers=1)
    by_source: dict[str, list] = {}
    for cut in result.cuts:
        by_source.setdefault(cut.source, []).append(cut)
    held = HeldCuts()
    slim = {source: held.put(source, cuts) for source, cuts in by_source.items()}
    alone = sum(len(zlib.compress(pickle.dumps([(c.platform, c.account, c.parts, c.link, c.extra) for c in cuts],
                                               pickle.HIGHEST_PROTOCOL), 1)) for cuts in by_source.values())
    assert len(by_source) > 8 and held.bytes_held() < 0.8 * alone
    other = HeldCuts()
    first = next(iter(by_source))
    other.put(first, list(reversed(by_source[first])))           # another dictionary
    other.take_over(held)
    for source, cuts in by_source.items():
        assert held.full(source, slim[source]) == tuple(cuts)
        if source != first:
            assert other.full(source, slim[source]) == tuple(cuts)


def test_cards_from_worker_processes_share_the_build_processs_values(make_site) -> None:
    """A card drawn in a worker process comes back with its own copy of its alt text, target, format and sizes:
    the build keeps the card with its request's alt text and target and one of each size and format (a card is
    kept from its drawing to the end of the build, tens of thousands of them at 10,000 articles)."""
    from smmgen.build.card_stage import card_requests
    from smmgen.build.workers import pool
    from smmgen.cards import batch

    _desk_site(make_site)
    site = load_site(make_site.root)
    result = build(site, render_images=False)
    requests = card_requests(list(result.cuts), {a.source: a for a in result.articles}, site)
    unique = list(dict.fromkeys(r for reqs in requests for r in reqs if r.source < "content/story-04"))
    with pool(2) as processes:
        cards = batch.render_cards(unique, layout_dirs=[d / "cards" for d in result.layouts.dirs],
                                   roots=result.layouts.roots, out_dir=site.output_dir, workers=2,
                                   executor=lambda: processes)
    assert len(cards) == len(unique) == 4          # one group each, from the two processes
    assert all(card.alt is req.alt and card.target is req.target for req, card in cards.items())
    for values in ([c.width for c in cards.values()], [c.height for c in cards.values()],
                   [c.format for c in cards.values()]):
        assert len({id(v) for v in values}) == len(set(values))


def test_cuts_that_ask_for_the_same_cards_share_one_tuple_of_requests(sample_site: Path) -> None:
    """The networks that show an article's Open Graph card ask for the same card: one tuple of requests for all
    of those cuts, not one each (the requests are kept from cutting to writing)."""
    from smmgen.build.card_stage import card_requests

    site = load_site(sample_site)
    result = build(site, render_images=False)
    asked = [t for t in card_requests(list(result.cuts), {a.source: a for a in result.articles}, site) if t]
    assert len({id(t) for t in asked}) == len(set(asked)) < len(asked)


def test_the_cache_records_made_after_drawing_hold_no_second_set_of_cuts(make_site) -> None:
    """After drawing the build records every article it cut in the cache; their cuts before planning are made
    again only when a record is saved or read, one article at a time, not held as a second cut object for every
    cut until the build ends (19 MB at 10,000 articles). Read, they are the very cuts a build in one process
    records."""
    site, cache, layouts, ready, articles, cuts, planned = _planned_desk(make_site)
    ready.planned(planned, cache)
    ready.remember(cache, articles, planned)
    held = _deep_size([cache.articles], [planned, *planned, site, layouts, ready.held, *articles,
                                         *(a.source for a in articles)]) / len(planned)
    assert held < 600                   # bytes a cut (475; 960 with a cut object made again for each)
    assert [c for a in articles for c in cache.articles[a.source].cuts] == cuts
    assert [c for a in articles for c in cache._whole(cache.articles[a.source]).cuts] \
        == [c for a in articles for c in ready.held.full(a.source, tuple(cache.articles[a.source].cuts))]


@pytest.fixture(scope="module")
def spill_base(tmp_path_factory) -> Path:
    """The benchmark's generated site at a size the worker processes cut (``PARALLEL_MIN``), heroes on some."""
    from conftest import generated_site

    return generated_site(tmp_path_factory.mktemp("spill") / "site", 18, hero_share=0.5)


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _drawing_start(monkeypatch, spill_min: int) -> dict:
    """Sets ``SPILL_MIN_CUTS``; what the build process holds once the early writer starts following the cards'
    arrivals (drawing has started, planning is done): live cuts and articles, and memory traced."""
    import tracemalloc

    from smmgen.build import early, spill
    from smmgen.content.article import Article
    from smmgen.platforms import Cut

    monkeypatch.setattr(spill, "SPILL_MIN_CUTS", spill_min)
    seen: dict = {}
    follow = early.EarlyWrite.follow

    def counted(self, arrivals):
        seen["traced"] = tracemalloc.get_traced_memory()[0]
        seen["cuts"] = _alive(Cut)
        seen["articles"] = sum(1 for o in gc.get_objects() if isinstance(o, Article) and not o.draft)
        seen["spilled"] = len(self.spill.spill) if self.spill is not None else 0
        return follow(self, arrivals)

    monkeypatch.setattr(early.EarlyWrite, "follow", counted)
    return seen


@pytest.mark.parametrize("spill_min", [1, 10**9])
def test_a_large_sites_articles_wait_on_disk_while_the_cards_are_drawn(spill_base, tmp_path, monkeypatch,
                                                                       spill_min) -> None:
    """From ``SPILL_MIN_CUTS`` cuts on, the articles the worker processes cut, their planned cuts, card requests
    and held texts wait in the spill file while the cards are drawn (not a cut or a published article in memory);
    below it they are held. Either way output/ is byte-identical to a one-process build without the cache, and
    the next build finds nothing to do."""
    from click.testing import CliRunner
    from conftest import fresh_copy

    from smmgen.build.incremental import build_site
    from smmgen.cli.main import main

    plain = fresh_copy(spill_base, tmp_path / "plain")
    result = CliRunner().invoke(main, ["build", "--no-cache", "--workers", "1", "--site", str(plain)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    seen = _drawing_start(monkeypatch, spill_min)
    site = fresh_copy(spill_base, tmp_path / "spilled")
    result = CliRunner().invoke(main, ["build", "--workers", "2", "--site", str(site)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if spill_min == 1:
        assert seen["spilled"] == 18 and seen["cuts"] == 0 and seen["articles"] == 0
    else:
        assert seen["spilled"] == 0 and seen["cuts"] > 100 and seen["articles"] == 18
    assert _tree(site / "output") == _tree(plain / "output")
    again = build_site(load_site(site), workers=2)
    assert again.skipped and again.changed == 0


def test_a_spilled_build_holds_kilobytes_less_an_article_while_the_cards_are_drawn_and_caches_the_same(spill_base, tmp_path,
                                                                                      monkeypatch) -> None:
    """Measured with tracemalloc when drawing starts, the same build holds per article some kilobytes less with
    its articles spilled than held (nine networks: cuts, requests, the article, its held texts). (The plan is
    not rendered while drawing either way: a spilled build does not hold every cut for it.)"""
    import dataclasses
    import tracemalloc

    from conftest import fresh_copy

    from smmgen.build import early
    from smmgen.build.incremental import build_site

    monkeypatch.setattr(early, "PLAN_AHEAD_CUTS", 0)
    build_site(load_site(fresh_copy(spill_base, tmp_path / "first")), workers=2)    # what is imported once
    traced, plans, records = {}, {}, {}
    for spill_min in (10**9, 1):
        seen = _drawing_start(monkeypatch, spill_min)
        site = load_site(fresh_copy(spill_base, tmp_path / f"at-{spill_min}"))
        gc.collect()
        tracemalloc.start()
        try:
            build_site(site, workers=2)
        finally:
            tracemalloc.stop()
        traced[spill_min] = seen["traced"]
        # The cache the next build reads is the same: its plan, and each article's record.
        cache = BuildCache.load(site)
        plans[spill_min] = cache.plan
        records[spill_min] = {source: (dataclasses.replace(whole.article, image=whole.article.image.relative_to(
            site.root) if whole.article.image else None), whole.cuts, whole.plan_reads)
            for source, whole in ((s, cache._whole(r)) for s, r in cache.articles.items())}
    assert plans[1] is not None and plans[1] == plans[10**9] and len(plans[1][1]) > 100
    assert len(records[1]) == 18 and records[1] == records[10**9]
    assert (traced[10**9] - traced[1]) / 18 > 5000      # 7.3 kB an article measured


def test_a_spilled_articles_cut_texts_and_snippet_are_made_once(spill_base, tmp_path, monkeypatch) -> None:
    """A spilled article whose files the early writer wrote while the cards were drawn is read back after drawing
    as new objects (``Spilled.restore``): the writer still knows them as what those files were made from, and
    makes no cut text or Open Graph snippet again after the last card; what it knew them by goes once used."""
    from conftest import fresh_copy

    from smmgen.build import early, spill
    from smmgen.build.incremental import build_site

    monkeypatch.setattr(spill, "SPILL_MIN_CUTS", 1)
    made = {"during": 0, "after": 0}
    phase = ["during"]
    follow, text, snippet = early.EarlyWrite.follow, write.cut_text_file, write.og_snippet

    writers = []

    def followed(self, arrivals):
        follow(self, arrivals)
        phase[0] = "after"
        writers.append(self)

    def counted(make):
        def one(*args, **kwargs):
            made[phase[0]] += 1
            return make(*args, **kwargs)
        return one

    monkeypatch.setattr(early.EarlyWrite, "follow", followed)
    monkeypatch.setattr(write, "cut_text_file", counted(text))
    monkeypatch.setattr(write, "og_snippet", counted(snippet))
    site = load_site(fresh_copy(spill_base, tmp_path / "site"))
    outcome = build_site(site, workers=2)
    assert not outcome.errors
    files = sum(1 for _ in (site.output_dir / "cuts").rglob("*.txt")) + len(list((site.output_dir / "og").iterdir()))
    assert made == {"during": files, "after": 0}
    assert len(writers) == 1 and writers[0].made == {}      # let go of as the writer passes each article by


def test_where_the_manifests_entries_sit_is_held_in_columns(sample_site: Path) -> None:
    """``cache.entries`` after a write (held to the end of the build, and by ``smmgen serve``): the ids (the cuts'
    own strings), their months (strings shared by all of a month) and two arrays of numbers, some thirty bytes an
    entry, not a tuple and two ints an entry; the cache's file and lookups are as with a dict."""
    import tracemalloc

    from smmgen.build import manifest_file
    from smmgen.build.cache_files import _places_in, _places_out

    site = load_site(sample_site)
    cache = BuildCache.load(site)
    result = build(site, cache=cache)
    write.write_output(result, cache=cache)
    as_dict = {entry_id: cache.entries[entry_id] for entry_id in cache.entries}
    assert len(as_dict) == len(result.cuts) > 10 and list(as_dict) == sorted(as_dict)
    assert _places_out(cache.entries) == [list(as_dict), *map(list, zip(*as_dict.values()))]
    assert dict(_places_in(_places_out(cache.entries))) == as_dict == dict(cache.entries)
    assert all(cache.entries.get(i) == where for i, where in as_dict.items())
    assert cache.entries.get("nobody@x") is None and "nobody@x" not in cache.entries
    ids = [f"story-{n:05d}@{p}" for n in range(2000) for p in ("bluesky", "mastodon", "x")]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        places = manifest_file.EntryPlaces()
        for n, entry_id in enumerate(ids):
            places.add(entry_id, "2026-11", 10**9 + 2000 * n, 1500 + n % 300)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held / len(ids) < 48          # 152 bytes an entry as a dict of (offset, length) tuples
    assert places[ids[-1]] == ("2026-11", 10**9 + 2000 * (len(ids) - 1), 1500 + (len(ids) - 1) % 300)
    with pytest.raises(ValueError):
        places.add("a-first@x", "2026-11", 0, 1)


def test_a_spilled_builds_plan_record_is_read_from_its_planned_cuts(spill_base, tmp_path, monkeypatch) -> None:
    """After drawing, a spilled build's record of the plan for the cache (``pipeline.plan_again``) is read from the
    planned cuts when saved, not a tuple or two a cut held to the end of the build; it equals the list planning
    made, and the cache saved from it is that of a build that held it."""
    from conftest import fresh_copy

    from smmgen.build import pipeline, spill
    from smmgen.build.incremental import build_site

    plans = {}
    for spill_min in (10**9, 1):
        monkeypatch.setattr(spill, "SPILL_MIN_CUTS", spill_min)
        site = load_site(fresh_copy(spill_base, tmp_path / f"at-{spill_min}"))
        plans[spill_min] = (build_site(site, workers=2).cache.plan, site)
    (signature, changes), site = plans[1]
    held, held_site = plans[10**9]
    assert type(changes) is pipeline.PlanChanges and type(held[1]) is list
    assert signature == held[0] and changes == held[1] and list(changes) == held[1] and len(changes) > 100
    assert changes[3:7] == held[1][3:7] and changes[-1] == held[1][-1] and changes[5] == held[1][5]
    assert _deep_size([changes], [changes.cuts]) / len(changes) < 16     # 130 bytes a cut as a list
    assert BuildCache.load(site).plan == BuildCache.load(held_site).plan


def test_a_cache_saved_once_learns_no_index_file_per_path_and_makes_no_set_of_paths(tmp_path: Path) -> None:
    """A build's save of a cold output index (100,000 files at 10,000 articles): each path's index file is worked
    out as the files are written, not remembered for a later save (``keep_lines``, ``smmgen serve``), and no set
    of every path is made; the files are those a kept save writes."""
    import tracemalloc

    from smmgen.build import cache_files

    paths = [f"cuts/story-{n:05d}/{p}.txt" for n in range(3000) for p in ("bluesky", "mastodon", "x", "vk")]
    index = {path: cache_files.index_entry(1000 + n, 10**18 + n, hashlib.sha256(path.encode()).hexdigest())
             for n, path in enumerate(paths)}
    kept = BuildCache(tmp_path / "kept", "env")
    kept.index = dict(index)
    files = dict(kept._index_files(True))
    assert len(kept._bucket_of) == len(paths)
    once = BuildCache(tmp_path / "once", "env")
    once.index = index
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        made = iter(once._index_files(False))
        first = next(made)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert dict([first, *made]) == files and once._bucket_of == {}
    assert peak / len(paths) < 40        # 96 bytes a path with the set of paths and the dict of index files


def test_the_plans_cache_file_is_made_with_one_text_a_post_time() -> None:
    """The plan's section of the cache writes every cut's publish and expiry times: the cuts share a few slot
    times, and each is made into its text once (a text a cell was 15 MB at 10,000 articles, at the end of the
    build); the data written is the same."""
    import datetime as dt
    import json
    import tracemalloc

    from smmgen.build import cache_files

    start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    times = [start + dt.timedelta(hours=3 * n) for n in range(40)]
    plan = ("signature", [((times[n % 40], times[(n + 7) % 40] if n % 3 else None, None), ("a warning",) if n % 5 == 0
                           else ()) for n in range(20_000)])
    tables = cache_files._table_codec(None)
    gc.collect()
    tracemalloc.start()
    try:
        data, side = cache_files._plan_out(tables, plan)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    publish, expire, timing, added = data["changes"]
    assert publish == [values[0].isoformat() for values, _ in plan[1]]
    assert expire == [values[1].isoformat() if values[1] else None for values, _ in plan[1]]
    assert timing == [None] * 20_000 and added == [a for _, a in plan[1]] and side == []
    assert cache_files._plan_in(tables, json.loads(json.dumps(data)), side) == plan
    assert held / 20_000 < 40        # 158 bytes a cut with a text a cell

def test_a_spilled_build_plans_and_spills_each_article_before_the_next(spill_base, tmp_path, monkeypatch) -> None:
    """Planning reads a small record per cut (``smmgen.build.plan_input``), and each article's answer is applied,
    spilled and let go of, with its cuts before planning, before the next article's: at no moment of planning and
    spilling are there two cut objects for every cut (the cuts before planning beside the planned ones were the
    build process's high-water mark). Output stays byte-identical to a one-process build without the cache."""
    from click.testing import CliRunner
    from conftest import fresh_copy

    from smmgen.build import pipeline, spill
    from smmgen.cli.main import main
    from smmgen.platforms import Cut

    plain = fresh_copy(spill_base, tmp_path / "plain")
    result = CliRunner().invoke(main, ["build", "--no-cache", "--workers", "1", "--site", str(plain)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    monkeypatch.setattr(spill, "SPILL_MIN_CUTS", 1)
    alive: list[int] = []
    expiring, put = pipeline.with_expiry_warnings, spill.ArticleSpill.put

    def counted_expiring(cuts, site):
        alive.append(_alive(Cut))
        return expiring(cuts, site)

    def counted_put(self, source, record):
        alive.append(_alive(Cut))
        return put(self, source, record)

    monkeypatch.setattr(pipeline, "with_expiry_warnings", counted_expiring)
    monkeypatch.setattr(spill.ArticleSpill, "put", counted_put)
    site = fresh_copy(spill_base, tmp_path / "spilled")
    result = CliRunner().invoke(main, ["build", "--workers", "2", "--site", str(site)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    cuts = len(list((site / "output" / "cuts").rglob("*.txt")))
    assert cuts > 100 and alive
    assert max(alive) <= cuts + 2 * 9           # (an article's cuts planned beside them; 2 × cuts before)
    assert _tree(site / "output") == _tree(plain / "output")


def test_the_early_writer_waits_for_a_count_of_cards_per_article(make_site) -> None:
    """What the early writer keeps per article to know when its cards are all in is the number still to come,
    not a dict of its card requests (~300 bytes an article at two networks, 18 MB at 10,000 articles)."""
    result, requests, writer = _desk_early_writer(make_site)
    assert writer is not None and len(writer.waiting) == 20
    assert set(writer.waiting.values()) == {len({r for reqs in requests[:2] for r in reqs})}
    assert _deep_size([writer.waiting], [requests, *result.articles]) / 20 < 120
    writer.discard()


def test_planning_from_small_records_gives_the_planned_cuts(sample_site: Path) -> None:
    """``assign_plan`` plans each cut's ``PlanInput`` and applies the answer: the very cuts ``plan.assign``
    gives the whole cuts, with the cache and without."""
    from smmgen.build.pipeline import assign_plan, make_cuts
    from smmgen.build.templates import Layouts
    from smmgen.content.reading import read_articles
    from smmgen.plan import slots

    site = load_site(sample_site)
    layouts = Layouts(site.layouts_dir, root=site.root)
    articles = [a for a in read_articles(site).articles if not a.draft]
    cuts, _ = make_cuts(articles, site, layouts)
    whole, errors = slots.assign(cuts, site)
    assert len(cuts) > 20 and any(p.publish_at != c.publish_at for c, p in zip(cuts, whole))
    cache = BuildCache.load(site)
    assert assign_plan(cuts, site, None) == (whole, errors)
    assert assign_plan(cuts, site, cache) == (whole, errors)
    assert cache.plan is not None and assign_plan(cuts, site, cache) == (whole, errors)      # replayed


def test_article_outputs_finds_each_articles_cuts_as_a_run_not_an_index_a_cut(tmp_path: Path) -> None:
    """After drawing, ``article_outputs`` finds each article's cuts, which come in article order, as one run
    (a range an article), not as a list of indexes (a number a cut: 83,000 of them, and 10,000 lists, at 10,000
    articles, beside every cut restored)."""
    import tracemalloc

    from conftest import generated_site

    from smmgen.build.pipeline import article_outputs, card_requests

    site = load_site(generated_site(tmp_path / "site", 40))
    result = build(site, render_images=False)
    assert not result.errors and len(result.cuts) > 300       # (numbers up to 256 are the interpreter's own)
    requests = card_requests(result.cuts, {a.source: a for a in result.articles}, site)
    args = (result.articles, result.cuts, requests, {}, site, None)
    article_outputs(*args)                                   # what is made once, made
    tracemalloc.start()
    try:
        outputs = article_outputs(*args)
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(outputs) == len(result.articles)
    # Bytes a cut above what the outputs hold, at the peak (15): 27 with a list of indexes (above 256, 50).
    assert (peak - now) / len(result.cuts) < 21


def test_card_requests_and_cards_are_slotted_and_read_back_from_the_cache_equal() -> None:
    """A large site's build holds every distinct card request and card while its cards are drawn and its output
    written (some 47,000 of each at 10,000 articles): with slots, not a dict of values each, a request takes
    ~145 bytes (~250 before), a card ~100 (~150); the cache still reads them back equal, hashes kept."""
    import tracemalloc

    from smmgen.build.cache_codec import Codec
    from smmgen.cards.model import Card, CardRequest

    hero = Path("content/hero.jpg")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        requests = [CardRequest("og", "photo", "A title", "The Desk", None, "1 May 2026", "en", hero, None, "", "a.md",
                                3) for _ in range(2_000)]
        cards = [Card("cards/a.jpg", 1200, 630, 100, "ab", "jpeg", "", "og") for _ in range(2_000)]
        both = (tracemalloc.get_traced_memory()[0] - before) / 2_000
    finally:
        tracemalloc.stop()
    for r in requests:
        hash(r)
    assert not hasattr(requests[0], "__dict__") and not hasattr(cards[0], "__dict__")
    assert both < 300, both         # a request and a card: ~250 (~400 with a dict of values each)
    codec = Codec((CardRequest, Card))         # (the cache's tables: ``test_build_cache``)
    request, card = codec.loads(codec.dumps([requests[0], cards[0]]))
    assert (request, card) == (requests[0], cards[0]) and hash(request) == hash(requests[0])


def test_a_card_request_hashed_and_sent_to_a_worker_takes_no_dict_of_its_own() -> None:
    """A large site's build holds every card request from before drawing to its end: a request's hash kept in
    its ``__dict__``, or its state read from there to pickle it for a worker, made each request a dict object of
    its own (65-115 bytes a request)."""
    import pickle
    import tracemalloc

    from smmgen.cards.model import CardRequest

    titles = [f"Story number {i} of the desk" for i in range(2_000)]
    hero = Path("content/hero.jpg")
    tracemalloc.start()
    try:
        requests = [CardRequest("og", "photo", t, "The Desk", "News", "1 May 2026", "en", hero, None, "", "a.md", 3)
                    for t in titles]
        made = tracemalloc.get_traced_memory()[0]
        sent = [pickle.dumps(r, pickle.HIGHEST_PROTOCOL) for r in requests]
        for r in requests:
            hash(r)
        del sent
        gc.collect()
        grown = (tracemalloc.get_traced_memory()[0] - made) / len(requests)
    finally:
        tracemalloc.stop()
    assert pickle.loads(pickle.dumps(requests[0])) == requests[0] and hash(requests[0]) == hash(requests[0])
    assert hash(pickle.loads(pickle.dumps(requests[0]))) == hash(requests[0])
    # The hash itself is an int of ~32 bytes; a dict of its own was ~65 more (~115 once it holds the hash).
    assert grown < 70, grown
