"""Extended grapheme clusters (UAX #29, Unicode 17.0) and the safe count across segmenter versions.

Most text is one cluster per character; that is found with one table look-up per character, and only text
that may join characters is segmented (see ``_one_per_character``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import regex

# The regex module implements the extended grapheme cluster rules of Unicode 17.0 (UAX #29), the version
# the Bluesky conformance vectors were derived with; Python's unicodedata is older and has no segmenter.
_GRAPHEME = regex.compile(r"\X")

# A conjunct consonant joined by GB9c (Unicode 15.1+). Segmenters of Unicode 15.0 and older (Ruby 3.x,
# so Mastodon; older JavaScript libraries) break before it, so they count one grapheme more.
_CONJUNCT_CONSONANT = regex.compile(r"\p{InCB=Consonant}")
_PREPEND = regex.compile(r"\p{GCB=Prepend}")
_EXT_PICT = regex.compile(r"\p{Extended_Pictographic}")


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text`` (Unicode 17.0 rules), in order.

    Joining them gives back ``text``; cutting ``text`` only between them never splits a user-perceived
    character (an emoji sequence, a letter with its accents, a flag).
    """
    if _one_per_character(text):
        return list(text)
    return _GRAPHEME.findall(text)


def grapheme_len(text: str) -> int:
    """Number of extended grapheme clusters under Unicode 17.0 rules (what the Bluesky vectors expect)."""
    if text.isascii():
        # In ASCII every character is its own cluster except CR LF, which is one.
        return len(text) - text.count("\r\n")
    if _one_per_character(text):
        return len(text)
    return len(_GRAPHEME.findall(text))


def _one_per_character(text: str) -> bool:
    """Whether every character of ``text`` is a cluster of its own, found without segmenting it.

    Two characters share a cluster only when one of them is CR, a Hangul jamo (L, V, T), an Extend, ZWJ,
    SpacingMark, Prepend or Regional_Indicator character (UAX #29, GB3-GB13). Text without any, and without
    characters above U+FFFF (taken as possibly joining, so the test stays one fast table look-up per
    character), is one cluster per character: most Latin, Cyrillic, Greek and CJK text.
    """
    if text.isascii():
        return "\r" not in text             # in ASCII only CR LF is a cluster of two
    return not _JOINING.found_in(text)


# The characters that may share a cluster (see ``_one_per_character``), in the regex module's Unicode tables.
# With the Indic conjunct classes too: some regex releases join an InCB=Linker with a following consonant even
# where nothing precedes it (U+1CF5 + U+0915 in 2026.11.19), which the GCB classes do not show.
_JOINING_CLASS = (r"\r\p{GCB=L}\p{GCB=V}\p{GCB=T}\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=SpacingMark}"
                  r"\p{GCB=Prepend}\p{GCB=Regional_Indicator}\p{InCB=Linker}\p{InCB=Consonant}\p{InCB=Extend}")


@functools.lru_cache(maxsize=1)
def _may_join() -> re.Pattern[str]:
    """A pattern that finds every character that may share a cluster (see ``_one_per_character``), for the
    standard library's re; built from the regex module's Unicode tables, in about 15 ms."""
    joining = regex.compile(f"[{_JOINING_CLASS}]")
    found = [ord(ch) for ch in joining.findall("".join(map(chr, range(0x10000))))]
    ranges: list[list[int]] = []
    for cp in found:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    # The standard library's re checks a class of code points up to U+FFFF with one table look-up.
    parts = "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in ranges)
    return re.compile(f"[{parts}\\U00010000-\\U0010ffff]")


class _JoiningFinder:
    """Whether a text holds a character that may share a cluster: what ``_may_join().search`` finds.

    ``_may_join``'s table takes about 15 ms to build, then reads some 200 characters a microsecond; the regex
    module's class needs no building but reads about 10. A process that measures one article reads a few
    thousand characters, a whole build millions: the class is used until it has read about as many
    characters as building the table costs. (The only state here is which of two equal searches to use.)
    """

    _CLASS_BUDGET = 150_000

    def __init__(self) -> None:
        self._class: regex.Pattern[str] | None = None
        self._table: re.Pattern[str] | None = None
        self._left = self._CLASS_BUDGET

    def found_in(self, text: str) -> bool:
        if self._table is None:
            self._left -= len(text)
            if self._left >= 0:
                if self._class is None:
                    self._class = regex.compile(f"[{_JOINING_CLASS}\\U00010000-\\U0010ffff]")
                return self._class.search(text) is not None
            self._table = _may_join()
        return self._table.search(text) is not None


_JOINING = _JoiningFinder()


def safe_grapheme_len(text: str) -> int:
    """The largest grapheme count any segmenter from Unicode 15.0 to 17.0 gives for ``text``.

    Servers count with the Unicode tables they were built with: Mastodon with Ruby 3.x (Unicode 15.0,
    before the Indic conjunct rule GB9c), Ruby 4 and current JavaScript segmenters with 16.0 or 17.0.
    Newer rules only ever join more, so this adds back every break an older segmenter makes inside a
    Unicode 17.0 cluster: before a conjunct consonant (GB9c) and before a character that the running
    Python's Unicode database does not know yet (an older segmenter treats it as a separate unknown
    character). Equal to ``grapheme_len`` for text without Indic conjuncts or very new characters.
    """
    if text.isascii():
        return grapheme_len(text)
    if _one_per_character(text):
        return len(text)
    clusters = _GRAPHEME.findall(text)
    count = len(clusters)
    if count == len(text):
        return count  # every cluster is one character: no older segmenter breaks inside one
    for cluster in clusters:
        if len(cluster) > 1:
            count += _older_segmenter_breaks(cluster)
    return count


def _older_segmenter_breaks(cluster: str) -> int:
    breaks = 0
    for i in range(1, len(cluster)):
        ch = cluster[i]
        if _PREPEND.match(cluster[i - 1]):
            continue  # GB9b holds in every version: a prepended mark joins whatever follows
        conjunct = _CONJUNCT_CONSONANT.match(ch) is not None
        unknown = unicodedata.category(ch) == "Cn" and not _EXT_PICT.match(ch)
        breaks += conjunct or unknown
    return breaks
