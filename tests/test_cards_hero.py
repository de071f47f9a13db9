"""Hero images: every broken one is a ContentError naming the article and line; good ones come out upright."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from smmgen.cards import DEFAULT_LAYOUT_DIR, CardRequest, render_cards
from smmgen.cards.hero import cover, decode
from smmgen.errors import ContentError, ErrorList


def _request(hero: Path, target: str = "og", focus: tuple[float, float] | None = None) -> CardRequest:
    return CardRequest(target, "photo", "A title", "Site", "News", "1 May", "en", hero, focus, "alt",
                       "content/2026/budget.md", 4)


def _only_error(hero: Path, tmp_path: Path) -> ContentError:
    with pytest.raises(ErrorList) as info:
        render_cards([_request(hero), _request(hero, "x")], layout_dirs=[DEFAULT_LAYOUT_DIR],
                     out_dir=tmp_path / "out")
    errors = info.value.errors
    assert len(errors) == 1, "one broken hero is one error, however many cards use it"
    e = errors[0]
    assert isinstance(e, ContentError)
    assert (e.path, e.line, e.field) == ("content/2026/budget.md", 4, "image")
    assert e.message.startswith("content/2026/budget.md:4: image: ")
    return e


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims a size, with almost no pixel data (a decompression bomb, cheaply)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    out = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    idat = b"IDAT" + zlib.compress(b"\x00" * 64)
    return out + struct.pack(">I", len(idat) - 4) + idat + struct.pack(">I", zlib.crc32(idat))


def test_missing_hero(tmp_path: Path) -> None:
    e = _only_error(tmp_path / "gone.jpg", tmp_path)
    assert "image not found" in e.message and "gone.jpg" in e.message


def test_truncated_jpeg(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.effect_noise((800, 600), 60).convert("RGB").save(buf, "JPEG", quality=90)
    p = tmp_path / "cut.jpg"
    p.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    assert "truncated or corrupt" in _only_error(p, tmp_path).message


def test_not_an_image(tmp_path: Path) -> None:
    p = tmp_path / "notes.jpg"
    p.write_text("this is not a JPEG")
    assert "not an image" in _only_error(p, tmp_path).message


def test_one_pixel_image(tmp_path: Path) -> None:
    p = tmp_path / "pixel.png"
    Image.new("RGB", (1, 1), "red").save(p)
    e = _only_error(p, tmp_path)
    assert "1x1 px" in e.message and "at least" in e.message


def test_decompression_bomb(tmp_path: Path) -> None:
    p = tmp_path / "bomb.png"
    p.write_bytes(_png_header(30000, 30000))
    assert p.stat().st_size < 1000
    assert "too large" in _only_error(p, tmp_path).message


def test_exif_orientation_is_honoured() -> None:
    # Stored landscape, left half red and right half blue, tagged "rotate 90 CW to display" (orientation 6).
    im = Image.new("RGB", (400, 300), "red")
    im.paste((0, 0, 255), (200, 0, 400, 300))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif.tobytes(), quality=95)
    out = decode(buf.getvalue(), [(300, 400)], name="rot.jpg")
    assert out.size == (300, 400)  # displayed portrait
    top, bottom = out.getpixel((150, 40)), out.getpixel((150, 360))
    assert top[0] > 200 and top[2] < 60  # red is on top after the turn
    assert bottom[2] > 200 and bottom[0] < 60


def _linear_rgb_profile() -> bytes:
    """A minimal ICC v2 display profile: sRGB primaries with a linear (gamma 1.0) tone curve."""
    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + b"\0" * 4 + s15(x) + s15(y) + s15(z)

    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 0x0100) + b"\0\0"
    desc_text = b"linear\0"
    desc = (b"desc" + b"\0" * 4 + struct.pack(">I", len(desc_text)) + desc_text + b"\0" * 8 + b"\0" * 2
            + b"\0" + b"\0" * 67)
    tags = [(b"desc", desc), (b"wtpt", xyz(0.9642, 1.0, 0.8249)), (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)),
            (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)), (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
              + b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249)
              + b"\0" * 48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def test_icc_profile_is_converted_to_srgb() -> None:
    im = Image.new("RGB", (300, 300), (128, 128, 128))  # linear mid-grey: much lighter in sRGB
    buf = io.BytesIO()
    im.save(buf, "PNG", icc_profile=_linear_rgb_profile())
    out = decode(buf.getvalue(), [(300, 300)], name="linear.png")
    r, g, b = out.getpixel((150, 150))
    assert 175 <= r <= 200 and abs(r - g) <= 3 and abs(r - b) <= 3, (r, g, b)


def test_icc_profiles_are_applied_or_ignored_like_browsers_do() -> None:
    im = Image.new("RGB", (300, 300), (120, 60, 200))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    buf = io.BytesIO()
    im.save(buf, "PNG", icc_profile=profile.tobytes())
    out = decode(buf.getvalue(), [(300, 300)], name="srgb.png")
    assert out.mode == "RGB" and abs(out.getpixel((5, 5))[0] - 120) <= 2  # sRGB to sRGB: unchanged
    bad = io.BytesIO()
    im.save(bad, "PNG", icc_profile=b"not a profile")
    assert decode(bad.getvalue(), [(300, 300)], name="bad.png").size == (300, 300)  # ignored, as browsers do


def test_cover_keeps_the_focal_point() -> None:
    im = Image.new("RGB", (2000, 1000), "black")
    im.paste((255, 255, 255), (1800, 0, 2000, 1000))  # a white band at the far right
    right = cover(im, (600, 600), (1.0, 0.5))
    left = cover(im, (600, 600), (0.0, 0.5))
    assert right.getpixel((590, 300)) == (255, 255, 255)
    assert left.getpixel((590, 300)) == (0, 0, 0)


def test_draft_decodes_a_large_jpeg_at_a_reduced_size() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (4000, 3000), (10, 120, 200)).save(buf, "JPEG", quality=80)
    out = decode(buf.getvalue(), [(1200, 630)], name="big.jpg")
    assert 1200 <= out.width < 4000 and 630 <= out.height  # decoded at 1/2, still covering the card


def test_pyramid_picks_the_smallest_copy_that_covers() -> None:
    from smmgen.cards.hero import Pyramid

    pyramid = Pyramid(Image.new("RGB", (2400, 1600), "grey"))
    assert pyramid.covering((1200, 630)).size == (1200, 800)  # half still covers 1200x630
    assert pyramid.covering((1080, 1350)).size == (2400, 1600)  # half would be too short
    assert pyramid.covering((400, 150)).size == (600, 400)  # 1/4; 1/8 would be too narrow


def test_cover_stays_close_to_a_lanczos_resample() -> None:
    import math
    import random

    from PIL import ImageChops, ImageStat

    # Detail down to a few pixels, like a sharp photo: where a cheaper filter aliases (box: 30 dB, nearest:
    # 28 dB) or the crop is misplaced (10 dB), the difference from Lanczos shows.
    noise = Image.frombytes("RGB", (600, 400), random.Random(5).randbytes(600 * 400 * 3))
    im = noise.resize((2400, 1600), Image.BICUBIC)
    got = cover(im, (1080, 1350), (0.5, 0.5))  # Instagram's portrait from a full-size hero: a factor of 0.84
    want = im.resize((1080, 1350), Image.LANCZOS, box=(560, 0, 1840, 1600))
    mse = sum(v * v for v in ImageStat.Stat(ImageChops.difference(got, want)).rms) / 3
    assert 10 * math.log10(255 ** 2 / mse) > 34


def test_a_card_drawn_alone_is_the_same_file_as_one_drawn_beside_its_heros_other_cards(tmp_path: Path) -> None:
    # A 2400x1600 photo: Instagram's 1350 px height needs the full decode, the og card alone a half one. The
    # og card must not depend on which of its hero's cards are drawn with it (an edited og layout, a shard,
    # the others found done): its file name says it is the same card.
    import random

    noise = Image.frombytes("RGB", (300, 200), random.Random(3).randbytes(300 * 200 * 3))
    hero = tmp_path / "hero.jpg"
    noise.resize((2400, 1600), Image.BICUBIC).save(hero, "JPEG", quality=85)
    together = render_cards([_request(hero), _request(hero, "instagram")], layout_dirs=[DEFAULT_LAYOUT_DIR],
                            out_dir=tmp_path / "together")
    alone = render_cards([_request(hero)], layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path / "alone")
    og_together = together[_request(hero)]
    og_alone = alone[_request(hero)]
    assert og_alone.path == og_together.path
    assert (tmp_path / "alone" / og_alone.path).read_bytes() == (tmp_path / "together" / og_together.path).read_bytes()


def test_a_heros_cards_share_one_decode_and_each_is_the_same_file_drawn_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the build's requests, a 2400x1600 photo's og, 16:9 and Instagram cards are cut from one full decode
    # (Instagram's 1350 px height needs it; a second, half-size decode for the others is 7.6 ms of a card's
    # CPU), and the og card drawn alone, its article still asking for all three, is the very same file.
    import random

    from smmgen.cards import hero as heromod

    noise = Image.frombytes("RGB", (300, 200), random.Random(4).randbytes(300 * 200 * 3))
    hero = tmp_path / "hero.jpg"
    noise.resize((2400, 1600), Image.BICUBIC).save(hero, "JPEG", quality=85)
    every = [_request(hero), _request(hero, "x"), _request(hero, "instagram")]
    decodes: list[list[tuple[int, int]]] = []
    real = heromod.decode
    monkeypatch.setattr(heromod, "decode", lambda data, sizes, *, name: decodes.append(sizes) or real(data, sizes,
                                                                                                        name=name))
    together = render_cards(every, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path / "together",
                            companions=every)
    assert len(decodes) == 1
    alone = render_cards(every[:1], layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path / "alone", companions=every)
    og = together[every[0]]
    assert alone[every[0]].path == og.path
    assert (tmp_path / "alone" / og.path).read_bytes() == (tmp_path / "together" / og.path).read_bytes()
    # Without Instagram among its article's cards the og card keeps its half-size decode, and another name.
    decodes.clear()
    flat = render_cards(every[:2], layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path / "flat",
                        companions=every[:2])
    assert len(decodes) == 1 and flat[every[0]].path != og.path


def test_empty_hero_file(tmp_path: Path) -> None:
    hero = tmp_path / "empty.jpg"
    hero.write_bytes(b"")
    assert "not an image" in _only_error(hero, tmp_path).message
