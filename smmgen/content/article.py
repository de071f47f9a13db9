"""Articles: content/**/*.md (and the other Markdown extensions) with front matter, validated against a declared
schema into frozen Articles. Which files are articles: smmgen.content.discovery.

Errors carry file and line (``content/2026/budget.md:4: social.publish_at: not a date: "tomorrow-ish"``) and are
collected per file, so one bad article never hides the problems of the others.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from smmgen.config import controls
from smmgen.config import schema as s
from smmgen.config.lines import nearest_line
from smmgen.config.site import Site
from smmgen.content import discovery
from smmgen.content.front_matter import parse, read_article_text
from smmgen.content.links import article_url, lang_suffix, language_of
from smmgen.content.markup import first_paragraph, inline_text, prose_text
from smmgen.errors import ContentError, SmmgenError, flatten
from smmgen.platforms import registry
from smmgen.site_files import inside

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp"}
CAPTION_SUFFIXES = {".vtt"}

# Keys that Hugo and Jekyll front matter commonly carries and smmgen has no use for: accepted and ignored, and
# not listed by ``check --verbose`` (nor are ``[site] extra_front_matter``'s).
GENERATOR_KEYS = frozenset({
    "author", "authors", "layout", "weight", "aliases", "lastmod", "toc", "permalink", "type", "menu",
    "linkTitle", "comments", "markup", "outputs", "resources", "sitemap", "featured", "cascade", "params",
})

# Hugo's aliases of the keys smmgen reads (Hugo matches front-matter keys without regard to case).
_ALIASES = {"publishdate": "publishDate", "pubdate": "publishDate", "expirydate": "expiryDate",
            "unpublishdate": "expiryDate", "_build": "build"}


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


# --- the front-matter schema -----------------------------------------------------------------------------------

def _datetime(tz: ZoneInfo):
    def convert(value: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            when = value
        elif isinstance(value, dt.date):
            when = dt.datetime.combine(value, dt.time())
        elif isinstance(value, str):
            try:
                when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise s.Invalid(f"not a date: {s.shown(value)} (write e.g. 2026-11-20T09:30:00+01:00)") from None
        else:
            raise s.Invalid(f"not a date: {s.shown(value)} (write e.g. 2026-11-20T09:30:00+01:00)")
        s.in_years(when)
        return when if when.tzinfo else _localize(when, tz)
    return convert


def _localize(naive: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    # A wall-clock time that does not exist (spring forward) moves forward; an ambiguous one takes the first.
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(dt.timezone.utc).astimezone(tz)
    return aware if round_trip.replace(tzinfo=None) == naive else round_trip


def _slug(value: Any) -> str:
    """The slug as written, of letters, digits and single hyphens. Upper case is accepted: Hugo lowercases the
    slug in the page's URL (unless the site disables it), and the article's ``slug`` (its ids) is lowercased."""
    text = s.string(value).strip()
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", text, re.I | re.A):
        raise s.Invalid(f"expected letters, digits and single hyphens, got {s.shown(text)}")
    return text


def _url_or_path(value: Any) -> str:
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value
    return s.url(value)


def _image_ref(value: Any, name: str = "path") -> tuple[str, str | None]:
    """``image: x.jpg``, or jekyll-seo-tag's ``image: {path: x.jpg, alt: ...}``: (path, alt). Other keys of the
    table (a caption, a theme's options) are the theme's."""
    if isinstance(value, Mapping):
        result = s.validate({k: v for k, v in value.items() if k in (name, "alt")},
                            {name: s.Field(s.nonempty_string, required=True), "alt": s.Field(s.string)})
        if result.problems:
            raise s.Invalid(f"{result.problems[0].key}: {result.problems[0].message}")
        return result.values[name], result.values["alt"]
    return s.nonempty_string(value), None


def _cover(value: Any) -> tuple[str, str | None] | None:
    """PaperMod's ``cover``: a table of theme options, with an ``image`` or (``hidden: true`` alone) without."""
    if isinstance(value, Mapping) and not value.get("image"):
        return None
    return _image_ref(value, "image")


def _tag(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    text = s.nonempty_string(value).strip()
    if len(text) > 64:
        raise s.Invalid(f"tag longer than 64 characters: {s.shown(text)}")
    return text


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):      # `tags: politics` is a common slip for a one-item list
        value = [value]
    tags = s.list_of(_tag)(value)
    return tuple(dict.fromkeys(tags))


def _spaced_tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):      # Jekyll: `categories: news politics` is a list separated by spaces
        value = value.split()
    return _tags(value)


