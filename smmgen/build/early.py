"""Writing each article's files while the cards of the others are still being drawn.

Drawing the cards takes most of a cold build, in the worker processes, while the build process waits; writing the
preview then kept the build process busy alone for seconds after the last card. So, as the cards of an article
come back (``smmgen.cards.batch.render_cards``'s ``arrived``), its preview page, its row of the preview index (into
the page memo's store of parts), its Open Graph snippet and its cut texts are made and handed to the writer
(``smmgen.build.write``), under temporary names like every file of a write.

Nothing here is taken on trust. The writer gets to each file as before: a page is used only when the key of its
inputs (``smmgen.preview.pages.article_page_key``, which the page memo relies on across builds) is the one it
was made with, and a cut text or snippet only when its bytes are the ones made now; otherwise it is made again.
A build that fails discards what was written here with the rest of its write: output/ is as it was.

Only files new to output/ (a cold build's) are written here, and only with the preview's own templates (whose
article page shows only its neighbours of the listing, as the page memo assumes), with the build cache (whose
keys say what a page is made from), and for a site without videos (the video stage, after drawing, may change a
post).
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from smmgen.build.article_outputs import EntryLines
from smmgen.build.shared_values import Shared

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache
    from smmgen.build.held_cuts import HeldCuts
    from smmgen.build.spill import Spilled
    from smmgen.build.templates import Layouts
    from smmgen.config.site import Site
    from smmgen.content.article import Article
    from smmgen.platforms import Cut


@dataclass(frozen=True)
class _Partial:
    """What ``preview_data`` reads of a build, for one article (or for the listing: every article, no outputs)."""

    site: Site
    articles: tuple
    cuts: tuple
    outputs: tuple
    errors: tuple = ()
    drafts: tuple = ()


class EarlyWrite:
    """The files of articles whose cards are all known, written during drawing (see the module docstring); the
    writer (``smmgen.build.write.write_output``) carries on with its ``sink`` and ``memo``."""

    @classmethod
    def start(cls, site: Site, layouts: Layouts, cache: BuildCache, articles: Sequence[Article],
              cuts: Sequence[Cut], requests: Sequence[tuple], shas: dict[str, str],
              held: HeldCuts | None = None, spill: Spilled | None = None) -> EarlyWrite | None:
        """The writer of these (planned) cuts' articles, or None where nothing is to be written early: a site's
        own preview templates, a video, a preview template that does not compile (the writer reports it)."""
        from smmgen.preview.edit import default_templates
        from smmgen.preview.pages import Renderer

        if any(a.video is not None for a in articles) or not default_templates(layouts):
            return None
        renderer = Renderer(layouts)
        try:
            renderer.check()
        except Exception:               # noqa: BLE001 - the writer reports it, in its place among the errors
            return None
        return cls(site, renderer, cache, articles, cuts, requests, shas, held, spill)

    def __init__(self, site: Site, renderer: Any, cache: BuildCache, articles: Sequence[Article],
                 cuts: Sequence[Cut], requests: Sequence[tuple], shas: dict[str, str], held: HeldCuts | None = None,
                 spill: Spilled | None = None):
        from smmgen.build.prepared import article_runs
        from smmgen.build.write import OUTPUT_SUBDIRS, PendingWrites
        from smmgen.output_files import survey
        from smmgen.preview import periods
        from smmgen.preview.model import preview_data
        from smmgen.preview.pages import fragment_maker, index_row_macro

        self.site = site
        self.cache = cache
        self.shas = shas
        self.held = held        # the texts of slim cuts (``smmgen.build.held_cuts``), read back per article
        self.spool = EntryLines()           # the manifest lines of the entries made here: the writer's too
        self.renderer = renderer
        present = cache.present if cache.present is not None else survey(site.root, site.output_dir, OUTPUT_SUBDIRS)
        self.sink = PendingWrites(site.output_dir, cache, present)
        self.sink.inline = True
        self.memo = cache.page_memo(self.sink.intact)
        self.stopped = False
        self.written = 0
        # Where each article is listed (newest first, as the preview lists them): its place, its month's page
        # and its neighbours' (page, title).
        listing = preview_data(_Partial(site, tuple(articles), tuple(cuts), ()))
        listed = [view for view in listing.articles if view.page]
        tz = ZoneInfo(listing.timezone)
        self.places: dict[str, tuple[int, str, tuple]] = {}
        for here, view in enumerate(listed):
            month = periods.month_period(periods.month_of(view.date_iso, tz)).page
            neighbours = tuple((listed[n].page, listed[n].title) for n in (here - 1, here + 1)
                               if 0 <= n < len(listed))
            self.places[view.source] = (here, month, neighbours)
        self.count = len(listed)
        self.shared = (listing.site_name, listing.timezone, listing.platforms, (), 0, self.renderer.script_hash)
        # Bound as the preview binds it (to the build's values, not its articles): not the listing, which goes.
        self.row = index_row_macro(self.renderer, listing, {"data": listing, "site": site})
        # The plan's weeks and days, rendered a part at a time between the cards' arrivals (a cold preview's:
        # a later build copies most of them from the last one's file of parts). Not on a site so large that
        # the plan's values, held while the cards are drawn, would weigh more than the time saved is worth.
        self.plan: Iterator[None] | None = None
        if cache.fragments is None and len(cuts) <= PLAN_AHEAD_CUTS and spill is None:
            from smmgen.preview.pages import plan_parts

            self.plan = plan_parts(renderer, _Partial(site, (), (), _plan_outputs(articles, cuts)), listing,
                                   self.memo.fragments())
        del listing, listed
        self.index_fragment = fragment_maker(self.memo.fragments(), ("index", "../"))
        # Per article still to write: its cuts' indexes, and the number of distinct cards not yet known.
        self.by_source: dict[str, Article] = {}
        # (A range, not a list of numbers: an article's cuts are next to each other, in article order.)
        self.cuts: dict[str, Sequence[int]] = {}
        self.all_cuts: Sequence[Cut] = ()
        self.requests: Sequence[tuple] = ()
        # A large site's articles are read back from the spill one at a time (``smmgen.build.spill``), as their
        # cards are all in: nothing here holds every article's cuts or card requests.
        self.spill = spill
        if spill is not None:
            self.waiting: dict[str, int] = spill.asked
        else:
            from smmgen.build.spill import cards_asked

            self.by_source = {a.source: a for a in articles}
            start = 0
            for source, run in article_runs(cuts):
                span = range(start, start + len(run))
                self.cuts[source] = [*self.cuts[source], *span] if source in self.cuts else span
                start += len(run)
            self.all_cuts = cuts
            self.requests = requests
            self.waiting = {source: cards_asked(requests[i] for i in indexes)
                            for source, indexes in self.cuts.items()}
        self.cards: dict = {}
        # The cut texts and snippet written for each article, and from what: the article, its (planned) cuts,
        # its og card, and a digest of its files' output index entries as written, by source (the entries
        # themselves are kept on disk while drawing, ``PendingWrites.inline``).
        self.made: dict[str, tuple] = {}

    def follow(self, arrivals: Iterable[list[tuple] | None]) -> None:
        """Write each article as its last card comes in; ``arrivals`` ends (None) when drawing is over."""
        for source in [s for s, left in self.waiting.items() if not left]:
            self._ready(source)
        cards, waiting = self.cards, self.waiting
        for batch in arrivals:
            if batch is None:
                break
            if self.stopped:
                continue
            for req, card in batch:
                known = len(cards)
                cards[req] = card
                left = waiting.get(req.source)
                if left is None or len(cards) == known:
                    continue            # (a card told again is counted once)
                if left > 1:
                    waiting[req.source] = left - 1
                else:
                    self._ready(req.source)
            if self.plan is not None:
                self._plan_part()
        # Drawing is over: what is left of an article not written here is the writer's to make.
        self.sink.inline = False
        self.plan = None
        self.places, self.waiting, self.cards, self.by_source, self.cuts = {}, {}, {}, {}, {}
        self.all_cuts = self.requests = ()

    def _ready(self, source: str) -> None:
        del self.waiting[source]
        if self.stopped:
            return
        values: tuple = (None, (), (), None)
        try:
            if self.spill is not None:
                values = self.spill.values(source)
            else:
                indexes = self.cuts.pop(source, ())
                values = (self.by_source.get(source), tuple(self.all_cuts[i] for i in indexes),
                          tuple(self.requests[i] for i in indexes), self.held)
            self._write(source, *values)
        except Exception:               # noqa: BLE001 - left to the writer, which reports it in its place
            self.stopped = True
        for reqs in values[2]:
            for req in reqs:
                self.cards.pop(req, None)
        # What only this article's write needed goes with it, while the others' cards are still drawn: the
        # memory is there for the files written next (kept until drawing ended, it was 900 bytes an article).
        self.places.pop(source, None)
        self.by_source.pop(source, None)

    def _plan_part(self) -> None:
        try:
            next(self.plan)             # type: ignore[arg-type]
        except StopIteration:
            self.plan = None
        except Exception:               # noqa: BLE001 - the writer renders the plan, and reports what fails
            self.plan = None

    def _write(self, source: str, article: Article, own: tuple[Cut, ...], requests: tuple[tuple, ...],
               held: HeldCuts | None) -> None:
        from smmgen.build.pipeline import article_output
        from smmgen.build.write import cut_file_name, cut_text_file, og_snippet
        from smmgen.preview.model import preview_data
        from smmgen.preview.pages import article_page_key

        place = self.places.get(source)
        if place is None:
            return
        output = article_output(article, own, requests, self.cards, self.site, self.shas.get(source), {},
                                self.spool, Shared(), held)
        out = self.site.output_dir
        sink = self.sink
        here, month, neighbours = place
        data = preview_data(_Partial(self.site, (article,), own, (output,)))
        view = data.articles[0]
        if view.key is None or data.errors or data.error_count:
            return
        path = f"preview/{view.page}"
        if path not in sink.present:
            key = article_page_key(view, neighbours, here == 0, month, self.shared)
            page = self.renderer.render("article.html.j2", "../../", page="article", article=view,
                                        listed=_Listing(self.count, here, view, neighbours), here=here,
                                        index_page=month, data=data, site=self.site)
            sink.put(out / path, page)
            self.memo.staged[path] = key
            if self.row is not None:
                self.index_fragment(self.row, view)
        view.forget_posts()
        og = min((req for reqs in requests for req in reqs if req.target == "og"),
                 key=lambda r: (r.layout, r.alt), default=None)
        card = self.cards.get(og)
        files = [(f"cuts/{c.slug}/{cut_file_name(c)}", cut_text_file(c)) for c in output.whole_cuts()]
        files.append((f"og/{article.key}.html", og_snippet(article, self.site, card)))
        entries = [sink.put(out / relative, data_) for relative, data_ in files if relative not in sink.present]
        if len(entries) == len(files) and None not in entries:
            if self.spill is None:
                self.made[source] = (article, own, card, _entries_digest(entries))   # type: ignore[arg-type]
            else:
                # A spilled article's values are read back from its record as new objects once drawing is over
                # (``restored`` then names them): holding them here is what the spill is for.
                self.made[source] = (card, _entries_digest(entries))       # type: ignore[arg-type]
        self.written += 1

    def restored(self, source: str, article: Article, cuts: tuple[Cut, ...]) -> None:
        """A spilled article read back after drawing (``smmgen.build.spill.Spilled.restore``) as these very
        objects, equal to those its files were written from here: ``made_from`` knows them from now on, and its
        cut texts and snippet are not made a second time."""
        made = self.made.get(source)
        if made is not None and len(made) == 2:
            self.made[source] = (article, cuts, *made)

    def made_from(self, article: Article, cuts: Sequence[Cut], card: Any) -> bool:
        """The article's cut texts and snippet were written here from this very article and these cuts (the same
        objects: their files' bytes are the ones they make) and an equal og card, and are still recorded as written.
        (The card is compared by value: the drawing stage keeps its own copy of a card a worker sent.)"""
        # Asked once an article (by the writer): what it was made from goes now, before the cache is saved.
        made = self.made.pop(article.source, None)
        if made is None or len(made) != 4 or made[0] is not article or made[2] != card or len(made[1]) != len(cuts) \
                or not all(map(operator.is_, made[1], cuts)):
            return False
        from smmgen.build.write import cut_file_name

        index = self.sink.index
        entries = [index.get(f"cuts/{c.slug}/{cut_file_name(c)}") for c in cuts]
        entries.append(index.get(f"og/{article.key}.html"))
        # The very entries recorded then: a file staged again since has another (its mtime, if not its digest).
        return None not in entries and _entries_digest(entries) == made[3]  # type: ignore[arg-type]

    def discard(self) -> None:
        """The build failed: what was written here goes (output/ as it was)."""
        self.sink.discard()
        self.memo.abandon()


def _entries_digest(entries: Sequence[bytes]) -> bytes:
    return hashlib.blake2b(b"".join(entries), digest_size=16).digest()


PLAN_AHEAD_CUTS = 20_000
"""Cuts at most on a site whose plan is rendered while the cards are drawn (1,000 articles have some 8,000)."""


@dataclass(frozen=True)
class _PlanOutput:
    """What ``smmgen.preview.agenda.planned`` reads of an article's output: the article and its planned cuts."""

    article: Article
    cuts: tuple


def _plan_outputs(articles: Sequence[Article], cuts: Sequence[Cut]) -> tuple[_PlanOutput, ...]:
    own: dict[str, list] = {}
    for cut in cuts:
        own.setdefault(cut.source, []).append(cut)
    return tuple(_PlanOutput(a, tuple(own[a.source])) for a in articles if a.source in own)


class _Listing:
    """``listed`` for an article page rendered alone: its length and its neighbours."""

    def __init__(self, count: int, here: int, view: Any, neighbours: tuple):
        self.count, self.here, self.view = count, here, view
        self.near: dict[int, _Neighbour] = {}
        slots = [n for n in (here - 1, here + 1) if 0 <= n < count]
        for n, (page, title) in zip(slots, neighbours):
            self.near[n] = _Neighbour(page, title)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, n: int) -> Any:
        if n == self.here:
            return self.view
        return self.near[n]             # a page showing more of the listing is made by the writer, whole


@dataclass(frozen=True)
class _Neighbour:
    page: str
    title: str
