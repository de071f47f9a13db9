"""Hashtags from tags: one word each, CamelCase for several, per-platform caps."""

from __future__ import annotations

import pytest

from smmgen import richtext
from smmgen.hashtags import found_in, hashtags, joined, normalise, topic_tag


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
