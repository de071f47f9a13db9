"""The excerpt does the least work that gives the plain algorithm's result: it segments only the start of a
text, finds places between words from the white space, lists places between any two clusters only as a last
resort and measures each head once. Here it is compared with the plain algorithm (tests/excerpt_oracle.py) on
random and on long crafted texts, with platform measures and with measures that do not grow with the text."""

from __future__ import annotations

import re
import sys
import zlib

import excerpt_oracle as oracle
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen.text import break_places as bp
from smmgen.text import excerpt as ex
from smmgen.text import measure

# --- measures -----------------------------------------------------------------------------------------------


def chars(text: str) -> int:
    return len(text)


def weighted(text: str) -> int:
    return measure.measure(text, "weighted")


def x_post(text: str) -> int:
    # What X's fit measures: the excerpt rendered between a headline and the link.
    return measure.measure(f"Council votes\n\n{text}\n\nhttps://news.example.com/2026/11/story", "weighted")


def erratic(text: str) -> int:
    # Does not grow with the text (a template could do anything): the searches must still probe the same heads.
    return len(text) + zlib.crc32(text.encode("utf-8", "surrogatepass")) % 97


def chaotic(text: str) -> int:
    # Anything from 0 to twice the length: heads that fit and heads that do not are interleaved everywhere.
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % (2 * len(text) + 1)


MEASURES = {
    "chars": chars,
    "utf16": measure.utf16_len,
    "graphemes": measure.safe_grapheme_len,
    "weighted": weighted,
    "mastodon": lambda t: measure.measure(t, "mastodon"),
    "threads": measure.threads_length,
    "x_post": x_post,
    "erratic": erratic,
    "chaotic": chaotic,
}

# --- texts --------------------------------------------------------------------------------------------------

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJÄÖÜäöüßéабвгдеёжзийкл", min_size=1, max_size=12)
CJK = st.text(alphabet="北部港湾地区高速鉄道路線開業見通しとなった。、「」ー！？（）한국어", min_size=1, max_size=30)
ODD = st.sampled_from([
    "👨‍👩‍👧‍👦", "👍🏽", "🇬🇷🇩🇪🇫", "🏳️‍🌈", "❤️", "1️⃣", "e\u0301", "क्षि", "\u0600 ", "\u0600\u0661", "\r\n", "\r",
    "https://example.com/a/b?c=d", "example.org", "news.example.com/x.", "e.g.", "3.5%", "word...", "#Tag", "@ann",
    "@ann@mastodon.social", "＃タグ", "gemini://x.y/z", " \u0301", "\u3000", "\t", "\u00a0", "\u2028", "\u0085",
])
PUNCT = st.sampled_from([".", ",", "!", "?", "…", "—", "(", ")", "\"", "”", "»", ":", ";", "&", "-", "/"])
TOKEN = st.one_of(WORDS, WORDS, WORDS, CJK, ODD, PUNCT, st.text(max_size=4))
SEPARATOR = st.sampled_from([" ", " ", " ", " ", ". ", ", ", "\n", "\n\n", "", " \n ", "\u3000", ". \n\n"])


@st.composite
def texts(draw, max_tokens: int = 60) -> str:
    tokens = draw(st.lists(st.tuples(TOKEN, SEPARATOR), max_size=max_tokens))
    text = "".join(t + s for t, s in tokens)
    # Repeated, the text is long enough for the bound to matter at small budgets, yet cheap to draw.
    return text * draw(st.integers(1, 12))


budgets = st.integers(-1, 700)
measures = st.sampled_from(sorted(MEASURES))

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(texts(), budgets, measures, st.sampled_from([ex.ELLIPSIS, "", "..."]), st.sampled_from([0.5, 0.0, 1.0]))
def test_excerpt_is_the_plain_algorithms(text, budget, name, ellipsis, prefer):
    m = MEASURES[name]
    assert ex.excerpt(text, budget, m, ellipsis=ellipsis, prefer=prefer) == \
        oracle.excerpt(text, budget, m, ellipsis=ellipsis, prefer=prefer)


@FAST
@given(texts(), budgets, measures, st.sampled_from(list(bp.Rank)), st.booleans())
def test_split_head_is_the_plain_algorithms(text, budget, name, min_rank, protect):
    m = MEASURES[name]
    assert ex.split_head(text, budget, m, min_rank=min_rank, protect=protect) == \
        oracle.split_head(text, budget, m, min_rank=min_rank, protect=protect)


