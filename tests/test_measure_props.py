"""Property tests for smmgen.text.measure and smmgen.text.richtext."""

from __future__ import annotations

import html
import unicodedata

import regex
import twitter_text_oracle as reference
from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.text import grapheme as gr
from smmgen.text import mastodon_count as mc
from smmgen.text import measure as m
from smmgen.text import richtext
from smmgen.text import x_weight as xw

# Pieces that exercise every rule: URLs and domains, mentions, hashtags, emoji sequences, combining marks,
# scripts with conjuncts, CJK, the reserved characters of LinkedIn and HTML, line breaks, odd spaces.
# fmt: off
PIECES = [
    "a", "Z", "7", " ", "  ", "\n", "\r\n", "\t", "\u00a0", "\u3000", ".", ",", "!", "?", ":", "/", "-", "_",
    "(", ")", "[", "]", "{", "}", "<", ">", "&", '"', "'", "\\", "|", "*", "~", "#", "@", "$", "＃",
    "https://", "http://", "example.com", "www.example.org", "t.co/abc", "/path", "?q=1", "#frag",
    "@alice", "@alice@mastodon.social", "#news", "$AAPL", "bsky.app",
    "é", "e\u0301", "A\u030a", "Ω", "Б", "ж", "東", "京", "한", "ا", "ש",
    "क", "\u094d", "ष", "त", "र", "ि", "\u200d", "\u200b", "\ufe0f", "\u20e3",
    "😀", "👍", "🏽", "👨\u200d👩\u200d👧\u200d👦", "🇺", "🇦", "❤", "🔥", "©", "1\ufe0f\u20e3", "\U0001d401",
    "🧑🏽\u200d🤝\u200d🧑🏻", "🏃\u200d♀", "العربية", "—",
]
# fmt: on
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.text(max_size=60),
)
# st.text() already leaves out lone surrogates; this says so where UTF-8 encoding depends on it.
encodable = texts.filter(lambda t: not any(0xD800 <= ord(c) <= 0xDFFF for c in t))

FAST = settings(max_examples=300, deadline=None)
SLOW = settings(max_examples=100, deadline=None)


@FAST
@given(texts)
def test_x_length_is_nfc_invariant(text: str) -> None:
    length = m.x_weighted_length(text)
    assert m.x_weighted_length(unicodedata.normalize("NFD", text)) == length
    assert m.x_weighted_length(unicodedata.normalize("NFC", text)) == length


@FAST
@given(texts)
def test_x_fast_path_agrees_with_full_parse(text: str) -> None:
    assert m.x_weighted_length(text) == m.x_count(text).weighted_length
    assert m.x_weighted_length(text, m.X_V2) == m.x_count(text, m.X_V2).weighted_length


def _counted_higher_by_javascript(text: str) -> bool:
    nfc = unicodedata.normalize("NFC", text)
    return any(seq in nfc for seq in xw._emoji_table().split)


@SLOW
@given(encodable.filter(lambda t: "\r" not in t and not _counted_higher_by_javascript(t)))
def test_x_length_matches_reference_port(text: str) -> None:
    # twitter-text-parser folds CR LF into LF before counting; apart from that, and the emoji sequences
    # twitter-text's JavaScript counts higher (tests/test_vectors_twitter.py), we count alike.
    assert m.x_weighted_length(text) == reference.parse_tweet(text).weightedLength


@FAST
@given(texts)
def test_x_length_never_below_reference_port(text: str) -> None:
    assert m.x_weighted_length(text) >= reference.parse_tweet(text).weightedLength


@FAST
@given(texts)
def test_url_spans_match_whole_text_extraction(text: str) -> None:
    expected = [tuple(u["indices"]) for u in reference.extract_urls_with_indices(text)]
    assert m.x_urls(text) == expected


@FAST
@given(texts)
def test_mastodon_url_spans_match_whole_text_search(text: str) -> None:
    # The runs between ASCII spaces are searched one by one for speed; searching the whole text must agree.
    from twitter_text.regexp.valid_tco_url import valid_tco_url

    whole = mc._scheme_urls(text, valid_tco_url) if "://" in text else []
    assert mc._mastodon_url_entities(text) == whole


@FAST
@given(texts)
def test_graphemes_join_back_to_text(text: str) -> None:
    assert "".join(m.graphemes(text)) == text
    assert m.grapheme_len(text) == len(m.graphemes(text))


@FAST
@given(texts, texts)
def test_grapheme_count_adds_up_over_cluster_boundaries(left: str, right: str) -> None:
    clusters = m.graphemes(left + right)
    cut = len(clusters) // 2
    head, tail = "".join(clusters[:cut]), "".join(clusters[cut:])
    assert m.grapheme_len(head) + m.grapheme_len(tail) == m.grapheme_len(head + tail)


@FAST
@given(encodable)
def test_safe_counts_never_undercount(text: str) -> None:
    graphemes = m.grapheme_len(text)
    assert m.safe_grapheme_len(text) >= graphemes
    assert len(text) >= m.safe_grapheme_len(text) or "\r\n" in text
    assert m.utf16_len(text) >= len(text)
    assert m.threads_length(text) >= m.utf16_len(text)
    assert m.measure(text, m.Unit.CHARACTERS) >= max(len(text), graphemes)


def _blank(text: str) -> bool:
    return regex.fullmatch(r"\p{White_Space}*", text) is not None


