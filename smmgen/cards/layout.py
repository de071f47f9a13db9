"""Card layouts: TOML files in ``layouts/cards/`` (the site's) or ``smmgen/defaults/cards/`` (ours).

A layout places elements on the canvas with CSS-like boxes: horizontally two of ``x``, ``w``, ``right``
(distance from the right edge), vertically two of ``y``, ``h``, ``bottom``. One layout then fits every target's
canvas; ``[targets.<name>.<element>]`` tables override keys for one target (e.g. a taller title on Instagram's
portrait card). Every key is checked: unknown keys and wrong types are ``ConfigError``s naming file and key.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from smmgen.cards.layout_check import FONT_SUFFIXES, check_layout, display_path
from smmgen.cards.layout_model import RGBA, Background, Box, Layout, LayoutFile, Logo, Pill, Rect, TextStyle
from smmgen.config.toml_text import toml_loads
from smmgen.errors import ConfigError, ContentError
from smmgen.site_files import OUTSIDE, inside
from smmgen.site_files import shown as shown_in

__all__ = ["FONT_SUFFIXES", "LAYOUT_NAME", "RGBA", "Background", "Box", "Layout", "LayoutFile", "Logo", "Pill",
           "Rect", "TextStyle", "display_path", "find_layout", "layout_from_data", "load_layout"]

_PACKAGE = Path(__file__).resolve().parents[1]
LAYOUT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def find_layout(name: str, layout_dirs: list[Path] | tuple[Path, ...], *, source: str,
                roots: Sequence[Path] | None = None) -> Path:
    """The first ``<dir>/<name>.toml`` along ``layout_dirs``; a ContentError names the article if none.
    ``roots``: for each folder, the folder its layout files (links followed) may not leave (default: itself)."""
    if not LAYOUT_NAME.match(name):
        raise ContentError(source, None, "card", f"not a layout name: {name!r}")
    for d, root in zip(layout_dirs, roots or [Path(d).resolve() for d in layout_dirs]):
        p = Path(d) / f"{name}.toml"
        if p.is_file() or p.is_symlink():                   # a dangling link too: no silent fallback
            if inside(p, root) is None:
                raise ConfigError(shown_in(p, root), None, OUTSIDE)
            return p
    known = sorted({p.stem for d in layout_dirs if Path(d).is_dir() for p in Path(d).glob("*.toml")})
    raise ContentError(source, None, "card", f"no card layout {name!r} (known: {', '.join(known) or 'none'})")


def load_layout(path: Path, root: Path | None = None) -> LayoutFile:
    """Parse and validate a layout file for every target (once per process while the file is unchanged).
    ``root``: the folder that the file and the fonts and logo it names may not leave (default: its own)."""
    root = root or Path(path).parent.resolve()
    resolved = inside(path, root)
    if resolved is None:
        raise ConfigError(shown_in(path, root), None, OUTSIDE)
    try:
        st = resolved.stat()
    except OSError as e:
        raise ConfigError(shown_in(path, root), None, f"cannot read: {e.strerror}") from None
    return _load_layout(resolved, st.st_mtime_ns, st.st_size, root)


@functools.lru_cache(maxsize=64)
def _load_layout(path: Path, mtime_ns: int, size: int, root: Path) -> LayoutFile:
    # A site's layout as the site names it (layouts/cards/x.toml), wherever smmgen runs; ours from the package.
    shown = shown_in(path, root) if root != path.parent and not path.is_relative_to(_PACKAGE) else display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(shown, None, f"cannot read: {e}") from None
    raw, line, problem = toml_loads(text)
    if raw is None:
        raise ConfigError(shown, None, f"not valid TOML: {problem}", line=line)
    return layout_from_data(raw, path.stem, shown, text, path.parent, root)


def layout_from_data(raw: dict[str, Any], name: str, shown: str, text: str, folder: Path, root: Path) -> LayoutFile:
    """Validate a layout's parsed TOML (``text``: its source, for line numbers; ``folder``: where the files it
    names are looked for, which may not leave ``root``). The studio checks unsaved edits with it."""
    return LayoutFile(name, shown, check_layout(raw, name, shown, text, folder, root))
