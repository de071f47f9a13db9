"""The build, as one visible pipeline: config -> articles -> cuts -> cards -> manifest -> output/."""

from __future__ import annotations

import array
import hashlib
import operator
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from smmgen.build import heap
from smmgen.build.article_outputs import ArticleOutput, EntryLines, output_key
from smmgen.build.cache import BuildCache, stamp
from smmgen.build.card_stage import (  # noqa: F401 (card_layout: still importable from here)
    card_layout,
    card_requests,
    check_heroes,
    media_files,
    render_cards,
)
from smmgen.build.cutting import (  # noqa: F401 (importable here)
    PLAN_READS,
    PLAN_WRITES,
    _template_error,
    _with_plan_values,
    cut_article,
    plan_reads,
    platforms_for,
    with_expiry_warnings,
)
from smmgen.build.held_cuts import HeldCuts, is_slim
from smmgen.build.plan_input import PlanInput, plan_inputs
from smmgen.build.prepared import PARALLEL_MIN, Prepared, _start_worker, article_runs, parse_and_cut  # noqa: F401 (importable here)
from smmgen.build.shared_values import Shared
from smmgen.build.spill import Spilled, to_spill
from smmgen.build.templates import Layouts
from smmgen.build.workers import Workers
from smmgen.build.write import OUTPUT_SUBDIRS, cut_text_file, write_output
from smmgen.config.accounts import entry_id
from smmgen.config.site import Site
from smmgen.content.article import Article
from smmgen.content.reading import read_articles
from smmgen.errors import ContentError, SmmgenError
from smmgen.manifest_model import ManifestEntry
from smmgen.output_files import guard
from smmgen.plan import slots as plan
from smmgen.plan.ledger_times import ledger_path
from smmgen.platforms import Cut
from smmgen.site_files import read_bytes

if TYPE_CHECKING:
    from smmgen.build.early import EarlyWrite
    from smmgen.video.media import Videos

__all__ = ["OUTPUT_SUBDIRS", "BuildResult", "BuildWarning", "Progress", "build", "cut_text_file", "write_output"]

Progress = Callable[[str, int, int], None]
"""Told ``(stage, done, total)`` as a build goes ("parsing", 120, 400); the caller decides what to show.
``total`` 0: a stage without a count ("writing")."""


@dataclass(frozen=True)
class BuildWarning:
    """Something to look at before it goes out that does not stop the build: one of a cut's warnings."""

    source: str          # the article's file, relative to the site root
    platform: str
    cut_id: str
    message: str


@dataclass(frozen=True)
class BuildResult:
    site: Site
    articles: tuple[Article, ...]        # what goes out: drafts excluded
    drafts: tuple[Article, ...]
    cuts: tuple[Cut, ...]                # planned; slim where worker processes cut them (see ``whole_cuts``)
    outputs: tuple[ArticleOutput, ...]   # per published article that has cuts, in article order
    cards: dict                          # CardRequest -> Card
    errors: tuple[SmmgenError, ...]
    layouts: Layouts | None = None       # the templates the build used (the preview uses them too)
    skipped: tuple[tuple[str, str], ...] = ()   # (source, reason): files under content_dir that are no article
    # The paths of cards whose files wait in the staging folder (``smmgen.build.staging``), not yet in output/:
    # ``write_output`` moves them there.
    staged: frozenset[str] = frozenset()
    videos: Videos | None = None         # the video stage's items, fallbacks and files (``smmgen.video.media``)
    drawn: int = 0                       # distinct drawings this build drew (not found done in output/ or staged)
    # The files written while the cards were drawn (``build``'s ``write_early``), which ``write_output`` keeps
    # or ``discard_early`` removes.
    early: EarlyWrite | None = field(default=None, compare=False, repr=False)

    @property
    def warnings(self) -> tuple[BuildWarning, ...]:
        """The build's one list of warnings, in cut order: ``build``, ``check`` and the preview all report
        these (the cuts carry them, and so does the manifest)."""
        return self.site_warnings + tuple(BuildWarning(c.source, c.platform, c.id, w)
                                          for c in self.cuts for w in c.warnings)

    def whole_cuts(self) -> tuple[Cut, ...]:
        """``cuts`` with their texts, links and platform data: the build holds those of the cuts worker processes
        made compressed until it writes them (``smmgen.build.held_cuts``), one article at a time."""
        if not any(map(is_slim, self.cuts)):
            return self.cuts
        return tuple(c for o in self.outputs for c in o.whole_cuts())

    @property
    def site_warnings(self) -> tuple[BuildWarning, ...]:
        """Warnings about smmgen.toml itself, once per build: the site's default image shown without a
        description (every article would otherwise repeat it)."""
        site = self.site
        if not site.default_image or site.default_image_alt:
            return ()
        return default_image_warnings(site, sum(1 for a in self.articles if shows_undescribed_default(a, site)))

    @cached_property
    def entries(self) -> tuple[ManifestEntry, ...]:
        """Every manifest entry, sorted by id (made on first use: the writer needs only those that changed)."""
        return tuple(sorted((e for o in self.outputs for e in o.entries), key=lambda e: e.id))


