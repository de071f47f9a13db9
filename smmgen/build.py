"""The build, as one visible pipeline: config -> articles -> cuts -> cards -> manifest -> output/."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from . import manifest, plan
from .config import Site
from .content import Article, load_articles
from .dates import long_date
from .errors import ConfigError, ContentError, ErrorList, SmmgenError
from .layouts import Layouts
from .output import atomic_write, prune
from .platforms import Cut, CutContext, registry
from .preview import render_preview

OUTPUT_SUBDIRS = ("cuts", "cards", "og", "preview")


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


def build(site: Site, *, render_images: bool = True, workers: int | None = None) -> BuildResult:
    """Everything the output is made of, and every problem found; writes nothing (see ``write_output``)."""
    layouts = Layouts(site.layouts_dir)
    articles, errors = load_articles(site)
    published = [a for a in articles if not a.draft]
    cuts, cut_errors = make_cuts(published, site, layouts)
    errors += cut_errors
    cuts, plan_errors = plan.assign(cuts, site)
    errors += plan_errors
    by_source = {a.source: a for a in published}
    cards, card_errors = render_cards(cuts, by_source, site, layouts, render_images, workers)
    errors += card_errors
    entries = tuple(manifest.entry(c, by_source[c.source], media_files(c, by_source[c.source], cards, site))
                    for c in cuts)
    return BuildResult(site=site, articles=tuple(published), drafts=tuple(a for a in articles if a.draft),
                       cuts=tuple(cuts), entries=tuple(sorted(entries, key=lambda e: e["id"])), cards=cards,
                       errors=tuple(errors))


def platforms_for(article: Article, site: Site) -> list[str]:
    chosen = article.social.platforms
    return [p.name for p in site.platforms if chosen is None or p.name in chosen]


def make_cuts(articles: Sequence[Article], site: Site, layouts: Layouts) -> tuple[list[Cut], list[SmmgenError]]:
    cuts: list[Cut] = []
    errors: list[SmmgenError] = []
    for article in articles:
        for name in platforms_for(article, site):
            ctx = CutContext(site=site, settings=site.platform(name), layouts=layouts)
            try:
                cut = registry.get(name).render(article, ctx)
            except SmmgenError as e:
                errors.extend(getattr(e, "errors", [e]))
                continue
            except jinja2.TemplateError as e:
                errors.append(_template_error(e, site))
                continue
            field = f"social.{name}.text" if article.social.override(name).text else None
            errors.extend(ContentError(article.source, article.line(field or "title"), None, message)
                          for message in cut.errors)
            cuts.append(cut)
    return cuts, errors


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
                 render_images: bool, workers: int | None) -> tuple[dict, list[SmmgenError]]:
    if not render_images:
        return {}, []
    from .cards import render_cards as render

    requests = sorted({card_request(c, ref, articles[c.source], site) for c in cuts for ref in c.media},
                      key=lambda r: (r.source, r.target, r.layout))
    if not requests:
        return {}, []
    try:
        return render(requests, layout_dirs=[d / "cards" for d in layouts.dirs], out_dir=site.output_dir,
                      workers=workers or 1), []
    except ErrorList as e:
        return {}, list(e.errors)
    except SmmgenError as e:
        return {}, [e]


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


def card_url(path: str, site: Site) -> str | None:
    if not site.cards_base_url:
        return None
    return f"{site.cards_base_url}/{path.removeprefix('cards/')}"


# --- writing ---------------------------------------------------------------------------------------------------

def write_output(result: BuildResult, extra_files: dict[Path, bytes] | None = None) -> int:
    """Write output/ from a successful build; returns how many files changed. Stale files are removed."""
    site = result.site
    out = site.output_dir
    files: dict[Path, bytes] = {}
    for cut in result.cuts:
        files[out / "cuts" / cut.slug / f"{cut.platform}.txt"] = cut_text_file(cut)
    for article in result.articles:
        files[out / "og" / f"{article.slug}.html"] = og_snippet(article, result)
    files.update(render_preview(result))
    files.update(extra_files or {})
    changed = sum(atomic_write(path, data) for path, data in sorted(files.items()))
    card_files = {out / card.path for card in result.cards.values()}
    manifest_path = out / "manifest.json"
    # The manifest goes last: a reader never sees it pointing at files that are not there yet.
    changed += atomic_write(manifest_path, manifest.dumps(manifest.document(site, result.entries)))
    prune(out, set(files) | card_files | {manifest_path}, OUTPUT_SUBDIRS)
    return changed


def cut_text_file(cut: Cut) -> bytes:
    return ("\n\n--- ✂ ---\n\n".join(cut.parts) + "\n").encode()


def og_snippet(article: Article, result: BuildResult) -> bytes:
    """Open Graph / Twitter meta tags for the article page, so scraping platforms show our card."""
    site = result.site
    card = next((c for (req, c) in result.cards.items() if req.source == article.source and req.target == "og"),
                None)
    e = html.escape
    tags = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", site.name),
        ("property", "og:title", article.title),
        ("property", "og:description", article.summary),
        ("property", "og:url", article.url),
        ("property", "og:locale", article.lang.replace("-", "_")),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", article.title),
        ("name", "twitter:description", article.summary),
    ]
    if card is not None:
        image_url = card_url(card.path, site) or f"{site.base_url}/{card.path}"
        tags += [
            ("property", "og:image", image_url),
            ("property", "og:image:width", str(card.width)),
            ("property", "og:image:height", str(card.height)),
            ("property", "og:image:type", f"image/{card.format}"),
            ("property", "og:image:alt", card.alt),
            ("name", "twitter:image", image_url),
            ("name", "twitter:image:alt", card.alt),
        ]
    lines = [f'<meta {attr}="{e(key)}" content="{e(value)}">' for attr, key, value in tags]
    return ("\n".join(lines) + "\n").encode()
