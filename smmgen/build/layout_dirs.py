"""Where templates and card layouts are looked for: the site's ``layouts/`` first, then the defaults shipped in
``smmgen/defaults/``. Apart from ``smmgen.build.templates`` (Jinja) because the edit's card helper needs the
folders, not the templates, before anything else is loaded.
"""

from __future__ import annotations

from pathlib import Path

DEFAULTS_DIR = Path(__file__).parent.parent / "defaults"


def search_path(site_layouts: Path | None, root: Path | None = None) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """The folders in search order, and for each the folder its files (links followed) may not leave: ``root``
    (the site folder; without it ``site_layouts`` itself) for the site's, the package's own for the defaults.
    A folder that does not exist is left out."""
    pairs = [(d, (root or d.resolve()) if d == site_layouts else DEFAULTS_DIR.resolve())
             for d in (site_layouts, DEFAULTS_DIR) if d and d.is_dir()]
    return tuple(d for d, _ in pairs), tuple(r for _, r in pairs)
