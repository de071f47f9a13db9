"""Drawing one card: background, shapes, logo and text elements, as a layout places them."""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

from smmgen.cards import text as textmod
from smmgen.cards.bidi import paragraph_rtl
from smmgen.cards.encode import Backdrop
from smmgen.cards.hero import Handed, cover
from smmgen.cards.layout import RGBA, Background, Box, Layout, TextStyle
from smmgen.cards.model import CardRequest
from smmgen.errors import ConfigError, ContentError


def render(layout: Layout, req: CardRequest, hero: Image.Image | Handed | None) -> Image.Image:
    """The card as an RGB image of ``layout.canvas`` size. ``hero`` is the decoded hero (or None; ``Handed``:
    let go of as soon as the card has what it needs of it)."""
    textmod.require_raqm()
    size = layout.canvas
    im = _background(layout.background, size, hero, req.focus)
    title = textmod.clean(req.title)
    card_rtl = layout.mirror_rtl and paragraph_rtl(list(title), req.lang)
    if layout.rects:
        d = ImageDraw.Draw(im, "RGBA")
        for r in layout.rects:
            x, y, w, h = _resolve(r.box, size, card_rtl)
            d.rounded_rectangle((x, y, x + w - 1, y + h - 1), r.radius, fill=r.color)
    if layout.logo is not None:
        _paste_logo(im, layout.logo.path, layout.logo.box, size, card_rtl)
    # The title is set first: a kicker may sit on top of it, wherever the title's length puts it.
    title_laid = _lay(layout, "title", layout.title, req.title, req, card_rtl)
    title_top = title_laid[1][0][1] - title_laid[0].ascent if title_laid else None
    for key, style, value in (("site_name", layout.site_name, req.site_name), ("kicker", layout.kicker, req.kicker),
                              ("date", layout.date, req.date_text)):
        if style is not None and value:
            laid = _lay(layout, key, style, value, req, card_rtl, title_top)
            if laid is not None:
                _draw(im, style, *laid)
    if title_laid is not None:
        _draw(im, layout.title, *title_laid)
    return im


def _resolve(box: Box, size: tuple[int, int], mirror: bool) -> tuple[int, int, int, int]:
    x, y, w, h = box.resolve(*size)
    if mirror:
        x = size[0] - x - w
    return x, y, w, h


# ----------------------------------------------------------------------------------------------------------
# Backgrounds: gradients and overlays are built once per process per size, from Pillow's 256-step ramps. Of a
# gradient only its different rows are kept: whole, the three card sizes' held 12 MB in each drawing process of a
# 1,000-article build.


def _background(bg: Background, size: tuple[int, int], hero: Image.Image | Handed | None,
                focus: tuple[float, float] | None) -> Image.Image:
    if bg.kind == "solid":
        return Image.new("RGB", size, bg.colors[0][:3])
    if bg.kind == "image" and hero is not None:
        im = cover(hero, size, focus or bg.focus)
        if max(bg.overlay_opacity) > 0:
            _darken(im, bg.overlay_color, bg.overlay_opacity)
        return im
    return _gradient(size, bg.colors, bg.direction)


def backdrop(layout: Layout, hero: bool) -> Backdrop | None:
    """What ``render`` draws a flat card on (its gradient or solid colour), for ``encode.png``; None when the card
    is drawn on its hero (``hero``: the layout's image background gets one)."""
    bg = layout.background
    if bg.kind == "image" and hero:
        return None
    if bg.kind == "solid":
        return _solid_backdrop(layout.canvas, bg.colors[0][:3])
    return _gradient_backdrop(layout.canvas, bg.colors, bg.direction)


def _solid(size: tuple[int, int], color: tuple[int, ...]) -> Image.Image:
    return Image.new("RGB", size, color)


# Each keeps its deflated pieces: as many as the gradients (and solids) this process draws on.
@functools.lru_cache(maxsize=32)
def _solid_backdrop(size: tuple[int, int], color: tuple[int, ...]) -> Backdrop:
    return Backdrop(_solid(size, color))


