"""The front matter smmgen reads: every key declared with its type, default and doc
(``front_matter_schema``), Hugo's and Jekyll's spellings and keys accepted, and the converters that turn a value
into what an Article holds or say in one line what is wrong with it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from smmgen.config import schema as s
from smmgen.config.site import Site
from smmgen.platforms import registry

# Keys that Hugo and Jekyll front matter commonly carries and smmgen has no use for: accepted and ignored, and
# not listed by ``check --verbose`` (nor are ``[site] extra_front_matter``'s).
GENERATOR_KEYS = frozenset({
    "author", "authors", "layout", "weight", "aliases", "lastmod", "toc", "permalink", "type", "menu",
    "linkTitle", "comments", "markup", "outputs", "resources", "sitemap", "featured", "cascade", "params",
})

# Hugo's aliases of the keys smmgen reads (Hugo matches front-matter keys without regard to case).
_ALIASES = {"publishdate": "publishDate", "pubdate": "publishDate", "expirydate": "expiryDate",
            "unpublishdate": "expiryDate", "_build": "build"}


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
        return when if when.tzinfo else localize(when, tz)
    return convert


def localize(naive: dt.datetime, tz: ZoneInfo) -> dt.datetime:
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


def canonical_keys(data: dict[str, Any], lines: Mapping[str, int],
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
