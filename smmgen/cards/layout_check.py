"""Checking a card layout file: every key of every table, for every target, with the overrides of
``[targets.<name>]`` merged in. The tables are read with ``smmgen.config.schema``'s ``TableReader`` and
converters, so unknown keys and wrong types are ``ConfigError``s naming file, key and line as in smmgen.toml.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from smmgen.cards.fonts import BUILTIN_FAMILIES
from smmgen.cards.layout_model import RGBA, Background, Box, Layout, Logo, Pill, Rect, TextStyle
from smmgen.cards.targets import TARGETS
from smmgen.config import schema as s
from smmgen.config.lines import toml_key_lines
from smmgen.site_files import OUTSIDE, inside

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def check_layout(raw: dict[str, Any], name: str, shown: str, text: str, folder: Path,
                 root: Path) -> dict[str, Layout]:
    """Every target's variant of a layout's parsed TOML, each key checked (a ``ConfigError`` names the first
    wrong one, with its line in ``text``)."""
    raw = dict(raw)
    lines = toml_key_lines(text)
    overrides = raw.pop("targets", {})
    if not isinstance(overrides, dict):
        raise s.config_error(shown, lines, "targets", f"expected a table of targets, got {_show(overrides)}")
    for t in overrides:
        if t not in TARGETS:
            raise s.config_error(shown, lines, f"targets.{t}", f"unknown target (known: {', '.join(TARGETS)})")
        if not isinstance(overrides[t], dict):
            raise s.config_error(shown, lines, f"targets.{t}", f"expected a table, got {_show(overrides[t])}")
    variants: dict[str, Layout] = {}
    for t, spec in TARGETS.items():
        override = overrides.get(t, {})
        reader = _Reader(_merge(raw, override), file=shown, lines=lines, written=_written_in(override, t),
                         target=t, folder=folder, root=root)
        variants[t] = _parse_layout(reader, name, shown, (spec.width, spec.height))
    return variants


def _written_in(override: dict[str, Any], target: str) -> Callable[[str], str]:
    """Where a key of the merged layout was written: in the target's override table, or in the base."""
    def written(key: str) -> str:
        table: Any = override
        for part in key.split("."):
            if not isinstance(table, dict) or part not in table:
                return key
            table = table[part]
        return f"targets.{target}.{key}"
    return written


def display_path(path: Path) -> str:
    """A path as a user should see it: relative to the working directory or to the installed package."""
    path = Path(path)
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