@functools.lru_cache(maxsize=32)
def _gradient_backdrop(size: tuple[int, int], colors: tuple[RGBA, ...], direction: str) -> Backdrop:
    return Backdrop.of_rows(size, _gradient_rows(size, colors, direction))  # the very rows drawn on: one copy


def _ramp(stops: tuple[float, ...]) -> list[int]:
    """256 values interpolated linearly between evenly spaced stops (0..255 each)."""
    n = len(stops) - 1
    out = []
    for i in range(256):
        t = i / 255 * n
        k = min(int(t), n - 1)
        out.append(round(stops[k] + (stops[k + 1] - stops[k]) * (t - k)))
    return out


def _ramp_mask(size: tuple[int, int], direction: str) -> Image.Image:
    # Not kept: only the gradients and overlays made from it are (a card-sized mask per size and direction
    # held 6 MB in each drawing process for nothing).
    v = Image.linear_gradient("L")  # 0 at the top, 255 at the bottom
    if direction == "vertical":
        m = v
    elif direction == "horizontal":
        m = v.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    else:
        h = v.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        m = ImageChops.add(v, h, scale=2.0)
    return m.resize(size, Image.BILINEAR)


def _gradient(size: tuple[int, int], colors: tuple[RGBA, ...], direction: str) -> Image.Image:
    """A new card-sized gradient image."""
    return Image.frombytes("RGB", size, b"".join(_gradient_rows(size, colors, direction)))


@functools.lru_cache(maxsize=32)
def _gradient_rows(size: tuple[int, int], colors: tuple[RGBA, ...], direction: str) -> tuple[bytes, ...]:
    """The gradient's rows from top to bottom, 3 bytes a pixel (``tobytes()``): a mask of 256 values has at most
    256 different rows, and each is kept once (0.9 MB for 1200 px wide cards, where the whole image of a
    1080x1350 card was 6 MB), for drawing and for the PNG writer's ``Backdrop`` alike (each kept its own copy,
    Pillow's 4 bytes a pixel here: 2.6 MB more in a drawing process)."""
    mask = _ramp_mask(size, direction)
    bands = [mask.point(_ramp(tuple(float(c[i]) for c in colors))) for i in range(3)]
    return _rows_once(Image.merge("RGB", bands).tobytes(), 3 * size[0])


def _rows_once(raw: bytes, stride: int) -> tuple[bytes, ...]:
    """``raw``'s rows of ``stride`` bytes, each different row one object."""
    kept: dict[bytes, bytes] = {}
    return tuple(kept.setdefault(row, row) for row in (raw[y:y + stride] for y in range(0, len(raw), stride)))


OVERLAY_BAND = 128
"""Rows of the darkening overlay pasted at a time: its colour as a whole 1080x1350 image was 6 MB more when a
drawing process peaks (a full hero decode held); band by band the pixels are the same, in the same time."""


def _darken(im: Image.Image, color: RGBA, stops: tuple[float, ...]) -> None:
    """Blend the overlay's colour onto ``im`` in place, at its opacity from top to bottom. The colour is pasted
    as an image through the mask: twice as fast as a plain colour."""
    w, h = im.size
    rows = _overlay(im.size, color, stops)
    paint = Image.new("RGB", (w, min(OVERLAY_BAND, h)), color[:3])
    for top in range(0, h, OVERLAY_BAND):
        band = min(OVERLAY_BAND, h - top)
        mask = Image.frombytes("L", (w, band), b"".join(rows[top:top + band]))
        im.paste(paint if band == paint.height else paint.crop((0, 0, w, band)), (0, top), mask)


@functools.lru_cache(maxsize=32)
def _overlay(size: tuple[int, int], color: RGBA, stops: tuple[float, ...]) -> tuple[bytes, ...]:
    """The darkening overlay's opacity (top to bottom), per process and size: the mask's rows, each different
    one kept once (at most 256; the whole masks of the three card sizes were 3 MB)."""
    alpha = color[3]
    return _rows_once(_ramp_mask(size, "vertical").point(_ramp(tuple(o * alpha for o in stops))).tobytes(), size[0])


# ----------------------------------------------------------------------------------------------------------
# Logo and text


