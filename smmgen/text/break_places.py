"""Where a text may be cut, best first: between paragraphs, after a sentence, between words (also between two
CJK characters, which have no spaces), and as a last resort between any two grapheme clusters; never inside a
grapheme cluster, a URL, a hashtag or a mention. ``breaks`` lists every place; smmgen.text.excerpt chooses the
best one that fits a budget, and uses the faster scans here (``scan_places``, ``word_places``) directly.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from itertools import accumulate

import regex

from smmgen.text import measure as _measure


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


# Inside these modules a place is a plain ``(clusters, rank)`` pair: a cut lists hundreds and looks at a few.
Place = tuple[int, Rank]
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


def inside_spans(spans: Sequence[tuple[int, int]]) -> set[int]:
    """The offsets strictly inside ``spans``: where a cut would split a URL, hashtag or mention."""
    inside: set[int] = set()
    for start, end in spans:
        inside.update(range(start + 1, end))
    return inside


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
    forbidden = inside_spans(protected_spans(text[: offsets[upto]])) if protect else set()
    out = [Break(k, rank) for k, rank in scan_places(text, clusters, offsets, min(upto, len(clusters) - 1), forbidden)]
    if upto == len(clusters):
        out.append(Break(len(clusters), Rank.PARAGRAPH))
    return out


def scan_places(text: str, clusters: Sequence[str], offsets: Sequence[int], last: int,
          forbidden: set[int]) -> list[Place]:
    """The places between clusters 1 and ``last`` (inclusive), looking at every cluster."""
    out: list[Place] = []
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


def word_places(text: str, clusters: Sequence[str], offsets: Sequence[int], last: int,
                 forbidden: set[int]) -> list[Place]:
    """The places of ``scan_places`` that rank WORD or better.

    Outside CJK text those are only where white space starts after a word, so only the white space is looked
    at (a place between two other clusters ranks GRAPHEME). CJK text has a place between most characters: in
    text of one character per cluster, its runs are looked at (``_cjk_places``), elsewhere every cluster is.
    """
    head = text[: offsets[last + 1]]
    one_each = offsets[last + 1] == last + 1
    cjk = _CJK.search(head) is not None
    if cjk and not one_each:
        return [p for p in scan_places(text, clusters, offsets, last, forbidden) if p[1] >= _WORD]
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
    out: list[Place] = []
    # A white-space cluster starts with a white-space character; the checks below are those of ``scan_places``.
    for m in _ISSPACE_CHAR.finditer(head, offsets[1]):
        pos = m.start()
        k = bisect_left(offsets, pos)
        if (offsets[k] == pos and pos not in forbidden and clusters[k].isspace()
                and not clusters[k - 1].isspace()):
            out.append((k, _rank_at_space(text, pos) if pos in odd else _WORD))
    return out


def _cjk_places(text: str, head: str, last: int, forbidden: set[int]) -> list[Place]:
    """The places of ``scan_places`` that rank WORD or better next to a CJK character and before no white space, in
    ``head``, text of one character per cluster: the places at the start, inside and at the end of each run of
    CJK characters, with ``scan_places``'s checks (the places before white space are ``word_places``' own)."""
    out: list[Place] = []
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


def cluster_offsets(clusters: Sequence[str]) -> list[int]:
    """Character offset of each cluster boundary (``len(clusters) + 1`` entries)."""
    return [0, *accumulate(map(len, clusters))]
