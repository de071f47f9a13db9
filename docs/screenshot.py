"""Redraw docs/preview-article.png (the sample site's preview of one article) and docs/studio.png (the card studio
of `smmgen serve`), in headless Chromium.

Run `python docs/screenshot.py` (with smmgen and its test extras installed, and Debian's chromium, as
tests/setup.sh installs them). It builds a copy of the sample site in a temporary folder, so the repository's
output/ is left alone. tests/test_docs_screenshot.py renders the preview page the same way and fails when the
committed picture no longer looks like it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PICTURE = ROOT / "docs" / "preview-article.png"
ARTICLE = "budget-passes"
CHROMIUM = Path("/usr/bin/chromium")
SIZE = (1360, 1560)          # the viewport's width, and the part of the page shown
STUDIO_PICTURE = ROOT / "docs" / "studio.png"
STUDIO_SIZE = (1360, 980)


def render() -> Image.Image:
    """The preview page of ``ARTICLE`` as the README shows it (a palette image, like the committed one)."""
    from playwright.sync_api import sync_playwright

    from smmgen.build.pipeline import build, write_output
    from smmgen.config.site import load_site

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        shutil.copy(ROOT / "smmgen.toml", site / "smmgen.toml")
        for folder in ("content", "layouts"):
            shutil.copytree(ROOT / folder, site / folder)
        result = build(load_site(site), workers=1)
        if result.errors:
            raise SystemExit(f"the sample site does not build: {result.errors[0]}")
        write_output(result)
        page_file = site / "output" / "preview" / "articles" / f"{ARTICLE}.html"
        shot = Path(tmp) / "shot.png"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": SIZE[0], "height": 900})
                page.goto(page_file.as_uri())
                page.wait_for_load_state("load")
                page.screenshot(path=str(shot), full_page=True, clip={"x": 0, "y": 0, "width": SIZE[0], "height": SIZE[1]})
            finally:
                browser.close()
        with Image.open(shot) as im:
            # 256 colours keep the picture small; the page has few colours besides the cards.
            return im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def _copy_site(tmp: str) -> Path:
    site = Path(tmp) / "site"
    site.mkdir()
    shutil.copy(ROOT / "smmgen.toml", site / "smmgen.toml")
    for folder in ("content", "layouts"):
        shutil.copytree(ROOT / folder, site / folder)
    return site


def render_studio() -> Image.Image:
    """The card studio on ``ARTICLE``, served from a copy of the sample site by smmgen serve's own server."""
    import threading

    from playwright.sync_api import sync_playwright

    from smmgen.preview.serve import LiveSite, make_server

    with tempfile.TemporaryDirectory() as tmp:
        site = _copy_site(tmp)
        server = make_server(LiveSite(site, lambda line: None), 0)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        shot = Path(tmp) / "studio.png"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
                try:
                    page = browser.new_page(viewport={"width": STUDIO_SIZE[0], "height": STUDIO_SIZE[1]})
                    page.goto(f"http://127.0.0.1:{server.server_address[1]}/studio/")
                    page.wait_for_selector("body[data-ready]", timeout=30_000)
                    source = f"content/2026/2026-11-24-{ARTICLE}.md"
                    page.select_option("#article", source)
                    page.wait_for_function("a => [...document.querySelectorAll('.card')].every("
                                           "c => c.dataset.article === a)", arg=source, timeout=30_000)
                    page.evaluate("() => document.querySelectorAll('.ms').forEach(e => { e.textContent = ''; })")
                    page.wait_for_timeout(300)
                    page.screenshot(path=str(shot))
                finally:
                    browser.close()
        finally:
            server.shutdown()
            server.server_close()
        with Image.open(shot) as im:
            return im.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def main() -> None:
    picture = render()
    picture.save(PICTURE, optimize=True)
    print(f"{PICTURE.relative_to(ROOT)}: {picture.width}×{picture.height}")
    studio = render_studio()
    studio.save(STUDIO_PICTURE, optimize=True)
    print(f"{STUDIO_PICTURE.relative_to(ROOT)}: {studio.width}×{studio.height}, "
          f"{STUDIO_PICTURE.stat().st_size // 1024} KB")


if __name__ == "__main__":
    sys.exit(main())
