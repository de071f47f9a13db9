"""The cmap reader answers exactly what fontTools' getBestCmap() answers, on every face of the fallback chain and
on hand-built subtables (glyph 0, wrapping deltas, odd groups), and a broken font is a one-line error naming it."""

from __future__ import annotations

import functools
import io
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont
from fontTools.ttLib.tables import _c_m_a_p
from fontTools.ttLib.tables.DefaultTable import DefaultTable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen.cards import fonts
from smmgen.cards.cmap import CmapError, Coverage, read_coverage
from smmgen.errors import SmmgenError

CJK_LANGS = ("ja", "ko", "zh-Hans", "zh-Hant", "zh-HK")


def _chain_faces() -> list[fonts.FontFile]:
    """Every face the fallback chain can use: the chain for each CJK language covers every CJK face."""
    faces: list[fonts.FontFile] = []
    for lang in ("en", *CJK_LANGS):
        faces += [f for f in fonts.chain("Noto Sans", lang) if f not in faces]
    return faces


FACES = _chain_faces()


@functools.cache
def _oracle(path: str, index: int) -> frozenset[int]:
    with TTFont(path, fontNumber=index, lazy=True) as tt:
        return frozenset(tt.getBestCmap() or {})


def _probe_points(ref: frozenset[int]) -> list[int]:
    """Code points worth asking about: every covered one, its neighbours, and a sweep of the whole code space."""
    near = {cp + d for cp in ref for d in (-1, 1)}
    return sorted(ref | near | set(range(0, 0x110000, 97)) | {-1, 0x10FFFF, 0x110000})


def test_the_chain_includes_every_face_of_the_cjk_collection_and_the_symbol_fonts() -> None:
    ttc = [f for f in FACES if f.path.endswith(".ttc")]
    assert ttc, "the chain has no CJK collection"
    with TTCollection(ttc[0].path, lazy=True) as coll:
        count = len(coll.fonts)
    assert sorted(f.index for f in ttc) == list(range(count))
    names = {Path(f.path).name for f in FACES}
    assert {"NotoEmoji[wght].ttf", "NotoSansSymbols[wght].ttf"} <= names


@pytest.mark.parametrize("face", FACES, ids=lambda f: f"{Path(f.path).name}#{f.index}")
def test_coverage_of_every_chain_face_equals_fonttools(face: fonts.FontFile) -> None:
    ref = _oracle(face.path, face.index)
    got = fonts.cmap(face)
    assert isinstance(got, Coverage)
    assert len(got) == len(ref)
    assert frozenset(got) == ref
    wrong = [cp for cp in _probe_points(ref) if (cp in got) != (cp in ref)]
    assert not wrong, f"membership differs at {[f'U+{cp:04X}' for cp in wrong[:10]]}"


