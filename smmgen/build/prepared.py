"""Articles and cuts made before the pipeline runs: taken from the build cache, or parsed and cut by worker
processes (whose failures come back as values, reported by the pipeline with the others)."""

from __future__ import annotations

import dataclasses
import hashlib
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from smmgen.build.cache import BuildCache, stamp
from smmgen.build.held_cuts import HeldCuts, held_again
from smmgen.build.shared_values import Shared
from smmgen.build.templates import Layouts
from smmgen.build.workers import Workers
from smmgen.config.site import Site
from smmgen.content.article import Article
from smmgen.content.article_media import bundle_folder, looked_for_in_vain
from smmgen.content.discovery import Found, discover
from smmgen.content.reading import Skipped, load_article
from smmgen.errors import SmmgenError
from smmgen.platforms import Cut
from smmgen.site_files import inside

if TYPE_CHECKING:
    from smmgen.build.pipeline import Progress

PARALLEL_MIN = 16
"""Fewer articles than this to parse and cut are done in this process: starting workers would cost more."""


@dataclass
class Prepared:
    """Articles and cuts made before the pipeline runs: found in the cache, or made by worker processes."""

    found: Found
    site_root: Path | None = None
    shas: dict[str, str] = field(default_factory=dict)                  # source -> sha256 of the file
    articles: dict[Path, Article] = field(default_factory=dict)
    # source -> cuts before planning (once ``planned``, those this build made only as what planning changed)
    cuts: dict[str, tuple[Cut, ...]] = field(default_factory=dict)
    # What worker processes could not do, kept so that nothing is parsed or cut a second time to report it:
    unread: dict[Path, Exception] = field(default_factory=dict)        # path -> why it is no article
    failed_cuts: dict[str, tuple[tuple[Cut, ...], list[SmmgenError]]] = field(default_factory=dict)
    # The texts of the cuts worker processes made, held compressed until the article's output is written: their
    # cuts in ``cuts`` are slim (``smmgen.build.held_cuts``).
    held: HeldCuts = field(default_factory=HeldCuts)

    def article(self, path: Path) -> Article | None:
        """For ``read_articles``: the article made already from ``path``, if any; raises the error (or the
        ``Skipped``) a worker process met reading it."""
        if path in self.unread:
            raise self.unread[path]
        return self.articles.get(path)

    def planned(self, cuts: Sequence[Cut], cache: BuildCache | None) -> None:
        """Told the planned ``cuts`` (in article order): of the cuts this build made, keep until ``remember`` only
        what planning changed (``_BeforePlan``), the rest being the planned cuts'. Without ``cache`` nothing is
        remembered: they all go. Those that the cache's records hold already stay as they are."""
        if cache is None:
            self.cuts.clear()
            return
        for source, run in article_runs(cuts):
            self.planned_run(source, run, cache)

    def planned_run(self, source: str, run: Sequence[Cut], cache: BuildCache | None) -> None:
        """``planned`` for one article's planned cuts."""
        if cache is None:
            self.cuts.pop(source, None)
            return
        made = self.cuts.get(source)
        if type(made) is not tuple or len(made) != len(run):
            return
        known = cache.articles.get(source)
        if known is not None and known.cuts is made:
            return                            # the record's very cuts (``remember`` compares them by identity)
        before = _BeforePlan.of(made, run)
        if before is not None:
            self.cuts[source] = before        # type: ignore[assignment]

    def let_go(self, source: str) -> tuple | None:
        """What this holds of an article's cuts until ``remember`` (the cuts before planning, the held texts), let
        go of here while the article is spilled (``smmgen.build.spill``); ``hold_again`` takes it back."""
        before = self.cuts.pop(source, None)
        if type(before) is _BeforePlan:
            before = ("plan", before.values)
        elif before is not None:
            before = ("cuts", before)
        held = self.held.pop_packed(source)
        return None if before is None and held is None else (before, held)

    def hold_again(self, source: str, kept: tuple | None) -> None:
        """Take back what ``let_go`` gave (read back from the spill: cuts as new objects)."""
        if kept is None:
            return
        before, held = kept
        if before is not None:
            self.cuts[source] = _BeforePlan(before[1]) if before[0] == "plan" \
                else tuple(map(held_again, before[1]))      # type: ignore[assignment]
        if held is not None:
            self.held.put_packed(source, held)

    def remember(self, cache: BuildCache, articles: Sequence[Article], cuts: Sequence[Cut] = ()) -> None:
        """Record in ``cache`` every article that parsed, with its cuts if every platform could cut it.
        ``cuts``: the planned cuts, when ``planned`` was told them."""
        from smmgen.build import pipeline  # imports this module (see ``_parse_and_cut``)
        from smmgen.build.cache import ArticleRecord

        for source, run in article_runs(cuts):
            before = self.cuts.get(source)
            if type(before) is _BeforePlan:
                # Made again only when the record is saved or read (``BuildCache._whole``): a second set of cuts
                # for every article made, held until the build ends, was 19 MB at 10,000 articles.
                self.cuts[source] = _Unplanned(before, run)   # type: ignore[assignment]
        if cache.held_cuts is not None and cache.held_cuts is not self.held:
            self.held.take_over(cache.held_cuts)
        cache.held_cuts = self.held     # the records' slim cuts are saved whole
        for article in articles:
            sha = self.shas.get(article.source)
            if sha is None:
                continue
            if looked_for_in_vain(article):
                continue                      # a hero looked for and not found may appear: parse again next time
            deps = ((str(article.image), stamp(article.image), cache.known_key(article.image)),) \
                if article.image else ()
            folder = bundle_folder(article, self.site_root)
            if folder is not None:
                # A page bundle's hero is found by looking in its folder: a file added there is a change.
                deps += ((str(folder), stamp(folder), None),)
            made = () if article.draft else self.cuts.get(article.source)
            known = cache.articles.get(article.source)
            if (known is not None and known.sha == sha and known.deps == deps and known.article is article
                    and known.cuts is made):
                continue                      # the very record the cache holds: its shard need not be written
            if made is not None:
                article = pipeline.without_body(article)
            cache.articles[article.source] = ArticleRecord(sha, deps, article, made,
                                                           pipeline.plan_reads(made) if made is not None else "")
        cache.keep_only(self.shas)


