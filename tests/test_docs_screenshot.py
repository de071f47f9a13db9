"""docs/preview-article.png is what the preview really looks like: the page is rendered again in headless
Chromium (docs/screenshot.py) and compared with the committed picture, tile by tile, so it cannot drift."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
TILE = 16               # px of the quarter-size picture: 64 px of the page
MOST = 8.0              # the mean difference (of 255 grey levels) a tile may show: anti-aliasing, not a change


def load_script():
    spec = importlib.util.spec_from_file_location("docs_screenshot", REPO / "docs" / "screenshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worst_tile(a: Image.Image, b: Image.Image) -> tuple[float, tuple[int, int]]:
    """The largest mean grey difference of any tile of the two pictures at a quarter of their size, and where
    that tile is on the page."""
    size = (a.width // 4, a.height // 4)
    a = a.convert("L").resize(size, Image.Resampling.BOX)
    b = b.convert("L").resize(size, Image.Resampling.BOX)
    diff = ImageChops.difference(a, b)
    worst, where = 0.0, (0, 0)
    for y in range(0, size[1], TILE):
        for x in range(0, size[0], TILE):
            mean = ImageStat.Stat(diff.crop((x, y, min(x + TILE, size[0]), min(y + TILE, size[1])))).mean[0]
            if mean > worst:
                worst, where = mean, (4 * x, 4 * y)
    return worst, where


def test_worst_tile_sees_a_changed_region_and_ignores_nothing_changed():
    page = Image.new("RGB", (400, 400), "white")
    assert worst_tile(page, page.copy()) == (0.0, (0, 0))
    changed = page.copy()
    changed.paste((0, 0, 0), (192, 192, 256, 256))     # one tile of the grid
    assert worst_tile(page, changed) == (255.0, (192, 192))


def test_the_readme_screenshot_matches_the_preview():
    script = load_script()
    if not script.CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed (tests/setup.sh installs it)")
        pytest.skip("Debian's chromium is not installed")
    rendered = script.render()
    with Image.open(script.PICTURE) as committed:
        committed.load()
    fix = "the preview changed: run `python docs/screenshot.py` and commit docs/preview-article.png"
    assert committed.size == rendered.size, fix
    worst, where = worst_tile(committed, rendered)
    assert worst <= MOST, f"{fix} (the tile at {where} differs by {worst:.0f} grey levels)"
