"""Replacing a file in output/ without a reader ever seeing half of it: the new bytes go to a temporary file
beside it, which replaces it on close, unless the old file already holds the same bytes (then nothing is
touched, and its time stamp tells a deploy nothing changed).
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache


class Replacement:
    """A temporary file beside ``path`` (``relative`` in output/) that replaces it on close, unless it holds the
    same bytes; with a cache, the output index learns what was written."""

    def __init__(self, path: Path, relative: str, durable: bool, defer: list | None = None):
        self.path = path
        self.defer = defer
        self.relative = relative
        self.durable = durable
        self.offset = 0
        self.replaced = False
        self._hash = hashlib.sha256()
        self._same: bool | None = None
        self._cache: BuildCache | None = None

    def __enter__(self) -> Replacement:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self._file = os.fdopen(fd, "wb")
        return self

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self._hash.update(data)
        self.offset += len(data)

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()

    def keep_if_unchanged(self, cache: BuildCache | None) -> None:
        """Decide whether the old file already holds these bytes: by the output index with a cache, else by
        reading it."""
        self._cache = cache
        if cache is not None:
            self._same = cache.unchanged(self.relative, self.path, self.digest)
        else:
            self._same = _file_digest(self.path, self.offset) == self.digest

    def __exit__(self, kind, value, traceback) -> None:
        try:
            if kind is None and not self._same and self.durable:
                self._file.flush()
                os.fsync(self._file.fileno())
            self._file.close()
            if kind is None and not self._same:
                os.chmod(self._tmp, 0o644)
                if self.defer is not None:
                    self.defer.append((self._tmp, self.path, self.relative if self._cache is not None else None,
                                       self.digest))
                    self.replaced = True
                    return
                os.replace(self._tmp, self.path)
                self.replaced = True
                if self._cache is not None:
                    self._cache.wrote(self.relative, self.path, self.digest)
        finally:
            if not self.replaced:
                Path(self._tmp).unlink(missing_ok=True)


def _file_digest(path: Path, size: int) -> str | None:
    try:
        st = path.lstat()              # a link is replaced, not taken for the file it leads to
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            return None
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


def stream_to(path: Path, out: Path, blocks: Iterable[bytes], cache: BuildCache | None, durable: bool,
               defer: list | None = None) -> int:
    """Write ``blocks`` to ``path`` unless it holds them already; returns 1 when the file changed (or, with
    ``defer``, is to change: the rename is listed there instead of done)."""
    with Replacement(path, path.relative_to(out).as_posix(), durable, defer) as f:
        for block in blocks:
            f.write(block)
        f.keep_if_unchanged(cache)
    return int(f.replaced)
