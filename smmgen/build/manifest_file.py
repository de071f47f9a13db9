"""Writing the manifest (``smmgen.manifest``): each month's part, its entries laid out one per line, streamed to
a file that replaces the old one at the end, then the index naming every part. Entries of articles whose output
key did not change are copied from the last part by their byte offsets, which the build cache keeps
(``cache.entries``), so an edit re-encodes only its own entries; a part none of whose articles changed is not
written at all; entries the publisher's ledger settled since are made afresh as stubs.
"""

from __future__ import annotations

import array
import bisect
import itertools
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from smmgen import manifest
from smmgen.build.article_outputs import written_line
from smmgen.build.cache_files import entry_digest, entry_stat
from smmgen.build.replacement import Replacement
from smmgen.build.settled import ledger_states

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache
    from smmgen.build.pipeline import BuildResult
    from smmgen.config.site import Site
    from smmgen.manifest_model import ManifestEntry

MANIFEST = "manifest.json"


class EntryPlaces(Mapping):
    """Where each entry sits, by id: ``(month, offset, length)`` in its month's part, as ``write_manifest`` wrote
    them. Columns (the ids, which are the cuts' own strings, the months, shared strings, and two arrays of
    numbers) instead of a dict of tuples: a tuple and two ints an entry were 13 MB at 10,000 articles, held from
    the manifest's write to the end of the build."""

    __slots__ = ("ids", "months", "offsets", "lengths")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.months: list[str] = []
        self.offsets = array.array("Q")
        self.lengths = array.array("Q")

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str, int, int]]) -> EntryPlaces:
        """From ``(id, month, offset, length)`` rows in any order (an id once)."""
        places = cls()
        for entry_id, month, offset, length in sorted(rows):
            places.add(entry_id, month, offset, length)
        return places

    def add(self, entry_id: str, month: str, offset: int, length: int) -> None:
        """The next entry (ids come in order)."""
        ids = self.ids
        if ids and ids[-1] >= entry_id:
            raise ValueError(f"entry {entry_id} after {ids[-1]}: not in id order, or twice")
        ids.append(entry_id)
        self.months.append(month)
        self.offsets.append(offset)
        self.lengths.append(length)

    def _find(self, entry_id: object) -> int:
        ids = self.ids
        n = bisect.bisect_left(ids, entry_id) if type(entry_id) is str else len(ids)
        return n if n < len(ids) and ids[n] == entry_id else -1

    def __getitem__(self, entry_id: str) -> tuple[str, int, int]:
        n = self._find(entry_id)
        if n < 0:
            raise KeyError(entry_id)
        return self.months[n], self.offsets[n], self.lengths[n]

    def get(self, entry_id: str, default: Any = None) -> Any:
        n = self._find(entry_id)
        return (self.months[n], self.offsets[n], self.lengths[n]) if n >= 0 else default

    def __contains__(self, entry_id: object) -> bool:
        return self._find(entry_id) >= 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"EntryPlaces({dict(self.items())!r})"


# --- writing it --------------------------------------------------------------------------------------------------

