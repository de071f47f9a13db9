"""What the preview pages show, computed from a build: articles newest first, each with its posts.

Everything comes from the manifest entries (``ManifestEntry``: what will be posted) plus the site's account
settings. Paths of
images are relative to the output dir; each page prefixes them with the way up from where it sits.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from smmgen.errors import flatten
from smmgen.manifest import iso
from smmgen.manifest_model import ManifestEntry, Media
from smmgen.preview.looks import Look, look_for, unit_label
from smmgen.preview.text import Segment, segments, telegram_html_segments

STATUSES = ("ok", "warning", "error")
DEFAULT_CARD = (1200, 630)     # the Open Graph shape, for platforms whose card target is unknown


@dataclass(frozen=True)
class Image:
    path: str | None          # relative to the output dir; None: the card was not rendered (placeholder)
    width: int
    height: int
    alt: str
    frame: tuple[int, int]    # the box the platform shows it in (the image is cropped to fill it)

    @property
    def cropped(self) -> bool:
        fw, fh = self.frame
        return abs(self.width * fh - self.height * fw) > 0.02 * self.height * fw


@dataclass(frozen=True)
class Clip:
    """A video posted with the text: the network's own variant (its crop), with its poster."""

    path: str                 # relative to the output dir
    poster: str | None
    captions: str | None
    captions_lang: str
    width: int
    height: int
    duration: float           # seconds
    alt: str
    target: str

    @property
    def badge(self) -> str:
        """The duration as players show it: 0:07, 2:20, 1:02:03."""
        total = max(0, round(self.duration))
        hours, rest = divmod(total, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@dataclass(frozen=True)
class LinkCard:
    url: str
    domain: str
    title: str
    description: str
    image: Image | None


@dataclass(frozen=True)
class Account:
    display_name: str
    handle: str
    avatar: str | None        # relative to the output dir
    initials: str


@dataclass(frozen=True)
class Part:
    text: str
    length: int
    limit: int
    level: str                # "ok" | "near" | "over"
    look: Look = field(repr=False, compare=False)    # the post's, which shows in its own repr
    html: bool = False        # Telegram HTML parse mode: the text carries markup
    facets: Sequence[Any] | None = None              # Bluesky facets of this part

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The styled runs, worked out when a page shows them: kept for every post of a large site, they would
        cost more memory than anything else in the build."""
        if self.html:
            return telegram_html_segments(self.text, self.look)
        return segments(self.text, self.look, self.facets)

    @property
    def counter(self) -> str:
        return f"{self.length}/{self.limit}"

    @property
    def fill(self) -> int:
        """Percent of the limit used, capped at 100 (for the meter)."""
        return min(100, round(100 * self.length / self.limit)) if self.limit else 100


@dataclass(frozen=True)
class Post:
    id: str
    platform: str
    look: Look
    account: Account
    parts: tuple[Part, ...]
    unit: str
    unit_label: str
    attached: Image | None    # an image posted with the text (Instagram, attached cards)
    card: LinkCard | None     # the link-preview box
    card_part: int            # the part the box hangs under: the one with the link (threads)
    warnings: tuple[str, ...]
    errors: tuple[str, ...]
    status: str
    publish_at: str           # in the site's time zone, for people
    expire_at: str | None
    publish_iso: str
    expire_iso: str | None
    date_text: str            # how the platform's header shows the time ("24 Nov")
    lang: str
    hold: str | None = None   # why the build holds it back (adopted, not_before, no slot): never posted
    video: Clip | None = None  # the video posted with it (then no image and no link card)
    account_name: str = ""    # the account it goes to; the platform's name for its default account

    @property
    def anchor(self) -> str:
        """The post's id in its article's page: the platform, with the account where it is not the default."""
        return self.platform if self.account_name in ("", self.platform) else f"{self.platform}-{self.account_name}"

    @property
    def is_thread(self) -> bool:
        return len(self.parts) > 1

    @property
    def counter(self) -> str:
        """The longest part against the limit, for the summary line."""
        return max(self.parts, key=lambda p: p.length).counter if self.parts else "0/0"


@dataclass(frozen=True)
class ArticleView:
    slug: str
    source: str
    title: str
    summary: str
    url: str
    lang: str
    tags: tuple[str, ...]
    date_text: str
    date_iso: str
    errors: tuple[str, ...]   # "file:line: message" lines that belong to this article
    status: str
    page: str | None          # relative to the preview dir; None when the article could not be read
    key: str | None = None    # a hash of everything the view shows, when the build can tell (see ``view_key``)
    # Posts are made when a page shows them: a page whose key is unchanged is not rendered at all.
    make_posts: Callable[[], tuple[Post, ...]] = field(default=tuple, repr=False, compare=False)

    @cached_property
    def posts(self) -> tuple[Post, ...]:
        return self.make_posts()

    def forget_posts(self) -> None:
        """Drop the posts made for showing this view (they are made again if asked for): kept for every article
        of a large site, they would be much of what a build holds in memory."""
        self.__dict__.pop("posts", None)

    def identity(self) -> object:
        """What a page showing this view hashes for it: its key, or (without one) all it shows."""
        return self.key if self.key is not None else (self, self.posts)

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(p.platform for p in self.posts)

    @property
    def warning_count(self) -> int:
        return sum(len(p.warnings) for p in self.posts)


@dataclass(frozen=True)
class PreviewData:
    site_name: str
    timezone: str
    platforms: tuple[tuple[str, str], ...]     # (name, title) of the enabled platforms, in site order
    articles: tuple[ArticleView, ...]          # newest first
    errors: tuple[str, ...]                    # problems not tied to an article shown in the preview
    error_count: int                           # every problem of the build, these and the articles' own
    avatars: Mapping[str, Path]                # output-relative path -> source file to copy
    # (name, "Platform @handle") of every account, when the site has more than one account on a platform
    accounts: tuple[tuple[str, str], ...] = ()


def worst(statuses: Sequence[str]) -> str:
    return max(statuses, key=STATUSES.index, default="ok")


def local_text(when: dt.datetime, tz) -> str:
    local = when.astimezone(tz)
    return f"{local:%a %-d %b %Y, %H:%M} {local.tzname()}"


@functools.lru_cache(maxsize=256)      # asked for every post's account: a site has a few
def _initials(name: str) -> str:
    words = [w for w in re.split(r"\W+", name) if w and w.lower() not in ("the", "a", "an")]
    return ("".join(w[0] for w in words[:2]) or name[:1] or "?").upper()


def _platform_title(name: str) -> str:
    try:
        from smmgen.platforms import registry

        return registry.get(name).SPEC.title
    except (ImportError, KeyError, AttributeError):   # a platform not known here still gets its preview
        return look_for(name).title


def _card_target_size(name: str) -> tuple[int, int]:
    try:
        from smmgen.cards.targets import TARGETS
        from smmgen.platforms import registry

        target = TARGETS.get(registry.get(name).SPEC.card_target or "")
    except (ImportError, KeyError, AttributeError):   # no such platform or target: the Open Graph shape
        return DEFAULT_CARD
    return (target.width, target.height) if target else DEFAULT_CARD


def account_for(site, platform: str, avatars: dict[str, Path], account: str | None = None) -> Account:
    from smmgen.config.accounts import account_named

    named = account_named(site, account) if account and account != platform else None
    settings = named.settings if named is not None else site.platform(platform)
    display = (settings.display_name if settings else "") or site.name
    handle = (settings.handle if settings else "") or ""
    avatar_setting = settings.get("avatar") if settings else None
    avatar = None
    if avatar_setting:
        source = (site.root / avatar_setting).resolve()
        if source.is_file() and source.is_relative_to(site.root):
            avatar = f"preview/avatars/{named.name if named else platform}{source.suffix.lower()}"
            avatars[avatar] = source
    return Account(display_name=display, handle=handle, avatar=avatar, initials=_initials(display))


def _image(media: Media, look: Look, own_frame: bool) -> Image:
    width, height = media.width, media.height
    frame = (width, height) if own_frame or look.card_aspect is None else look.card_aspect
    return Image(path=media.name, width=width, height=height, alt=media.alt, frame=frame)


def _placeholder(platform: str, look: Look, alt: str) -> Image:
    width, height = _card_target_size(platform)
    return Image(path=None, width=width, height=height, alt=alt, frame=look.card_aspect or (width, height))


def _instagram_frame(image: Image) -> Image:
    # Instagram shows feed images between 4:5 and 1.91:1 [I1]: anything outside is cropped to the nearest.
    ratio = image.width / image.height
    frame = (4, 5) if ratio < 0.8 else (191, 100) if ratio > 1.91 else (image.width, image.height)
    return Image(image.path, image.width, image.height, image.alt, frame)


def post_view(entry: ManifestEntry, article, site, avatars: dict[str, Path], cut_errors: Sequence[str],
              title: str) -> Post:
    platform = entry.platform
    look = look_for(platform, title)
    extra = entry.extra
    lengths = entry.lengths
    limit = entry.limit
    parts = []
    for i, text in enumerate(entry.parts):
        length = lengths[i] if i < len(lengths) else 0
        level = "over" if length > limit else "near" if length > 0.9 * limit else "ok"
        html = str(extra.get("parse_mode", "")).upper() == "HTML"
        parts.append(Part(text, length, limit, level, look, html, None if html else _facets(extra, i)))
    video = _clip(next((m for m in entry.media if m.is_video), None))
    media = [m for m in entry.media if not m.is_video]
    attach = next((m for m in media if m.role == "attach"), None)
    card_media = next((m for m in media if m.role in ("link_card", "scraped")), None)
    alt = article.image_alt or article.title
    attached = None
    if attach is not None:
        attached = _image(attach, look, own_frame=True)
    elif platform == "instagram" and video is None:
        attached = _placeholder(platform, look, alt)
    if attached is not None and platform == "instagram":
        attached = _instagram_frame(attached)
    card = None
    link = entry.link
    if look.link_card and link and attached is None and video is None:
        image = _image(card_media, look, own_frame=False) if card_media else _placeholder(platform, look, alt)
        # Where the cut carries the card's own text (Bluesky's external embed), that is what gets posted.
        external = extra.get("external") if isinstance(extra.get("external"), Mapping) else {}
        card = LinkCard(url=link, domain=(urlsplit(article.url).hostname or "").removeprefix("www."),
                        title=str(external.get("title") or article.title),
                        description=str(external.get("description") or article.summary), image=image)
    errors = tuple(cut_errors) + tuple(
        f"part {i + 1} is {p.counter} {entry.unit}" for i, p in enumerate(parts) if p.level == "over"
        and not cut_errors)
    warnings = entry.warnings
    status = post_status(cut_errors, warnings, [p.length for p in parts], limit)
    publish_at, expire_at = entry.publish_at, entry.expire_at
    local = publish_at.astimezone(site.timezone)
    return Post(
        id=entry.id, platform=platform, look=look,
        account=account_for(site, platform, avatars, entry.account), account_name=entry.account,
        parts=tuple(parts), unit=entry.unit, unit_label=unit_label(entry.unit),
        attached=attached, card=card, card_part=_card_part(entry, extra),
        warnings=warnings, errors=errors, status=status,
        publish_at=local_text(publish_at, site.timezone),
        expire_at=local_text(expire_at, site.timezone) if expire_at else None,
        publish_iso=iso(publish_at), expire_iso=iso(expire_at),
        date_text=f"{local:%-d %b}", lang=article.lang, hold=entry.hold, video=video,
    )


def _clip(item: Media | None) -> Clip | None:
    if item is None:
        return None
    return Clip(path=item.name, poster=item.poster.name if item.poster else None,
                captions=item.captions.name if item.captions else None,
                captions_lang=item.captions.lang if item.captions else "", width=item.width, height=item.height,
                duration=item.duration or 0.0, alt=item.alt, target=item.target)


def post_status(cut_errors: Sequence[str], warnings: Sequence[str], lengths: Sequence[int], limit: int) -> str:
    """A post's status: "error" when its cut failed or a part is over the limit, "warning" when it has
    warnings, else "ok"."""
    if cut_errors or any(length > limit for length in lengths):
        return "error"
    return "warning" if warnings else "ok"


def _facets(extra: Mapping[str, Any], part: int) -> list | None:
    """Bluesky facets of one part: ``extra.facets`` is a list per part (or, for one part, a flat list)."""
    facets = extra.get("facets")
    if not isinstance(facets, (list, tuple)) or not facets:     # tuples in a built entry, lists in a read one
        return None
    if all(isinstance(f, (list, tuple)) for f in facets):
        return facets[part] if part < len(facets) else None
    return facets if part == 0 else None


def _card_part(entry: ManifestEntry, extra: Mapping[str, Any]) -> int:
    """The part the link box hangs under: the cut's say (``external_part``), else the part with the link."""
    declared = extra.get("external_part")
    if isinstance(declared, int) and 0 <= declared < len(entry.parts):
        return declared
    link = entry.link
    return next((i for i, text in enumerate(entry.parts) if link and link in text), 0)


def view_key(output_key: str, own_errors: Sequence[str], cut_errors: Sequence[Sequence[str]]) -> str:
    """The key of an article's view: its output's key (``smmgen.build.article_outputs``: everything the manifest entries are
    made from) with the errors the preview shows beside them; the site's settings are in the cache's
    fingerprint."""
    return hashlib.sha256(repr((output_key, tuple(own_errors), tuple(map(tuple, cut_errors)))).encode()).hexdigest()


def _posts_maker(output, article, site, avatars: dict[str, Path], cut_errors: Mapping[str, tuple[str, ...]],
                 titles: Mapping[str, str], order: Sequence[str]) -> Callable[[], tuple[Post, ...]]:
    def make() -> tuple[Post, ...]:
        if output is None:
            return ()
        entries = sorted(output.entries, key=lambda e: (order.index(e.platform) if e.platform in order
                                                        else len(order), e.platform))
        return tuple(post_view(e, article, site, avatars, cut_errors.get(e.id, ()),
                               titles.get(e.platform) or e.platform) for e in entries)
    return make


def error_lines(errors: Sequence[Any]) -> list[tuple[str | None, str]]:
    """``(path, "file:line: message")`` for every error, lists flattened."""
    out = []
    for one in flatten(errors):
        out.append((getattr(one, "path", None), getattr(one, "message", None) or str(one)))
    return out


def preview_data(result) -> PreviewData:
    """The preview of a build; works on a failed build too (articles that loaded, errors beside them)."""
    site = result.site
    order = [p.name for p in site.platforms]
    titles = {name: _platform_title(name) for name in order}
    cut_errors = {c.id: tuple(c.errors) for c in result.cuts}
    errors = error_lines(result.errors)
    by_source: dict[str, list[str]] = {}
    for path, message in errors:
        by_source.setdefault(path or "", []).append(message)
    avatars: dict[str, Path] = {}
    posted = {(c.platform, c.account or c.platform) for c in result.cuts}
    for name, account in sorted(posted, key=lambda pa: (order.index(pa[0]) if pa[0] in order else len(order), pa)):
        account_for(site, name, avatars, account)     # fills ``avatars``: posts are made later, if at all
    outputs = {o.article.source: o for o in result.outputs}
    views = []
    for article in result.articles:
        own_errors = tuple(dict.fromkeys(by_source.pop(article.source, [])))
        output = outputs.get(article.source)
        cuts = sorted(output.cuts if output is not None else (),
                      key=lambda c: (order.index(c.platform) if c.platform in order else len(order), c.platform))
        statuses = [post_status(cut_errors.get(c.id, ()), c.warnings, c.lengths[:len(c.parts)], c.limit)
                    for c in cuts]
        views.append(ArticleView(
            slug=article.slug, source=article.source, title=article.title, summary=article.summary,
            url=article.url, lang=article.lang, tags=tuple(article.tags),
            date_text=local_text(article.date, site.timezone),
            date_iso=article.date.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            errors=own_errors, status="error" if own_errors else worst(statuses),
            page=f"articles/{article.key}.html",
            key=view_key(output.key, own_errors, [cut_errors.get(c.id, ()) for c in cuts])
            if output is not None and output.key is not None else None,
            make_posts=_posts_maker(output, article, site, avatars, cut_errors, titles, order)))
    views.sort(key=lambda v: (v.date_iso, v.source), reverse=True)
    drafts = {a.source for a in getattr(result, "drafts", ())}
    # Articles that failed to load have no Article: they are listed by file, with their errors, at the top.
    broken = [ArticleView(slug="", source=path, title=path, summary="", url="", lang="", tags=(), date_text="",
                          date_iso="", errors=tuple(dict.fromkeys(messages)), status="error", page=None)
              for path, messages in sorted(by_source.items()) if path and path not in drafts
              and path.startswith(site.rel(site.content_dir) + "/")]
    for view in broken:
        by_source.pop(view.source, None)
    general = tuple(m for messages in by_source.values() for m in dict.fromkeys(messages))
    from smmgen.config.accounts import accounts

    every = accounts(site)
    shown = tuple((a.name, f"{titles.get(a.platform, a.platform)} {a.handle}".strip()) for a in every) \
        if any(not a.is_default for a in every) else ()
    return PreviewData(site_name=site.name, timezone=site.timezone.key,
                       platforms=tuple((n, titles[n]) for n in order), articles=tuple(broken + views),
                       errors=general, error_count=len(errors), avatars=avatars, accounts=shown)