def shows_undescribed_default(article: Article, site: Site) -> bool:
    """The article shows the site's ``default_image``, which has no ``default_image_alt``, without a description."""
    return (bool(site.default_image) and not site.default_image_alt and article.image is not None
            and not article.image_alt and not {"image", "images", "featured_image", "cover"} & set(article.lines)
            and article.image.as_posix().endswith("/" + site.default_image.lstrip("/")))


def default_image_warnings(site: Site, shown: int) -> tuple[BuildWarning, ...]:
    """The one warning about ``shown`` articles showing the default image without a description (none for 0)."""
    if not shown:
        return ()
    return (BuildWarning("smmgen.toml", "site.default_image_alt", "",
                         f"{shown} article(s) show default_image {site.default_image} without a description "
                         "of the picture: describe it in smmgen.toml `site.default_image_alt`"),)


def build(site: Site, *, render_images: bool = True, workers: int | None = None,
          cache: BuildCache | None = None, hashes: Mapping[str, str] | None = None,
          progress: Progress | None = None, write_early: bool = False) -> BuildResult:
    """Everything the output is made of, and every problem found; writes nothing to output/ (see
    ``write_output``): new cards are drawn into the staging folder (``smmgen.build.staging``).

    ``workers`` processes parse, cut and draw what is not in ``cache`` (the result is the same either way);
    ``cache`` is updated with what this build made. ``hashes``: the sha256 of article files by path, where the
    caller has read them already. ``progress`` hears how far parsing, cutting and drawing have come.
    ``write_early`` (with ``cache``): while the cards are drawn, write each article's files whose cards are all
    known under temporary names (``smmgen.build.early``), which ``write_output`` renames into place, or which
    ``discard_early`` removes when the build failed (``BuildResult.errors``).
    """
    if render_images:
        guard(site.root, site.output_dir, OUTPUT_SUBDIRS)      # before a card is found in or moved to output/cards
    layouts = Layouts(site.layouts_dir, compiled=cache is not None, root=site.root)
    early: list[EarlyWrite] = []
    try:
        return _build(site, layouts, render_images, workers, cache, hashes, progress,
                      early if write_early and render_images and cache is not None else None)
    except BaseException:
        for one in early:
            one.discard()               # nothing of a build that failed stays in output/
        raise


