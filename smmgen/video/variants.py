"""From a probed source and a network's rules to the file that network gets: a ``Variant`` (the encode to make, or
the source as it is) or a ``Fallback`` (a rule transcoding cannot meet: the network posts the card).

Variants are values: two networks whose rules give the same variant share one encode and one file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from smmgen.video.probe import Probe
from smmgen.video.rules import Rule, VideoRules, shown

# What an encode aims for where the network allows more: the strictest common target of the networks' own
# recommendations (constant frame rate up to 30 fps, longest side up to 1920 px), so most networks share it.
ENCODE_MAX_FRAME_RATE = 30.0
ENCODE_MAX_LONG_SIDE = 1920
DEFAULT_MAX_BITRATE = 8_000_000     # bit/s: the encode's ceiling where no network asks for less
MIN_VIDEO_BITRATE = 100_000         # bit/s: below this a re-encode to fit a size limit is not worth posting
AUDIO_BITRATE = 128_000             # bit/s, AAC stereo
VERTICAL = (9, 16)


@dataclass(frozen=True)
class Variant:
    """One output file. ``copy``: the source file as it is (it already fits); else an H.264/AAC MP4 encode of
    the upright source cropped to ``crop`` (x, y, width, height in upright source pixels), scaled to
    ``width``x``height``, at ``frame_rate`` and at most ``max_bitrate``, from ``start`` to ``end`` seconds."""

    copy: bool
    width: int
    height: int
    frame_rate: float
    max_bitrate: int
    audio: bool
    crop: tuple[int, int, int, int] | None = None
    start: float = 0.0
    end: float | None = None

    @property
    def target(self) -> str:
        """The manifest's name for it: video-source, video-9x16, video-16x9 ..."""
        if self.copy:
            return "video-source"
        ratio = self.width / self.height
        for a, b in ((16, 9), (9, 16), (4, 3), (3, 4), (1, 1), (4, 5), (21, 9)):
            if abs(ratio - a / b) < 0.03:        # even dimensions round a 9:16 crop of 90 px to 50x90
                return f"video-{a}x{b}"
        g = math.gcd(self.width, self.height)
        w, h = self.width // g, self.height // g
        return f"video-{w}x{h}" if w <= 32 and h <= 32 else "video-mp4"

    def duration(self, source: Probe) -> float:
        return (self.end if self.end is not None else source.duration) - self.start


@dataclass(frozen=True)
class Fallback:
    """The network posts the card: ``rule`` (its field name in ``VideoRules``) cannot be met; ``message`` says so."""

    rule: str
    message: str
    hint: str = ""          # what the article can do about it


class TrimError(ValueError):
    """A trim that does not fit the clip (start past its end, end before start)."""


