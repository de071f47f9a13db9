"""Tiny video clips made with PyAV for the tests, the sample site and the benchmark: no third-party media.

Each frame shows a moving bar and a red block in its top-left corner, so a test can tell whether a transcode
turned the picture upright (``corner_colour``) and an encoder has real motion to code.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def frame_image(width: int, height: int, n: int, frames: int) -> np.ndarray:
    """Frame ``n`` of ``frames``: a grey gradient, a white bar moving left to right, a red top-left block."""
    image = np.empty((height, width, 3), np.uint8)
    image[:] = np.linspace(40, 160, width, dtype=np.uint8)[None, :, None]
    x = int((width - max(2, width // 10)) * n / max(1, frames - 1))
    image[:, x:x + max(2, width // 10)] = 255
    image[: max(2, height // 4), : max(2, width // 4)] = (220, 20, 20)
    return image


def make_clip(path: Path, *, width: int = 160, height: int = 90, seconds: float = 1.0, fps: int = 25,
              codec: str = "libx264", container: str | None = None, audio: bool = True, rotation: int = 0,
              vfr: bool = False, pix_fmt: str = "yuv420p", options: dict[str, str] | None = None,
              faststart: bool = False) -> Path:
    """Write a clip: ``width``x``height`` as stored (``rotation``: a display matrix that turns it, counter-
    clockwise), ``fps`` frames a second (``vfr``: every third frame held twice as long), with a 440 Hz tone
    unless ``audio`` is False; ``faststart``: an MP4 with its index first."""
    import av

    frames = max(1, round(seconds * fps))
    audio_codec = "libopus" if codec.startswith("libvpx") else "aac"
    # faststart as smmgen's own encodes are: the index first, no edit list.
    muxer = {"movflags": "+faststart+negative_cts_offsets", "use_editlist": "0"} if faststart else {}
    with av.open(str(path), "w", format=container, options=muxer) as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, pix_fmt
        if codec == "libx264":
            video.options = {"threads": "1", "preset": "ultrafast", **(options or {})}
        elif options:
            video.options = options
        if vfr:
            video.time_base = Fraction(1, fps * 2)
        if rotation:
            video.set_display_rotation(rotation)
        sound = out.add_stream(audio_codec, rate=48000) if audio else None
        if sound is not None:
            sound.layout = "stereo"
        pts = 0
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(frame_image(width, height, n, frames), format="rgb24")
            if vfr:
                frame.pts, frame.time_base = pts, Fraction(1, fps * 2)
                pts += 4 if n % 3 == 2 else 2
            else:
                frame.pts, frame.time_base = n, Fraction(1, fps)
            for packet in video.encode(frame.reformat(format=pix_fmt)):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sound is not None:
            total = int(48000 * (pts / (fps * 2) if vfr else frames / fps))
            size = 960 if audio_codec == "libopus" else 1024
            t = np.arange(total) / 48000
            tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            for start in range(0, total, size):
                chunk = tone[start:start + size]
                if len(chunk) < size:
                    chunk = np.pad(chunk, (0, size - len(chunk)))
                samples = np.stack([chunk, chunk])
                frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
                frame.sample_rate, frame.pts = 48000, start
                for packet in sound.encode(frame):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
    return path


def corner_colour(frame_rgb: np.ndarray) -> tuple[int, int, int]:
    """The mean colour of the top-left eighth of a decoded frame (red when the picture is upright)."""
    h, w = frame_rgb.shape[:2]
    block = frame_rgb[: max(1, h // 8), : max(1, w // 8)]
    return tuple(int(v) for v in block.reshape(-1, 3).mean(axis=0))  # type: ignore[return-value]
