"""What every platform shares: layouts, fitting, titles, hashtags settings, authored text, the link."""

from __future__ import annotations

import collections

import pytest
from cut_helpers import LONG_BODY, PLATFORMS, article_text, render, write_article, write_site

from smmgen.platforms import registry
from smmgen.platforms.composing import lead_text, readable_excerpt, reflow, repeats
from smmgen.platforms.post_links import display_url
from smmgen.platforms.text_rules import Rules
from smmgen.text import excerpt, measure


def test_every_platform_makes_a_cut_within_its_limit(tmp_path):
    site = write_site(tmp_path / "s")
    article = write_article(site, article_text(summary="The summary. " * 20, body=LONG_BODY))
    for name in PLATFORMS:
        cut = render(site, article, name)
        spec = registry.get(name).SPEC
        assert cut.platform == name and cut.id == f"story@{name}"
        assert not cut.errors, (name, cut.errors)
        assert all(0 < length <= cut.limit for length in cut.lengths)
        assert cut.unit == spec.unit and spec.sources


def test_a_site_layout_overrides_the_default(tmp_path):
    site = write_site(tmp_path / "s", only=("mastodon",))
    (site.root / "layouts").mkdir()
    layout = "NEW: {{ title|upper }} {{ link }} [{{ article.lang }}]"
    (site.root / "layouts" / "mastodon.txt.j2").write_text(layout)
    cut = render(site, write_article(site, article_text(summary="S.")), "mastodon")
    assert cut.text == f"NEW: COUNCIL APPROVES THE NEW TRAM LINE {cut.link} [en]"


