"""Fonts for cards: files from pip packages only (never system fonts), a fallback chain, cached cmaps.

The chain, in order: the layout's family, then Noto Sans (Latin, Cyrillic, Greek), Noto Sans Arabic,
Noto Sans Hebrew, Noto Sans CJK (the face for the text's language: JP, KR, SC, TC or HK glyph forms), Noto Sans
for the other scripts ManimGX ships, Noto Sans Symbols and the monochrome Noto Emoji. A run of text is set in the
first font whose cmap has all of a grapheme's code points. Cmaps are read once per process by ``cmap.py``, which
reads only the cmap table (lazily: a Latin title never opens the 32 MB CJK collection).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from PIL import ImageFont

from smmgen.cards.cmap import CmapError, Coverage, read_coverage
from smmgen.cards.font_resize import resize
from smmgen.errors import SmmgenError

BUILTIN_FAMILIES = ("Noto Sans",)


@dataclass(frozen=True)
class FontFile:
    """One face: a file (and index inside a collection) with where it came from."""

    path: str
    index: int = 0
    package: str = ""
    """Distribution that ships it ("" for a site's own file)."""

    def identity(self) -> str:
        """What a rendered card depends on: distribution, version and file name for a packaged font (hashing
        the 32 MB CJK file for every build would cost more than it tells; cached per process), the content hash
        for a site's own (checked each time: it may change while a process runs)."""
        return _identity(self) if self.package else self._compute_identity()

    def _compute_identity(self) -> str:
        p = Path(self.path)
        st = p.stat()
        if not self.package:
            return f"site:{p.name}:{_file_sha(self.path, st.st_mtime_ns, st.st_size)}#{self.index}"
        return f"{self.package}=={dist_version(self.package)}:{p.name}:{st.st_size}#{self.index}"


@functools.lru_cache(maxsize=256)
def _identity(face: FontFile) -> str:
    return face._compute_identity()


@functools.lru_cache(maxsize=64)
def _file_sha(path: str, mtime_ns: int, size: int) -> str:  # stat fields in the key: a changed file re-hashes
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@functools.cache
def dist_version(dist: str) -> str:
    """Installed version of a distribution ("?" when it is not installed)."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "?"


def _package_dir(module: str, dist: str) -> Path:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        raise SmmgenError(f"font package {dist} is not installed (it is a dependency of smmgen; "
                          f"reinstall smmgen)") from None
    return Path(mod.__file__).resolve().parent  # type: ignore[arg-type]


@functools.cache
def _noto_sans() -> FontFile:
    return FontFile(str(_package_dir("fontpkg_noto_sans", "fontpkg-noto-sans") / "files/NotoSans[wdth,wght].ttf"),
                    0, "fontpkg-noto-sans")


@functools.cache
def _noto_arabic() -> FontFile:
    d = _package_dir("fontpkg_noto_sans_arabic", "fontpkg-noto-sans-arabic")
    return FontFile(str(d / "files/NotoSansArabic[wdth,wght].ttf"), 0, "fontpkg-noto-sans-arabic")


def _manimgx(name: str) -> FontFile:
    return FontFile(str(_package_dir("manimgx_fonts", "manimgx-fonts") / name), 0, "manimgx-fonts")


# Faces of NotoSansCJK-VF.otf.ttc, in file order.
_CJK_FACES = {"ja": 0, "ko": 1, "zh-hans": 2, "zh-hant": 3, "zh-hk": 4}

# Other scripts, after CJK: none of them overlaps with the fonts before, so their order does not matter.
_OTHER_SCRIPTS = ("Armenian", "Bengali", "Devanagari", "Ethiopic", "Georgian", "Gujarati", "Gurmukhi",
                  "Kannada", "Khmer", "Lao", "Malayalam", "Myanmar", "Oriya", "Sinhala", "Tamil", "Telugu",
                  "Thai")


def cjk_face_index(lang: str) -> int:
    """Which CJK face suits a BCP 47 tag: Han characters differ in form between the regions."""
    tag = lang.lower().replace("_", "-")
    primary = tag.split("-")[0]
    if primary == "ja":
        return _CJK_FACES["ja"]
    if primary == "ko":
        return _CJK_FACES["ko"]
    if primary in ("zh", "yue", "cmn"):
        if "hk" in tag.split("-") or "mo" in tag.split("-") or primary == "yue":
            return _CJK_FACES["zh-hk"]
        if "hant" in tag.split("-") or "tw" in tag.split("-"):
            return _CJK_FACES["zh-hant"]
        return _CJK_FACES["zh-hans"]
    return _CJK_FACES["ja"]


@functools.cache
def chain(family: str, lang: str) -> tuple[FontFile, ...]:
    """The fallback chain for a layout family (built-in name or absolute font path) and a language."""
    primary = [] if family in BUILTIN_FAMILIES else [FontFile(family, 0, "")]
    cjk_dir = _package_dir("manimgx_fonts_cjk", "manimgx-fonts-cjk")
    cjk = FontFile(str(cjk_dir / "NotoSansCJK-VF.otf.ttc"), cjk_face_index(lang), "manimgx-fonts-cjk")
    faces = tuple(primary + [
        _noto_sans(),
        _noto_arabic(),
        _manimgx("NotoSansHebrew[wght].ttf"),
        cjk,
        *[_manimgx(f"NotoSans{s}[wght].ttf") for s in _OTHER_SCRIPTS],
        _manimgx("NotoSansSymbols[wght].ttf"),
        _manimgx("NotoEmoji[wght].ttf"),
    ])
    for face in faces:
        if not Path(face.path).is_file():
            raise SmmgenError(f"font file missing from {face.package or 'the site'}: {face.path} "
                              f"(a changed package version? reinstall smmgen)")
    return faces


@functools.cache
def cmap(face: FontFile) -> Coverage:
    """Code points the face has a glyph for (read once per process; ``cp in cmap(face)`` is a binary search)."""
    try:
        return read_coverage(face.path, face.index)
    except (CmapError, OSError) as e:
        raise SmmgenError(f"{face.path}: cannot read the font's character map: {e}") from None


# Characters that carry no glyph of their own: joiners, selectors and marks the shaper consumes.
IGNORABLE = frozenset([0x200C, 0x200D, 0xFE0E, 0xFE0F, 0x20E3] + list(range(0xE0020, 0xE0080)))


def pick(faces: tuple[FontFile, ...], cluster: str, prefer: FontFile | None = None) -> FontFile | None:
    """The first face with glyphs for every code point of a grapheme cluster (``prefer`` first, if given)."""
    needed = [ord(c) for c in cluster if ord(c) not in IGNORABLE] or [ord(cluster[0])]
    if prefer is not None and all(cp in cmap(prefer) for cp in needed):
        return prefer
    for face in faces:
        cm = cmap(face)
        if all(cp in cm for cp in needed):
            return face
    # A base letter the fonts have, with a mark none of them has, still beats no glyph at all.
    for face in faces:
        if needed[0] in cmap(face):
            return face
    return None


LARGE_FILE = 8_000_000
"""Font files larger than this (the 32 MB CJK collection) keep fewer faces open at a time (``font``)."""

LARGE_KEPT, SMALL_KEPT = 1, 8
"""How many font objects (face, weight, width; each at the size it was last asked for) stay open to draw with, per
thread: of large files, and of the others."""


def font(face: FontFile, size: int, weight: int = 400, width: float = 100.0) -> ImageFont.FreeTypeFont:
    """A Pillow font at a pixel size, with the weight and width axes set on variable faces (clamped). It is this
    thread's, for the text it draws next: the next call for the same face, weight and width may set it to another
    size.

    Every font object maps its whole file again, and the pages it reads count in the process's resident memory
    once per object, with some 0.25 MB of FreeType's own besides: titles fitted at every size from 49 to 92 px
    kept 44 Noto Sans objects (48 MB) in each drawing process of a 1,000-article build, the CJK collection at
    two dozen sizes 100 MB. And the first text an object draws costs 7 ms more than the next for every Noto face
    but the CJK collection's (FreeType's auto-hinter sorts the font's glyphs by script: ``font_resize``). So one
    object per face, weight and width is kept and set to the size asked for (``font_resize.resize``): a few
    objects in all (of the CJK collection one, 2.2 MB, reopened for another weight in 0.5 ms). Where that cannot be
    done, objects are opened per size, the most recently used kept: 12 of the others (0.75 MB each) reopened
    165 times drawing half the 1,000-article build's cards."""
    large = _file_size(face.path) > LARGE_FILE
    if not can_resize():
        return _recent_large(face, size, weight, width) if large else _recent(face, size, weight, width)
    kept = _kept_here()[large]
    key = (face, weight, width)
    f = kept.get(key)
    if f is not None and (f.size == size or resize(f, size)):
        kept.move_to_end(key)
        return f
    f = kept[key] = _open_font(face, size, weight, width)
    kept.move_to_end(key)
    while len(kept) > (LARGE_KEPT if large else SMALL_KEPT):
        kept.popitem(last=False)
    return f


_THREADS = threading.local()


def _kept_here() -> dict[bool, OrderedDict[tuple[FontFile, int, float], ImageFont.FreeTypeFont]]:
    """This thread's open font objects (each is set to the size its thread draws at next), of large files (True)
    and of the others."""
    try:
        return _THREADS.kept
    except AttributeError:
        _THREADS.kept = {True: OrderedDict(), False: OrderedDict()}
        return _THREADS.kept


def forget_fonts() -> None:
    """Close this thread's font objects (a test, or a process that wants the memory back)."""
    for kept in _kept_here().values():
        kept.clear()
    _recent.cache_clear()
    _recent_large.cache_clear()
    _recent_measuring.cache_clear()


@functools.cache
def can_resize() -> bool:
    """Whether this process sets its font objects to other sizes in place (``font_resize``): tried on a font of
    the chain, set to another size and back."""
    probe = _open_font(_noto_sans(), 20, 400, 100.0)
    return resize(probe, 21) and resize(probe, 20)


def measuring(face: FontFile, size: int, weight: int = 400, width: float = 100.0) -> ImageFont.FreeTypeFont:
    """A Pillow font as ``font`` gives it, to measure with (``getlength``, ``getmetrics``): words are measured at
    one reference size, the text they are drawn in at others. Where fonts are set to other sizes in place it is
    ``font``'s object (setting the size costs microseconds). Else the last one stays open apart from those drawn
    with: among them it took slots from the sizes titles are drawn at (the CJK collection's only one); opening one
    to measure costs 0.05 ms, and no hinting."""
    if can_resize():
        return font(face, size, weight, width)
    return _recent_measuring(face, size, weight, width)


@functools.lru_cache(maxsize=1)
def _recent_measuring(face: FontFile, size: int, weight: int, width: float) -> ImageFont.FreeTypeFont:
    return _open_font(face, size, weight, width)


@functools.lru_cache(maxsize=64)
def _file_size(path: str) -> int:
    return Path(path).stat().st_size


@functools.lru_cache(maxsize=1)
def _recent_large(face: FontFile, size: int, weight: int, width: float) -> ImageFont.FreeTypeFont:
    return _open_font(face, size, weight, width)


@functools.lru_cache(maxsize=12)
def _recent(face: FontFile, size: int, weight: int, width: float) -> ImageFont.FreeTypeFont:
    return _open_font(face, size, weight, width)


def _open_font(face: FontFile, size: int, weight: int, width: float) -> ImageFont.FreeTypeFont:
    f = ImageFont.truetype(face.path, size, index=face.index, layout_engine=ImageFont.Layout.RAQM)
    try:
        axes = f.get_variation_axes()
    except OSError:  # not a variable font: its one weight is what it is
        return f
    values = []
    for ax in axes:
        name = ax["name"]
        name = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
        want = {"Weight": weight, "Width": width}.get(name, ax["default"])
        values.append(min(max(want, ax["minimum"]), ax["maximum"]))
    f.set_variation_by_axes(values)
    return f
