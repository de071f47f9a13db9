"""Setting text in a box: clean it, pick a font per grapheme, break lines, shrink to fit, ellipsis last.

Widths are measured in pixels with the real fonts (libraqm shaping), once per word at a reference size and
scaled: advances of these outline fonts scale linearly (checked to within 0.05 px), which lets the size search
try every size from max down to min cheaply. The chosen lines are then rendered once at their real size into
masks cropped to their ink, which both proves that nothing falls outside the box and is what gets drawn.
Line order within a line follows ``bidi.py``; shaping (Arabic joining, CJK locl forms) is libraqm's.
"""

from __future__ import annotations

import functools
import html
import math
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import regex
from PIL import Image, ImageFont, features

from smmgen.cards import bidi, emoji
from smmgen.cards.fonts import FontFile, chain, font, pick
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


@functools.lru_cache(maxsize=4096)  # the same title, kicker and date are cleaned for every card of an article
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
    faces = chain(style.family, style.lang)
    clusters: list[Cluster] = []
    prev_face: FontFile | None = None
    for g in _GRAPHEME.findall(text):
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
    breaks = _break_opportunities(clusters)
    return Prepared(tuple(clusters), tuple(breaks), bidi.paragraph_rtl([c.text for c in clusters], style.lang),
                    style)


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


@functools.lru_cache(maxsize=65536)
def _ref_width(face: FontFile, weight: int, width: float, text: str, lang: str) -> float:
    return font(face, REF, weight, width).getlength(text, language=lang or None)


@functools.lru_cache(maxsize=1024)
def _ref_metrics(face: FontFile, weight: int, width: float) -> tuple[float, float]:
    asc, desc = font(face, REF, weight, width).getmetrics()
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
class _Word:
    start: int
    end: int  # end of the word's own clusters
    stop: int  # end including trailing spaces
    width: float  # at REF, without the trailing spaces
    space: float  # trailing spaces at REF


def _words(p: Prepared) -> list[_Word]:
    n = len(p.clusters)
    starts = [i for i in range(n) if (i == 0 or p.breaks[i]) and not p.clusters[i].space] or [0]
    words = []
    for k, st in enumerate(starts):
        nxt = starts[k + 1] if k + 1 < len(starts) else n
        end = nxt
        while end > st and p.clusters[end - 1].space:
            end -= 1
        words.append(_Word(st, end, nxt, _span_ref_width(p, st, end),
                           _span_ref_width(p, end, nxt) if nxt > end else 0.0))
    return words


def _split_long(p: Prepared, words: list[_Word], limit: float) -> list[_Word]:
    """Words wider than the line broken into graphemes (the only way such a word fits)."""
    out: list[_Word] = []
    for w in words:
        if w.width <= limit:
            out.append(w)
            continue
        for j in range(w.start, w.end):
            last = j == w.end - 1
            out.append(_Word(j, j + 1, w.stop if last else j + 1, _span_ref_width(p, j, j + 1),
                             w.space if last else 0.0))
    return out


def _wrap(words: list[_Word], limit: float) -> list[tuple[int, int]] | None:
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


# ----------------------------------------------------------------------------------------------------------
# Fitting


@dataclass(frozen=True)
class Piece:
    """A run to draw, at x relative to the line's start: text rendered once into an "L" mask (drawn in any
    colour later), or an emoji image."""

    x: int
    text: str
    emoji: Path | None
    advance: int
    mask: Image.Image | None = field(default=None, compare=False)
    ink: tuple[int, int] = (0, 0)
    """Top-left of the mask relative to (x, baseline)."""


@dataclass(frozen=True)
class Line:
    pieces: tuple[Piece, ...]
    width: int
    ink_left: int
    ink_right: int
    ink_top: int  # relative to the baseline (negative is up)
    ink_bottom: int


@dataclass(frozen=True)
class Laid:
    """Text set in a box: everything ``draw`` needs."""

    lines: tuple[Line, ...]
    size: int
    line_gap: int
    ascent: int
    descent: int
    rtl: bool
    style: Style
    ellipsized: bool
    split_words: bool

    @property
    def height(self) -> int:
        return (len(self.lines) - 1) * self.line_gap + self.ascent + self.descent


