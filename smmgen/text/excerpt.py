"""Excerpts that read well: plain text cut to a budget, at the best boundary that fits.

The budget is in whatever unit the caller's ``measure`` counts (X's weighted length, graphemes, UTF-16 units),
and ``measure`` may look at more than the excerpt: a platform passes a function that renders the whole post around
the candidate and measures that, so the excerpt fits exactly the room the post leaves.

Where a cut may fall, best first (smmgen.text.break_places): between paragraphs, after a sentence, between words
(also between two CJK characters, which have no spaces), and as a last resort between any two grapheme clusters.
Never inside a grapheme cluster (an emoji sequence, a letter with its accents), a URL, a hashtag or a mention. A
cut between words ends with an ellipsis; a cut after a whole sentence or paragraph needs none.

A cut keeps a few hundred clusters of a text that may run to thousands, and every platform cuts the same
article, so the work is kept to the start of the text: it is segmented only as far as the budget can reach
(``_Clusters``, ``_reach``), the places between words are found from its white space instead of by looking at
every cluster, the places between any two clusters are listed only when no better one fits, and each candidate
is measured once. The result is the one the plain algorithm (``break_places.breaks`` over the whole text) gives.

A caller whose ``measure`` counts every character at least once (UTF-16 units, UTF-8 bytes: see
``measure.code_point_floor``) passes that lower bound as ``floor``; then a text longer than the budget is never
measured whole, nor any head longer than the budget: the bound already says it does not fit (``_fits``). (A
text without white space, which gives ``_reach`` no place to stop, is still segmented whole, as the plain
algorithm does.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from smmgen.text import measure as _measure
from smmgen.text.break_places import Place, Rank, cluster_offsets, inside_spans, protected_spans, scan_places, word_places

ELLIPSIS = "…"

Measure = Callable[[str], int]
Floor = Callable[[str], int] | None

_GRAPHEME, _WORD, _SENTENCE, _PARAGRAPH = Rank.GRAPHEME, Rank.WORD, Rank.SENTENCE, Rank.PARAGRAPH

# Punctuation that reads badly right before an ellipsis ("stranded, …"); dropped at a word cut.
_DANGLING = frozenset(",;:–—-‐/&+(（[{«“‘\"'、，")


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


def _head(text: str, clusters: Sequence[str], offsets: Sequence[int], place: Place, ellipsis: str,
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


def _largest_fitting(candidates: Sequence[Place], render: Callable[[Place], str], budget: int,
                     measure: Measure, floor: Floor = None) -> tuple[Place, str] | None:
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
    forbidden = inside_spans(spans) if protect else set()
    protected_ends = {end for _, end in spans}

    def render(place: Place) -> str:
        return _head(text, items, offsets, place, ellipsis, protected_ends)

    words = word_places(text, items, offsets, last, forbidden)

    def ranked(rank: Rank) -> list[Place]:
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
            [p for p in scan_places(text, items, offsets, last, forbidden) if p[1] >= min_rank]
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


def is_cluster_prefix(prefix: str, text: str) -> bool:
    """True when ``prefix`` is ``text`` cut between two grapheme clusters (for checks and tests)."""
    if not text.startswith(prefix):
        return False
    return len(prefix) in set(cluster_offsets(_measure.graphemes(text)))


__all__ = [
    "ELLIPSIS",
    "choose",
    "excerpt",
    "is_cluster_prefix",
    "split_head",
    "strip_clusters",
]
