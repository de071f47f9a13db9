"""Encoding a ``Variant`` with PyAV (FFmpeg's libraries, in its wheels): H.264 (libx264) and AAC in an MP4 whose
index comes first (faststart) without edit lists, yuv420p, the picture turned upright, cropped and scaled, at a
constant frame rate.

The same source and variant always give the same bytes: x264 runs with a fixed thread count (its output then
does not depend on the machine) on fresh frames without B-frames, nothing from the clock goes into the file, and
the encoder's version is part of the cache key (``encoder_version``), so a different FFmpeg is a different output,
not a silent change.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

from smmgen.video.probe import Probe
from smmgen.video.variants import AUDIO_BITRATE, Variant

X264_THREADS = 2
PRESET = "fast"
CRF = 23
AUDIO_RATE = 48000
POSTER_QUALITY = 85
POSTER_MAX_FRAMES = 600             # decoded at most to find the poster's frame
REVISION = 1                        # raised when this module's encode changes
# The index first (faststart), and no edit lists (Threads and Instagram refuse them): B-frames are timed with
# negative composition offsets instead, so the first frame still shows at zero.
MUXER = {"movflags": "+faststart+negative_cts_offsets", "use_editlist": "0"}


def encoder_version() -> str:
    """What the output bytes depend on besides the source and the variant."""
    import av

    codec = ".".join(str(n) for n in av.library_versions["libavcodec"])
    return f"smmgen-video-{REVISION} pyav-{av.__version__} lavc-{codec} x264-{PRESET}-{CRF}-{X264_THREADS}"


class TranscodeError(RuntimeError):
    """The source could not be decoded or the output not encoded; the message says why."""


def encode_apart(source: Path, probe: Probe, variant: Variant, dest: Path) -> None:
    """``encode`` in a process of its own, which the build waits for (bounded by ``time_limit``).

    A fresh process gives x264 the same bytes every time: run inside a long build, whose memory holds whatever
    earlier work left there, the same encode came out different now and then (a read of memory x264 did not
    write, it seems). It also keeps a decoder that crashes on a hostile file out of the build.
    """
    job = json.dumps({"source": str(source), "probe": dataclasses.asdict(probe),
                      "variant": dataclasses.asdict(variant), "dest": str(dest)})
    try:
        done = subprocess.run([sys.executable, "-m", "smmgen.video.transcode"], input=job.encode(),
                              capture_output=True, timeout=time_limit(probe))
    except subprocess.TimeoutExpired:
        raise TranscodeError(f"took longer than {time_limit(probe):.0f} s") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise TranscodeError(lines[-1] if lines else f"the encoder stopped (exit status {done.returncode})")


def time_limit(probe: Probe) -> float:
    """Seconds an encode may take: generous (a slow machine, 4K sources), never unbounded."""
    return 120 + 30 * probe.duration


def _main() -> None:
    job = json.loads(sys.stdin.read())
    variant = job["variant"]
    if variant["crop"] is not None:
        variant["crop"] = tuple(variant["crop"])
    try:
        encode(Path(job["source"]), Probe(**job["probe"]), Variant(**variant), Path(job["dest"]))
    except TranscodeError as e:
        sys.exit(str(e))


def encode(source: Path, probe: Probe, variant: Variant, dest: Path) -> None:
    """Write ``variant`` of ``source`` to ``dest`` (an MP4), through a temporary file beside it."""
    import av

    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with av.open(str(source), metadata_errors="ignore") as src, \
                av.open(str(tmp), "w", format="mp4", options=MUXER) as out:
            _encode(src, out, probe, variant)
        os.replace(tmp, dest)
    except av.FFmpegError as e:
        raise TranscodeError(getattr(e, "strerror", None) or str(e)) from None
    finally:
        tmp.unlink(missing_ok=True)


def _encode(src, out, probe: Probe, variant: Variant) -> None:
    import av

    in_video = src.streams.video[0]
    in_audio = src.streams.audio[0] if variant.audio and src.streams.audio else None
    rate = Fraction(variant.frame_rate).limit_denominator(1001)
    video = out.add_stream("libx264", rate=rate)
    video.width, video.height, video.pix_fmt = variant.width, variant.height, "yuv420p"
    video.time_base = 1 / rate
    video.options = {"preset": PRESET, "crf": str(CRF), "threads": str(X264_THREADS), "profile": "high",
                     "maxrate": str(variant.max_bitrate), "bufsize": str(variant.max_bitrate * 2),
                     # Without it the VBV starts from a level libavcodec leaves unset: not the same bytes twice.
                     "rc_init_occupancy": str(variant.max_bitrate * 3 // 2),
                     "g": str(max(1, round(float(rate) * 2))),
                     # No B-frames: with them x264 gave different bytes now and then for the same pictures.
                     "bf": "0"}
    video.codec_context.thread_count = X264_THREADS
    audio = None
    if in_audio is not None:
        audio = out.add_stream("aac", rate=AUDIO_RATE)
        audio.layout = "stereo"
        audio.bit_rate = AUDIO_BITRATE
    graph = _video_graph(in_video, probe, variant)
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=AUDIO_RATE, frame_size=1024) \
        if audio is not None else None
    start, end = variant.start, variant.end
    if start > 0:
        src.seek(int(start * 1_000_000), backward=True)
    streams = [s for s in (in_video, in_audio) if s is not None]
    samples = 0
    video_done = audio_done = False
    # The probe measured the clip: a file whose packets run on past that (a header that lies) stops there.
    stop = (end if end is not None else probe.duration) + 1.0
    for packet in src.demux(*streams):
        for frame in packet.decode():
            if frame.pts is None or frame.time is None:
                continue
            t = frame.time
            if t > stop:
                video_done = audio_done = True
                continue
            if packet.stream is in_video:
                if t < start - 1e-6 or video_done:
                    continue
                if end is not None and t >= end:
                    video_done = True
                    continue
                frame.pts = int(round((t - start) / frame.time_base))
                graph.push(frame)
                _drain(graph, video, out)
            elif resampler is not None:
                if t < start - 1e-6 or audio_done:
                    continue
                if end is not None and t >= end:
                    audio_done = True
                    continue
                frame.pts = None
                for resampled in resampler.resample(frame):
                    resampled.pts, resampled.time_base = samples, Fraction(1, AUDIO_RATE)
                    samples += resampled.samples
                    out.mux(audio.encode(resampled))
        if video_done and (resampler is None or audio_done):
            break
    graph.push(None)
    _drain(graph, video, out)
    out.mux(video.encode(None))
    if resampler is not None:
        for resampled in resampler.resample(None):
            resampled.pts, resampled.time_base = samples, Fraction(1, AUDIO_RATE)
            samples += resampled.samples
            out.mux(audio.encode(resampled))
        out.mux(audio.encode(None))


def _drain(graph, video, out) -> None:
    import av

    while True:
        try:
            frame = graph.pull()
        except (BlockingIOError, av.BlockingIOError):
            return
        except (EOFError, av.EOFError):
            return
        out.mux(video.encode(_fresh(frame)))


def _fresh(frame):
    """A new frame with only the picture and its time: x264 given the filter graph's own frames (with what
    else they carry from the decoder) made different bytes now and then from the same pictures; given fresh
    frames, never in hundreds of runs."""
    import av

    made = av.VideoFrame.from_ndarray(frame.to_ndarray(format="yuv420p"), format="yuv420p")
    made.pts, made.time_base = frame.pts, frame.time_base
    return made


def _video_graph(stream, probe: Probe, variant: Variant):
    """buffer -> turn upright -> crop -> scale -> constant frame rate -> yuv420p -> sink."""
    import av

    graph = av.filter.Graph()
    chain = [graph.add_buffer(template=stream)]
    steps: list[tuple[str, str]] = []
    if probe.rotation == 90:
        steps.append(("transpose", "cclock"))
    elif probe.rotation == 270:
        steps.append(("transpose", "clock"))
    elif probe.rotation == 180:
        steps += [("hflip", ""), ("vflip", "")]
    if variant.crop is not None:
        x, y, w, h = variant.crop
        steps.append(("crop", f"{w}:{h}:{x}:{y}"))
    steps.append(("scale", f"{variant.width}:{variant.height}:flags=bicubic"))
    steps.append(("setsar", "1"))
    steps.append(("fps", str(Fraction(variant.frame_rate).limit_denominator(1001))))
    steps.append(("format", "yuv420p"))
    for name, args in steps:
        chain.append(graph.add(name, args) if args else graph.add(name))
    chain.append(graph.add("buffersink"))
    for a, b in zip(chain, chain[1:]):
        a.link_to(b)
    graph.configure()
    return graph


def poster_frame(video: Path, dest: Path, at: float) -> tuple[int, int]:
    """A JPEG of the frame shown ``at`` seconds into ``video`` (turned upright); returns its size."""
    import av

    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with av.open(str(video), metadata_errors="ignore") as src:
            stream = src.streams.video[0]
            rotation = 0
            image = None
            for n, frame in enumerate(src.decode(stream)):
                image, rotation = frame, int(round(frame.rotation or 0)) % 360
                if (frame.time is not None and frame.time >= at) or n >= POSTER_MAX_FRAMES:
                    break
            if image is None:
                raise TranscodeError("no frame to make a poster of")
            picture = image.to_image()
        if rotation:
            picture = picture.rotate(rotation, expand=True)
        picture.save(tmp, "JPEG", quality=POSTER_QUALITY)
        os.replace(tmp, dest)
        return picture.width, picture.height
    except av.FFmpegError as e:
        raise TranscodeError(getattr(e, "strerror", None) or str(e)) from None
    finally:
        tmp.unlink(missing_ok=True)


if __name__ == "__main__":
    _main()
