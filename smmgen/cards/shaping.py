"""Text before it is set in a box: cleaned, split into grapheme clusters each with the font that has its glyphs
(emoji as images), measured at a reference size and cut into words where a line may break (kinsoku for
Japanese and Chinese). ``smmgen.cards.text`` fits, places and draws what this prepares.

Widths are measured in pixels with the real fonts (libraqm shaping), once per word at a reference size and
scaled: advances of these outline fonts scale linearly (checked to within 0.05 px), which lets the size search
try every size from max down to min cheaply.
"""

from __future__ import annotations

import functools
import html
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex
from PIL import features

from smmgen.cards import bidi, emoji
from smmgen.cards.fonts import FontFile, chain, measuring, pick
from smmgen.errors import SmmgenError

REF = 200  # reference size for measuring, px
EMOJI_SIDE = 0.95  # emoji image side, in em
EMOJI_ADVANCE = 1.05  # advance of an emoji, in em
EMOJI_DROP = 0.11  # how far an emoji's bottom sits below the baseline, in em
ELLIPSIS = "\u2026"

_GRAPHEME = regex.compile(r"\X")
_COMMON = regex.compile(r"^[\p{Script=Common}\p{Script=Inherited}]+$")
_IDEOGRAPHIC = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]")
# Japanese and Chinese line-breaking rules (kinsoku): never start a line with these...
_NO_START = set("、。，．・：；？！ー」』）】〕〉》〙〗〟’”ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々〻‐゠–〜～…‥"
                "）］｝〕〉》」』】〙〗〟｠»›%,.:;!?)]}\u3001\u3002\uff0c\uff0e")
# ...and never end one with these.
_NO_END = set("「『（【〔〈《〘〖〝‘“([{（［｛｟«‹")
_BREAK_AFTER = set("-‐–—/")
# Removed before layout: bidi embedding and isolate controls (not supported), zero-width and soft hyphen.
_DROP = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u00ad\u2060\ufeff")
# Collapsed to one space: ASCII and line-breaking whitespace. No-break spaces (U+00A0, U+2007, U+202F) keep
# words together and the ideographic space U+3000 keeps its full width, so those stay.
_SPACES = regex.compile(r"[ \t\n\r\f\v\u0085\u1680\u2000-\u2006\u2008-\u200b\u2028\u2029\u205f]+")
# Where a line may break (and which are dropped at the end of a line).
BREAKING_SPACES = frozenset(" \u3000")


class MissingGlyph(SmmgenError):
    """No card font has a glyph for a character (the caller turns this into a ContentError)."""

    def __init__(self, char: str):
        self.char = char
        name = unicodedata.name(char[0], "unnamed")
        super().__init__(f"no card font has a glyph for U+{ord(char[0]):04X} ({name})")


class BoxTooSmall(SmmgenError):
    """The box cannot hold one line at the smallest size (a layout error)."""


@functools.cache
def require_raqm() -> None:
    if not features.check("raqm"):
        raise SmmgenError("Pillow was built without libraqm: cards need it to shape Arabic, Hebrew and "
                          "complex scripts (the Pillow wheels from PyPI include it)")


# The same title, kicker and date are cleaned for every card of an article, one article after the other: with
# 256 kept, a worker of a 1,000-article build cleans 227 of its 16,570 texts more than with 4,096 (20 us each),
# which filled up only after some 2,000 articles (a process's memory grew with the site it drew).
@functools.lru_cache(maxsize=256)
def clean(text: str, *, upper: bool = False, lang: str = "") -> str:
    """Plain text for a card: entities decoded, NFC, no control characters, whitespace collapsed."""
    text = html.unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in text if c not in _DROP)
    text = _SPACES.sub(" ", text).strip()
    if upper:
        primary = lang.lower().split("-")[0]
        if primary in ("tr", "az"):
            text = text.replace("i", "\u0130")
        text = text.upper()
        if primary == "el":  # Greek capitals drop the accents (ΠΟΛΙΤΙΚΗ, not ΠΟΛΙΤΙΚΉ); diaeresis stays
            text = unicodedata.normalize("NFC", "".join(
                c for c in unicodedata.normalize("NFD", text) if c not in "\u0301\u0342\u0313\u0314\u0345"))
    return text