def _build(site: Site, layouts: Layouts, render_images: bool, workers: int | None, cache: BuildCache | None,
           hashes: Mapping[str, str] | None, progress: Progress | None,
           early: list[EarlyWrite] | None) -> BuildResult:
    # Worker processes start when a stage first has enough work for them; parsing and drawing share them.
    with Workers(workers or 1, initializer=_start_worker, initargs=(site,)) as pool:
        ready = parse_and_cut(site, layouts, cache, pool, hashes or {}, progress)
        pool.parsed()
        loaded = read_articles(site, reuse=ready.article, found=ready.found)
        articles, errors, skipped = loaded.articles, loaded.errors, loaded.skipped
        del loaded                      # (its list of the articles as read: some with their bodies)
        published = [a for a in articles if not a.draft]
        cuts, cut_errors = make_cuts(published, site, layouts, ready=ready.cuts, failed=ready.failed_cuts,
                                     progress=progress)
        errors += cut_errors
        # Nothing after cutting reads a body: those of the articles cut here go too (worker processes send theirs
        # without), so that no stage after it holds every article's text. One whose cuts failed keeps its body,
        # as from a worker: it is cut again next time.
        articles = [without_body(a) if a.draft or a.source in ready.cuts else a for a in articles]
        published = [a for a in articles if not a.draft]
        by_source = {a.source: a for a in published}
        requests = card_requests(cuts, by_source, site)      # the plan moves posts, not what their cards show
        # A large site's articles, planned cuts and card requests wait on disk while the cards are drawn
        # (``smmgen.build.spill``): those the worker processes cut, which nothing but the build holds.
        spilling = to_spill(cuts, ready.held) if render_images else frozenset()
        if spilling:
            ready.articles.clear()      # read (``read_articles``), not needed again
        # Cards are drawn (by the worker processes, when there are many) while this thread plans, then writes the
        # files of each article whose cards are all in.
        staged: set[str] = set()
        drawings: dict[str, str] = {}
        arrivals: queue.SimpleQueue | None = queue.SimpleQueue() if early is not None else None
        started = threading.Event()
        with ThreadPoolExecutor(1) as drawing:
            # (Spilling, the drawing is given the distinct requests alone: not every cut's, nor the articles,
            # which only checking heroes without drawing reads.)
            drawn = drawing.submit(_drawing, arrivals, started,
                                   [tuple({id(r): r for reqs in requests for r in reqs}.values())] if spilling
                                   else requests, {} if spilling else by_source, site, layouts, render_images,
                                   pool, cache, progress, staged, drawings)
            # Planning waits until the drawings are handed to the workers: run meanwhile, it held the lock of the
            # interpreter the drawing thread needed to do so, and the workers idled. (Heroes only checked, not
            # drawn, are decoded outside that lock: planning goes on meanwhile.)
            if render_images:
                started.wait()
            answered, plan_errors, made = plan_answers(cuts, site, cache)
            # Spilling, the plan made now waits for the cache as counts (made again from the planned cuts read
            # back): as it is, it holds every cut's times and timing while the cards are drawn.
            plan_made = None
            if made is not None and cache is not None:
                if spilling:
                    plan_made = (made, array.array("I"))
                else:
                    cache.plan = (made, list(map(plan_values, answered)))
            spilled = None
            if spilling:
                # Each article planned and spilled before the next, its cuts before planning let go of: no moment
                # holds every article's planned cuts (nor both sets of cuts).
                mine = cache is None or cache.plan is None or cache.plan[1] is not answered
                spilled = Spilled.of(articles, planned_runs(cuts, requests, answered, site, ready, cache,
                                                            plan_made[1] if plan_made is not None else None,
                                                            let_go=mine),
                                     spilling, ready.let_go, ready.held)
                cuts, requests, answered = [], [], []
            else:
                cuts = with_expiry_warnings([planned_cut(c, answer) for c, answer in zip(cuts, answered)], site)
                answered = []
                ready.planned(cuts, cache)  # the cuts before planning: only what planning changed, until remembered
            writer = None
            if arrivals is not None and early is not None and not errors and not plan_errors:
                from smmgen.build.early import EarlyWrite

                # (Spilled, the articles' listing reads of the cuts only which accounts post: ``posting``.)
                writer = EarlyWrite.start(site, layouts, cache, published,  # type: ignore[arg-type]
                                          cuts if spilled is None else spilled.posting, requests,
                                          ready.shas, ready.held, spill=spilled)
            if spilled is not None:
                articles, published, cuts, requests, by_source = [], [], [], [], {}    # in the spill meanwhile
                spilled.posting = ()
                # What the spill let go of, the held texts above all (a kilobyte an article, from the C heap),
                # leaves free pages between live blocks: given back now, not held while the workers draw (at
                # 3,000 articles the build process 84 MB before, 80 after).
                heap.give_back()
            if writer is not None:
                early.append(writer)
                writer.follow(iter(arrivals.get, None))     # type: ignore[union-attr]
            cards, card_errors = drawn.result()
    heap.give_back()                    # what drawing held: the stages after it build in its place
    if spilled is not None:
        articles, cuts, requests, kept = spilled.restore(cards, early[0].restored if early else None)
        for source, values in kept.items():
            ready.hold_again(source, values)
        published = [a for a in articles if not a.draft]
        del kept
        if plan_made is not None and cache is not None:
            cache.plan = plan_again(plan_made, cuts)
    # Imported here: an edit (``smmgen.build.edit``) cuts without the video stage.
    from smmgen.video.media import make_videos

    videos = make_videos(published, cuts, site, render=render_images, workers=workers or 1, progress=progress)
    cuts = with_video_warnings(cuts, videos)
    if cache is not None:
        ready.remember(cache, articles, cuts)   # after drawing: the heroes the workers read are known by then
    errors += plan_errors + card_errors + list(videos.errors)
    outputs = article_outputs(published, cuts, requests, cards, site, ready.shas if cache is not None else None,
                              videos, early[0].spool if early else None, ready.held)
    return BuildResult(site=site, articles=tuple(published), drafts=tuple(a for a in articles if a.draft),
                       cuts=tuple(cuts), outputs=outputs, cards=cards, errors=tuple(errors), layouts=layouts,
                       skipped=skipped, staged=frozenset(staged), videos=videos,
                       drawn=sum(1 for what in drawings.values() if what == "drawn"),
                       early=early[0] if early else None)


