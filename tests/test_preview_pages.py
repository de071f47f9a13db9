"""The static preview: pages from the sample site, every platform's mock-up, determinism, templates, escaping."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from types import MappingProxyType

import pytest
from click.testing import CliRunner
from support.loading import render_preview

from smmgen.build.article_outputs import ArticleOutput
from smmgen.build.entries import MediaFile
from smmgen.build.pipeline import build, write_output
from smmgen.cards.model import Card
from smmgen.cli.main import main
from smmgen.config.site import PlatformSettings, load_site
from smmgen.errors import SmmgenError
from smmgen.platforms import registry
from smmgen.preview.looks import LOOKS
from smmgen.preview.model import preview_data
from smmgen.preview.pages import render_pages

NINE = ("x", "mastodon", "bluesky", "threads", "facebook", "instagram", "linkedin", "telegram", "vk")


# --- helpers shared by the preview tests ------------------------------------------------------------------------

def enable_platforms(site_dir: Path) -> list[str]:
    """Turn on every built-in platform whose module is there and whose cuts of the site build cleanly."""
    config = site_dir / "smmgen.toml"
    base = config.read_text(encoding="utf-8")
    enabled = [p.name for p in load_site(site_dir).platforms]
    for name in registry.names():
        if name in enabled:
            continue
        try:
            registry.get(name)
        except ImportError:
            continue
        candidate = base + f'\n[platforms.{name}]\nhandle = "@courier"\n'
        config.write_text(candidate, encoding="utf-8")
        try:
            site = load_site(site_dir)
            ok = not build(site, render_images=False).errors
        except SmmgenError:
            ok = False
        if ok:
            base = candidate
            enabled.append(name)
    config.write_text(base, encoding="utf-8")
    return enabled


def mockups(page: str) -> dict[str, list[str]]:
    """platform -> the counter texts of its mock-up, read from an article page's HTML."""
    found: dict[str, list[str]] = {}
    chunks = page.split('<article class="mock ')[1:]
    for chunk in chunks:
        platform = re.search(r'data-platform="([^"]+)"', chunk).group(1)
        found[platform] = re.findall(r'<span class="counter">([^<]*)</span>', chunk.split("</article>")[0])
    return found


def mock_html(page: str, platform: str) -> str:
    """The HTML of one platform's mock-up on an article page."""
    for chunk in page.split('<article class="mock ')[1:]:
        if f'data-platform="{platform}"' in chunk.split(">")[0]:
            return chunk.split("</article>")[0]
    raise AssertionError(f"no mock-up for {platform}")


def with_every_platform(result, extra_platforms=("newnet",)):
    """The build, with a cut for each of the nine platforms (and an unknown one) made from each article's first.

    The mock-ups are drawn from manifest data alone, so they can be checked for all platforms whatever cut
    rules exist today: the lengths, limits and parts here are made up to exercise every layout.
    """
    site = result.site
    names = NINE + tuple(extra_platforms)
    outputs = []
    for output in result.outputs:
        base, base_media = output.cuts[0], output.media[0]
        cuts, media = [], []
        for i, name in enumerate(names):
            cut = dataclasses.replace(base, id=f"{base.slug}@{name}", platform=name, limit=1000 + i,
                                      unit="graphemes", lengths=(100 + i,))
            files = base_media
            if name == "x":
                cut = dataclasses.replace(cut, parts=("First post of the thread 1/2", f"Second one {base.link} 2/2"),
                                          lengths=(28, 40), warnings=("summary shortened to fit",))
            if name == "instagram":
                files = (MediaFile(role="attach", url=None, card=Card(
                    path="cards/ig.jpg", width=1080, height=1350, bytes=1, sha256="0", format="jpeg", alt="a photo",
                    target="instagram")),)
            if name == "bluesky":
                files = ()       # no card rendered: the box must still be there, as a placeholder
            cuts.append(cut)
            media.append(files)
        outputs.append(ArticleOutput(output.article, tuple(cuts), tuple(media)))
    platforms = tuple(PlatformSettings(name=n, handle=f"@desk-{n}", display_name="Test Desk",
                                       options=MappingProxyType({})) for n in names)
    return dataclasses.replace(result, site=dataclasses.replace(site, platforms=platforms),
                               cuts=tuple(c for o in outputs for c in o.cuts), outputs=tuple(outputs))


