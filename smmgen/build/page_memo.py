"""Preview pages and their parts kept between builds by the hash of their inputs (``smmgen.preview.pages``
asks): a page not rendered again, a part copied from the last build's file of parts."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache


class PageMemo:
    """Preview pages by the hash of their inputs: a page whose key is unchanged and whose file the output index
    still vouches for is left as it is instead of rendered (see ``smmgen.preview.pages``)."""

    def __init__(self, cache: BuildCache, intact: set[str]):
        self.cache = cache
        self.intact = intact                    # files in output/ still as the output index says
        self.keys: dict[str, str] = {}
        self._fragments: FragmentStore | None = None
        # What the preview leaves for an edit to patch its pages (``smmgen.preview.edit``), once its pages are
        # all given; None when it cannot be patched (a site's own templates, a build with errors).
        self.record: dict | None = None
        # Pages written while the cards were being drawn (``smmgen.build.early``), by the key of their inputs: a
        # page whose key is still this one when the preview gets to it is not rendered again.
        self.staged: dict[str, str] = {}

    def unchanged(self, relative: str, key: str) -> bool:
        """The page was last made from inputs with this key, and its file is still as written."""
        return self.cache.pages.get(relative) == key and relative in self.intact

    def put(self, relative: str, key: str) -> None:
        self.keys[relative] = key

    def fragments(self) -> FragmentStore:
        if self._fragments is None:
            self._fragments = FragmentStore(self.cache)
        return self._fragments

    def close(self) -> None:
        if self._fragments is not None:
            self._fragments.close()

    def abandon(self) -> None:
        """After a failed build: its parts file closed, the cache left as it was."""
        if self._fragments is not None:
            self._fragments.abandon()


class FragmentStore:
    """Rendered parts of the big preview pages (an index row, a plan week or day) by the hash of what they show.

    The parts live in one file in the cache folder, written only by appending: a part whose key the last build
    wrote is read from where it is, a new one is added at the end, so a build writes what it rendered, not the
    whole file (141 MB at 10,000 articles). The saved cache names the file and where each part it used sits;
    the parts it no longer uses stay in the file as dead bytes until they are more than half of it, when the
    live ones are copied to a new file (``COMPACT``). Bytes already named are never changed, so a build that
    fails leaves the saved cache's parts as they were. A file with more than one name (a copy of the cache made
    with hard links) is never appended to: its live parts go to a new file. Files the saved cache does not
    name are removed when it is saved.
    """

    COMPACT = 0.5
    """The share of dead bytes above which the live parts are copied to a new file."""
    SMALL = 1 << 20
    """A file smaller than this is never compacted: its dead bytes cost nothing worth a copy."""

    def __init__(self, cache: BuildCache):
        self.cache = cache
        self.index: dict[str, tuple[int, int]] = {}
        self._known: dict[str, tuple[int, int]] = cache.fragments[1] if cache.fragments is not None else {}
        self._old: int | None = None            # the file parts are read from, when there is one
        self._fd: int | None = None             # the file parts are appended to
        self.path: Path | None = None
        self._end = 0
        self._files: list = []
        cache.root.mkdir(parents=True, exist_ok=True)
        if cache.fragments is not None:
            path = cache.root / cache.fragments[0]
            try:
                fd = self._own(os.open(path, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0)))
            except OSError:
                fd = None
            st = os.fstat(fd) if fd is not None else None
            if st is not None and stat.S_ISREG(st.st_mode):
                self._old = fd
                if st.st_nlink == 1:
                    self._fd, self.path, self._end = fd, path, st.st_size
        if self._fd is None:
            self._fd, self.path = self._new_file()

    def _new_file(self) -> tuple[int, Path]:
        fd, path = tempfile.mkstemp(dir=self.cache.root, prefix="fragments-", suffix=".bin")
        return self._own(fd), Path(path)

    def _own(self, fd: int) -> int:
        # Held by a file object: a build that fails before ``close`` leaves no descriptor open for good (a
        # server builds again and again in one process).
        self._files.append(os.fdopen(fd, "r+b", buffering=0))
        return fd

    def get(self, key: str, make: Callable[[], bytes]) -> bytes:
        made = self.index.get(key)
        if made is not None:                # made (or copied) by this build already: read back from its file
            data = os.pread(self._fd, made[1], made[0])   # type: ignore[arg-type]
            if len(data) == made[1]:
                return data
        data = self._copy(key)
        copied = data is not None
        if data is None:
            data = make()
        if key not in self.index:
            if copied and self._fd == self._old:
                self.index[key] = self._known[key]          # where it already is
            else:
                self.index[key] = (self._end, len(data))
                _write_at(self._fd, data, self._end)          # type: ignore[arg-type]
                self._end += len(data)
        return data

    def keep(self, key: str) -> None:
        """Keep a part the last build wrote (a page not made again shows it) without reading it where it
        already is."""
        if key in self.index or key not in self._known:
            return
        if self._fd == self._old:
            self.index[key] = self._known[key]
            return
        data = self._copy(key)
        if data is not None:
            self.index[key] = (self._end, len(data))
            _write_at(self._fd, data, self._end)            # type: ignore[arg-type]
            self._end += len(data)

    def _copy(self, key: str) -> bytes | None:
        where = self._known.get(key) if self._old is not None else None
        if where is None:
            return None
        data = os.pread(self._old, where[1], where[0])   # type: ignore[arg-type]
        return data if len(data) == where[1] else None

    def abandon(self) -> None:
        """The build failed: its file is closed, and the cache still names the parts it named."""
        for file in self._files:
            file.close()
        self._files.clear()
        self._old = self._fd = None

    def close(self) -> None:
        """Done: the cache now names this build's file and parts (written to disk when the cache is saved)."""
        live = sum(length for _, length in self.index.values())
        if self._fd == self._old and self._end > self.SMALL and self._end - live > self.COMPACT * self._end:
            self._compact()
        for file in self._files:
            file.close()
        self._files.clear()
        self._old = self._fd = None
        self.cache.fragments = (self.path.name, self.index)  # type: ignore[union-attr]

    def _compact(self) -> None:
        """The live parts, in the order of the file, copied to a new file that takes its place."""
        fd, path = self._new_file()
        index, end = {}, 0
        for key, (offset, length) in sorted(self.index.items(), key=lambda item: item[1][0]):
            _write_at(fd, os.pread(self._old, length, offset), end)  # type: ignore[arg-type]
            index[key] = (end, length)
            end += length
        self._old = None
        self._fd, self.path, self._end, self.index = fd, path, end, index


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, offset)
        offset += done
        view = view[done:]