def write_manifest(site: Site, result: BuildResult, cache: BuildCache | None = None,
                   same: set[str] | frozenset[str] = frozenset()) -> tuple[int, list[str]]:
    """Write ``manifest_files(site, result.entries)``, byte for byte, streaming; returns how many files changed,
    and the files (relative to output/: the index and its parts; a part no longer listed is left to the
    caller's pruning).

    The JSON encoder takes seconds for thousands of entries; with ``cache``, the entries of an article in
    ``same`` (its output key unchanged) are copied from the last part, which the output index vouches for, and
    ``cache.entries`` is set to where each entry now sits.
    """
    out = site.output_dir
    ledger = ledger_states(site)        # which entries are settled, and so written as stubs
    tz = site.timezone
    months = [sys.intern(manifest.period(o.article.date, tz)) for o in result.outputs]  # one string a month
    order = sorted((months[i], cut.id, i, j) for i, o in enumerate(result.outputs) for j, cut in enumerate(o.cuts))
    known = cache.entries if cache is not None and same else None
    rows: list[tuple[str, str, int, int]] = []
    parts: list[manifest.Part] = []
    changed = 0
    for month, group in itertools.groupby(order, key=lambda row: row[0]):
        entries = [row[1:] for row in group]
        relative = manifest.part_path(month)
        previous = _previous(out / relative, relative, cache) if known is not None else None
        pieces = _known_pieces(entries, month, known, previous[1], result, same) if previous is not None \
            else [None] * len(entries)
        try:
            if previous is not None:
                _settled_since(previous[0], pieces, entries, ledger)
                digest = _as_it_was(previous, pieces, month, cache.index[relative])     # type: ignore[union-attr]
                if digest is not None:
                    rows += ((entry_id, month, *piece) for (entry_id, _, _), piece in zip(entries, pieces))
                    parts.append(manifest.Part(relative, len(entries), digest))
                    continue
            with Replacement(out / relative, relative, durable=True) as f:     # what the publisher acts on
                _write_part(f, month, entries, pieces, result, ledger, previous, rows)
                f.keep_if_unchanged(cache)
        finally:
            if previous is not None:
                previous[0].close()
        changed += f.replaced
        parts.append(manifest.Part(relative, len(entries), f.digest))
    # The index last: a reader of the last one finds the parts it names until this one replaces it (a part
    # rewritten meanwhile no longer has the bytes it names, and is refused).
    with Replacement(out / MANIFEST, MANIFEST, durable=True) as f:
        f.write(manifest.index_bytes(manifest.site_fields(site), parts))
        f.keep_if_unchanged(cache)
    changed += f.replaced
    if cache is not None:
        cache.entries = EntryPlaces.of(rows)
    return changed, [MANIFEST, *(part.path for part in parts)]


def _known_pieces(entries: Sequence[tuple[str, int, int]], month: str, places: Mapping, size: int,
                  result: BuildResult, same: set[str] | frozenset[str]) -> list[tuple[int, int] | None]:
    """Per entry, where its line sits in the month's last part (of ``size`` bytes), when its article is
    unchanged (in ``same``); None when it is to be made afresh."""
    pieces: list[tuple[int, int] | None] = []
    for entry_id, i, _ in entries:
        place = places.get(entry_id) if result.outputs[i].article.source in same else None
        ok = place is not None and place[0] == month and place[1] + place[2] <= size
        pieces.append((place[1], place[2]) if ok else None)
    return pieces


def _write_part(f: Replacement, month: str, entries: Sequence[tuple[str, int, int]],
                pieces: Sequence[tuple[int, int] | None], result: BuildResult, ledger: Mapping[str, tuple[str, str]],
                previous: tuple[IO[bytes], int] | None, rows: list) -> None:
    """One month's part into ``f``: made entries encoded, known runs of them copied from ``previous``."""
    head, tail = manifest.part_frame(month)
    f.write(head)
    made: tuple[int, list[bytes]] = (-1, [])      # the entry lines of the article being written
    n = 0
    while n < len(pieces):
        if n:
            f.write(b",\n")
        piece = pieces[n]
        if piece is None:
            entry_id, i, j = entries[n]
            if made[0] != i:     # an article's entries come one after the other (ids: slug@platform)
                made = (i, result.outputs[i].lines())
            text = written_line(made[1][j], entry_id, ledger)
            rows.append((entry_id, month, f.offset, len(text)))
            f.write(text)
            n += 1
            continue
        # Entries that sat one after the other last time are copied in one go, the separator between them
        # (",\n", as here) included.
        start, end, m = piece[0], piece[0] + piece[1], n + 1
        while m < len(pieces) and (following := pieces[m]) is not None and following[0] == end + 2:
            end = following[0] + following[1]
            m += 1
        base = f.offset
        for k in range(n, m):
            offset, length = pieces[k]  # type: ignore[misc]
            rows.append((entries[k][0], month, base + offset - start, length))
        _copy_range(previous[0], start, end - start, f)     # type: ignore[index]
        n = m
    f.write(tail)


