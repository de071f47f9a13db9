"""The excerpt algorithm as first written: every cluster of the whole text segmented, every place to cut listed,
every URL found run by run with twitter-text. Slow and plain, kept as the oracle that ``smmgen.text.excerpt`` (which
does the least work that gives the same result) is compared with in tests/test_excerpt_bounds.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import regex
import twitter_text_oracle as reference

from smmgen.text import measure as _measure
from smmgen.text.break_places import Break, Rank
from smmgen.text.excerpt import ELLIPSIS

Measure = Callable[[str], int]

_X_SPACES = regex.compile("[\t\n\x0b\x0c\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_SCHEME_URL = regex.compile(r"[a-z][a-z0-9+.-]*://\S+", regex.IGNORECASE)
_HASHTAG = regex.compile(r"[#\uff03][\p{L}\p{M}\p{N}_]+")
_NAME = r"[\p{L}\p{M}\p{N}_.-]*[\p{L}\p{M}\p{N}_]"
_MENTION = regex.compile(rf"[@\uff20]{_NAME}(?:@{_NAME})?")


def x_urls(text: str) -> list[tuple[int, int]]:
    """X's URLs, found in every run between white space (with the space before it) that holds a '.'."""
    if "." not in text:
        return []
    runs = []
    start = 0
    for sep in _X_SPACES.finditer(text):
        runs.append((start, sep.start()))
        start = sep.end() - 1
    runs.append((start, len(text)))
    spans = []
    for start, end in runs:
        if "." in text[start:end]:
            spans.extend((start + u["indices"][0], start + u["indices"][1])
                         for u in reference.extract_urls_with_indices(text[start:end]))
    return spans


def protected_spans(text: str) -> list[tuple[int, int]]:
    spans = list(x_urls(text))
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


_CJK_SENTENCE_END = frozenset("。！？")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\u3000-\u303f\uff00-\uffef]")
_NO_BREAK_BEFORE = frozenset("、。，．・：；？！）」』】〕〉》”’ー…‥"
                             "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_NO_BREAK_AFTER = frozenset("（「『【〔〈《“‘")
_LOWER_START = regex.compile(r"\s*\p{Ll}")
_DANGLING = frozenset(",;:–—-‐/&+(（[{«“‘\"'、，")
_SPACE_RUN = regex.compile(r"\s+")
_CLOSERS = frozenset("\"'”’»)]」』）")
_SENTENCE_MARKS = frozenset(".!?…。！？‼⁇⁈⁉")
_PROBE_STOPS = frozenset({" ", "\n", "\t", "\r\n"})


def cluster_offsets(clusters: Sequence[str]) -> list[int]:
    offsets = [0]
    for c in clusters:
        offsets.append(offsets[-1] + len(c))
    return offsets


def breaks(text: str, clusters: Sequence[str] | None = None, upto: int | None = None, *,
           protect: bool = True) -> list[Break]:
    clusters = list(clusters if clusters is not None else _measure.graphemes(text))
    if not clusters:
        return []
    upto = len(clusters) if upto is None else min(upto, len(clusters))
    offsets = cluster_offsets(clusters)
    forbidden: set[int] = set()
    if protect:
        for start, end in protected_spans(text[: offsets[upto]]):
            forbidden.update(range(start + 1, end))
    out: list[Break] = []
    for k in range(1, min(upto + 1, len(clusters))):
        pos = offsets[k]
        if pos in forbidden:
            continue
        prev, nxt = clusters[k - 1], clusters[k]
        if prev.isspace():
            continue
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


def _rank_at_space(text: str, pos: int) -> Rank:
    gap = _SPACE_RUN.match(text, pos)
    whitespace = gap.group(0) if gap else ""
    if whitespace.count("\n") >= 2:
        return Rank.PARAGRAPH
    i = pos
    while i > 0 and text[i - 1] in _CLOSERS:
        i -= 1
    if i > 0 and text[i - 1] in _SENTENCE_MARKS and not _LOWER_START.match(text, pos):
        return Rank.SENTENCE
    if "\n" in whitespace:
        return Rank.SENTENCE
    return Rank.WORD


def strip_clusters(clusters: Sequence[str]) -> list[str]:
    start, end = 0, len(clusters)
    while start < end and clusters[start].isspace():
        start += 1
    while end > start and clusters[end - 1].isspace():
        end -= 1
    return list(clusters[start:end])


def _head(clusters, offsets, brk, ellipsis, protected_ends) -> str:
    kept = list(clusters[: brk.clusters])
    while kept and kept[-1].isspace():
        kept.pop()
    if not ellipsis or brk.rank >= Rank.SENTENCE or brk.clusters == len(clusters):
        return "".join(kept)
    if offsets[len(kept)] in protected_ends:
        return "".join(kept) + " " + ellipsis
    while len(kept) > 1 and (kept[-1] in _DANGLING or kept[-1].isspace()):
        kept.pop()
    return "".join(kept) + ellipsis


def _largest_fitting(candidates, render, budget, measure):
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
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if cost(mid) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return candidates[lo], render(candidates[lo])


def _reach(clusters, budget, measure) -> int:
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


def choose(text: str, budget: int, measure: Measure, *, ellipsis: str = ELLIPSIS, prefer: float = 0.5,
           min_rank: Rank = Rank.GRAPHEME, protect: bool = True) -> tuple[str, int]:
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


def excerpt(text: str, budget: int, measure: Measure, *, ellipsis: str = ELLIPSIS, prefer: float = 0.5) -> str:
    text = "".join(strip_clusters(_measure.graphemes(text)))
    if not text:
        return ""
    return choose(text, budget, measure, ellipsis=ellipsis, prefer=prefer)[0]


def split_head(text: str, budget: int, measure: Measure, *, prefer: float = 0.4,
               min_rank: Rank = Rank.GRAPHEME, protect: bool = True) -> tuple[str, str]:
    clusters = strip_clusters(_measure.graphemes(text))
    text = "".join(clusters)
    head, kept = choose(text, budget, measure, ellipsis="", prefer=prefer, min_rank=min_rank, protect=protect)
    rest = "".join(strip_clusters(clusters[kept:]))
    return head, rest