# A cut's fields that planning leaves as they are (it sets the times and timing, and adds warnings).
_UNPLANNED = operator.attrgetter(*(f.name for f in dataclasses.fields(Cut)
                                   if f.name not in ("publish_at", "expire_at", "timing", "warnings")))


class _BeforePlan:
    """One article's cuts before planning, as what planning changed in them: by cut, its ``publish_at``,
    ``expire_at``, ``timing`` and number of warnings (planning and later stages only add warnings). Its other
    fields are those of the planned cut; a cut is a few hundred bytes, this a tuple."""

    __slots__ = ("values",)

    def __init__(self, values: tuple[tuple, ...]):
        self.values = values

    @classmethod
    def of(cls, made: Sequence[Cut], planned: Sequence[Cut]) -> _BeforePlan | None:
        """``made`` as what ``planned`` (the same cuts planned) changed in them; None when planning changed more
        than that (a cut's id made anew for two articles of one slug: then kept whole)."""
        rest = _UNPLANNED
        values = []
        for cut, plan in zip(made, planned):
            n = len(cut.warnings)
            if plan.warnings[:n] != cut.warnings or rest(plan) != rest(cut):
                return None
            values.append((cut.publish_at, cut.expire_at, cut.timing, n))
        return cls(tuple(values))

    def cuts(self, planned: Sequence[Cut]) -> tuple[Cut, ...]:
        """The cuts before planning again, equal to those ``of`` was given, from these cuts planned."""
        out = []
        for plan, (publish_at, expire_at, timing, n) in zip(planned, self.values, strict=True):
            # ``dataclasses.replace`` without its per-call cost, as in ``pipeline._with_plan_values``.
            made = object.__new__(type(plan))
            made.__dict__.update(plan.__dict__)
            made.__dict__.update(publish_at=publish_at, expire_at=expire_at, timing=timing,
                                 warnings=plan.warnings[:n])
            out.append(made)
        return tuple(out)