def _as_it_was(previous: tuple[IO[bytes], int], pieces: Sequence[tuple[int, int] | None], month: str,
               known: bytes) -> str | None:
    """The sha256 of the last part, when it already holds these entries, each copied as it is and in its place
    (so neither read nor written); None when the part is to be written."""
    head, tail = manifest.part_frame(month)
    at = len(head)
    for piece in pieces:
        if piece is None or piece[0] != at:
            return None
        at = piece[0] + piece[1] + 2
    return entry_digest(known) if pieces and at - 2 + len(tail) == previous[1] else None


def manifest_files(site: Site, entries: Sequence[ManifestEntry],
                   ledger: Mapping[str, tuple[str, str]] | None = None) -> dict[str, bytes]:
    """The manifest's files as ``write_manifest`` writes them, by path relative to the output folder (for tests
    and small sites); ``ledger`` as ``smmgen.build.settled.ledger_states`` reads it (None: no entry is settled).
    Each entry's month comes from its article's date."""
    import hashlib

    ledger = ledger or {}
    tz = site.timezone
    by_month: dict[str, list[ManifestEntry]] = {}
    for entry in entries:
        by_month.setdefault(manifest.period(entry.article_date, tz), []).append(entry)
    files, parts = {}, []
    for month in sorted(by_month):
        head, tail = manifest.part_frame(month)
        data = head + b",\n".join(entry_text(manifest.as_written(e.json, ledger))
                                  for e in sorted(by_month[month], key=lambda e: e.id)) + tail
        relative = manifest.part_path(month)
        files[relative] = data
        parts.append(manifest.Part(relative, len(by_month[month]), hashlib.sha256(data).hexdigest()))
    files[MANIFEST] = manifest.index_bytes(manifest.site_fields(site), parts)
    return files


def entry_text(entry: Mapping[str, Any]) -> bytes:
    """An entry as ``manifest.dumps`` writes it inside a part: one line."""
    return manifest.entry_line(entry)


def _settled_since(previous: IO[bytes], pieces: list[tuple[int, int] | None],
                   entries: Sequence[tuple[str, int, int]], ledger: Mapping[str, tuple[str, str]]) -> None:
    """Mark to be made afresh (None) the pieces of the last part that no longer say what they should: an entry
    the ledger has settled since it was written (its post went out), or a stub the ledger no longer vouches
    for. The article's output key does not cover the ledger, which changes with every publish run."""
    import mmap

    if previous.seek(0, os.SEEK_END) == 0:
        return
    with mmap.mmap(previous.fileno(), 0, access=mmap.ACCESS_READ) as view:
        for n, piece in enumerate(pieces):
            if piece is None:
                continue
            line = view[piece[0]:piece[0] + piece[1]]
            known = ledger.get(entries[n][0])
            marks = (b'"content_hash":"' + known[1].encode() + b'"') if known is not None else b""
            if b'"article":{' not in line:      # a stub (a full entry names its article first, keys sorted)
                if known is None or marks not in line or not line.endswith(b'"settled":"' + known[0].encode() + b'"}'):
                    pieces[n] = None
            elif known is not None and marks in line and (known[0] != "posted" or b'"expire_at":null' in line):
                # Its post has this very content: settled now, unless retracted, held or to expire.
                if manifest.settled(json.loads(line), ledger) is not None:
                    pieces[n] = None


def _previous(path: Path, relative: str, cache: BuildCache | None) -> tuple[IO[bytes], int] | None:
    """The part the last build wrote at ``path``, opened for reading, with its size, when the output index
    still vouches for it."""
    known = cache.index.get(relative) if cache is not None else None
    if known is None:
        return None
    try:
        # Never through a link: output/ is the build's, and a link there leads elsewhere.
        f = os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "rb")
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
