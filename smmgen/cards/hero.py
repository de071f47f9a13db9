"""Hero images: checked, decoded at the smallest scale each card needs, turned upright and into sRGB.

Every way a hero can be unusable (missing, not an image, truncated, too small, absurdly large) becomes a
``HeroError`` with a one-line reason; the caller adds the article and line.
"""

from __future__ import annotations

import functools
import io
import logging
import math
import struct
import warnings
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from smmgen.errors import SmmgenError

log = logging.getLogger(__name__)

MIN_SIDE = 200
"""Smallest hero side we accept: Facebook's absolute minimum for a shared image [F1]."""
MAX_PIXELS = 60_000_000
"""Largest hero we decode (about 9500 x 6300): larger files are refused before decoding, as bombs."""

_ORIENT_SWAPS = {5, 6, 7, 8}  # EXIF orientations that turn the image a quarter
_EXIF_ERRORS = (OSError, ValueError, SyntaxError, TypeError, KeyError, struct.error)


class HeroError(SmmgenError):
    """Why a hero image cannot be used; the message is for a person."""


def load(path: Path, sizes: list[tuple[int, int]]) -> Image.Image:
    """Decode ``path`` as an upright sRGB RGB image, at least large enough to cover every size in ``sizes``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise HeroError(f"image not found: {path}") from None
    except OSError as e:
        raise HeroError(f"cannot read image {path}: {e.strerror or e}") from None
    return decode(data, sizes, name=path.name)


def decode(data: bytes, sizes: list[tuple[int, int]], *, name: str) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow warns (and past twice its limit, raises) for decompression bombs: both are errors here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data))
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise HeroError(f"{name} is {w}x{h} px, larger than the {MAX_PIXELS // 1_000_000} megapixel "
                                f"limit; make it smaller")
            if min(w, h) < MIN_SIDE:
                raise HeroError(f"{name} is only {w}x{h} px; a card needs at least {MIN_SIDE}x{MIN_SIDE}")
            orientation = _orientation(im)
            ow, oh = (h, w) if orientation in _ORIENT_SWAPS else (w, h)
            need = _needed(ow, oh, sizes)
            if im.format == "JPEG":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers the largest card.
                req = (need[1], need[0]) if orientation in _ORIENT_SWAPS else need
                im.draft("RGB", req)
            if getattr(im, "n_frames", 1) > 1:
                im.seek(0)
            im.load()
        except HeroError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise HeroError(f"{name} is too large to decode safely: {e}") from None
        except Image.UnidentifiedImageError:
            raise HeroError(f"{name} is not an image Pillow can read (corrupt or unsupported format)") from None
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            raise HeroError(f"{name} is truncated or corrupt ({e})") from None
    if orientation != 1:  # exif_transpose copies even upright images: skip it for them
        try:
            im = ImageOps.exif_transpose(im)
        except _EXIF_ERRORS:  # a broken EXIF block: keep the pixels as stored, as browsers do
            log.warning("%s: ignoring unreadable EXIF orientation", name)
    return _to_srgb(im)


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except _EXIF_ERRORS:  # a broken EXIF block: draw the pixels as stored, as browsers do
        return 1


def _needed(w: int, h: int, sizes: list[tuple[int, int]]) -> tuple[int, int]:
    """Smallest decoded size that covers every card size after cropping to fill."""
    scale = max(max(cw / w, ch / h) for cw, ch in sizes) if sizes else 1.0
    scale = min(scale, 1.0)
    return max(1, math.ceil(w * scale)), max(1, math.ceil(h * scale))


@functools.lru_cache(maxsize=16)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.buildTransform(src, ImageCms.createProfile("sRGB"), mode, "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None


def _to_srgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Transparent heroes are flattened on black, which the darkening overlay then blends into.
        rgba = im.convert("RGBA")
        im = Image.new("RGB", rgba.size, (0, 0, 0))
        im.paste(rgba, mask=rgba.getchannel("A"))
    if icc and im.mode in ("RGB", "CMYK"):
        t = _transform(bytes(icc), im.mode)
        if t is not None:
            return ImageCms.applyTransform(im, t)
        # Browsers ignore a profile they cannot read and show the pixels as sRGB; so do we.
        log.warning("ignoring an unreadable ICC profile")
    if im.mode != "RGB":
        im = im.convert("RGB")
    return im


class Decodes:
    """One hero's bytes, decoded at the smallest JPEG scale (1, 1/2, 1/4 or 1/8) that covers the sizes a card
    names (its own, or every size its article draws on this hero), each scale once.

    A card's pixels then depend on the hero and the sizes it names only, never on which cards are drawn with it:
    decoded to cover all the cards being drawn together, an og card drawn alone (its layout edited, the others
    found done) came out other bytes than one drawn beside Instagram's card, whose height needs the full decode.
    Naming its article's sizes, each card of a hero that Instagram's card needs whole is cut from that one decode
    (the og and 16:9 cards from its half-size copy) instead of a second, scaled decode: a scaled decode of a
    2400x1600 photo costs 7.6 ms, halving the full one 2.7 ms."""

    def __init__(self, data: bytes, name: str):
        self._data = data
        self._name = name
        self._probe: tuple[bool, int, int] | None = None
        self._pyramids: dict[tuple[int, int] | None, Pyramid] = {}

    def covering(self, size: tuple[int, int], sizes: Sequence[tuple[int, int]] = ()) -> Image.Image:
        """The hero, upright and in sRGB, at the smallest copy that covers ``size``, cut from the decode that
        covers ``sizes`` too; raises ``HeroError``."""
        cover = [size, *sizes]
        key = self.scale_key(cover)
        if key not in self._pyramids:
            self._pyramids[key] = Pyramid(decode(self._data, cover, name=self._name))
        return self._pyramids[key].covering(size)

    def keep_for(self, cards: Sequence[tuple[tuple[int, int], Sequence[tuple[int, int]]]]) -> None:
        """Let go of what none of ``cards`` (those still to be cut: ``covering``'s arguments for each) is cut
        from: a decode none of them names, and of the others the copies none of them needs. A group drawing
        Instagram's portrait card first then holds the 15 MB full decode of a 2400x1600 hero only until its
        half-size copy is made, not while the other cards are drawn and encoded."""
        wanted: dict[tuple[int, int] | None, set[int]] = {}
        for size, sizes in cards:
            key = self.scale_key([size, *sizes])
            if key in self._pyramids:
                wanted.setdefault(key, set()).add(self._pyramids[key].factor(size))
        for key in list(self._pyramids):
            if key in wanted:
                self._pyramids[key].keep(wanted[key])
            else:
                del self._pyramids[key]

    def scale(self, size: tuple[int, int]) -> float:
        """How large a part of the upright hero a card of ``size`` needs (the larger, the larger its copy)."""
        self.scale_key([size])
        assert self._probe is not None
        _, w, h = self._probe
        return max(size[0] / w, size[1] / h) if w and h else 0.0

    def scale_key(self, sizes: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
        """What the decode covering ``sizes`` depends on: the size it asks libjpeg for, or None (not a JPEG:
        decoded whole whatever the card)."""
        if self._probe is None:
            try:
                with Image.open(io.BytesIO(self._data)) as im:
                    w, h = im.size
                    if _orientation(im) in _ORIENT_SWAPS:
                        w, h = h, w
                    self._probe = (im.format == "JPEG", w, h)
            except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
                # decode() says what is wrong, as a HeroError
                self._probe = (False, 0, 0)
        jpeg, w, h = self._probe
        return _needed(w, h, list(sizes)) if jpeg else None


class Pyramid:
    """A decoded hero and copies of it at 1/2, 1/4, 1/8 (box-filtered, made when first asked for): each card
    size is cut from the smallest copy that still covers it, so a hero decoded large for Instagram's portrait
    card does not cost a full-size resample for every landscape card."""

    def __init__(self, im: Image.Image):
        self._levels = {1: im}
        self._size = im.size

    def covering(self, size: tuple[int, int]) -> Image.Image:
        factor = self.factor(size)
        if factor not in self._levels:
            self._levels[factor] = self._levels[1].reduce(factor)
        return self._levels[factor]

    def factor(self, size: tuple[int, int]) -> int:
        """The reduction (1, 2, 4 or 8) of the copy that ``covering`` cuts ``size`` from."""
        w, h = self._size
        scale = max(size[0] / w, size[1] / h)
        factor = 1
        while factor < 8 and scale * factor * 2 <= 1.0:
            factor *= 2
        return factor

    def keep(self, factors: set[int]) -> None:
        """Keep only the copies of these reductions; the full decode stays while one of them is still to be
        made from it (each copy is reduced from the full decode, never from another copy: other pixels)."""
        to_make = not factors <= self._levels.keys()
        for factor in list(self._levels):
            if factor not in factors and not (factor == 1 and to_make):
                del self._levels[factor]


REDUCING_GAP = 3.0
"""``Image.resize``'s reducing gap for a hero's cut: a reduction by 3 or more starts with an integer ``reduce``."""


class Handed:
    """A hero copy handed to the one card drawn from it last: ``cover`` lets go of it (``image`` becomes None)
    as soon as it has what it needs. Instagram's portrait card is cut from the full decode of a 2400x1600 hero
    (15 MB), which was held through the whole resize beside its intermediate rows and the card (13 MB)."""

    __slots__ = ("image",)

    def __init__(self, image: Image.Image):
        self.image: Image.Image | None = image


def cover(hero: Image.Image | Handed, size: tuple[int, int], focus: tuple[float, float]) -> Image.Image:
    """Scale and crop to fill ``size``, keeping the focal point (0..1 each) as near the centre as the edges
    allow. A ``Handed`` hero is let go of after the horizontal half of the resize when that is the first of two."""
    im = hero.image if isinstance(hero, Handed) else hero
    assert im is not None
    w, h = im.size
    cw, ch = size
    if w * ch > h * cw:  # wider than the card: crop the sides
        bw, bh = h * cw / ch, float(h)
    else:
        bw, bh = float(w), w * ch / cw
    left = min(max(focus[0] * w - bw / 2, 0.0), w - bw)
    top = min(max(focus[1] * h - bh / 2, 0.0), h - bh)
    if round(bw) == cw and round(bh) == ch:  # already the right scale (decoded to fit): a crop will do
        return im.crop((round(left), round(top), round(left) + cw, round(top) + ch))
    # The cut is taken from the smallest pyramid level that covers the card, so a reduction is by a factor
    # between 0.5 and 1. There bilinear (a triangle as wide as the reduction) costs 60% of bicubic
    # (Instagram's 1080x1350 from a 2400x1600 hero: 17 ms instead of 28) for a slightly softer grain (36 dB
    # PSNR from Lanczos on a sharp photo, bicubic 44), which the darkening overlay and the JPEG encode
    # mostly hide. An enlargement (a hero smaller than the card) keeps bicubic, which stays sharper.
    resample = Image.BILINEAR if cw <= bw and ch <= bh else Image.BICUBIC
    box = (left, top, left + bw, top + bh)
    if isinstance(hero, Handed) and _in_two_passes(im.size, box, size):
        # Pillow resamples rows, then columns: its first pass on its own (the full height, columns only) gives
        # its intermediate rows, and its second (rows only) the same card; the hero goes between the two.
        rows = im.resize((cw, h), resample, box=(left, top, left + bw, top + bh), reducing_gap=REDUCING_GAP)
        hero.image = None
        del im
        return rows.resize(size, resample, box=(0, 0, cw, h), reducing_gap=REDUCING_GAP)
    return im.resize(size, resample, box=box, reducing_gap=REDUCING_GAP)


def _in_two_passes(in_size: tuple[int, int], box: tuple[float, float, float, float], size: tuple[int, int]) -> bool:
    """Whether ``Image.resize(size, box=box)`` takes both of Pillow's passes over the whole height and no
    ``reduce`` first: then a pass of columns and one of rows give the very same pixels."""
    w, h = in_size
    left, top, right, bottom = box
    return (top == 0 and bottom == h and size[1] != h and (left, right, size[0]) != (0, w, w)
            and int((right - left) / size[0] / REDUCING_GAP) <= 1 and int(h / size[1] / REDUCING_GAP) <= 1)
