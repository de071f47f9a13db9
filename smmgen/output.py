"""Writing build output: atomic (temp file + rename), skipped when the bytes are unchanged, stale files pruned."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> bool:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half of one.

    Returns False (and leaves the file alone) when it already holds exactly these bytes. ``durable=False``
    skips the fsync: still all-or-nothing for readers, but a crash may lose the new bytes, which suits files a
    later build checks and rewrites (with thousands of them the fsyncs cost more than the rest of the write).
    """
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
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


def create(path: Path, data: bytes) -> tuple[int, int] | None:
    """Write a file that does not exist yet straight to its place, without a temporary file and a rename: there
    is no old file for a reader to see half replaced, and on a cold build of a large site the two extra file
    system operations per file cost seconds. Returns the file's (size, mtime_ns), or None when it exists after
    all (the caller then replaces it with ``atomic_write``). The parent folder must exist."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            st = os.fstat(f.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return st.st_size, st.st_mtime_ns


def listing(root: Path, subdirs: tuple[str, ...]) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """Files under ``subdirs`` of ``root`` by relative path with their (size, mtime_ns), and the folders (as
    ``os.walk`` sees them: a link to a folder is neither followed nor listed)."""
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
                    continue
                try:
                    st = entry.stat()
                except OSError:
                    continue
                files[f"{folder}/{entry.name}"] = (st.st_size, st.st_mtime_ns)
    return files, folders


def prune(root: Path, keep: set[Path], subdirs: tuple[str, ...]) -> list[Path]:
    """Delete files under ``root/<subdir>`` that this build did not write, so output/ equals a clean build."""
    removed = []
    keep = {p.resolve() for p in keep}
    for sub in subdirs:
        base = root / sub
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*"), reverse=True):
            if path.is_file() and path.resolve() not in keep:
                path.unlink()
                removed.append(path)
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return removed