def _title(value: Any) -> str:
    # YAML reads `title: 2025` as a number and `title: 2025-01-01` as a date; Hugo and Jekyll show the text.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    elif isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    return s.nonempty_string(value)


def _published(tz: ZoneInfo):
    # Jekyll: `published: false` keeps a post unpublished. Hugo: `published` is another name for publishDate.
    as_date = _datetime(tz)

    def convert(value: Any) -> bool | dt.datetime:
        return value if isinstance(value, bool) else as_date(value)
    return convert


def _focus(value: Any) -> tuple[float, float]:
    pair = s.list_of(s.number(0.0, 1.0))(value)
    if len(pair) != 2:
        raise s.Invalid(f"expected [x, y] between 0 and 1, got {s.shown(value)}")
    return (pair[0], pair[1])


_CARD_TABLE = s.table({"layout": s.Field(s.nonempty_string, required=True)})


def _card(value: Any) -> str:
    """The card layout's name, written ``card: name`` or as a table ``card: {layout: name}`` (``[card]``)."""
    if isinstance(value, Mapping):
        return _CARD_TABLE(value)["layout"]
    return s.nonempty_string(value)


def _platform_names(value: Any) -> tuple[str, ...]:
    names = s.list_of(s.string)(value)
    unknown = [n for n in names if n not in registry.names()]
    if unknown:
        raise s.Invalid(f"unknown platform {s.shown(unknown[0])} (known: {', '.join(registry.names())})")
    return tuple(dict.fromkeys(names))


def _override_schema(tz: ZoneInfo) -> dict[str, s.Field]:
    return {
        "text": s.Field(s.nonempty_string, doc="Post text used as written (never cut; an error if too long)."),
        "publish_at": s.Field(_datetime(tz)),
        "expire_at": s.Field(_datetime(tz)),
        "expire_after": s.Field(s.duration),
        "thread": s.Field(s.boolean, doc="Split a long text into a numbered thread."),
        "link_position": s.Field(s.choice("first", "last"), doc="Where the link goes in a thread."),
        "hashtags": s.Field(s.boolean, doc="Append hashtags from tags."),
        "card": s.Field(s.nonempty_string, doc="Card layout for this platform."),
        "video": s.Field(_video_override, doc="false: post no video here; {start, end}: post this cut of it."),
    }


def _video_override(value: Any) -> bool | tuple[float, float | None]:
    if isinstance(value, bool):
        return value
    if not isinstance(value, Mapping):
        raise s.Invalid(f"expected false or {{start, end}} in seconds, got {s.shown(value)}")
    result = s.validate(value, {"start": s.Field(s.number(0.0, 86400.0), default=0.0),
                                "end": s.Field(s.number(0.0, 86400.0))})
    if result.problems:
        raise s.Invalid(f"{result.problems[0].key}: {result.problems[0].message}")
    start, end = float(result.values["start"]), result.values["end"]
    if end is not None and end <= start:
        raise s.Invalid(f"end {end:g} is not after start {start:g}")
    return (start, float(end) if end is not None else None)


def _video_table(value: Any) -> dict[str, Any]:
    """``video: media/x.mp4`` or ``video: {src, alt, poster, captions, captions_lang}``."""
    if isinstance(value, str):
        value = {"src": value}
    if not isinstance(value, Mapping):
        raise s.Invalid(f"expected a path or {{src, alt, poster, captions}}, got {s.shown(value)}")
    result = s.validate(value, {"src": s.Field(s.nonempty_string, required=True), "alt": s.Field(s.string),
                                "poster": s.Field(s.nonempty_string), "captions": s.Field(s.nonempty_string),
                                "captions_lang": s.Field(s.nonempty_string)})
    if result.problems:
        raise s.Invalid(f"{result.problems[0].key}: {result.problems[0].message}")
    return result.values


