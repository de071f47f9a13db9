"""New card files wait in ``.smmgen/staging/cards/`` until the build succeeds; only then do they move into
``output/cards/``.

A build that stops on errors (or is killed) thus leaves output/ exactly as it was. The cards it drew stay in
the staging folder, outside output/ (never served, uploaded or named by a manifest), for the next build to take
instead of drawing them again: card files are named by the hash of what they show, so a staged file is the
right one whenever its name is asked for. A successful build moves the cards it uses into output/cards (a rename
each: the folders are normally on one file system) and removes the staging folder with whatever else is left in
it (cards no longer needed, temporary files of a killed write).
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Collection
from pathlib import Path

from smmgen.output_files import atomic_write

STAGING = Path(".smmgen") / "staging"


def folder(site) -> Path:
    """Where ``site``'s builds draw new cards (as ``cards/<name>`` inside it, the path they get in output/)."""
    return site.root / STAGING


def ready_folder(site) -> Path:
    """The staging folder, made if need be, a real folder (a link left in its place is removed, never written
    through) that git ignores; returns it."""
    stage = folder(site)
    for path in (stage, stage / "cards"):
        if path.is_symlink():
            path.unlink()
        path.mkdir(parents=True, exist_ok=True)
    ignore = stage / ".gitignore"
    if not ignore.is_file():
        atomic_write(ignore, b"# Cards of a build not finished yet (smmgen); never committed.\n*\n", durable=False)
    return stage


def commit(site, staged: Collection[str]) -> None:
    """Move the ``staged`` cards (paths as in output/, "cards/<name>") into output/ and remove the staging
    folder."""
    stage = folder(site)
    if staged:
        (site.output_dir / "cards").mkdir(parents=True, exist_ok=True)
    for relative in sorted(staged):
        source, target = stage / relative, site.output_dir / relative
        try:
            os.replace(source, target)
        except FileNotFoundError:
            if target.is_file():
                continue                    # moved already, by a build of the same site that ran alongside
            raise
        except OSError as e:
            if e.errno != errno.EXDEV:  # named by its place in output/: that is where smmgen could not write
                raise OSError(e.errno, e.strerror, str(target)) from None
            # output/ on another file system than the site: copied (atomically for readers), then removed.
            atomic_write(target, source.read_bytes(), durable=False)
            source.unlink()
    discard(site)


def keep_only(site, staged: Collection[str]) -> None:
    """After a failed build: keep the ``staged`` cards for the next try, remove everything else staged."""
    cards = folder(site) / "cards"
    wanted = {Path(relative).name for relative in staged}
    try:
        entries = list(os.scandir(cards))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.name not in wanted or not entry.is_file(follow_symlinks=False):
            _remove(entry.path)


def discard(site) -> None:
    """Remove the staging folder and everything in it (a link in its place: the link only)."""
    _remove(str(folder(site)))


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