@FAST
@given(texts.filter(lambda t: "://" not in t and "@" not in t))
def test_mastodon_without_links_or_mentions_counts_safe_graphemes(text: str) -> None:
    expected = 0 if _blank(text) else m.safe_grapheme_len(text)
    assert m.mastodon_length(text) == expected
    # A content warning ending in a line break adds exactly its own length (no cluster spans a LF).
    assert m.mastodon_length(text, spoiler="CW\n") == expected + 3


@FAST
@given(texts.filter(lambda t: not _blank(t)))
def test_mastodon_url_counts_url_length(text: str) -> None:
    url = "https://example.com/some/long/article-path-2026"
    for url_length in (23, 40):
        base = m.mastodon_length(text + "\n", url_length=url_length)
        assert m.mastodon_length(text + "\n" + url, url_length=url_length) == base + url_length


@FAST
@given(texts)
def test_linkedin_escape_round_trips(text: str) -> None:
    escaped = m.linkedin_escape(text)
    assert m.linkedin_unescape(escaped) == text
    # Reading the escaped text as little does, no reserved character is left unescaped.
    i = 0
    while i < len(escaped):
        if escaped[i] == "\\":
            assert escaped[i + 1] in m.LINKEDIN_RESERVED
            i += 2
        else:
            assert escaped[i] not in m.LINKEDIN_RESERVED
            i += 1


@FAST
@given(texts)
def test_telegram_escape_round_trips(text: str) -> None:
    escaped = m.telegram_html_escape(text)
    assert html.unescape(escaped) == text
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped


@FAST
@given(encodable)
def test_facets_are_valid_and_disjoint(text: str) -> None:
    facets = richtext.detect_facets(text, resolve_handle=lambda handle: f"did:plc:{len(handle)}")
    data = text.encode("utf-8")
    previous_end = 0
    for facet in facets:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert previous_end <= start < end <= len(data)
        data[start:end].decode("utf-8")  # never cuts inside a character
        feature = facet["features"][0]
        if feature["$type"] == richtext.LINK:
            assert regex.match(r"(?i)https?://[^\s/]", feature["uri"])
        previous_end = end
    assert "".join(piece for piece, _ in richtext.segments(text, facets)) == text


@FAST
@given(texts, st.sampled_from(list(m.Unit)))
def test_measure_dispatches(text: str, unit: m.Unit) -> None:
    direct = {
        m.Unit.WEIGHTED: m.x_weighted_length,
        m.Unit.GRAPHEMES: m.safe_grapheme_len,
        m.Unit.MASTODON: m.mastodon_length,
        m.Unit.THREADS: m.threads_length,
        m.Unit.UTF16: m.utf16_len,
        m.Unit.CHARACTERS: m.utf16_len,
        m.Unit.UTF8_BYTES: lambda t: len(t.encode("utf-8")),
    }[unit]
    assert m.measure(text, unit.value) == direct(text)


def _emoji_spans_one_by_one(segment: str) -> list[tuple[int, int]]:
    # The plain loop: at every code point, the longest sequence that starts there.
    table = xw._emoji_table()
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(segment):
        for length in table.lengths_by_first.get(segment[i], ()):
            if i + length <= len(segment) and segment[i : i + length] in table.sequences:
                spans.append((i, i + length))
                i += length
                break
        else:
            i += 1
    return spans


@FAST
@given(texts)
def test_shortcuts_count_what_the_plain_loops_count(text: str) -> None:
    # safe_grapheme_len looks inside clusters only when one holds more than one character.
    plain = sum(1 + (gr._older_segmenter_breaks(c) if len(c) > 1 else 0) for c in m.graphemes(text))
    assert m.safe_grapheme_len(text) == plain
    # Emoji are searched from one possible first code point to the next.
    assert xw._emoji_spans(text) == _emoji_spans_one_by_one(text)


@FAST
@given(st.lists(st.sampled_from(["word", "word.", "e.g.", "example.com", "x.y.", "...", ".", "a.b", "3.5%",
                                 "(see example.org)", "t.co/abc.", " ", "  ", "\n", "\u3000", "\u00a0"]),
                max_size=30).map("".join))
def test_runs_without_a_dot_inside_hold_no_url(text: str) -> None:
    # Only runs with a '.' followed by more of the run are searched for URLs; the whole text agrees.
    expected = [tuple(u["indices"]) for u in reference.extract_urls_with_indices(text)]
    assert m.x_urls(text) == expected


@FAST
@given(texts)
def test_text_without_joining_characters_is_one_cluster_per_character(text: str) -> None:
    # graphemes() skips the segmenter when no character can join another; it must agree with it.
    assert m.graphemes(text) == gr._GRAPHEME.findall(text)
    assert m.grapheme_len(text) == len(gr._GRAPHEME.findall(text))


def test_no_character_outside_the_joining_class_joins_another() -> None:
    # Every code point up to U+FFFF that the fast test lets through stays a cluster of its own next to
    # itself, a letter, a Hangul syllable (LV, LVT), an Indic consonant, a line feed and a space.
    may_join = gr._may_join()
    partners = ("a", "가", "각", "क", "\n", " ")
    for cp in range(0x10000):
        ch = chr(cp)
        if may_join.match(ch):
            continue
        text = ch + ch + "".join(p + ch for p in partners)
        assert gr._GRAPHEME.findall(text) == list(text), hex(cp)
