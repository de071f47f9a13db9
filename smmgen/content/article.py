"""Articles: the frozen values a site's Markdown files become. Reading and validating them:
smmgen.content.reading (one file, the whole site), smmgen.content.front_matter_schema (the declared keys),
smmgen.content.article_media (the hero image and video clip); which files are articles: smmgen.content.discovery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType


@dataclass(frozen=True)
class PlatformOverride:
    """``social.<platform>``: what one platform does differently for this article."""

    text: str | None = None
    publish_at: dt.datetime | None = None
    expire_at: dt.datetime | None = None
    expire_after: dt.timedelta | None = None
    thread: bool | None = None
    link_position: str | None = None
    hashtags: bool | None = None
    card: str | None = None
    video: bool | tuple | None = None     # False: post no video here; (start, end) seconds: this cut of it


# Shared, being frozen: a build asks every article's every platform for its override, most of them have none.
_NO_OVERRIDE = PlatformOverride()


@dataclass(frozen=True)
class Social:
    platforms: tuple[str, ...] | None = None          # None: every enabled platform
    publish_at: dt.datetime | None = None
    expire_at: dt.datetime | None = None
    expire_after: dt.timedelta | None = None
    overrides: Mapping[str, PlatformOverride] = field(default_factory=lambda: MappingProxyType({}))

    def override(self, platform: str) -> PlatformOverride:
        return self.overrides.get(platform) or _NO_OVERRIDE


@dataclass(frozen=True)
class VideoRef:
    """The article's clip: ``video: {src, alt, poster, captions}`` (or Hugo's ``videos: [...]``, the first one)."""

    src: Path                        # absolute path, inside the site
    alt: str
    poster: Path | None = None       # an image shown before it plays; else a frame of the clip
    captions: Path | None = None     # a WebVTT file
    captions_lang: str = ""          # the captions' language ("" : the article's)
    line: int | None = None          # the front-matter line of `video`/`videos`, for messages


@dataclass(frozen=True)
class Article:
    source: str                      # path relative to the site root, e.g. "content/2026/budget.md"
    slug: str
    title: str                       # plain text (Markdown stripped, entities decoded)
    date: dt.datetime                # timezone-aware
    lang: str
    summary: str                     # plain text
    body_text: str                   # plain text, paragraphs separated by blank lines
    tags: tuple[str, ...]
    section: str | None
    url: str                         # canonical URL, without tracking parameters
    image: Path | None               # absolute path of the hero image, inside the site
    image_alt: str
    image_focus: tuple[float, float] | None
    card: str | None                 # card layout name
    draft: bool
    retracted: bool
    social: Social
    lines: Mapping[str, int]         # front-matter key -> line, for messages about this article
    publish_date: dt.datetime | None = None     # Hugo's publishDate: no post is due before it
    expiry_date: dt.datetime | None = None      # Hugo's expiryDate (unless [site] expire_with_page = false)
    ignored_keys: tuple[str, ...] = ()          # front-matter keys smmgen does not use (check --verbose lists them)
    key: str = ""                    # in ids and output paths: the slug, or "<slug>.<lang|path>" (``with_keys``)
    warnings: tuple[str, ...] = ()   # shown with every cut of the article (e.g. a hero that was not found)
    video: VideoRef | None = None    # the clip posted with the article (smmgen.video)

    def line(self, key: str) -> int | None:
        return self.lines.get(key) or self.lines.get(key.split(".")[0])