def _social_schema(tz: ZoneInfo) -> dict[str, s.Field]:
    fields = {
        "platforms": s.Field(_platform_names),
        "publish_at": s.Field(_datetime(tz)),
        "expire_at": s.Field(_datetime(tz)),
        "expire_after": s.Field(s.duration),
    }
    for name in registry.names():
        fields[name] = s.Field(s.table(_override_schema(tz)))
    return fields


def front_matter_schema(site: Site) -> dict[str, s.Field]:
    tz = site.timezone
    rules = getattr(site, "content_rules", None)
    sources = rules.hashtag_sources if rules is not None else ("tags",)
    ignored = lambda v: v  # noqa: E731 - known keys whose values smmgen does not read
    # A string of tags or categories: Jekyll splits it on spaces, Hugo reads it as one. Without a generator, a
    # string of tags is one (a slip for a one-item list) and of categories Jekyll's list.
    generator = getattr(site, "generator", None)
    tags = _spaced_tags if generator == "jekyll" else _tags
    categories = _tags if generator == "hugo" else _spaced_tags
    fields = {
        "title": s.Field(_title, required=True),
        "date": s.Field(_datetime(tz), doc="Required unless publishDate or a YYYY-MM-DD- file name gives it."),
        "publishDate": s.Field(_datetime(tz), doc="Hugo: the page goes online then; no post is due before."),
        "expiryDate": s.Field(_datetime(tz), doc="Hugo: the page goes offline then; so do its posts."),
        "published": s.Field(_published(tz), doc="Jekyll: false keeps the post unpublished (a draft)."),
        "headless": s.Field(ignored, doc="Hugo: a headless bundle is no article (smmgen.content.discovery)."),
        "build": s.Field(ignored, doc="Hugo's build options: render/list never is no article."),
        "excerpt": s.Field(s.string, doc="Jekyll's lead, as summary."),
        "excerpt_separator": s.Field(s.nonempty_string, doc="Jekyll: the divider that ends the lead."),
        **{key: s.Field(categories if key in sources else ignored)
           for key in ("categories", "category", "keywords", "series")},
        "slug": s.Field(_slug),
        "url": s.Field(_url_or_path, doc="Canonical URL, or a path from the site root (Hugo), overriding the "
                                         "permalink."),
        "summary": s.Field(s.string),
        "description": s.Field(s.string, doc="Hugo's name for summary."),
        "lang": s.Field(s.nonempty_string),
        "image": s.Field(_image_ref, doc="Hero image path; Jekyll's `image: {path, alt}` too."),
        "featured_image": s.Field(s.nonempty_string, doc="Hugo themes' name for the hero image."),
        "cover": s.Field(_cover, doc="PaperMod's `cover: {image, alt}`."),
        "images": s.Field(s.list_of(s.nonempty_string), doc="Hugo's list of images; the first is the hero."),
        "image_alt": s.Field(s.string),
        "image_focus": s.Field(_focus),
        "video": s.Field(_video_table, doc="The clip posted with the article: {src, alt, poster, captions}."),
        "videos": s.Field(s.list_of(_video_table), doc="Hugo's list of videos; the first is posted."),
        "video_alt": s.Field(s.string, doc="What the clip shows, for people who cannot see it."),
        "tags": s.Field(tags, default=()),
        "section": s.Field(s.nonempty_string, doc="Kicker shown on cards; defaults to the first tag."),
        "card": s.Field(_card, doc="Card layout: `card: name`, or `card: {layout: name}`."),
        "draft": s.Field(s.boolean, default=False),
        "retracted": s.Field(s.boolean, default=False, doc="Delete this article's posts on the next publish."),
        "social": s.Field(s.table(_social_schema(tz))),
    }
    # Listed keys are known and ignored; one smmgen reads (an older config may list publishDate) is still read.
    for key in sorted(GENERATOR_KEYS | set(site.extra_front_matter)):
        fields.setdefault(key, s.Field(ignored))
    return fields


# --- loading ---------------------------------------------------------------------------------------------------

