"""The preview plays each network's clip in a real browser (Debian's Chromium driven by Playwright), from disk."""

from __future__ import annotations

import pytest
from test_preview_browser import Watched, browser, context  # noqa: F401 - the fixtures
from test_video_build import make, run

from smmgen.manifest import joined as joined_manifest

pytestmark = pytest.mark.slow

WAIT_MS = 20_000

VIDEOS = """() => Array.from(document.querySelectorAll("article.mock video")).map(v => ({
  platform: v.closest("article.mock").dataset.platform, src: v.getAttribute("src"), poster: v.getAttribute("poster"),
  ready: v.readyState, muted: v.muted, controls: v.controls, autoplay: v.autoplay, preload: v.preload,
  duration: v.duration, width: v.videoWidth, height: v.videoHeight,
  badge: v.closest("figure").querySelector(".clip-badge").innerText}))"""


def test_each_mockup_plays_its_clip_with_its_poster(make_site, context):  # noqa: F811
    site = make(make_site, site_extra='media_base_url = "https://cdn.news.example/media"', clip={"seconds": 3.2})
    result = run(site, "build")
    assert result.exit_code == 0, result.output
    entries = joined_manifest(site / "output" / "manifest.json")["entries"]
    with_video = {e["platform"]: m for e in entries for m in e["media"] if m.get("kind") == "video"}
    assert {"x", "mastodon", "bluesky", "telegram", "instagram"} <= set(with_video)
    w = Watched(context)
    w.page.goto((site / "output" / "preview" / "articles" / "bridge.html").as_uri())
    # Every clip loads its metadata (readyState >= 1: HAVE_METADATA) from output/media, relative to the page.
    w.page.wait_for_function("() => Array.from(document.querySelectorAll('article.mock video'))"
                             ".every(v => v.readyState >= 1)", timeout=WAIT_MS)
    videos = {v["platform"]: v for v in w.page.evaluate(VIDEOS)}
    assert set(videos) == set(with_video)
    for platform, v in videos.items():
        item = with_video[platform]
        assert v["src"] == f"../../{item['path']}" and v["poster"] == f"../../{item['poster']['path']}"
        assert v["ready"] >= 1 and v["muted"] and v["controls"] and not v["autoplay"] and v["preload"] == "metadata"
        assert (v["width"], v["height"]) == (item["width"], item["height"])
        assert v["duration"] == pytest.approx(item["duration"], abs=0.1)
        assert v["badge"] == "0:03"
    # Instagram's mock-up shows its own 9:16 cut.
    assert (videos["instagram"]["width"], videos["instagram"]["height"]) == (50, 90)
    # The posters load too (an image of the poster's URL, relative to the page).
    for platform, v in videos.items():
        loaded = w.page.evaluate("""src => new Promise(done => { const i = new Image();
            i.onload = () => done(i.naturalWidth); i.onerror = () => done(0); i.src = src; })""", v["poster"])
        assert loaded == with_video[platform]["poster"]["width"], platform
    # LinkedIn posts the card, and its mock-up says why.
    linkedin = w.page.locator('article.mock[data-platform="linkedin"]')
    assert linkedin.locator("video").count() == 0
    assert "LinkedIn needs at least 75 KB: posting the card instead" in linkedin.locator(".notes").inner_text()
    w.clean()