def _drawing(arrivals: queue.SimpleQueue | None, started: threading.Event,
             *args: Any) -> tuple[dict, list[SmmgenError]]:
    """``render_cards`` (in the drawing thread), telling ``arrivals`` the cards as they come, then None, and
    setting ``started`` once the drawings are handed out (or there are none)."""
    try:
        return render_cards(*args[:-1], drawings=args[-1], arrived=arrivals.put if arrivals is not None else None,
                            started=started)
    finally:
        started.set()
        if arrivals is not None:
            arrivals.put(None)


def discard_early(result: BuildResult) -> None:
    """Remove what ``build`` wrote while drawing (``write_early``), for a build that is not written."""
    if result.early is not None:
        result.early.discard()


def article_outputs(articles: Sequence[Article], cuts: Sequence[Cut], requests: Sequence[tuple],
                    cards: dict, site: Site, shas: dict[str, str] | None,
                    videos: Videos | None = None, spool: EntryLines | None = None,
                    held: HeldCuts | None = None) -> tuple[ArticleOutput, ...]:
    """Each article's cuts with their cards, or their video where they post one (the card is then the
    publisher's fallback no more: the entry carries the video only); keyed (``outputs.output_key``) when
    ``shas`` has the article files' hashes. ``held``: the texts of the cuts that come slim
    (``smmgen.build.held_cuts``)."""
    items = videos.items if videos is not None else {}
    # The manifest lines of the entries the preview made, until the writer copies them (``spool``: the one the
    # entries made while the cards were drawn went to, ``smmgen.build.early``).
    spool = spool if spool is not None else EntryLines()
    shared = Shared()           # the cuts of an article mostly show the same card or two: one MediaFile each
    # Each article's cuts by their places: a run of them (cuts are in article order), a range each; an index
    # each (83,000 numbers and 10,000 lists at 10,000 articles) only where an article's cuts are not one run.
    by_source: dict[str, Sequence[int]] = {}
    start = 0
    for source, run in article_runs(cuts):
        if source in by_source:
            by_source = {}
            for i, cut in enumerate(cuts):
                by_source.setdefault(cut.source, []).append(i)  # type: ignore[attr-defined]
            break
        by_source[source] = range(start, start + len(run))
        start += len(run)
    out = []
    for article in articles:
        indexes = by_source.get(article.source)
        if not indexes:
            continue
        out.append(article_output(article, tuple(cuts[i] for i in indexes), [requests[i] for i in indexes], cards,
                                  site, shas.get(article.source) if shas is not None else None, items, spool, shared,
                                  held))
    return tuple(out)


def article_output(article: Article, own: tuple[Cut, ...], requests: Sequence[tuple], cards: Mapping, site: Site,
                   sha: str | None, items: Mapping, spool: EntryLines, shared: Shared,
                   held: HeldCuts | None = None) -> ArticleOutput:
    """One article's share of ``article_outputs``: ``own`` its cuts (slim ones read back from ``held``),
    ``requests`` theirs, ``items`` the videos by cut id."""
    media = tuple((items[cut.id],) if cut.id in items
                  else shared.one(tuple(map(shared.one, media_files(cut, reqs, cards, site))))
                  for cut, reqs in zip(own, requests))
    key = None
    if sha is not None:
        key = output_key(sha, stamp(article.image) if article.image else None, own, media)
    return ArticleOutput(article, own, media, key, spool, held)