_POSITIONS = (("x", "right"), ("y", "bottom", "above_title"))


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep merge; an override that gives a position on an axis (x or right; y, bottom or above_title)
    replaces the base's positions on that axis, so a target can move an element from the bottom edge to the
    top without unsetting anything. Sizes (w, h) merge like any other key."""
    out = dict(base)
    for axis in _POSITIONS:
        if any(k in over for k in axis):
            for k in axis:
                out.pop(k, None)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


# ----------------------------------------------------------------------------------------------------------
# Validation


class _Reader(s.TableReader):
    """A layout table: ``smmgen.config.schema``'s reader with the layout's value types (ranges, colours) and the
    target whose card it is for (``target``), with the folder its font and logo files are looked up in."""

    def __init__(self, data: dict[str, Any], *, file: str, lines: dict[str, int], written: Callable[[str], str],
                 target: str, folder: Path, root: Path):
        super().__init__(data, file=file, lines=lines, written=written)
        self.target = target
        self.dir = folder        # the layout's folder
        self.root = root         # the folder no file the layout names may leave

    def int(self, name: str, default: int | None = None, *, lo: int = 0, hi: int = 100_000) -> int | None:
        return self.value(name, s.integer(lo, hi), default)

    def number(self, name: str, default: float, *, lo: float, hi: float) -> float:
        return self.value(name, s.number(lo, hi), default)

    def bool(self, name: str, default: bool) -> bool:
        return self.value(name, s.boolean, default)

    def string(self, name: str, default: str | None = None) -> str | None:
        return self.value(name, s.string, default)

    def choice(self, name: str, options: tuple[str, ...], default: str) -> str:
        return self.value(name, s.choice(*options), default)

    def color(self, name: str, default: str | None = None) -> RGBA:
        if default is None and self.get(name) is None:
            raise self.error(name, "missing (a colour like \"#1a2b3c\")")
        return self.value(name, _color, _color(default) if default is not None else None)

    def parse_color(self, name: str, v: Any) -> RGBA:
        try:
            return _color(v)
        except s.Invalid as e:
            raise self.error(name, str(e)) from None

    def colors(self, name: str, *, least: int) -> tuple[RGBA, ...] | None:
        v = self.get(name)
        if v is None:
            return None
        if not isinstance(v, list) or len(v) < least:
            raise self.error(name, f"expected a list of at least {least} colours, got {_show(v)}")
        return tuple(self.parse_color(name, c) for c in v)


def _color(v: Any) -> RGBA:
    if isinstance(v, str) and re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})", v):
        hx = v[1:]
        if len(hx) == 3:
            hx = "".join(c * 2 for c in hx)
        if len(hx) == 6:
            hx += "ff"
        return tuple(int(hx[i:i + 2], 16) for i in range(0, 8, 2))  # type: ignore[return-value]
    raise s.Invalid(f"expected a colour \"#rgb\", \"#rrggbb\" or \"#rrggbbaa\", got {_show(v)}")


def _show(v: Any) -> str:
    # A list as written ("[30, 60]"), where schema.shown says "a list": the layout's pair and colour messages
    # quote the value.
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "a table"
    return json.dumps(v, ensure_ascii=False, default=str)


def _parse_layout(r: _Reader, name: str, shown: str, canvas: tuple[int, int]) -> Layout:
    c = r.table("canvas")
    if c is not None:
        canvas = (c.int("width", canvas[0], lo=200, hi=4096), c.int("height", canvas[1], lo=200, hi=4096))
        c.done()
    r.string("description")  # free text for people reading the file
    bg = r.table("background")
    if bg is None:
        raise r.error("background", "missing [background] table")
    background = _parse_background(bg)
    title_r = r.table("title")
    if title_r is None:
        raise r.error("title", "missing [title] table")
    title = _parse_text(title_r, canvas, default_lines=3, size_pair_required=True)
    logo = _parse_logo(r.table("logo"), canvas)
    site_name = _optional_text(r.table("site_name"), canvas)
    kicker = _optional_text(r.table("kicker"), canvas, floating_ok=True)
    date = _optional_text(r.table("date"), canvas)
    rects = _parse_rects(r, canvas)
    mirror = r.bool("mirror_rtl", True)
    r.done()
    return Layout(name, shown, canvas, background, title, logo, site_name, kicker, date, rects, mirror)


def _parse_background(r: _Reader) -> Background:
    kind = r.choice("type", ("solid", "gradient", "image"), "gradient")
    direction = r.choice("direction", ("vertical", "horizontal", "diagonal"), "diagonal")
    if kind == "solid":
        colors: tuple[RGBA, ...] = (r.color("color"),)
    else:
        got = r.colors("colors", least=2)
        if got is None:
            raise r.error("colors", "missing (a list of at least 2 colours)")
        colors = got
    overlay_color = r.color("overlay_color", "#000000")
    opacity_raw = r.get("overlay_opacity")
    opacity: tuple[float, ...] = (0.0, 0.0)
    if opacity_raw is not None:
        if (not isinstance(opacity_raw, list) or len(opacity_raw) < 2
                or not all(isinstance(o, (int, float)) and not isinstance(o, bool) and 0 <= o <= 1
                           for o in opacity_raw)):
            raise r.error("overlay_opacity", f"expected a list of 2 or more numbers in 0..1 (top to bottom), "
                                             f"got {_show(opacity_raw)}")
        opacity = tuple(float(o) for o in opacity_raw)
    focus = _focus(r, "focus", (0.5, 0.5))
    if kind != "image" and opacity_raw is not None:
        raise r.error("overlay_opacity", "only an image background has an overlay")
    r.done()
    return Background(kind, colors, direction, overlay_color, opacity, focus)


def _focus(r: _Reader, name: str, default: tuple[float, float]) -> tuple[float, float]:
    v = r.get(name)
    if v is None:
        return default
    if (not isinstance(v, list) or len(v) != 2
            or not all(isinstance(o, (int, float)) and not isinstance(o, bool) and 0 <= o <= 1 for o in v)):
        raise r.error(name, f"expected [x, y] with each in 0..1, got {_show(v)}")
    return (float(v[0]), float(v[1]))


def _parse_box(r: _Reader, canvas: tuple[int, int], *, logo: bool = False, floating: bool = False) -> Box:
    vals = {k: r.int(k, None, lo=0, hi=8192) for k in ("x", "w", "right", "y", "h", "bottom")}
    if floating:  # placed vertically at render time: only the height is given
        if vals["h"] is None or vals["y"] is not None or vals["bottom"] is not None:
            raise r.error("h", "with above_title, give h and neither y nor bottom")
        vals["y"] = 0
    if logo:
        if vals["h"] is None:
            raise r.error("h", "missing (the logo's height in px)")
        if (vals["x"] is None) == (vals["right"] is None):
            raise r.error("x", "give exactly one of x, right")
        if (vals["y"] is None) == (vals["bottom"] is None):
            raise r.error("y", "give exactly one of y, bottom")
        box = Box(**vals)
        return box
    for axis in (("x", "w", "right"), ("y", "h", "bottom")):
        given = [k for k in axis if vals[k] is not None]
        if len(given) != 2:
            raise r.error(axis[0], f"give exactly two of {', '.join(axis)} (got {', '.join(given) or 'none'})")
    box = Box(**vals)
    x, y, w, h = box.resolve(*canvas)
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > canvas[0] or y + h > canvas[1]:
        raise r.error("x", f"box x={x} y={y} w={w} h={h} does not fit the {r.target} card "
                           f"({canvas[0]}x{canvas[1]}); place it with right/bottom, or override it in "
                           f"[targets.{r.target}]")
    return box


def _size_range(r: _Reader, required_pair: bool) -> tuple[int, int]:
    v = r.get("size")
    if isinstance(v, int) and not isinstance(v, bool) and not required_pair:
        v = [v, v]
    if (not isinstance(v, list) or len(v) != 2
            or not all(isinstance(s, int) and not isinstance(s, bool) for s in v)):
        raise r.error("size", f"expected [max, min] integers, got {_show(v) if v is not None else 'nothing'}")
    hi, lo = v
    if not 6 <= lo <= hi <= 400:
        raise r.error("size", f"expected [max, min] with 6 <= min <= max <= 400, got {_show(v)}")
    return (hi, lo)


def _parse_text(r: _Reader, canvas: tuple[int, int], *, default_lines: int,
                size_pair_required: bool = False, floating_ok: bool = False) -> TextStyle:
    above = r.int("above_title", None, lo=0, hi=1000) if floating_ok else None
    box = _parse_box(r, canvas, floating=above is not None)
    family = _family(r)
    weight = r.int("weight", 400, lo=100, hi=1000)
    width = r.number("width", 100.0, lo=50.0, hi=200.0)
    size = _size_range(r, size_pair_required)
    color = r.color("color", "#ffffff")
    align = r.choice("align", ("start", "center", "end"), "start")
    valign = r.choice("valign", ("top", "center", "bottom"), "top")
    max_lines = r.int("max_lines", default_lines, lo=1, hi=20)
    line_height = r.number("line_height", 1.15, lo=0.8, hi=3.0)
    transform = r.choice("transform", ("none", "upper"), "none")
    balance = r.bool("balance", True)
    pill = None
    pill_color = r.get("pill_color")
    if pill_color is not None:
        pad = r.get("pill_padding")
        if pad is None:
            pad = [12, 6]
        if (not isinstance(pad, list) or len(pad) != 2
                or not all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 200 for p in pad)):
            raise r.error("pill_padding", f"expected [x, y] integers, got {_show(pad)}")
        pill = Pill(r.parse_color("pill_color", pill_color), pad[0], pad[1],
                    r.int("pill_radius", 6, lo=0, hi=200))
        if max_lines != 1:
            raise r.error("pill_color", "a pill needs max_lines = 1")
    else:
        for k in ("pill_padding", "pill_radius"):
            if r.has(k):
                raise r.error(k, "needs pill_color")
    r.done()
    return TextStyle(box, family, weight, width, size, color, align, valign, max_lines, line_height,
                     transform, balance, pill, above)


def _family(r: _Reader) -> str:
    fam = r.string("family", "Noto Sans")
    assert fam is not None
    if fam in BUILTIN_FAMILIES:
        return fam
    if fam.lower().endswith(FONT_SUFFIXES):
        p = (r.dir / fam).resolve()
        if inside(p, r.root) is None:
            raise r.error("family", f"{_show(fam)}: {OUTSIDE}")
        if not p.is_file():
            raise r.error("family", f"font file not found: {display_path(p)}")
        problem = _unreadable_font(p)
        if problem:
            raise r.error("family", f"{_show(fam)} is not a font that can be drawn with: {problem}")
        return str(p)
    raise r.error("family", f"unknown font {_show(fam)} (built-in: {', '.join(BUILTIN_FAMILIES)}; "
                            f"or a .ttf/.otf file next to the layout)")


def _optional_text(r: _Reader | None, canvas: tuple[int, int], *, floating_ok: bool = False) -> TextStyle | None:
    if r is None:
        return None
    if not r.bool("show", True):
        r.used.update(r.data)  # a hidden element's other keys are not checked
        return None
    return _parse_text(r, canvas, default_lines=1, floating_ok=floating_ok)


def _parse_logo(r: _Reader | None, canvas: tuple[int, int]) -> Logo | None:
    if r is None:
        return None
    if not r.bool("show", True):
        r.used.update(r.data)
        return None
    rel = r.string("path")
    if not rel:
        raise r.error("path", "missing (an image file next to the layout)")
    p = (r.dir / rel).resolve()
    if inside(p, r.root) is None:
        raise r.error("path", f"{_show(rel)}: {OUTSIDE}")
    if not p.is_file():
        raise r.error("path", f"logo file not found: {display_path(p)}")
    problem = _unreadable_image(p)
    if problem:
        raise r.error("path", f"{_show(rel)} is not an image that can be drawn: {problem}")
    box = _parse_box(r, canvas, logo=True)
    r.done()
    return Logo(p, box)


def _unreadable_font(path: Path) -> str | None:
    """Why ``path`` cannot be drawn with (checked when the layout is read, to name its file and line), or None."""
    from PIL import ImageFont

    from smmgen.cards.cmap import CmapError, read_coverage

    try:
        read_coverage(str(path))
        ImageFont.truetype(str(path), 12)
    except (CmapError, OSError, ValueError) as e:
        return str(e) or type(e).__name__
    return None


def _unreadable_image(path: Path) -> str | None:
    """Why Pillow cannot decode ``path`` (checked once, when the layout is read: a card drawn in a worker
    process has no layout file and line to name), or None."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as e:
        if isinstance(e, Image.UnidentifiedImageError):
            return "not in a format Pillow can read"
        return str(e) or type(e).__name__
    return None


def _parse_rects(r: _Reader, canvas: tuple[int, int]) -> tuple[Rect, ...]:
    raw = r.get("rect")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise r.error("rect", f"expected [[rect]] tables, got {_show(raw)}")
    out = []
    for i, t in enumerate(raw):
        sub = r.child(t, f"{r.prefix}rect[{i}].")
        box = _parse_box(sub, canvas)
        out.append(Rect(box, sub.color("color"), sub.int("radius", 0, lo=0, hi=1000)))
        sub.done()
    return tuple(out)
