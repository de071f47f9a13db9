"""Draw the sample site's clip, content/media/bridge-reopens.mp4: a train crossing a bridge at dusk, six seconds,
made here frame by frame (no third-party media) and encoded with PyAV as smmgen's own encodes are (H.264 and AAC
in an MP4 whose index comes first, no edit list), so the build posts it untouched where a network takes it as it
is.

Run `python docs/make_sample_clip.py`; the same PyAV gives the same bytes.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "content" / "media" / "bridge-reopens.mp4"
WIDTH, HEIGHT, FPS, SECONDS = 640, 360, 25, 6
RATE = 48000


def scene(n: int, frames: int) -> np.ndarray:
    """Frame ``n``: sky, river, a bridge on three piers and a train that crosses it from left to right."""
    t = n / frames
    y = np.arange(HEIGHT)[:, None]
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    sky = (y < 220)[:, :, None] * np.stack([60 + y * 0.6, 70 + y * 0.5, 130 + y * 0.3], axis=-1)
    water = (y >= 220)[:, :, None] * np.array([30, 60, 90])
    image[:] = np.broadcast_to((sky + water).astype(np.uint8), image.shape)
    ripple = ((np.arange(WIDTH)[None, :] + n * 3) % 40 < 3) & (y >= 230) & (y % 12 == 0)
    image[ripple] = (90, 130, 160)
    image[170:182, :] = (70, 70, 78)                       # the deck
    for x in (100, 320, 540):
        image[182:260, x - 14:x + 14] = (95, 90, 88)       # the piers
    left = int(-220 + (WIDTH + 240) * t)                   # the train
    for car in range(3):
        a, b = max(0, left + car * 74), min(WIDTH, left + car * 74 + 68)
        if a < b:
            image[136:168, a:b] = (200, 40, 40)
            image[142:152, a:b][:, ::12] = (250, 230, 150)  # lit windows
    return image


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frames = FPS * SECONDS
    options = {"movflags": "+faststart+negative_cts_offsets", "use_editlist": "0"}
    with av.open(str(OUT), "w", format="mp4", options=options) as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"preset": "slow", "crf": "26", "threads": "1", "bf": "0", "profile": "high"}
        sound = out.add_stream("aac", rate=RATE)
        sound.layout, sound.bit_rate = "stereo", 96000
        for n in range(frames):
            frame = av.VideoFrame.from_ndarray(scene(n, frames), format="rgb24").reformat(format="yuv420p")
            frame.pts, frame.time_base = n, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        # A low rumble that swells as the train crosses.
        total = RATE * SECONDS
        t = np.arange(total) / RATE
        rumble = (0.15 * np.sin(2 * np.pi * 70 * t) * np.sin(np.pi * t / SECONDS)).astype(np.float32)
        for start in range(0, total, 1024):
            chunk = np.pad(rumble[start:start + 1024], (0, max(0, start + 1024 - total)))
            frame = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = RATE, start
            out.mux(sound.encode(frame))
        out.mux(sound.encode(None))
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
