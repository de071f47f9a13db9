"""Each network's rules for an uploaded video, as data with units and the source of every figure.

One ``VideoRules`` per platform. A figure transcoding can meet (resolution, frame rate, bitrate, aspect, codecs)
shapes the encode (``smmgen.video.variants``); one it cannot (duration, a file too large even re-encoded) makes
the network post the card instead, with a warning naming the rule and the figure.

=========  ===========  ===========  ======================  ================  =======  ==========================
network    duration     file size    picture                 aspect (w:h)      fps      captions / thumbnail
=========  ===========  ===========  ======================  ================  =======  ==========================
X          0.5-140 s    512 MB       <= 1280x1024            1:3 - 3:1         <= 60    (SRT, left out) / no
Bluesky    <= 180 s     100,000,000  (<= 1920, own)          1:3 - 3:1 [3rd]   -        VTT <= 20,000 B / no
Mastodon   instance     99 MiB [ms]  <= 8,294,400 px [ms]    any               <= 120   - / thumbnail
Threads    <= 300 s     1 GB         width <= 1920           0.01 - 10         23-60    - / - (video_url)
Instagram  3 s-15 min   300 MB       <= 1920, 9:16 Reels     0.01 - 10         23-60    - / cover (video_url)
Facebook   <= 240 min   10 GB        (<= 1920, own)          any (9:16-16:9)   <= 60    (SRT, left out) / thumb
LinkedIn   3 s-30 min   75 KB-500MB  256x144 - 4096x2304     1:2.4 - 2.4:1     10-60    (SRT, left out) / thumb
Telegram   -            50 MB (Bot)  (<= 1920, own)          any               -        - / JPEG <= 320 px
VK         -            (2 GB, own)  (<= 1920, own)          any               -        - / -
=========  ===========  ===========  ======================  ================  =======  ==========================

[ms]: mastodon.social's instance figures, used when the instance's are not configured; [3rd]: third-party sources
only; "own": smmgen's ceiling where the network documents none. Meta's, X's and LinkedIn's pages were read through
a third-party mirror (ayrshare.com), as each ``source`` says. Encodes aim for the strictest common target
(``variants.ENCODE_MAX_*``): H.264 High, yuv420p, AAC-LC 48 kHz stereo 128 kbit/s, MP4 with the index first and
no edit lists, constant frame rate up to 30 fps, longest side up to 1920 px.

A site may lower (or, for its own Mastodon instance, raise) the duration and size limits in
``[platforms.<name>]``: ``video_max_seconds`` and ``video_max_bytes`` (``with_overrides``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from smmgen import facts

NO_LIMIT = float("inf")


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
    min_bytes: Rule = Rule(0, "bytes", "")           # smallest file
    max_short_side: Rule = Rule(NO_LIMIT, "px", "")  # pixels on the shorter side
    min_long_side: Rule = Rule(0, "px", "")          # smaller pictures are scaled up
    max_pixels: Rule = Rule(NO_LIMIT, "pixels", "")  # width x height
    min_frame_rate: Rule = Rule(0, "fps", "")        # slower sources are encoded at this rate
    max_caption_bytes: Rule = Rule(NO_LIMIT, "bytes", "")   # larger captions files are left out
    video_codec: str = "h264"
    audio_codec: str = "aac"
    container: str = "mp4"


def _r(value: Any, unit: str, source: str, note: str = "") -> Rule:
    return Rule(value, unit, source, note)


MB = 1024 * 1024
NONE = float("inf")
ANY_ASPECT = (0.0, NONE)

X_DOC = ("https://developer.x.com/en/docs/twitter-api/v1/media/upload-media/uploading-media/media-best-practices "
         "(read through the third-party mirror ayrshare.com/docs/media-guidelines/x-twitter)")
BSKY_LEX = "lexicon app.bsky.embed.video (@atproto/pds lexicons/app/bsky/embed/video.json)"
BSKY_BLOG = "https://bsky.social/about/blog/09-11-2024-video and Bluesky's 2025-03 3-minute video announcement"
BSKY_3RD = "third-party guides only (no official figure)"
MASTO = ("https://docs.joinmastodon.org/methods/instance/#v2 configuration.media_attachments; the figure is "
         "mastodon.social's, used when the instance is unknown")
MASTO_MEDIA = "https://docs.joinmastodon.org/methods/media/#v2"
THREADS = ("https://developers.facebook.com/docs/threads/overview#video-specifications (read through the "
           "third-party mirror ayrshare.com/docs/media-guidelines/threads)")
IG = ("https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media"
      "#reel-specifications (read through the third-party mirror ayrshare.com/docs/media-guidelines/instagram)")
FB = "https://developers.facebook.com/docs/video-api/guides/publishing"
FB_PAGE = "https://developers.facebook.com/docs/graph-api/reference/page/videos/"
LI = ("https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api (read through "
      "the third-party mirror ayrshare.com/docs/media-guidelines/linkedin)")
TG = "https://core.telegram.org/bots/api#sendvideo"
VK = "https://dev.vk.com/method/video.save"
OWN = "smmgen's own ceiling: the network documents none"

RULES: dict[str, VideoRules] = {
    "x": VideoRules(
        "x", "X",
        max_seconds=_r(facts.X.video.max_seconds.value, "s", X_DOC, "through the API"),
        min_seconds=_r(facts.X.video.min_seconds.value, "s", X_DOC),
        max_bytes=_r(facts.X.video.max_bytes.value, "bytes", X_DOC),
        max_long_side=_r(1280, "px", X_DOC + ": at most 1280x1024"),
        max_short_side=_r(1024, "px", X_DOC + ": at most 1280x1024"),
        aspect=_r((1 / 3, 3.0), "width/height", X_DOC),
        max_frame_rate=_r(60, "fps", X_DOC),
        max_video_bitrate=_r(25_000_000, "bit/s", OWN),
        vertical=_r(False, "", X_DOC),
        needs_url=_r(False, "", "https://docs.x.com/x-api/media/quickstart/media-upload-chunked"),
        captions=_r("srt", "", X_DOC + ": a separate subtitles upload, which smmgen leaves out"),
        thumbnail=_r(False, "", X_DOC),
    ),
    "mastodon": VideoRules(
        "mastodon", "Mastodon",
        max_seconds=_r(NONE, "s", MASTO + ": no duration limit in the API"),
        min_seconds=_r(0, "s", MASTO),
        max_bytes=_r(facts.MASTODON.video.max_bytes.value, "bytes", MASTO + ": video_size_limit", "on mastodon.social (set "
                     "[platforms.mastodon] video_max_bytes for your instance)"),
        max_long_side=_r(3840, "px", MASTO),
        max_pixels=_r(facts.MASTODON.video.max_pixels.value, "pixels", MASTO + ": video_matrix_limit"),
        aspect=_r(ANY_ASPECT, "width/height", MASTO),
        max_frame_rate=_r(facts.MASTODON.video.max_frame_rate.value, "fps", MASTO + ": video_frame_rate_limit"),
        max_video_bitrate=_r(40_000_000, "bit/s", OWN),
        vertical=_r(False, "", MASTO),
        needs_url=_r(False, "", MASTO_MEDIA),
        captions=_r(None, "", MASTO_MEDIA + ": description (alt) only"),
        thumbnail=_r(True, "", MASTO_MEDIA + ": thumbnail"),
    ),
    "bluesky": VideoRules(
        "bluesky", "Bluesky",
        max_seconds=_r(facts.BLUESKY.video.max_seconds.value, "s", BSKY_BLOG),
        min_seconds=_r(0, "s", BSKY_BLOG),
        max_bytes=_r(facts.BLUESKY.video.max_bytes.value, "bytes", BSKY_LEX + ": the video blob's maxSize"),
        max_long_side=_r(1920, "px", OWN),
        aspect=_r((1 / 3, 3.0), "width/height", BSKY_3RD),
        max_frame_rate=_r(60, "fps", OWN),
        max_video_bitrate=_r(25_000_000, "bit/s", OWN),
        vertical=_r(False, "", BSKY_LEX),
        needs_url=_r(False, "", BSKY_LEX),
        captions=_r("vtt", "", BSKY_LEX + ": captions[] of text/vtt files up to 20,000 bytes"),
        max_caption_bytes=_r(20_000, "bytes", BSKY_LEX + ": caption.file maxSize"),
        thumbnail=_r(False, "", BSKY_LEX + ": the server makes the thumbnail"),
    ),
    "threads": VideoRules(
        "threads", "Threads",
        max_seconds=_r(facts.THREADS.video.max_seconds.value, "s", THREADS),
        min_seconds=_r(0, "s", THREADS),
        max_bytes=_r(facts.THREADS.video.max_bytes.value, "bytes", THREADS),
        max_long_side=_r(1920, "px", THREADS + ": width at most 1920"),
        aspect=_r((0.01, 10.0), "width/height", THREADS),
        min_frame_rate=_r(facts.THREADS.video.min_frame_rate.value, "fps", THREADS),
        max_frame_rate=_r(facts.THREADS.video.max_frame_rate.value, "fps", THREADS),
        max_video_bitrate=_r(25_000_000, "bit/s", THREADS),
        vertical=_r(False, "", THREADS + ": 9:16 recommended, any aspect from 0.01:1 to 10:1 taken"),
        needs_url=_r(True, "", THREADS + ": the container is made from a public video_url"),
        captions=_r(None, "", THREADS),
        thumbnail=_r(False, "", THREADS),
    ),
    "facebook": VideoRules(
        "facebook", "Facebook",
        max_seconds=_r(240 * 60, "s", FB),
        min_seconds=_r(0, "s", FB),
        max_bytes=_r(10 * 1024 * MB, "bytes", FB),
        max_long_side=_r(1920, "px", OWN),
        aspect=_r(ANY_ASPECT, "width/height", FB + ": 9:16 to 16:9 recommended, not required"),
        max_frame_rate=_r(60, "fps", FB),
        max_video_bitrate=_r(25_000_000, "bit/s", OWN),
        vertical=_r(False, "", FB),
        needs_url=_r(False, "", FB_PAGE),
        captions=_r("srt", "", FB + ": /{video-id}/captions, which smmgen leaves out"),
        thumbnail=_r(True, "", FB_PAGE + ": thumb"),
    ),
    "instagram": VideoRules(
        "instagram", "Instagram",
        max_seconds=_r(facts.INSTAGRAM.video.max_seconds.value, "s", IG, "for Reels"),
        min_seconds=_r(facts.INSTAGRAM.video.min_seconds.value, "s", IG, "for Reels"),
        max_bytes=_r(facts.INSTAGRAM.video.max_bytes.value, "bytes", IG, "for Reels"),
        max_long_side=_r(1920, "px", IG),
        aspect=_r((0.01, 10.0), "width/height", IG),
        min_frame_rate=_r(facts.INSTAGRAM.video.min_frame_rate.value, "fps", IG),
        max_frame_rate=_r(facts.INSTAGRAM.video.max_frame_rate.value, "fps", IG),
        max_video_bitrate=_r(25_000_000, "bit/s", IG),
        vertical=_r(True, "", IG + ": Reels are shown 9:16"),
        needs_url=_r(True, "", IG + ": the container is made from a public video_url"),
        captions=_r(None, "", IG),
        thumbnail=_r(True, "", IG + ": cover_url or thumb_offset"),
    ),
    "linkedin": VideoRules(
        "linkedin", "LinkedIn",
        max_seconds=_r(facts.LINKEDIN.video.max_seconds.value, "s", LI),
        min_seconds=_r(facts.LINKEDIN.video.min_seconds.value, "s", LI),
        max_bytes=_r(facts.LINKEDIN.video.max_bytes.value, "bytes", LI),
        min_bytes=_r(facts.LINKEDIN.video.min_bytes.value, "bytes", LI),
        max_long_side=_r(4096, "px", LI + ": 256x144 to 4096x2304"),
        min_long_side=_r(256, "px", LI + ": 256x144 to 4096x2304"),
        aspect=_r((1 / 2.4, 2.4), "width/height", LI),
        min_frame_rate=_r(10, "fps", LI),
        max_frame_rate=_r(60, "fps", LI),
        max_video_bitrate=_r(30_000_000, "bit/s", OWN),
        vertical=_r(False, "", LI),
        needs_url=_r(False, "", LI),
        captions=_r("srt", "", LI + ": uploadCaptions, which smmgen leaves out"),
        thumbnail=_r(True, "", LI + ": uploadThumbnail"),
    ),
    "telegram": VideoRules(
        "telegram", "Telegram",
        max_seconds=_r(NONE, "s", TG),
        min_seconds=_r(0, "s", TG),
        max_bytes=_r(facts.TELEGRAM.video.max_bytes.value, "bytes", TG, "through the Bot API"),
        max_long_side=_r(1920, "px", OWN),
        aspect=_r(ANY_ASPECT, "width/height", TG),
        max_frame_rate=_r(60, "fps", OWN),
        max_video_bitrate=_r(25_000_000, "bit/s", OWN),
        vertical=_r(False, "", TG),
        needs_url=_r(False, "", TG),
        captions=_r(None, "", TG),
        thumbnail=_r(True, "", TG + ": a JPEG under 200 kB, at most 320x320"),
    ),
    "vk": VideoRules(
        "vk", "VK",
        max_seconds=_r(NONE, "s", VK),
        min_seconds=_r(0, "s", VK),
        max_bytes=_r(2 * 1024 * MB, "bytes", VK + ": the API takes 256 GB; smmgen keeps to 2 GB"),
        max_long_side=_r(1920, "px", OWN),
        aspect=_r(ANY_ASPECT, "width/height", VK),
        max_frame_rate=_r(60, "fps", OWN),
        max_video_bitrate=_r(25_000_000, "bit/s", OWN),
        vertical=_r(False, "", VK),
        needs_url=_r(False, "", VK),
        captions=_r(None, "", VK),
        thumbnail=_r(False, "", VK + ": VK chooses the thumbnail"),
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
        rules = replace(rules, max_seconds=Rule(max_seconds, "s", site, "(set in smmgen.toml)"))
    if max_bytes is not None:
        rules = replace(rules, max_bytes=Rule(max_bytes, "bytes", site, "(set in smmgen.toml)"))
    return rules


def shown(rule: Rule, value: float) -> str:
    """A figure in its rule's unit, as a warning shows it: "150 s", "61.2 MB", "75 KB", "1920 px"."""
    if rule.unit == "bytes":
        if value >= MB:
            return f"{value / MB:.1f} MB".replace(".0 MB", " MB")
        return f"{value / 1024:.0f} KB" if value >= 10 * 1024 else f"{int(value)} bytes"
    if rule.unit == "s":
        return f"{value:g} s" if value == int(value) else f"{value:.1f} s"
    return f"{value:g} {rule.unit}".strip()