def fit(p: Prepared, box_w: int, box_h: int, size: tuple[int, int], max_lines: int, line_height: float,
        *, balance: bool = True) -> Laid | None:
    """The largest size in [min, max] at which the text fits the box in at most ``max_lines`` lines; words
    are broken between graphemes only when no size fits whole words; at the smallest size, lines past the last
    that fits are dropped and the last kept one ends with an ellipsis. None for empty text."""
    if not p.clusters:
        return None
    hi, lo = size
    asc_em, desc_em = _vertical_em(p)
    words = _words(p)
    need = sum(w.width for w in words)  # a lower bound of the length of all lines together, at REF
    for split in (False, True):
        for s in range(hi, lo - 1, -1):
            room = _lines_room(s, box_h, asc_em, desc_em, line_height, max_lines)
            limit = box_w * REF / s
            if room < 1 or need > limit * room:  # cannot fit whatever the breaks: skip the wrap
                continue
            ws = _split_long(p, words, limit) if split else words
            lines = _wrap(ws, limit)
            if lines is None or len(lines) > room:
                continue
            if balance and len(lines) > 1 and not split:
                lines = _balance(p, ws, lines, limit)
            laid = _lay(p, ws, lines, s, line_height, asc_em, desc_em, ellipsis=False, split=split)
            if _inside(laid, box_w, box_h):
                return laid
    return _ellipsize(p, box_w, box_h, lo, max_lines, line_height, asc_em, desc_em)


def _vertical_em(p: Prepared) -> tuple[float, float]:
    """Nominal ascent and descent (em) for placing lines: those of the layout's own font, so that titles in
    any script start at the same height. The real ink is checked against the box afterwards (some fonts,
    Noto Sans Arabic among them, declare far taller metrics than their letters need)."""
    s = p.style
    primary = chain(s.family, s.lang)[0]
    asc, desc = _ref_metrics(primary, s.weight, s.width)
    if any(c.emoji is not None for c in p.clusters):
        asc, desc = max(asc, EMOJI_SIDE - EMOJI_DROP), max(desc, EMOJI_DROP)
    return asc, desc


