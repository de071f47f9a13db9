"""Hashtags from tags: one word each, CamelCase for several, per-platform caps."""

from __future__ import annotations

import pytest
from cut_helpers import article_text, render, write_article, write_site

from smmgen.text import richtext
from smmgen.text.hashtags import found_in, hashtags, joined, lost, normalise, topic_tag


@pytest.mark.parametrize("tag, expected", [
    ("world", "world"),
    ("Greece", "Greece"),
    ("public finances", "PublicFinances"),
    ("Harbour City", "HarbourCity"),
    ("городской совет", "ГородскойСовет"),
    ("交通", "交通"),
    ("COVID-19", "COVID19"),
    ("covid_19", "covid_19"),
    ("women's rights", "WomensRights"),
    ("#already", "already"),
    ("e\u0301te\u0301", "\u00e9t\u00e9"),       # NFC first
    ("2026", None),                            # no letter: no hashtag anywhere
    ("!!!", None),
    ("🚄", None),
])
def test_normalise(tag, expected):
    assert normalise(tag) == expected


@pytest.mark.parametrize("tag, characters", [
    ("c++", "+"), ("C#", "#"), ("node.js", "."), (".NET", "."), ("R&D", "&"), ("AI/ML", "/"), ("U.S.", "."),
    ("Yahoo!", "!"), ("e=mc²", "=²"), ("a+b/c", "+/"),
])
def test_a_tag_whose_hashtag_would_lose_meaning_makes_none(tag, characters):
    # "c++" would become "#c", another topic: no hashtag rather than a wrong one, on every platform.
    assert lost(tag) == characters
    assert normalise(tag) is None and normalise(tag, "linkedin") is None and normalise(tag, "bluesky") is None
    assert hashtags(["c++", tag, "python"]) == ("python",)


@pytest.mark.parametrize("tag", ["public finances", "COVID-19", "Harbour—City", "covid_19", "#news",
                                 "women's rights", "rock 'n' roll", "городской совет", "交通", "2026"])
def test_spaces_case_hyphens_and_apostrophes_lose_nothing(tag):
    assert lost(tag) == ""


def test_a_cut_warns_about_each_tag_left_out(tmp_path):
    site = write_site(tmp_path / "s", only=("x", "mastodon"))
    article = write_article(site, article_text(summary="S.", tags=("transport", "c++", "node.js")))
    assert article.tags == ("transport", "c++", "node.js")
    for platform in ("x", "mastodon"):
        cut = render(site, article, platform)
        assert cut.tags == ("transport",)
        assert [w for w in cut.warnings if "tag" in w] == [
            'tag "c++" is left out of the hashtags: without "+" it would mean something else; give the article a '
            "tag of letters and digits for it",
            'tag "node.js" is left out of the hashtags: without "." it would mean something else; give the article '
            "a tag of letters and digits for it",
        ]


def test_linkedin_drops_underscores():
    # '_' is little-text syntax: inside a hashtag it would need escaping, which ends the hashtag.
    assert normalise("covid_19", "linkedin") == "Covid19"


def test_bluesky_refuses_tags_over_64_graphemes():
    assert normalise("a" * 64, "bluesky") == "a" * 64
    assert normalise("a" * 65, "bluesky") is None
    assert normalise("a" * 65, "x") == "a" * 65


def test_hashtags_dedupe_skip_present_and_keep_order():
    tags = ["Climate", "climate", "energy", "public finances", "2026"]
    assert hashtags(tags, "x") == ("Climate", "energy", "PublicFinances")
    assert hashtags(tags, "x", present_in="Talks on #energy resume") == ("Climate", "PublicFinances")


def test_instagram_caps_at_30_counting_those_in_the_text():
    tags = [f"tag{i}a" for i in range(40)]
    assert len(hashtags(tags, "instagram")) == 30
    assert len(hashtags(tags, "instagram", present_in="#one #two")) == 28
    assert len(hashtags(tags, "mastodon")) == 40


def test_found_in_and_joined():
    assert found_in("Look: #one, #Two and a#not and #три") == ["one", "Two", "три"]
    assert joined(("a", "B")) == "#a #B"


def test_bluesky_detects_every_normalised_hashtag_as_a_tag_facet():
    tags = ["world", "public finances", "городской совет", "交通", "COVID-19", "Harbour City"]
    text = "Story\n\n" + joined(hashtags(tags, "bluesky"))
    detected = [f["features"][0]["tag"] for f in richtext.detect_facets(text)
                if f["features"][0]["$type"] == richtext.TAG]
    assert detected == list(hashtags(tags, "bluesky"))


@pytest.mark.parametrize("tags, expected", [
    (["public finances"], "public finances"),      # Threads topic tags may have spaces
    (["R&D", "x"], "R D"),
    (["St. Pauli"], "St Pauli"),
    (["2026", "budget"], "budget"),
    (["a" * 51, "short"], "short"),
    ([], None),
])
def test_topic_tag(tags, expected):
    assert topic_tag(tags) == expected
