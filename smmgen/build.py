"""The build, as one visible pipeline: config -> articles -> cuts -> cards -> manifest -> output/."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import manifest, plan
from .cache import BuildCache, stamp
from .config import Site
from .content import Article, find_article_files, load_article, load_articles
from .dates import long_date
from .errors import ConfigError, ContentError, ErrorList, SmmgenError
from .layouts import Layouts
from .platforms import Cut, CutContext, registry
from .write import OUTPUT_SUBDIRS, card_url, cut_text_file, write_output

__all__ = ["OUTPUT_SUBDIRS", "BuildResult", "build", "cut_text_file", "write_output"]


@dataclass(frozen=True)
class BuildResult:
    site: Site
    articles: tuple[Article, ...]        # what goes out: drafts excluded
    drafts: tuple[Article, ...]
    cuts: tuple[Cut, ...]
    entries: tuple[dict, ...]            # manifest entries, sorted by id
    cards: dict                          # CardRequest -> Card
    errors: tuple[SmmgenError, ...]

    @property
    def warnings(self) -> list[tuple[Cut, str]]:
        return [(c, w) for c in self.cuts for w in c.warnings]


def build(site: Site, *, render_images: bool = True, workers: int | None = None,
          cache: BuildCache | None = None) -> BuildResult:
    """Everything the output is made of, and every problem found; writes nothing (see ``write_output``).

    ``workers`` processes parse, cut and draw what is not in ``cache`` (the result is the same either way);
    ``cache`` is updated with what this build made.
    """
    layouts = Layouts(site.layouts_dir)
    ready = prepare(site, layouts, cache, workers or 1)
    articles, errors = load_articles(site, reuse=ready.articles.get, paths=ready.paths)
    published = [a for a in articles if not a.draft]
    cuts, cut_errors = make_cuts(published, site, layouts, ready=ready.cuts)
    errors += cut_errors
    if cache is not None:
        ready.remember(cache, articles)
    cuts, plan_errors = assign_plan(cuts, site, cache)
    errors += plan_errors
    by_source = {a.source: a for a in published}
    cards, card_errors = render_cards(cuts, by_source, site, layouts, render_images, workers, cache)
    errors += card_errors
    entries = tuple(manifest.entry(c, by_source[c.source], media_files(c, by_source[c.source], cards, site))
                    for c in cuts)
    return BuildResult(site=site, articles=tuple(published), drafts=tuple(a for a in articles if a.draft),
                       cuts=tuple(cuts), entries=tuple(sorted(entries, key=lambda e: e["id"])), cards=cards,
                       errors=tuple(errors))


def platforms_for(article: Article, site: Site) -> list[str]:
    chosen = article.social.platforms
    return [p.name for p in site.platforms if chosen is None or p.name in chosen]


def make_cuts(articles: Sequence[Article], site: Site, layouts: Layouts,
              ready: dict[str, tuple[Cut, ...]] | None = None) -> tuple[list[Cut], list[SmmgenError]]:
    """Every article's cuts, in article then platform order. ``ready`` has the cuts of articles made already
    (from the cache or by worker processes), by source; cuts made here without a failure are added to it."""
    cuts: list[Cut] = []
    errors: list[SmmgenError] = []
    for article in articles:
        made = ready.get(article.source) if ready is not None else None
        if made is None:
            made, failures = cut_article(article, site, layouts)
            errors += failures
            if ready is not None and not failures:
                ready[article.source] = made
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
PLAN_READS = ("id", "platform", "source", "publish_at", "expire_at", "timing")
PLAN_WRITES = ("publish_at", "expire_at", "timing")


def assign_plan(cuts: list[Cut], site: Site, cache: BuildCache | None) -> tuple[list[Cut], list[SmmgenError]]:
    """``plan.assign``, replayed from the cache when no cut's timing, no rule and not the ledger changed
    (editing an article's text does not move any post; planning thousands of cuts takes a second)."""
    if cache is None:
        return plan.assign(cuts, site)
    from dataclasses import replace

    digest = hashlib.sha256()
    try:
        digest.update(plan.ledger_path(site).read_bytes())
    except FileNotFoundError:
        digest.update(b"no ledger")
    # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
    for c in cuts:
        digest.update(repr(tuple(getattr(c, f) for f in PLAN_READS) + (len(c.parts),)).encode())
    signature = digest.hexdigest()
    known = cache.plan
    if known is not None and known[0] == signature and len(known[1]) == len(cuts):
        return [replace(c, warnings=c.warnings + added, **dict(zip(PLAN_WRITES, values)))
                for c, (values, added) in zip(cuts, known[1])], []
    planned, errors = plan.assign(cuts, site)
    if errors or any(p.warnings[:len(c.warnings)] != c.warnings for c, p in zip(cuts, planned)):
        cache.plan = None            # not the shape a replay can give back: plan again next time
    else:
        cache.plan = (signature, [(tuple(getattr(p, f) for f in PLAN_WRITES), p.warnings[len(c.warnings):])
                                  for c, p in zip(cuts, planned)])
    return planned, errors


def cut_article(article: Article, site: Site, layouts: Layouts) -> tuple[tuple[Cut, ...], list[SmmgenError]]:
    """One article's cuts for its platforms, and the errors of the platforms that could not cut it."""
    cuts: list[Cut] = []
    errors: list[SmmgenError] = []
    for name in platforms_for(article, site):
        ctx = CutContext(site=site, settings=site.platform(name), layouts=layouts)
        try:
            cuts.append(registry.get(name).render(article, ctx))
        except SmmgenError as e:
            errors.extend(getattr(e, "errors", [e]))
        except jinja2.TemplateError as e:
            errors.append(_template_error(e, site))
    return tuple(cuts), errors


# --- reusing and sharing work: the build cache and worker processes ---------------------------------------------

PARALLEL_MIN = 16
"""Fewer articles than this to parse and cut are done in this process: starting workers would cost more."""


@dataclass
class Prepared:
    """Articles and cuts made before the pipeline runs: found in the cache, or made by worker processes."""

    paths: list[Path]
    shas: dict[str, str] = field(default_factory=dict)                  # source -> sha256 of the file
    articles: dict[Path, Article] = field(default_factory=dict)
    cuts: dict[str, tuple[Cut, ...]] = field(default_factory=dict)      # source -> cuts before planning

    def remember(self, cache: BuildCache, articles: Sequence[Article]) -> None:
        """Record in ``cache`` every article that parsed, with its cuts if every platform could cut it."""
        from .cache import ArticleRecord

        for article in articles:
            sha = self.shas.get(article.source)
            if sha is None:
                continue
            deps = ((str(article.image), stamp(article.image)),) if article.image else ()
            made = () if article.draft else self.cuts.get(article.source)
            cache.articles[article.source] = ArticleRecord(sha, deps, article, made)
        cache.keep_only(self.shas)


def prepare(site: Site, layouts: Layouts, cache: BuildCache | None, workers: int) -> Prepared:
    """Hash every article file; take what the cache has for unchanged ones; parse and cut the rest in
    ``workers`` processes when there are enough of them (failures are left to the pipeline, which reports
    them with their file and line)."""
    ready = Prepared(find_article_files(site))
    missing: list[Path] = []
    for path in ready.paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue                          # load_article says why
        source = site.rel(path)
        ready.shas[source] = hashlib.sha256(data).hexdigest()
        record = cache.article(source, ready.shas[source]) if cache is not None else None
        if record is None:
            missing.append(path)
            continue
        ready.articles[path] = record.article
        if record.cuts is not None:
            ready.cuts[source] = record.cuts
    if workers > 1 and len(missing) >= PARALLEL_MIN:
        from .workers import pool as worker_pool

        chunks = [missing[i:i + 8] for i in range(0, len(missing), 8)]
        with worker_pool(workers, initializer=_start_worker, initargs=(site,)) as pool:
            for chunk, results in zip(chunks, pool.map(_parse_and_cut, chunks)):
                for path, (article, cuts) in zip(chunk, results):
                    if article is not None:
                        ready.articles[path] = article
                        if cuts is not None:
                            ready.cuts[article.source] = cuts
    return ready


_worker: dict[str, object] = {}


def _start_worker(site: Site) -> None:
    _worker["site"] = site
    _worker["layouts"] = Layouts(site.layouts_dir)


def _parse_and_cut(paths: list[Path]) -> list[tuple[Article | None, tuple[Cut, ...] | None]]:
    # Errors do not travel back (they do not pickle): the pipeline meets them again and reports them.
    site, layouts = _worker["site"], _worker["layouts"]
    out: list[tuple[Article | None, tuple[Cut, ...] | None]] = []
    for path in paths:
        try:
            article = load_article(path, site)  # type: ignore[arg-type]
        except SmmgenError:
            out.append((None, None))
            continue
        if article.draft:
            out.append((article, ()))
            continue
        cuts, errors = cut_article(article, site, layouts)  # type: ignore[arg-type]
        out.append((article, None if errors else cuts))
    return out


def _template_error(e: jinja2.TemplateError, site: Site) -> SmmgenError:
    name = getattr(e, "filename", None) or getattr(e, "name", None) or "layout"
    return ConfigError(site.rel(Path(name)) if name != "layout" else name, None,
                       f"template error: {e.message if hasattr(e, 'message') else e}",
                       line=getattr(e, "lineno", None))


def card_layout(article: Article, platform: str, site: Site) -> str:
    settings = site.platform(platform)
    return (article.social.override(platform).card or (settings.get("card") if settings else None)
            or article.card or ("photo" if article.image else "default"))


def card_request(cut: Cut, ref, article: Article, site: Site):
    from .cards import CardRequest

    return CardRequest(
        target=ref.target,
        layout=card_layout(article, cut.platform, site),
        title=article.title,
        site_name=site.name,
        kicker=article.section,
        date_text=long_date(article.date.astimezone(site.timezone), article.lang),
        lang=article.lang,
        hero=article.image,
        focus=article.image_focus,
        alt=ref.alt,
        source=article.source,
        line=article.line("image") or article.line("images"),
    )


def render_cards(cuts: Sequence[Cut], articles: dict[str, Article], site: Site, layouts: Layouts,
                 render_images: bool, workers: int | None,
                 cache: BuildCache | None = None) -> tuple[dict, list[SmmgenError]]:
    """The card of every media reference; each distinct request is drawn once, and not at all when the cache
    has its card and the file is still in output/cards."""
    if not render_images:
        return {}, check_heroes(articles.values())
    requests = sorted({card_request(c, ref, articles[c.source], site) for c in cuts for ref in c.media},
                      key=lambda r: (r.source, r.target, r.layout))
    if not requests:
        return {}, []
    cards: dict = {}
    missing = requests
    stamps: dict[Path, tuple] = {}
    if cache is not None:
        missing = []
        for req in requests:
            hero = stamps.setdefault(req.hero, stamp(req.hero)) if req.hero is not None else None
            card = cache.cards.get((req, hero))
            if card is not None and stamp(site.output_dir / card.path)[0] == card.bytes:
                cards[req] = card
            else:
                missing.append(req)
    if missing:
        from .cards import render_cards as render

        try:
            cards.update(render(missing, layout_dirs=[d / "cards" for d in layouts.dirs],
                                out_dir=site.output_dir, workers=workers or 1))
        except ErrorList as e:
            return {}, list(e.errors)
        except SmmgenError as e:
            return {}, [e]
    # In request order, whichever cards came from the cache: "the article's og card" is then the same one.
    cards = {req: cards[req] for req in requests if req in cards}
    if cache is not None:
        # Hero stamps taken before drawing: a hero that changes meanwhile is drawn again next time.
        cache.cards = {(req, stamps.get(req.hero) if req.hero is not None else None): card
                       for req, card in cards.items()}
    return cards, []


def check_heroes(articles) -> list[SmmgenError]:
    """Decode every hero once (at reduced size) so ``check`` catches broken images without rendering cards."""
    from .cards.hero import HeroError, load

    errors: list[SmmgenError] = []
    for article in articles:
        if article.image is None:
            continue
        try:
            load(article.image, [(1200, 630)])
        except HeroError as e:
            errors.append(ContentError(article.source, article.line("image") or article.line("images"),
                                       "image", str(e)))
    return errors


def media_files(cut: Cut, article: Article, cards: dict, site: Site) -> list[manifest.MediaFile]:
    files = []
    for ref in cut.media:
        card = cards.get(card_request(cut, ref, article, site)) if cards else None
        if card is None:
            continue
        files.append(manifest.MediaFile(
            role=ref.role, target=ref.target, path=card.path, url=card_url(card.path, site),
            width=card.width, height=card.height, bytes=card.bytes, sha256=card.sha256, format=card.format,
            alt=card.alt))
    return files
