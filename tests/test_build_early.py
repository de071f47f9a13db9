"""Each article's files written while the cards of the others are drawn (``smmgen.build.early``): the writer
keeps them only where they are what it would make, and a build that fails leaves nothing of them in output/.

The site is the benchmark's generator at a small size: heroes drawn into cards of several sizes, so that an
article's cards come back from drawing in more than one group.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import fresh_copy, generated_site

from smmgen.build.cache import BuildCache, fingerprint
from smmgen.build.cache_files import entry_digest, entry_stat, index_entry
from smmgen.build.incremental import build_site
from smmgen.build.pipeline import build, discard_early, write_output
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.content.reading import read_articles
from smmgen.output_files import survey


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return generated_site(tmp_path_factory.mktemp("generated") / "site", 12, hero_share=0.6)


@pytest.fixture
def copy_site(base, tmp_path):
    return lambda name: fresh_copy(base, tmp_path / name)


@pytest.fixture
def plain(copy_site) -> dict[str, str]:
    """output/ of a build without the cache (nothing written early), in one process."""
    site = copy_site("plain")
    result = CliRunner().invoke(main, ["build", "--no-cache", "--workers", "1", "--site", str(site)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return tree(site / "output")


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def early_build(site: Path, workers: int = 1):
    """``build`` as a cold ``smmgen build`` runs it (the cache, output/ listed first), writing early."""
    loaded = load_site(site)
    cache = BuildCache.load(loaded, fingerprint(loaded))
    cache.present = survey(loaded.root, loaded.output_dir, ("cuts", "cards", "og", "preview", "media"))
    return build(loaded, workers=workers, cache=cache, write_early=True), cache


def _writer_again(site: Path) -> tuple:
    """A cold early build of ``site`` whose writes are discarded, and a new early writer for the same articles,
    cuts and cards, with those cards by article (as they would arrive)."""
    from smmgen.build.card_stage import card_requests
    from smmgen.build.early import EarlyWrite
    from smmgen.build.templates import Layouts

    result, cache = early_build(site)
    result.early.discard()
    loaded = load_site(site)
    requests = card_requests(list(result.cuts), {a.source: a for a in result.articles}, loaded)
    writer = EarlyWrite.start(loaded, Layouts(loaded.layouts_dir, compiled=True, root=loaded.root), cache,
                              result.articles, result.cuts, requests, {a.source: "sha" for a in result.articles})
    assert writer is not None
    batches: dict[str, list] = {}
    for req, card in result.cards.items():
        batches.setdefault(req.source, []).append((req, card))
    return writer, batches


@pytest.mark.parametrize("workers", [1, 2])
def test_a_cold_build_writes_each_articles_files_while_drawing_and_output_is_as_without_cache(
        copy_site, plain, workers):
    site = copy_site(f"early-{workers}")
    result, cache = early_build(site, workers)
    assert not result.errors
    # Every article with posts was written while drawing: its files wait under temporary names, none in place.
    assert result.early is not None and result.early.written == len(result.outputs) > 0
    waiting = [p for p in (site / "output").rglob("*") if p.is_file()]
    assert waiting and all(p.name.startswith(".") and p.name.endswith(".tmp") for p in waiting)
    write_output(result, cache)
    assert tree(site / "output") == plain


def test_the_early_writer_lets_go_of_what_an_article_needed_once_it_is_written(copy_site):
    """An article's place in the listing, its cuts' indexes and the article itself go from the early writer as
    soon as its files are written, while the other articles' cards are still drawn (kept until drawing ended,
    they were 900 bytes an article)."""
    site = copy_site("let-go")
    writer, batches = _writer_again(site)
    held = []

    def arrivals():
        for source, batch in batches.items():
            yield batch
            held.append((source, source in writer.places, source in writer.cuts, source in writer.by_source))
        yield None

    writer.follow(arrivals())
    assert len(held) == len(batches) > 5 and writer.written >= len(batches)
    assert not [h for h in held if any(h[1:])]
    writer.discard()


def test_the_cli_build_is_byte_identical_with_two_workers_and_a_rebuild_has_nothing_to_do(copy_site, plain):
    site = copy_site("cli")
    result = CliRunner().invoke(main, ["build", "--workers", "2", "--site", str(site)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert tree(site / "output") == plain
    again = build_site(load_site(site), workers=2)
    assert again.skipped and again.changed == 0


def test_the_plans_weeks_and_days_are_rendered_while_drawing_and_its_pages_copy_them(copy_site, plain):
    site = copy_site("plan")
    result, cache = early_build(site)
    store = result.early.memo.fragments()
    made_early = dict(store.index)
    write_output(result, cache)
    assert tree(site / "output") == plain
    plan_pages = [p for p in plain if p.startswith("preview/plan")]
    assert len(plan_pages) > 2
    # Every part the pages show (the index's rows, the plan's weeks and days) was made while the cards were
    # drawn: the writer rendered none, and copied each from where it was put then.
    assert cache.fragments[1] == made_early
    assert len(made_early) > len(result.outputs)


def test_the_writer_leaves_the_cut_texts_and_snippets_written_early_from_the_values_it_has(copy_site, plain):
    site = copy_site("made")
    result, cache = early_build(site)
    early = result.early
    og = {}
    for request, card in result.cards.items():
        if request.target == "og":
            og.setdefault(request.source, card)
    # Written while drawing from these very articles, cuts and og cards: not made again by the writer.
    assert all(early.made_from(o.article, o.cuts, og.get(o.article.source)) for o in result.outputs)
    first = result.outputs[0]
    moved = (dataclasses.replace(first.cuts[0], publish_at=None), *first.cuts[1:])
    assert not early.made_from(first.article, moved, og.get(first.article.source))
    assert not early.made_from(dataclasses.replace(first.article, title="Another"), first.cuts,
                               og.get(first.article.source))
    write_output(result, cache)
    assert tree(site / "output") == plain


def test_a_page_or_file_written_early_whose_inputs_changed_is_made_again(copy_site, plain):
    site = copy_site("changed")
    result, cache = early_build(site)
    memo, sink = result.early.memo, result.early.sink
    page = next(iter(memo.staged))
    memo.staged[page] = "not the key it has now"            # rendered again: the same bytes, kept as written
    sink.settle()
    og = next(r for r in sink.index if r.startswith("og/"))
    sink.index[og] = index_entry(*entry_stat(sink.index[og]), "0" * 64)     # not the bytes made now: written again
    (site / "output" / og).parent.joinpath(f".{Path(og).name}.{sink._token}.tmp").write_bytes(b"stale")
    write_output(result, cache)
    assert tree(site / "output") == plain
    assert entry_digest(cache.index[og]) == plain[og]


def test_a_build_whose_card_fails_while_drawing_leaves_nothing_in_output(copy_site):
    for name in ("broken", "broken-cli"):
        site = copy_site(name)
        heroes = sorted({a.image for a in read_articles(load_site(site)).articles if a.image is not None})
        heroes[-1].write_bytes(b"not an image at all")      # its cards fail; the other articles' are drawn
    site = site.parent / "broken"
    result, _ = early_build(site)
    assert result.errors
    assert result.early is not None and result.early.written > 0
    discard_early(result)
    assert files_in(site / "output") == []
    # As ``smmgen build`` runs it: the error reported, output/ as it was (there was none).
    outcome = build_site(load_site(site.parent / "broken-cli"), workers=2)
    assert outcome.errors and "image" in str(outcome.errors[0])
    assert files_in(site.parent / "broken-cli" / "output") == []


def files_in(folder: Path) -> list[Path]:
    """Files under ``folder``, and folders other than those a build makes before writing (cards)."""
    if not folder.exists():
        return []
    return [p for p in folder.rglob("*") if p.is_file() or (p.is_dir() and p.name != "cards")]


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """Enough articles for a figure per article (cards without heroes: quick to draw)."""
    return generated_site(tmp_path_factory.mktemp("many") / "site", 80, hero_share=0.0)


def test_the_early_writer_holds_little_per_article_it_has_written(many, tmp_path):
    """What the build process keeps of each article written while the cards are drawn (its files' output index
    entries, their records until the commit, what the writer keeps to recognise them) stays under a bound per
    article: the entries, by path, were two kilobytes an article, 20 MB at 10,000, held while the workers draw.
    Measured with tracemalloc as the early writer follows the cards' arrivals (3,700 bytes an article before the
    entries were kept on disk while drawing, ``smmgen.build.spilled_index``; 1,300-1,600 since)."""
    import gc
    import tracemalloc

    site = fresh_copy(many, tmp_path / "held")
    writer, batches = _writer_again(site)
    measured = {}

    def arrivals():
        for n, batch in enumerate(batches.values()):
            if n == 10:
                gc.collect()
                measured["from"] = writer.written
                tracemalloc.start()
            yield batch
        gc.collect()
        measured["held"] = tracemalloc.get_traced_memory()[0]
        measured["to"] = writer.written
        tracemalloc.stop()
        yield None

    writer.follow(arrivals())
    articles = measured["to"] - measured["from"]
    assert articles >= 50 and not writer.stopped
    assert measured["held"] / articles < 2000, measured
    writer.discard()