def make_cuts(articles: Sequence[Article], site: Site, layouts: Layouts,
              ready: dict[str, tuple[Cut, ...]] | None = None,
              failed: Mapping[str, tuple[tuple[Cut, ...], list[SmmgenError]]] | None = None,
              progress: Progress | None = None) -> tuple[list[Cut], list[SmmgenError]]:
    """Every article's cuts, in article then platform order. ``ready`` has the cuts of articles made already
    (from the cache or by worker processes), by source; cuts made here without a failure are added to it.
    ``failed``: the cuts and errors of articles a worker process cut with errors, by source (not cut again)."""
    cuts: list[Cut] = []
    errors: list[SmmgenError] = []
    failed = failed or {}
    todo = sum(1 for a in articles if (ready is None or a.source not in ready) and a.source not in failed)
    done = 0
    if progress is not None and todo:
        progress("cutting", 0, todo)
    for article in articles:
        made = ready.get(article.source) if ready is not None else None
        if made is None and article.source in failed:
            made, failures = failed[article.source]
            errors += failures
        elif made is None:
            made, failures = cut_article(article, site, layouts)
            done += 1
            if progress is not None:
                progress("cutting", done, todo)
            errors += failures
            if ready is not None and not failures:
                ready[article.source] = made
        if made and made[0].slug != article.key:
            # Made before the other articles were known: the key tells two articles with one slug apart.
            made = tuple(replace(c, id=entry_id(article.key, c.platform, c.account), slug=article.key) for c in made)
        for cut in made:
            name = cut.platform
            override = f"social.{name}.text" if article.social.override(name).text else None
            errors.extend(ContentError(article.source, article.line(override or "title"), None, message)
                          for message in cut.errors)
            cuts.append(cut)
    return cuts, errors


# What plan.assign reads of a cut (besides the number of its parts, the site's [plan] rules and the publisher's
# ledger) and what it changes (it also appends warnings): with the same reads, a replay of the last plan's
# changes is what planning again would give.
def assign_plan(cuts: list[Cut], site: Site, cache: BuildCache | None) -> tuple[list[Cut], list[SmmgenError]]:
    """``plan.assign``, replayed from the cache when no cut's timing, no rule and not the ledger changed
    (editing an article's text does not move any post; planning thousands of cuts takes a second)."""
    answered, errors, made = plan_answers(cuts, site, cache)
    if made is not None and cache is not None:
        cache.plan = (made, list(map(plan_values, answered)))
    return [planned_cut(c, answer) for c, answer in zip(cuts, answered)], errors


Answer = Any
"""What planning gives a cut (``plan_answers``): a ``PlanInput`` planned now, or its values and added warnings as
the cache's plan records them; ``plan_values`` reads either."""


def plan_answers(cuts: Sequence[Cut], site: Site, cache: BuildCache | None) \
        -> tuple[Sequence[Answer], list[SmmgenError], str | None]:
    """By cut, what planning gives it (``planned_cut`` applies it), planned from a small record per cut
    (``smmgen.build.plan_input``), or replayed from the cache (the list it holds) when no cut's timing, no rule
    and not the ledger changed; and the signature of the plan's inputs when it was made now for ``cache`` (the
    caller records it there: ``BuildCache.plan``, or counts it, ``planned_runs``)."""
    if cache is None:
        planned, errors = plan.assign(plan_inputs(cuts), site)      # type: ignore[arg-type]
        return planned, errors, None
    digest = hashlib.sha256()
    try:
        digest.update(read_bytes(ledger_path(site), site.root, SmmgenError))
    except FileNotFoundError:
        digest.update(b"no ledger")
    except SmmgenError:
        digest.update(b"outside")               # never read: ledger_times.published_times refuses it
    for source, run in article_runs(cuts):
        # The cache's record has the reads of the very cuts it holds: an unchanged article is not read again.
        record = cache.articles.get(source)
        known = record.plan_reads if record is not None and record.cuts is not None else ""
        if not (known and len(record.cuts) == len(run) and all(a is b for a, b in zip(record.cuts, run))):
            known = plan_reads(run)
        digest.update(known.encode())
    signature = digest.hexdigest()
    known = cache.plan
    if known is not None and known[0] == signature and len(known[1]) == len(cuts):
        return known[1], [], None
    cache.plan = None
    planned, errors = plan.assign(plan_inputs(cuts), site)      # type: ignore[arg-type]
    # (Planning only adds warnings, to records that have none: its answers are what a replay gives back. With
    # errors it is made again next time.)
    return planned, errors, None if errors else signature


