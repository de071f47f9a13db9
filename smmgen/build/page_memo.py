"""Preview pages and their parts kept between builds by the hash of their inputs (``smmgen.preview.pages``
asks): a page not rendered again, a part copied from the last build's file of parts."""

from __future__ import annotations

import os
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


class FragmentStore:
    """Rendered parts of the big preview pages (an index row, a plan week or day) by the hash of what they show.

    Each build writes the parts it uses to a new file in the cache folder, copying from the last build's file
    the parts whose key it knows and rendering only the others, so memory holds offsets, not pages. The saved
    cache names its file; files it does not name are removed when it is saved.
    """

    def __init__(self, cache: BuildCache):
        self.cache = cache
        self.index: dict[str, tuple[int, int]] = {}
        self._old = None
        known = cache.fragments
        if known is not None:
            try:
                self._old = (cache.root / known[0]).open("rb")
            except OSError:
                pass
        cache.root.mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(dir=cache.root, prefix="fragments-", suffix=".bin")
        self.path = Path(path)
        self._new = os.fdopen(fd, "wb")
        self._offset = 0

    def get(self, key: str, make: Callable[[], bytes]) -> bytes:
        data = self._copy(key)
        if data is None:
            data = make()
        if key not in self.index:
            self.index[key] = (self._offset, len(data))
            self._new.write(data)
            self._offset += len(data)
        return data

    def _copy(self, key: str) -> bytes | None:
        where = self.cache.fragments[1].get(key) if self._old is not None and self.cache.fragments else None
        if where is None:
            return None
        self._old.seek(where[0])
        data = self._old.read(where[1])
        return data if len(data) == where[1] else None

    def close(self) -> None:
        """Done: the cache now names this build's file (written to disk when the cache is saved)."""
        if self._old is not None:
            self._old.close()
        self._new.close()
        self.cache.fragments = (self.path.name, self.index)
