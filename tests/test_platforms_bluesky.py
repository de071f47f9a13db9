"""Bluesky: 300 graphemes and 3000 bytes; facets with UTF-8 byte offsets; the link card we build."""

from __future__ import annotations

from cut_helpers import LONG_BODY, article_text, render, write_article, write_site

from smmgen.text import measure, richtext


def link_facets(cut, part=0):
    return [f for f in cut.extra["facets"][part] if f["features"][0]["$type"] == richtext.LINK]


def shown(text: str, facet) -> str:
    data = text.encode("utf-8")
    return data[facet["index"]["byteStart"]:facet["index"]["byteEnd"]].decode("utf-8")


def test_the_link_is_shown_short_and_its_facet_has_the_full_url(tmp_path):
    site = write_site(tmp_path / "s", only=("bluesky",))
    article = write_article(site, article_text(title="Город 🚋 votes", summary="Ünïcödé before the link.",
                                               tags=("transport", "городской совет")))
    cut = render(site, article, "bluesky")
    [facet] = link_facets(cut)
    assert facet["features"][0]["uri"] == cut.link and "utm_source=bluesky" in cut.link
    assert shown(cut.text, facet) == "news.example.com/2026/11/story"
    tags = [(shown(cut.text, f), f["features"][0]["tag"]) for f in cut.extra["facets"][0]
            if f["features"][0]["$type"] == richtext.TAG]
    assert tags == [("#transport", "transport"), ("#ГородскойСовет", "ГородскойСовет")]


def test_the_link_card_and_languages(tmp_path):
    site = write_site(tmp_path / "s", only=("bluesky",))
    article = write_article(site, article_text(summary="The summary.", more="lang: ja"))
    cut = render(site, article, "bluesky")
    assert cut.extra["external"] == {"uri": cut.link, "title": article.title, "description": "The summary."}
    assert list(cut.extra["langs"]) == ["ja"] and cut.extra["external_part"] == 0
    assert [(m.target, m.role) for m in cut.media] == [("og", "link_card")]


def test_the_byte_limit_binds_for_heavy_emoji(tmp_path):
    site = write_site(tmp_path / "s", only=("bluesky",))
    family = "👨‍👩‍👧‍👦"      # one grapheme, 25 bytes
    article = write_article(site, article_text(title="Families", summary=" ".join([family] * 250), tags=()))
    cut = render(site, article, "bluesky")
    assert not cut.errors
    assert measure.utf8_len(cut.text) <= 3000 < measure.utf8_len(article.summary)
    assert cut.lengths[0] < 300                      # the graphemes were not what limited it


def test_an_over_long_override_is_an_error_in_graphemes_and_bytes(tmp_path):
    site = write_site(tmp_path / "s", only=("bluesky",))
    text = "👨‍👩‍👧‍👦" * 150 + "x" * 160
    article = write_article(site, article_text(social=f'bluesky:\n  text: "{text}"'))
    cut = render(site, article, "bluesky")
    assert cut.errors == ("bluesky: text is 310/300 (graphemes)", "bluesky: text is 3910/3000 (utf8-bytes)")


def test_a_thread_has_facets_per_part_and_the_card_on_the_link_part(tmp_path):
    site = write_site(tmp_path / "s", only=("bluesky",))
    article = write_article(site, article_text(summary="Short.", body=LONG_BODY,
                                               social="bluesky:\n  thread: true"))
    cut = render(site, article, "bluesky")
    assert len(cut.extra["facets"]) == len(cut.parts) > 1
    last = len(cut.parts) - 1
    assert cut.extra["external_part"] == last
    assert [f["features"][0]["uri"] for f in link_facets(cut, last)][-1] == cut.link
    # The council's URL in the body is a facet where it appears.
    assert any(f["features"][0]["uri"].startswith("https://council.example.com/")
               for part in range(len(cut.parts)) for f in link_facets(cut, part))
