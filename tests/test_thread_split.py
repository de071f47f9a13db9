"""Splitting a long text into a numbered thread."""

from __future__ import annotations

import re

import pytest

from smmgen.text import measure
from smmgen.text.thread_split import split_thread

LINK = "https://news.example.com/2026/11/story/?utm_source=x"
TEXT_PARAGRAPHS = (
    'Council approves the new tram line',
    ('The city council voted on Tuesday to build a new tram line linking the northern estates with '
     'the harbour, ending a decade of argument over the route.'),
    ('Construction starts next spring and the line should open in 2029. The council expects 40,000 '
     'passengers a day once the line is complete, and says buses on three routes will be cut back.'),
    ('Opponents said the cost, now estimated at 310 million euros, had doubled since the first plans '
     'were drawn up, and that the money would be better spent on the existing network.'),
)
TEXT = "\n\n".join(TEXT_PARAGRAPHS)


def weighted(text: str) -> int:
    return measure.measure(text, "weighted")


def words(parts, link=LINK):
    text = " ".join(re.sub(r"\n\n\d+/\d+$", "", p) for p in parts).replace(link, " ")
    return [w for w in text.split() if not w.startswith("#")]


@pytest.mark.parametrize("position", ["first", "last"])
def test_every_part_fits_is_numbered_and_nothing_is_lost(position):
    thread = split_thread(TEXT, limit=140, cost=weighted, link=LINK, link_position=position)
    n = len(thread.parts)
    assert n > 2 and not thread.truncated
    for i, part in enumerate(thread.parts):
        assert weighted(part) <= 140
        assert part.endswith(f"\n\n{i + 1}/{n}")
    assert words(thread.parts) == TEXT.split()
    with_link = [i for i, p in enumerate(thread.parts) if LINK in p]
    assert with_link == [0 if position == "first" else n - 1] == [thread.link_part]


def test_parts_end_at_sentences_where_they_can():
    thread = split_thread(TEXT, limit=200, cost=weighted, link=LINK)
    for part in thread.parts[:-1]:
        body = re.sub(r"\n\n\d+/\d+$", "", part)
        assert body.endswith((".", "line")), part


def test_a_text_that_fits_stays_one_unnumbered_post_with_hashtags():
    thread = split_thread("Short news.", limit=280, cost=weighted, link=LINK, hashtags=("a", "b"))
    assert thread.parts == (f"Short news.\n\n{LINK}\n\n#a #b",)
    assert thread.hashtags == ("a", "b")


def test_hashtags_go_with_the_link_while_they_fit():
    tags = ("transport", "x" * 200, "city")
    thread = split_thread(TEXT, limit=140, cost=weighted, link=LINK, hashtags=tags)
    carrier = thread.parts[thread.link_part]
    assert "#transport" in carrier and "#city" not in carrier    # the first that does not fit ends the list
    assert thread.hashtags == ("transport",)


def test_max_parts_cuts_the_last_part_with_an_ellipsis():
    thread = split_thread(TEXT, limit=100, cost=weighted, link=LINK, max_parts=3)
    assert len(thread.parts) == 3 and thread.truncated
    assert LINK in thread.parts[-1]
    assert all(weighted(p) <= 100 for p in thread.parts)
    assert len(words(thread.parts)) < len(TEXT.split())
    assert words(thread.parts) == TEXT.split()[: len(words(thread.parts))]


def test_a_last_sentence_that_only_fits_alone_leaves_the_link_a_part_of_its_own():
    sentence = "Opponents said the cost had doubled since the first plans were drawn up last year."
    text = "Council approves the new tram line to the harbour.\n\n" + sentence
    thread = split_thread(text, limit=len(sentence) + 10, cost=len, link=LINK[:40])
    assert thread.parts[-2].startswith(sentence)
    assert thread.parts[-1] == f"{LINK[:40]}\n\n{len(thread.parts)}/{len(thread.parts)}"


def test_numbering_widens_past_nine_parts():
    text = " ".join(f"Sentence number {i} is here." for i in range(60))
    thread = split_thread(text, limit=60, cost=len, max_parts=25)
    assert len(thread.parts) > 9
    assert thread.parts[0].endswith(f"1/{len(thread.parts)}")
    assert all(len(p) <= 60 for p in thread.parts)


def test_without_a_link():
    thread = split_thread(TEXT, limit=150, cost=weighted)
    assert thread.link_part is None
    assert words(thread.parts) == TEXT.split()
