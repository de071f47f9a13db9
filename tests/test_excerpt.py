"""Excerpting: cut at the best boundary that fits, never inside a grapheme, URL, hashtag or mention."""

from __future__ import annotations

import pytest

from smmgen.text import measure
from smmgen.text.break_places import Rank, breaks
from smmgen.text.excerpt import ELLIPSIS, excerpt, is_cluster_prefix, split_head, strip_clusters


def chars(text: str) -> int:
    return len(text)


def weighted(text: str) -> int:
    return measure.measure(text, "weighted")


def test_text_that_fits_is_returned_unchanged_but_trimmed():
    assert excerpt("  Short and sweet.  ", 100, chars) == "Short and sweet."
    assert excerpt("", 10, chars) == ""


def test_a_whole_sentence_wins_over_more_words_when_it_is_long_enough():
    text = "The council met on Tuesday. It voted to build the tram line after a long debate."
    # The first sentence (27) is more than half of what a word cut could keep (49): cut there, no ellipsis.
    assert excerpt(text, 50, chars) == "The council met on Tuesday."


def test_a_word_cut_ends_with_an_ellipsis_and_no_dangling_punctuation():
    text = "Thousands were stranded, the union said, as ferries stayed in port from Piraeus to Rafina."
    cut = excerpt(text, 25, chars)
    assert cut == "Thousands were stranded" + ELLIPSIS
    assert len(cut) <= 25
    # The cut is the longest that fits: one more word would not.
    assert len("Thousands were stranded, the" + ELLIPSIS) > 25


def test_a_short_first_sentence_does_not_waste_the_budget():
    text = "No. The council voted on Tuesday to build the new tram line through the northern estates."
    cut = excerpt(text, 60, chars)
    assert cut.endswith(ELLIPSIS) and len(cut) > 40


def test_paragraph_breaks_are_the_best_place():
    text = "First paragraph is here.\n\nSecond paragraph. It goes on and on for quite a while longer."
    assert excerpt(text, 50, chars) == "First paragraph is here."


def test_never_inside_a_url():
    url = "https://example.com/a/very/long/path/that/goes/on/and/on"
    text = f"Read the report at {url} today"
    for budget in range(20, len(text)):
        cut = excerpt(text, budget, chars)
        assert len(cut) <= budget
        assert url in cut or "https" not in cut, (budget, cut)


def test_an_ellipsis_never_touches_a_url_hashtag_or_mention():
    for text in ("See https://example.com/report and more words follow here",
                 "Tagged #climate and more words follow here",
                 "Thanks @desk@news.example.com and more words follow here"):
        token = text.split()[1]
        head = text[: text.index(token) + len(token)]
        cut = excerpt(text, len(head) + 2, chars)
        assert cut == head + " " + ELLIPSIS


def test_never_inside_a_hashtag_or_mention():
    text = "Follow #ClimateSummit2026 and @reporter@news.example.com for updates"
    for budget in range(1, len(text) + 1):
        cut = excerpt(text, budget, chars).removesuffix(ELLIPSIS).rstrip()
        for token in ("#ClimateSummit2026", "@reporter@news.example.com"):
            if token[:3] in cut:
                assert token in cut, (budget, cut)


@pytest.mark.parametrize("cluster", [
    "👨‍👩‍👧‍👦",           # ZWJ family
    "👍🏽",                 # skin tone
    "🇬🇷",                  # flag
    "e\u0301\u0323",        # combining marks
    "क्षि",                 # Devanagari conjunct
])
def test_never_splits_a_grapheme_cluster(cluster):
    text = (cluster * 30)
    for budget in range(1, len(text) + 2):
        cut = excerpt(text, budget, chars)
        assert len(cut) <= budget
        body = cut.removesuffix(ELLIPSIS)
        assert is_cluster_prefix(body, text), (budget, cut)
        assert body == cluster * (len(body) // len(cluster))


def test_a_single_long_word_is_cut_between_graphemes_as_a_last_resort():
    text = "Donaudampfschifffahrtsgesellschaftskapitänsmütze"
    cut = excerpt(text, 20, chars)
    assert cut == text[:19] + ELLIPSIS


def test_nothing_fits_gives_empty():
    assert excerpt("Hello world", 0, chars) == ""


def test_cjk_is_cut_between_characters_but_not_before_closing_punctuation():
    first = "北部と港湾地区を結ぶ新しい高速鉄道路線が、来年3月に開業する見通しとなった。"
    text = first + "運営会社が18日に発表した。"
    for budget in range(4, 50):
        cut = excerpt(text, budget, weighted)
        assert weighted(cut) <= budget
        assert not cut.removesuffix(ELLIPSIS).endswith(("、", "。")) or not cut.endswith(ELLIPSIS)
        assert not cut.startswith(("、", "。"))
    # A whole CJK sentence is a sentence.
    assert excerpt(text, 80, weighted) == first


def test_the_measure_may_see_the_whole_post():
    # The caller measures the post around the candidate: the excerpt gets exactly the room that is left.
    frame = "Title\n\n{}\n\nhttps://news.example.com/story"

    def post(candidate: str) -> int:
        return weighted(frame.format(candidate))

    text = "The council voted on Tuesday to build a new tram line linking the estates with the harbour."
    cut = excerpt(text, 60, post)
    assert post(cut) <= 60
    assert weighted(frame.format(cut)) > 60 - 8    # and no room was wasted


def test_split_head_keeps_every_word():
    text = "One two three. Four five six seven. Eight nine ten eleven twelve."
    pieces = []
    rest = text
    while rest:
        head, rest = split_head(rest, 20, chars)
        assert head and len(head) <= 20
        pieces.append(head)
    assert " ".join(pieces).split() == text.split()


def test_breaks_rank_paragraphs_sentences_and_words():
    text = "One two. Three\n\nFour"
    ranks = {text[:sum(len(c) for c in measure.graphemes(text)[:b.clusters])]: b.rank for b in breaks(text)}
    assert ranks["One"] == Rank.WORD
    assert ranks["One two."] == Rank.SENTENCE
    assert ranks["One two. Three"] == Rank.PARAGRAPH
    assert ranks[text] == Rank.PARAGRAPH


def test_lowercase_after_a_period_is_no_sentence_end():
    text = "Prices rose, e.g. rents and food, sharply this year."
    assert all(b.rank == Rank.WORD for b in breaks(text)[:-1] if b.rank != Rank.GRAPHEME)


def test_strip_clusters_never_splits_a_cluster():
    # U+0600 (a prepended concatenation mark) joins the space after it into one cluster: stripping white
    # space character by character would split it.
    text = "word \u0600 "
    stripped = "".join(strip_clusters(measure.graphemes(text)))
    assert is_cluster_prefix(stripped, text)
