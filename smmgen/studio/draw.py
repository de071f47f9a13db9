"""Drawing cards for the studio: the build's renderer, in the server's process, with decoded heroes kept.

A hero is decoded once (at the size the largest card needs) and kept in a small LRU keyed by its file's stamp,
so moving a slider re-draws a card without reading or decoding the photo again. Each drawing comes with what the
page warns about: a title cut with an ellipsis, and the WCAG contrast of the title's colour on what lies under
its box (the lightest or darkest tenth of it, whichever is worse for that colour).
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from smmgen.cards import hero as heromod
from smmgen.cards.layout import Layout
from smmgen.cards.model import CardRequest
from smmgen.cards.render import background, render, title_fit
from smmgen.cards.targets import TARGETS

HEROES_KEPT = 8          # decoded heroes (a 2400x1600 photo is 11 MB decoded)
DRAWINGS_KEPT = 96       # encoded cards: a contact sheet of 16 articles x 6 targets
BACKGROUNDS_KEPT = 6     # one card's backgrounds, while a text or colour control moves
JPEG_QUALITY = 88        # the page shows the card, not the file the build writes (that is the build's choice)
MIN_CONTRAST = 4.5       # WCAG 2 AA for normal text; a card title is large, but is read small in a feed


@dataclass(frozen=True)
class Drawn:
    """One card as the page shows it."""

    jpeg: bytes
    width: int
    height: int
    warnings: tuple[str, ...]
    contrast: float | None
    seconds: float
    """How long drawing, checking and encoding it took (0: it was drawn before)."""


class _LRU(OrderedDict):
    def __init__(self, kept: int):
        super().__init__()
        self.kept = kept

    def remember(self, key, value):
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.kept:
            self.popitem(last=False)
        return value

    def recall(self, key):
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value


class Drawer:
    """Draws cards one at a time (the renderer's per-process memos are not made for threads)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._heroes: _LRU = _LRU(HEROES_KEPT)
        self._drawn: _LRU = _LRU(DRAWINGS_KEPT)
        self._backgrounds: _LRU = _LRU(BACKGROUNDS_KEPT)   # what the title's contrast is measured on

    def hero(self, path: Path) -> heromod.Pyramid:
        """The decoded hero at ``path`` (raises ``heromod.HeroError``)."""
        st = os.stat(path)
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self._lock:
            found = self._heroes.recall(key)
            if found is None:
                sizes = [(t.width, t.height) for t in TARGETS.values()]
                found = self._heroes.remember(key, heromod.Pyramid(heromod.load(path, sizes)))
            return found

    def draw(self, layout: Layout, req: CardRequest) -> Drawn:
        """The card for ``req`` drawn with ``layout`` (raises the renderer's ``SmmgenError``s)."""
        uses_hero = req.hero is not None and layout.background.kind == "image"
        stamp = _stamp(req.hero) if uses_hero else None
        logo = _stamp(layout.logo.path) if layout.logo is not None else None
        # Not the target: og and vk, or x, mastodon and telegram, share a drawing when their variants agree.
        key = (layout.fingerprint(), replace(req, target=""), stamp, logo)
        pyramid = self.hero(req.hero) if uses_hero else None
        with self._lock:
            found = self._drawn.recall(key)
            if found is not None:
                return replace(found, seconds=0.0)
            started = time.perf_counter()
            hero = pyramid.covering(layout.canvas) if pyramid is not None else None
            im = render(layout, req, hero)
            warnings = []
            fitted = title_fit(layout, req)
            laid = fitted[0] if fitted is not None else None
            if laid is not None and laid.ellipsized:
                warnings.append(f"title cut after {len(laid.lines)} line(s) at {laid.size} px")
            elif laid is not None and laid.size == layout.title.size[1] and layout.title.size[0] > laid.size:
                warnings.append(f"title shrunk to its smallest size ({laid.size} px)")
            contrast = None
            if fitted is not None:
                under = self._backgrounds.recall((layout.background, layout.canvas, stamp, req.focus))
                if under is None:
                    under = self._backgrounds.remember((layout.background, layout.canvas, stamp, req.focus),
                                                       background(layout, hero, req.focus))
                contrast = _contrast(layout, under, fitted[1])
            if contrast is not None and contrast < MIN_CONTRAST:
                warnings.append(f"title contrast {contrast:.1f}:1, below WCAG AA {MIN_CONTRAST}:1")
            out = io.BytesIO()
            im.save(out, "JPEG", quality=JPEG_QUALITY)
            took = time.perf_counter() - started
            return self._drawn.remember(key, Drawn(out.getvalue(), im.width, im.height, tuple(warnings), contrast,
                                                   took))


def _stamp(path: Path | None) -> tuple | None:
    if path is None:
        return None
    st = os.stat(path)
    return (str(path), st.st_mtime_ns, st.st_size)


def _contrast(layout: Layout, backdrop: Image.Image, ink: tuple[int, int, int, int]) -> float:
    """WCAG contrast of the title colour on the worst tenth of ``backdrop`` (the card's background) under the
    title's lines (``ink``: the rectangle they cover)."""
    w, h = layout.canvas
    x0, y0, x1, y1 = max(0, ink[0]), max(0, ink[1]), min(w, ink[2]), min(h, ink[3])
    under = backdrop.crop((x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)))
    under.thumbnail((48, 48), Image.BOX)
    raw = under.tobytes()
    values = sorted(_luminance(raw[i:i + 3]) for i in range(0, len(raw), 3))
    text = _luminance(layout.title.color[:3])
    tenth = max(1, len(values) // 10)
    # Light text fails on the lightest part of the background, dark text on the darkest.
    worst = values[-tenth] if text > values[len(values) // 2] else values[tenth - 1]
    hi, lo = max(text, worst), min(text, worst)
    return round((hi + 0.05) / (lo + 0.05), 2)


def _luminance(rgb: tuple[int, ...]) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
