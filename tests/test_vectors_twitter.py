"""twitter-text conformance vectors (tests/vectors/PROVENANCE.md): weighted length and URL extraction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smmgen.text.measure import X_V2, X_V3, Unit, measure, x_count, x_urls, x_weighted_length

VECTORS = Path(__file__).parent / "vectors"
CONFIGS = {"v2": X_V2, "v3": X_V3}


def _load(name: str) -> list[dict]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


WEIGHTED = _load("twitter_weighted_length.json")
EXTRACT = _load("twitter_extract_urls.json")


@pytest.mark.parametrize("vector", WEIGHTED, ids=[v["id"] for v in WEIGHTED])
def test_weighted_length(vector: dict) -> None:
    config = CONFIGS[vector["config"]]
    parsed = x_count(vector["text"], config)
    assert parsed.weighted_length == vector["expected_weighted_length"]
    assert x_weighted_length(vector["text"], config) == vector["expected_weighted_length"]
    assert parsed.valid is vector["expected_valid"]
    assert parsed.permillage == vector["expected_permillage"]
    assert list(parsed.display_range) == vector["expected_display_range"]
    assert list(parsed.valid_range) == vector["expected_valid_range"]
    if config is X_V3:
        assert measure(vector["text"], Unit.WEIGHTED) == vector["expected_weighted_length"]


@pytest.mark.parametrize("vector", EXTRACT, ids=[v["id"] for v in EXTRACT])
def test_extract_urls(vector: dict) -> None:
    text = vector["text"]
    spans = x_urls(text)
    assert [text[start:end] for start, end in spans] == vector["expected_urls"]
    if vector["expected_urls_with_indices"] is not None:
        assert spans == [tuple(u["indices"]) for u in vector["expected_urls_with_indices"]]


@pytest.mark.parametrize(("name", "config"), [("v3", X_V3), ("v2", X_V2)])
def test_config_matches_upstream(name: str, config) -> None:
    upstream = json.loads((VECTORS / f"twitter_text_config_{name}.json").read_text(encoding="utf-8"))
    assert config.max_weighted_length == upstream["maxWeightedTweetLength"]
    assert config.scale == upstream["scale"]
    assert config.default_weight == upstream["defaultWeight"]
    assert config.transformed_url_length == upstream["transformedURLLength"]
    assert config.emoji_parsing is upstream.get("emojiParsingEnabled", False)
    assert config.ranges == tuple((r["start"], r["end"], r["weight"]) for r in upstream["ranges"])


JS_EMOJI = _load("twitter_text_js_emoji.json")["vectors"]
JS_URLS = _load("twitter_text_js_urls.json")["vectors"]


def test_emoji_sequences_count_what_twitter_texts_javascript_counts_when_higher() -> None:
    # The Python port counts each of these as one emoji (2); X's server may count either way: the higher wins.
    wrong = [(v["text"], x_weighted_length(v["text"]), v["weighted_length"]) for v in JS_EMOJI
             if x_weighted_length(v["text"]) != v["weighted_length"]
             or x_count(v["text"]).weighted_length != v["weighted_length"]]
    assert not wrong
    assert x_weighted_length("🧑🏽‍🤝‍🧑🏻") == 8
    assert x_weighted_length("a 🧑🏽‍🤝‍🧑🏻 b 👨‍👩‍👧") == 15  # "a " + 8 + " b " + 2


@pytest.mark.parametrize("vector", JS_URLS, ids=[v["text"] for v in JS_URLS])
def test_urls_next_to_non_ascii_text_are_twitter_texts(vector: dict) -> None:
    text = vector["text"]
    assert x_urls(text) == [tuple(u["indices"]) for u in vector["expected_urls_with_indices"]]
    assert x_weighted_length(text) == vector["weighted_length"]
    assert x_count(text).weighted_length == vector["weighted_length"]
