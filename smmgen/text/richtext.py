"""Bluesky rich text: ``app.bsky.richtext.facet`` detection.

A Bluesky post is plain text; links, mentions and hashtags become clickable only through facets, whose
``index.byteStart``/``byteEnd`` are offsets into the UTF-8 bytes of the text (start inclusive, end
exclusive). Detection follows the rules of the atproto SDK's ``detectFacets`` (checked against its test
suite in ``tests/vectors/bluesky_facets.json``), with three deliberate differences, each so that a record we
write is always valid: a mention is only emitted with the DID a resolver gave for it, a tag longer than the
lexicon allows is dropped, and facets never overlap (links win, then mentions, tags, cashtags).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

from smmgen import facts
from smmgen.text import twitter_urls
from smmgen.text.measure import grapheme_len, utf8_len

FACET = "app.bsky.richtext.facet"
LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"

# Lexicon limits of a #tag feature's ``tag``.
TAG_MAX_GRAPHEMES = int(facts.BLUESKY.hashtag_length.value)
TAG_MAX_BYTES = int(facts.BLUESKY.hashtag_bytes.value)

# JavaScript's \s, which the SDK's expressions are written with (Python's differs at U+001C-U+001F, U+0085).
_JS_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_S = f"[{_JS_SPACE}]"
_NOT_S = f"[^{_JS_SPACE}]"
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"  # end a tag like a space does

_MENTION_RE = regex.compile(
    rf"(?:^|{_S}|\()@([a-zA-Z0-9.-]+)"
    # JavaScript's ASCII \b after the handle, written out
    r"(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_]))"
)
_URL_RE = regex.compile(
    rf"(?:^|{_S}|\()"
    rf"((?P<scheme>[hH][tT][tT][pP][sS]?://{_NOT_S}+)"
    rf"|(?P<domain>[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+){_NOT_S}*)"
)
_TAG_RE = regex.compile(
    rf"(?:^|{_S})[#\uff03]"
    rf"((?!\ufe0f)[^{_JS_SPACE}{_INVISIBLE}]*[^0-9{_JS_SPACE}\p{{P}}{_INVISIBLE}]+[^{_JS_SPACE}{_INVISIBLE}]*)?"
)
_CASHTAG_RE = regex.compile(rf"(?:^|{_S}|\()\$([A-Za-z][A-Za-z0-9]{{0,4}})(?={_S}|\Z|[.,;:!?)\"'\u2019])")
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+\Z")
_URL_TRAILING = ".,;:!?"
# The lexicon's uri format: a scheme, then something that is neither space nor only slashes.
_VALID_URI = regex.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?://)?[^\s/]\S*\Z")


@dataclass(frozen=True)
class MentionSpan:
    """A ``@handle`` found in text; it becomes a facet once its handle is resolved to a DID."""

    handle: str
    byte_start: int
    byte_end: int


def detect_facets(
    text: str, *, resolve_handle: Callable[[str], str | None] | None = None
) -> list[dict[str, Any]]:
    """The facets of ``text`` as ``app.bsky.richtext.facet`` dicts, in text order.

    Links carry the full ``uri`` (``https://`` is added to a bare domain); hashtags their ``tag`` without
    the ``#``; cashtags ``$`` plus the upper-cased ticker. Mentions are included only when
    ``resolve_handle`` is given and returns a DID for the handle; a handle it returns None for gets no
    facet (an empty or made-up DID would make the record invalid).
    """
    offsets = _ByteOffsets(text)
    found: list[tuple[int, int, dict[str, Any]]] = []
    for start, end, uri in _links(text):
        found.append((start, end, {"$type": LINK, "uri": uri}))
    if resolve_handle is not None:
        for start, end, handle in _mentions(text):
            did = resolve_handle(handle)
            if did is None:
                continue
            if not did.startswith("did:"):
                raise ValueError(f"handle resolver returned {did!r} for {handle!r}, not a DID")
            found.append((start, end, {"$type": MENTION, "did": did}))
    for start, end, tag in [*_tags(text), *_cashtags(text)]:
        found.append((start, end, {"$type": TAG, "tag": tag}))

    kept: list[tuple[int, int, dict[str, Any]]] = []
    for start, end, feature in found:
        if all(end <= k_start or start >= k_end for k_start, k_end, _ in kept):
            kept.append((start, end, feature))
    kept.sort(key=lambda facet: facet[0])
    return [
        {
            "$type": FACET,
            "index": {"byteStart": offsets.at(start), "byteEnd": offsets.at(end)},
            "features": [feature],
        }
        for start, end, feature in kept
    ]


def link_facet(text: str, start: int, end: int, uri: str) -> dict[str, Any]:
    """A link facet over ``text[start:end]`` (code point indices) that points at ``uri``.

    For text that shows a link shortened (``example.com/2026/budg…``): the facet must still carry the full
    URL. Raises ``ValueError`` for an empty span or a ``uri`` that is not a URI.
    """
    if not 0 <= start < end <= len(text):
        raise ValueError(f"link span {start}:{end} is empty or outside the text")
    if not _VALID_URI.match(uri):
        raise ValueError(f"not a URI: {uri!r}")
    offsets = _ByteOffsets(text)
    return {
        "$type": FACET,
        "index": {"byteStart": offsets.at(start), "byteEnd": offsets.at(end)},
        "features": [{"$type": LINK, "uri": uri}],
    }


def detect_mentions(text: str) -> list[MentionSpan]:
    """Every ``@handle`` that looks like a Bluesky handle, for resolving before ``detect_facets``."""
    offsets = _ByteOffsets(text)
    return [MentionSpan(handle, offsets.at(start), offsets.at(end)) for start, end, handle in _mentions(text)]


def segments(text: str, facets: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None]]:
    """``text`` cut at its facets: ``(piece, feature)`` pairs, ``feature`` None for plain text.

    For previews of what a post shows. ``facets`` must not overlap (``detect_facets`` never does).
    """
    data = text.encode("utf-8")
    pieces: list[tuple[str, dict[str, Any] | None]] = []
    pos = 0
    for facet in sorted(facets, key=lambda f: f["index"]["byteStart"]):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        if start > pos:
            pieces.append((data[pos:start].decode("utf-8"), None))
        pieces.append((data[start:end].decode("utf-8"), facet["features"][0]))
        pos = end
    if pos < len(data):
        pieces.append((data[pos:].decode("utf-8"), None))
    return pieces


def utf16_to_utf8_offset(text: str, utf16_offset: int) -> int:
    """The UTF-8 byte offset of the position ``utf16_offset`` (in UTF-16 code units) of ``text``."""
    units = 0
    for i, ch in enumerate(text):
        if units >= utf16_offset:
            return utf8_len(text[:i])
        units += 2 if ord(ch) > 0xFFFF else 1
    return utf8_len(text)


# --------------------------------------------------------------------------------------------------------


class _ByteOffsets:
    """Code point index to UTF-8 byte offset, for one text."""

    def __init__(self, text: str):
        self._text = text
        self._ascii = text.isascii()

    def at(self, index: int) -> int:
        return index if self._ascii else utf8_len(self._text[:index])


def _links(text: str) -> list[tuple[int, int, str]]:
    links: list[tuple[int, int, str]] = []
    for m in _URL_RE.finditer(text):
        start, end = m.span(1)
        domain = m.group("domain")
        if domain is not None and not _is_known_domain(domain):
            continue
        # Sentence punctuation after a link is not part of it, nor is a closing parenthesis it never opened.
        if text[end - 1] in _URL_TRAILING:
            end -= 1
        if text[end - 1] == ")" and "(" not in text[start:end]:
            end -= 1
        uri = text[start:end] if domain is None else "https://" + text[start:end]
        if _VALID_URI.match(uri):  # "https://." trims down to a scheme alone
            links.append((start, end, uri))
    return links


def _mentions(text: str) -> list[tuple[int, int, str]]:
    mentions: list[tuple[int, int, str]] = []
    for m in _MENTION_RE.finditer(text):
        handle = m.group(1)
        if not _is_known_domain(handle) and not handle.lower().endswith(".test"):
            continue  # probably not a handle
        mentions.append((m.start(1) - 1, m.end(1), handle))
    return mentions


def _tags(text: str) -> list[tuple[int, int, str]]:
    tags: list[tuple[int, int, str]] = []
    for m in _TAG_RE.finditer(text):
        tag = m.group(1)
        if not tag:
            continue
        tag = _TRAILING_PUNCTUATION.sub("", tag)
        if not tag or grapheme_len(tag) > TAG_MAX_GRAPHEMES or utf8_len(tag) > TAG_MAX_BYTES:
            continue
        sign = m.start(1) - 1
        tags.append((sign, sign + 1 + len(tag), tag))
    return tags


def _cashtags(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(1) - 1, m.end(1), "$" + m.group(1).upper()) for m in _CASHTAG_RE.finditer(text)]


def _is_known_domain(name: str) -> bool:
    """Whether the last label of ``name`` is a top-level domain (the SDK's ``isValidDomain``)."""
    _, dot, tld = name.rpartition(".")
    return bool(dot) and tld.lower() in _top_level_domains()


@functools.lru_cache(maxsize=1)
def _top_level_domains() -> frozenset[str]:
    # The TLD lists twitter-text-parser carries (IANA's, as of its release).
    return frozenset(name for tlds in twitter_urls.tld_lists() for name in tlds.names)
