"""Video benchmark: ``python bench/video.py [--runs R] [--out FILE]``.

For generated clips (no third-party media: ``tests/support/clips.py``): the time to probe each one and to make
its poster frame, and the time of smmgen's transcode for X (``smmgen.video.transcode.encode``, PyAV) against the
Debian ``ffmpeg`` command line doing the same encode side by side (same filters, x264 preset, CRF, VBV, GOP,
threads, no B-frames, AAC 128k, faststart without edit lists), as a ratio. Medians of ``--runs`` runs.

``ffmpeg`` is needed for the comparison only (``apt-get install -y ffmpeg``); without it the ratio is "not run".
Note that the two link different FFmpeg and x264 builds (PyAV's wheels against Debian's packages).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.clips import make_clip  # noqa: E402

from smmgen.video import transcode  # noqa: E402
from smmgen.video.probe import probe  # noqa: E402
from smmgen.video.rules import RULES  # noqa: E402
from smmgen.video.variants import AUDIO_BITRATE, Variant, choose  # noqa: E402

CLIPS = {
    "1080p landscape H.264, 10 s 30 fps": dict(width=1920, height=1080, seconds=10, fps=30),
    "720p portrait H.264, 5 s 30 fps": dict(width=720, height=1280, seconds=5, fps=30),
    "1080p rotated H.264, 5 s 30 fps": dict(width=1920, height=1080, seconds=5, fps=30, rotation=90),
    "720p VP9/WebM, 5 s 30 fps": dict(width=1280, height=720, seconds=5, fps=30, codec="libvpx-vp9",
                                      container="webm", options={"deadline": "realtime", "cpu-used": "8"}),
    "480p MPEG-4 Part 2 AVI, 5 s 25 fps": dict(width=854, height=480, seconds=5, fps=25, codec="mpeg4",
                                               container="avi"),
}


def timed(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def ffmpeg_command(source: Path, variant: Variant, out: Path) -> list[str]:
    """The ``ffmpeg`` command that makes what ``transcode.encode`` makes (ffmpeg turns the picture upright
    itself, from the display matrix, as the transcode's filter graph does)."""
    rate = Fraction(variant.frame_rate).limit_denominator(1001)
    filters = []
    if variant.crop is not None:
        x, y, w, h = variant.crop
        filters.append(f"crop={w}:{h}:{x}:{y}")
    filters += [f"scale={variant.width}:{variant.height}:flags=bicubic", "setsar=1", f"fps={rate}",
                "format=yuv420p"]
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source), "-vf", ",".join(filters),
               "-c:v", "libx264", "-preset", transcode.PRESET, "-crf", str(transcode.CRF), "-profile:v", "high",
               "-threads", str(transcode.X264_THREADS), "-bf", "0", "-g", str(max(1, round(float(rate) * 2))),
               "-maxrate", str(variant.max_bitrate), "-bufsize", str(variant.max_bitrate * 2),
               "-rc_init_occupancy", str(variant.max_bitrate * 3 // 2)]
    if variant.audio:
        command += ["-c:a", "aac", "-b:a", str(AUDIO_BITRATE), "-ar", str(transcode.AUDIO_RATE), "-ac", "2"]
    else:
        command += ["-an"]
    return command + ["-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0", str(out)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "video-results.json")
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    ffmpeg_version = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True).stdout.split("\n")[0] \
        if ffmpeg else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, spec in CLIPS.items():
            suffix = ".webm" if spec.get("container") == "webm" else ".avi" if spec.get("container") == "avi" else ".mp4"
            source = work / f"source{len(rows)}{suffix}"
            made = time.perf_counter()
            make_clip(source, **spec)
            made = time.perf_counter() - made
            probed = probe(source)
            variant = choose(probed, RULES["x"])
            assert isinstance(variant, Variant)
            probe_s, _ = timed(lambda: probe(source), max(5, args.runs))
            poster_s, _ = timed(lambda: transcode.poster_frame(source, work / "poster.jpg", 1.0), args.runs)
            out = work / "smmgen.mp4"
            smmgen_s, smmgen_runs = timed(lambda: transcode.encode(source, probed, variant, out), args.runs)
            row = {"clip": name, "bytes": probed.bytes, "generated_s": round(made, 2),
                   "output": f"{variant.width}x{variant.height} {variant.frame_rate:g} fps",
                   "probe_ms": round(probe_s * 1000, 2), "poster_ms": round(poster_s * 1000, 1),
                   "smmgen_s": round(smmgen_s, 3), "smmgen_runs_s": [round(t, 3) for t in smmgen_runs],
                   "smmgen_out_bytes": out.stat().st_size}
            if ffmpeg:
                theirs = work / "ffmpeg.mp4"
                command = ffmpeg_command(source, variant, theirs)
                ffmpeg_s, ffmpeg_runs = timed(lambda: subprocess.run(command, check=True), args.runs)
                row.update(ffmpeg_s=round(ffmpeg_s, 3), ffmpeg_runs_s=[round(t, 3) for t in ffmpeg_runs],
                           ffmpeg_out_bytes=theirs.stat().st_size, ratio=round(smmgen_s / ffmpeg_s, 2),
                           ffmpeg_output=f"{probe(theirs).width}x{probe(theirs).height}")
            rows.append(row)
            print(json.dumps(row), file=sys.stderr)
    table = ["| clip | probe | poster | transcode for X: smmgen (PyAV) | ffmpeg CLI | ratio |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        theirs = f"{r['ffmpeg_s']:.2f} s" if "ffmpeg_s" in r else "not run (no ffmpeg)"
        ratio = f"{r['ratio']:.2f}×" if "ratio" in r else "–"
        table.append(f"| {r['clip']} → {r['output']} | {r['probe_ms']:.1f} ms | {r['poster_ms']:.0f} ms | "
                     f"{r['smmgen_s']:.2f} s | {theirs} | {ratio} |")
    text = "\n".join(table)
    print(text)
    results = {"runs": args.runs, "python": platform.python_version(), "machine": platform.machine(),
               "pyav": __import__("av").__version__, "encoder": transcode.encoder_version(),
               "ffmpeg": ffmpeg_version, "clips": rows, "table": text}
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