@pytest.fixture
def sample_result(sample_site):
    return build(load_site(sample_site), render_images=False)


def rel(files: dict[Path, bytes], site: Path) -> dict[str, bytes]:
    return {p.relative_to(site / "output").as_posix(): data for p, data in files.items()}


# --- the sample site -------------------------------------------------------------------------------------------

def test_preview_has_index_plan_and_one_page_per_published_article(sample_site, sample_result):
    files = rel(render_preview(sample_result), sample_site)
    assert "preview/index.html" in files and "preview/plan.html" in files
    pages = {p for p in files if p.startswith("preview/articles/")}
    assert pages == {f"preview/articles/{a.slug}.html" for a in sample_result.articles}
    drafts = [a.slug for a in sample_result.drafts]
    assert drafts, "the sample site has a draft"
    for slug in drafts:
        assert not any(slug in p for p in files)
        assert slug not in files["preview/index.html"].decode()


def test_index_lists_articles_newest_first_with_every_post_counter(sample_site, sample_result):
    index = rel(render_preview(sample_result), sample_site)["preview/index.html"].decode()
    links = re.findall(r'class="title-link" href="../preview/articles/([^"]+)\.html"', index)
    newest_first = [a.slug for a in sorted(sample_result.articles, key=lambda a: a.date, reverse=True)]
    assert links == newest_first
    for entry in sample_result.entries:
        assert f'data-platform="{entry.platform}"' in index
        assert f'<span class="counter">{max(entry.lengths)}/{entry.limit}</span>' in index


def test_each_article_page_shows_a_mockup_per_entry_with_its_counters(sample_site, sample_result):
    files = rel(render_preview(sample_result), sample_site)
    for article in sample_result.articles:
        page = files[f"preview/articles/{article.slug}.html"].decode()
        entries = [e for e in sample_result.entries if e.source == article.source]
        assert mockups(page) == {e.platform: [f"{n}/{e.limit}" for n in e.lengths] for e in entries}
        assert f"<h1 lang=\"{article.lang}\">" in page


def test_same_inputs_give_byte_identical_preview(sample_site, tmp_path):
    first = rel(render_preview(build(load_site(sample_site), render_images=False)), sample_site)
    other = tmp_path / "copy"
    shutil.copytree(sample_site, other)
    second = rel(render_preview(build(load_site(other), render_images=False)), other)
    assert first == second


def test_pages_are_self_contained(sample_site, sample_result):
    for path, data in rel(render_preview(sample_result), sample_site).items():
        if not path.endswith(".html"):
            continue
        page = data.decode()
        assert "<script src" not in page and "<link rel=\"stylesheet\"" not in page and "@import" not in page
        assert "http-equiv=\"Content-Security-Policy\"" in page and "default-src 'none'" in page
        # Images and scripts never come from the network; only <a href> may point at the article's site.
        assert not re.search(r'\ssrc="(?:https?:)?//', page), path
        assert not re.search(r"url\((?:['\"])?(?:https?:)?//", page), path


def test_card_images_are_referenced_relatively_and_exist(sample_site):
    site = load_site(sample_site)
    result = build(site, workers=1)
    assert not result.errors
    write_output(result)
    out = sample_site / "output"
    referenced = 0
    for page in (out / "preview" / "articles").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        # Cards are images; a video is a <video> with its poster.
        for src in re.findall(r'<(?:img|video)[^>]*\ssrc="([^"]+)"', text) + re.findall(r'\sposter="([^"]+)"', text):
            assert not src.startswith(("/", "http")), src
            assert (page.parent / src).resolve().is_file(), src
            referenced += 1
    cards = [m for e in result.entries for m in e.media]
    assert referenced >= len(cards) > 0


