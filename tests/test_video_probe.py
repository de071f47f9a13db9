"""Probing generated clips (smmgen.video.probe): what each kind of source is, and the bounds checked before a
frame is decoded."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.clips import make_clip

from smmgen.video import probe as probing
from smmgen.video.probe import ProbeError, probe


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    return {
        "landscape": make_clip(d / "landscape.mp4"),
        "portrait": make_clip(d / "portrait.mp4", width=96, height=160),
        "rotated": make_clip(d / "rotated.mp4", rotation=90),
        "vfr": make_clip(d / "vfr.mp4", vfr=True),
        "silent": make_clip(d / "silent.mp4", audio=False),
        "vp9": make_clip(d / "clip.webm", codec="libvpx-vp9", container="webm"),
        "mpeg4": make_clip(d / "clip.avi", codec="mpeg4", container="avi"),
        "faststart": make_clip(d / "faststart.mp4", faststart=True),
    }


def test_landscape_h264_with_audio(clips):
    p = probe(clips["landscape"])
    assert p.is_mp4 and p.video_codec == "h264" and p.pix_fmt == "yuv420p"
    assert (p.width, p.height, p.rotation) == (160, 90, 0)
    assert p.duration == pytest.approx(1.0, abs=0.05)
    assert p.frame_rate == pytest.approx(25.0) and not p.vfr
    assert p.audio_codec == "aac" and p.audio_rate == 48000 and p.has_audio
    assert p.bytes == clips["landscape"].stat().st_size
    assert not p.faststart                  # the muxer's default: the index after the media data


def test_portrait(clips):
    p = probe(clips["portrait"])
    assert (p.display_width, p.display_height) == (96, 160)


def test_rotation_comes_from_the_display_matrix(clips):
    p = probe(clips["rotated"])
    assert (p.width, p.height, p.rotation) == (160, 90, 90)
    assert (p.display_width, p.display_height) == (90, 160)


def test_variable_frame_rate_is_detected(clips):
    assert probe(clips["vfr"]).vfr
    assert not probe(clips["landscape"]).vfr
    assert not probe(clips["mpeg4"]).vfr     # AVI's one missing first interval is no variable rate


def test_no_audio(clips):
    p = probe(clips["silent"])
    assert p.audio_codec is None and not p.has_audio


def test_vp9_webm_and_mpeg4_part2(clips):
    vp9, mpeg4 = probe(clips["vp9"]), probe(clips["mpeg4"])
    assert (vp9.container, vp9.video_codec, vp9.audio_codec) == ("matroska,webm", "vp9", "opus")
    assert (mpeg4.container, mpeg4.video_codec) == ("avi", "mpeg4")
    assert not vp9.is_mp4 and not mpeg4.is_mp4


def test_faststart_and_edit_lists_are_read_from_the_boxes(clips):
    assert probe(clips["faststart"]).faststart and not probe(clips["faststart"]).edit_list
    assert probe(clips["landscape"]).edit_list           # the muxer's default for a stream with B-frames or delay
    assert probing.top_level_boxes(clips["faststart"]).index("moov") < \
        probing.top_level_boxes(clips["faststart"]).index("mdat")


@pytest.mark.parametrize("data, reason", [
    (b"", "the file is empty"),
    (b"hello, this is text and no video at all\n" * 20, ""),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, ""),           # an MP4 header and nothing after it
])
def test_files_that_are_no_video(tmp_path, data, reason):
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    with pytest.raises(ProbeError) as e:
        probe(path)
    assert reason in str(e.value)


def test_a_still_image_is_not_a_video(tmp_path):
    from PIL import Image

    path = tmp_path / "clip.mp4"
    Image.new("RGB", (32, 32), "red").save(path, "PNG")
    with pytest.raises(ProbeError):
        probe(path)


def test_a_cut_short_file_is_reported(clips, tmp_path):
    data = clips["faststart"].read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[: len(data) // 3])      # the index is whole, most frames are gone
    try:
        p = probe(path)
    except ProbeError:
        return
    assert p.duration > 0                         # the index promises what the transcode then finds missing


def test_bounds_are_checked_before_decoding(clips, monkeypatch):
    # A picture larger than the cap is refused from the stream header: nothing is decoded.
    monkeypatch.setattr(probing, "MAX_PIXELS", 100 * 50)
    decoded = []
    monkeypatch.setattr(probing, "_rotation", lambda *a: decoded.append(1) or 0)
    with pytest.raises(ProbeError, match="160x90 pixels"):
        probe(clips["landscape"])
    assert decoded == []
    monkeypatch.setattr(probing, "MAX_PIXELS", 8192 * 4320)
    monkeypatch.setattr(probing, "MAX_BYTES", 1000)
    with pytest.raises(ProbeError, match="smmgen reads videos up to"):
        probe(clips["landscape"])
    monkeypatch.setattr(probing, "MAX_BYTES", 4 * 1024 ** 3)
    monkeypatch.setattr(probing, "MAX_SECONDS", 0.5)
    with pytest.raises(ProbeError, match="s long"):
        probe(clips["landscape"])
    assert decoded == []
