"""The manifest reader takes ``kind: "video"`` items with exactly the agreed keys and types: files inside the
output folder of the recorded size, sizes and numbers within bounds, one video per entry; the adapters see it as
``Post.video``, and bytes changed after the build are never sent."""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest

from smmgen.errors import PublishError, SmmgenError
from smmgen.publish.base import Post, VideoFile
from smmgen.publish.manifest_reader import read_entry, read_manifest

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, entry
from support.videos import CAPTIONS, mp4, video_item, write_video_manifest


def manifest_with(tmp_path: Path, change: Any = None) -> tuple[Path, dict]:
    item = video_item(tmp_path / "output")
    if change is not None:
        change(item)
    e = entry("bridge-opens", "x", "The bridge opens", media=[item])
    return write_video_manifest(tmp_path, [e]), e


def problem(tmp_path: Path, change: Any) -> str:
    path, _ = manifest_with(tmp_path, change)
    with pytest.raises(SmmgenError) as caught:
        read_manifest(path, shown="output/manifest.json")
    return str(caught.value)


def test_a_video_item_reads_as_the_posts_video(tmp_path: Path) -> None:
    path, e = manifest_with(tmp_path)
    [checked] = read_manifest(path, shown="output/manifest.json").entries
    post = Post.of(checked, T0)
    video = post.video
    assert isinstance(video, VideoFile) and post.media == ()
    assert (video.width, video.height, video.duration, video.frame_rate, video.has_audio) == (320, 180, 1.0, 10.0,
                                                                                              True)
    assert (video.mime, video.target, video.size, video.alt) == ("video/mp4", "video-16x9", len(mp4()),
                                                                 e["media"][0]["alt"])
    assert video.read("x", e["id"]) == mp4()
    assert video.poster is not None and video.poster.mime == "image/jpeg"
    assert video.poster.read("x", e["id"])[:3] == b"\xff\xd8\xff"
    assert video.captions is not None and video.captions_lang == "en"
    assert video.captions.read("x", e["id"]) == CAPTIONS.encode()


def test_poster_and_captions_may_be_null(tmp_path: Path) -> None:
    path, _ = manifest_with(tmp_path, lambda m: m.update(poster=None, captions=None))
    video = Post.of(read_manifest(path, shown="m").entries[0], T0).video
    assert video is not None and video.poster is None and video.captions is None


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update(extra=1), r"media\[0\]\.extra: unknown field"),
    (lambda m: m.pop("frame_rate"), r"media\[0\]\.frame_rate: required but missing"),
    (lambda m: m.update(kind="audio"), r"media\[0\]\.kind: expected one of video"),
    (lambda m: m.update(role="link_card"), r"media\[0\]\.role: expected one of attach"),
    (lambda m: m.update(mime="video/webm"), r"media\[0\]\.mime: expected one of video/mp4"),
    (lambda m: m.update(format="mov"), r"media\[0\]\.format: expected one of mp4"),
    (lambda m: m.update(duration="1.0"), r"media\[0\]\.duration: expected a number, got \"1.0\""),
    (lambda m: m.update(duration=True), r"media\[0\]\.duration: expected a number, got true"),
    (lambda m: m.update(duration=0), r"media\[0\]\.duration: expected more than 0 and at most 14400"),
    (lambda m: m.update(duration=1e9), r"media\[0\]\.duration: expected more than 0 and at most 14400"),
    (lambda m: m.update(frame_rate=-1.0), r"media\[0\]\.frame_rate: expected more than 0"),
    (lambda m: m.update(has_audio=1), r"media\[0\]\.has_audio: expected true or false"),
    (lambda m: m.update(width=1.5), r"media\[0\]\.width: expected a whole number"),
    (lambda m: m.update(height=100_000), r"media\[0\]\.height: expected 2 to 16384"),
    (lambda m: m.update(bytes=600 * 2**20), r"media\[0\]\.bytes: expected 1 to 536870912"),
    (lambda m: m.update(bytes=7), r"media\[0\]\.path: \"media/[0-9a-f]+\.\.\.\" has \d+ bytes, the manifest says 7"),
    (lambda m: m.update(sha256="ABC"), r"media\[0\]\.sha256: expected 64 lowercase hex digits"),
    (lambda m: m.update(path="../../etc/passwd"), r"media\[0\]\.path: .* is outside the output folder"),
    (lambda m: m.update(path="/etc/passwd"), r"media\[0\]\.path: .* must be a path relative to the output folder"),
    (lambda m: m.update(url="ftp://example.com/a.mp4"), r"media\[0\]\.url: expected an http\(s\):// URL"),
    (lambda m: m["poster"].update(format="jpeg"), r"media\[0\]\.poster\.format: unknown field"),
    (lambda m: m["poster"].update(path="../x.jpg"), r"media\[0\]\.poster\.path: .* outside the output folder"),
    (lambda m: m["poster"].update(bytes=3), r"media\[0\]\.poster\.path: .* the manifest says 3"),
    (lambda m: m["captions"].update(lang="english!"), r"media\[0\]\.captions\.lang: expected a language tag"),
    (lambda m: m["captions"].pop("sha256"), r"media\[0\]\.captions\.sha256: required but missing"),
    (lambda m: m.update(captions=[]), r"media\[0\]\.captions: expected an object, got a list"),
])
def test_a_wrong_video_item_is_named(tmp_path: Path, change: Any, message: str) -> None:
    text = problem(tmp_path, change)          # the whole manifest is refused, naming the entry and the field
    assert "bridge-opens@x: media[0]" in text
    assert re.search(message, text), text


