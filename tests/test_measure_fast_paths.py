"""The fast paths of the counting modules give what the plain definitions give, on any Unicode text: ASCII and
one-cluster-per-character shortcuts, the UTF-16 codec, X's weights counted by runs of a class. Texts mix
astral characters, ZWJ sequences, flags, combining marks, Hangul jamo, Indic conjuncts, CR LF and lone
surrogates (which no article can hold, as files are read as strict UTF-8, but a caller may pass)."""

from __future__ import annotations

import unicodedata

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.text import grapheme as gr
from smmgen.text import measure as m
from smmgen.text import x_weight as xw

PIECES = st.sampled_from([
    "a", " ", "\r\n", "\r", "\n", "é", "e\u0301", "\u0301", "\u0301\u0302", "Б", "東", "한", "\u1100\u1161\u11a8",
    "क\u094dष", "\u0915\u094d\u0937\u093f", "\u0600", "\u0e33", "\u200d", "\ufe0f", "\u20e3", "1\ufe0f\u20e3",
    "😀", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🏳\ufe0f\u200d🌈", "🇬🇷", "🇬", "\U000e0067", "\U0001d401",
    "\U000f0000", "\ud83d", "\ude00", "\udc00\ud800", "\ufffe", "\u2018", "\u2014", "\u3000", "\u00a0",
])
ANY_CHAR = st.characters(exclude_categories=())            # every code point, surrogates included
TEXTS = st.one_of(
    st.lists(st.one_of(PIECES, st.text(ANY_CHAR, max_size=3)), max_size=40).map("".join),
    st.text(ANY_CHAR, max_size=80),
    st.text(st.characters(max_codepoint=0x7F), max_size=80),  # the ASCII paths
)
EXAMPLES = settings(max_examples=400, deadline=None)

_CLUSTER = regex.compile(r"\X")


def utf16_units(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def safe_clusters(text: str) -> int:
    return sum(1 + gr._older_segmenter_breaks(c) for c in _CLUSTER.findall(text))


def weight_by_code_point(text: str, config: xw.XConfig) -> int:
    weight = xw._code_point_weight(config)
    return sum(weight(ch) for ch in text)


@EXAMPLES
@given(TEXTS)
def test_utf16_length_is_one_unit_per_code_point_and_two_above_the_bmp(text: str) -> None:
    assert m.utf16_len(text) == utf16_units(text)


@EXAMPLES
@given(TEXTS)
def test_cluster_shortcuts_agree_with_the_segmenter(text: str) -> None:
    clusters = _CLUSTER.findall(text)
    assert m.graphemes(text) == clusters
    assert m.grapheme_len(text) == len(clusters)
    assert m.safe_grapheme_len(text) == safe_clusters(text)


@EXAMPLES
@given(TEXTS)
def test_threads_length_agrees_with_its_definition_per_cluster(text: str) -> None:
    emoji = regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u20e3\ufe0f]")
    expected = sum(len(c.encode("utf-8", "surrogatepass")) if emoji.search(c) else utf16_units(c)
                   for c in _CLUSTER.findall(text))
    assert m.threads_length(text) == expected


# A configuration whose ranges split ASCII and give three weights: every branch of the run counting is taken.
SPLIT = xw.XConfig(ranges=((0, 0x40, 100), (0x41, 0x7F, 300), (0x400, 0x4FF, 50), (0x3000, 0x30FF, 100)))


@EXAMPLES
@given(TEXTS, st.sampled_from([xw.X_V3, xw.X_V2, SPLIT]))
def test_x_weights_counted_by_runs_are_the_sum_of_each_code_points(text: str, config: xw.XConfig) -> None:
    assert xw._code_points_weight(text, config) == weight_by_code_point(text, config)


@EXAMPLES
@given(TEXTS)
def test_x_length_of_text_without_urls_or_emoji_is_the_sum_of_its_weights(text: str) -> None:
    # The whole count, through NFC and the emoji and URL searches, on text where those find nothing.
    plain = regex.sub(r"[.\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3\ufe0f\U0001f3fb-\U0001f3ff]",
                      "", text)
    nfc = unicodedata.normalize("NFC", plain)
    if xw._emoji_spans(nfc):
        return                          # a sequence of other code points that X still counts as one emoji
    assert m.x_weighted_length(plain) == weight_by_code_point(nfc, xw.X_V3) // 100
