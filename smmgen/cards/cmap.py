"""Which code points a font face covers, read straight from its ``cmap`` table.

Card text needs only "does this face have a glyph for U+XXXX": reading just the table directory and the
``cmap`` table answers that in a few milliseconds, where a general font library also builds a glyph name for
every mapping (0.2 s or more per face of the 32 MB CJK collection, in every process that draws CJK).

The subtable is chosen and read the way fontTools' ``getBestCmap()`` does (the reference the tests compare
against on every face of the fallback chain):

- preference (3,10), (0,6), (0,4), (3,1), (0,3), (0,2), (0,1), (0,0); the first subtable in directory order
  with that (platform, encoding) wins; subtables recorded with length 0 are skipped;
- a code point mapped to glyph 0 (``.notdef``) is not covered; in format 4 that includes a glyph id that
  wraps to 0 after adding ``idDelta``, and the last segment (the required 0xFFFF one) is never read;
- format 12/13 groups are clamped to U+10FFFF, and a group that is inverted or starts before the previous
  kept group ends is skipped; a format 12 group starting at glyph 0 loses only its first code point, a
  format 13 group mapping to glyph 0 is skipped whole;
- a font without any Unicode subtable covers nothing.

Formats 0, 4, 6, 12 and 13 are read. A preferred subtable in another format (2, 8, 10, 14 ...) is an error
rather than "covers nothing": a face that silently never matches would draw text in the wrong font.
Glyph ids are not checked against the font's glyph count (``maxp``), as the reference does not either.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain, compress, repeat
from operator import add, ge, le, lt
from typing import BinaryIO

PREFERENCE = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))
"""(platform, encoding) of the Unicode subtables, best first (HarfBuzz's order, which fontTools follows)."""

_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")
_TTC_VERSIONS = (0x00010000, 0x00020000)  # the offset table follows numFonts in both
_MAX_CODE_POINT = 0x10FFFF
# Bytes a subtable header takes, by format: a shorter recorded length makes the table unreadable.
_HEADER_SIZE = {0: 6, 2: 6, 4: 6, 6: 6, 12: 16, 13: 16, 14: 10, 15: 10}


class CmapError(ValueError):
    """The file is not a font smmgen can read a character map from (truncated, bad offsets, odd format)."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """A set of code points stored as sorted range boundaries, so a CJK face costs a few thousand ints.

    ``cp in coverage`` is one binary search; iterating yields every covered code point in order.
    """

    bounds: tuple[int, ...]
    """start, end + 1, start, end + 1, ...: ascending, ranges neither overlapping nor touching. A code point
    is covered when an odd number of boundaries are at or below it."""

    @classmethod
    def from_ranges(cls, ranges: Iterable[tuple[int, int]]) -> Coverage:
        """Coverage of inclusive (start, end) ranges in any order; empty, overlapping and touching ones are
        fine."""
        ordered = sorted(ranges)
        return _coverage([r[0] for r in ordered], [r[1] for r in ordered])

    def __contains__(self, cp: int) -> bool:
        return bisect_right(self.bounds, cp) & 1 == 1

    def __iter__(self) -> Iterator[int]:
        b = self.bounds
        for i in range(0, len(b), 2):
            yield from range(b[i], b[i + 1])

    def __len__(self) -> int:
        b = self.bounds
        return sum(b[i + 1] - b[i] for i in range(0, len(b), 2))

    @property
    def ranges(self) -> tuple[tuple[int, int], ...]:
        """The covered code points as inclusive (start, end) ranges, ascending."""
        b = self.bounds
        return tuple((b[i], b[i + 1] - 1) for i in range(0, len(b), 2))


def read_coverage(path: str, index: int = 0) -> Coverage:
    """Code points face ``index`` of the font file at ``path`` maps to a glyph (index 0 for a single font).

    Reads the headers and the ``cmap`` table only. Raises ``CmapError`` for a file that is not a readable
    TrueType/OpenType font or collection, and ``OSError`` when the file cannot be opened.
    """
    with open(path, "rb") as f:
        table = _cmap_table(f, index)
    try:
        subtables = _subtables(table)
    except struct.error as e:  # a header field that would lie past the end of the table
        raise CmapError(f"truncated 'cmap' table ({e})") from None
    for key in PREFERENCE:
        if key in subtables:
            fmt, body = subtables[key]
            reader = _READERS.get(fmt)
            if reader is None:
                raise CmapError(f"cmap subtable {key} has format {fmt}, which smmgen cannot read")
            try:
                return _coverage(*reader(body, fmt))
            except struct.error as e:
                raise CmapError(f"cmap subtable {key} (format {fmt}) is truncated ({e})") from None
    return Coverage(())


def _coverage(starts: Sequence[int], ends: Sequence[int]) -> Coverage:
    """Coverage of the inclusive ranges ``starts[i]..ends[i]``; empty, overlapping, touching and (only in a
    malformed font) unordered ranges are fine."""
    # map/compress/accumulate rather than a Python loop: a CJK face has ~15,000 ranges to merge.
    if not all(map(le, starts, starts[1:])):
        return Coverage.from_ranges(zip(starts, ends))
    keep = list(map(le, starts, ends))
    if not all(keep):
        starts, ends = list(compress(starts, keep)), list(compress(ends, keep))
    if not starts:
        return Coverage(())
    stops = list(map(add, ends, repeat(1)))
    # Where a range reaches past the next one's end, later holes are measured from the furthest stop.
    reach = stops if all(map(le, stops, stops[1:])) else list(accumulate(stops, max))
    hole_after = list(map(lt, reach, starts[1:]))
    merged_starts = [starts[0], *compress(starts[1:], hole_after)]
    merged_stops = [*compress(reach, hole_after), reach[-1]]
    return Coverage(tuple(chain.from_iterable(zip(merged_starts, merged_stops))))


def _read(f: BinaryIO, offset: int, size: int, what: str) -> bytes:
    f.seek(offset)
    data = f.read(size)
    if len(data) != size:
        raise CmapError(f"file ends inside the {what} (needs {size} bytes at offset {offset}, has {len(data)})")
    return data


def _cmap_table(f: BinaryIO, index: int) -> bytes:
    """The raw ``cmap`` table of face ``index``: the only part of the file read besides the headers."""
    sfnt_offset = 0
    if _read(f, 0, 4, "font header") == b"ttcf":
        version, num_fonts = struct.unpack(">LL", _read(f, 4, 8, "collection header"))
        if version not in _TTC_VERSIONS:
            raise CmapError(f"unsupported font collection version 0x{version:08X}")
        if not 0 <= index < num_fonts:
            raise CmapError(f"no face {index} in a collection of {num_fonts}")
        (sfnt_offset,) = struct.unpack(">L", _read(f, 12 + 4 * index, 4, "collection header"))
    elif index != 0:
        raise CmapError(f"face {index} asked of a single font (not a collection)")
    header = _read(f, sfnt_offset, 12, "table directory")
    if header[:4] not in _SFNT_VERSIONS:
        raise CmapError(f"not a TrueType or OpenType font (version tag {header[:4]!r})")
    (num_tables,) = struct.unpack_from(">H", header, 4)
    directory = _read(f, sfnt_offset + 12, 16 * num_tables, "table directory")
    found = None
    for tag, _checksum, offset, length in struct.iter_unpack(">4sLLL", directory):
        if tag == b"cmap":
            found = (offset, length)  # a repeated tag: the last entry wins, as in the reference
    if found is None:
        raise CmapError("the font has no 'cmap' table")
    return _read(f, found[0], found[1], "'cmap' table")


def _subtables(data: bytes) -> dict[tuple[int, int], tuple[int, bytes]]:
    """(platform, encoding) -> (format, bytes) of the first subtable of each pair, checking every directory
    entry's bounds the way the reference does (a broken entry breaks the font, whether it is chosen or not)."""
    if len(data) < 4:
        raise CmapError("'cmap' table is too short")
    (count,) = struct.unpack_from(">H", data, 2)
    if 4 + 8 * count > len(data):
        raise CmapError("'cmap' subtable directory is truncated")
    found: dict[tuple[int, int], tuple[int, bytes]] = {}
    for platform, encoding, offset in struct.iter_unpack(">HHL", data[4:4 + 8 * count]):
        if offset + 4 > len(data):
            raise CmapError(f"cmap subtable offset {offset} is beyond the table ({len(data)} bytes)")
        fmt, length = struct.unpack_from(">HH", data, offset)
        if fmt in (8, 10, 12, 13):
            (length,) = struct.unpack_from(">L", data, offset + 4)
        elif fmt in (14, 15):
            (length,) = struct.unpack_from(">L", data, offset + 2)
        if not length:
            continue  # the reference drops a zero-length subtable, so the next preference gets its turn
        if length < _HEADER_SIZE.get(fmt, 0):
            raise CmapError(f"cmap subtable at offset {offset} is shorter than its header ({length} bytes)")
        if offset + length > len(data):
            raise CmapError(f"cmap subtable at offset {offset} runs past the table ({length} bytes)")
        found.setdefault((platform, encoding), (fmt, data[offset:offset + length]))
    return found


Ranges = tuple[Sequence[int], Sequence[int]]
"""Starts and ends (inclusive) of the ranges a subtable maps to glyphs other than 0."""


def _format0(body: bytes, fmt: int) -> Ranges:
    if len(body) != 262:
        raise CmapError(f"format 0 subtable is {len(body)} bytes, not 262")
    cps = [cp for cp, gid in enumerate(body[6:]) if gid]
    return cps, cps


def _format6(body: bytes, fmt: int) -> Ranges:
    first, count = struct.unpack_from(">HH", body, 6)
    gids = body[10:10 + 2 * count]  # the reference reads what is there when the array is short
    if len(gids) % 2:
        raise CmapError("format 6 glyph array has an odd number of bytes")
    cps = [first + i for i, (gid,) in enumerate(struct.iter_unpack(">H", gids)) if gid]
    return cps, cps


def _format4(body: bytes, fmt: int) -> Ranges:
    if len(body) < 14 or len(body) % 2:
        raise CmapError(f"format 4 subtable has a bad length ({len(body)} bytes)")
    (seg_count_x2,) = struct.unpack_from(">H", body, 6)
    n = seg_count_x2 // 2
    words = struct.unpack_from(f">{(len(body) - 14) // 2}H", body, 14)
    if len(words) < 4 * n + 1:
        raise CmapError(f"format 4 subtable is too short for its {n} segments")
    end_codes = words[:n]
    start_codes = words[n + 1:2 * n + 1]  # after the reserved pad word
    deltas = words[2 * n + 1:3 * n + 1]
    range_offsets = words[3 * n + 1:4 * n + 1]
    glyph_ids = words[4 * n + 1:]
    starts: list[int] = []
    ends: list[int] = []
    for i in range(n - 1):  # the reference never reads the last segment (the 0xFFFF terminator)
        start, end, delta, range_offset = start_codes[i], end_codes[i], deltas[i], range_offsets[i]
        if start > end:
            continue
        if range_offset == 0:
            notdef = -delta & 0xFFFF  # the one code point whose glyph id wraps to 0
            if start <= notdef <= end:
                starts += (start, notdef + 1)
                ends += (notdef - 1, end)
            else:
                starts.append(start)
                ends.append(end)
            continue
        # idRangeOffset counts bytes from its own slot to the glyph id of ``start``.
        shift = range_offset // 2 + i - n - start
        if not (0 <= start + shift and end + shift < len(glyph_ids)):
            raise CmapError(f"format 4 segment {i} points outside the glyph id array")
        run_start = None
        for cp in range(start, end + 1):
            gid = glyph_ids[cp + shift]
            if gid and (gid + delta) & 0xFFFF:
                if run_start is None:
                    run_start = cp
            elif run_start is not None:
                starts.append(run_start)
                ends.append(cp - 1)
                run_start = None
        if run_start is not None:
            starts.append(run_start)
            ends.append(end)
    return starts, ends


def _format12_13(body: bytes, fmt: int) -> Ranges:
    (n,) = struct.unpack_from(">L", body, 12)
    if len(body) != 16 + 12 * n:
        raise CmapError(f"format {fmt} subtable is {len(body)} bytes, but {n} groups need {16 + 12 * n}")
    words = struct.unpack_from(f">{3 * n}L", body, 16)
    starts, ends, gids = words[0::3], words[1::3], words[2::3]
    if (0 not in gids and max(ends, default=0) <= _MAX_CODE_POINT and all(map(le, starts, ends))
            and all(map(ge, starts[1:], ends))):
        return starts, ends  # well-formed (as every font smmgen ships): nothing to clamp, skip or trim
    kept_starts: list[int] = []
    kept_ends: list[int] = []
    last_end = 0
    for start, end, gid in zip(starts, ends, gids):
        end = min(end, _MAX_CODE_POINT)
        if start > end or start < last_end:
            continue
        last_end = end
        if gid == 0:
            if fmt == 13:  # every code point of the group maps to .notdef
                continue
            start += 1  # format 12 counts glyph ids up from 0: only the first code point gets .notdef
        kept_starts.append(start)
        kept_ends.append(end)
    return kept_starts, kept_ends


_READERS = {0: _format0, 4: _format4, 6: _format6, 12: _format12_13, 13: _format12_13}