class Skipped(Exception):
    """A file whose front matter says it is no article of its own (a headless bundle): no error, counted."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source, self.reason = source, reason

    def __reduce__(self) -> tuple:
        return Skipped, (self.source, self.reason)      # a worker process hands it back


@dataclass(frozen=True)
class Loaded:
    articles: list[Article]                    # drafts included (callers filter)
    errors: list[SmmgenError]
    skipped: tuple[tuple[str, str], ...]       # (source, reason) of every file that is no article; drafts not


def find_article_files(site: Site) -> list[Path]:
    """The article files under content_dir, sorted by their path inside it (see smmgen.content.discovery)."""
    return discovery.discover(site.content_dir, site.content_rules, site.root).paths


def read_articles(site: Site, *, reuse: Callable[[Path], Article | None] | None = None,
                  found: discovery.Found | None = None) -> Loaded:
    """Every article under content_dir, every problem found, and every file skipped with its reason.

    ``reuse(path)`` may give an article already parsed from the file's current bytes (the build cache);
    ``found`` is ``discovery.discover``'s result when the caller has it already.
    """
    if found is None:
        found = discovery.discover(site.content_dir, site.content_rules, site.root)
    articles: list[Article] = []
    errors: list[SmmgenError] = []
    skipped = [(source, reason) for source, (_, reason) in zip(site.rel_all(p for p, _ in found.skipped),
                                                                 found.skipped)]
    for path in found.paths:
        try:
            article = reuse(path) if reuse is not None else None
            articles.append(article if article is not None else load_article(path, site))
        except Skipped as e:
            skipped.append((e.source, e.reason))
        except SmmgenError as e:
            errors.extend(flatten([e]))
    errors.extend(_duplicate_urls(articles))
    return Loaded(with_keys(articles, site), errors, tuple(sorted(skipped)))


def _duplicate_urls(articles: list[Article]) -> list[SmmgenError]:
    """An article is its URL: two articles conflict only when they would be published at the same one."""
    seen: dict[str, Article] = {}
    errors: list[SmmgenError] = []
    for article in articles:
        first = seen.setdefault(article.url, article)
        if first is not article:
            field = "url" if "url" in article.lines else "slug"
            errors.append(ContentError(article.source, article.line(field) or 1, field,
                                       f"{article.url} is also the URL of {first.source}; set a distinct `slug:` "
                                       "(or `url:`)"))
    return errors


def with_keys(articles: list[Article], site: Site) -> list[Article]:
    """Each article with its identity ``key``: its slug where no other article has that slug, so ids stay
    ``<slug>@<platform>`` and existing ledgers keep matching. Among articles sharing a slug, the first in the
    site's language (earliest date, then URL) keeps the plain slug, so adding a translation or a later article
    never changes an earlier one's ids; the others get ``<slug>.<lang>`` when that language is theirs alone,
    else ``<slug>.<their URL's path>``."""
    by_slug: dict[str, list[Article]] = {}
    for article in articles:
        by_slug.setdefault(article.slug, []).append(article)
    keys: dict[int, str] = {}
    for slug, group in by_slug.items():
        if len(group) == 1:
            continue
        ordered = sorted(group, key=lambda a: (a.lang != site.language, a.date, a.url))
        langs = [a.lang.lower() for a in ordered[1:]]
        taken = {slug}
        for article in ordered[1:]:
            lang = _key_part(article.lang)
            key = f"{slug}.{lang}" if langs.count(article.lang.lower()) == 1 and article.lang != ordered[0].lang \
                else f"{slug}.{_url_part(article.url, slug)}"
            base, n = key, 2
            while key in taken:             # two URLs that differ only in punctuation
                key, n = f"{base}-{n}", n + 1
            taken.add(key)
            keys[id(article)] = key
    return [replace(a, key=keys.get(id(a), a.slug)) if a.key != keys.get(id(a), a.slug) else a for a in articles]


def _url_part(url: str, slug: str) -> str:
    """The URL's path without the slug's own segment: "/2026/02/update/" -> "2026-02"."""
    segments = [p for p in unquote(urlsplit(url).path).split("/") if p]
    if segments and segments[-1].rsplit(".", 1)[0].lower() == slug:
        segments.pop()
    return _key_part("/".join(segments)) or "page"