class _Unplanned(Sequence):
    """An article's cuts before planning, as its record holds them until saved: made when they are read, from
    the planned cuts and what planning changed in them (``_BeforePlan``), one article at a time."""

    __slots__ = ("before", "planned")

    def __init__(self, before: _BeforePlan, planned: Sequence[Cut]):
        self.before = before
        self.planned = planned

    def __len__(self) -> int:
        return len(self.planned)

    def __getitem__(self, i):  # type: ignore[override]
        return self.before.cuts(self.planned)[i]

    def __iter__(self) -> Iterator[Cut]:
        return iter(self.before.cuts(self.planned))


def article_runs(cuts: Sequence[Cut]) -> Iterator[tuple[str, Sequence[Cut]]]:
    """Each article's cuts (``cuts`` are in article order): its source and its run of them."""
    start = 0
    while start < len(cuts):
        source = cuts[start].source
        end = start + 1
        while end < len(cuts) and cuts[end].source == source:
            end += 1
        yield source, cuts[start:end]
        start = end


def parse_and_cut(site: Site, layouts: Layouts, cache: BuildCache | None, pool: Workers,
                  hashes: Mapping[str, str], progress: Progress | None = None) -> Prepared:
    """Hash every article file (unless ``hashes`` has it); take what the cache has for unchanged ones; parse
    and cut the rest in ``pool``'s processes when there are enough of them (their failures come back as
    values, which the pipeline reports with the others)."""
    ready = Prepared(discover(site.content_dir, site.content_rules, site.root),
                     site.root if site.generator else None)
    if cache is not None and cache.held_cuts is not None:
        ready.held.compress_as(cache.held_cuts)     # whose slim cuts ``remember`` takes over
    missing: list[Path] = []
    for path, source in zip(ready.found.paths, site.rel_all(ready.found.paths)):
        sha = hashes.get(str(path))
        if sha is None:
            if inside(path, site.root) is None:
                continue                      # never read: load_article refuses it
            try:
                sha = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                continue                      # load_article says why
        ready.shas[source] = sha
        record = cache.article(source, ready.shas[source]) if cache is not None else None
        if record is None:
            missing.append(path)
            continue
        ready.articles[path] = record.article
        if record.cuts is not None:
            ready.cuts[source] = record.cuts
    if pool.count > 1 and len(missing) >= PARALLEL_MIN:
        chunks = [missing[i:i + 8] for i in range(0, len(missing), 8)]
        shared = Shared()
        done = 0
        if progress is not None:
            progress("parsing", 0, len(missing))
        for chunk, results in zip(chunks, pool.executor().map(_parse_and_cut, chunks)):
            done += len(chunk)
            if progress is not None:
                progress("parsing", done, len(missing))
            for path, (article, cuts, failures) in zip(chunk, results):
                if article is None:
                    ready.unread[path] = failures[0]
                    continue
                ready.articles[path] = article = shared.article(article)
                if failures:
                    ready.failed_cuts[article.source] = (cuts, list(failures))
                else:
                    ready.cuts[article.source] = ready.held.put(article.source, tuple(map(shared.cut, cuts)))
    return ready


_worker: dict[str, object] = {}


def _start_worker(site: Site) -> None:
    _worker["site"] = site
    _worker["layouts"] = Layouts(site.layouts_dir, root=site.root)


_Parsed = tuple[Article | None, tuple[Cut, ...], tuple[Exception, ...]]
"""A worker's answer for one file: the article (None when it is none), its cuts, and what went wrong as values
(the error or ``Skipped`` that reading raised, or the errors of the platforms that could not cut it)."""


def _parse_and_cut(paths: list[Path]) -> list[_Parsed]:
    # The pipeline's cutting is looked up in its module, which imports this one, when called: the name there is
    # also the one a test may have put in its place.
    from smmgen.build import pipeline

    site, layouts = _worker["site"], _worker["layouts"]
    out: list[_Parsed] = []
    for path in paths:
        try:
            article = load_article(path, site)  # type: ignore[arg-type]
        except (SmmgenError, Skipped) as e:
            out.append((None, (), (e,)))
            continue
        if article.draft:
            out.append((pipeline.without_body(article), (), ()))
            continue
        cuts, errors = pipeline.cut_article(article, site, layouts)  # type: ignore[arg-type]
        # With errors the article keeps its body: it is not cached with cuts, so a later build cuts it again.
        out.append((article, cuts, tuple(errors)) if errors else (pipeline.without_body(article), cuts, ()))
    return out
