"""The card layout model: boxes, text styles, background, logo and rectangles of one layout for one target, as
``smmgen.cards.layout`` reads them from a layout file (``smmgen.cards.layout_check`` validates every key)."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Box:
    """A rectangle given by two of x/w/right and two of y/h/bottom; resolved per canvas."""

    x: int | None = None
    w: int | None = None
    right: int | None = None
    y: int | None = None
    h: int | None = None
    bottom: int | None = None

    def resolve(self, cw: int, ch: int) -> tuple[int, int, int, int]:
        """Return (x, y, w, h) in pixels on a canvas of cw x ch."""
        x, w = _axis(self.x, self.w, self.right, cw)
        y, h = _axis(self.y, self.h, self.bottom, ch)
        return x, y, w, h


def _axis(start: int | None, size: int | None, end: int | None, total: int) -> tuple[int, int]:
    if start is not None and size is not None:
        return start, size
    if start is not None and end is not None:
        return start, total - end - start
    assert size is not None and end is not None
    return total - end - size, size


@dataclass(frozen=True)
class Pill:
    """A filled rounded rectangle drawn behind a one-line text (a label)."""

    color: RGBA
    pad_x: int
    pad_y: int
    radius: int


@dataclass(frozen=True)
class TextStyle:
    box: Box
    family: str
    """A built-in family name, or the absolute path of a font file next to the layout."""
    weight: int
    width: float
    size: tuple[int, int]
    """(max, min) font size in px; text shrinks from max to min before it is cut with an ellipsis."""
    color: RGBA
    align: str
    """"start" (left, or right for right-to-left text) | "center" | "end"."""
    valign: str
    max_lines: int
    line_height: float
    transform: str
    balance: bool
    """Even out line lengths (no lone word on the last line) without adding lines."""
    pill: Pill | None
    above_title: int | None = None
    """Kicker only: sit this many px above the title's first line (then only ``h`` is given vertically)."""


@dataclass(frozen=True)
class Background:
    kind: str
    """"solid" | "gradient" | "image" (the article's hero, cropped to fill)."""
    colors: tuple[RGBA, ...]
    """Solid: one colour; gradient: two or more stops; image: the gradient used when there is no hero."""
    direction: str
    """"vertical" | "horizontal" | "diagonal"."""
    overlay_color: RGBA
    overlay_opacity: tuple[float, ...]
    """Darkening over the hero, stops from top to bottom, each 0..1."""
    focus: tuple[float, float]
    """Default focal point when the article gives none."""


@dataclass(frozen=True)
class Logo:
    path: Path
    box: Box
    """x or right, y or bottom, h (height) and optionally w (the widest it may get)."""


@dataclass(frozen=True)
class Rect:
    box: Box
    color: RGBA
    radius: int


@dataclass(frozen=True)
class Layout:
    """A layout as it applies to one target."""

    name: str
    file: str
    """Path shown in error messages."""
    canvas: tuple[int, int]
    background: Background
    title: TextStyle
    logo: Logo | None = None
    site_name: TextStyle | None = None
    kicker: TextStyle | None = None
    date: TextStyle | None = None
    rects: tuple[Rect, ...] = field(default_factory=tuple)
    mirror_rtl: bool = True
    """Flip boxes left to right for a right-to-left title (logo and text start at the right)."""

    def fingerprint(self) -> str:
        """Stable JSON of everything that shapes the image (the bytes of files it names are hashed separately
        by the caller)."""
        return _fingerprint(self)


@functools.lru_cache(maxsize=256)
def _fingerprint(layout: Layout) -> str:
    # Where the layout and its logo sit is no part of a card: a site checked out elsewhere (or smmgen installed
    # elsewhere) draws the same cards under the same names. The logo's bytes are hashed with the card's
    # other resources.
    data = asdict(layout)
    data.pop("file")
    if data.get("logo"):
        data["logo"].pop("path")
    return json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))


@dataclass(frozen=True)
class LayoutFile:
    """A parsed and fully validated layout file, with its per-target variants."""

    name: str
    file: str
    variants: dict[str, Layout]

    def for_target(self, target: str) -> Layout:
        return self.variants[target]
