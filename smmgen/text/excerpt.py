"""Excerpts that read well: plain text cut to a budget, at the best boundary that fits.

The budget is in whatever unit the caller's ``measure`` counts (X's weighted length, graphemes, UTF-16 units),
and
``measure`` may look at more than the excerpt: a platform passes a function that renders the whole post around
the candidate and measures that, so the excerpt fits exactly the room the post leaves.

Where a cut may fall, best first: between paragraphs, after a sentence, between words (also between two CJK
characters, which have no spaces), and as a last resort between any two grapheme clusters. Never inside a
grapheme cluster (an emoji sequence, a letter with its accents), a URL, a hashtag or a mention. A cut between
words ends with an ellipsis; a cut after a whole sentence or paragraph needs none.

A cut keeps a few hundred clusters of a text that may run to thousands, and every platform cuts the same
article, so the work is kept to the start of the text: it is segmented only as far as the budget can reach
(``_Clusters``, ``_reach``), the places between words are found from its white space instead of by looking at
every cluster, the places between any two clusters are listed only when no better one fits, and each candidate
is measured once. The result is the one the plain algorithm (``breaks`` over the whole text) gives.

A caller whose ``measure`` counts every character at least once (UTF-16 units, UTF-8 bytes: see
``measure.code_point_floor``) passes that lower bound as ``floor``; then a text longer than the budget is never
measured whole, nor any head longer than the budget: the bound already says it does not fit (``_fits``). (A
text without white space, which gives ``_reach`` no place to stop, is still segmented whole, as the plain
algorithm does.)
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import accumulate

import regex

from smmgen.text import measure as _measure

ELLIPSIS = "…"

Measure = Callable[[str], int]
Floor = Callable[[str], int] | None


class Rank(IntEnum):
    """How good a place to cut is; higher is better."""

    GRAPHEME = 0
    WORD = 1
    SENTENCE = 2
    PARAGRAPH = 3


@dataclass(frozen=True)
class Break:
    """A place to cut: keep the first ``clusters`` grapheme clusters."""

    clusters: int
    rank: Rank


# Inside this module a place is a plain ``(clusters, rank)`` pair: a cut lists hundreds and looks at a few.
_Place = tuple[int, Rank]
_GRAPHEME, _WORD, _SENTENCE, _PARAGRAPH = Rank.GRAPHEME, Rank.WORD, Rank.SENTENCE, Rank.PARAGRAPH


# --- what must not be cut -----------------------------------------------------------------------------------

# Anything with a scheme up to the next space (also schemes X does not know, such as gemini://).
_SCHEME_URL = regex.compile(r"[a-z][a-z0-9+.-]*://\S+", regex.IGNORECASE)
_HASHTAG = regex.compile(r"[#\uff03][\p{L}\p{M}\p{N}_]+")
_NAME = r"[\p{L}\p{M}\p{N}_.-]*[\p{L}\p{M}\p{N}_]"
_MENTION = regex.compile(rf"[@\uff20]{_NAME}(?:@{_NAME})?")


def protected_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` character spans of URLs, hashtags and mentions in ``text``, merged and sorted."""
    spans = list(_measure.x_urls(text))
    spans += [m.span() for m in _SCHEME_URL.finditer(text)]
    spans += [m.span() for m in _HASHTAG.finditer(text)]
    spans += [m.span() for m in _MENTION.finditer(text)]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(spans: Sequence[tuple[int, int]]) -> set[int]:
    """The offsets strictly inside ``spans``: where a cut would split a URL, hashtag or mention."""
    inside: set[int] = set()
    for start, end in spans:
        inside.update(range(start + 1, end))
    return inside


# --- the clusters a cut looks at ----------------------------------------------------------------------------

