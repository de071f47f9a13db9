"""What a video file is, read with PyAV before anything is decoded: container, codecs, size, duration, frame rate
(constant or variable), rotation, audio.

The file comes from an article, which a pull request can write: every bound is checked before a frame is decoded
(file size, stream count, duration, pixel count), and only the demuxer reads the packets used to measure the
frame rate, so a file that claims a huge picture or an endless stream costs nothing but its header.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MAX_BYTES = 4 * 1024 ** 3           # a source larger than this is refused unread
MAX_SECONDS = 4 * 3600              # longer than any network takes
MAX_PIXELS = 8192 * 4320            # 8K; a larger picture is a decoder bomb, not a news clip
MAX_STREAMS = 16
MAX_PACKETS = 1200                  # video packets read to measure the frame rate
VFR_TOLERANCE = 0.02                # frame intervals this far apart (relative) still count as constant
VFR_SHARE = 0.05                    # more uneven intervals than this share: a variable frame rate


class ProbeError(ValueError):
    """Not a video smmgen can read; the message says why (it becomes ``video: not a video file (...)``)."""


@dataclass(frozen=True)
class Probe:
    """A video file's properties, as stored (``width``/``height``) and as shown (``display_*``, rotation applied)."""

    container: str               # the demuxer's name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"
    video_codec: str             # e.g. "h264", "vp9", "mpeg4"
    pix_fmt: str                 # e.g. "yuv420p"
    profile: str | None
    width: int                   # as coded
    height: int
    rotation: int                # degrees counter-clockwise to show it upright: 0, 90, 180 or 270
    duration: float              # seconds
    frame_rate: float            # average frames per second
    vfr: bool                    # frame intervals vary
    audio_codec: str | None      # None: no audio stream
    audio_rate: int | None
    bit_rate: int                # bits per second, the whole file
    bytes: int
    faststart: bool              # an MP4 whose index (moov) comes before the media data (mdat)
    edit_list: bool = False      # an MP4 whose index has an edit list (elst), which Threads and Instagram refuse

    @property
    def display_width(self) -> int:
        return self.height if self.rotation in (90, 270) else self.width

    @property
    def display_height(self) -> int:
        return self.width if self.rotation in (90, 270) else self.height

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def is_mp4(self) -> bool:
        return self.container.startswith("mov,mp4")


def probe(path: Path) -> Probe:
    """The properties of the video at ``path``; ``ProbeError`` for a file that is none, or out of bounds."""
    import av

    size = os.path.getsize(path)
    if size > MAX_BYTES:
        raise ProbeError(f"{size / 1024 ** 3:.1f} GB; smmgen reads videos up to {MAX_BYTES // 1024 ** 3} GB")
    if size == 0:
        raise ProbeError("the file is empty")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError) as e:
        raise ProbeError(_reason(e)) from None
    with container:
        if len(container.streams) > MAX_STREAMS:
            raise ProbeError(f"{len(container.streams)} streams; smmgen reads files with up to {MAX_STREAMS}")
        if not container.streams.video:
            raise ProbeError(f"no video stream in a {container.format.name} file")
        video = container.streams.video[0]
        ctx = video.codec_context
        width, height = ctx.width, ctx.height
        if width <= 0 or height <= 0:
            raise ProbeError("the video stream has no picture size")
        if width * height > MAX_PIXELS:
            raise ProbeError(f"{width}x{height} pixels; smmgen reads videos up to 8192x4320")
        if ctx.codec.name in ("png", "mjpeg", "gif", "bmp", "webp", "tiff") and container.format.name.endswith(
                "_pipe"):
            raise ProbeError(f"a still image ({ctx.codec.name})")
        audio = container.streams.audio[0] if container.streams.audio else None
        times, duration_from_packets = _packet_times(container, video)
        duration = _duration(container, video, duration_from_packets)
        if duration > MAX_SECONDS:
            raise ProbeError(f"{duration:.0f} s long; smmgen reads videos up to {MAX_SECONDS // 3600} h")
        rate, vfr = _frame_rate(times, video)
        rotation = _rotation(container, video)
        return Probe(
            container=container.format.name,
            video_codec=ctx.codec.name,
            pix_fmt=ctx.pix_fmt or "",
            profile=ctx.profile or None,
            width=width,
            height=height,
            rotation=rotation,
            duration=round(duration, 3),
            frame_rate=round(rate, 3),
            vfr=vfr,
            audio_codec=audio.codec_context.codec.name if audio is not None else None,
            audio_rate=audio.codec_context.sample_rate if audio is not None else None,
            bit_rate=int(size * 8 / duration) if duration > 0 else 0,
            bytes=size,
            faststart=_faststart(path) if container.format.name.startswith("mov,mp4") else False,
            edit_list=_edit_list(path) if container.format.name.startswith("mov,mp4") else False,
        )


