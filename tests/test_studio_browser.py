"""The card studio in the real browser (Debian's Chromium, Playwright), against `smmgen serve`.

What an editor does: change the title colour and see every card redrawn; click the hero and see the crops and the
cards follow the new focal point, then save it into the article; save the layout and find the file changed (its
comments kept); undo; look at the contact sheet. Nothing leaves the machine and the console stays clean.
"""

from __future__ import annotations

import re
import tomllib
from urllib.parse import urlsplit

import pytest
from support.serving import ServeProcess
from test_preview_browser import Watched, browser, context  # noqa: F401 - the fixtures

pytestmark = pytest.mark.slow

WAIT_MS = 20_000
ARTICLE = "content/2026/2026-11-24-budget-passes.md"
VERSIONS = "() => [...document.querySelectorAll('.card')].map(c => Number(c.dataset.version))"


@pytest.fixture
def server(sample_site):
    running = ServeProcess(sample_site)
    yield sample_site, running
    running.stop()


def _versions(page) -> list[int]:
    return page.evaluate(VERSIONS)


def _all_newer(page, than: list[int]) -> None:
    page.wait_for_function(f"old => ({VERSIONS})().every((v, i) => v > old[i])", arg=than, timeout=WAIT_MS)


def test_studio_edits_draws_and_saves(server, context):  # noqa: F811 - the fixture imported above
    site, srv = server
    host = urlsplit(srv.url).netloc
    w = Watched(context, allowed_host=host)
    page = w.page
    page.goto(f"http://{host}/studio/")
    page.wait_for_selector("body[data-ready]", timeout=WAIT_MS)
    page.select_option("#article", ARTICLE)
    page.wait_for_function("src => document.querySelector('#hero').complete && "
                           "document.querySelector('#hero').getAttribute('src').includes(src)",
                           arg="budget-passes", timeout=WAIT_MS)
    page.wait_for_function("a => [...document.querySelectorAll('.card')].every(c => c.dataset.article === a)",
                           arg=ARTICLE, timeout=WAIT_MS)
    assert page.locator("#layout").input_value() == "photo"
    sizes = page.evaluate("() => [...document.querySelectorAll('.card')].map(c => c.dataset.size)")
    assert sizes == ["1200x630", "1200x675", "1080x1350", "1200x630", "1200x675", "1200x675"]
    assert page.locator(".card .frames img").count() >= 6                  # each card in its platforms' crops
    assert page.locator("#contrast").inner_text().endswith("AA")

    # A colour: every card is drawn again, with other pixels.
    before = _versions(page)
    shas = page.evaluate("() => [...document.querySelectorAll('.card')].map(c => c.dataset.sha)")
    colour = page.locator("#ctl-title-0-color input[type=text]")
    colour.fill("#ffd400")
    colour.dispatch_event("change")
    _all_newer(page, before)
    assert page.evaluate("() => [...document.querySelectorAll('.card')].map(c => c.dataset.sha)") != shas
    assert page.locator("#undo").is_enabled()

    # The hero: a click moves the focal point, the crops on it and the cards; Save focus writes it.
    crops = page.evaluate("() => [...document.querySelectorAll('.crop')].map(c => c.style.left + c.style.top)")
    before = _versions(page)
    box = page.locator("#hero").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.1)
    page.wait_for_function("old => JSON.stringify([...document.querySelectorAll('.crop')]"
                           ".map(c => c.style.left + c.style.top)) !== JSON.stringify(old)", arg=crops,
                           timeout=WAIT_MS)
    _all_newer(page, before)
    page.click("#save-focus")
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('Saved image_focus')",
                           timeout=WAIT_MS)
    written = re.search(r"^image_focus: \[([\d.]+), ([\d.]+)\]$", (site / ARTICLE).read_text(), re.M)
    assert written and float(written[1]) > 0.8 and float(written[2]) < 0.2

    # Save: the layout file changes in place, its comments kept.
    layout = site / "layouts/cards/photo.toml"
    original = layout.read_text()
    page.click("#save")
    page.wait_for_function("() => document.body.dataset.saved === 'layouts/cards/photo.toml'", timeout=WAIT_MS)
    saved = layout.read_text()
    assert tomllib.loads(saved)["title"]["color"] == "#ffd400"
    assert [line for line in saved.splitlines() if line.startswith("#")] == \
           [line for line in original.splitlines() if line.startswith("#")]

    # Undo goes back to white, which redraws the cards.
    before = _versions(page)
    page.click("#undo")
    _all_newer(page, before)
    assert page.locator("#ctl-title-0-color input[type=text]").input_value() == "#ffffff"

    # A value for one target only: it goes into that target's table of the file.
    page.select_option("#scope", "instagram")
    before = _versions(page)
    largest = page.locator("#ctl-title-0-size input[type=number]").first
    assert largest.input_value() == "84"                                   # [targets.instagram.title] size
    largest.fill("70")
    largest.dispatch_event("change")
    _all_newer(page, before)
    page.evaluate("() => { delete document.body.dataset.saved; }")
    page.click("#save")
    page.wait_for_function("() => document.body.dataset.saved", timeout=WAIT_MS)
    saved = tomllib.loads(layout.read_text())
    assert saved["targets"]["instagram"]["title"]["size"] == [70, 46] and saved["title"]["size"] == [62, 36]

    # The contact sheet: every article and sample headline on every target.
    page.click("#view-sheet")
    page.wait_for_function("() => document.querySelector('#sheet').dataset.done", timeout=WAIT_MS * 2)
    assert page.locator("#cards").is_hidden() and page.locator("#sheet-table").is_visible()
    assert re.match(r"(\d+) of \1 drawn", page.locator("#sheet-summary").inner_text())
    rows = page.locator("#sheet-table tr").count() - 1
    assert rows >= 15
    assert page.locator("#sheet-table td img").count() + page.locator("#sheet-table td.bad").count() >= rows * 6
    # The cards are shown from blob: URLs of the page's own origin: not requests leaving the machine.
    w.external = [u for u in w.external if not u.startswith(f"blob:http://{host}/")]
    w.clean()
