"""The site's input files: every one a build reads must resolve inside the site folder.

A symbolic link that stays inside the site is followed; one that leaves it (``content/x.md`` linked to a file in
someone's home, a layout linked to ``/dev/zero``) is refused before a byte of it is read, so nothing of the
outside file can reach output/, a log line or an error message. Articles, config, layouts (templates, card
layouts and the fonts and logos they name), heroes and avatars all go through ``inside`` or ``read_bytes``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from smmgen.errors import SmmgenError

OUTSIDE = "refused: a link to a file outside the site"


def inside(path: Path | str, root: Path) -> Path | None:
    """``path`` with every link followed, or None when that leaves ``root`` (a resolved folder)."""
    resolved = Path(os.path.realpath(path))
    return resolved if resolved == root or resolved.is_relative_to(root) else None


def shown(path: Path | str, root: Path) -> str:
    """``path`` as the user named it, relative to ``root`` where it lies below it (links not followed)."""
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def read_bytes(path: Path, root: Path, error: Callable[[str], SmmgenError]) -> bytes:
    """The bytes of ``path``; ``error(message)`` is raised, unread, for a file that resolves outside ``root``."""
    if inside(path, root) is None:
        raise error(OUTSIDE)
    return path.read_bytes()
