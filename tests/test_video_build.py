"""An article's video through the whole build: front matter, per-network variants and fallbacks, the manifest's
video items and content hashes, output/media, the cache, ``check`` and ``diff`` (generated clips only)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from support.clips import make_clip

from smmgen.cli.main import main
from smmgen.manifest import SCHEMA_PATH
from smmgen.manifest import joined as joined_manifest

CONFIG = """\
[site]
name = "Test Desk"
base_url = "https://news.example"
timezone = "Europe/Berlin"
{site_extra}

[platforms.x]
{x_extra}
[platforms.mastodon]
handle = "@desk@social.example"
[platforms.bluesky]
[platforms.telegram]
{telegram_extra}
[platforms.instagram]
[platforms.linkedin]
"""

ARTICLE = """\
---
title: The bridge opens
date: 2026-11-20T09:30:00+01:00
{video}
---
The new bridge opened today.
"""

VIDEO = """\
video:
  src: media/clip.mp4
  alt: Cars cross the new bridge at dawn"""

VIDEO_KEYS = {"kind", "role", "target", "path", "url", "mime", "format", "width", "height", "duration", "frame_rate",
              "has_audio", "bytes", "sha256", "alt", "poster", "captions"}


def run(site: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--site", str(site)], catch_exceptions=False)


def make(make_site, *, video: str = VIDEO, site_extra: str = "", x_extra: str = "", telegram_extra: str = "",
         clip: dict | None = None) -> Path:
    make_site.config(CONFIG.format(site_extra=site_extra, x_extra=x_extra, telegram_extra=telegram_extra))
    make_site.article("bridge.md", ARTICLE.format(video=video))
    (make_site.root / "content" / "media").mkdir(exist_ok=True)
    make_clip(make_site.root / "content" / "media" / "clip.mp4", **(clip or {}))
    return make_site.root


def entries(site: Path) -> dict[str, dict]:
    doc = joined_manifest(site / "output" / "manifest.json")
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    return {e["platform"]: e for e in doc["entries"]}


def video_of(entry: dict) -> dict | None:
    return next((m for m in entry["media"] if m.get("kind") == "video"), None)


def test_manifest_video_items(make_site):
    site = make(make_site)
    result = run(site, "build")
    assert result.exit_code == 0, result.output
    by = entries(site)
    for platform in ("x", "mastodon", "bluesky", "telegram"):
        entry = by[platform]
        assert len(entry["media"]) == 1, platform               # the video alone, no card
        item = entry["media"][0]
        assert set(item) == VIDEO_KEYS
        assert (item["kind"], item["role"], item["mime"], item["format"]) == ("video", "attach", "video/mp4", "mp4")
        assert item["alt"] == "Cars cross the new bridge at dawn"
        assert item["url"] is None                               # no media_base_url
        assert (item["width"], item["height"], item["has_audio"]) == (160, 90, True)
        assert item["duration"] == pytest.approx(1.0, abs=0.05) and round(item["duration"], 3) == item["duration"]
        data = (site / "output" / item["path"]).read_bytes()
        assert item["path"] == f"media/{item['sha256']}.mp4"
        assert (len(data), hashlib.sha256(data).hexdigest()) == (item["bytes"], item["sha256"])
        poster = item["poster"]
        poster_bytes = (site / "output" / poster["path"]).read_bytes()
        assert poster["path"] == f"media/{poster['sha256']}.jpg" and len(poster_bytes) == poster["bytes"]
        assert poster_bytes[:2] == b"\xff\xd8" and (poster["width"], poster["height"]) == (160, 90)
        assert item["captions"] is None
    # One encode serves every network whose rules give the same variant.
    assert len({video_of(by[p])["path"] for p in ("x", "mastodon", "bluesky", "telegram")}) == 1
    assert len(list((site / "output" / "media").glob("*.mp4"))) == 1


def test_fallbacks_name_the_rule_and_the_figure(make_site):
    site = make(make_site)
    result = run(site, "build")
    assert result.exit_code == 0, result.output
    by = entries(site)
    # Instagram fetches from a URL: without media_base_url it posts the card, and says so.
    assert video_of(by["instagram"]) is None and by["instagram"]["media"][0]["path"].startswith("cards/")
    assert any("Instagram fetches the video from a public URL: set [site] media_base_url" in w
               and w.endswith("posting the card instead") for w in by["instagram"]["warnings"])
    # LinkedIn wants at least 3 s.
    assert video_of(by["linkedin"]) is None
    assert "video is 1 s, LinkedIn needs at least 3 s: posting the card instead" in by["linkedin"]["warnings"]
    assert "linkedin: video is 1 s, LinkedIn needs at least 3 s" in result.output


def test_too_long_for_x_unless_trimmed_and_too_big_for_telegram(make_site):
    video = VIDEO + "\nsocial:\n  bluesky:\n    video: false"
    site = make(make_site, video=video, x_extra="video_max_seconds = 0.8", telegram_extra="video_max_bytes = 2000")
    assert run(site, "build").exit_code == 0
    by = entries(site)
    assert video_of(by["x"]) is None
    assert by["x"]["warnings"] == ["video is 1 s, X allows 0.8 s (set in smmgen.toml): posting the card instead "
                                   "(set social.x.video: {start, end} to post a shorter cut)"]
    assert video_of(by["telegram"]) is None
    assert ("video file is 22 KB, Telegram allows 2000 bytes (set in smmgen.toml) even re-encoded: posting the "
            "card instead") in by["telegram"]["warnings"]
    # `video: false` leaves the video out without a warning.
    assert video_of(by["bluesky"]) is None and by["bluesky"]["warnings"] == []
    # A trim makes the cut short enough.
    (site / "content" / "bridge.md").write_text(ARTICLE.format(
        video=VIDEO + "\nsocial:\n  x:\n    video: {start: 0.1, end: 0.7}"), encoding="utf-8")
    assert run(site, "build").exit_code == 0
    item = video_of(entries(site)["x"])
    assert item is not None and item["duration"] == pytest.approx(0.6, abs=0.05)


def test_instagram_gets_a_vertical_cut_from_the_media_url(make_site):
    site = make(make_site, site_extra='media_base_url = "https://cdn.news.example/media/"',
                clip={"seconds": 3.2})
    assert run(site, "build").exit_code == 0
    by = entries(site)
    ig, x = video_of(by["instagram"]), video_of(by["x"])
    assert ig["target"] == "video-9x16" and (ig["width"], ig["height"]) == (50, 90)
    assert ig["url"] == f"https://cdn.news.example/media/{ig['sha256']}.mp4"
    assert ig["poster"]["url"] == f"https://cdn.news.example/media/{ig['poster']['sha256']}.jpg"
    assert x["target"] == "video-16x9" and ig["path"] != x["path"]
    assert (ig["poster"]["width"], ig["poster"]["height"]) == (50, 90)      # the poster shows the crop


def test_captions_and_given_poster(make_site):
    from PIL import Image

    video = VIDEO + "\n  poster: media/poster.png\n  captions: media/clip.vtt"
    site = make(make_site, video=video)
    Image.new("RGB", (64, 36), "navy").save(site / "content" / "media" / "poster.png")
    (site / "content" / "media" / "clip.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nThe bridge\n",
                                                         encoding="utf-8")
    assert run(site, "build").exit_code == 0
    item = video_of(entries(site)["bluesky"])
    assert item["captions"]["lang"] == "en" and item["captions"]["path"].endswith(".vtt")
    assert (site / "output" / item["captions"]["path"]).read_text(encoding="utf-8").startswith("WEBVTT")
    assert (item["poster"]["width"], item["poster"]["height"]) == (64, 36)
    assert (site / "output" / item["poster"]["path"]).read_bytes()[:2] == b"\xff\xd8"      # made a JPEG


def test_hugo_videos_alias_with_video_alt(make_site):
    site = make(make_site, video="videos: [media/clip.mp4]\nvideo_alt: Cars on the bridge")
    assert run(site, "build").exit_code == 0
    assert video_of(entries(site)["x"])["alt"] == "Cars on the bridge"


def test_replacing_the_video_changes_the_content_hash_and_diff_says_so(make_site, tmp_path):
    site = make(make_site)
    assert run(site, "build").exit_code == 0
    before = entries(site)
    base = tmp_path / "base" / "manifest.json"
    shutil.copytree(site / "output" / "manifest", base.parent / "manifest")
    base.write_bytes((site / "output" / "manifest.json").read_bytes())
    make_clip(site / "content" / "media" / "clip.mp4", seconds=2)
    assert run(site, "build").exit_code == 0
    after = entries(site)
    assert before["x"]["content_hash"] != after["x"]["content_hash"]
    assert before["x"]["parts"] == after["x"]["parts"]
    assert before["instagram"]["content_hash"] == after["instagram"]["content_hash"]     # the card, unchanged
    diff = CliRunner().invoke(main, ["diff", "--site", str(site), str(base), str(site / "output" / "manifest.json")])
    assert diff.exit_code == 0, diff.output
    assert "video replaced (1.0 s → 2.0 s)" in diff.output
    # The old encode is gone from output/media: only what the manifest names stays.
    named = {video_of(e)["path"] for e in after.values() if video_of(e)} | \
        {video_of(e)["poster"]["path"] for e in after.values() if video_of(e)}
    assert {f"media/{p.name}" for p in (site / "output" / "media").iterdir()} == named


def test_rebuild_does_not_encode_again(make_site, monkeypatch):
    from smmgen.build.incremental import build_site
    from smmgen.config.site import load_site
    from smmgen.video import media, transcode

    site = make(make_site)
    assert not build_site(load_site(site)).errors
    first = entries(site)

    def refuse(*args, **kwargs):
        raise AssertionError("encoded again")

    monkeypatch.setattr(transcode, "encode", refuse)
    monkeypatch.setattr(transcode, "encode_apart", refuse)
    monkeypatch.setattr(transcode, "poster_frame", refuse)
    monkeypatch.setattr(media, "probe", refuse)
    article = site / "content" / "bridge.md"
    article.write_text(article.read_text(encoding="utf-8").replace("opened today", "opened at dawn"),
                       encoding="utf-8")
    outcome = build_site(load_site(site))
    assert not outcome.errors and not outcome.skipped
    assert video_of(entries(site)["x"]) == video_of(first["x"])
    # Without the cache of the build (--no-cache), the video stage's own store still spares the encode.
    assert not build_site(load_site(site), use_cache=False).errors


def test_two_builds_give_the_same_bytes(make_site, tmp_path):
    import shutil

    site = make(make_site)
    assert run(site, "build", "--no-cache").exit_code == 0
    first = {p.relative_to(site / "output").as_posix(): p.read_bytes()
             for p in sorted((site / "output").rglob("*")) if p.is_file()}
    shutil.rmtree(site / "output")
    shutil.rmtree(site / ".smmgen")
    assert run(site, "build", "--no-cache").exit_code == 0
    second = {p.relative_to(site / "output").as_posix(): p.read_bytes()
              for p in sorted((site / "output").rglob("*")) if p.is_file()}
    assert sorted(first.keys() ^ second.keys()) == []
    assert [name for name in first if first[name] != second[name]] == []
    assert any(name.startswith("media/") and name.endswith(".mp4") for name in first)


@pytest.mark.parametrize("video, setup, expected", [
    (VIDEO, lambda d: (d / "clip.mp4").write_text("not a video, just words\n" * 10),
     "content/bridge.md:4: video: not a video file ("),
    (VIDEO, lambda d: (d / "clip.mp4").write_bytes(b""), "content/bridge.md:4: video: not a video file (the file "
                                                        "is empty)"),
    ("video:\n  src: media/clip.mp4", None, "content/bridge.md:4: video.alt: required when a video is set"),
    ("video:\n  src: media/gone.mp4\n  alt: x", None, 'content/bridge.md:4: video: "media/gone.mp4" not found'),
    ("video:\n  src: ../../../etc/passwd\n  alt: x", None, "content/bridge.md:4: video: \"../../../etc/passwd\" "
                                                           "points outside the site folder"),
    (VIDEO + "\n  captions: media/clip.vtt", lambda d: (d / "clip.vtt").write_text("1\n00:00 --> 00:01\nhi\n"),
     "content/bridge.md:4: video.captions: not a WebVTT file: it must start with WEBVTT"),
    (VIDEO + "\n  captions: media/clip.srt", lambda d: (d / "clip.srt").write_text("WEBVTT\n"),
     'content/bridge.md:4: video.captions: "media/clip.srt" is not a captions file'),
    (VIDEO + "\n  poster: media/poster.jpg", lambda d: (d / "poster.jpg").write_bytes(b"\xff\xd8 not really"),
     "content/bridge.md:4: video.poster: not a readable image"),
    (VIDEO + "\nsocial:\n  x:\n    video: {start: 5}", None,
     "content/bridge.md:9: social.x.video: start 5 s is past the clip's end (1 s)"),
    (VIDEO + "\nsocial:\n  x:\n    video: {start: 2, end: 1}", None, "content/bridge.md:9: social.x.video: end 1 is "
                                                                     "not after start 2"),
])
def test_check_reports_video_problems_with_file_and_line(make_site, video, setup, expected):
    site = make(make_site, video=video)
    if setup is not None:
        setup(site / "content" / "media")
    for command in ("check", "build"):
        result = CliRunner().invoke(main, [command, "--site", str(site)])
        assert result.exit_code != 0, result.output
        assert expected in result.output, result.output
        assert "Traceback" not in result.output and not isinstance(result.exception, (AssertionError, TypeError,
                                                                                     KeyError, AttributeError))


def test_a_hugo_site_whose_videos_are_remote_posts_its_cards_with_a_warning(make_site):
    # Hugo themes list og:video URLs in `videos`: not a file smmgen can post, not an error on a Hugo site.
    site = make(make_site, video='videos: ["https://cdn.example.org/bridge.mp4"]',
                site_extra='generator = "hugo"\ncontent_dir = "content"')
    result = run(site, "build")
    assert result.exit_code == 0, result.output
    by = entries(site)
    assert all(video_of(e) is None for e in by.values())
    assert "videos: remote files are not fetched (https://cdn.example.org/bridge.mp4)" in result.output
    # On a site of smmgen's own it is an error, with its line.
    make_site.config(CONFIG.format(site_extra="", x_extra="", telegram_extra=""))
    result = CliRunner().invoke(main, ["check", "--site", str(site)])
    assert result.exit_code != 0 and "content/bridge.md:4: videos: remote files are not fetched" in result.output


def test_the_video_store_is_checked_before_it_is_used(make_site):
    site = make(make_site)
    assert run(site, "build", "--no-cache").exit_code == 0
    first = video_of(entries(site)["x"])
    store = site / ".smmgen" / "media"
    encode = store / f"{first['sha256']}.mp4"
    # Another file of the same size under the encode's name (a store restored from elsewhere): made again.
    encode.write_bytes(bytes(encode.stat().st_size))
    assert run(site, "build", "--no-cache").exit_code == 0
    assert video_of(entries(site)["x"]) == first
    assert hashlib.sha256(encode.read_bytes()).hexdigest() == first["sha256"]
    # An index of the wrong shape is ignored, never a traceback.
    index = json.loads((store / "index.json").read_text(encoding="utf-8"))
    for record in index["probes"].values():
        record["probe"]["width"] = "wide"
    for record in index["outputs"].values():
        record["bytes"] = "many"
    (store / "index.json").write_text(json.dumps(index), encoding="utf-8")
    result = run(site, "build", "--no-cache")
    assert result.exit_code == 0, result.output
    assert video_of(entries(site)["x"]) == first
    (store / "index.json").write_text("[1, 2", encoding="utf-8")
    assert run(site, "build", "--no-cache").exit_code == 0 and video_of(entries(site)["x"]) == first


def test_progress_counts_the_encodes(make_site):
    from smmgen.build.pipeline import build
    from smmgen.config.site import load_site

    site = make(make_site)
    heard: list[tuple[str, int, int]] = []
    result = build(load_site(site), progress=lambda stage, done, total: heard.append((stage, done, total)))
    assert not result.errors
    assert [h for h in heard if h[0] == "encoding videos"] == [("encoding videos", 0, 1), ("encoding videos", 1, 1)]


def test_an_account_has_its_own_video_limits(make_site):
    site = make(make_site)
    config = site / "smmgen.toml"
    config.write_text(config.read_text(encoding="utf-8") + """