def _key_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", unquote(text).lower()).strip("-")


def load_article(path: Path, site: Site) -> Article:
    from smmgen.errors import ErrorList

    shown = site.rel(path)
    # Jekyll builds a page with a key written twice (Ruby's YAML keeps the last) or a stray control character:
    # on its sites these are warnings, not errors.
    removed: list[tuple[int, str]] | None = [] if site.generator == "jekyll" else None
    duplicates: list[tuple[int, str]] | None = [] if site.generator == "jekyll" else None
    parsed = parse(read_article_text(path, shown, site.root, removed=removed), shown, duplicates=duplicates)
    notes = tuple(f"line {line}: {message}" for line, message in sorted((removed or []) + (duplicates or [])))
    control = controls.in_values(parsed.data)           # made by an escape: "\u0000" in TOML, "\0" in YAML
    if control is not None:
        raise ContentError(shown, nearest_line(parsed.lines, control[0]) or 1, control[0], control[1])
    skip = discovery.skip_by_front_matter(parsed.data)
    if skip is not None:
        raise Skipped(shown, skip[0])
    rules = site.content_rules
    schema = front_matter_schema(site)
    data, lines = _canonical_keys(parsed.data, parsed.lines, schema)
    ignored = tuple(sorted({str(k) for k in data if k not in schema}))
    if not rules.strict:
        data = {k: value for k, value in data.items() if k in schema}
    result = s.validate(data, schema)
    # A missing key has no line of its own: point at the front matter, which starts on line 1.
    problems = sorted((ContentError(shown, nearest_line(lines, p.key) or 1, p.key, p.message)
                       for p in result.problems), key=lambda e: e.line)
    v = result.values
    date_warnings: tuple[str, ...] = ()
    if site.generator == "jekyll" and any(p.key == "date" for p in result.problems):
        recovered = _lenient_date(data.get("date"), path, site)
        if recovered is not None:
            v = {**v, "date": recovered[0]}
            problems = [p for p in problems if p.field != "date"]
            # Read in full (a one-digit hour, "+0000"): nothing was guessed, so nothing to warn about.
            date_warnings = () if recovered[1] is None else (
                f"line {nearest_line(lines, 'date') or 1}: date: {s.shown(data.get('date'))} is no date smmgen reads, "
                f"but Jekyll builds it: used {recovered[0].isoformat()} ({recovered[1]})",)
    publish_date = v.get("publishDate") or (v.get("published") if isinstance(v.get("published"), dt.datetime)
                                            else None)
    date = v.get("date") or publish_date
    if date is None and not any(p.key in ("date", "publishDate", "published") for p in result.problems):
        try:
            date = _date_from_name(path, site)
            if date is None and site.generator:
                # The generator publishes it as a page (about, docs), not as a dated post: nothing to announce.
                raise Skipped(shown, discovery.UNDATED)
            if date is None:
                raise ContentError(shown, 1, "date", "required but missing (or start the file name with "
                                                     "YYYY-MM-DD-, as Jekyll's posts do)")
        except ContentError as e:
            problems.append(e)
            problems.sort(key=lambda e: e.line)
    if problems:
        raise ErrorList(problems)
    parsed = replace(parsed, lines=lines)

    image, image_alt, image_warnings = _hero(v, path, site, shown, parsed.lines)
    video, video_warnings = _video(v, path, site, shown, parsed.lines)
    title = inline_text(v["title"])
    if not title:
        raise ContentError(shown, parsed.lines.get("title"), "title", "is empty once Markdown is removed")
    body_text = prose_text(parsed.body)
    summary = _lead(v, parsed.body, body_text, rules.excerpt_separator)
    slug = v["slug"].lower() if v["slug"] else _slug_from_path(path, site)
    lang = language_of(path, site, v["lang"])

    social_v = v["social"] or {}
    overrides = {name: PlatformOverride(**conf) for name in registry.names() if (conf := social_v.get(name))}
    social = Social(
        platforms=social_v.get("platforms"),
        publish_at=social_v.get("publish_at"),
        expire_at=social_v.get("expire_at"),
        expire_after=social_v.get("expire_after"),
        overrides=MappingProxyType(overrides),
    )
    _check_schedule(social, shown, parsed.lines, publish_date)
    section = v["section"] or (v["tags"][0] if v["tags"] else None)
    hashtag_tags = tuple(dict.fromkeys(t for key in rules.hashtag_sources for t in (v[key] or ())))
    return Article(
        source=shown,
        slug=slug,
        title=title,
        date=date,
        lang=lang,
        summary=summary,
        body_text=body_text,
        tags=hashtag_tags,
        section=section,
        url=_url(v, data, path, site, slug=slug, date=date, section=section, lang=lang),
        image=image,
        image_alt=image_alt,
        image_focus=v["image_focus"],
        card=v["card"],
        draft=v["draft"] or v["published"] is False,
        retracted=v["retracted"],
        social=social,
        lines=MappingProxyType(dict(parsed.lines)),
        publish_date=publish_date if publish_date is not None and publish_date > date else None,
        expiry_date=v["expiryDate"] if rules.expire_with_page else None,
        ignored_keys=ignored,
        key=slug,
        warnings=notes + date_warnings + image_warnings + video_warnings,
        video=video,
    )