def plan_values(answer: Answer) -> tuple[tuple, tuple[str, ...]]:
    """A cut's ``PLAN_WRITES`` values and the warnings planning added, from its answer (``plan_answers``)."""
    if type(answer) is PlanInput:
        return (answer.publish_at, answer.expire_at, answer.timing), answer.warnings
    values, added = answer
    return values, added


def planned_cut(cut: Cut, answer: Answer) -> Cut:
    """``cut`` planned: with its answer (``plan_answers``) applied."""
    values, added = plan_values(answer)
    return _with_plan_values(cut, values, added)


def planned_runs(cuts: list, requests: list, answered: list, site: Site, ready: Prepared,
                 cache: BuildCache | None, counts: array.array | None = None,
                 let_go: bool = False) -> Iterator[tuple[str, tuple[Cut, ...], tuple]]:
    """Each article's source, planned cuts (``answered``: ``plan_answers``'s, applied, and the expiry warnings
    added) and their card requests, in order, each made when asked for; ``ready`` is told the article's planned
    cuts (``Prepared.planned``) and ``cuts`` and ``requests`` let go of the article's entries (None), as does
    ``answered`` when ``let_go``. ``counts`` gets, by cut, its number of warnings before planning and of those
    planning added: ``plan_again`` makes the cache's record of the plan from them."""
    start = 0
    for source, run in article_runs(cuts):
        end = start + len(run)
        own = []
        for cut, answer in zip(run, answered[start:end]):
            values, added = plan_values(answer)
            own.append(_with_plan_values(cut, values, added))
            if counts is not None:
                counts.extend((len(cut.warnings), len(added)))
        planned = tuple(with_expiry_warnings(own, site))
        ready.planned_run(source, planned, cache)
        asked = tuple(requests[start:end])
        gone = [None] * (end - start)
        cuts[start:end] = requests[start:end] = gone
        if let_go:
            answered[start:end] = gone
        del run, own
        start = end
        yield source, planned, asked


def plan_again(counts: tuple[str, array.array], planned: Sequence[Cut]) -> tuple[str, list]:
    """The cache's record of the plan (``BuildCache.plan``) made again from its signature and the counts
    ``planned_runs`` made, by cut, from the planned cuts (later stages' warnings added after planning's)."""
    signature, numbers = counts
    if len(numbers) != 2 * len(planned):
        raise ValueError(f"{len(planned)} planned cuts, {len(numbers) // 2} counted")
    # Read from the cuts when asked (the cache's save, the edit index): a tuple or two a cut, held from here to
    # the end of the build, were 12 MB at 10,000 articles.
    return signature, PlanChanges(planned, numbers)


class PlanChanges(Sequence):
    """``assign_plan``'s record of the plan by cut, ``((publish_at, expire_at, timing), warnings planning
    added)``, read from the planned cuts and ``planned_runs``' numbers one cut at a time: equal to the list
    ``assign_plan`` made."""

    __slots__ = ("cuts", "numbers")

    def __init__(self, cuts: Sequence[Cut], numbers: array.array):
        self.cuts = cuts
        self.numbers = numbers

    def __len__(self) -> int:
        return len(self.cuts)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self._one(n) for n in range(*i.indices(len(self.cuts)))]
        if i < 0:
            i += len(self.cuts)
        if not 0 <= i < len(self.cuts):
            raise IndexError(i)
        return self._one(i)

    def _one(self, i: int) -> tuple[tuple, tuple[str, ...]]:
        cut, n, added = self.cuts[i], self.numbers[2 * i], self.numbers[2 * i + 1]
        return _PLANNED(cut), cut.warnings[n:n + added]

    def __iter__(self) -> Iterator[tuple[tuple, tuple[str, ...]]]:
        return map(self._one, range(len(self.cuts)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]


_PLANNED = operator.attrgetter(*PLAN_WRITES)


def with_video_warnings(cuts: list[Cut], videos: Videos) -> list[Cut]:
    """The cuts, each with the video stage's warnings about it (a network that posts the card instead)."""
    if not videos.warnings:
        return cuts
    return [replace(c, warnings=c.warnings + videos.warnings[c.id]) if c.id in videos.warnings else c
            for c in cuts]


def without_body(article: Article) -> Article:
    """The article without its body, once its cuts are made: nothing after cutting reads the body, and the
    bodies of a large site are a tenth of what a build holds in memory."""
    if not article.body_text:
        return article
    return replace(article, body_text="")