def _reason(e: Exception) -> str:
    text = getattr(e, "strerror", None) or str(e)
    return text.split(":", 1)[0].strip().rstrip(".") if text else type(e).__name__


def _packet_times(container, video) -> tuple[list[float], float]:
    """The presentation times of the first ``MAX_PACKETS`` video packets (demuxed, not decoded), in seconds, and
    the end of the last one read."""
    import av

    times: list[float] = []
    end = 0.0
    base = float(video.time_base) if video.time_base else 0.0
    try:
        for packet in container.demux(video):
            if packet.pts is None:
                continue
            start = packet.pts * base
            times.append(start)
            end = max(end, start + (packet.duration or 0) * base)
            if len(times) >= MAX_PACKETS:
                break
    except av.FFmpegError as e:
        raise ProbeError(f"unreadable video data ({_reason(e)})") from None
    if not times:
        raise ProbeError("the video stream holds no frames")
    first = min(times)
    return sorted(t - first for t in times), end - first


def _duration(container, video, from_packets: float) -> float:
    if video.duration is not None and video.time_base:
        return float(video.duration * video.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return from_packets


def _frame_rate(times: list[float], video) -> tuple[float, bool]:
    """The average frame rate and whether the frame intervals vary, from the packets' presentation times."""
    gaps = [b - a for a, b in zip(times, times[1:]) if b > a]
    average = float(video.average_rate) if video.average_rate else 0.0
    if not gaps:
        return average or float(video.guessed_rate or 0) or 25.0, False
    usual = sorted(gaps)[len(gaps) // 2]
    # A frame dropped here and there (an AVI's first gap) is no variable rate; a changing cadence is.
    uneven = sum(1 for g in gaps if abs(g - usual) > VFR_TOLERANCE * usual)
    return (average or 1 / usual), uneven > VFR_SHARE * len(gaps)


def _rotation(container, video) -> int:
    """The display matrix's rotation, read from the first decoded frame (the picture size is checked by then)."""
    import av

    container.seek(0, stream=video)
    try:
        for frame in container.decode(video):
            return int(round(frame.rotation or 0)) % 360 // 90 * 90
    except av.FFmpegError as e:
        raise ProbeError(f"the video cannot be decoded ({_reason(e)})") from None
    raise ProbeError("no frame of the video could be decoded")


def _faststart(path: Path) -> bool:
    """True when the top-level ``moov`` box comes before ``mdat`` (a player can start before the whole file)."""
    boxes = top_level_boxes(path)
    return "moov" in boxes and ("mdat" not in boxes or boxes.index("moov") < boxes.index("mdat"))


MAX_INDEX_BYTES = 64 * 1024 * 1024


def _edit_list(path: Path) -> bool:
    """True when the MP4's index (its ``moov`` box, read up to 64 MB) holds an edit list box."""
    with open(path, "rb") as f:
        for name, offset, header, length in _boxes(f):
            if length < 8:
                return False
            if name == "moov":
                f.seek(offset + header)
                return b"elst" in f.read(min(length - header, MAX_INDEX_BYTES))
    return False


def top_level_boxes(path: Path) -> list[str]:
    """The names of an MP4's top-level boxes in order (for tests and checks)."""
    with open(path, "rb") as f:
        return [name for name, *_ in _boxes(f)]


def _boxes(f: BinaryIO) -> Iterator[tuple[str, int, int, int]]:
    """Each top-level box of an open MP4 as (name, offset, header length, box length), the last one given being
    a box too short to be one (its length below 8), if any: nothing after it can be found."""
    size = os.fstat(f.fileno()).st_size
    offset = 0
    while offset + 8 <= size:
        f.seek(offset)
        head = f.read(16)
        length = int.from_bytes(head[:4], "big")
        header = 8
        if length == 1:                  # a 64-bit length follows the name
            length, header = int.from_bytes(head[8:16], "big"), 16
        elif length == 0:                # the box runs to the end of the file
            length = size - offset
        yield head[4:8].decode("latin-1"), offset, header, length
        if length < 8:
            return
        offset += length
