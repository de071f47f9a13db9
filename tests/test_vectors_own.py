"""smmgen's own vectors (tests/vectors/own_*.json); each entry names the rule's source in ``source``."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from smmgen.text.measure import (
    Unit,
    count_links,
    grapheme_len,
    linkedin_escape,
    linkedin_unescape,
    mastodon_length,
    measure,
    safe_grapheme_len,
    telegram_html_escape,
    threads_length,
    utf16_len,
    x_weighted_length,
)

VECTORS = Path(__file__).parent / "vectors"


def _load(name: str) -> list[dict]:
    vectors = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    assert all(v.get("source") for v in vectors), f"{name}: every vector names its source"
    return vectors


def _params(name: str, key: str | None = None):
    vectors = [v for v in _load(name) if key is None or key in v]
    return pytest.mark.parametrize("vector", vectors, ids=[v["id"] for v in vectors])


@_params("own_mastodon.json")
def test_mastodon(vector: dict) -> None:
    opts = {k: vector[k] for k in ("url_length", "spoiler") if k in vector}
    assert mastodon_length(vector["text"], **opts) == vector["expected"]
    assert measure(vector["text"], Unit.MASTODON, **opts) == vector["expected"]


@_params("own_telegram.json", "expected_utf16")
def test_telegram_utf16(vector: dict) -> None:
    assert utf16_len(vector["text"]) == vector["expected_utf16"]
    assert utf16_len(vector["text"]) == len(vector["text"].encode("utf-16-le")) // 2
    assert measure(vector["text"], Unit.UTF16) == vector["expected_utf16"]


@_params("own_telegram.json", "expected_html")
def test_telegram_html_escape(vector: dict) -> None:
    escaped = telegram_html_escape(vector["text"])
    assert escaped == vector["expected_html"]
    assert html.unescape(escaped) == vector["text"]


@_params("own_threads.json", "expected_length")
def test_threads_length(vector: dict) -> None:
    assert threads_length(vector["text"]) == vector["expected_length"]
    assert measure(vector["text"], Unit.THREADS) == vector["expected_length"]


@_params("own_threads.json", "expected_links")
def test_threads_links(vector: dict) -> None:
    assert count_links(vector["text"]) == vector["expected_links"]
    assert count_links(vector["text"], unique=True) == vector["expected_links_unique"]


@_params("own_linkedin.json")
def test_linkedin_escape(vector: dict) -> None:
    assert linkedin_escape(vector["text"]) == vector["expected_escaped"]
    assert linkedin_unescape(vector["expected_escaped"]) == vector["text"]


@_params("own_x.json")
def test_x(vector: dict) -> None:
    assert x_weighted_length(vector["text"]) == vector["expected"]


@_params("own_graphemes.json")
def test_graphemes(vector: dict) -> None:
    assert grapheme_len(vector["text"]) == vector["expected_graphemes"]
    assert safe_grapheme_len(vector["text"]) == vector["expected_safe"]
    assert measure(vector["text"], Unit.GRAPHEMES) == vector["expected_safe"]


def test_unknown_unit_is_rejected() -> None:
    with pytest.raises(ValueError):
        measure("text", "furlongs")


def test_characters_unit_never_undercounts() -> None:
    text = "𝐁 👨\u200d👩\u200d👧\u200d👦 e\u0301"
    assert measure(text, Unit.CHARACTERS) >= max(len(text), grapheme_len(text), utf16_len(text))


def test_regex_module_has_unicode_17() -> None:
    # The Bluesky vectors were derived with Unicode 17.0 grapheme rules; an older regex release segments
    # differently. U+1FAEA (distorted face) and U+11B60 (Sharada Supplement) are new in 17.0.
    import regex

    assert regex.match(r"\p{Assigned}", "\U0001faea")
    assert regex.match(r"\p{Assigned}", "\U00011b60")
