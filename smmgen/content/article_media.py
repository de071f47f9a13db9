"""The files an article attaches, found inside the site: its hero image (front matter, page bundle or the
site's default) and its video clip, with their alt texts; an image the front matter names but that is missing is
an error on a site of smmgen's own and a warning on a Hugo or Jekyll site."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smmgen.config.site import Site
from smmgen.content.article import Article, VideoRef
from smmgen.errors import ContentError
from smmgen.site_files import inside

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp"}
CAPTION_SUFFIXES = {".vtt"}


_BUNDLE_HERO = re.compile(r"^(?:featured|cover).*|.*feature.*", re.I)


def hero_image(v: Mapping[str, Any], path: Path, site: Site, shown: str,
          lines: Mapping[str, int]) -> tuple[Path | None, str, tuple[str, ...]]:
    """The hero image, its alt text and warnings: the front matter's ``image`` (a path or jekyll-seo-tag's
    ``{path, alt}``), ``images[0]`` or ``featured_image``; else a page bundle's ``featured*``/``cover*``/
    ``*feature*`` image beside ``index.md``; else the site's ``default_image``.

    An image the front matter names but that is not found is an error on a site of smmgen's own; on a Hugo or
    Jekyll site (``generator``) it is a warning and the text card, since themes resolve such paths in ways smmgen
    cannot follow (assets pipelines, theme folders) and the site itself builds."""
    alt = (v["image_alt"] or "").strip()
    image, key = v["image"], "image"
    if image is not None:
        image, alt = image[0], alt or (image[1] or "").strip()
    elif v["images"]:
        image, key = v["images"][0], "images"
    elif v["featured_image"]:
        image, key = v["featured_image"], "featured_image"
    elif v["cover"]:
        image, key = v["cover"][0], "cover"
        alt = alt or (v["cover"][1] or "").strip()
    named = image is not None
    if image is None:
        bundled = _bundle_hero(path, site)
        if bundled is not None:
            return bundled, alt, () if alt else (f"the hero {site.rel(bundled)} has no image_alt; posted "
                                                 "without a description of the picture",)
        if site.default_image:
            image, key = site.default_image, "image"
            # The site's one picture: described once in smmgen.toml, or reported once per build (BuildResult).
            alt = (site.default_image_alt or "").strip()
    if image is None:
        return None, alt, ()
    try:
        found = _resolve_image(image, path, site, shown, lines.get(key) if named else None, key)
    except ContentError as e:
        if not site.generator or "outside the site" in e.detail:
            raise
        return None, alt, (f"{key}: {e.detail}; the card is the text card",)
    if not alt and not named:
        return found, "", ()
    if not alt:
        if not site.generator:
            raise ContentError(shown, lines.get(key), "image_alt",
                               "required when an image is set: describe the picture for people who cannot see it")
        return found, "", (f"{key}: no image_alt; posted without a description of the picture",)
    return found, alt, ()


def looked_for_in_vain(article: Article) -> bool:
    """The article names a hero or a clip that was not found (on a generator's site a warning, not an error): it
    may appear anywhere the generator would look, so nothing made of the article is settled by its bytes. Its
    other warnings (no alt text, a date or a key Jekyll reads leniently) are."""
    lines = article.lines
    return (article.image is None and any(key in lines for key in ("image", "images", "featured_image", "cover"))
            or article.video is None and any(key in lines for key in ("video", "videos")))


def bundle_folder(article: Article, root: Path | None) -> Path | None:
    """The folder of a page bundle whose hero smmgen looked for there and found none (``root``: the site's, for a
    site with a generator; None otherwise)."""
    if root is None or article.image is not None or Path(article.source).name.split(".", 1)[0] != "index":
        return None
    return root / Path(article.source).parent


def _bundle_hero(path: Path, site: Site) -> Path | None:
    stem = path.name.split(".", 1)[0]
    if stem != "index" or not site.generator:
        return None
    try:
        candidates = sorted(p for p in path.parent.iterdir()
                            if p.suffix.lower() in IMAGE_SUFFIXES and _BUNDLE_HERO.match(p.stem))
    except OSError:
        return None
    return next((found for p in candidates if (found := inside(p, site.root)) is not None and found.is_file()), None)


def video_clip(v: Mapping[str, Any], path: Path, site: Site, shown: str,
           lines: Mapping[str, int]) -> tuple[VideoRef | None, tuple[str, ...]]:
    """The clip of ``video`` or ``videos[0]``, its files found inside the site (``alt`` is required), and warnings.
    As with images, on a Hugo or Jekyll site a file not found is a warning (the theme may serve it from
    elsewhere, or ``videos`` lists remote URLs for og:video): the article posts its card."""
    key = "video" if v["video"] is not None else "videos"
    table = v["video"] if v["video"] is not None else (v["videos"][0] if v["videos"] else None)
    if table is None:
        return None, ()
    line = lines.get(key)
    try:
        src = _resolve_image(table["src"], path, site, shown, line, key, suffixes=None)
    except ContentError as e:
        if not site.generator or "outside the site" in e.detail:
            raise
        return None, (f"{key}: {e.detail}; no video is posted",)
    alt = (table["alt"] or v["video_alt"] or "").strip()
    if not alt:
        raise ContentError(shown, line, f"{key}.alt" if key == "video" else "video_alt",
                           "required when a video is set: describe what the clip shows for people who cannot "
                           "see it")
    poster = _resolve_image(table["poster"], path, site, shown, line, f"{key}.poster") if table["poster"] else None
    captions = _resolve_image(table["captions"], path, site, shown, line, f"{key}.captions",
                              suffixes=CAPTION_SUFFIXES) if table["captions"] else None
    return VideoRef(src, alt, poster, captions, table["captions_lang"] or "", line), ()


def _resolve_image(ref: str, article_path: Path, site: Site, shown: str, line: int | None,
                   key: str = "image", suffixes: set[str] | None = IMAGE_SUFFIXES) -> Path:
    if re.match(r"^[a-z][a-z0-9+.-]*://", ref, re.I):
        raise ContentError(shown, line, key, f"remote files are not fetched ({ref}); save the file under "
                                             "content/ and give its path")
    bases = [site.content_dir, site.root / "static", site.root] if ref.startswith("/") else \
        [article_path.parent, site.content_dir]
    if site.generator:
        # Site-relative on a generator's site: Hugo serves static/ and assets/ from the root, Jekyll the site
        # folder itself; a relative path may be the site's too (Jekyll's image: assets/x.jpg).
        bases = list(dict.fromkeys([*bases, site.source_dir or site.root, site.root / "static",
                                    site.root / "assets", site.root]))
    root = site.root
    for base in bases:
        candidate = inside(base / ref.lstrip("/"), root)
        if candidate is None:
            raise ContentError(shown, line, key, f'"{ref}" points outside the site folder; keep images '
                                                 "inside content/")
        if candidate.is_file():
            if suffixes is not None and candidate.suffix.lower() not in suffixes:
                what = "an image" if suffixes is IMAGE_SUFFIXES else "a captions"
                raise ContentError(shown, line, key, f'"{ref}" is not {what} file '
                                                     f"(expected one of {', '.join(sorted(suffixes))})")
            return candidate
    raise ContentError(shown, line, key, f'"{ref}" not found (looked in '
                                         f"{', '.join(site.rel(b) or '.' for b in bases)})")