@FAST
@given(texts(), budgets, measures, st.sampled_from(list(bp.Rank)))
def test_choose_is_the_plain_algorithms(text, budget, name, min_rank):
    m = MEASURES[name]
    assert ex.choose(text, budget, m, min_rank=min_rank) == oracle.choose(text, budget, m, min_rank=min_rank)


@FAST
@given(texts(max_tokens=30), st.none() | st.integers(0, 400), st.booleans())
def test_breaks_are_the_plain_algorithms(text, upto, protect):
    assert bp.breaks(text, upto=upto, protect=protect) == oracle.breaks(text, upto=upto, protect=protect)


@settings(max_examples=400, deadline=None)
@given(texts(max_tokens=30), st.booleans())
def test_the_places_between_words_are_found_from_the_white_space(text, protect):
    clusters = measure.graphemes(text)
    if not clusters:
        return
    offsets = bp.cluster_offsets(clusters)
    forbidden = bp.inside_spans(bp.protected_spans(text)) if protect else set()
    last = len(clusters) - 1
    expected = [p for p in bp.scan_places(text, clusters, offsets, last, forbidden) if p[1] >= bp.Rank.WORD]
    assert bp.word_places(text, clusters, offsets, last, forbidden) == expected


# --- long crafted articles: the platforms' budgets in their own units ------------------------------------------

LATIN = ("The council met on Tuesday (again). It voted 31-12 to build the tram line, see news.example.com/tram "
         "or #HarbourCity and @desk@news.example for more… Residents said: “We waited long enough!” e.g. the "
         "ferry, the bridge and 3.5% more.\n\n")
CYRILLIC = "Городской совет собрался во вторник. Он проголосовал за новую линию трамвая, сообщил мэр.\n\n"
CJK_TEXT = "北部港湾地区の高速鉄道路線は、二〇二六年に開業する見通しとなった。「市民の足」として期待される！\n\n"
EMOJI = "Fans 👨‍👩‍👧‍👦 cheered 🇬🇷🇩🇪 as the team 👍🏽 won — क्षि e\u0301 again 🏳️‍🌈.\r\n"
ARTICLES = {
    "latin": LATIN * 40,
    "cyrillic": CYRILLIC * 60,
    "cjk": CJK_TEXT * 80,
    "emoji": EMOJI * 60,
    "mixed": (LATIN + CJK_TEXT + EMOJI + CYRILLIC) * 15,
    "one-paragraph": LATIN.replace("\n", " ") * 30,
    "no-spaces": "北部港湾地区の高速鉄道路線" * 300,
}


@pytest.mark.parametrize("article", sorted(ARTICLES))
@pytest.mark.parametrize("budget", [60, 280, 500, 1024, 4096])
def test_long_articles_are_cut_as_the_plain_algorithm_cuts_them(article, budget):
    text = ARTICLES[article]
    for name in ("utf16", "weighted", "graphemes", "x_post", "erratic", "chaotic"):
        m = MEASURES[name]
        assert ex.excerpt(text, budget, m) == oracle.excerpt(text, budget, m), name
        assert ex.split_head(text, budget, m) == oracle.split_head(text, budget, m), name


def test_a_long_article_is_cut_without_segmenting_all_of_it():
    text = LATIN * 200                                      # about 45,000 characters
    clusters = ex._Clusters(text, ex._hint(600))
    head, kept = ex._choose(clusters, 600, measure.utf16_len, ellipsis=ex.ELLIPSIS, prefer=0.5,
                            min_rank=bp.Rank.GRAPHEME, protect=True)
    assert head == oracle.excerpt(text, 600, measure.utf16_len)
    assert not clusters.complete and clusters.offsets[-1] < 4000


# --- the facts the shortcuts rest on --------------------------------------------------------------------------

NASTY = st.text(alphabet=st.sampled_from(
    list("ab \n\r\t.") + ["\u0301", "\u200d", "\ufe0f", "\u0600", "\u0915", "\u094d", "\u0937", "\U0001f1ec",
                          "\U0001f1f7", "\U0001f468", "\U0001f469", "\U0001f3fd", "\u1100", "\u1161", "\u11a8",
                          "\u3000", "\U000e0067", "\U0001f3f4", "\u0e33", "\U0001faf0", "\u0085"]),
    max_size=80)