# ----------------------------------------------------------------------------------------------------------
# Clusters and words


@dataclass(frozen=True)
class Cluster:
    """One grapheme cluster with the face that draws it, or the emoji image that stands for it."""

    text: str
    face: FontFile | None
    emoji: Path | None
    bidi: str
    space: bool


@dataclass(frozen=True)
class Style:
    """How a piece of text is set; the fitting-relevant subset of a layout's TextStyle."""

    family: str
    weight: int
    width: float
    lang: str


@dataclass(frozen=True)
class Prepared:
    """Text ready for line breaking."""

    clusters: tuple[Cluster, ...]
    breaks: tuple[bool, ...]
    """breaks[i]: a line may start at cluster i."""
    rtl: bool
    style: Style


def prepare(text: str, style: Style) -> Prepared:
    """Split text into clusters, choose a face for each, find the break opportunities."""
    clusters: list[Cluster] = []
    prev_face: FontFile | None = None
    for g in _GRAPHEME.findall(text):
        made, prev_face = _grapheme_clusters(style.family, style.lang, g, prev_face)
        clusters += made
    breaks = _break_opportunities(clusters)
    return Prepared(tuple(clusters), tuple(breaks), bidi.paragraph_rtl([c.text for c in clusters], style.lang),
                    style)


# The same letters, spaces and punctuation come back in text after text: each is looked up in the faces' character
# maps (and for an emoji image) once per family, language and face before it, not once per text (37,000 times
# for the 1,232 texts a drawing process of a 1,000-article build prepares). 2,048 kept hold 0.7 MB (CJK).
@functools.lru_cache(maxsize=2048)
def _grapheme_clusters(family: str, lang: str, g: str, prev_face: FontFile | None
                       ) -> tuple[tuple[Cluster, ...], FontFile | None]:
    """The clusters one grapheme is set as (one, or an unknown emoji sequence's parts), and the face of its last."""
    faces = chain(family, lang)
    clusters: list[Cluster] = []
    for part in _emoji_parts(g):
        if part[1] is not None:
            clusters.append(Cluster(part[0], None, part[1], "N", False))
            continue
        t = part[0]
        # Spaces, digits and punctuation stay in the font of the text around them, which keeps runs long
        # (fewer shaping calls) and Arabic or CJK punctuation in its own design.
        prefer = prev_face if _COMMON.match(t) else None
        face = pick(faces, t, prefer)
        if face is None:
            raise MissingGlyph(t)
        prev_face = face
        clusters.append(Cluster(t, face, None, bidi.bidi_class(t), t in BREAKING_SPACES))
    return tuple(clusters), prev_face


def _emoji_parts(g: str) -> list[tuple[str, Path | None]]:
    if not emoji.wants_emoji(g):
        return [(g, None)]
    found = emoji.asset(g)
    if found is not None:
        return [(g, found)]
    parts = emoji.split_unknown(g)
    if len(parts) > 1:
        return [p for sub in parts for p in _emoji_parts(sub)]
    return [(g, None)]  # left to the fonts (Noto Emoji has many that Twemoji lacks)


def _break_opportunities(cl: list[Cluster]) -> list[bool]:
    out = [False] * len(cl)
    for i in range(1, len(cl)):
        a, b = cl[i - 1], cl[i]
        if b.space:
            continue
        if a.space:
            out[i] = True
            continue
        if b.text[0] in _NO_START or a.text[-1] in _NO_END:
            continue
        after_break = a.text in _BREAK_AFTER and i >= 2 and cl[i - 2].text.isalnum() and b.text.isalnum()
        if _IDEOGRAPHIC.match(a.text) or _IDEOGRAPHIC.match(b.text) or after_break:
            out[i] = True
    return out