class _Clusters:
    """The grapheme clusters at the start of ``text``, segmented only as far as they are asked for.

    ``items`` are always the text's own first clusters, as ``measure.graphemes(text)`` gives them, and
    ``offsets`` their boundaries (``cluster_offsets``); ``complete`` says whether they are all of them.
    """

    def __init__(self, text: str, hint: int = 1024) -> None:
        self.text = text
        self.items: list[str] = []
        self.offsets: Sequence[int] = [0]
        self.complete = not text
        self._chars = 0                  # how much of the text was segmented
        self._hint = hint                # how much to segment at first

    def _segment(self, chars: int) -> None:
        self._chars = chars
        self.complete = chars >= len(self.text)
        items = _measure.graphemes(self.text[:chars])
        if not self.complete:
            # Whether a cluster ends at a position depends only on the characters before it and the one after
            # it (UAX #29), so the boundaries found in a prefix are the text's own; only the prefix's last
            # cluster may go on beyond it, so it is left out.
            del items[-1:]
        self.items = items
        # One character per cluster (most text): cluster k starts at character k.
        one_each = len(items) == (len(self.text) if self.complete else chars - 1)
        self.offsets = range(len(items) + 1) if one_each else cluster_offsets(items)

    def ensure(self, count: int) -> bool:
        """Segment at least ``count`` clusters, if the text has that many; whether it has."""
        while len(self.items) < count and not self.complete:
            self._segment(max(2 * self._chars, self._hint, 2 * count + 64))
        return len(self.items) >= count

    def count(self) -> int:
        """How many clusters the whole text has."""
        if not self.complete:
            self._segment(len(self.text))
        return len(self.items)

    def next_stop(self, k: int) -> int | None:
        """The index of the first probe stop (``_PROBE_STOPS``) from cluster ``k`` on; None if there is none."""
        i = k
        while self.ensure(i + 1):
            items = self.items
            for i in range(i, len(items)):
                if items[i] in _PROBE_STOPS:
                    return i
            i = len(items)
        return None


def _hint(budget: int) -> int:
    # Characters to segment at first: in every unit we know a character counts at least 1 (URLs aside), and
    # ``_reach`` looks up to about twice as far as a budget reaches. Only speed depends on it.
    return 2 * max(budget, 0) + 256


# --- where a cut may fall -----------------------------------------------------------------------------------