@settings(max_examples=500, deadline=None)
@given(NASTY, st.integers(0, 80))
def test_a_prefix_is_segmented_as_the_whole_text_up_to_its_last_cluster(text, cut):
    whole = measure.graphemes(text)
    clusters = ex._Clusters(text, hint=1)
    clusters._segment(cut)
    assert clusters.items == whole[: len(clusters.items)]
    assert list(clusters.offsets) == bp.cluster_offsets(clusters.items)
    assert clusters.complete == (cut >= len(text))
    if clusters.complete:
        assert clusters.items == whole
    assert clusters.count() == len(whole) and clusters.items == whole


def test_the_white_space_pattern_finds_every_character_python_calls_space():
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert spaces and all(bp._ISSPACE_CHAR.match(c) for c in spaces)


# --- a floor: a text longer than the budget is not measured whole -------------------------------------------------

# Measures that count every character at least once, with ``len`` as their floor (``measure.code_point_floor``);
# "erratic" does not grow with the text but never counts less than its length either.
FLOORED = {
    "chars": chars,
    "utf16": measure.utf16_len,
    "utf8": measure.utf8_len,
    "threads": measure.threads_length,
    "erratic": erratic,
}


@FAST
@given(texts(), budgets, st.sampled_from(sorted(FLOORED)), st.sampled_from([ex.ELLIPSIS, ""]),
       st.sampled_from(list(bp.Rank)))
def test_a_floor_changes_no_cut(text, budget, name, ellipsis, min_rank):
    m = FLOORED[name]
    if name == "utf8" and any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return                                              # no UTF-8 length: no article holds one
    assert ex.excerpt(text, budget, m, ellipsis=ellipsis, floor=len) == oracle.excerpt(text, budget, m, ellipsis=ellipsis)
    assert ex.split_head(text, budget, m, min_rank=min_rank, floor=len) == \
        oracle.split_head(text, budget, m, min_rank=min_rank)


@pytest.mark.parametrize("article", sorted(ARTICLES))
@pytest.mark.parametrize("budget", [60, 400, 600, 4096])
def test_with_a_floor_a_long_body_is_measured_only_as_far_as_it_can_fit(article, budget):
    text = ARTICLES[article] * 3                            # 12,000 to 60,000 characters
    for name in ("utf16", "threads", "erratic"):
        longest = 0

        def recorded(head: str, m=FLOORED[name]) -> int:
            nonlocal longest
            longest = max(longest, len(head))
            return m(head)

        assert ex.excerpt(text, budget, recorded, floor=len) == oracle.excerpt(text, budget, FLOORED[name]), name
        # The probes double from 64 clusters: the one that shows the budget exceeded ends by about twice the
        # budget, and no other head is measured.
        assert longest <= 2 * budget + 200 < len(text), name


@pytest.mark.parametrize("unit", list(measure.Unit))
def test_the_floor_of_a_unit_is_never_above_its_count(unit):
    floor = measure.code_point_floor(unit)
    samples = [t for texts_ in (ARTICLES.values(), [EMOJI, "1\ufe0f\u20e3 e\u0301 \U0001d401 क्षि 🇬🇷 \r\n", "\ud83d\ufe0f"])
               for t in texts_]
    if floor is None:
        assert unit in (measure.Unit.WEIGHTED, measure.Unit.MASTODON, measure.Unit.GRAPHEMES)
        return
    for text in samples:
        if unit == measure.Unit.UTF8_BYTES and "\ud83d" in text:
            continue
        assert floor(text) <= measure.measure(text, unit)


def test_letters_and_digits_are_what_python_calls_alphanumeric():
    # ``_ODD_SPACE`` tells a space before a letter or digit by [^\W_]; _rank_at_space asks str.isalnum().
    alnum = re.compile(r"[^\W_]")
    assert [c for c in range(sys.maxunicode + 1) if bool(alnum.match(chr(c))) != chr(c).isalnum()] == []


@settings(max_examples=400, deadline=None)
@given(texts(max_tokens=30))
def test_only_odd_spaces_may_rank_better_than_a_word(text):
    odd = bp._odd_spaces(text, len(text))
    for pos in range(1, len(text)):
        if text[pos].isspace() and not text[pos - 1].isspace() and pos not in odd:
            assert bp._rank_at_space(text, pos) == bp.Rank.WORD