def test_a_layout_that_cannot_fit_is_an_error_not_a_silent_cut(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    (site.root / "layouts").mkdir()
    (site.root / "layouts" / "x.txt.j2").write_text("{{ title }} {{ body }}")
    cut = render(site, write_article(site, article_text(summary="S.", body=LONG_BODY)), "x")
    assert len(cut.errors) == 1 and cut.errors[0].startswith("x: text is ")


def test_fitting_a_post_renders_its_layout_with_the_layouts_globals_copied_once(tmp_path, monkeypatch):
    site = write_site(tmp_path / "s", only=("x",))
    (site.root / "layouts").mkdir()
    # A layout that reads one of Jinja's globals: each render sees them, as with ``Template.render``.
    (site.root / "layouts" / "x.txt.j2").write_text("{% for i in range(1) %}{{ title }}{% endfor %} {{ excerpt }}")
    article = write_article(site, article_text(summary="The summary. " * 40))
    walks = []
    real = collections.ChainMap.__iter__
    monkeypatch.setattr(collections.ChainMap, "__iter__", lambda self: walks.append(1) or real(self))
    cut = render(site, article, "x")
    assert not cut.errors and cut.text.startswith("Council approves the new tram line The summary.")
    # Fitting the text to 280 characters rendered it a dozen times: Jinja walked the globals twice each time.
    assert len(walks) <= 1, len(walks)


def test_a_title_too_long_for_the_post_is_shortened_with_a_warning(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    title = "Very long headline words " * 20
    cut = render(site, write_article(site, article_text(title=title.strip(), summary="S.")), "x")
    assert not cut.errors and cut.lengths[0] <= 280
    assert cut.warnings == ("the title was shortened to fit",)
    assert cut.link in cut.text and "…" in cut.text


@pytest.mark.parametrize("config, social, expected", [
    ("hashtags = false", "", False),
    ("", "x:\n  hashtags: false", False),
    ("hashtags = false", "x:\n  hashtags: true", True),
])
def test_hashtags_setting_and_override(tmp_path, config, social, expected):
    site = write_site(tmp_path / "s", {"x": config}, only=("x",))
    cut = render(site, write_article(site, article_text(summary="S.", social=social)), "x")
    assert ("#transport" in cut.text) is expected


def test_an_authored_thread_is_split_without_losing_a_word(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    text = " ".join(f"Sentence {i} of the author's own thread." for i in range(20))
    article = write_article(site, article_text(social=f'x:\n  thread: true\n  text: "{text}"'))
    cut = render(site, article, "x")
    assert len(cut.parts) > 1 and not cut.errors
    joined = " ".join(p.rsplit("\n\n", 1)[0] for p in cut.parts)
    assert joined.split() == text.split()


def test_an_authored_thread_that_needs_too_many_parts_is_an_error(tmp_path):
    site = write_site(tmp_path / "s", {"x": "thread_max_parts = 2"}, only=("x",))
    text = " ".join(f"Sentence {i} of the author's own thread." for i in range(20))
    article = write_article(site, article_text(social=f'x:\n  thread: true\n  text: "{text}"'))
    cut = render(site, article, "x")
    assert cut.errors and "does not fit in 2 parts" in cut.errors[0]


def test_a_generated_thread_over_max_parts_is_cut_with_a_warning(tmp_path):
    site = write_site(tmp_path / "s", {"x": "thread_max_parts = 2"}, only=("x",))
    article = write_article(site, article_text(summary="S.", body=LONG_BODY, social="x:\n  thread: true"))
    cut = render(site, article, "x")
    assert len(cut.parts) == 2 and not cut.errors and cut.link in cut.parts[1]
    assert cut.warnings == ("the thread was cut to fit 2 parts (thread_max_parts)",)


def test_display_url():
    url = "https://www.news.example.com/2026/11/a-long-slug-for-the-story/?utm_source=x#top"
    assert display_url(url) == "news.example.com/2026/11/a-long-slug-for-the-story"
    assert display_url(url, 48) == "news.example.com/…/a-long-slug-for-the-story"
    assert display_url(url, 30) == "news.example.com/…/a-long-slu…"
    assert display_url("https://news.example.com:8443/") == "news.example.com:8443"


def test_reflow_and_lead_text(tmp_path):
    assert reflow("one\ntwo\n\n\nthree  four\n") == "one two\n\nthree four"
    site = write_site(tmp_path / "s", only=("x",))
    fresh = write_article(site, article_text(summary="Something else entirely.", body="Lead here.\n\nMore."))
    assert lead_text(fresh) == "Something else entirely.\n\nLead here.\n\nMore."
    derived = write_article(site, article_text(body="Lead\nparagraph.\n\nMore."), "b.md")
    assert lead_text(derived) == "Lead paragraph.\n\nMore."
    assert repeats("The council voted to build it.", "On Tuesday the council voted to build it, finally.")
    assert not repeats("Prices fall.", "The council voted to build it.")


def test_rules_messages():
    rules = Rules(platform="threads", unit="threads", limit=10, max_links=1, max_bytes=12)
    assert rules.problems("x" * 11) == ["threads: text is 11/10 (threads)"]
    assert rules.problems("a.com b.com") == ["threads: text is 11/10 (threads)",
                                             "threads: 2 links, at most 1 allowed"]
    assert rules.problems("éééééé") == []
    assert rules.problems("ééééééé") == ["threads: text is 14/12 (utf8-bytes)"]
    # cost puts every broken rule above the limit, so fitting respects them all
    assert rules.cost("a.com b.com") > 10 and rules.cost("éééééééé") > 10
    # check counts once what length and problems say
    for text in ("x" * 11, "a.com b.com", "ééééééé", "ok"):
        assert rules.check(text) == (rules.length(text), rules.problems(text))


class _Unhashable(str):
    __hash__ = None  # type: ignore[assignment]


def test_readable_excerpt_is_the_excerpt_in_the_unit():
    source = "The council met on Tuesday. It voted to build the tram line after a long debate. " * 20
    for unit, opts in (("characters", ()), ("utf16", ()), ("graphemes", ()), ("mastodon", (("url_length", 23),))):
        expected = excerpt.excerpt(source, 120, lambda t, u=unit, o=dict(opts): measure.measure(t, u, **o))
        assert readable_excerpt(source, 120, unit, opts) == expected
        assert readable_excerpt(source, 120, unit, opts) == expected          # remembered, the same
    # Units counted alike share one remembered excerpt; options that cannot be remembered still work.
    assert measure.counter("utf16") is measure.counter("characters")
    spoiler = (("spoiler", _Unhashable("CW ")), ("url_length", 23))
    assert readable_excerpt(source, 120, "mastodon", spoiler) == \
        excerpt.excerpt(source, 120, lambda t: measure.mastodon_length(t, spoiler="CW ", url_length=23))
    with pytest.raises(ValueError):
        measure.counter("furlongs")


def test_markdown_becomes_clean_plain_text_in_every_cut(tmp_path):
    site = write_site(tmp_path / "s")
    body = ("**Bold** claims &amp; *careful* words ![a chart](chart.png) from [the report](https://r.example.com/x)"
            " say so.[^1] <span>Raw</span> HTML too.\n\n[^1]: A footnote that must not appear.")
    article = write_article(site, article_text(title="The **big** story &amp; more", body=body))
    for name in PLATFORMS:
        cut = render(site, article, name)
        text = "\n".join(cut.parts)
        assert "Bold claims & careful words from the report say so. Raw HTML too." in (
            text.replace("&amp;", "&") if name == "telegram" else text), name
        for leftover in ("**", "](", "[^1]", "footnote", "chart", "<span"):
            assert leftover not in text, (name, leftover)
        assert "The big story &" in text.replace("&amp;", "&")