# ----------------------------------------------------------------------------------------------------------
# Measuring


# Words come back in the cards of one article (three sizes, one measure) and, the common ones, across articles:
# half the cards of a 1,000-article build measured 1,005 words. 1,024 kept hold 0.3 MB; 8,192 went on filling
# up with every new word of a larger site (2.3 MB), 65,536 would hold some 16 MB.
@functools.lru_cache(maxsize=1024)
def _ref_width(face: FontFile, weight: int, width: float, text: str, lang: str) -> float:
    return measuring(face, REF, weight, width).getlength(text, language=lang or None)


@functools.lru_cache(maxsize=1024)
def ref_metrics(face: FontFile, weight: int, width: float) -> tuple[float, float]:
    asc, desc = measuring(face, REF, weight, width).getmetrics()
    return asc / REF, desc / REF


def _runs(cl: tuple[Cluster, ...] | list[Cluster], start: int, end: int) -> list[tuple[int, int]]:
    """Maximal spans of one face (each emoji alone) inside [start, end)."""
    spans = []
    i = start
    while i < end:
        j = i + 1
        if cl[i].emoji is None:
            while j < end and cl[j].emoji is None and cl[j].face == cl[i].face:
                j += 1
        spans.append((i, j))
        i = j
    return spans


def _span_ref_width(p: Prepared, start: int, end: int) -> float:
    s = p.style
    total = 0.0
    for a, b in _runs(p.clusters, start, end):
        c = p.clusters[a]
        if c.emoji is not None:
            total += EMOJI_ADVANCE * REF
        else:
            assert c.face is not None
            total += _ref_width(c.face, s.weight, s.width, "".join(x.text for x in p.clusters[a:b]), s.lang)
    return total


@dataclass(frozen=True)
class Word:
    start: int
    end: int  # end of the word's own clusters
    stop: int  # end including trailing spaces
    width: float  # at REF, without the trailing spaces
    space: float  # trailing spaces at REF


def words_of(p: Prepared) -> list[Word]:
    n = len(p.clusters)
    starts = [i for i in range(n) if (i == 0 or p.breaks[i]) and not p.clusters[i].space] or [0]
    words = []
    for k, st in enumerate(starts):
        nxt = starts[k + 1] if k + 1 < len(starts) else n
        end = nxt
        while end > st and p.clusters[end - 1].space:
            end -= 1
        words.append(Word(st, end, nxt, _span_ref_width(p, st, end),
                           _span_ref_width(p, end, nxt) if nxt > end else 0.0))
    return words


def split_long_words(p: Prepared, words: list[Word], limit: float) -> list[Word]:
    """Words wider than the line broken into graphemes (the only way such a word fits)."""
    out: list[Word] = []
    for w in words:
        if w.width <= limit:
            out.append(w)
            continue
        for j in range(w.start, w.end):
            last = j == w.end - 1
            out.append(Word(j, j + 1, w.stop if last else j + 1, _span_ref_width(p, j, j + 1),
                             w.space if last else 0.0))
    return out


def wrap_words(words: list[Word], limit: float) -> list[tuple[int, int]] | None:
    """Greedy line breaking of words (widths at REF) into lines of at most ``limit`` (at REF).
    Returns word index ranges, or None when one word alone is too wide."""
    lines: list[tuple[int, int]] = []
    first, width = 0, 0.0
    for i, w in enumerate(words):
        if w.width > limit:
            return None
        if i == first:
            width = w.width
            continue
        candidate = width + words[i - 1].space + w.width
        if candidate <= limit:
            width = candidate
        else:
            lines.append((first, i))
            first, width = i, w.width
    if words:
        lines.append((first, len(words)))
    return lines