[accounts.desk-small]
platform = "mastodon"
handle = "@desk@small.example"
video_max_bytes = 3000
""", encoding="utf-8")
    assert run(site, "build").exit_code == 0
    doc = joined_manifest(site / "output" / "manifest.json")
    by = {e["id"]: e for e in doc["entries"]}
    # The account (which takes the site's Mastodon posts here) keeps to its own limit; [platforms.mastodon]'s
    # would take the clip (test_manifest_video_items).
    small = by["bridge@mastodon:desk-small"]
    assert video_of(small) is None
    assert any("Mastodon allows 3000 bytes (set in smmgen.toml) even re-encoded" in w for w in small["warnings"])
    assert video_of(by["bridge@x"]) is not None


def test_captions_too_large_for_bluesky_are_left_out_there(make_site):
    site = make(make_site, video=VIDEO + "\n  captions: media/clip.vtt")
    cues = "".join(f"\n00:00.{n:03d} --> 00:00.{n + 1:03d}\nline {n} of a long transcript\n" for n in range(700))
    (site / "content" / "media" / "clip.vtt").write_text("WEBVTT\n" + cues, encoding="utf-8")
    assert run(site, "build").exit_code == 0
    by = entries(site)
    size = (site / "content" / "media" / "clip.vtt").stat().st_size
    assert video_of(by["bluesky"])["captions"] is None
    assert by["bluesky"]["warnings"] == [f"the captions file is {size:,} bytes, Bluesky takes 20,000: posting the "
                                         "video without captions"]
    assert video_of(by["x"])["captions"]["bytes"] == size
