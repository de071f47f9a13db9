"""Text measuring for every platform: the one place where post lengths are counted.

Every function here is pure and fast (the planner calls them thousands of times per build). Where a
platform's own rule is unknown or has changed over time, the count is taken so that it can never be lower
than what the platform counts: a post we think fits must fit. Each such choice is noted where it is made.

Units (``Unit``) and what they count:

- ``weighted``: X. twitter-text config v3: NFC first, every URL counts 23, every emoji 2, the code points
  of four ranges 1 and everything else 2. Where twitter-text's JavaScript library and its Python port
  differ, the higher count (emoji sequences) or the JavaScript one (which URLs are links).
- ``graphemes``: Bluesky. Extended grapheme clusters, counted the safe way (see ``safe_grapheme_len``).
- ``mastodon``: Mastodon's status length validator: graphemes of content warning + body, each URL with a
  scheme counts ``url_length``, ``@user@domain`` counts as ``@user``.
- ``threads``: Threads' "500 characters, emoji counted as UTF-8 bytes" (see ``threads_length``).
- ``utf16``: UTF-16 code units (Telegram).
- ``characters``: a platform that says "characters" and documents no more. Counted as UTF-16 code units,
  the largest of the usual readings (code points, UTF-16 units, graphemes).
- ``utf8-bytes``: UTF-8 bytes (Bluesky's second limit, ``maxLength`` 3000).

This module is the public face; the counting lives beside it: ``code_units`` (UTF-8, UTF-16), ``grapheme``
(clusters and the safe count), ``x_weight`` (twitter-text), ``mastodon_count`` and ``url_runs`` (the URL
search both share). Threads' count, the caps on links, hashtags and mentions, and the escaping the counted
text goes through are here.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Callable
from typing import Any

import regex

from smmgen.text.code_units import utf8_len, utf16_len
from smmgen.text.grapheme import grapheme_len, graphemes, safe_grapheme_len
from smmgen.text.mastodon_count import mastodon_countable_text, mastodon_length
from smmgen.text.x_weight import X_V2, X_V3, XConfig, XCount, x_count, x_urls, x_weighted_length

__all__ = [
    "LINKEDIN_RESERVED", "Unit", "X_V2", "X_V3", "XConfig", "XCount", "code_point_floor", "count_hashtags",
    "count_links", "count_mentions", "counter", "grapheme_len", "graphemes", "linkedin_escape", "linkedin_unescape",
    "mastodon_countable_text", "mastodon_length", "measure", "safe_grapheme_len", "telegram_html_escape",
    "telegram_html_unescape", "threads_length", "utf8_len", "utf16_len", "x_count", "x_urls", "x_weighted_length",
]

# --------------------------------------------------------------------------------------------------------
# Threads

# A cluster holding any of these is an emoji for Threads' byte rule.
_EMOJI_MARK = regex.compile(
    r"[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u20e3\ufe0f]"
)


def threads_length(text: str) -> int:
    """A length for Threads' 500-character limit that Threads can never exceed.

    The API doc says "Emojis are counted as the number of UTF-8 bytes" without saying what counts as an
    emoji or how other text is counted. So: every grapheme cluster that holds an emoji code point (a
    pictograph, a flag letter, a skin tone, a keycap or an emoji variation selector) counts its UTF-8
    bytes; all other text counts UTF-16 code units (at least its code points and its graphemes).
    """
    if text.isascii() or not _EMOJI_MARK.search(text):
        return utf16_len(text)
    total = 0
    for cluster in graphemes(text):
        if cluster.isascii():
            total += len(cluster)
        elif _EMOJI_MARK.search(cluster):
            total += len(cluster.encode("utf-8", "surrogatepass"))  # as utf16_len: a stray surrogate counts
        else:
            total += utf16_len(cluster)
    return total


# --------------------------------------------------------------------------------------------------------
# Links, hashtags, mentions (caps: Threads 5 links, Instagram 30 hashtags and 20 mentions)

_HASHTAG = regex.compile(r"[#\uff03](?=[\p{L}\p{M}\p{N}_])")
_MENTION = regex.compile(r"[@\uff20](?=[\p{L}\p{M}\p{N}_])")


def count_links(text: str, *, unique: bool = False) -> int:
    """Number of links in ``text``, found as X finds them (with or without a scheme).

    ``unique`` counts each distinct URL once, as Threads does for its 5-link limit; URLs are compared as
    written, so two spellings of one address count twice.
    """
    urls = [text[start:end] for start, end in x_urls(text)]
    return len(set(urls)) if unique else len(urls)


def count_hashtags(text: str) -> int:
    """Number of ``#`` (or fullwidth ``＃``) signs directly followed by a letter, digit or ``_``.

    Deliberately generous (it also counts ``#tag`` inside words and URLs), so that a caption we accept can
    never hold more hashtags than Instagram counts.
    """
    return len(_HASHTAG.findall(text))


def count_mentions(text: str) -> int:
    """Number of ``@`` (or ``＠``) signs directly followed by a letter, digit or ``_``. Generous on purpose:
    e-mail addresses count too."""
    return len(_MENTION.findall(text))


# --------------------------------------------------------------------------------------------------------
# Escaping

# LinkedIn's "little" text format gives these characters meaning; as text each needs a backslash, or the
# post is silently cut at the first one.
LINKEDIN_RESERVED = "\\|{}@[]()<>#*_~"
_LITTLE_RESERVED = regex.compile("[" + regex.escape(LINKEDIN_RESERVED, special_only=False) + "]")
_LITTLE_ESCAPED = regex.compile(r"\\([" + regex.escape(LINKEDIN_RESERVED, special_only=False) + "])")


def linkedin_escape(text: str) -> str:
    """``text`` as plain text in LinkedIn's "little" format (Posts API ``commentary``)."""
    return _LITTLE_RESERVED.sub(lambda m: "\\" + m.group(0), text)


def linkedin_unescape(text: str) -> str:
    """The plain text an escaped little-format string shows (the inverse of ``linkedin_escape``)."""
    return _LITTLE_ESCAPED.sub(lambda m: m.group(1), text)


def telegram_html_escape(text: str) -> str:
    """``text`` for Telegram's ``parse_mode=HTML``: ``& < > "`` as the entities the Bot API accepts.

    Safe both as element text and inside a double-quoted attribute such as ``href``.
    """
    return html.escape(text, quote=False).replace('"', "&quot;")


# Telegram's HTML parse mode decodes only four named entities, spelled in lower case, and numeric references
# (Bot API "Formatting options"; tdlib's parser): ``&copy;``, ``&nbsp;`` and ``&AMP;`` stay text as written.
# A numeric reference counts as one character only where Telegram surely takes it for one: at most 7 decimal or
# 6 hexadecimal digits (a lower-case "x", as tdlib reads it), a code point from U+0001 below U+10FFFF that is
# no surrogate, and a ';'. Any other spelling is counted as its literal text, the longer reading.
_TELEGRAM_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_TELEGRAM_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def telegram_html_unescape(text: str) -> str:
    """``text`` (HTML parse mode, without tags) with the entities Telegram decodes decoded, others left as text."""
    if "&" not in text:
        return text
    return _TELEGRAM_ENTITY.sub(_telegram_entity, text)


def _telegram_entity(found: re.Match[str]) -> str:
    name, decimal, hexadecimal = found.groups()
    if name:
        return _TELEGRAM_NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not 0 < code < 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return found.group(0)
    return chr(code)


# --------------------------------------------------------------------------------------------------------
# One entry point for platform specs


class Unit(enum.StrEnum):
    """The unit a platform's text limit is counted in (``PlatformSpec.unit``)."""

    WEIGHTED = "weighted"
    GRAPHEMES = "graphemes"
    MASTODON = "mastodon"
    THREADS = "threads"
    UTF16 = "utf16"
    CHARACTERS = "characters"
    UTF8_BYTES = "utf8-bytes"


_MEASURES: dict[Unit, Callable[..., int]] = {
    Unit.WEIGHTED: x_weighted_length,
    Unit.GRAPHEMES: safe_grapheme_len,
    Unit.MASTODON: mastodon_length,
    Unit.THREADS: threads_length,
    Unit.UTF16: utf16_len,
    Unit.CHARACTERS: utf16_len,
    Unit.UTF8_BYTES: utf8_len,
}


def counter(unit: Unit | str) -> Callable[..., int]:
    """The function that counts ``unit``; units counted alike (``utf16``, ``characters``) give the same one.
    An unknown unit raises ``ValueError``."""
    count = _MEASURES.get(unit)  # a Unit is its name, so a name finds it without building the Unit
    return count if count is not None else _MEASURES[Unit(unit)]


# The units in which a text of n code points counts at least n, with why:
# - utf16, characters: a code point is one UTF-16 unit, or two above U+FFFF (a stray surrogate one).
# - utf8-bytes: a code point is one to four bytes.
# - threads: each cluster counts its UTF-8 bytes or its UTF-16 units, both at least its code points, and the
#   clusters are the whole text.
# Not graphemes (one cluster may hold any number of code points), nor X's weighted length or Mastodon's (an emoji
# sequence of seven code points counts 2, a URL of any length 23).
_COUNTS_EVERY_CODE_POINT = frozenset({Unit.UTF16, Unit.CHARACTERS, Unit.UTF8_BYTES, Unit.THREADS})


def code_point_floor(unit: Unit | str) -> Callable[[str], int] | None:
    """``len`` for a unit that counts every code point at least once (no text of more than N code points
    fits N of it), None for the others: the ``floor`` an excerpt counted in ``unit`` may take. An unknown unit
    raises ``ValueError``."""
    return len if Unit(unit) in _COUNTS_EVERY_CODE_POINT else None


def measure(text: str, unit: Unit | str, **opts: Any) -> int:
    """Length of ``text`` in ``unit``; the count a platform with that unit compares to its limit.

    ``opts`` go to the unit's function: ``config`` for ``weighted``; ``url_length`` and ``spoiler`` for
    ``mastodon``. An unknown unit raises ``ValueError``.
    """
    return counter(unit)(text, **opts)
