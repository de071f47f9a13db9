"""Writing ``output/manifest.json``: the build's entries laid out one per line (``smmgen.manifest``), streamed to a
file that replaces the old one at the end. Entries of articles whose output key did not change are copied from
the last manifest by their byte offsets, which the build cache keeps (``cache.entries``), so an edit re-encodes
only its own entries; entries the publisher's ledger settled since are made afresh as stubs.
"""

from __future__ import annotations

import array
import bisect
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from smmgen import manifest
from smmgen.build.article_outputs import written_line
from smmgen.build.cache_files import entry_stat
from smmgen.build.replacement import Replacement
from smmgen.build.settled import ledger_states

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache
    from smmgen.build.pipeline import BuildResult
    from smmgen.config.site import Site
    from smmgen.manifest_model import ManifestEntry

MANIFEST = "manifest.json"


class EntryPlaces(Mapping):
    """Where each entry sits in the manifest, by id: ``(offset, length)``, as ``write_manifest`` wrote them (in
    id order). Three columns (the ids, which are the cuts' own strings, and two arrays of numbers) instead of a
    dict of tuples: a tuple and two ints an entry were 13 MB at 10,000 articles, held from the manifest's write
    to the end of the build."""

    __slots__ = ("ids", "offsets", "lengths")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.offsets = array.array("Q")
        self.lengths = array.array("Q")

    def add(self, entry_id: str, offset: int, length: int) -> None:
        """The next entry (ids come in order; the same id again replaces its place)."""
        ids = self.ids
        if ids and ids[-1] >= entry_id:
            if ids[-1] != entry_id:
                raise ValueError(f"entry {entry_id} after {ids[-1]}: not in id order")
            self.offsets[-1], self.lengths[-1] = offset, length
            return
        ids.append(entry_id)
        self.offsets.append(offset)
        self.lengths.append(length)

    def _find(self, entry_id: object) -> int:
        ids = self.ids
        n = bisect.bisect_left(ids, entry_id) if type(entry_id) is str else len(ids)
        return n if n < len(ids) and ids[n] == entry_id else -1

    def __getitem__(self, entry_id: str) -> tuple[int, int]:
        n = self._find(entry_id)
        if n < 0:
            raise KeyError(entry_id)
        return self.offsets[n], self.lengths[n]

    def get(self, entry_id: str, default: Any = None) -> Any:
        n = self._find(entry_id)
        return (self.offsets[n], self.lengths[n]) if n >= 0 else default

    def __contains__(self, entry_id: object) -> bool:
        return self._find(entry_id) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


# --- writing it --------------------------------------------------------------------------------------------------

def write_manifest(site: Site, result: BuildResult, cache: BuildCache | None = None,
                   same: set[str] | frozenset[str] = frozenset()) -> int:
    """Write ``dumps_manifest(site, result.entries)``, byte for byte, streaming; returns 1 when the file changed,
    0 when it already held these bytes.

    The indenting JSON encoder is pure Python and takes seconds for thousands of entries; with ``cache``, the
    entries of an article in ``same`` (its output key unchanged) are copied from the last manifest, which the
    output index vouches for, and ``cache.entries`` is set to where each entry now sits.
    """
    path = site.output_dir / MANIFEST
    previous = _previous_manifest(path, cache) if same else None
    ledger = ledger_states(site)        # which entries are settled, and so written as stubs
    order = sorted((cut.id, i, j) for i, o in enumerate(result.outputs) for j, cut in enumerate(o.cuts))
    # Per entry, where its text sits in the last manifest; None when it is to be made afresh.
    pieces: list[tuple[int, int] | None] = []
    for entry_id, i, _ in order:
        known = None
        if previous is not None and result.outputs[i].article.source in same:
            known = cache.entries.get(entry_id)
        pieces.append(known if known is not None and known[0] + known[1] <= previous[1] else None)
    if previous is not None:
        _settled_since(previous[0], pieces, order, ledger)
    where = EntryPlaces()
    made: tuple[int, list[bytes]] = (-1, [])      # the entry lines of the article being written
    try:
        # Durable: the manifest is what the publisher acts on.
        with Replacement(path, MANIFEST, durable=True) as f:
            if not order:
                f.write(manifest.dumps(manifest.document(site, [])))  # the same frame, no entries
            else:
                head, tail = _frame(site)
                f.write(head)
                n = 0
                while n < len(pieces):
                    if n:
                        f.write(b",\n")
                    piece = pieces[n]
                    if piece is None:
                        entry_id, i, j = order[n]
                        if made[0] != i:     # an article's entries come one after the other (ids: slug@platform)
                            made = (i, result.outputs[i].lines())
                        text = written_line(made[1][j], entry_id, ledger)
                        where.add(entry_id, f.offset, len(text))
                        f.write(text)
                        n += 1
                        continue
                    # Entries that sat one after the other last time are copied in one go, the separator
                    # between them (",\n", as here) included.
                    start, end, m = piece[0], piece[0] + piece[1], n + 1
                    while m < len(pieces) and (following := pieces[m]) is not None and following[0] == end + 2:
                        end = following[0] + following[1]
                        m += 1
                    base = f.offset
                    for k in range(n, m):
                        offset, length = pieces[k]  # type: ignore[misc]
                        where.add(order[k][0], base + offset - start, length)
                    _copy_range(previous[0], start, end - start, f)
                    n = m
                f.write(tail)
            f.keep_if_unchanged(cache)
    finally:
        if previous is not None:
            previous[0].close()
    if cache is not None:
        cache.entries = where
    return int(f.replaced)