def test_plan_pages_list_every_post_and_its_expiry(sample_site, sample_result):
    files = rel(render_preview(sample_result), sample_site)
    # One page per ISO week: together they show every post, each once in the week view and once in the day view.
    weeks = sorted(name for name in files if re.fullmatch(r"preview/plan-\d{4}-W\d\d\.html", name))
    assert weeks
    plan = "".join(files[name].decode() for name in weeks)
    for entry in sample_result.entries:
        # An account besides the platform's default one has its own anchor in the article's page.
        anchor = entry.platform if entry.account == entry.platform else f"{entry.platform}-{entry.account}"
        assert plan.count(f'href="../preview/articles/{entry.slug}.html#{anchor}"') >= 2
    expiring = [e for e in sample_result.entries if e.expire_at]
    assert expiring, "the sample site has expiries"
    assert plan.count('class="ev ev--expire"') == 2 * len(expiring)   # once in the week view, once in the day view
    assert 'data-view-panel="week"' in plan and 'data-view-panel="day"' in plan


# --- every platform, from manifest data -------------------------------------------------------------------------

def test_all_nine_platforms_and_an_unknown_one_get_mockups(make_site):
    from conftest import MINIMAL_CONFIG

    # The manifest below gives every platform Mastodon's cut: the mention is mapped there (an unmapped @name
    # from the body would be written so that it notifies no one).
    make_site.config(MINIMAL_CONFIG + '[mentions.someone]\nmastodon = "@someone@example.social"\n')
    make_site.article("a.md", """
        ---
        title: One story
        date: 2026-11-20T10:00:00+01:00
        tags: [city]
        ---
        Body with @someone and #topic.
        """)
    result = with_every_platform(build(load_site(make_site.root), render_images=False))
    files = render_pages(result)
    page = files["preview/articles/a.html"].decode()
    shown = mockups(page)
    assert list(shown) == [*NINE, "newnet"]
    assert shown["x"] == ["28/1000", "40/1000"]                     # a thread: one counter per post
    assert shown["vk"] == ["108/1008"]
    for name in NINE:
        assert f"mock--{LOOKS[name].name} layout--{LOOKS[name].layout}" in page
    assert "mock--generic layout--feed" in page                     # unknown platform: the neutral look
    x = mock_html(page, "x")
    assert x.count('class="feed-post') == 2 and "thread · 2 posts" in x
    assert "summary shortened to fit" in x and "status--warning" in page
    instagram = mock_html(page, "instagram")
    assert '<a class="t-link"' not in instagram                     # captions have no clickable links
    assert 'src="../../cards/ig.jpg"' in instagram and "aspect-ratio: 1080 / 1350" in instagram
    assert "linkcard" not in instagram
    bluesky = mock_html(page, "bluesky")
    assert 'class="linkcard-img is-placeholder" style="aspect-ratio: 1200 / 630"' in bluesky
    assert '<a class="t-link"' in bluesky and '<span class="t-mention">@someone@example.social</span>' in bluesky
    assert '<span class="t-tag">#topic</span>' in bluesky
    telegram = mock_html(page, "telegram")
    assert "tg-bubble" in telegram and "linkcard" in telegram


def test_site_layouts_override_the_preview_templates(make_site):
    make_site.article("a.md", """
        ---
        title: One story
        date: 2026-11-20T10:00:00+01:00
        ---
        Body.
        """)
    override = make_site.root / "layouts" / "preview" / "index.html.j2"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "preview/base.html.j2" %}{% block main %}<p id="house">{{ data.articles|length }}'
                        ' {{ "<b>" }}</p>{% endblock %}', encoding="utf-8")
    files = render_pages(build(load_site(make_site.root), render_images=False))
    assert '<p id="house">1 &lt;b&gt;</p>' in files["preview/index.html"].decode()   # autoescaping stays on
    assert "One story" in files["preview/articles/a.html"].decode()           # defaults for the rest


