"""The output index entries of the files new to output/ that are written while the cards are drawn
(``smmgen.build.early``), kept on disk until drawing is over.

In memory, a new file's entry cost its relative path (a string of some 80 bytes), its packed entry (an object of
81) and a slot of the index's dict: two kilobytes an article, 20 MB of the build process at 10,000 articles, held
while the worker processes draw, which is when the process tree is largest. Here each goes to an unnamed temporary
file as it is made; the memory keeps only a table of the paths' hashes (to tell a path put twice), 16 to 32 bytes
a file. The writer reads them back into its output index once the workers are done (``items``).
"""

from __future__ import annotations

import struct
import tempfile
from array import array
from collections.abc import Iterator
from typing import IO

_HEAD = struct.Struct("<48sI")          # the entry (``cache_files.index_entry``), the path's length in bytes
_CHUNK = 1 << 20
_SLOTS = 1 << 14             # to start with (128 kB): a thousand articles' files


class SpilledIndex:
    """Output index entries by relative path, appended to a temporary file; a path added again has the entry it
    was last added with."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()
        # Open addressing by the paths' hashes (0: an empty slot), at most half full, grown fourfold.
        self._table = array("q", bytes(8 * _SLOTS))
        self._used = 0
        self._size = 0

    def __len__(self) -> int:
        """How many entries were added (a path added twice counts twice)."""
        return self._size

    def add(self, relative: str, entry: bytes) -> None:
        path = relative.encode("utf-8", "surrogatepass")
        self._file.write(_HEAD.pack(entry, len(path)) + path)
        self._size += 1
        h = hash(relative) or 1         # 0 marks an empty slot
        table = self._table
        mask = len(table) - 1
        i = h & mask
        while known := table[i]:
            if known == h:
                return                  # added before (or a path of the same hash): ``get`` reads the file
            i = (i + 1) & mask
        table[i] = h
        self._used += 1
        if 2 * self._used > len(table):
            self._grow()

    def get(self, relative: str) -> bytes | None:
        """The entry last added for ``relative``, or None. A path not added costs a look at the table; one
        added (never the case while drawing, where each file is written once) a read of the file."""
        if not self._holds_hash(_hash(relative)):
            return None
        found = None
        for path, entry in self.items():
            if path == relative:
                found = entry
        return found

    def items(self) -> Iterator[tuple[str, bytes]]:
        """The (path, entry) pairs in the order they were added."""
        self._file.flush()
        self._file.seek(0)
        data, at, head, unpack = b"", 0, _HEAD.size, _HEAD.unpack_from
        while more := self._file.read(_CHUNK):
            data, at = data[at:] + more, 0
            end = len(data)
            while end - at >= head:
                entry, length = unpack(data, at)
                start = at + head
                if start + length > end:
                    break               # its path goes on in the next chunk
                at = start + length
                yield data[start:at].decode("utf-8", "surrogatepass"), entry
        self._file.seek(0, 2)           # where the next entry goes

    def close(self) -> None:
        self._file.close()
        self._table = array("q")

    def _holds_hash(self, h: int) -> bool:
        table, mask = self._table, len(self._table) - 1
        i = h & mask
        while table[i]:
            if table[i] == h:
                return True
            i = (i + 1) & mask
        return False

    def _grow(self) -> None:
        old = self._table
        table = self._table = array("q", bytes(8 * 4 * len(old)))
        mask = len(table) - 1
        for h in filter(None, old):
            i = h & mask
            while table[i]:
                i = (i + 1) & mask
            table[i] = h


def _hash(relative: str) -> int:
    return hash(relative) or 1          # 0 marks an empty slot
