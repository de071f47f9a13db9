"""The PNG writer with a backdrop: the same pixels, bytes that depend only on the image, and the text drawing
that flat cards share with it."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from smmgen.cards import encode
from smmgen.cards.encode import BAND, Backdrop, png


def _gradient(size: tuple[int, int]) -> Image.Image:
    return Image.linear_gradient("L").resize(size).convert("RGB")


def _backdrop_image(size: tuple[int, int]) -> Image.Image:
    """A row of noise, shifted one pixel per row: deflate can only match it against the row above, so a band
    deflated with the wrong row before it would read back wrong."""
    w, h = size
    row = random.Random(9).randbytes(3 * (w + h))
    return Image.frombytes("RGB", size, b"".join(row[3 * y:3 * (y + w)] for y in range(h)))


def _idat(data: bytes) -> bytes:
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        chunks[data[at + 4:at + 8]] = data[at + 8:at + 8 + length]
        at += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    return chunks[b"IDAT"]


def _scribble(im: Image.Image, rows: list[tuple[int, int]], seed: int) -> Image.Image:
    """``im`` with noise over the given row ranges (what text does to a card's backdrop)."""
    out = im.copy()
    rnd = random.Random(seed)
    for top, bottom in rows:
        x = rnd.randrange(0, im.width // 2)
        w = rnd.randrange(1, im.width - x + 1)
        out.paste(Image.frombytes("RGB", (w, bottom - top), rnd.randbytes(w * (bottom - top) * 3)), (x, top))
    return out


# Row ranges that start and end on and off band edges, touch the first and the last row, or cover everything.
PATTERNS = [
    [],
    [(0, 1)],
    [(BAND - 1, BAND + 1)],
    [(3, 40), (41, 42), (90, 91)],
    [(10, 11), (2 * BAND, 3 * BAND)],
    [(120, 157)],
    [(156, 157)],
    [(0, 157)],
]


@pytest.mark.parametrize("rows", PATTERNS)
def test_png_over_a_backdrop_reads_back_exactly(rows: list[tuple[int, int]]) -> None:
    base = _backdrop_image((301, 157))  # 157 rows: the last band is a short one
    backdrop = Backdrop(base)
    im = _scribble(base, rows, seed=len(rows))
    data = png(im, backdrop=backdrop)
    with Image.open(io.BytesIO(data)) as back:
        assert back.mode == "RGB" and back.tobytes() == im.tobytes()
    raw = zlib.decompress(_idat(data))  # one zlib stream, its Adler-32 checked by zlib
    assert set(raw[::1 + 301 * 3]) == {0}  # every row unfiltered, as without a backdrop


@pytest.mark.parametrize("height", [1, BAND - 1, BAND, BAND + 1])
def test_png_over_a_backdrop_of_one_band_or_little_more(height: int) -> None:
    base = _backdrop_image((50, height))
    for rows in ([], [(0, 1)], [(height - 1, height)]):
        im = _scribble(base, rows, seed=height)
        with Image.open(io.BytesIO(png(im, backdrop=Backdrop(base)))) as back:
            assert back.tobytes() == im.tobytes()


def test_png_bytes_do_not_depend_on_what_the_backdrop_wrote_before() -> None:
    base = _backdrop_image((240, 96))
    cards = [_scribble(base, rows, seed=i) for i, rows in enumerate(([(5, 30)], [(0, 96)], [(40, 41), (90, 96)]))]
    warm = Backdrop(base)
    written = [png(im, backdrop=warm) for im in cards + cards[::-1]]
    assert written[:3] == written[3:][::-1]
    for im, data in zip(cards, written):
        assert png(im, backdrop=Backdrop(base)) == data  # a fresh process's backdrop gives the same bytes


def test_png_over_a_backdrop_deflates_its_rows_once() -> None:
    base = _gradient((1200, 630))
    backdrop = Backdrop(base)
    card = _scribble(base, [(200, 330)], seed=1)
    png(card, backdrop=backdrop)
    calls = []
    real = encode._deflate

    def counting(data: bytes, *args: object) -> bytes:
        calls.append(len(data))
        return real(data, *args)  # type: ignore[arg-type]

    encode._deflate = counting  # type: ignore[assignment]
    try:
        again = png(card.copy(), backdrop=backdrop)
    finally:
        encode._deflate = real  # type: ignore[assignment]
    # Only the scribbled bands are deflated again: the backdrop's bands come from the pieces already made.
    assert len(calls) == 1 and calls[0] <= (130 + 2 * BAND) * (1 + 1200 * 3)
    with Image.open(io.BytesIO(again)) as back:
        assert back.tobytes() == card.tobytes()


def test_a_backdrop_of_another_size_or_a_copy_drawn_on_changes_nothing() -> None:
    base = _gradient((200, 100))
    im = _scribble(base, [(20, 30)], seed=4)
    assert png(im, backdrop=Backdrop(_gradient((200, 101)))) == png(im)  # not the image's size: ignored
    drawn_on = base.copy()
    backdrop = Backdrop(drawn_on)
    ImageDraw.Draw(drawn_on).rectangle((0, 0, 199, 99), fill=(255, 0, 0))  # the backdrop keeps its own pixels
    with Image.open(io.BytesIO(png(im, backdrop=backdrop))) as back:
        assert back.tobytes() == im.tobytes()


def test_adler32_of_parts_combines_to_the_whole() -> None:
    rnd = random.Random(5)
    for _ in range(200):
        a = rnd.randbytes(rnd.randrange(0, 70_000))
        b = rnd.choice([b"", b"\xff" * rnd.randrange(1, 140_000), rnd.randbytes(rnd.randrange(1, 5000))])
        assert encode._adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)
