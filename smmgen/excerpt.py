"""Excerpts that read well: plain text cut to a budget, at the best boundary that fits.

The budget is in whatever unit the caller's ``measure`` counts (X's weighted length, graphemes, UTF-16 units),
and
``measure`` may look at more than the excerpt: a platform passes a function that renders the whole post around
the candidate and measures that, so the excerpt fits exactly the room the post leaves.

Where a cut may fall, best first: between paragraphs, after a sentence, between words (also between two CJK
characters, which have no spaces), and as a last resort between any two grapheme clusters. Never inside a
grapheme cluster (an emoji sequence, a letter with its accents), a URL, a hashtag or a mention. A cut between
words ends with an ellipsis; a cut after a whole sentence or paragraph needs none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum

import regex

from . import measure as _measure

ELLIPSIS = "…"

Measure = Callable[[str], int]


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


# --- where a cut may fall -----------------------------------------------------------------------------------

_CJK_SENTENCE_END = frozenset("。！？")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]")
# Japanese and Chinese line-breaking rules (kinsoku): never start a piece with closing punctuation, a small
# kana or the long-vowel mark, never end one with an opening bracket.
_NO_BREAK_BEFORE = frozenset("、。，．・：；？！）」』】〕〉》”’ー…‥"
                             "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_NO_BREAK_AFTER = frozenset("（「『【〔〈《“‘")
_LOWER_START = regex.compile(r"\s*\p{Ll}")

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
    forbidden = _forbidden_offsets(text[: offsets[upto]]) if protect else set()
    out: list[Break] = []
    for k in range(1, min(upto + 1, len(clusters))):
        pos = offsets[k]
        if pos in forbidden:
            continue
        prev, nxt = clusters[k - 1], clusters[k]
        if prev.isspace():
            continue                       # the cut after the word before this space covers it
        if nxt.isspace():
            out.append(Break(k, _rank_at_space(text, pos)))
        elif _CJK.match(prev) or _CJK.match(nxt):
            if nxt[0] in _NO_BREAK_BEFORE or prev[-1] in _NO_BREAK_AFTER:
                out.append(Break(k, Rank.GRAPHEME))
            elif prev[-1] in _CJK_SENTENCE_END:
                out.append(Break(k, Rank.SENTENCE))
            else:
                out.append(Break(k, Rank.WORD))
        else:
            out.append(Break(k, Rank.GRAPHEME))
    if upto == len(clusters):
        out.append(Break(len(clusters), Rank.PARAGRAPH))
    return out


def _forbidden_offsets(text: str) -> set[int]:
    inside: set[int] = set()
    for start, end in protected_spans(text):
        inside.update(range(start + 1, end))
    return inside


_SPACE_RUN = regex.compile(r"\s+")
_CLOSERS = frozenset("\"'”’»)]」』）")
_SENTENCE_MARKS = frozenset(".!?…。！？‼⁇⁈⁉")


def _rank_at_space(text: str, pos: int) -> Rank:
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


def _head(clusters: Sequence[str], offsets: Sequence[int], brk: Break, ellipsis: str,
          protected_ends: set[int]) -> str:
    kept = list(clusters[: brk.clusters])
    while kept and kept[-1].isspace():
        kept.pop()
    if not ellipsis or brk.rank >= Rank.SENTENCE or brk.clusters == len(clusters):
        return "".join(kept)
    if offsets[len(kept)] in protected_ends:
        # A URL, hashtag or mention ends here: an ellipsis glued to it could be read as part of it.
        return "".join(kept) + " " + ellipsis
    while len(kept) > 1 and (kept[-1] in _DANGLING or kept[-1].isspace()):
        kept.pop()
    return "".join(kept) + ellipsis


def _largest_fitting(candidates: Sequence[Break], render: Callable[[Break], str], budget: int,
                     measure: Measure) -> tuple[Break, str] | None:
    """The longest candidate whose rendering fits; lengths are assumed to grow with the cut (each result is
    measured, so a wrong assumption costs length, never the limit)."""
    if not candidates:
        return None
    lengths: dict[int, int] = {}

    def cost(i: int) -> int:
        if i not in lengths:
            lengths[i] = measure(render(candidates[i]))
        return lengths[i]

    lo, hi = 0, len(candidates) - 1
    if cost(lo) > budget:
        return None
    while lo < hi:                          # invariant: cost(lo) fits
        mid = (lo + hi + 1) // 2
        if cost(mid) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return candidates[lo], render(candidates[lo])


# Clusters that end a probe for how far a budget can reach: white space that every platform's URL finder
# (X's included) also treats as white space, so no URL, hashtag or mention runs across it.
_PROBE_STOPS = frozenset({" ", "\n", "\t", "\r\n"})


def _reach(clusters: Sequence[str], budget: int, measure: Measure) -> int:
    """A number of clusters beyond which no head can fit ``budget``: the first probe (at doubling lengths,
    moved on to the next space) whose plain head already does not fit. Lets long texts be cut in time that
    grows with the budget, not with the text."""
    n = len(clusters)
    k = 64
    while k < n:
        j = next((i for i in range(k, n) if clusters[i] in _PROBE_STOPS), n)
        if j >= n:
            return n
        if measure("".join(clusters[:j])) > budget:
            return j
        k = j * 2
    return n


def choose(text: str, budget: int, measure: Measure, *, ellipsis: str = ELLIPSIS,
           prefer: float = 0.5, min_rank: Rank = Rank.GRAPHEME, protect: bool = True) -> tuple[str, int]:
    """The best head of ``text`` that fits ``budget``: ``(head, clusters kept)``. ``("", 0)`` if nothing fits.

    A cut at a better boundary is taken when its head is at least ``prefer`` as long (in ``measure``) as the
    longest head a plain word cut would give. Only cuts of at least ``min_rank`` are considered.
    """
    clusters = _measure.graphemes(text)
    if not clusters:
        return "", 0
    if measure(text) <= budget:
        return text, len(clusters)
    upto = _reach(clusters, budget, measure)
    inner = [b for b in breaks(text, clusters, upto, protect=protect)
             if b.clusters < len(clusters) and b.rank >= min_rank]
    offsets = cluster_offsets(clusters)
    protected_ends = {end for _, end in protected_spans(text[: offsets[upto]])}

    def render(b: Break) -> str:
        return _head(clusters, offsets, b, ellipsis, protected_ends)

    by_words = _largest_fitting([b for b in inner if b.rank >= Rank.WORD], render, budget, measure)
    best = by_words
    if by_words is not None:
        reference = max(1, measure(by_words[1]))
        for rank in (Rank.PARAGRAPH, Rank.SENTENCE):
            found = _largest_fitting([b for b in inner if b.rank >= rank], render, budget, measure)
            if found is not None and found[1] and measure(found[1]) >= prefer * reference:
                best = found
                break
    if best is None or not best[1]:
        best = _largest_fitting(inner, render, budget, measure)
    if best is None or not best[1]:
        return "", 0
    return best[1], best[0].clusters


def excerpt(text: str, budget: int, measure: Measure, *, ellipsis: str = ELLIPSIS,
            prefer: float = 0.5) -> str:
    """``text`` itself if it fits ``budget`` (in ``measure``), else its best-reading head that does; "" if not
    even one word fits. Leading and trailing white space is dropped."""
    text = "".join(strip_clusters(_measure.graphemes(text)))
    if not text:
        return ""
    return choose(text, budget, measure, ellipsis=ellipsis, prefer=prefer)[0]


def split_head(text: str, budget: int, measure: Measure, *, prefer: float = 0.4,
               min_rank: Rank = Rank.GRAPHEME, protect: bool = True) -> tuple[str, str]:
    """``(head, rest)``: the best-reading head of ``text`` that fits, without an ellipsis, and what is left
    (leading white space dropped). For cutting a long text into consecutive pieces. ``("", text)`` when no
    cut of at least ``min_rank`` fits. ``protect=False`` allows a cut inside a URL, hashtag or mention, for
    one too long for a whole piece."""
    clusters = strip_clusters(_measure.graphemes(text))
    text = "".join(clusters)
    head, kept = choose(text, budget, measure, ellipsis="", prefer=prefer, min_rank=min_rank, protect=protect)
    rest = "".join(strip_clusters(clusters[kept:]))
    return head, rest


def cluster_offsets(clusters: Sequence[str]) -> list[int]:
    """Character offset of each cluster boundary (``len(clusters) + 1`` entries)."""
    offsets = [0]
    for c in clusters:
        offsets.append(offsets[-1] + len(c))
    return offsets


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
