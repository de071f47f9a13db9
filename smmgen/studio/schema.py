"""The layout keys the studio makes controls for, in the order a person writes them.

``smmgen.cards.layout`` is the authority on what a layout may say; this table describes the same keys for the
page (type, range, choices, default) so that it can draw a control for each, and orders new keys and tables when
a layout is saved. tests/test_studio_edit.py checks this table against the loader both ways: every key here is
one the loader reads, and every key the loader reads is here, so a key added there and forgotten here, or misspelt
here, is a failing test rather than a missing control or one that writes a refused file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from smmgen.cards.fonts import BUILTIN_FAMILIES
from smmgen.cards.targets import TARGETS


@dataclass(frozen=True)
class Key:
    """One layout key: what the control edits."""

    name: str
    type: str
    """"int" | "number" | "bool" | "string" | "choice" | "color" | "colors" (a list of colours) | "stops" (a
    list of numbers in 0..1) | "pair" ([a, b] integers, or numbers for "focus") | "font"."""
    default: Any = None
    min: float | None = None
    max: float | None = None
    options: tuple[str, ...] = ()
    doc: str = ""


_BOX = (
    Key("x", "int", None, 0, 8192, doc="from the left edge (px)"),
    Key("w", "int", None, 0, 8192, doc="width (px)"),
    Key("right", "int", None, 0, 8192, doc="from the right edge (px)"),
    Key("y", "int", None, 0, 8192, doc="from the top edge (px)"),
    Key("h", "int", None, 0, 8192, doc="height (px)"),
    Key("bottom", "int", None, 0, 8192, doc="from the bottom edge (px)"),
)

_TEXT = (
    Key("show", "bool", True, doc="draw this element"),
    *_BOX,
    Key("family", "font", "Noto Sans", options=BUILTIN_FAMILIES, doc="a built-in family or a font file next to "
                                                                      "the layout"),
    Key("weight", "int", 400, 100, 1000, doc="100 thin … 900 black"),
    Key("width", "number", 100.0, 50, 200, doc="font width axis (%)"),
    Key("size", "pair", None, 6, 400, doc="[largest, smallest] px: the text shrinks before it is cut"),
    Key("max_lines", "int", 1, 1, 20, doc="line clamp: lines before the ellipsis"),
    Key("line_height", "number", 1.15, 0.8, 3.0),
    Key("color", "color", "#ffffff"),
    Key("align", "choice", "start", options=("start", "center", "end")),
    Key("valign", "choice", "top", options=("top", "center", "bottom")),
    Key("transform", "choice", "none", options=("none", "upper")),
    Key("balance", "bool", True, doc="even out line lengths"),
    Key("pill_color", "color", None, doc="a label behind one line of text (needs max_lines = 1)"),
    Key("pill_padding", "pair", None, 0, 200, doc="[x, y] px around the text"),
    Key("pill_radius", "int", 6, 0, 200),
)

ELEMENTS: dict[str, tuple[Key, ...]] = {
    "": (
        Key("description", "string", "", doc="what the layout is for (free text)"),
        Key("mirror_rtl", "bool", True, doc="flip boxes for a right-to-left title"),
    ),
    "canvas": (
        Key("width", "int", None, 200, 4096, doc="overrides the target's width"),
        Key("height", "int", None, 200, 4096, doc="overrides the target's height"),
    ),
    "background": (
        Key("type", "choice", "gradient", options=("solid", "gradient", "image"),
            doc="image: the article's hero, cropped around its focal point"),
        Key("color", "color", None, doc="solid background"),
        Key("colors", "colors", None, doc="gradient stops (an image card's fallback without a hero)"),
        Key("direction", "choice", "diagonal", options=("vertical", "horizontal", "diagonal")),
        Key("overlay_color", "color", "#000000", doc="darkening over the hero"),
        Key("overlay_opacity", "stops", None, 0, 1, doc="overlay strength, top to bottom"),
        Key("focus", "pair", [0.5, 0.5], 0, 1, doc="focal point when the article gives none"),
    ),
    "rect": (*_BOX, Key("color", "color", None), Key("radius", "int", 0, 0, 1000)),
    "kicker": (*_TEXT[:7], Key("above_title", "int", None, 0, 1000, doc="sit this many px above the title"),
               *_TEXT[7:]),
    "title": _TEXT[1:],
    "logo": (Key("show", "bool", True), Key("path", "string", None, doc="an image next to the layout"), *_BOX),
    "site_name": _TEXT,
    "date": _TEXT,
}
"""Element (table) name -> its keys; "" is the top level, ``rect`` is an array of tables (``[[rect]]``)."""

ARRAYS = ("rect",)


def describe(fonts: tuple[str, ...] = ()) -> dict[str, Any]:
    """The schema as JSON for the page; ``fonts``: the font files next to the site's layouts."""
    out = {}
    for element, keys in ELEMENTS.items():
        described = []
        for key in keys:
            d = asdict(key)
            if key.type == "font":
                d["options"] = [*key.options, *fonts]
            described.append(d)
        out[element] = described
    return {"elements": out, "arrays": list(ARRAYS), "targets": list(TARGETS)}


_ELEMENT_ORDER = {name: i for i, name in enumerate(ELEMENTS)}
_KEY_ORDER = {element: {k.name: i for i, k in enumerate(keys)} for element, keys in ELEMENTS.items()}


def rank(path: tuple) -> tuple:
    """Sort key of a layout key's path (``("title", "color")``, ``("rect", 0, "x")``,
    ``("targets", "instagram", "title", "size")``): the order of ``ELEMENTS``, base tables before targets."""
    names = [p for p in path if not isinstance(p, int)]
    index = next((p for p in path if isinstance(p, int)), 0)
    target = 0
    if names[:1] == ["targets"] and len(names) >= 2:
        target = 1 + list(TARGETS).index(names[1]) if names[1] in TARGETS else 99
        names = names[2:]
    element = names[0] if len(names) > 1 else ""
    key = names[-1] if names else ""
    return (target, _ELEMENT_ORDER.get(element, 99), index, _KEY_ORDER.get(element, {}).get(key, 99), key)
