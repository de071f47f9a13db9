"""Post text as the platform would style it: runs of plain text, links, hashtags and mentions.

The result is data (``Segment``s); the templates turn it into HTML with autoescaping, so nothing in an article
can become markup. Only http(s) URLs become links: a ``javascript:`` URL in a post stays plain text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import regex

from smmgen.preview.looks import Look

_URL = regex.compile(r"https?://[^\s<>\"'`]+", regex.I)
# A hashtag starts after a space or punctuation, and is more than digits (#1 is not a tag on any platform).
_TAG = regex.compile(r"(?<![\p{L}\p{N}_&/#])#([\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*)")
_MENTION = regex.compile(r"(?<![\p{L}\p{N}_/@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)"
                         r"(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?")
_TRAILING = ".,;:!?…»”’'\""


@dataclass(frozen=True)
class Segment:
    kind: str                 # "text" | "link" | "tag" | "mention"
    text: str                 # what the platform shows
    href: str | None = None   # the full URL for links (shown on hover)
    style: str = ""           # formatting from a markup parse mode: "b", "i", "u", "s", "code"


def _trim_url(url: str) -> str:
    # Sentence punctuation after a URL is not part of it; a closing bracket is, when the URL opened one.
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def shorten(url: str, limit: int | None) -> str:
    """A URL as X and Mastodon display it: no scheme, no www., cut with an ellipsis."""
    if limit is None:
        return url
    shown = regex.sub(r"^https?://(www\.)?", "", url, flags=regex.I)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def segments(text: str, look: Look, facets: Sequence[Mapping[str, Any]] | None = None) -> tuple[Segment, ...]:
    """Split ``text`` into styled runs; Bluesky-style ``facets`` (UTF-8 byte ranges), when given, win."""
    if facets:
        from_facets = _from_facets(text, facets)
        if from_facets is not None:
            return from_facets
    found: list[tuple[int, int, Segment]] = []
    for m in _URL.finditer(text):
        url = _trim_url(m.group())
        if len(url) <= len("https://"):
            continue
        seg = Segment("link", shorten(url, look.link_display), url) if look.links_clickable else \
            Segment("text", url)
        found.append((m.start(), m.start() + len(url), seg))
    taken = [(a, b) for a, b, _ in found]
    for pattern, kind in ((_TAG, "tag"), (_MENTION, "mention")):
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            found.append((m.start(), m.end(), Segment(kind, m.group())))
            taken.append((m.start(), m.end()))
    return _assemble(text, found)


def _assemble(text: str, found: list[tuple[int, int, Segment]]) -> tuple[Segment, ...]:
    out: list[Segment] = []
    pos = 0
    for start, end, seg in sorted(found, key=lambda f: f[0]):
        if start > pos:
            out.append(Segment("text", text[pos:start]))
        out.append(seg)
        pos = end
    if pos < len(text):
        out.append(Segment("text", text[pos:]))
    return tuple(out)


def _from_facets(text: str, facets: Sequence[Mapping[str, Any]]) -> tuple[Segment, ...] | None:
    """Segments from atproto rich-text facets; None when they do not fit the text (then the regexes decide)."""
    raw = text.encode("utf-8")
    found: list[tuple[int, int, Segment]] = []
    try:
        for facet in facets:
            start, end = int(facet["index"]["byteStart"]), int(facet["index"]["byteEnd"])
            if not 0 <= start < end <= len(raw):
                return None
            a, b = len(raw[:start].decode("utf-8")), len(raw[:end].decode("utf-8"))
            feature = (facet.get("features") or [{}])[0]
            kind = str(feature.get("$type", "")).rsplit("#", 1)[-1]
            shown = text[a:b]
            if kind == "link":
                uri = str(feature.get("uri", ""))
                seg = Segment("link", shown, uri) if uri.lower().startswith(("http://", "https://")) else \
                    Segment("text", shown)
            elif kind in ("tag", "mention"):
                seg = Segment(kind, shown)
            else:
                continue
            found.append((a, b, seg))
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, IndexError, AttributeError):
        return None
    spans = sorted((a, b) for a, b, _ in found)
    if any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
        return None
    return _assemble(text, found)


# Telegram's HTML parse mode: the tags it knows and the style each gives (core.telegram.org/bots/api#html-style).
_TG_STYLES = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s", "strike": "s",
              "del": "s", "code": "code", "pre": "code", "tg-spoiler": "s", "blockquote": "i"}


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[tuple[str, str, str | None]] = []     # (text, style, href)
        self.styles: list[str] = []
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href") or ""
            self.hrefs.append(href if href.lower().startswith(("http://", "https://")) else None)
        elif tag in _TG_STYLES:
            self.styles.append(_TG_STYLES[tag])

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.hrefs:
            self.hrefs.pop()
        elif tag in _TG_STYLES and self.styles:
            self.styles.pop()

    def handle_data(self, data: str) -> None:
        self.runs.append((data, self.styles[-1] if self.styles else "", self.hrefs[-1] if self.hrefs else None))


def telegram_html_segments(text: str, look: Look) -> tuple[Segment, ...]:
    """A message in Telegram's HTML parse mode as the app shows it: tags applied, entities decoded."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    out: list[Segment] = []
    for run, style, href in parser.runs:
        if href:
            out.append(Segment("link", run, href, style))
            continue
        out.extend(Segment(seg.kind, seg.text, seg.href, style) for seg in segments(run, look))
    return tuple(out)