def _canonical_keys(data: dict[str, Any], lines: Mapping[str, int],
                    schema: Mapping[str, s.Field]) -> tuple[dict[str, Any], dict[str, int]]:
    """The front matter with Hugo's spellings of smmgen's keys (``publishdate``, ``pubdate``, ``Title``) under
    smmgen's names, as Hugo reads keys without regard to case; a key written both ways keeps both (and the
    schema's check of the spelling it does not know)."""
    by_lower = {key.lower(): key for key in schema}
    out: dict[str, Any] = {}
    renamed: dict[str, int] = dict(lines)
    for key, value in data.items():
        name = key
        if isinstance(key, str) and key not in schema:
            name = _ALIASES.get(key.lower()) or by_lower.get(key.lower()) or key
            if name in data or name in out:
                name = key
        if name != key and key in lines:
            renamed[name] = lines[key]
        out[name] = value
    return out, renamed


def _date_from_name(path: Path, site: Site) -> dt.datetime | None:
    """Jekyll's post date, from a file name such as ``2014-05-06-some-title.markdown``, at midnight in the site's
    time zone."""
    stem = path.parent.name if path.stem in ("index", "_index") else path.stem
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})-", stem)
    if match is None:
        return None
    try:
        day = dt.date(*(int(g) for g in match.groups()))
        s.in_years(day)
    except (ValueError, s.Invalid):
        raise ContentError(site.rel(path), 1, "date", f"the file name starts with {match[0][:-1]}, which is no "
                                                      "date; set `date:` or rename the file") from None
    return _localize(dt.datetime.combine(day, dt.time()), site.timezone)


_LENIENT_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_ZONE_ONLY = re.compile(r"\s*(?:([+-])(\d{2}):?(\d{2})|(Z|UTC|GMT))?\s*")


def _lenient_date(value: Any, path: Path, site: Site) -> tuple[dt.datetime, str | None] | None:
    """A date Jekyll reads where smmgen's reader does not, and what it came from (None: the whole value, read
    as written, such as a one-digit hour or "+0000"): the leading ``YYYY-MM-DD[ HH:MM[:SS]]`` in the site's time
    zone, whatever follows ignored (as Ruby's ``Time.parse`` does, even a zone after other text); else the file
    name's date; None when neither gives one."""
    match = _LENIENT_DATE.match(value) if isinstance(value, str) else None
    if match is not None:
        try:
            when = dt.datetime(*(int(g or 0) for g in match.groups()))
            s.in_years(when)
        except (ValueError, s.Invalid):
            when = None
        if when is not None:
            zone = _ZONE_ONLY.fullmatch(value, match.end())
            if zone is None:
                return _localize(when, site.timezone), "its leading date and time, in the site's time zone"
            if zone[1]:
                offset = dt.timedelta(hours=int(zone[2]), minutes=int(zone[3]))
                return when.replace(tzinfo=dt.timezone(offset if zone[1] == "+" else -offset)), None
            return (when.replace(tzinfo=dt.UTC) if zone[4] else _localize(when, site.timezone)), None
    try:
        named = _date_from_name(path, site)
    except ContentError:
        return None
    return (named, "the file name's date") if named is not None else None