@pytest.mark.parametrize("index", [
    # a site index of its own, with a row macro (drawn beside each article's page) and without one
    '{% extends "preview/base.html.j2" %}{% macro row(a) %}<li>{{ a.title }}:{% for p in a.posts %} {{ p.platform'
    ' }}={{ p.counter }}{% endfor %}</li>{% endmacro %}{% block main %}<ul>{% for a in data.articles %}'
    '{{ fragment(row, a) }}{% endfor %}</ul>{% endblock %}',
    '{% extends "preview/base.html.j2" %}{% block main %}<ul>{% for a in data.articles %}<li>{{ a.title }}:'
    '{% for p in a.posts %} {{ p.platform }}={{ p.counter }}{% endfor %}</li>{% endfor %}</ul>{% endblock %}',
])
def test_a_site_index_shows_every_articles_posts(make_site, index):
    for name in ("a", "b"):
        make_site.article(f"{name}.md", f"---\ntitle: Story {name}\ndate: 2026-11-20T10:00:00+01:00\n---\nBody.\n")
    override = make_site.root / "layouts" / "preview" / "index.html.j2"
    override.parent.mkdir(parents=True)
    override.write_text(index, encoding="utf-8")
    result = build(load_site(make_site.root), render_images=False)
    shown = render_pages(result)["preview/index.html"].decode()
    for name in ("a", "b"):
        posts = " ".join(f"{c.platform}={max(c.lengths)}/{c.limit}" for c in result.cuts
                         if c.source.endswith(f"/{name}.md"))
        assert f"<li>Story {name}: {posts}</li>" in shown


def test_a_broken_preview_template_is_a_config_error_with_its_line(make_site):
    make_site.article("a.md", "---\ntitle: T\ndate: 2026-11-20\n---\nBody.\n")
    bad = make_site.root / "layouts" / "preview" / "index.html.j2"
    bad.parent.mkdir(parents=True)
    bad.write_text("line one\n{% if %}\n", encoding="utf-8")
    with pytest.raises(SmmgenError, match=r"layouts/preview/index\.html\.j2:2: preview template error"):
        render_preview(build(load_site(make_site.root), render_images=False))


def test_article_text_is_escaped_in_every_page(make_site):
    make_site.article("x.md", """
        ---
        title: "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"
        date: 2026-11-20T10:00:00+01:00
        tags: ["<script>alert(3)</script>", "\\"><img src=x onerror=alert(4)>"]
        social:
          mastodon:
            text: "<b>bold</b> javascript:alert(5) https://news.example/ok"
        ---
        Body.
        """)
    result = build(load_site(make_site.root), render_images=False)
    assert not result.errors, result.errors
    assert "<script>" in result.articles[0].title        # the hostile text really reaches the preview
    for path, data in render_pages(result).items():
        page = data.decode()
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page, path
        assert not re.search(r"""\son\w+=(?!["']?&)""", page.replace("onerror=alert", "")), path
        assert 'href="javascript:' not in page, path
    article = render_pages(result)["preview/articles/" + result.articles[0].slug + ".html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert '<a class="t-link" href="https://news.example/ok"' in article


def test_failed_build_preview_marks_the_article_and_lists_its_errors(make_site):
    make_site.article("good.md", "---\ntitle: Good\ndate: 2026-11-20\n---\nBody.\n")
    make_site.article("long.md", "---\ntitle: Long\ndate: 2026-11-21\nsocial:\n  mastodon:\n    text: \""
                      + "word " * 150 + "\"\n---\nBody.\n")
    make_site.article("broken.md", "---\ntitle: [unclosed\n---\nBody.\n")
    result = build(load_site(make_site.root), render_images=False)
    assert result.errors
    data = preview_data(result)
    by_source = {a.source: a for a in data.articles}
    assert by_source["content/long.md"].status == "error" and by_source["content/long.md"].errors
    assert by_source["content/good.md"].status == "ok"
    assert by_source["content/broken.md"].page is None and by_source["content/broken.md"].status == "error"
    index = render_pages(result)["preview/index.html"].decode()
    assert "output/ was not updated" in index and "content/broken.md" in index


def test_preview_command_writes_output_and_summary_prints_markdown(sample_site):
    run = CliRunner().invoke(main, ["preview", "--site", str(sample_site), "--workers", "1"])
    assert run.exit_code == 0, run.output
    assert (sample_site / "output" / "preview" / "index.html").is_file()
    assert "file://" in run.output
