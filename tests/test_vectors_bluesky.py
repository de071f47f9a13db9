"""atproto rich-text conformance vectors (tests/vectors/PROVENANCE.md): facets, graphemes, UTF-8 offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smmgen.text import richtext
from smmgen.text.measure import Unit, grapheme_len, graphemes, measure, safe_grapheme_len, utf8_len

VECTORS = Path(__file__).parent / "vectors"
FACETS = json.loads((VECTORS / "bluesky_facets.json").read_text(encoding="utf-8"))
LIMITS = json.loads((VECTORS / "bluesky_post_limits.json").read_text(encoding="utf-8"))
DETECTION = [v for v in FACETS if v["kind"] in ("segments", "tags", "cashtags")]
OFFSETS = [v for v in FACETS if v["kind"] == "utf16_to_utf8_index"]


def fake_resolver(handle: str) -> str:
    """The upstream test's mocked handle resolution."""
    return f"did:fake:{handle}"


def _by_type(text: str, facets: list[dict], kind: str) -> list[dict]:
    data = text.encode("utf-8")
    found = []
    for facet in facets:
        feature = facet["features"][0]
        if feature["$type"] != kind:
            continue
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        entry = {"byteStart": start, "byteEnd": end}
        if kind == richtext.LINK:
            entry |= {"text": data[start:end].decode("utf-8"), "uri": feature["uri"]}
        elif kind == richtext.MENTION:
            entry |= {"text": data[start:end].decode("utf-8"), "did": feature["did"]}
        else:
            entry |= {"tag": feature["tag"]}
        found.append(entry)
    return found


@pytest.mark.parametrize("vector", FACETS, ids=[v["id"] for v in FACETS])
def test_lengths(vector: dict) -> None:
    text = vector["text"]
    assert grapheme_len(text) == vector["grapheme_length"]
    assert len(graphemes(text)) == vector["grapheme_length"]
    assert utf8_len(text) == vector["byte_length"]
    # No Indic conjuncts in these texts, so the safe count agrees with Unicode 17.0.
    assert safe_grapheme_len(text) == vector["grapheme_length"]
    assert measure(text, Unit.GRAPHEMES) == vector["grapheme_length"]
    assert measure(text, Unit.UTF8_BYTES) == vector["byte_length"]


@pytest.mark.parametrize("vector", DETECTION, ids=[v["id"] for v in DETECTION])
def test_detect_facets(vector: dict) -> None:
    text = vector["text"]
    facets = richtext.detect_facets(text, resolve_handle=fake_resolver)
    links = _by_type(text, facets, richtext.LINK)
    mentions = _by_type(text, facets, richtext.MENTION)
    tags = _by_type(text, facets, richtext.TAG)
    if vector["kind"] == "cashtags":
        # The upstream cashtag test collects only $-tags.
        assert [t for t in tags if t["tag"].startswith("$")] == vector["expected_tags"]
        return
    if vector["kind"] == "tags":
        # The upstream tag test expects no facets other than the tags.
        assert tags == vector["expected_tags"]
        assert links == [] and mentions == []
        return
    assert links == vector["expected_links"]
    assert mentions == vector["expected_mentions"]
    assert tags == []
    pieces = [
        {"text": piece, "facet_target": None if f is None else f.get("uri") or f.get("did")}
        for piece, f in richtext.segments(text, facets)
    ]
    assert pieces == vector["expected_segments"]


@pytest.mark.parametrize("vector", OFFSETS, ids=[v["id"] for v in OFFSETS])
def test_utf16_to_utf8_offsets(vector: dict) -> None:
    # Upstream turns the link and mention entities into facets and drops the third kind.
    kept = [e for e in vector["utf16_entities"] if e["type"] in ("link", "mention")]
    ranges = [
        {
            "byteStart": richtext.utf16_to_utf8_offset(vector["text"], e["start"]),
            "byteEnd": richtext.utf16_to_utf8_offset(vector["text"], e["end"]),
        }
        for e in kept
    ]
    assert ranges == vector["expected_facet_byte_ranges"]


def test_mentions_without_resolver_are_left_out() -> None:
    text = "start @handle.com end"
    assert richtext.detect_facets(text) == []
    assert richtext.detect_mentions(text) == [richtext.MentionSpan("handle.com", 6, 17)]


def test_unresolved_mention_gets_no_facet() -> None:
    facets = richtext.detect_facets(
        "@a.com @b.com", resolve_handle=lambda h: None if h == "a.com" else "did:plc:b"
    )
    assert [(f["index"]["byteStart"], f["features"][0]["did"]) for f in facets] == [(7, "did:plc:b")]


def test_resolver_returning_a_non_did_is_an_error() -> None:
    with pytest.raises(ValueError, match="not a DID"):
        richtext.detect_facets("@a.com", resolve_handle=lambda h: "")


def test_post_limits_are_graphemes_and_bytes() -> None:
    assert LIMITS["maxGraphemes"] == 300 and LIMITS["maxLength"] == 3000
    at_limit = "é" * LIMITS["maxGraphemes"]  # 300 graphemes, 600 bytes
    assert measure(at_limit, Unit.GRAPHEMES) == LIMITS["maxGraphemes"]
    assert measure("€" * 1000, Unit.UTF8_BYTES) == LIMITS["maxLength"]


def test_link_facet_keeps_the_full_uri_behind_shortened_text() -> None:
    text = "Budget ✅ example.com/2026/bud…"
    start = text.index("example")
    facet = richtext.link_facet(text, start, len(text), "https://example.com/2026/budget-approved")
    assert facet["index"] == {"byteStart": 11, "byteEnd": len(text.encode("utf-8"))}
    assert facet["features"] == [{"$type": richtext.LINK, "uri": "https://example.com/2026/budget-approved"}]
    with pytest.raises(ValueError):
        richtext.link_facet(text, start, start, "https://example.com")
    with pytest.raises(ValueError):
        richtext.link_facet(text, start, len(text), "example.com/no-scheme")