def dumps_manifest(site: Site, entries: Sequence[ManifestEntry],
                   ledger: Mapping[str, tuple[str, str]] | None = None) -> bytes:
    """The manifest's bytes as ``write_manifest`` writes them (for tests and small sites); ``ledger`` as
    ``smmgen.build.settled.ledger_states`` reads it (None: no entry is settled)."""
    ledger = ledger or {}
    if not entries:
        return manifest.dumps(manifest.document(site, []))
    head, tail = _frame(site)
    return head + b",\n".join(entry_text(manifest.as_written(e.json, ledger))
                              for e in sorted(entries, key=lambda e: e.id)) + tail


def entry_text(entry: Mapping[str, Any]) -> bytes:
    """An entry as ``manifest.dumps`` writes it inside the document: one line."""
    return manifest.entry_line(entry)


def _settled_since(previous: IO[bytes], pieces: list[tuple[int, int] | None], order: Sequence[tuple[str, int, int]],
                   ledger: Mapping[str, tuple[str, str]]) -> None:
    """Mark to be made afresh (None) the pieces of the last manifest that no longer say what they should: an
    entry the ledger has settled since it was written (its post went out), or a stub the ledger no longer
    vouches for. The article's output key does not cover the ledger, which changes with every publish run."""
    import mmap

    with mmap.mmap(previous.fileno(), 0, access=mmap.ACCESS_READ) as view:
        for n, piece in enumerate(pieces):
            if piece is None:
                continue
            line = view[piece[0]:piece[0] + piece[1]]
            known = ledger.get(order[n][0])
            marks = (b'"content_hash":"' + known[1].encode() + b'"') if known is not None else b""
            if b'"article":{' not in line:      # a stub (a full entry names its article first, keys sorted)
                if known is None or marks not in line or not line.endswith(b'"settled":"' + known[0].encode() + b'"}'):
                    pieces[n] = None
            elif known is not None and marks in line and (known[0] != "posted" or b'"expire_at":null' in line):
                # Its post has this very content: settled now, unless retracted, held or to expire.
                if manifest.settled(json.loads(line), ledger) is not None:
                    pieces[n] = None


def _frame(site: Site) -> tuple[bytes, bytes]:
    """The document before and after its entries."""
    return manifest.frame({k: v for k, v in manifest.document(site, []).items() if k != "entries"})


def _previous_manifest(path: Path, cache: BuildCache | None) -> tuple[IO[bytes], int] | None:
    """The manifest the last build wrote, opened for reading, with its size, when the output index still
    vouches for it."""
    known = cache.index.get(MANIFEST) if cache is not None and cache.entries else None
    if known is None:
        return None
    try:
        f = path.open("rb")
    except OSError:
        return None
    st = os.fstat(f.fileno())
    if (st.st_size, st.st_mtime_ns) != entry_stat(known):
        f.close()
        return None
    return f, st.st_size


def _copy_range(source: IO[bytes], start: int, length: int, out: Replacement) -> None:
    source.seek(start)
    while length > 0:
        block = source.read(min(length, 1 << 20))
        if not block:
            raise OSError(f"{source.name} was cut short while being copied")
        out.write(block)
        length -= len(block)
