"""Reading articles: one Markdown file into a frozen Article (``load_article``), every file of the site with
identity keys and duplicate URLs checked (``read_articles``).

Errors carry file and line (``content/2026/budget.md:4: social.publish_at: not a date: "tomorrow-ish"``) and are
collected per file, so one bad article never hides the problems of the others.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

from smmgen.config import controls
from smmgen.config import schema as s
from smmgen.config.lines import nearest_line
from smmgen.config.site import Site
from smmgen.content import discovery
from smmgen.content.article import Article, PlatformOverride, Social
from smmgen.content.article_media import hero_image, video_clip
from smmgen.content.front_matter import parse, read_article_text
from smmgen.content.front_matter_schema import canonical_keys, front_matter_schema, localize
from smmgen.content.links import article_url, lang_suffix, language_of
from smmgen.content.markup import first_paragraph, inline_text, prose_text
from smmgen.errors import ContentError, SmmgenError, flatten
from smmgen.platforms import registry


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
    schema = _schema_of(site)
    data, lines = canonical_keys(parsed.data, parsed.lines, schema)
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

    image, image_alt, image_warnings = hero_image(v, path, site, shown, parsed.lines)
    video, video_warnings = video_clip(v, path, site, shown, parsed.lines)
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


_last_schema: list[tuple[Site, dict[str, s.Field]]] = []


def _schema_of(site: Site) -> dict[str, s.Field]:
    """``front_matter_schema(site)``, made once for the site whose articles are being read (made again for each
    article, it was a tenth of reading one): a site is frozen, and the schema only read."""
    last = _last_schema[0] if _last_schema else None
    if last is None or last[0] is not site:
        last = (site, front_matter_schema(site))
        _last_schema[:] = [last]        # (returned from here: another thread may set its own site's meanwhile)
    return last[1]


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
    return localize(dt.datetime.combine(day, dt.time()), site.timezone)


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
                return localize(when, site.timezone), "its leading date and time, in the site's time zone"
            if zone[1]:
                offset = dt.timedelta(hours=int(zone[2]), minutes=int(zone[3]))
                return when.replace(tzinfo=dt.timezone(offset if zone[1] == "+" else -offset)), None
            return (when.replace(tzinfo=dt.UTC) if zone[4] else localize(when, site.timezone)), None
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