@functools.lru_cache(maxsize=16)
def _logo_image(path: Path, height: int, max_width: int | None) -> Image.Image:
    with Image.open(path) as src:
        src = src.convert("RGBA")
        w = max(1, round(src.width * height / src.height))
        h = height
        if max_width is not None and w > max_width:
            w, h = max_width, max(1, round(src.height * max_width / src.width))
        return src.resize((w, h), Image.LANCZOS)


def _paste_logo(im: Image.Image, path: Path, box: Box, size: tuple[int, int], mirror: bool) -> None:
    assert box.h is not None
    logo = _logo_image(path, box.h, box.w)
    x = box.x if box.x is not None else size[0] - (box.right or 0) - logo.width
    y = box.y if box.y is not None else size[1] - (box.bottom or 0) - logo.height
    if mirror:
        x = size[0] - x - logo.width
    im.paste(logo, (x, y), logo)


_Placed = tuple[textmod.Laid, list[tuple[int, int]], tuple[int, int, int, int]]


def _lay(layout: Layout, key: str, style: TextStyle, value: str, req: CardRequest, card_rtl: bool,
         title_top: int | None = None) -> _Placed | None:
    """Set one text element: (laid-out text, line origins, the element's box)."""
    x, y, w, h = _resolve(style.box, layout.canvas, card_rtl)
    if style.above_title is not None:
        if title_top is None:
            return None
        y = title_top - style.above_title - h
    pill = style.pill
    inner = (x + pill.pad_x, y + pill.pad_y, w - 2 * pill.pad_x, h - 2 * pill.pad_y) if pill else (x, y, w, h)
    st = textmod.Style(style.family, style.weight, style.width, req.lang)
    cleaned = textmod.clean(value, upper=style.transform == "upper", lang=req.lang)
    try:
        laid = textmod.set_text(cleaned, st, inner[2], inner[3], style.size, style.max_lines, style.line_height,
                                balance=style.balance)
    except textmod.MissingGlyph as e:
        raise ContentError(req.source, None, key, f"{e} in {cleaned!r}") from None
    except textmod.BoxTooSmall as e:
        raise ConfigError(layout.file, key, str(e)) from None
    if laid is None:
        return None
    # "start" is the card's reading side when the layout mirrors for RTL, else the text's own.
    origins = textmod.place(laid, inner, align=style.align, valign="center" if pill else style.valign,
                            card_rtl=card_rtl if layout.mirror_rtl else laid.rtl)
    return laid, origins, (x, y, w, h)


def _draw(im: Image.Image, style: TextStyle, laid: textmod.Laid, origins: list[tuple[int, int]],
          box: tuple[int, int, int, int]) -> None:
    pill = style.pill
    if pill is not None:
        x0, _ = origins[0]
        _, y, _, h = box
        left, right = x0 - pill.pad_x, x0 + laid.lines[0].width + pill.pad_x
        ImageDraw.Draw(im, "RGBA").rounded_rectangle((left, y, right - 1, y + h - 1), pill.radius,
                                                     fill=pill.color)
    textmod.draw(im, laid, origins, style.color)


# ----------------------------------------------------------------------------------------------------------
# For the studio: how the title came out, and what it is drawn on


def title_fit(layout: Layout, req: CardRequest) -> tuple[textmod.Laid, tuple[int, int, int, int]] | None:
    """The title as ``render`` sets it on this card (remembered by ``set_text``, so asking again after drawing
    costs a lookup), and the rectangle its lines cover (x0, y0, x1, y1); None without a title."""
    title = textmod.clean(req.title)
    card_rtl = layout.mirror_rtl and paragraph_rtl(list(title), req.lang)
    placed = _lay(layout, "title", layout.title, req.title, req, card_rtl)
    if placed is None:
        return None
    laid, origins, _ = placed
    x0 = min(x for x, _ in origins)
    x1 = max(x + line.width for (x, _), line in zip(origins, laid.lines))
    return laid, (x0, origins[0][1] - laid.ascent, x1, origins[-1][1] + laid.descent)


def background(layout: Layout, hero: Image.Image | None, focus: tuple[float, float] | None) -> Image.Image:
    """The card's background alone (hero, overlay or gradient; no shapes or text), as ``render`` starts it."""
    return _background(layout.background, layout.canvas, hero, focus)
