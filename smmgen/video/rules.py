"""Each network's rules for an uploaded video, as data with units and the source of every figure.

One ``VideoRules`` per platform. A figure transcoding can meet (resolution, frame rate, bitrate, aspect, codecs)
shapes the encode (``smmgen.video.variants``); one it cannot (duration, a file too large even re-encoded) makes
the network post the card instead, with a warning naming the rule and the figure.

=========  ==========  ==========  ===========  ============  =====  ========================================
network    duration    file size   long side    aspect (w/h)  fps    notes
=========  ==========  ==========  ===========  ============  =====  ========================================
(filled from ``RULES`` below; each ``Rule`` carries its source)
=========  ==========  ==========  ===========  ============  =====  ========================================

A site may lower (or, for its own Mastodon instance, raise) the duration and size limits in
``[platforms.<name>]``: ``video_max_seconds`` and ``video_max_bytes`` (``with_overrides``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Rule:
    """One figure of a network's rules: its value, unit and where it comes from."""

    value: Any
    unit: str
    source: str
    note: str = ""          # how the network puts it, e.g. "through the API", shown in warnings


@dataclass(frozen=True)
class VideoRules:
    """What one network accepts as an uploaded video."""

    platform: str
    title: str
    max_seconds: Rule                   # longest clip, seconds
    min_seconds: Rule                   # shortest clip, seconds
    max_bytes: Rule                     # largest file, bytes
    max_long_side: Rule                 # pixels on the longer side
    aspect: Rule                        # (min, max) width / height
    max_frame_rate: Rule                # frames per second
    max_video_bitrate: Rule             # bits per second
    vertical: Rule                      # True: the network shows video 9:16 (a landscape source is cropped)
    needs_url: Rule                     # True: the network fetches the file from a public URL
    captions: Rule                      # the caption format the network takes ("vtt", "srt") or None
    thumbnail: Rule                     # True: a poster image can be sent with the video
    video_codec: str = "h264"
    audio_codec: str = "aac"
    container: str = "mp4"
    extra_sources: tuple[str, ...] = field(default=())


def _r(value: Any, unit: str, source: str, note: str = "") -> Rule:
    return Rule(value, unit, source, note)


MB = 1024 * 1024
PLACEHOLDER = "placeholder: to be checked against the network's documentation"

