"""What the fakes' processing learns from an uploaded video, by decoding it as the networks do (PyAV)."""

from __future__ import annotations

import io

import av


def probe_problem(data: bytes, seconds: tuple[float, float] = (0.0, 86400.0),
                  fps: tuple[float, float] | None = None) -> str | None:
    """Why a network's processing would refuse ``data``: not an H.264 MP4, a duration or frame rate outside the
    ranges given; None when it would take it."""
    try:
        with av.open(io.BytesIO(data), format="mp4") as container:
            video = next((s for s in container.streams if s.type == "video"), None)
            codec = video.codec_context.name if video is not None else None
            rate = float(video.average_rate or 0) if video is not None else 0.0
            duration = (container.duration or 0) / 1_000_000
    except (av.FFmpegError, ValueError) as e:
        return f"not a video file ({type(e).__name__})"
    if codec != "h264":
        return f"video codec {codec} is not H.264"
    if not seconds[0] <= duration <= seconds[1]:
        return f"duration {duration:.1f} s is outside {seconds[0]:g}-{seconds[1]:g} s"
    if fps is not None and not fps[0] <= rate <= fps[1]:
        return f"frame rate {rate:g} is outside {fps[0]:g}-{fps[1]:g}"
    return None