def choose(source: Probe, rules: VideoRules, *, trim: tuple[float, float | None] | None = None,
           focus: tuple[float, float] | None = None) -> Variant | Fallback:
    """What ``rules``' network gets of ``source`` (``trim``: the article's (start, end) for this network, in
    seconds; ``focus``: the article's focal point, which a crop keeps in the picture)."""
    start, end = _trim(source, trim)
    length = (end if end is not None else source.duration) - start
    title = rules.title
    hint = "" if trim else f"set social.{rules.platform}.video: {{start, end}} to post a shorter cut"
    if length > rules.max_seconds.value:
        return Fallback("max_seconds", _over(rules, "max_seconds", length, "allows"), hint)
    if length < rules.min_seconds.value:
        return Fallback("min_seconds", f"video is {shown(rules.min_seconds, length)}, {title} needs at least "
                                       f"{_rule_text(rules.min_seconds)}")

    width, height = source.display_width, source.display_height
    crop = _crop(width, height, rules, focus)
    cw, ch = (crop[2], crop[3]) if crop else (width, height)
    long, short = max(cw, ch), min(cw, ch)
    scale = min(1.0, rules.max_long_side.value / long, rules.max_short_side.value / short,
                math.sqrt(rules.max_pixels.value / (cw * ch)))
    scale = max(scale, min(rules.min_long_side.value / long, rules.max_long_side.value / long))
    fits_as_is = scale == 1.0
    scale = min(scale, ENCODE_MAX_LONG_SIDE / long) if scale <= 1.0 else scale
    out_w, out_h = _even(cw * scale), _even(ch * scale)
    source_rate = source.frame_rate or 30.0
    rate = min(source_rate, ENCODE_MAX_FRAME_RATE, rules.max_frame_rate.value)
    if source.vfr:
        rate = float(round(rate)) or 30.0
    rate = max(rate, rules.min_frame_rate.value)

    audio_bits = AUDIO_BITRATE if source.has_audio else 0
    fits = rules.max_bytes.value * 8 * 0.92 / max(length, 0.1) - audio_bits   # 8 % for the container and peaks
    if fits < MIN_VIDEO_BITRATE:
        return Fallback("max_bytes", _over(rules, "max_bytes", _estimate(source, length), "allows")
                        + " even re-encoded")
    bitrate = int(min(DEFAULT_MAX_BITRATE, rules.max_video_bitrate.value, fits))

    copy = (trim is None and crop is None and fits_as_is and source.is_mp4 and source.video_codec == "h264"
            and source.pix_fmt == "yuv420p" and source.audio_codec in (None, "aac") and source.rotation == 0
            and not source.vfr and source.width % 2 == 0 and source.height % 2 == 0
            and rules.min_frame_rate.value <= source.frame_rate <= rules.max_frame_rate.value
            and source.bit_rate <= rules.max_video_bitrate.value
            and rules.min_bytes.value <= source.bytes <= rules.max_bytes.value and source.faststart
            and not source.edit_list)
    if copy:
        return Variant(True, source.width, source.height, source.frame_rate, source.bit_rate, source.has_audio)
    return Variant(False, out_w, out_h, round(rate, 3), bitrate, source.has_audio, crop, start, end)


def too_large(rules: VideoRules, size: int) -> Fallback | None:
    """The fallback for an encode that came out over the network's size limit anyway (or under its minimum)."""
    if size < rules.min_bytes.value:
        return Fallback("min_bytes", f"video file is {shown(rules.min_bytes, size)}, {rules.title} needs at least "
                                     f"{_rule_text(rules.min_bytes)}")
    if size <= rules.max_bytes.value:
        return None
    return Fallback("max_bytes", _over(rules, "max_bytes", size, "allows") + " even re-encoded")


def _over(rules: VideoRules, name: str, value: float, verb: str) -> str:
    rule: Rule = getattr(rules, name)
    subject = "video is" if name != "max_bytes" else "video file is"
    return f"{subject} {shown(rule, value)}, {rules.title} {verb} {_rule_text(rule)}"


def _rule_text(rule: Rule) -> str:
    return f"{shown(rule, rule.value)}{' ' + rule.note if rule.note else ''}"


def _estimate(source: Probe, length: float) -> float:
    return source.bytes * (length / source.duration) if source.duration else source.bytes


def _trim(source: Probe, trim: tuple[float, float | None] | None) -> tuple[float, float | None]:
    if trim is None:
        return 0.0, None
    start, end = trim
    if start >= source.duration:
        raise TrimError(f"start {start:g} s is past the clip's end ({source.duration:g} s)")
    if end is not None and end <= start:
        raise TrimError(f"end {end:g} s is not after start {start:g} s")
    if end is not None and end >= source.duration:
        end = None
    return float(start), end


def _crop(width: int, height: int, rules: VideoRules,
          focus: tuple[float, float] | None) -> tuple[int, int, int, int] | None:
    """The part of the upright picture to keep: 9:16 for a network that shows video upright when the source is
    landscape, else the nearest aspect the network allows; around ``focus`` (else the centre)."""
    aspect = width / height
    low, high = rules.aspect.value
    if rules.vertical.value and aspect > 1:
        target = VERTICAL[0] / VERTICAL[1]
    elif aspect < low:
        target = low
    elif aspect > high:
        target = high
    else:
        return None
    fx, fy = focus or (0.5, 0.5)
    if aspect > target:
        cw, ch = _even(height * target), _even(height)
        x = min(max(0, round(fx * width - cw / 2)), width - cw)
        return (x - x % 2, 0, cw, ch)
    cw, ch = _even(width), _even(width / target)
    y = min(max(0, round(fy * height - ch / 2)), height - ch)
    return (0, y - y % 2, cw, ch)


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)