def _lead(v: Mapping[str, Any], body: str, body_text: str, separator: str) -> str:
    """The article's lead as plain text: Hugo's ``summary``, Jekyll's ``excerpt``, the text before the excerpt
    divider (``<!--more-->``, or the article's or site's ``excerpt_separator``), ``description``, else the first
    paragraph."""
    written = next((v[key] for key in ("summary", "excerpt") if v[key] is not None), None)
    if written:
        return inline_text(written)
    divider = v["excerpt_separator"] or separator
    if divider in body:
        before = prose_text(body.split(divider, 1)[0])
        lead = " ".join(" ".join(paragraph.split()) for paragraph in before.split("\n\n") if paragraph.strip())
        if lead:
            return lead
    if v["description"]:
        return inline_text(v["description"])
    return first_paragraph(body_text).replace("\n", " ")


def _url(v: Mapping[str, Any], data: Mapping[str, Any], path: Path, site: Site, *, slug: str,
         date: dt.datetime, section: str | None, lang: str) -> str:
    if v["url"]:
        return v["url"] if not v["url"].startswith("/") else site.base_url + v["url"]
    categories = data.get("categories", data.get("category")) if site.generator == "jekyll" else None
    if isinstance(categories, str):
        categories = categories.split()            # Jekyll: `categories: news local` is two
    own_permalink = data.get("permalink") if site.generator == "jekyll" else None
    return article_url(site, path, slug=slug, slug_set=v["slug"] if "slug" in data else None,
                       title=str(data.get("title") or ""), date=date, lang=lang, kicker=section or "",
                       categories=tuple(str(c) for c in categories or () if c is not None)
                       if isinstance(categories, (list, tuple, str)) else (),
                       own_permalink=own_permalink if isinstance(own_permalink, str) else None)


def _check_schedule(social: Social, shown: str, lines: Mapping[str, int],
                    publish_date: dt.datetime | None = None) -> None:
    pairs = [("social", social.publish_at, social.expire_at, social.expire_after)]
    pairs += [(f"social.{n}", o.publish_at, o.expire_at, o.expire_after) for n, o in social.overrides.items()]
    for prefix, publish_at, expire_at, expire_after in pairs:
        if publish_at and publish_date and publish_at < publish_date:
            raise ContentError(shown, nearest_line(lines, f"{prefix}.publish_at"), f"{prefix}.publish_at",
                               f"{publish_at.isoformat()} is before publishDate {publish_date.isoformat()}, when "
                               "the page goes online; post it then or later")
        if expire_at and expire_after:
            raise ContentError(shown, nearest_line(lines, f"{prefix}.expire_after"), f"{prefix}.expire_after",
                               "set either expire_at or expire_after, not both")
        if publish_at and expire_at and expire_at <= publish_at:
            raise ContentError(shown, nearest_line(lines, f"{prefix}.expire_at"), f"{prefix}.expire_at",
                               f"{expire_at.isoformat()} is not after publish_at {publish_at.isoformat()}")



_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def _slug_from_path(path: Path, site: Site) -> str:
    stem = path.stem
    if site.generator and lang_suffix(path, site):          # hello.ja.md is the Japanese hello.md
        stem = stem.rsplit(".", 1)[0]
    stem = path.parent.name if stem in ("index", "_index") else stem
    stem = _DATE_PREFIX.sub("", stem).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")
    if not slug:
        raise ContentError(site.rel(path), 1, "slug", "cannot derive a slug from the file name; set `slug:`")
    return slug


_BUNDLE_HERO = re.compile(r"^(?:featured|cover).*|.*feature.*", re.I)


def _hero(v: Mapping[str, Any], path: Path, site: Site, shown: str,
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


def _video(v: Mapping[str, Any], path: Path, site: Site, shown: str,
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