def test_cmap_does_not_import_fonttools() -> None:
    code = ("import sys\n"
            "from smmgen.cards import fonts\n"
            "for lang in ('ja', 'ko', 'zh-Hans', 'zh-Hant', 'zh-HK'):\n"
            "    for face in fonts.chain('Noto Sans', lang):\n"
            "        fonts.cmap(face)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'fontTools'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"


# --- broken files -------------------------------------------------------------------------------------------

def _cmap_error(path: Path, index: int = 0) -> str:
    fonts.cmap.cache_clear()  # the same path may be reused with other bytes within this module
    with pytest.raises(SmmgenError) as info:
        fonts.cmap(fonts.FontFile(str(path), index, ""))
    message = info.value.message
    assert message.startswith(f"{path}: cannot read the font's character map: "), message
    assert "\n" not in message
    return message


def _real(name: str) -> fonts.FontFile:
    return next(f for f in FACES if Path(f.path).name == name)


def _cmap_entry(data: bytes, sfnt_offset: int = 0) -> tuple[int, int, int]:
    """(directory entry position, table offset, table length) of 'cmap' in an sfnt's bytes."""
    (num_tables,) = struct.unpack_from(">H", data, sfnt_offset + 4)
    for i in range(num_tables):
        pos = sfnt_offset + 12 + 16 * i
        tag, _sum, offset, length = struct.unpack_from(">4sLLL", data, pos)
        if tag == b"cmap":
            return pos, offset, length
    raise AssertionError("no cmap")


@pytest.mark.parametrize("where", ["in the header", "in the table directory", "in the cmap table"])
def test_a_truncated_font_is_an_error_naming_the_file(tmp_path: Path, where: str) -> None:
    data = Path(_real("NotoSansHebrew[wght].ttf").path).read_bytes()
    _pos, offset, length = _cmap_entry(data)
    cut = {"in the header": 7, "in the table directory": 30, "in the cmap table": offset + length // 2}[where]
    path = tmp_path / "Broken.ttf"
    path.write_bytes(data[:cut])
    _cmap_error(path)
    with pytest.raises(Exception):  # the reference cannot read it either
        _oracle.__wrapped__(str(path), 0)


def test_a_cmap_subtable_offset_past_the_table_is_an_error(tmp_path: Path) -> None:
    data = bytearray(Path(_real("NotoSansHebrew[wght].ttf").path).read_bytes())
    _pos, offset, length = _cmap_entry(bytes(data))
    struct.pack_into(">L", data, offset + 4 + 4, length + 100)  # first subtable record's offset
    path = tmp_path / "BadOffset.ttf"
    path.write_bytes(bytes(data))
    assert "beyond the table" in _cmap_error(path)


def test_a_cmap_table_past_the_end_of_the_file_is_an_error(tmp_path: Path) -> None:
    data = bytearray(Path(_real("NotoSansHebrew[wght].ttf").path).read_bytes())
    pos, _offset, _length = _cmap_entry(bytes(data))
    struct.pack_into(">L", data, pos + 8, len(data) + 10)
    path = tmp_path / "BadTable.ttf"
    path.write_bytes(bytes(data))
    assert "file ends inside" in _cmap_error(path)


def test_not_a_font_a_missing_file_and_a_face_past_the_collection_are_errors(tmp_path: Path) -> None:
    text = tmp_path / "notes.ttf"
    text.write_text("this is not a font, just a file with the wrong name\n", encoding="utf-8")
    assert "not a TrueType or OpenType font" in _cmap_error(text)
    _cmap_error(tmp_path / "missing.ttf")
    ttc = next(f for f in FACES if f.path.endswith(".ttc"))
    assert "no face 99" in _cmap_error(Path(ttc.path), 99)
    assert "single font" in _cmap_error(Path(_real("NotoSansHebrew[wght].ttf").path), 1)


# --- synthetic fonts ----------------------------------------------------------------------------------------

GLYPHS = [".notdef", *(f"g{i}" for i in range(1, 40))]


@functools.cache
def _base_font() -> bytes:
    """A small TrueType font built with FontBuilder; tests swap in the cmap they need."""
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(GLYPHS)
    fb.setupCharacterMap({0x41 + i: g for i, g in enumerate(GLYPHS[1:])})
    empty = TTGlyphPen(None).glyph()
    fb.setupGlyf({g: empty for g in GLYPHS})
    fb.setupHorizontalMetrics({g: (500, 0) for g in GLYPHS})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Cmap Test", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    buf = io.BytesIO()
    fb.save(buf)
    return buf.getvalue()


def _with_cmap(table: object) -> bytes:
    """The base font with its cmap replaced: a fontTools table object, or raw bytes (stored verbatim)."""
    tt = TTFont(io.BytesIO(_base_font()))
    if isinstance(table, bytes):
        raw = DefaultTable("cmap")
        raw.data = table
        table = raw
    tt["cmap"] = table
    buf = io.BytesIO()
    tt.save(buf)
    return buf.getvalue()


def _cmap_table(*subtables: tuple[int, int, bytes]) -> bytes:
    """A raw cmap table of (platform, encoding, subtable bytes) in the given order."""
    head = struct.pack(">HH", 0, len(subtables))
    offset = 4 + 8 * len(subtables)
    records, bodies = b"", b""
    for platform, encoding, body in subtables:
        records += struct.pack(">HHL", platform, encoding, offset + len(bodies))
        bodies += body
    return head + records + bodies


Segment = tuple[int, int, int, "list[int] | None"]


def _format4(segments: list[Segment], last: Segment = (0xFFFF, 0xFFFF, 1, None)) -> bytes:
    """A format 4 subtable: (start, end, idDelta, glyph ids or None for delta-only), then ``last`` (the
    terminating segment, which maps 0xFFFF to glyph 0 unless told otherwise)."""
    segs = [*segments, last]
    n = len(segs)
    ends = [s[1] for s in segs]
    starts = [s[0] for s in segs]
    deltas = [s[2] & 0xFFFF for s in segs]
    offsets, glyph_array = [], []
    for i, (_start, _end, _delta, gids) in enumerate(segs):
        if gids is None:
            offsets.append(0)
        else:  # bytes from this idRangeOffset slot to the segment's first entry in the glyph id array
            offsets.append(2 * (n - i) + 2 * len(glyph_array))
            glyph_array += gids
    entry_selector = max(n.bit_length() - 1, 0)
    search_range = 2 * (1 << entry_selector)
    words = [*ends, 0, *starts, *deltas, *offsets, *glyph_array]
    body = struct.pack(f">4H{len(words)}H", 2 * n, search_range, entry_selector, 2 * n - search_range, *words)
    return struct.pack(">HHH", 4, 6 + len(body), 0) + body


def _format12(groups: list[tuple[int, int, int]], fmt: int = 12) -> bytes:
    body = b"".join(struct.pack(">LLL", *g) for g in groups)
    return struct.pack(">HHLLL", fmt, 0, 16 + len(body), 0, len(groups)) + body


def _both(font: bytes) -> tuple[frozenset[int] | None, Coverage | None]:
    """(fontTools' coverage, ours) for font bytes; None for a side that raised on the file."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.ttf"
        path.write_bytes(font)
        try:
            ref: frozenset[int] | None = _oracle.__wrapped__(str(path), 0)
        except Exception:
            ref = None
        try:
            ours: Coverage | None = read_coverage(str(path))
        except CmapError:
            ours = None
    return ref, ours


def _assert_same(font: bytes) -> frozenset[int]:
    ref, ours = _both(font)
    assert ref is not None, "the reference cannot read the font"
    assert ours is not None, "the reader refused a font the reference reads"
    assert frozenset(ours) == ref
    assert all((cp in ours) == (cp in ref) for cp in _probe_points(ref))
    return ref


def test_a_format_12_only_cmap_built_by_fonttools() -> None:
    sub = _c_m_a_p.CmapSubtable.newSubtable(12)
    sub.platformID, sub.platEncID, sub.language = 3, 10, 0
    sub.cmap = {0x20: "g1", 0x41: "g2", 0x42: "g3", 0x43: ".notdef", 0x44: "g5",
                0x1F600: "g6", 0x1F601: "g7", 0x1F602: "g8", 0x20000: "g9", 0x10FFFD: "g10"}
    table = _c_m_a_p.table__c_m_a_p()
    table.tableVersion, table.tables = 0, [sub]
    ref = _assert_same(_with_cmap(table))
    assert {0x20, 0x41, 0x1F601, 0x10FFFD} <= ref and 0x45 not in ref


def test_a_format_4_segment_mapping_some_code_points_to_glyph_0() -> None:
    segments: list[Segment] = [
        (0x20, 0x30, -0x28, None),                # delta: U+0028 lands on glyph 0
        (0x41, 0x48, 0, [1, 2, 0, 3, 0, 0, 4, 5]),  # zeros in the glyph id array
        (0x61, 0x64, 0xFFFF, [1, 2, 3, 2]),        # glyph 1 plus delta -1 wraps to 0
        (0x3000, 0x3002, 7, None),
    ]
    ref = _assert_same(_with_cmap(_cmap_table((3, 1, _format4(segments)))))
    # The font really does map code points of covered segments to glyph 0, and the reference drops them.
    assert {0x27, 0x29, 0x41, 0x42, 0x44, 0x47, 0x62} <= ref
    assert not {0x28, 0x43, 0x45, 0x46, 0x61} & ref


def test_the_last_format_4_segment_is_not_read_even_when_it_maps_glyphs() -> None:
    font = _with_cmap(_cmap_table((3, 1, _format4([(0x41, 0x42, 1, None)], last=(0xFFF0, 0xFFFF, 2, None)))))
    assert _assert_same(font) == {0x41, 0x42}


def test_format_12_and_13_groups_with_glyph_0_overlaps_and_out_of_range_ends() -> None:
    groups = [(0x41, 0x45, 0), (0x45, 0x48, 9), (0x46, 0x47, 3), (0x60, 0x50, 4), (0x100, 0x104, 1),
              (0x10FFF0, 0x11FFFF, 12)]
    for fmt in (12, 13):
        _assert_same(_with_cmap(_cmap_table((3, 10, _format12(groups, fmt)))))


def test_the_preferred_subtable_wins_and_zero_length_subtables_are_skipped() -> None:
    f4 = _format4([(0x41, 0x5A, 1, None)])
    f12 = _format12([(0x61, 0x7A, 1)])
    ref = _assert_same(_with_cmap(_cmap_table((0, 3, f4), (3, 1, _format4([(0x30, 0x39, 1, None)])), (3, 10, f12))))
    assert ref == set(range(0x61, 0x7B))
    first, second = _format4([(0x41, 0x42, 1, None)]), _format4([(0x43, 0x44, 1, None)])
    assert _assert_same(_with_cmap(_cmap_table((3, 1, first), (3, 1, second)))) == {0x41, 0x42}
    empty12 = struct.pack(">HHLLL", 12, 0, 0, 0, 0)  # length 0: the reference skips it
    ref = _assert_same(_with_cmap(_cmap_table((3, 10, empty12), (0, 3, f4))))
    assert ref == set(range(0x41, 0x5B))
    assert _assert_same(_with_cmap(_cmap_table((3, 0, f4)))) == frozenset()  # no Unicode subtable


def test_format_0_and_6_subtables() -> None:
    f0 = struct.pack(">HHH", 0, 262, 0) + bytes((i * 7) % 5 for i in range(256))
    _assert_same(_with_cmap(_cmap_table((0, 3, f0))))
    gids = [3, 0, 4, 0, 0, 9]
    f6 = struct.pack(f">HHHHH{len(gids)}H", 6, 10 + 2 * len(gids), 0, 0x3040, len(gids), *gids)
    assert _assert_same(_with_cmap(_cmap_table((3, 1, f6)))) == {0x3040, 0x3042, 0x3045}


def test_a_format_4_range_offset_outside_the_glyph_array_breaks_both() -> None:
    body = bytearray(_format4([(0x41, 0x44, 0, [1, 2, 3, 4])]))
    # idRangeOffset[0] sits after the header (14), endCode (4), pad (2), startCode (4) and idDelta (4).
    struct.pack_into(">H", body, 28, 400)
    ref, ours = _both(_with_cmap(_cmap_table((3, 1, bytes(body)))))
    assert ref is None and ours is None


def test_an_unreadable_preferred_format_is_an_error_not_an_empty_face(tmp_path: Path) -> None:
    f10 = struct.pack(">HHLLLL", 10, 0, 20, 0, 0x41, 0)
    path = tmp_path / "Format10.ttf"
    path.write_bytes(_with_cmap(_cmap_table((3, 10, f10), (3, 1, _format4([(0x41, 0x5A, 1, None)])))))
    assert "format 10" in _cmap_error(path)


@st.composite
def _segment(draw: st.DrawFn) -> Segment:
    """A format 4 segment, possibly empty, often with one code point whose glyph id wraps to 0."""
    start = draw(st.integers(0, 0xFFFE))
    end = min(max(start + draw(st.integers(-2, 40)), 0), 0xFFFE)
    delta = draw(st.sampled_from([draw(st.integers(0, 0xFFFF)), (-start - 1) & 0xFFFF]))
    if not draw(st.booleans()):
        return start, end, delta, None
    gids = draw(st.lists(st.sampled_from([0, 0, 1, 2, 0xFFFF, 0x1234]), min_size=max(end - start + 1, 0),
                         max_size=max(end - start + 1, 0)))
    return start, end, delta, gids


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_segment(), min_size=0, max_size=6))
def test_random_format_4_subtables_agree_with_fonttools(segments: list[Segment]) -> None:
    ref, ours = _both(_with_cmap(_cmap_table((3, 1, _format4(segments)))))
    assert (ref is None) == (ours is None)
    if ref is not None and ours is not None:
        assert frozenset(ours) == ref


_group = st.tuples(st.integers(0, 0x110004), st.integers(-3, 300), st.sampled_from([0, 0, 1, 5, 0xFFFF])).map(
    lambda t: (t[0], max(t[0] + t[1], 0), t[2]))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_group, min_size=0, max_size=8), st.sampled_from([12, 13]), st.booleans())
def test_random_format_12_and_13_subtables_agree_with_fonttools(groups: list[tuple[int, int, int]], fmt: int,
                                                                ordered: bool) -> None:
    if ordered:
        groups = sorted(groups)
    ref, ours = _both(_with_cmap(_cmap_table((3, 10, _format12(groups, fmt)))))
    assert (ref is None) == (ours is None)
    if ref is not None and ours is not None:
        assert frozenset(ours) == ref


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(-5, 40)), max_size=12), st.integers(-2, 345))
def test_coverage_from_ranges_is_the_union_of_the_ranges(pairs: list[tuple[int, int]], probe: int) -> None:
    ranges = [(s, s + d) for s, d in pairs]  # d < 0 makes an empty range
    expected = {cp for s, e in ranges for cp in range(s, e + 1)}
    cov = Coverage.from_ranges(ranges)
    assert set(cov) == expected and len(cov) == len(expected)
    assert (probe in cov) == (probe in expected)
    assert all(cp in cov for cp in expected)
    b = cov.bounds
    assert all(b[i] < b[i + 1] for i in range(len(b) - 1)), "ranges must be merged, not just touching"
