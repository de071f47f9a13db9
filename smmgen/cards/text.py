"""Setting text in a box: break lines, shrink to fit, ellipsis last. ``smmgen.cards.shaping`` cleans the text,
picks a font per grapheme and measures the words; the size search here tries every size from max down to min
with those widths, scaled. The chosen lines are then rendered once at their real size into
masks cropped to their ink, which both proves that nothing falls outside the box and is what gets drawn.
Line order within a line follows ``bidi.py``; shaping (Arabic joining, CJK locl forms) is libraqm's.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageFont

from smmgen.cards import bidi, emoji
from smmgen.cards.fonts import chain, font, pick
from smmgen.cards.shaping import (
    ELLIPSIS,
    EMOJI_ADVANCE,
    EMOJI_DROP,
    EMOJI_SIDE,
    REF,
    BoxTooSmall,
    Cluster,
    MissingGlyph,
    Prepared,
    Style,
    Word,
    clean,
    prepare,
    ref_metrics,
    require_raqm,
    split_long_words,
    words_of,
    wrap_words,
)

# What callers import from here, set or prepared.
__all__ = ["BoxTooSmall", "ELLIPSIS", "Laid", "Line", "MissingGlyph", "Piece", "Prepared", "Style", "clean",
           "draw", "fit", "forget", "place", "prepare", "require_raqm", "set_text"]


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
    words = words_of(p)
    need = sum(w.width for w in words)  # a lower bound of the length of all lines together, at REF
    for split in (False, True):
        for s in range(hi, lo - 1, -1):
            room = _lines_room(s, box_h, asc_em, desc_em, line_height, max_lines)
            limit = box_w * REF / s
            if room < 1 or need > limit * room:  # cannot fit whatever the breaks: skip the wrap
                continue
            ws = split_long_words(p, words, limit) if split else words
            lines = wrap_words(ws, limit)
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
    asc, desc = ref_metrics(primary, s.weight, s.width)
    if any(c.emoji is not None for c in p.clusters):
        asc, desc = max(asc, EMOJI_SIDE - EMOJI_DROP), max(desc, EMOJI_DROP)
    return asc, desc


def _lines_room(s: int, box_h: int, asc_em: float, desc_em: float, line_height: float, max_lines: int) -> int:
    first = math.ceil(asc_em * s) + math.ceil(desc_em * s)
    if first > box_h:
        return 0
    gap = round(line_height * s)
    return min(max_lines, 1 + (box_h - first) // gap)


def _balance(p: Prepared, words: list[Word], lines: list[tuple[int, int]], limit: float
             ) -> list[tuple[int, int]]:
    """Among the wrappings with the same number of lines, the one with the most breaks at natural places
    (spaces, CJK commas and full stops), then the narrowest: headlines without a lone last word, and Japanese
    lines that end at a phrase rather than inside a word."""
    n = len(lines)
    narrowest = max(w.width for w in words)
    best, best_score = lines, _break_score(p, words, lines)
    for k in range(24):
        trial = wrap_words(words, narrowest + (limit - narrowest) * k / 24)
        if trial is None or len(trial) != n:
            continue
        score = _break_score(p, words, trial)
        if score > best_score:
            best, best_score = trial, score
    return best


_GOOD_BREAK_AFTER = set("、。，．！？」』）】…・")


def _break_score(p: Prepared, words: list[Word], lines: list[tuple[int, int]]) -> tuple[int, float]:
    good = 0
    for a, _ in lines[1:]:
        prev = words[a - 1]
        if prev.stop > prev.end or p.clusters[prev.end - 1].text[-1] in _GOOD_BREAK_AFTER:
            good += 1
    widest = max(sum(w.width for w in words[a:b]) + sum(w.space for w in words[a:b - 1]) for a, b in lines)
    return good, -widest


def _lay(p: Prepared, words: list[Word], lines: list[tuple[int, int]], s: int, line_height: float,
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
    words = split_long_words(p, words_of(p), limit)
    lines = wrap_words(words, limit)
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
# and are small (4 KB): the site name and the kickers on every article, a date on its own article's cards only.
# 128 are kept: 512 held 2 MB, full only after 300 articles, for 20% fewer labels set again (0.5 ms each). A title
# serves only its article's few cards (drawn one after the other, in two widths) and its masks are large (up to
# 0.6 MB): the last two are kept (eight added 2 MB to a drawing process; one after the other, one would do).
_Memo = OrderedDict[tuple, list[tuple[int, Laid | None]]]
_LABELS: _Memo = OrderedDict()
_TITLES: _Memo = OrderedDict()
_LABELS_KEPT, _TITLES_KEPT = 128, 2


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


@functools.lru_cache(maxsize=8)
def _prepared(text: str, style: Style) -> Prepared:
    """``prepare``, remembered: a title is set in three boxes per article (one per card size), one article after
    the other (256 kept held 1.4 MB of articles done, for 4% fewer prepared again)."""
    return prepare(text, style)
