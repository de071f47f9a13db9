"""The preview in a real browser (Debian's Chromium driven by Playwright): from disk and from `smmgen serve`.

Checks what an editor sees: every enabled platform's mock-up with the right counters, no console errors, no
request leaving the machine, hostile article text inert in the DOM, and a live rebuild when content changes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import MINIMAL_CONFIG, sample_site_at
from support.serving import ServeProcess
from test_preview_pages import enable_platforms

from smmgen.build.pipeline import build, write_output
from smmgen.config.site import load_site

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(os.environ.get("SMMGEN_SCREENSHOT_DIR", "")) if os.environ.get("SMMGEN_SCREENSHOT_DIR") else None
WAIT_MS = 20_000


def _missing(reason: str):
    # On a developer's machine without a browser the tests skip; in CI they must run.
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: the browser tests must run; see tests/setup.sh)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _missing("Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright (Python) is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Watched:
    """A page plus everything it reported: console errors, uncaught exceptions, requests off the machine."""

    def __init__(self, context, allowed_host: str | None = None):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", self._request)
        self.allowed_host = allowed_host

    def _request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("file", "data"):
            return
        if self.allowed_host and url.netloc == self.allowed_host:
            return
        self.external.append(request.url)

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.external == [], self.external


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1360, "height": 900})
    yield ctx
    ctx.close()


def screenshot(page, name: str, tmp_path: Path) -> Path:
    folder = SCREENSHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    return path


def check_article_page(page, entries) -> None:
    """Each entry's mock-up is on the page, visible, with one counter per part showing length/limit."""
    for entry in entries:
        mock = page.locator(f'article.mock[data-platform="{entry.platform}"]')
        assert mock.count() == 1, entry.id
        assert mock.is_visible()
        assert mock.locator(".counter").all_inner_texts() == [f"{n}/{entry.limit}" for n in entry.lengths]
        assert mock.locator(".frame .text").count() == len(entry.parts)


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """The sample site with every platform on, built once: the tests that use it only read its preview."""
    sample_site = sample_site_at(tmp_path_factory.mktemp("built") / "site")
    enabled = enable_platforms(sample_site)
    site = load_site(sample_site)
    result = build(site, workers=1)
    assert not result.errors, result.errors
    write_output(result)
    return sample_site, result, enabled


# --- from disk ---------------------------------------------------------------------------------------------------

def test_index_and_article_pages_from_disk(built_site, context, tmp_path):
    site, result, enabled = built_site
    w = Watched(context)
    index = site / "output" / "preview" / "index.html"
    w.page.goto(index.as_uri())
    rows = w.page.locator("tr.row")
    assert rows.count() == len(result.articles)
    titles = [t.strip() for t in w.page.locator("tr.row .title-link").all_inner_texts()]
    assert titles == [a.title for a in sorted(result.articles, key=lambda a: a.date, reverse=True)]

    # The platform filter keeps the articles that go to that platform and dims the other chips.
    last = enabled[-1]
    w.page.click(f'button[data-filter="platform"][data-value="{last}"]')
    expected = {e.source for e in result.entries if e.platform == last}
    assert w.page.locator("tr.row:visible").count() == len(expected)
    assert "platform=" + last in w.page.url
    w.page.click('button[data-filter="platform"][data-value=""]')
    # The status filter: "error" matches nothing in a build that succeeded.
    w.page.click('button[data-filter="status"][data-value="error"]')
    assert w.page.locator("tr.row:visible").count() == 0
    assert w.page.locator(".empty-filter").is_visible()
    w.page.click('button[data-filter="status"][data-value=""]')
    screenshot(w.page, "preview-index.png", tmp_path)

    article = max(result.articles, key=lambda a: sum(e.source == a.source for e in result.entries))
    w.page.click(f'a.title-link:text-is("{article.title}")')
    w.page.wait_for_url(re.compile(rf"/articles/{article.slug}\.html$"))
    entries = [e for e in result.entries if e.source == article.source]
    assert {e.platform for e in entries} == set(enabled)
    check_article_page(w.page, entries)
    # Card images load from output/cards/, relative to the page.
    for img in w.page.locator("figure img").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), img.get_attribute("src")
    screenshot(w.page, "preview-article.png", tmp_path)

    # plan.html opens on the weeks around the newest article's; the week pages together show every post.
    w.page.goto((site / "output" / "preview" / "plan.html").as_uri())
    newest = max(a.date for a in result.articles).astimezone(site_tz(site)).date()
    opening = w.page.locator('.period[aria-current="true"]').evaluate_all("as => as.map(a => a.dataset.week)")
    assert "%d-W%02d" % newest.isocalendar()[:2] in opening
    publish_weeks = [week_of(e.publish_at, site) for e in result.entries]
    assert w.page.locator('[data-view-panel="week"] .ev--publish').count() == \
        sum(week in opening for week in publish_weeks)
    weeks = w.page.locator(".period[data-week]").evaluate_all("as => as.map(a => a.dataset.week)")
    assert set(publish_weeks) <= set(weeks) and weeks == sorted(weeks)
    shown = 0
    for week in weeks:
        w.page.click(f'.period[data-week="{week}"]')
        w.page.wait_for_url(re.compile(rf"/plan-{week}\.html$"))
        assert w.page.locator(f'.period[data-week="{week}"]').get_attribute("aria-current") == "page"
        shown += w.page.locator('[data-view-panel="week"] .ev--publish').count()
    assert shown == len(result.entries)
    w.page.click('.period:text-is("Now")')
    w.page.wait_for_url(re.compile(r"/plan\.html$"))
    w.page.click('button[data-view="day"]')
    assert w.page.locator('[data-view-panel="day"]').is_visible()
    assert not w.page.locator('[data-view-panel="week"]').is_visible()
    screenshot(w.page, "preview-plan.png", tmp_path)
    w.clean()


