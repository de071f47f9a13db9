"""A minimal title card in plain Pillow: the floor that smmgen's card renderer is measured against.

Decode (with ``draft``, so libjpeg scales down while decoding), fit (crop to fill, resize only when the decoded
size is not already right), draw (a darkening gradient on photos, the title wrapped greedily), encode (JPEG
quality 86 with 4:2:0 chroma for photos, PNG at zlib level 3 for flat cards: the settings smmgen uses). Nothing
else: one font per title (Noto Sans CJK for Chinese and Japanese titles, else Noto Sans, both from the same pip
packages smmgen uses), no per-character fallback, no emoji images, no fitting of the font size, no site name,
date or logo, no cache, no byte budget.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

TITLE_SIZE = 62
MARGIN = 64
MAX_LINES = 4
LINE_HEIGHT = 1.14


@functools.cache
def font_path(cjk: bool) -> tuple[str, int]:
    from smmgen.cards.fonts import chain

    faces = chain("Noto Sans", "ja")
    face = next(f for f in faces if "CJK" in f.path) if cjk else faces[0]
    return face.path, face.index


@functools.cache
def font(cjk: bool) -> ImageFont.FreeTypeFont:
    path, index = font_path(cjk)
    f = ImageFont.truetype(path, TITLE_SIZE, index=index, layout_engine=ImageFont.Layout.RAQM)
    try:
        axes = f.get_variation_axes()
        f.set_variation_by_axes([700 if str(a.get("name")).endswith("Weight") or a.get("name") == b"Weight"
                                 else a["default"] for a in axes])
    except OSError:
        pass
    return f


@functools.cache
def _shade(size: tuple[int, int]) -> tuple[Image.Image, Image.Image]:
    """Black, and a mask from 30% at the top to 90% at the bottom, for photos."""
    mask = Image.linear_gradient("L").resize(size).point(lambda v: 77 + v * 153 // 255)
    return Image.new("RGB", size, (0, 0, 0)), mask


@functools.cache
def _flat(size: tuple[int, int]) -> Image.Image:
    ramp = Image.linear_gradient("L").resize(size)
    return Image.merge("RGB", [ramp.point(lambda v, a=a, b=b: a + (b - a) * v // 255)
                               for a, b in ((10, 29), (20, 66), (36, 117))])


def _is_cjk(text: str) -> bool:
    return any(0x3000 <= ord(c) <= 0x9FFF or 0xF900 <= ord(c) <= 0xFAFF for c in text)


def _wrap(text: str, f: ImageFont.FreeTypeFont, width: int, cjk: bool) -> list[str]:
    units = list(text) if cjk else text.split()
    sep = "" if cjk else " "
    lines: list[str] = []
    line = ""
    for unit in units:
        candidate = f"{line}{sep}{unit}" if line else unit
        if line and f.getlength(candidate) > width:
            lines.append(line)
            line = unit
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines[:MAX_LINES]


def render(title: str, hero: Path | None, size: tuple[int, int] = (1200, 630)) -> bytes:
    """One card: JPEG when there is a hero photo, PNG otherwise."""
    w, h = size
    if hero is not None:
        with Image.open(hero) as src:
            src.draft("RGB", size)
            im = src.convert("RGB")
        scale = max(w / im.width, h / im.height)
        cw, ch = round(w / scale), round(h / scale)
        left, top = (im.width - cw) // 2, int((im.height - ch) * 0.4)
        im = im.crop((left, top, left + cw, top + ch))
        if im.size != size:
            im = im.resize(size, Image.BICUBIC)
        black, mask = _shade(size)
        im.paste(black, (0, 0), mask)
    else:
        im = _flat(size).copy()
    cjk = _is_cjk(title)
    f = font(cjk)
    lines = _wrap(title, f, w - 2 * MARGIN, cjk)
    step = round(TITLE_SIZE * LINE_HEIGHT)
    y = h - MARGIN - step * len(lines)
    draw = ImageDraw.Draw(im)
    for line in lines:
        draw.text((MARGIN, y), line, font=f, fill=(255, 255, 255))
        y += step
    buf = io.BytesIO()
    if hero is not None:
        im.save(buf, "JPEG", quality=86, subsampling=2, optimize=False, progressive=False)
    else:
        im.save(buf, "PNG", compress_level=3, optimize=False)
    return buf.getvalue()
