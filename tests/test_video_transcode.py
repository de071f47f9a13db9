"""Transcoding generated clips (smmgen.video.variants + transcode), each output checked by decoding it."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import av
import pytest
from support.clips import corner_colour, make_clip

from smmgen.video.probe import probe, top_level_boxes
from smmgen.video.rules import RULES, Rule
from smmgen.video.transcode import encode, poster_frame
from smmgen.video.variants import Fallback, Variant, choose

RED = (220, 20, 20)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    return {
        "landscape": make_clip(d / "landscape.mp4"),
        "portrait": make_clip(d / "portrait.mp4", width=96, height=160),
        "rotated": make_clip(d / "rotated.mp4", rotation=90),
        "rotated180": make_clip(d / "rotated180.mp4", rotation=180),
        "vfr": make_clip(d / "vfr.mp4", vfr=True),
        "silent": make_clip(d / "silent.mp4", audio=False),
        "vp9": make_clip(d / "clip.webm", codec="libvpx-vp9", container="webm"),
        "mpeg4": make_clip(d / "clip.avi", codec="mpeg4", container="avi"),
        "odd": make_clip(d / "odd.webm", width=161, height=91, codec="libvpx-vp9", container="webm"),
        "fast60": make_clip(d / "fast60.mp4", fps=60, seconds=0.5),
        "ready": make_clip(d / "ready.mp4", faststart=True),
    }


def transcoded(source: Path, tmp_path: Path, platform: str = "x", **kw) -> tuple[Variant, Path]:
    variant = choose(probe(source), kw.pop("rules", RULES[platform]), **kw)
    assert isinstance(variant, Variant) and not variant.copy
    out = tmp_path / f"{source.stem}-{platform}.mp4"
    encode(source, probe(source), variant, out)
    return variant, out


def decoded(path: Path) -> dict:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = list(c.decode(v))
        first = frames[0]
        return {"codec": v.codec_context.name, "pix_fmt": v.codec_context.pix_fmt, "width": first.width,
                "height": first.height, "rotation": int(first.rotation or 0), "frames": len(frames),
                "pts": [f.pts for f in frames], "rate": float(v.average_rate or 0),
                "audio": c.streams.audio[0].codec_context.name if c.streams.audio else None,
                "corner": corner_colour(first.to_ndarray(format="rgb24")), "format": c.format.name}


def is_red(colour) -> bool:
    return colour[0] > 150 and colour[1] < 80 and colour[2] < 80


def check_mp4(path: Path, info: dict, variant: Variant) -> None:
    assert info["format"].startswith("mov,mp4")
    assert info["codec"] == "h264" and info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (variant.width, variant.height)
    assert info["width"] % 2 == 0 and info["height"] % 2 == 0
    assert info["rotation"] == 0
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat")           # faststart
    assert probe(path).faststart
    assert b"elst" not in path.read_bytes()                    # no edit list (Threads, Instagram)


@pytest.mark.parametrize("name", ["landscape", "portrait", "vp9", "mpeg4", "silent"])
def test_sources_become_h264_aac_mp4(clips, tmp_path, name):
    variant, out = transcoded(clips[name], tmp_path)
    info = decoded(out)
    check_mp4(out, info, variant)
    assert info["audio"] == (None if name == "silent" else "aac")
    assert is_red(info["corner"])                              # upright, uncropped
    assert probe(out).duration == pytest.approx(probe(clips[name]).duration, abs=0.1)


@pytest.mark.parametrize("name", ["rotated", "rotated180"])
def test_rotation_is_applied(clips, tmp_path, name):
    variant, out = transcoded(clips[name], tmp_path)
    info = decoded(out)
    check_mp4(out, info, variant)
    if name == "rotated":
        assert (info["width"], info["height"]) == (90, 160)
    # The red block, top-left as stored, is elsewhere once the picture is upright (as FFmpeg's autorotate
    # shows it): turned 90 degrees counter-clockwise it is bottom-left, turned 180 bottom-right.
    assert not is_red(info["corner"])
    with av.open(str(out)) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
    corner = corner_colour(frame[::-1]) if name == "rotated" else corner_colour(frame[::-1, ::-1])
    assert is_red(corner)


def test_variable_frame_rate_becomes_constant(clips, tmp_path):
    variant, out = transcoded(clips["vfr"], tmp_path)
    info = decoded(out)
    check_mp4(out, info, variant)
    gaps = {b - a for a, b in zip(info["pts"], info["pts"][1:])}
    assert len(gaps) == 1                                      # one interval: a constant rate
    assert not probe(out).vfr


def test_frame_rate_above_the_limit_is_lowered(clips, tmp_path):
    rules = replace(RULES["x"], max_frame_rate=Rule(30, "fps", "test"))
    variant, out = transcoded(clips["fast60"], tmp_path, rules=rules)
    assert variant.frame_rate == 30
    assert probe(out).frame_rate == pytest.approx(30)


def test_odd_dimensions_become_even(clips, tmp_path):
    variant, out = transcoded(clips["odd"], tmp_path)
    assert (variant.width, variant.height) == (160, 90)
    check_mp4(out, decoded(out), variant)


def test_vertical_framing_for_instagram_follows_the_focus(clips, tmp_path):
    rules = replace(RULES["instagram"], min_seconds=Rule(0, "s", "test"))
    left, out_left = transcoded(clips["landscape"], tmp_path, "instagram", rules=rules, focus=(0.0, 0.5))
    assert left.target == "video-9x16" and left.crop == (0, 0, 50, 90)
    info = decoded(out_left)
    check_mp4(out_left, info, left)
    assert is_red(info["corner"])                              # the crop kept the left edge, as focused
    centre = choose(probe(clips["landscape"]), rules)
    assert isinstance(centre, Variant) and centre.crop == (54, 0, 50, 90)
    # A portrait source is shown as it is.
    portrait = choose(probe(clips["portrait"]), rules)
    assert isinstance(portrait, Variant) and portrait.crop is None


def test_trim(clips, tmp_path):
    variant, out = transcoded(clips["landscape"], tmp_path, trim=(0.2, 0.8))
    assert probe(out).duration == pytest.approx(0.6, abs=0.05)
    assert decoded(out)["pts"][0] == 0                          # the cut starts at its own zero


def test_encodes_are_byte_identical(clips, tmp_path):
    source = clips["vp9"]
    variant = choose(probe(source), RULES["x"])
    digests = set()
    for n in range(2):
        out = tmp_path / f"again{n}.mp4"
        encode(source, probe(source), variant, out)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_a_source_that_fits_is_used_as_it_is(clips):
    variant = choose(probe(clips["ready"]), RULES["x"])
    assert isinstance(variant, Variant) and variant.copy and variant.target == "video-source"
    # Not faststart, or not H.264: encoded.
    assert not choose(probe(clips["landscape"]), RULES["x"]).copy
    assert not choose(probe(clips["vp9"]), RULES["x"]).copy


def test_poster_frame(clips, tmp_path):
    from PIL import Image

    dest = tmp_path / "poster.jpg"
    assert poster_frame(clips["rotated"], dest, 0.1) == (90, 160)          # upright
    with Image.open(dest) as image:
        assert image.format == "JPEG" and image.size == (90, 160)


def test_too_long_for_x_falls_back_unless_trimmed(tmp_path):
    # 150 s, at one frame a second and 64x36 pixels, silent: small and quick to make.
    source = make_clip(tmp_path / "long.mp4", width=64, height=36, seconds=150, fps=1, audio=False)
    picked = choose(probe(source), RULES["x"])
    assert isinstance(picked, Fallback) and picked.rule == "max_seconds"
    assert picked.message.startswith("video is 150 s, X allows 140 s through the API")
    trimmed = choose(probe(source), RULES["x"], trim=(10.0, 100.0))
    assert isinstance(trimmed, Variant) and trimmed.duration(probe(source)) == 90
    assert isinstance(choose(probe(source), RULES["bluesky"]), Variant)       # Bluesky takes 3 minutes


def test_too_big_falls_back(clips):
    rules = replace(RULES["telegram"], max_bytes=Rule(5000, "bytes", "test", "through the Bot API"))
    picked = choose(probe(clips["landscape"]), rules)
    assert isinstance(picked, Fallback) and picked.rule == "max_bytes"
    assert "Telegram allows 5000 bytes through the Bot API even re-encoded" in picked.message


def test_a_file_running_past_its_probed_duration_stops_there(tmp_path):
    # As if the header said half a second: the transcode decodes at most a second past it.
    source = make_clip(tmp_path / "three.mp4", seconds=3)
    told = replace(probe(source), duration=0.5)
    variant = choose(told, RULES["x"])
    out = tmp_path / "out.mp4"
    encode(source, told, variant, out)
    assert probe(out).duration <= 1.6