# Where each X mock-up's domain label and card image sit on the page, and the image's natural size.
X_CARDS = """() => Array.from(document.querySelectorAll('article.mock[data-platform="x"] .linkcard')).map(card => {
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
  const img = card.querySelector(".linkcard-img img"), label = card.querySelector(".linkcard-domain");
  return {image: img ? box(img) : null, natural: img ? [img.naturalWidth, img.naturalHeight] : null,
          label: label ? box(label) : null, text: label ? label.innerText : null,
          titles: card.querySelectorAll(".linkcard-title").length};
})"""


def test_x_link_card_label_keeps_off_the_cards_title(built_site, context):
    """X shows a large-image card as the image alone with the domain in a label on its bottom-left corner: the
    mock-up draws that label, and no card title of the site sits in the band it covers."""
    from smmgen.build.pipeline import card_layout
    from smmgen.build.templates import Layouts
    from smmgen.cards.layout import find_layout, load_layout

    site_dir, result, _enabled = built_site
    site = result.site
    dirs = [d / "cards" for d in Layouts(site.layouts_dir).dirs]
    w = Watched(context)
    checked = 0
    for article in result.articles:
        if not any(c.platform == "x" for c in result.cuts if c.source == article.source):
            continue
        if any(m.is_video for e in result.entries if e.id == f"{article.key}@x" for m in e.media):
            continue                    # a post with a video shows the video, not a link card
        w.page.goto((site_dir / "output" / "preview" / "articles" / f"{article.slug}.html").as_uri())
        [card] = w.page.evaluate(X_CARDS)
        assert card["titles"] == 0 and card["text"] == "courier.example.com", card
        layout = load_layout(find_layout(card_layout(article, "x", site), dirs, source=article.source))
        natural_w, natural_h = card["natural"]
        _x, y, _w, h = layout.for_target("og").title.box.resolve(natural_w, natural_h)
        # The image fills its 2:1 frame (object-fit: cover): scaled to the frame's width, cropped top and bottom.
        left, top, width, height = card["image"]
        scale = max(width / natural_w, height / natural_h)
        title_bottom = top + (y + h) * scale - (natural_h * scale - height) / 2
        label_top = card["label"][1]
        assert label_top >= title_bottom, (article.source, label_top, title_bottom)
        assert card["label"][0] < left + width / 4 and label_top + card["label"][3] <= top + height
        checked += 1
    assert checked >= 10
    w.clean()


HOSTILE = """\
---
title: "&lt;script&gt;window.__xss=1&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=window.__xss=2&gt; Budget"
date: 2026-11-20T10:00:00+01:00
summary: "&lt;a href=&quot;javascript:window.__xss=3&quot;&gt;click&lt;/a&gt; javascript:window.__xss=4"
tags: ["<script>window.__xss=5</script>", "\\"><img src=x onerror=window.__xss=6>", "javascript:window.__xss=7"]
social:
  mastodon:
    text: "<script>window.__xss=8</script> \\"><img src=x onerror=window.__xss=9> [a](javascript:window.__xss=10) https://news.example/ok"
---
Body <script>window.__xss=11</script> [link](javascript:window.__xss=12) <img src=x onerror="window.__xss=13">
"""

