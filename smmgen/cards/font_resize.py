"""Setting an open Pillow font to another pixel size, in place, where this process's Pillow allows it.

Pillow opens a new FreeType face for every size. FreeType hints every Noto font smmgen ships but the CJK
collection (a CFF font, hinted otherwise) with its auto-hinter, which works out which glyphs belong to which script
the first time a face loads a glyph: 7 ms of HarfBuzz walking the font's GSUB lookups, whenever a title is drawn
at a size that no open font object has (each drawing process of a 1,000-article build opened Noto Sans 165 times,
1.2 s of its 16). That work belongs to the face, not to its size: setting another size on an open face (what
Pillow itself does on the face it has just opened) keeps it, and the hinter scales its per-script measures to the
new size at the next glyph. The pixels, advances and metrics are those of a font object opened at that size
(tests/test_cards_fonts.py compares them size by size on every face of the fallback chain).

Pillow has no call for it, so the face is reached through ctypes: ``FT_Set_Pixel_Sizes`` of the FreeType library
Pillow loaded, on the ``FT_Face`` pointer that follows the header of Pillow's font object. Everything is checked
first (the platform, one FreeType library loaded, the object's size, the face's own index, the size FreeType then
reports); where something does not hold, ``resize`` returns False and the caller opens a font at the size.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from collections.abc import Callable

from PIL import ImageFont

_POINTER = ctypes.sizeof(ctypes.c_void_p)
_FONT_OBJECT_SIZE = object.__basicsize__ + 3 * _POINTER
"""Pillow's font object (``_imagingft.c``): the object header, then ``FT_Face face``, ``unsigned char *font_bytes``
and ``int layout_engine`` (padded to a pointer)."""


def resize(font: ImageFont.FreeTypeFont, size: int) -> bool:
    """Set ``font`` to ``size`` px in place (its weight and width stay as they were set); False when that cannot
    be done in this process, with ``font`` unchanged."""
    set_pixel_sizes = _set_pixel_sizes()
    core = font.font
    if set_pixel_sizes is None or type(core).__basicsize__ != _FONT_OBJECT_SIZE:
        return False
    face = ctypes.c_void_p.from_address(id(core) + object.__basicsize__).value
    # FT_FaceRec begins with num_faces and face_index (FT_Long each): a pointer to anything else is not used.
    if not face or ctypes.c_long.from_address(face).value < 1 \
            or ctypes.c_long.from_address(face + ctypes.sizeof(ctypes.c_long)).value & 0xFFFF != font.index:
        return False
    if set_pixel_sizes(face, 0, size) != 0 or (core.x_ppem, core.y_ppem) != (size, size):
        set_pixel_sizes(face, 0, font.size)
        return False
    font.size = size
    return True


@functools.cache
def _set_pixel_sizes() -> Callable[[int, int, int], int] | None:
    """``FT_Set_Pixel_Sizes`` of the FreeType library that Pillow's ``_imagingft`` loaded, or None."""
    if not sys.platform.startswith("linux"):
        return None
    path = _loaded_library("libfreetype")
    if path is None:
        return None
    try:
        function = ctypes.CDLL(path).FT_Set_Pixel_Sizes     # already loaded: the same library, not a second copy
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _loaded_library(stem: str) -> str | None:
    """The path of the one library named ``stem`` (``stem.so...`` or Pillow's bundled ``stem-<hash>.so...``) that
    this process has loaded; None when there is none, or more than one (which one Pillow uses is then unknown)."""
    try:
        with open(f"/proc/{os.getpid()}/maps", encoding="utf-8", errors="replace") as maps:
            found = {line.split(maxsplit=5)[5].strip() for line in maps if stem in line and ".so" in line}
    except (OSError, IndexError):
        return None
    named = {path for path in found if os.path.basename(path).startswith((f"{stem}.", f"{stem}-"))}
    return named.pop() if len(named) == 1 else None