def _lines_room(s: int, box_h: int, asc_em: float, desc_em: float, line_height: float, max_lines: int) -> int:
    first = math.ceil(asc_em * s) + math.ceil(desc_em * s)
    if first > box_h:
        return 0
    gap = round(line_height * s)
    return min(max_lines, 1 + (box_h - first) // gap)


def _balance(p: Prepared, words: list[_Word], lines: list[tuple[int, int]], limit: float
             ) -> list[tuple[int, int]]:
    """Among the wrappings with the same number of lines, the one with the most breaks at natural places
    (spaces, CJK commas and full stops), then the narrowest: headlines without a lone last word, and Japanese
    lines that end at a phrase rather than inside a word."""
    n = len(lines)
    narrowest = max(w.width for w in words)
    best, best_score = lines, _break_score(p, words, lines)
    for k in range(24):
        trial = _wrap(words, narrowest + (limit - narrowest) * k / 24)
        if trial is None or len(trial) != n:
            continue
        score = _break_score(p, words, trial)
        if score > best_score:
            best, best_score = trial, score
    return best


_GOOD_BREAK_AFTER = set("、。，．！？」』）】…・")


def _break_score(p: Prepared, words: list[_Word], lines: list[tuple[int, int]]) -> tuple[int, float]:
    good = 0
    for a, _ in lines[1:]:
        prev = words[a - 1]
        if prev.stop > prev.end or p.clusters[prev.end - 1].text[-1] in _GOOD_BREAK_AFTER:
            good += 1
    widest = max(sum(w.width for w in words[a:b]) + sum(w.space for w in words[a:b - 1]) for a, b in lines)
    return good, -widest


def _lay(p: Prepared, words: list[_Word], lines: list[tuple[int, int]], s: int, line_height: float,
         asc_em: float, desc_em: float, *, ellipsis: bool, split: bool,
         last_end: int | None = None) -> Laid:
    out = []
    for k, (a, b) in enumerate(lines):
        start, end = words[a].start, words[b - 1].end
        if last_end is not None and k == len(lines) - 1:
            end = last_end
        cl = list(p.clusters[start:end])
        if ellipsis and k == len(lines) - 1:
            while cl and cl[-1].space:
                cl.pop()
            cl.append(_ellipsis_cluster(p, cl[-1] if cl else None))
        out.append(_measure_line(cl, p, s))
    ascent = max(math.ceil(asc_em * s), -out[0].ink_top)
    descent = max(math.ceil(desc_em * s), out[-1].ink_bottom)
    return Laid(tuple(out), s, round(line_height * s), ascent, descent, p.rtl, p.style, ellipsis, split)


def _ellipsis_cluster(p: Prepared, before: Cluster | None) -> Cluster:
    faces = chain(p.style.family, p.style.lang)
    face = pick(faces, ELLIPSIS, before.face if before is not None else None)
    if face is None:
        raise MissingGlyph(ELLIPSIS)
    return Cluster(ELLIPSIS, face, None, "N", False)


def _measure_line(cl: list[Cluster], p: Prepared, s: int) -> Line:
    """Order the line's runs for display (bidi) and measure them at the real size."""
    st = p.style
    levels = bidi.levels([c.bidi if c.emoji is None else "N" for c in cl], p.rtl)
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(cl):
        j = i + 1
        if cl[i].emoji is None:
            while (j < len(cl) and cl[j].emoji is None and cl[j].face == cl[i].face
                   and levels[j] == levels[i]):
                j += 1
        runs.append((i, j))
        i = j
    order = bidi.visual_order([levels[a] for a, _ in runs])
    pieces = []
    x = 0
    left, right, top, bottom = 0, 0, 0, 0
    first = True
    side = round(EMOJI_SIDE * s)
    for idx in order:
        a, b = runs[idx]
        c = cl[a]
        rtl = levels[a] % 2 == 1
        if c.emoji is not None:
            adv = round(EMOJI_ADVANCE * s)
            pad = (adv - side) // 2
            ink = (x + pad, -(side - round(EMOJI_DROP * s)), x + pad + side, round(EMOJI_DROP * s))
            pieces.append(Piece(x, c.text, c.emoji, adv))
        else:
            assert c.face is not None
            text = "".join(x_.text for x_ in cl[a:b])
            piece = _render_run(text, font(c.face, s, st.weight, st.width), rtl, st.lang, x)
            pieces.append(piece)
            adv = piece.advance
            if piece.mask is None:
                ink = (x, 0, x, 0)
            else:
                ink = (x + piece.ink[0], piece.ink[1], x + piece.ink[0] + piece.mask.width,
                       piece.ink[1] + piece.mask.height)
        if ink[2] > ink[0]:  # spaces have no ink
            if first:
                left, top, right, bottom = ink[0], ink[1], ink[2], ink[3]
                first = False
            else:
                left, top = min(left, ink[0]), min(top, ink[1])
                right, bottom = max(right, ink[2]), max(bottom, ink[3])
        x += adv
    return Line(tuple(pieces), x, left, right, top, bottom)


def _render_run(text: str, f: ImageFont.FreeTypeFont, rtl: bool, lang: str, x: int) -> Piece:
    """Render a run once into a mask cropped to its ink; the ink box is what keeps text inside its box, and the
    mask is drawn as it is (no second rendering).

    The mask is FreeType's coverage as ``ImageDraw.text`` gets it (``getmask2``, same arguments), taken directly
    rather than drawn onto a blank canvas first: the same pixels, without a canvas to clear, draw on and scan.
    """
    direction = "rtl" if rtl else "ltr"
    language = lang or None
    adv = f.getlength(text, direction=direction, language=language)
    coverage, (dx, dy) = f.getmask2(text, "L", direction=direction, language=language, anchor="ls", ink=255,
                                    start=(0.0, 0.0))
    # getmask2 gives Pillow's core image; wrapped the way Pillow's own plugins do (pillow is pinned below 14).
    mask = Image.Image()._new(coverage)
    bbox = mask.getbbox()
    if bbox is None:
        return Piece(x, text, None, round(adv))
    return Piece(x, text, None, round(adv), mask.crop(bbox), (dx + bbox[0], dy + bbox[1]))


def _inside(laid: Laid, box_w: int, box_h: int) -> bool:
    """Whether every line's ink, as ``draw`` will place it, stays in the box."""
    for line in laid.lines:
        if max(line.width, line.ink_right) - min(0, line.ink_left) > box_w:
            return False
    return laid.height <= box_h


def _ellipsize(p: Prepared, box_w: int, box_h: int, s: int, max_lines: int, line_height: float,
               asc_em: float, desc_em: float) -> Laid:
    room = _lines_room(s, box_h, asc_em, desc_em, line_height, max_lines)
    if room < 1:
        raise BoxTooSmall(f"the box ({box_w}x{box_h} px) is too small for one line at size {s}")
    limit = box_w * REF / s
    words = _split_long(p, _words(p), limit)
    lines = _wrap(words, limit)
    assert lines is not None
    lines = lines[:room]
    a, b = lines[-1]
    last_start = words[a].start
    # Drop whole words from the end of the last line, then graphemes, until it fits with the ellipsis.
    ends = sorted({w.end for w in words[a:b]}, reverse=True) + list(range(words[a].end - 1, last_start - 1, -1))
    for end in ends:
        laid = _lay(p, words, lines, s, line_height, asc_em, desc_em, ellipsis=True, split=False, last_end=end)
        if _inside(laid, box_w, box_h):
            return laid
    raise BoxTooSmall(f"the box ({box_w}x{box_h} px) is too narrow even for an ellipsis at size {s}")


# ----------------------------------------------------------------------------------------------------------
# Drawing


def place(laid: Laid, box: tuple[int, int, int, int], *, align: str, valign: str,
          card_rtl: bool) -> list[tuple[int, int]]:
    """Where each line starts: (x of its left end, y of its baseline)."""
    bx, by, bw, bh = box
    if valign == "top":
        y0 = by
    elif valign == "bottom":
        y0 = by + bh - laid.height
    else:
        y0 = by + (bh - laid.height) // 2
    side = {"start": "right" if card_rtl else "left", "end": "left" if card_rtl else "right",
            "center": "center"}[align]
    out = []
    for k, line in enumerate(laid.lines):
        if side == "left":
            x0 = bx - min(0, line.ink_left)
        elif side == "right":
            x0 = bx + bw - max(line.width, line.ink_right)
        else:
            x0 = bx + (bw - line.width) // 2
        # Keep the ink inside the box whatever the alignment (a glyph may overhang its advance).
        x0 = min(max(x0, bx - line.ink_left), bx + bw - line.ink_right)
        out.append((x0, y0 + laid.ascent + k * laid.line_gap))
    return out


def draw(im: Image.Image, laid: Laid, origins: list[tuple[int, int]], color: tuple[int, int, int, int]) -> None:
    """Draw laid-out text in an RGB image with each line starting at its origin (from ``place``), in ``color``
    with its alpha: each mask is the ink's coverage, scaled by the alpha (emoji keep their own)."""
    fade = None if color[3] == 255 else [(v * color[3] + 127) // 255 for v in range(256)]
    for line, (x0, baseline) in zip(laid.lines, origins):
        for piece in line.pieces:
            if piece.emoji is not None:
                side = round(EMOJI_SIDE * laid.size)
                pad = (piece.advance - side) // 2
                img = emoji.image(piece.emoji, side)
                im.paste(img, (x0 + piece.x + pad, baseline + round(EMOJI_DROP * laid.size) - side), img)
            elif piece.mask is not None:
                # A patch of the colour pasted through the mask: the pixels ImageDraw.bitmap gives, in a third
                # of its time (Pillow blends an image through a mask faster than a colour).
                ink = Image.new("RGB", piece.mask.size, color[:3])
                mask = piece.mask if fade is None else piece.mask.point(fade)
                im.paste(ink, (x0 + piece.x + piece.ink[0], baseline + piece.ink[1]), mask)


# Texts set in this process, least recently used first: (text, style, box width, sizes, lines, line height,
# balance) -> [(box height, result)]. One-line labels (site name, kicker, date) come back on card after card
# and are small: many are kept. A title serves only its article's few cards and its masks are large (up to
# 0.6 MB): the last few are kept.
_Memo = OrderedDict[tuple, list[tuple[int, Laid | None]]]
_LABELS: _Memo = OrderedDict()
_TITLES: _Memo = OrderedDict()
_LABELS_KEPT, _TITLES_KEPT = 512, 8


def set_text(text: str, style: Style, box_w: int, box_h: int, size: tuple[int, int], max_lines: int,
             line_height: float, *, balance: bool = True) -> Laid | None:
    """Prepare and fit in one call (None for empty text).

    Remembered per process: the site name, and an article's kicker and date, come back unchanged on card
    after card; and a title set for one box height is reused for another height where ``fit`` would give the
    same result (og's 1200x630 and x's 1200x675 cards mostly share their title), which saves shaping and
    rendering it again.
    """
    memo, kept = (_LABELS, _LABELS_KEPT) if max_lines == 1 else (_TITLES, _TITLES_KEPT)
    key = (text, style, box_w, size, max_lines, line_height, balance)
    known = memo.get(key)
    if known is not None:
        memo.move_to_end(key)
        for height, laid in known:
            if height == box_h or laid is None or _same_fit(laid, height, box_h, size[0]):
                return laid
    laid = fit(_prepared(text, style), box_w, box_h, size, max_lines, line_height, balance=balance)
    if known is None:
        known = memo[key] = []
        if len(memo) > kept:
            memo.popitem(last=False)
    known.append((box_h, laid))
    return laid


def forget() -> None:
    """Drop every text ``set_text`` remembers (a process that wants the memory back, or a test)."""
    _LABELS.clear()
    _TITLES.clear()
    _prepared.cache_clear()


def _same_fit(laid: Laid, height: int, box_h: int, largest: int) -> bool:
    """Whether ``fit`` in a box ``box_h`` high gives ``laid``, which it gave for ``height`` (same text, width
    and settings).

    ``fit`` takes the first (size, whole words or split) that passes, largest size first; only the room for
    lines and the ink height depend on the box height. A lower box fails every candidate that failed in a
    higher one, and ``laid`` still passes where its ink fits (its line count then fits the room, and its words
    fit the width as before). A higher box passes ``laid`` too, and when it was the very first candidate
    (largest size, whole words) nothing comes before it. Ellipsized and split results depend on the room in
    other ways: those are set again.
    """
    if laid.ellipsized or laid.split_words or laid.height > box_h:
        return False
    return box_h <= height or laid.size == largest


@functools.lru_cache(maxsize=256)
def _prepared(text: str, style: Style) -> Prepared:
    """``prepare``, remembered: a title is set in three boxes per article (one per card size)."""
    return prepare(text, style)