INERT = """() => ({
  xss: window.__xss === undefined ? null : window.__xss,
  scripts: document.scripts.length,
  handlers: Array.from(document.querySelectorAll("*")).flatMap(el => Array.from(el.attributes)
      .filter(a => a.name.startsWith("on")).map(a => el.tagName + " " + a.name)),
  jsLinks: Array.from(document.querySelectorAll("[href], [src], [action]")).map(el =>
      el.getAttribute("href") || el.getAttribute("src") || el.getAttribute("action"))
      .filter(v => /^\\s*javascript:/i.test(v)),
  images: Array.from(document.images).map(i => i.getAttribute("src")),
})"""


def test_hostile_article_text_is_inert_in_every_page(make_site, context):
    make_site.article("2026/hostile.md", HOSTILE)
    site = load_site(make_site.root)
    result = build(site, workers=1)
    assert not result.errors, result.errors
    write_output(result)
    title = result.articles[0].title
    assert "<script>" in title and "onerror" in title           # the payload reaches the preview as text
    out = make_site.root / "output" / "preview"
    w = Watched(context)
    pages = sorted(out.glob("*.html"))
    assert {"index.html", "plan.html"} < {p.name for p in pages} and any(p.name.startswith("plan-") for p in pages)
    for page in [*pages, *sorted((out / "articles").glob("*.html"))]:
        w.page.goto(page.as_uri())
        state = w.page.evaluate(INERT)
        assert state["xss"] is None, page
        assert state["scripts"] == 1, page                         # only the preview's own script
        assert state["handlers"] == [] and state["jsLinks"] == [], (page, state)
        assert all(src and not src.endswith("/x") and src != "x" for src in state["images"]), state
        if page.parent.name == "articles":
            assert w.page.locator("h1").first.inner_text().startswith("<script>window.__xss=1</script>")
            text = w.page.locator('article.mock[data-platform="mastodon"] .frame .text').inner_text()
            assert "<script>window.__xss=8</script>" in text
            links = w.page.locator('article.mock[data-platform="mastodon"] .frame .text a')
            assert links.evaluate_all("as => as.map(a => a.href)") == ["https://news.example/ok"]
    w.clean()


def site_tz(site: Path):
    return load_site(site).timezone


def week_of(when: dt.datetime, site: Path) -> str:
    """The ISO week ("2026-W48") of a time in the site's time zone, as the plan's pages are named."""
    year, week, _ = when.astimezone(site_tz(site)).isocalendar()
    return f"{year}-W{week:02d}"


MONTHS_CONFIG = MINIMAL_CONFIG + """
[platforms.bluesky]
handle = "desk.bsky.social"
"""


def test_months_are_pages_linked_both_ways_and_keep_the_filters(make_site, context):
    make_site.config(MONTHS_CONFIG)
    for n, date in enumerate(["2026-09-10T10:00:00+02:00", "2026-10-05T10:00:00+02:00",
                              "2026-10-20T10:00:00+02:00", "2026-11-20T10:00:00+01:00"]):
        make_site.article(f"2026/story-{n}.md", f"---\ntitle: Story {n}\ndate: {date}\n---\nBody of story {n}.\n")
    result = build(load_site(make_site.root), workers=1)
    assert not result.errors, result.errors
    write_output(result)
    out = make_site.root / "output" / "preview"
    w = Watched(context)
    w.page.goto((out / "index.html").as_uri())
    # The front page: the newest month's articles, and every month newest first.
    assert [t.strip() for t in w.page.locator("tr.row .title-link").all_inner_texts()] == ["Story 3"]
    months = w.page.locator("nav.periods .period").all_inner_texts()
    assert [m.strip() for m in months] == ["Latest", "November 2026", "October 2026", "September 2026"]

    # A filter set on one page holds on the month opened from it.
    w.page.click('button[data-filter="platform"][data-value="bluesky"]')
    w.page.click('.period:text-is("October 2026")')
    w.page.wait_for_url(re.compile(r"/index-2026-10\.html#platform=bluesky$"))
    assert [t.strip() for t in w.page.locator("tr.row:visible .title-link").all_inner_texts()] == \
        ["Story 2", "Story 1"]
    assert w.page.locator('button[data-filter="platform"][data-value="bluesky"]').get_attribute("aria-pressed") \
        == "true"
    assert w.page.locator('.period[aria-current="page"]').inner_text().strip() == "October 2026"

    # An article page leads back to its own month, and its neighbours across months.
    w.page.click('a.title-link:text-is("Story 1")')
    w.page.wait_for_url(re.compile(r"/articles/.*\.html$"))
    w.page.click('a:text-is("older ›")')
    w.page.wait_for_url(re.compile(r"/articles/.*\.html$"))
    assert w.page.locator("h1").first.inner_text().startswith("Story 0")
    w.page.click('a:text-is("← All articles")')
    w.page.wait_for_url(re.compile(r"/index-2026-09\.html$"))
    assert [t.strip() for t in w.page.locator("tr.row .title-link").all_inner_texts()] == ["Story 0"]
    w.clean()


