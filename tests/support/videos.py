"""Real video files for the publisher tests, made here with PyAV (no third-party media), and the manifest's
``kind: "video"`` item that names them, with the bytes and sha256 of what was written.

``padded_to`` grows a file to a given size without writing its bytes (a sparse file): enough to test that an
adapter refuses an oversized video from the manifest's ``bytes`` before reading or sending anything.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
from PIL import Image

CAPTIONS = "WEBVTT\n\n00:00.000 --> 00:01.000\nThe council votes.\n"


@functools.lru_cache(maxsize=8)
def mp4(width: int = 320, height: int = 180, seconds: float = 1.0, fps: int = 10, audio: bool = True,
        codec: str = "libx264") -> bytes:
    """An H.264 (+ AAC) MP4 of moving colour bars, ``seconds`` long (``codec="mpeg4"``: MPEG-4 Part 2)."""
    # faststart rewrites the file in a second pass, which needs a real file.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        _encode(path, width, height, seconds, fps, audio, codec)
        return path.read_bytes()


def _encode(path: Path, width: int, height: int, seconds: float, fps: int, audio: bool, codec: str) -> None:
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream(codec, rate=fps, options={"preset": "ultrafast"} if codec == "libx264" else {})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        sound = container.add_stream("aac", rate=44100) if audio else None
        frames = max(1, round(seconds * fps))
        for i in range(frames):
            pixels = np.zeros((height, width, 3), np.uint8)
            pixels[:, :, 0] = (np.arange(width) * 255 // max(1, width - 1)).astype(np.uint8)
            pixels[:, :, 1] = (i * 23) % 256
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound is not None:
            samples = round(seconds * 44100)
            pts = 0
            while pts < samples:
                n = min(1024, samples - pts)
                tone = (np.sin(2 * np.pi * 440 * (np.arange(pts, pts + n) / 44100)) * 0.2).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="fltp", layout="mono")
                frame.sample_rate, frame.pts = 44100, pts
                container.mux(sound.encode(frame))
                pts += n
            container.mux(sound.encode())


def _write(folder: Path, data: bytes, suffix: str) -> tuple[str, str]:
    sha = hashlib.sha256(data).hexdigest()
    path = folder / "media" / f"{sha}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"media/{sha}{suffix}", sha


def video_item(output: Path, *, width: int = 320, height: int = 180, seconds: float = 1.0, fps: int = 10,
               audio: bool = True, alt: str = "The council chamber as the vote is read out",
               media_base_url: str | None = None, poster: bool = True, captions: bool = True,
               duration: float | None = None, target: str = "video-16x9", padded_to: int | None = None,
               grown_by: int = 0, codec: str = "libx264") -> dict:
    """Write a clip (and its poster and captions) under ``output/media/`` and return its manifest item.
    ``duration`` overrides the recorded duration (a clip the manifest says is longer than it is); ``grown_by``
    appends a ``free`` box of that many bytes, which players skip: a large file that still decodes."""
    data = mp4(width, height, seconds, fps, audio, codec)
    if grown_by:
        data += (grown_by + 8).to_bytes(4, "big") + b"free" + bytes(range(256)) * (grown_by // 256) \
            + bytes(grown_by % 256)
    name, sha = _write(output, data, ".mp4")
    size = len(data)
    if padded_to is not None:
        with open(output / name, "r+b") as f:
            f.truncate(padded_to)
        size = padded_to
    url = (lambda n: f"{media_base_url}/{n.removeprefix('media/')}") if media_base_url else (lambda n: None)
    item: dict[str, Any] = {
        "kind": "video", "role": "attach", "target": target, "path": name, "url": url(name), "mime": "video/mp4",
        "format": "mp4", "width": width, "height": height, "duration": round(duration or seconds, 3),
        "frame_rate": float(fps), "has_audio": audio, "bytes": size, "sha256": sha, "alt": alt,
        "poster": None, "captions": None}
    if poster:
        jpeg = io.BytesIO()
        Image.new("RGB", (width, height), (200, 40, 40)).save(jpeg, format="JPEG")
        pname, psha = _write(output, jpeg.getvalue(), ".jpg")
        item["poster"] = {"path": pname, "url": url(pname), "width": width, "height": height,
                          "bytes": len(jpeg.getvalue()), "sha256": psha}
    if captions:
        cname, csha = _write(output, CAPTIONS.encode(), ".vtt")
        item["captions"] = {"path": cname, "lang": "en", "bytes": len(CAPTIONS.encode()), "sha256": csha}
    return item


def write_video_manifest(site_dir: Path, entries: Sequence[dict]) -> Path:
    """``support.publishing.write_manifest`` for entries with video items, which the version 1 schema file does
    not describe yet: the publisher's own reader checks them."""
    doc = {"format": "smmgen-manifest", "version": 1,
           "site": {"name": "Test Desk", "base_url": "https://courier.example", "timezone": "UTC",
                    "cards_base_url": None},
           "entries": sorted(entries, key=lambda e: e["id"])}
    path = site_dir / "output" / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
    return path