def test_a_link_leading_out_of_the_output_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.mp4"
    outside.write_bytes(mp4())

    def swap(m: dict) -> None:
        target = tmp_path / "output" / m["path"]
        target.unlink()
        os.symlink(outside, target)

    assert "is outside the output folder" in problem(tmp_path, swap)


def test_one_video_per_entry(tmp_path: Path) -> None:
    item = video_item(tmp_path / "output")
    e = entry("bridge-opens", "x", "The bridge opens", media=[item, copy.deepcopy(item)])
    path = write_video_manifest(tmp_path, [e])
    with pytest.raises(SmmgenError, match=r"bridge-opens@x: media: more than one video item"):
        read_manifest(path, shown="output/manifest.json")


def test_a_ledger_copy_may_name_a_video_a_later_build_removed(tmp_path: Path) -> None:
    _, e = manifest_with(tmp_path)
    (tmp_path / "output" / e["media"][0]["path"]).unlink()
    checked = read_entry(e, tmp_path / "output", shown="ledger", require_files=False)
    assert Post.of(checked, T0).video is not None
    with pytest.raises(SmmgenError, match=r"media\[0\]\.path: .*No such file"):
        read_entry(e, tmp_path / "output", shown="ledger")


def test_bytes_changed_after_the_build_are_never_sent(tmp_path: Path) -> None:
    path, e = manifest_with(tmp_path)
    post = Post.of(read_manifest(path, shown="m").entries[0], dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    file = tmp_path / "output" / e["media"][0]["path"]
    data = bytearray(file.read_bytes())
    data[100] ^= 0xFF
    file.write_bytes(bytes(data))
    assert post.video is not None
    with pytest.raises(PublishError, match="differs from the manifest's sha256; rebuild"):
        post.video.read("x", e["id"])


def test_the_preflight_leaves_a_videos_public_copy_to_the_adapters(tmp_path: Path) -> None:
    """A video under media_base_url (another host, and larger than any card) never holds its post back in the
    preflight; Instagram's and Threads' adapters check that copy byte for byte before Meta fetches it."""
    from smmgen.publish.http import HttpConfig
    from smmgen.publish.preflight import Fetcher, Preflight

    item = video_item(tmp_path / "output", media_base_url="https://media.example.net/social-media")
    e = entry("bridge-opens", "instagram", "The bridge opens", media=[item], link=None)
    checked = read_entry(e, tmp_path / "output", shown="manifest")
    preflight = Preflight([checked], Fetcher(["https://courier.example"], HttpConfig()))
    try:
        assert preflight.waiting(checked) is None
    finally:
        preflight.close()
