"""Encoding cards within a target's byte budget, with the same bytes for the same image every time.

No metadata goes into the files (no EXIF, no text chunks, no timestamps: Pillow's JPEG writer adds none unless
asked, and ``png`` writes only the pixels), and every encoder option is fixed. When a file is over budget the
quality steps down, then the image shrinks.

A flat card is mostly its background: ``png`` takes a ``Backdrop`` (the gradient every card of a layout and size
is drawn on) and deflates the bands of rows that are still the backdrop's once per process, not once per card.
The bytes do not depend on what was deflated before: a band is always deflated the same way from the same rows.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image

from smmgen.cards.targets import TargetSpec

# (quality, chroma subsampling 4:2:0). 4:4:4 costs 20% more bytes and encode time for a difference in
# coloured text edges that was not visible at 1:1 on our layouts (and platforms re-encode to 4:2:0 anyway).
JPEG_STEPS = ((86, 2), (80, 2), (74, 2), (66, 2), (58, 2), (50, 2))
PNG_LEVEL = 3  # zlib level: 6 takes twice the time for 30% fewer bytes, 9 six times; cards are far under budget
BAND = 4  # rows per band a backdrop's deflated pieces are cut in (2 and 8 are slower on our flat cards)
SCALES = (1.0, 0.85, 0.7, 0.6, 0.5)
_STEPS = {"jpeg": JPEG_STEPS, "png": ("full colour", "256 colours")}  # rungs per scale, as ``_attempts`` yields


class OverBudget(Exception):
    """No rung of the ladder fits the budget (the caller names the article)."""


@dataclass(frozen=True)
class Encoded:
    data: bytes
    width: int
    height: int
    format: str
    rung: int = 0
    """Where on the ladder the bytes fit: 0 is full size at the best quality, the same for every budget."""


def identity(fmt: str) -> str:
    """What decides a format's bytes besides the pixels and Pillow's version (which the caller keys on): the
    ladder, and for PNG the zlib that deflates it."""
    if fmt == "png":
        return (f"png unfiltered level {PNG_LEVEL}, backdrop bands of {BAND} rows, zlib {zlib.ZLIB_RUNTIME_VERSION}, "
                f"scales {SCALES}")
    return f"jpeg {JPEG_STEPS}, scales {SCALES}"


def choose_format(spec: TargetSpec, photo: bool) -> str:
    """JPEG for photographs, PNG for flat designs, unless the target takes only one of them."""
    want = "jpeg" if photo else "png"
    return want if want in spec.formats else spec.formats[0]


def encode(im: Image.Image, fmt: str, spec: TargetSpec, memo: dict | None = None,
           backdrop: Backdrop | None = None) -> Encoded:
    """Encode, stepping quality down and then size, until the bytes are within ``spec.max_bytes``.

    ``memo`` (a dict kept by the caller for one drawing) remembers every rung already encoded, so targets that
    share a drawing but differ in budget (og and vk, x and mastodon) encode it once: the ladder is the same for
    every budget, so the first rung that fits is the same bytes as a fresh encode would give. ``backdrop`` is
    what the image was drawn on (for a full-size PNG; see ``png``); the same drawing must always get the same.
    """
    memo = {} if memo is None else memo
    steps = len(_STEPS[fmt])
    for k, scale in enumerate(SCALES):
        w = round(im.width * scale)
        if w < spec.min_width and scale < 1.0:
            break
        key = (fmt, scale)
        if key not in memo:
            scaled = im if scale == 1.0 else im.resize((w, round(im.height * scale)), Image.LANCZOS)
            memo[key] = (scaled.size, _attempts(scaled, fmt, backdrop), [])
        size, attempts, done = memo[key]
        for i in range(steps):
            if i == len(done):
                done.append(next(attempts))
            if len(done[i]) <= spec.max_bytes:
                return Encoded(done[i], size[0], size[1], fmt, k * steps + i)
    raise OverBudget(f"the {spec.name} card does not fit {spec.max_bytes:,} bytes as {fmt.upper()} even at "
                     f"{spec.min_width} px wide and the lowest quality")


def _attempts(im: Image.Image, fmt: str, backdrop: Backdrop | None):
    if fmt == "jpeg":
        for quality, subsampling in JPEG_STEPS:
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=quality, subsampling=subsampling, optimize=False, progressive=False)
            yield buf.getvalue()
    else:
        yield png(im, backdrop=backdrop)
        # A palette of 256 colours halves most flat cards; dithering keeps gradients from banding.
        buf = io.BytesIO()
        im.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG).save(
            buf, "PNG", compress_level=9, optimize=False)
        yield buf.getvalue()


def png(im: Image.Image, level: int = PNG_LEVEL, backdrop: Backdrop | None = None) -> bytes:
    """An RGB image as a PNG with every row unfiltered (filter type 0), deflated at ``level``.

    Pillow's writer has no filter option: it tries the Up, Sub and Paeth filters on every row and keeps the
    one with the smallest sum, which is half its time. On our flat cards unfiltered rows deflate smaller still (a
    gradient repeats from row to row, and deflate finds those repeats as matches, while the filters turn
    them into small noise), so this writes 1200x630 in 7 ms instead of 18, about 3% smaller. The chunks
    (IHDR, one IDAT, IEND) carry nothing else: no time, no text, no gamma.

    With a ``backdrop`` of the image's size the rows are deflated in bands (see ``Backdrop``): the same pixels
    as without, in other bytes, in 3.5 ms instead of 5.5 for our flat 1200x630 cards (half their rows are
    gradient only).
    """
    if im.mode != "RGB":
        im = im.convert("RGB")
    w, h = im.size
    raw = im.tobytes()
    if backdrop is not None and backdrop.size == (w, h) and backdrop.level == level:
        idat = backdrop.deflate(raw)
    else:
        idat = zlib.compress(_rows(raw, 3 * w, 0, h), level)
    return b"".join((b"\x89PNG\r\n\x1a\n",
                     _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)),
                     _chunk(b"IDAT", idat),
                     _chunk(b"IEND", b"")))


def _rows(raw: bytes, stride: int, start: int, stop: int) -> bytes:
    """Rows ``start`` to ``stop`` of ``raw``, each behind its filter byte 0."""
    view = memoryview(raw)
    # Joining views on b"\0" (after an empty first item) copies once.
    return b"\0".join([b""] + [view[i:i + stride] for i in range(start * stride, stop * stride, stride)])


class Backdrop:
    """What many cards are drawn on (a flat layout's gradient at one size), for ``png``.

    Deflating a gradient costs as much as deflating text, and most rows of a flat card are gradient only. So
    the rows are cut in bands of ``BAND``: a band whose rows are all the backdrop's is written as a piece
    deflated once per process, and each run of other bands is deflated in one go. Every piece and run is a
    deflate stream of its own (flushed to a byte boundary, only the last one final), primed with the row just
    above it, which is as far back as deflate's matches need to reach on these images. A piece primed with
    the backdrop's row above is used where the image has that row above it, else the unprimed one. Each part
    is a function of its own rows and the row above, so the bytes never depend on which cards came before.

    The backdrop's pixels are copied in: drawing on the image afterwards changes nothing here. Each different row
    is kept once (a gradient has at most 256: 0.9 MB for a 1200 px wide card, where every row was 2.3 MB).
    """

    def __init__(self, im: Image.Image, level: int = PNG_LEVEL):
        if im.mode != "RGB":
            im = im.convert("RGB")
        raw = im.tobytes()
        stride = 3 * im.width
        kept: dict[bytes, bytes] = {}
        self._start(im.size, tuple(kept.setdefault(row, row) for row in (raw[i:i + stride]
                                                                           for i in range(0, len(raw), stride))), level)

    @classmethod
    def of_rows(cls, size: tuple[int, int], rows: tuple[bytes, ...], level: int = PNG_LEVEL) -> Backdrop:
        """The backdrop whose rows (top to bottom, 3 bytes a pixel, as ``tobytes()`` gives them) are ``rows``,
        kept as they are: whoever holds the same rows shares them with it (``render``'s gradients)."""
        if len(rows) != size[1] or any(len(row) != 3 * size[0] for row in rows):
            raise ValueError(f"rows of a {size[0]}x{size[1]} backdrop expected")
        backdrop = cls.__new__(cls)
        backdrop._start(size, rows, level)
        return backdrop

    def _start(self, size: tuple[int, int], rows: tuple[bytes, ...], level: int) -> None:
        self.size = size
        self.level = level
        self._rows = rows
        self._pieces: dict[tuple[int, bool], tuple[bytes, int, int]] = {}

    def deflate(self, raw: bytes) -> bytes:
        """The zlib stream (PNG IDAT data) of an image of the backdrop's size, given as ``tobytes()``."""
        stride = 3 * self.size[0]
        size = BAND * stride
        mine = self._rows
        n = -(-len(mine) // BAND)
        same = [raw.startswith(row, y * stride) for y, row in enumerate(mine)]  # compared in place, no copies
        plain = [all(same[k * BAND:k * BAND + BAND]) for k in range(n)]
        out = [zlib.compress(b"", self.level)[:2]]  # the zlib header of this level
        adler = 1
        k = 0
        while k < n:
            end = k + 1
            while end < n and plain[end] == plain[k]:
                end += 1
            # The image's row above this run: all that a stream starting here refers back to.
            above = raw[k * size - stride:k * size] if k else b""
            if plain[k]:
                primed = k > 0 and above == mine[k * BAND - 1]
                for j in range(k, end):
                    data, check, length = self._piece(j, primed or j > k)
                    out.append(data)
                    adler = _adler32_combine(adler, check, length)
            else:
                rows = _rows(raw, stride, k * BAND, min(self.size[1], end * BAND))
                out.append(_deflate(rows, self.level, b"\0" + above if above else b"", end == n))
                adler = _adler32_combine(adler, zlib.adler32(rows), len(rows))
            k = end
        out.append(struct.pack(">I", adler))
        return b"".join(out)

    def _piece(self, k: int, primed: bool) -> tuple[bytes, int, int]:
        """Band ``k`` of the backdrop deflated, primed with the band's row above or not (the first band has
        none): the bytes, and the Adler-32 and length of the rows they hold."""
        key = (k, primed)
        if key not in self._pieces:
            stride = 3 * self.size[0]
            band = b"".join(self._rows[k * BAND:k * BAND + BAND])
            rows = _rows(band, stride, 0, len(band) // stride)
            primer = b"\0" + self._rows[k * BAND - 1] if primed else b""
            last = k == -(-len(self._rows) // BAND) - 1
            self._pieces[key] = (_deflate(rows, self.level, primer, last), zlib.adler32(rows), len(rows))
        return self._pieces[key]


def _deflate(data: bytes, level: int, primer: bytes, last: bool) -> bytes:
    """Raw deflate of ``data`` as one part of a longer stream: ``primer`` is what precedes it there (matches may
    refer back into it), and all but the last part end flushed to a byte boundary, not final."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, primer) if primer else \
        zlib.compressobj(level, zlib.DEFLATED, -15, 8)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


_ADLER_BASE = 65521


def _adler32_combine(first: int, second: int, length: int) -> int:
    """The Adler-32 of two byte strings one after the other, from theirs and the second one's length.

    Adler-32 is two sums mod 65521: A = 1 + the bytes, B = the A after every byte. Behind the first string, the
    second's A grows by A1 - 1 and each of its ``length`` steps adds that to B."""
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % _ADLER_BASE
    b = (b1 + b2 + length * (a1 - 1)) % _ADLER_BASE
    return (b << 16) | a


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
