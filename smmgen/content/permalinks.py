"""Article URLs as the site's generator publishes them.

``[site] permalink`` and ``[site.permalinks]`` (one rule per section) hold patterns. ``{name}`` placeholders are
smmgen's own (``{slug}``: the article's slug); ``:name`` placeholders mean what the site's generator
(``[site] generator``) makes of them, so a rule copied from hugo.toml or _config.yml gives the page the generator
writes:

==================  ===============================================  ============================================
placeholder         Hugo (gohugo.io/content-management/urls)         Jekyll (jekyllrb.com/docs/permalinks)
==================  ===============================================  ============================================
:year :month :day   the date as written (its own offset)             the date in the site's timezone
:slug               ``slug:``, else the title made a path            ``slug:`` or the file name, slugified
:title              the title made a path                            ``slug:`` or the file name, case kept
:filename           the file's name; a bundle's folder name          (none)
:contentbasename    the same (Hugo 0.144)                            (none)
:slugorfilename     ``slug:``, else the file's (bundle's) name       (none)
:section :sections  the first / every folder under content/          (none)
:categories         (none)                                           ``categories:`` and folders above _posts
:collection :path   (none)                                           the collection; the path inside it
:output_ext         (none)                                           ``.html``
==================  ===============================================  ============================================

Hugo prefixes every language's URLs but the default one's with ``/<lang>`` (``[site.languages]`` says
otherwise), lowercases the path (``lowercase_urls = false`` for ``disablePathToLower``) and takes a page
bundle's folder name as its file name. Jekyll's named styles (``pretty``, ``date``, ``none``, ...) are expanded.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

GENERATORS = ("hugo", "jekyll")

# Jekyll's named permalink styles (jekyllrb.com/docs/permalinks/#built-in-formats).
JEKYLL_STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
JEKYLL_COLLECTION_DEFAULT = "/:collection/:path:output_ext"

SMMGEN_TOKENS = ("year", "month", "day", "slug", "section", "lang")
HUGO_TOKENS = ("year", "month", "monthname", "day", "weekday", "weekdayname", "yearday", "slug", "title",
               "filename", "contentbasename", "slugorfilename", "slugorcontentbasename", "section", "sections")
JEKYLL_TOKENS = ("year", "month", "day", "hour", "minute", "second", "i_day", "i_month", "short_month",
                 "long_month", "short_year", "w_year", "week", "w_day", "short_day", "long_day", "y_day", "title",
                 "slug", "name", "categories", "slugified_categories", "collection", "path", "output_ext")
_TOKEN = re.compile(r"\{([a-z_]+)\}|:([a-z_]+)")


@dataclass(frozen=True)
class Page:
    """What a permalink is made of, for one article."""

    slug: str                   # smmgen's slug: ``slug:`` or the one the file name gives
    slug_set: str | None        # ``slug:`` as written, if any
    title: str                  # the title as written
    date: dt.datetime           # timezone-aware
    filename: str               # the file's name without extension and language; a bundle's folder name
    sections: tuple[str, ...]   # Hugo: folders under the content root; Jekyll: (collection,)
    path: str                   # Jekyll :path: inside the collection, without extension
    categories: tuple[str, ...]
    lang: str
    kicker: str                 # smmgen's {section}: the card's kicker


def known_tokens(generator: str | None) -> tuple[str, ...]:
    return {"hugo": HUGO_TOKENS, "jekyll": JEKYLL_TOKENS}.get(generator or "", ())


def check_pattern(pattern: str, generator: str | None) -> str | None:
    """What is wrong with ``pattern`` (None: nothing)."""
    if generator == "jekyll" and pattern in JEKYLL_STYLES:
        return None
    if not pattern.startswith("/"):
        return f'must start with "/"{" or be one of " + ", ".join(JEKYLL_STYLES) if generator == "jekyll" else ""}'
    for match in _TOKEN.finditer(pattern):
        if match[1] and match[1] not in SMMGEN_TOKENS:
            return f"unknown placeholder {{{match[1]}}} (known: {', '.join(SMMGEN_TOKENS)})"
        if match[2] and not generator:
            return f'":{match[2]}" is a generator\'s placeholder: set `generator = "hugo"` or "jekyll", or write {{slug}}'
        if match[2] and match[2] not in known_tokens(generator):
            return f"unknown placeholder :{match[2]} for {generator} (known: {', '.join(known_tokens(generator))})"
    if not generator and "{slug}" not in pattern:
        return "must contain {slug}"
    return None


def expand(pattern: str, page: Page, *, generator: str | None, timezone: dt.tzinfo) -> str:
    """The URL path ``pattern`` gives ``page``, beginning with "/"."""
    if generator == "jekyll":
        pattern = JEKYLL_STYLES.get(pattern, pattern)
    when = page.date.astimezone(timezone) if generator == "jekyll" else page.date
    values = _smmgen_values(page)
    native = _hugo_values(page, when) if generator == "hugo" else _jekyll_values(page, when) if generator else {}

    def replace(match: re.Match) -> str:
        if match[1]:
            return values[match[1]]
        return native.get(match[2], match[0])

    path = _TOKEN.sub(replace, pattern)
    return "/" + "/".join(p for p in path.split("/") if p) + ("/" if path.endswith("/") else "")


def _smmgen_values(page: Page) -> dict[str, str]:
    return {"year": f"{page.date.year:04d}", "month": f"{page.date.month:02d}", "day": f"{page.date.day:02d}",
            "slug": page.slug, "section": kicker_part(page.kicker), "lang": page.lang}


def kicker_part(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _hugo_values(page: Page, when: dt.datetime) -> dict[str, str]:
    slug = hugo_path(page.slug_set) if page.slug_set else hugo_path(page.title)
    filename = hugo_path(page.filename)
    return {
        "year": when.strftime("%Y"), "month": when.strftime("%m"), "monthname": when.strftime("%B"),
        "day": when.strftime("%d"), "weekday": str(when.isoweekday() % 7), "weekdayname": when.strftime("%A"),
        "yearday": str(when.timetuple().tm_yday),
        "slug": slug, "title": hugo_path(page.title), "filename": filename, "contentbasename": filename,
        "slugorfilename": hugo_path(page.slug_set) if page.slug_set else filename,
        "slugorcontentbasename": hugo_path(page.slug_set) if page.slug_set else filename,
        "section": page.sections[0] if page.sections else "", "sections": "/".join(page.sections),
    }


def _jekyll_values(page: Page, when: dt.datetime) -> dict[str, str]:
    base = page.slug_set or page.filename
    categories = list(dict.fromkeys(c.lower() for c in page.categories))
    return {
        "year": when.strftime("%Y"), "month": when.strftime("%m"), "day": when.strftime("%d"),
        "hour": when.strftime("%H"), "minute": when.strftime("%M"), "second": when.strftime("%S"),
        "i_day": str(when.day), "i_month": str(when.month), "short_month": when.strftime("%b"),
        "long_month": when.strftime("%B"), "short_year": when.strftime("%y"), "w_year": when.strftime("%G"),
        "week": when.strftime("%V"), "w_day": when.strftime("%u"), "short_day": when.strftime("%a"),
        "long_day": when.strftime("%A"), "y_day": when.strftime("%j"),
        "title": jekyll_slugify(base, pretty=True, cased=True), "slug": jekyll_slugify(base),
        "name": jekyll_slugify(page.filename), "categories": "/".join(categories),
        "slugified_categories": "/".join(dict.fromkeys(jekyll_slugify(c) for c in page.categories)),
        "collection": page.sections[0] if page.sections else "posts", "path": page.path, "output_ext": ".html",
    }


_HEX = frozenset("0123456789abcdefABCDEF")


def hugo_path(text: str) -> str:
    """Hugo's ``UnicodeSanitize`` (as Hugo 0.111 writes pages): letters, digits, marks, ``./\\_#~-@`` and
    ``%XX`` escapes stay, anything else goes; a run of spaces becomes one hyphen, none beside a hyphen."""
    out: list[str] = []
    hyphen = was_hyphen = False
    for i, c in enumerate(text):
        if _letter_mark_digit(c) or c in "./\\_#~-@" \
                or (c == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX):
            was_hyphen = c == "-"
            if hyphen and not was_hyphen:
                out.append("-")
            hyphen = False
            out.append(c)
        elif out and not was_hyphen and c.isspace():
            hyphen = True
    return "".join(out)


def jekyll_slugify(text: str, *, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify`` in its default and "pretty" modes: every run of other characters becomes one
    hyphen, then one hyphen at either end is dropped."""
    kept = "._~!$&'()+,;=@" if pretty else ""
    slug = re.sub(r"-+", "-", "".join(c if _letter_mark_digit(c) or c in kept else "-" for c in text))
    slug = re.sub(r"^-|-$", "", slug)
    return slug if cased else slug.lower()


def _letter_mark_digit(c: str) -> bool:
    """A letter, a mark or a decimal digit: what Ruby's and Go's Unicode classes (L, M, Nd) keep in a path."""
    category = unicodedata.category(c)
    return category[0] in "LM" or category == "Nd"


def finish(path: str, *, generator: str | None, lowercase: bool, prefix: str) -> str:
    """The URL path as published: the language prefix, Hugo's lowercasing, non-ASCII percent-encoded."""
    if generator == "hugo" and lowercase:
        path = path.lower()
    if prefix:
        path = "/" + prefix.strip("/") + path
    return quote(path, safe="/:@!$&'()*+,;=~.-_")


def rule_for(sections: Sequence[str], rules: Mapping[str, str]) -> str | None:
    """The rule for an article: its first section's (Hugo's top-level section, Jekyll's collection)."""
    return rules.get(sections[0]) if sections else None
