"""Writing build output: atomic (temp file + rename), skipped when the bytes are unchanged, stale files pruned.

A build deletes every file in output/'s build folders that it did not write, so ``guard`` refuses an output/
through which that would reach files elsewhere: nothing outside output/ is ever written or deleted.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from smmgen.errors import ConfigError, ErrorList, SmmgenError


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half of one.

    Returns False (and leaves the file alone) when it already holds exactly these bytes. ``durable=False``
    skips the fsync: still all-or-nothing for readers, but a crash may lose the new bytes, which suits files a
    later build checks and rewrites (with thousands of them the fsyncs cost more than the rest of the write).
    """
    try:
        st = path.lstat()          # a link is replaced, not taken for the file it leads to
        if stat.S_ISREG(st.st_mode) and st.st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True


def create(path: str | os.PathLike[str], data: bytes, *, durable: bool = False) -> tuple[int, int] | None:
    """Write a file that does not exist yet straight to its place, without a temporary file and a rename: there
    is no old file for a reader to see half replaced, and on a cold build of a large site the two extra file
    system operations per file cost seconds. Returns the file's (size, mtime_ns), or None when it exists after
    all (the caller then replaces it with ``atomic_write``). The parent folder must exist. ``durable``: synced to
    disk before it returns (for a temporary file about to replace a file that matters)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return None
    try:
        try:
            # Straight to the descriptor: no file object for one write (ten thousand files a cold build).
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            if durable:
                os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
    except BaseException:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        raise
    return st.st_size, st.st_mtime_ns


def listing(root: Path, subdirs: tuple[str, ...],
            linked: list[str] | None = None) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """Files under ``subdirs`` of ``root`` by relative path with their (size, mtime_ns), and the folders (as
    ``os.walk`` sees them: a link to a folder is neither followed nor listed, but added to ``linked``)."""
    files: dict[str, tuple[int, int]] = {}
    folders: set[str] = set()
    pending = list(subdirs)
    while pending:
        folder = pending.pop()
        try:
            entries = os.scandir(os.path.join(root, folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        folders.add(folder)
        with entries:
            for entry in entries:
                if entry.is_dir():
                    if not entry.is_symlink():
                        pending.append(f"{folder}/{entry.name}")
                    elif linked is not None:
                        linked.append(f"{folder}/{entry.name}")
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                files[f"{folder}/{entry.name}"] = (st.st_size, st.st_mtime_ns)
    return files, folders


def listing_sum(root: Path, subdirs: tuple[str, ...]) -> int:
    """The sum of ``smmgen.build.edit_index.file_hash`` over the files ``listing(root, subdirs)`` finds, walked
    and summed in one pass, without the listing: a build with nothing to do compares it for every file of
    output/ (130,000 at 10,000 articles), where making the listing first cost a tenth of that build."""
    crc = zlib.crc32
    total = 0
    pending = list(subdirs)
    while pending:
        folder = pending.pop()
        try:
            entries = os.scandir(os.path.join(root, folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        prefix = folder + "/"
        with entries:
            for entry in entries:
                if entry.is_dir():
                    if not entry.is_symlink():
                        pending.append(prefix + entry.name)
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                size, mtime = st.st_size, st.st_mtime_ns
                total += crc(f"{prefix}{entry.name}\0{size}\0{mtime}".encode()) | size << 64 | 1 << 128 | mtime << 160
    return total


def survey(site_root: Path, out: Path, subdirs: tuple[str, ...]) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """``listing(out, subdirs)``, once ``guard`` has found nothing in the way (links to folders inside the build
    folders included)."""
    guard(site_root, out, subdirs)
    linked: list[str] = []
    found = listing(out, subdirs, linked)
    guard(site_root, out, subdirs, linked)
    return found


def guard(site_root: Path, out: Path, subdirs: tuple[str, ...], linked: Iterable[str] = ()) -> None:
    """Refuse an output/ through which a build would write or delete files elsewhere.

    output/ must lie inside the site folder (by its real path), and its build folders, like the folders in them
    (``linked``: the links to folders that ``listing`` met there), must be real folders: after
    ``ln -s /var/www/cards output/cards`` a build would delete every file of the web root it did not write. A link
    to a file is harmless: writes replace the link, not its target, and pruning removes the link only.
    """
    def shown(path: str | Path) -> str:
        return os.path.relpath(path, site_root)

    errors: list[SmmgenError] = []
    real, home = os.path.realpath(out), os.path.realpath(site_root)
    if os.path.commonpath([real, home]) != home:
        errors.append(ConfigError(shown(out), None, f"is {real}, outside the site folder; a build writes and "
                                  "deletes files in it, so it must be a folder inside the site (site.output_dir "
                                  "in smmgen.toml names it)"))
    else:
        for folder in [*subdirs, *linked]:
            path = os.path.join(out, folder)
            if os.path.islink(path):
                served = f", and copy or sync {shown(path)}/ to where it is served after each build" \
                    if folder in subdirs else ""
                errors.append(ConfigError(shown(path), None, f"is a symbolic link (to {os.readlink(path)}); a "
                                          "build deletes every file in it that it did not write, so it must be a "
                                          f"real folder: remove the link{served}"))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ErrorList(errors)


def prune(root: Path, keep: set[Path | str], subdirs: tuple[str, ...]) -> list[Path]:
    """Delete files under ``root/<subdir>`` that this build did not write, so output/ equals a clean build.

    Nothing is resolved or followed: a link is a file of its own (removed, its target left alone), and a build
    folder that is a link is refused (``guard``), so nothing outside ``root`` is ever deleted.
    """
    if any(os.path.islink(root / sub) for sub in subdirs):
        guard(root.parent, root, subdirs)
    keep = {os.path.abspath(p) for p in keep}
    removed = []
    for sub in subdirs:
        base = os.path.abspath(root / sub)
        # Bottom up, links to folders not followed: a folder is emptied before it is looked at.
        for folder, _dirs, names in os.walk(base, topdown=False):
            for name in sorted(names):
                path = os.path.join(folder, name)
                if path not in keep:
                    os.unlink(path)
                    removed.append(Path(path))
            if folder != base and not os.listdir(folder):
                os.rmdir(folder)
    return removed
