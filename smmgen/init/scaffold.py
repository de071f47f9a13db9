"""``smmgen new``: a new article with every front-matter field in place, like ``hugo new``."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from smmgen.config.site import Site
from smmgen.content.reading import find_article_files
from smmgen.errors import SmmgenError

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""What an article's ``slug:`` may be (``smmgen.content.front_matter_schema`` checks the same)."""
MAX_SLUG = 60
FALLBACK = "article"
"""The slug of a title with no letter that has a Latin spelling here (e.g. one in Japanese): article, article-2..."""

# Latin letters for Cyrillic and Greek, the usual way news sites spell them in URLs (ж zh, х h, ц c, щ shch,
# я ya: "набережная реконструкция" is naberezhnaya-rekonstrukciya). Letters with accents that NFKD would cut
# from their base letter (й, ё, the Greek tonos) are spelled whole; Latin letters that NFKD does not take apart
# (ß, æ, ø, ł ...) too. Everything else that NFKD reduces to ASCII letters keeps those (é -> e, ü -> u).
_LATIN = {
    # Russian
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya",
    # Ukrainian, Belarusian, Serbian, Macedonian
    "є": "ye", "і": "i", "ї": "yi", "ґ": "g", "ў": "u", "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c",
    "џ": "dz", "ѓ": "gj", "ќ": "kj", "ѕ": "dz",
    # Greek
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o", "ά": "a", "έ": "e", "ή": "i", "ί": "i", "ό": "o",
    "ύ": "y", "ώ": "o", "ϊ": "i", "ϋ": "y", "ΐ": "i", "ΰ": "y",
    # Latin letters without a decomposition
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h",
}
_TABLE = str.maketrans(_LATIN)


def slugify(title: str) -> str:
    """The title in lowercase ASCII letters and digits joined by single hyphens, cut at a word boundary to at
    most 60 characters; empty when no letter of it has a Latin spelling here."""
    latin = unicodedata.normalize("NFC", title).lower().translate(_TABLE)
    ascii_title = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:MAX_SLUG]
    return slug


def new_article(site: Site, title: str, *, slug: str | None = None, tags=(), lang: str | None = None,
                now: dt.datetime | None = None) -> Path:
    """Create ``content/<year>/<date>-<slug>.md`` as a draft and return its path; never replaces a file.

    The slug is ``slug``, or else the title's (``slugify``); either must be free: no file at that path, no other
    article with that slug. A title without one gets the first free of article, article-2, ...
    """
    now = (now or dt.datetime.now(site.timezone)).astimezone(site.timezone).replace(microsecond=0)
    if slug is not None and not SLUG.fullmatch(slug):
        raise SmmgenError(f"--slug: {json.dumps(slug, ensure_ascii=False)} is not a slug: use lowercase letters, "
                          'digits and single hyphens, e.g. "budget-passes"')
    taken = _slugs(site)
    chosen = slug or slugify(title)
    if not chosen:
        chosen = next(name for n in range(1, len(taken) + 2)
                      if (name := FALLBACK if n == 1 else f"{FALLBACK}-{n}") not in taken)
    path = site.content_dir / f"{now:%Y}" / f"{now:%Y-%m-%d}-{chosen}.md"
    if chosen in taken and taken[chosen] != path:
        raise SmmgenError(f'slug "{chosen}" is taken by {site.rel(taken[chosen])}; choose another --slug')
    q = lambda s: json.dumps(s, ensure_ascii=False)  # noqa: E731 - JSON strings are valid YAML scalars
    text = f"""---
title: {q(title)}
date: {now.isoformat()}
slug: {chosen}
summary: ""
tags: [{", ".join(q(t) for t in tags)}]
{f"lang: {q(lang)}" + chr(10) if lang else ""}draft: true
# image: images/{chosen}.jpg
# image_alt: ""
# image_focus: [0.5, 0.4]
social:
  # platforms: [x, mastodon, bluesky]
  # publish_at: {now.isoformat()}
  # expire_after: 48h
  # x:
  #   text: "Written by hand for X"
---

Write the article here.
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as f:      # "x": an article made meanwhile is not replaced
            f.write(text)
    except FileExistsError:
        raise SmmgenError(f"{site.rel(path)} already exists; choose another --slug") from None
    return path


_FRONT_SLUG = re.compile(r"""^slug\s*[:=]\s*["']?([^"'\s#]+)""", re.MULTILINE)
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}-")


def _slugs(site: Site) -> dict[str, Path]:
    """The slug of every article file, by slug: its ``slug:`` line, else the one its file name gives (as
    ``smmgen.content.reading`` derives it). Read from the top of each file only, without parsing it: the build
    reports duplicate slugs in full; this only keeps ``new`` from making one."""
    out: dict[str, Path] = {}
    for path in find_article_files(site):
        try:
            with path.open("rb") as f:
                head = f.read(16384).decode("utf-8", "replace")
        except OSError:
            continue
        found = _FRONT_SLUG.search(_front_matter(head))
        if found:
            out.setdefault(found.group(1), path)
            continue
        stem = path.parent.name if path.stem in ("index", "_index") else path.stem
        derived = re.sub(r"[^a-z0-9]+", "-", _DATE_PREFIX.sub("", stem).lower()).strip("-")
        if derived:
            out.setdefault(derived, path)
    return out


def _front_matter(head: str) -> str:
    fence = head[:3]
    if fence not in ("---", "+++"):
        return ""
    end = head.find(f"\n{fence}", 3)
    return head[3:end] if end != -1 else head[3:]