_CJK_SENTENCE_END = frozenset("。！？")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]")
_CJK_RUN = regex.compile(_CJK.pattern + "+")
# Japanese and Chinese line-breaking rules (kinsoku): never start a piece with closing punctuation, a small
# kana or the long-vowel mark, never end one with an opening bracket.
_NO_BREAK_BEFORE = frozenset("、。，．・：；？！）」』】〕〉》”’ー…‥"
                             "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_NO_BREAK_AFTER = frozenset("（「『【〔〈《“‘")
_LOWER_START = regex.compile(r"\s*\p{Ll}")
# The standard library's \s is exactly the characters for which str.isspace() holds.
_ISSPACE_CHAR = re.compile(r"\s")
_SPACE_AFTER_OTHER = re.compile(r"(?<=\S)\s")

# Punctuation that reads badly right before an ellipsis ("stranded, …"); dropped at a word cut.
_DANGLING = frozenset(",;:–—-‐/&+(（[{«“‘\"'、，")


def breaks(text: str, clusters: Sequence[str] | None = None, upto: int | None = None, *,
           protect: bool = True) -> list[Break]:
    """Every place ``text`` may be cut, in order, with its rank. The last one keeps the whole text.

    With ``upto`` (a number of clusters that ends at a space), only the places up to there are listed.
    ``protect=False`` also lists places inside URLs, hashtags and mentions (a last resort, see
    ``split_head``).
    """
    clusters = list(clusters if clusters is not None else _measure.graphemes(text))
    if not clusters:
        return []
    upto = len(clusters) if upto is None else min(upto, len(clusters))
    offsets = cluster_offsets(clusters)
    forbidden = _inside(protected_spans(text[: offsets[upto]])) if protect else set()
    out = [Break(k, rank) for k, rank in _scan(text, clusters, offsets, min(upto, len(clusters) - 1), forbidden)]
    if upto == len(clusters):
        out.append(Break(len(clusters), Rank.PARAGRAPH))
    return out


def _scan(text: str, clusters: Sequence[str], offsets: Sequence[int], last: int,
          forbidden: set[int]) -> list[_Place]:
    """The places between clusters 1 and ``last`` (inclusive), looking at every cluster."""
    out: list[_Place] = []
    cjk = _CJK.match
    for k in range(1, last + 1):
        pos = offsets[k]
        if pos in forbidden:
            continue
        prev, nxt = clusters[k - 1], clusters[k]
        if prev.isspace():
            continue                       # the cut after the word before this space covers it
        if nxt.isspace():
            out.append((k, _rank_at_space(text, pos)))
        elif cjk(prev) or cjk(nxt):
            if nxt[0] in _NO_BREAK_BEFORE or prev[-1] in _NO_BREAK_AFTER:
                out.append((k, _GRAPHEME))
            elif prev[-1] in _CJK_SENTENCE_END:
                out.append((k, _SENTENCE))
            else:
                out.append((k, _WORD))
        else:
            out.append((k, _GRAPHEME))
    return out


def _word_places(text: str, clusters: Sequence[str], offsets: Sequence[int], last: int,
                 forbidden: set[int]) -> list[_Place]:
    """The places of ``_scan`` that rank WORD or better.

    Outside CJK text those are only where white space starts after a word, so only the white space is looked
    at (a place between two other clusters ranks GRAPHEME). CJK text has a place between most characters: in
    text of one character per cluster, its runs are looked at (``_cjk_places``), elsewhere every cluster is.
    """
    head = text[: offsets[last + 1]]
    one_each = offsets[last + 1] == last + 1
    cjk = _CJK.search(head) is not None
    if cjk and not one_each:
        return [p for p in _scan(text, clusters, offsets, last, forbidden) if p[1] >= _WORD]
    if not last:
        return []
    # Most places are one space between two words, which rank WORD; only the others are looked at closer.
    odd = _odd_spaces(text, len(head))
    if one_each:
        # Every cluster one character: cluster k starts at offset k, and a white-space character after one
        # that is not is exactly a white-space cluster after one that is not.
        spaces = [(pos, _rank_at_space(text, pos) if pos in odd else _WORD)
                  for m in _SPACE_AFTER_OTHER.finditer(head, 1) if (pos := m.start()) not in forbidden]
        return sorted(spaces + _cjk_places(text, head, last, forbidden)) if cjk else spaces
    out: list[_Place] = []
    # A white-space cluster starts with a white-space character; the checks below are those of ``_scan``.
    for m in _ISSPACE_CHAR.finditer(head, offsets[1]):
        pos = m.start()
        k = bisect_left(offsets, pos)
        if (offsets[k] == pos and pos not in forbidden and clusters[k].isspace()
                and not clusters[k - 1].isspace()):
            out.append((k, _rank_at_space(text, pos) if pos in odd else _WORD))
    return out


def _cjk_places(text: str, head: str, last: int, forbidden: set[int]) -> list[_Place]:
    """The places of ``_scan`` that rank WORD or better next to a CJK character and before no white space, in
    ``head``, text of one character per cluster: the places at the start, inside and at the end of each run of
    CJK characters, with ``_scan``'s checks (the places before white space are ``_word_places``' own)."""
    out: list[_Place] = []
    for run in _CJK_RUN.finditer(head):
        for k in range(max(run.start(), 1), min(run.end(), last) + 1):
            prev, nxt = text[k - 1], text[k]
            if (k in forbidden or prev.isspace() or nxt.isspace() or nxt in _NO_BREAK_BEFORE
                    or prev in _NO_BREAK_AFTER):
                continue
            out.append((k, _SENTENCE if prev in _CJK_SENTENCE_END else _WORD))
    return out


def _odd_spaces(text: str, end: int) -> set[int]:
    """The positions before ``end`` where ``_rank_at_space`` may rank better than WORD: every white space except
    one space after a character that is no closer or sentence mark and before a letter or digit (its first
    test). The one character after ``end`` is looked at too, as ``_rank_at_space`` does."""
    return {m.start() for m in _ODD_SPACE.finditer(text, 0, end + 1) if m.start() < end}


_SPACE_RUN = regex.compile(r"\s+")
_CLOSERS = frozenset("\"'”’»)]」』）")
_SENTENCE_MARKS = frozenset(".!?…。！？‼⁇⁈⁉")
# The white space ``_rank_at_space`` does not settle at its first test; [^\W_] is str.isalnum (the tests check).
_ODD_SPACE = re.compile("[^\\S ]| (?![^\\W_])|(?<=[" + re.escape("".join(sorted(_CLOSERS | _SENTENCE_MARKS))) + "]) ")


def _rank_at_space(text: str, pos: int) -> Rank:
    if text[pos] == " " and text[pos - 1] not in _CLOSERS and text[pos - 1] not in _SENTENCE_MARKS \
            and text[pos + 1:pos + 2].isalnum():
        return _WORD                       # the common case, decided as below: one space between two words
    gap = _SPACE_RUN.match(text, pos)
    whitespace = gap.group(0) if gap else ""
    if whitespace.count("\n") >= 2:
        return Rank.PARAGRAPH
    # A sentence ends at . ! ? … (and their CJK forms), perhaps followed by closing quotes or brackets, when
    # the next word does not start in lower case ("e.g. this" is no sentence end).
    i = pos
    while i > 0 and text[i - 1] in _CLOSERS:
        i -= 1
    if i > 0 and text[i - 1] in _SENTENCE_MARKS and not _LOWER_START.match(text, pos):
        return Rank.SENTENCE
    if "\n" in whitespace:
        return Rank.SENTENCE               # a line break inside a paragraph (a list item, a verse)
    return Rank.WORD


# --- cutting ------------------------------------------------------------------------------------------------

def strip_clusters(clusters: Sequence[str]) -> list[str]:
    """``clusters`` without leading and trailing clusters that are all white space."""
    start, end = 0, len(clusters)
    while start < end and clusters[start].isspace():
        start += 1
    while end > start and clusters[end - 1].isspace():
        end -= 1
    return list(clusters[start:end])


def _stripped(text: str) -> str:
    """``text`` without leading and trailing white-space clusters (see ``strip_clusters``)."""
    if not text[:1].isspace() and not text[-1:].isspace():
        return text                        # its first and last clusters hold a character that is no space
    return "".join(strip_clusters(_measure.graphemes(text)))


def _head(text: str, clusters: Sequence[str], offsets: Sequence[int], place: _Place, ellipsis: str,
          protected_ends: set[int]) -> str:
    """The head a cut at ``place`` shows; ``place`` keeps less than the whole text."""
    end, rank = place
    while end and clusters[end - 1].isspace():
        end -= 1
    if not ellipsis or rank >= _SENTENCE:
        return text[: offsets[end]]
    if offsets[end] in protected_ends:
        # A URL, hashtag or mention ends here: an ellipsis glued to it could be read as part of it.
        return text[: offsets[end]] + " " + ellipsis
    while end > 1 and (clusters[end - 1] in _DANGLING or clusters[end - 1].isspace()):
        end -= 1
    return text[: offsets[end]] + ellipsis


def _largest_fitting(candidates: Sequence[_Place], render: Callable[[_Place], str], budget: int,
                     measure: Measure, floor: Floor = None) -> tuple[_Place, str] | None:
    """The longest candidate whose rendering fits; lengths are assumed to grow with the cut (each result is
    measured, so a wrong assumption costs length, never the limit)."""
    if not candidates:
        return None

    def fits(i: int) -> bool:
        return _fits(render(candidates[i]), budget, measure, floor)

    lo, hi = 0, len(candidates) - 1
    if not fits(lo):
        return None
    while lo < hi:                          # invariant: candidate lo fits
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return candidates[lo], render(candidates[lo])


def _remembered(measure: Measure) -> Measure:
    """``measure`` keeping its results: the searches of one cut measure many of the same heads."""
    known: dict[str, int] = {}

    def remembered(text: str) -> int:
        n = known.get(text)
        if n is None:
            n = known[text] = measure(text)
        return n

    return remembered


# Clusters that end a probe for how far a budget can reach: white space that every platform's URL finder
# (X's included) also treats as white space, so no URL, hashtag or mention runs across it.
_PROBE_STOPS = frozenset({" ", "\n", "\t", "\r\n"})


def _fits(text: str, budget: int, measure: Measure, floor: Floor) -> bool:
    """Whether ``measure(text)`` is within ``budget``, asked of ``floor`` first.

    ``floor(text) <= measure(text)`` for every text (the caller's promise), so ``floor(text) > budget`` proves
    the answer without measuring: the same answer, hence the same excerpt. With ``len`` as the floor, a budget
    of N never measures more than the first N characters plus the head that shows it no longer fits.
    """
    return (floor is None or floor(text) <= budget) and measure(text) <= budget


def _reach(clusters: _Clusters, budget: int, measure: Measure, floor: Floor = None) -> int:
    """A number of clusters beyond which no head can fit ``budget``: the first probe (at doubling lengths,
    moved on to the next space) whose plain head already does not fit. Lets long texts be cut in time that
    grows with the budget, not with the text."""
    k = 64
    while clusters.ensure(k + 1):          # the text has more than k clusters
        j = clusters.next_stop(k)
        if j is None:
            break
        if not _fits(clusters.text[: clusters.offsets[j]], budget, measure, floor):
            return j
        k = j * 2
    return clusters.count()


def choose(text: str, budget: int, measure: Measure, *, ellipsis: str = ELLIPSIS,
           prefer: float = 0.5, min_rank: Rank = Rank.GRAPHEME, protect: bool = True,
           floor: Floor = None) -> tuple[str, int]:
    """The best head of ``text`` that fits ``budget``: ``(head, clusters kept)``. ``("", 0)`` if nothing fits.

    A cut at a better boundary is taken when its head is at least ``prefer`` as long (in ``measure``) as the
    longest head a plain word cut would give. Only cuts of at least ``min_rank`` are considered. ``measure``
    must be a function of its argument alone: each text is measured once. ``floor``: a lower bound of
    ``measure`` that is cheap to take (see ``_fits``).
    """
    return _choose(_Clusters(text, _hint(budget)), budget, measure, ellipsis=ellipsis, prefer=prefer,
                   min_rank=min_rank, protect=protect, floor=floor)


def _choose(clusters: _Clusters, budget: int, measure: Measure, *, ellipsis: str, prefer: float,
            min_rank: Rank, protect: bool, floor: Floor = None) -> tuple[str, int]:
    text = clusters.text
    if not text:
        return "", 0
    measure = _remembered(measure)
    if _fits(text, budget, measure, floor):
        return text, clusters.count()
    upto = _reach(clusters, budget, measure, floor)
    last = upto if clusters.ensure(upto + 1) else upto - 1      # the last cluster a place may come before
    items, offsets = clusters.items, clusters.offsets
    spans = protected_spans(text[: offsets[upto]])
    forbidden = _inside(spans) if protect else set()
    protected_ends = {end for _, end in spans}

    def render(place: _Place) -> str:
        return _head(text, items, offsets, place, ellipsis, protected_ends)

    words = _word_places(text, items, offsets, last, forbidden)

    def ranked(rank: Rank) -> list[_Place]:
        least = max(rank, min_rank)
        return [p for p in words if p[1] >= least]

    by_words = _largest_fitting(ranked(_WORD), render, budget, measure, floor)
    best = by_words
    if by_words is not None:
        reference = max(1, measure(by_words[1]))
        for rank in (_PARAGRAPH, _SENTENCE):
            found = _largest_fitting(ranked(rank), render, budget, measure, floor)
            if found is not None and found[1] and measure(found[1]) >= prefer * reference:
                best = found
                break
    if best is None or not best[1]:
        # The last resort: any place of at least ``min_rank``, between any two clusters if that is allowed.
        inner = ranked(min_rank) if min_rank >= _WORD else \
            [p for p in _scan(text, items, offsets, last, forbidden) if p[1] >= min_rank]
        best = _largest_fitting(inner, render, budget, measure, floor)
    if best is None or not best[1]:
        return "", 0
    return best[1], best[0][0]


def excerpt(text: str, budget: int, measure: Measure, *, ellipsis: str = ELLIPSIS,
            prefer: float = 0.5, floor: Floor = None) -> str:
    """``text`` itself if it fits ``budget`` (in ``measure``), else its best-reading head that does; "" if not
    even one word fits. Leading and trailing white space is dropped. ``floor``: see ``choose``."""
    text = _stripped(text)
    if not text:
        return ""
    return choose(text, budget, measure, ellipsis=ellipsis, prefer=prefer, floor=floor)[0]


def split_head(text: str, budget: int, measure: Measure, *, prefer: float = 0.4,
               min_rank: Rank = Rank.GRAPHEME, protect: bool = True, floor: Floor = None) -> tuple[str, str]:
    """``(head, rest)``: the best-reading head of ``text`` that fits, without an ellipsis, and what is left
    (leading white space dropped). For cutting a long text into consecutive pieces. ``("", text)`` when no
    cut of at least ``min_rank`` fits. ``protect=False`` allows a cut inside a URL, hashtag or mention, for
    one too long for a whole piece. ``floor``: see ``choose``."""
    clusters = _Clusters(_stripped(text), _hint(budget))
    head, kept = _choose(clusters, budget, measure, ellipsis="", prefer=prefer, min_rank=min_rank,
                         protect=protect, floor=floor)
    return head, _rest(clusters, kept)


def _rest(clusters: _Clusters, kept: int) -> str:
    """The text after its first ``kept`` clusters, without the white space at its start. (It has none at its
    end: the text was stripped.)"""
    j = kept
    while clusters.ensure(j + 1) and clusters.items[j].isspace():
        j += 1
    return clusters.text[clusters.offsets[j]:] if j < len(clusters.items) else ""


def cluster_offsets(clusters: Sequence[str]) -> list[int]:
    """Character offset of each cluster boundary (``len(clusters) + 1`` entries)."""
    return [0, *accumulate(map(len, clusters))]


def is_cluster_prefix(prefix: str, text: str) -> bool:
    """True when ``prefix`` is ``text`` cut between two grapheme clusters (for checks and tests)."""
    if not text.startswith(prefix):
        return False
    return len(prefix) in set(cluster_offsets(_measure.graphemes(text)))


__all__ = [
    "ELLIPSIS",
    "Break",
    "Rank",
    "breaks",
    "choose",
    "excerpt",
    "is_cluster_prefix",
    "protected_spans",
    "split_head",
    "strip_clusters",
]
