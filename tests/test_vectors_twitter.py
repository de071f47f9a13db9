"""twitter-text conformance vectors (tests/vectors/PROVENANCE.md): weighted length and URL extraction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smmgen.measure import X_V2, X_V3, Unit, measure, x_count, x_urls, x_weighted_length

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