# --- from `smmgen serve` -------------------------------------------------------------------------------------------

@pytest.fixture
def server(sample_site):
    enable_platforms(sample_site)
    running = ServeProcess(sample_site)
    yield sample_site, running
    running.stop()


def test_serve_shows_the_preview_and_rebuilds_on_change(server, context, tmp_path):
    site, srv = server
    host = urlsplit(srv.url).netloc
    w = Watched(context, allowed_host=host)
    w.page.goto(srv.url)
    result = build(load_site(site), render_images=False)
    assert w.page.locator("tr.row").count() == len(result.articles)

    article = next(a for a in result.articles if a.slug == "budget-passes")
    w.page.goto(srv.url.replace("index.html", f"articles/{article.slug}.html"))
    check_article_page(w.page, [e for e in result.entries if e.source == article.source])
    assert w.page.locator('script[src="/__smmgen/live.js"]').count() == 1
    screenshot(w.page, "serve-article.png", tmp_path)

    # Edit the article: the server rebuilds, the open page reloads by itself and shows the new title.
    source = site / article.source
    original = source.read_text(encoding="utf-8")
    source.write_text(original.replace(article.title, "Budget passes at dawn, edited"), encoding="utf-8")
    w.page.wait_for_function("() => document.querySelector('h1').textContent.includes('edited')",
                            timeout=WAIT_MS)
    assert not (site / "output" / "preview" / "articles" / f"{article.slug}.html").read_text(
        encoding="utf-8").count("live.js"), "the reload script must not reach the files on disk"

    # Break it: the page shows the error with file and line, and the server keeps running.
    source.write_text(original.replace("date: 2026-11-24T07:45:00+01:00", "date: tomorrow-ish"), encoding="utf-8")
    w.page.wait_for_selector(".errors-banner", timeout=WAIT_MS)
    banner = w.page.locator(".errors-banner").inner_text()
    assert re.search(rf"{re.escape(article.source)}:\d+: date: not a date", banner), banner
    assert srv.proc.poll() is None

    # Fix it: the page comes back.
    source.write_text(original, encoding="utf-8")
    w.page.wait_for_function("t => document.querySelector('h1') && document.querySelector('h1').textContent"
                             ".includes(t)", arg=article.title[:30], timeout=WAIT_MS)
    assert w.page.locator(".errors-banner").count() == 0
    w.clean()


def _mark(page) -> None:
    """Set a flag that only this load of the page carries: a reload clears it."""
    page.evaluate("() => { window.__notReloaded = true; }")


def _reloaded(page) -> bool:
    return page.evaluate("() => window.__notReloaded !== true")


def test_serve_reloads_only_the_pages_an_edit_changed(server, context):
    site, srv = server
    host = urlsplit(srv.url).netloc
    result = build(load_site(site), render_images=False)
    edited = next(a for a in result.articles if a.slug == "budget-passes")
    other = next(a for a in result.articles if a.slug == "kousoku-tetsudou-kaigyou")
    pages = {}
    for name, address in (("edited", f"articles/{edited.slug}.html"), ("other", f"articles/{other.slug}.html"),
                          ("index", "index.html")):
        pages[name] = Watched(context, allowed_host=host)
        pages[name].page.goto(srv.url.replace("index.html", address))
        _mark(pages[name].page)
    other_file = site / "output" / "preview" / "articles" / f"{other.slug}.html"
    other_before = other_file.read_bytes()

    # One article's title: its page and the index (its row shows the title) reload, the other article's stays.
    source = site / edited.source
    source.write_text(source.read_text(encoding="utf-8").replace(edited.title, "Budget passes, edited"),
                      encoding="utf-8")
    pages["edited"].page.wait_for_function("() => document.querySelector('h1').textContent.includes('edited')",
                                           timeout=WAIT_MS)
    pages["index"].page.wait_for_function("() => document.body.textContent.includes('Budget passes, edited')",
                                          timeout=WAIT_MS)
    assert other_file.read_bytes() == other_before, "the edit must not change the other article's page"
    pages["other"].page.wait_for_timeout(1500)          # several rounds of its questions to the server
    assert not _reloaded(pages["other"].page), "a page the edit did not change must not reload"

    # smmgen.toml (a comment: no output file changes): every open page reloads.
    for watched in pages.values():
        _mark(watched.page)
    config = site / "smmgen.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# reviewed\n", encoding="utf-8")
    for watched in pages.values():
        watched.page.wait_for_function("() => window.__notReloaded !== true", timeout=WAIT_MS)
        watched.page.wait_for_selector("h1", timeout=WAIT_MS)
    for watched in pages.values():
        watched.clean()