RULES: dict[str, VideoRules] = {
    "x": VideoRules(
        "x", "X",
        max_seconds=_r(140, "s", PLACEHOLDER, "through the API"),
        min_seconds=_r(0.5, "s", PLACEHOLDER),
        max_bytes=_r(512 * MB, "bytes", PLACEHOLDER),
        max_long_side=_r(1920, "px", PLACEHOLDER),
        aspect=_r((1 / 3, 3.0), "width/height", PLACEHOLDER),
        max_frame_rate=_r(60, "fps", PLACEHOLDER),
        max_video_bitrate=_r(25_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(False, "", PLACEHOLDER),
        needs_url=_r(False, "", PLACEHOLDER),
        captions=_r("srt", "", PLACEHOLDER),
        thumbnail=_r(False, "", PLACEHOLDER),
    ),
    "mastodon": VideoRules(
        "mastodon", "Mastodon",
        max_seconds=_r(3600, "s", PLACEHOLDER),
        min_seconds=_r(0, "s", PLACEHOLDER),
        max_bytes=_r(99 * MB, "bytes", PLACEHOLDER, "by default (the instance may differ)"),
        max_long_side=_r(3840, "px", PLACEHOLDER),
        aspect=_r((0.0, float("inf")), "width/height", PLACEHOLDER),
        max_frame_rate=_r(120, "fps", PLACEHOLDER),
        max_video_bitrate=_r(40_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(False, "", PLACEHOLDER),
        needs_url=_r(False, "", PLACEHOLDER),
        captions=_r(None, "", PLACEHOLDER),
        thumbnail=_r(True, "", PLACEHOLDER),
    ),
    "bluesky": VideoRules(
        "bluesky", "Bluesky",
        max_seconds=_r(180, "s", PLACEHOLDER),
        min_seconds=_r(0, "s", PLACEHOLDER),
        max_bytes=_r(100 * MB, "bytes", PLACEHOLDER),
        max_long_side=_r(1920, "px", PLACEHOLDER),
        aspect=_r((0.0, float("inf")), "width/height", PLACEHOLDER),
        max_frame_rate=_r(60, "fps", PLACEHOLDER),
        max_video_bitrate=_r(25_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(False, "", PLACEHOLDER),
        needs_url=_r(False, "", PLACEHOLDER),
        captions=_r("vtt", "", PLACEHOLDER),
        thumbnail=_r(False, "", PLACEHOLDER),
    ),
    "threads": VideoRules(
        "threads", "Threads",
        max_seconds=_r(300, "s", PLACEHOLDER),
        min_seconds=_r(0, "s", PLACEHOLDER),
        max_bytes=_r(1024 * MB, "bytes", PLACEHOLDER),
        max_long_side=_r(1920, "px", PLACEHOLDER),
        aspect=_r((0.01, 10.0), "width/height", PLACEHOLDER),
        max_frame_rate=_r(60, "fps", PLACEHOLDER),
        max_video_bitrate=_r(25_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(False, "", PLACEHOLDER),
        needs_url=_r(True, "", PLACEHOLDER),
        captions=_r(None, "", PLACEHOLDER),
        thumbnail=_r(False, "", PLACEHOLDER),
    ),
    "facebook": VideoRules(
        "facebook", "Facebook",
        max_seconds=_r(4 * 3600, "s", PLACEHOLDER),
        min_seconds=_r(1, "s", PLACEHOLDER),
        max_bytes=_r(10 * 1024 * MB, "bytes", PLACEHOLDER),
        max_long_side=_r(3840, "px", PLACEHOLDER),
        aspect=_r((9 / 16, 16 / 9), "width/height", PLACEHOLDER),
        max_frame_rate=_r(60, "fps", PLACEHOLDER),
        max_video_bitrate=_r(25_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(False, "", PLACEHOLDER),
        needs_url=_r(False, "", PLACEHOLDER),
        captions=_r("srt", "", PLACEHOLDER),
        thumbnail=_r(True, "", PLACEHOLDER),
    ),
    "instagram": VideoRules(
        "instagram", "Instagram",
        max_seconds=_r(900, "s", PLACEHOLDER, "for Reels"),
        min_seconds=_r(3, "s", PLACEHOLDER, "for Reels"),
        max_bytes=_r(300 * MB, "bytes", PLACEHOLDER),
        max_long_side=_r(1920, "px", PLACEHOLDER),
        aspect=_r((0.01, 10.0), "width/height", PLACEHOLDER),
        max_frame_rate=_r(60, "fps", PLACEHOLDER),
        max_video_bitrate=_r(25_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(True, "", PLACEHOLDER),
        needs_url=_r(True, "", PLACEHOLDER),
        captions=_r(None, "", PLACEHOLDER),
        thumbnail=_r(True, "", PLACEHOLDER),
    ),
    "linkedin": VideoRules(
        "linkedin", "LinkedIn",
        max_seconds=_r(1800, "s", PLACEHOLDER),
        min_seconds=_r(3, "s", PLACEHOLDER),
        max_bytes=_r(500 * MB, "bytes", PLACEHOLDER),
        max_long_side=_r(4096, "px", PLACEHOLDER),
        aspect=_r((1 / 2.4, 2.4), "width/height", PLACEHOLDER),
        max_frame_rate=_r(60, "fps", PLACEHOLDER),
        max_video_bitrate=_r(30_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(False, "", PLACEHOLDER),
        needs_url=_r(False, "", PLACEHOLDER),
        captions=_r("srt", "", PLACEHOLDER),
        thumbnail=_r(True, "", PLACEHOLDER),
    ),
    "telegram": VideoRules(
        "telegram", "Telegram",
        max_seconds=_r(24 * 3600, "s", PLACEHOLDER),
        min_seconds=_r(0, "s", PLACEHOLDER),
        max_bytes=_r(50 * MB, "bytes", PLACEHOLDER, "through the Bot API"),
        max_long_side=_r(3840, "px", PLACEHOLDER),
        aspect=_r((0.0, float("inf")), "width/height", PLACEHOLDER),
        max_frame_rate=_r(60, "fps", PLACEHOLDER),
        max_video_bitrate=_r(40_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(False, "", PLACEHOLDER),
        needs_url=_r(False, "", PLACEHOLDER),
        captions=_r(None, "", PLACEHOLDER),
        thumbnail=_r(True, "", PLACEHOLDER),
    ),
    "vk": VideoRules(
        "vk", "VK",
        max_seconds=_r(10 * 3600, "s", PLACEHOLDER),
        min_seconds=_r(0, "s", PLACEHOLDER),
        max_bytes=_r(5 * 1024 * MB, "bytes", PLACEHOLDER),
        max_long_side=_r(3840, "px", PLACEHOLDER),
        aspect=_r((0.0, float("inf")), "width/height", PLACEHOLDER),
        max_frame_rate=_r(60, "fps", PLACEHOLDER),
        max_video_bitrate=_r(40_000_000, "bit/s", PLACEHOLDER),
        vertical=_r(False, "", PLACEHOLDER),
        needs_url=_r(False, "", PLACEHOLDER),
        captions=_r(None, "", PLACEHOLDER),
        thumbnail=_r(False, "", PLACEHOLDER),
    ),
}


def rules_for(platform: str, settings: Mapping[str, Any] | None = None) -> VideoRules | None:
    """The network's rules with the site's ``video_max_seconds``/``video_max_bytes`` applied; None for a
    platform without video rules (a third-party platform posts the card)."""
    rules = RULES.get(platform)
    if rules is None or not settings:
        return rules
    return with_overrides(rules, settings.get("video_max_seconds"), settings.get("video_max_bytes"))


def with_overrides(rules: VideoRules, max_seconds: float | None = None, max_bytes: int | None = None) -> VideoRules:
    """``rules`` with the site's own duration and size limits (``[platforms.<name>]``)."""
    site = "smmgen.toml [platforms." + rules.platform + "]"
    if max_seconds is not None:
        rules = replace(rules, max_seconds=Rule(max_seconds, "s", site, "as this site allows"))
    if max_bytes is not None:
        rules = replace(rules, max_bytes=Rule(max_bytes, "bytes", site, "as this site allows"))
    return rules


def shown(rule: Rule, value: float) -> str:
    """A figure in its rule's unit, as a warning shows it: "150 s", "61.2 MB", "1920 px"."""
    if rule.unit == "bytes":
        return f"{value / MB:.1f} MB" if value >= MB / 10 else f"{int(value)} bytes"
    if rule.unit == "s":
        return f"{value:g} s" if value == int(value) else f"{value:.1f} s"
    return f"{value:g} {rule.unit}".strip()
