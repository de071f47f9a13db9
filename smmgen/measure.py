"""Text measuring for every platform: the one place where post lengths are counted.

Every function here is pure and fast (the planner calls them thousands of times per build). Where a
platform's own rule is unknown or has changed over time, the count is taken so that it can never be lower
than what the platform counts: a post we think fits must fit. Each such choice is noted where it is made.

Units (``Unit``) and what they count:

- ``weighted``: X. twitter-text config v3: NFC first, every URL counts 23, every emoji 2, the code points
  of four ranges 1 and everything else 2. Where twitter-text's JavaScript library and its Python port
  differ, the higher count (emoji sequences) or the JavaScript one (which URLs are links).
- ``graphemes``: Bluesky. Extended grapheme clusters, counted the safe way (see ``safe_grapheme_len``).
- ``mastodon``: Mastodon's status length validator: graphemes of content warning + body, each URL with a
  scheme counts ``url_length``, ``@user@domain`` counts as ``@user``.
- ``threads``: Threads' "500 characters, emoji counted as UTF-8 bytes" (see ``threads_length``).
- ``utf16``: UTF-16 code units (Telegram).
- ``characters``: a platform that says "characters" and documents no more. Counted as UTF-16 code units,
  the largest of the usual readings (code points, UTF-16 units, graphemes).
- ``utf8-bytes``: UTF-8 bytes (Bluesky's second limit, ``maxLength`` 3000).
"""

from __future__ import annotations

import enum
import functools
import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import regex

from . import twitter_urls
from .twitter_urls import twitter_text_part

# --------------------------------------------------------------------------------------------------------
# Plain encodings


def utf8_len(text: str) -> int:
    """Length in UTF-8 bytes."""
    return len(text.encode("utf-8"))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: one per code point, two for code points above U+FFFF."""
    if text.isascii():
        return len(text)
    # The codec counts in C; surrogatepass keeps a stray surrogate countable (one unit) instead of failing.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# --------------------------------------------------------------------------------------------------------
# Graphemes

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


# --------------------------------------------------------------------------------------------------------
# X (twitter-text v3)


@dataclass(frozen=True)
class XConfig:
    """A twitter-text weighting configuration (the data of twitter-text's ``config/v3.json``)."""

    max_weighted_length: int = 280
    scale: int = 100
    default_weight: int = 200
    #: ``(first, last, weight)`` code point ranges, inclusive; the first range that holds a code point wins.
    ranges: tuple[tuple[int, int, int], ...] = (
        (0, 4351, 100),
        (8192, 8205, 100),
        (8208, 8223, 100),
        (8242, 8247, 100),
    )
    transformed_url_length: int = 23
    #: Count each emoji (including ZWJ sequences and skin tones) as one unit of ``default_weight`` (or as
    #: twitter-text's JavaScript splits it, where that counts higher: see ``_emoji_weight``).
    emoji_parsing: bool = True


#: What X counts with today.
X_V3 = XConfig()
#: The previous configuration: the same ranges, every code point of an emoji weighed separately.
X_V2 = replace(X_V3, emoji_parsing=False)


@dataclass(frozen=True)
class XCount:
    """The full twitter-text parse result, as the conformance suite checks it.

    Ranges are inclusive UTF-16 offsets into the original (not normalized) text, as in twitter-text.
    """

    weighted_length: int
    valid: bool
    permillage: int
    display_range: tuple[int, int]
    valid_range: tuple[int, int]


def x_weighted_length(text: str, config: XConfig = X_V3) -> int:
    """The length X gives ``text`` (limit 280): twitter-text's weighted length."""
    nfc = unicodedata.normalize("NFC", text)
    total = 0
    pos = 0
    for start, end in _x_url_spans(nfc):
        total += _plain_weight(nfc[pos:start], config) + config.transformed_url_length * config.scale
        pos = end
    total += _plain_weight(nfc[pos:], config)
    return total // config.scale


def x_count(text: str, config: XConfig = X_V3) -> XCount:
    """twitter-text's ``parseTweet``: weighted length, validity, permillage and the valid/display ranges.

    Unlike the Python port, CR LF is not folded into LF first: X may count both, so we do.
    """
    nfc = unicodedata.normalize("NFC", text)
    units = _x_units(nfc, config)
    limit = config.max_weighted_length * config.scale
    weighted = 0
    valid = True
    valid_end = 0  # code point index of the last character that still fits
    for start, end, weight in units:
        weighted += weight
        if valid and any(ch in _X_INVALID for ch in nfc[start:end]):
            valid = False
        if valid and weighted <= limit:
            valid_end = end - 1
    length = weighted // config.scale
    shift = utf16_len(text) - utf16_len(nfc)
    text16 = utf16_len(text)
    return XCount(
        weighted_length=length,
        valid=valid and 0 < length <= config.max_weighted_length,
        permillage=length * 1000 // config.max_weighted_length,
        display_range=(0, text16 - 1 if text16 > 0 else 0),
        valid_range=(0, utf16_len(nfc[: valid_end + 1]) - 1 + shift),
    )


def x_urls(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of every URL X recognizes in ``text``, as indices into ``text``.

    X counts each as 23 (including bare domains such as ``example.com``). Excerpting must cut only outside
    these spans. Indices refer to ``text`` as given; X itself extracts from the NFC form, which differs only
    inside text with decomposed accents.
    """
    return _x_url_spans(text)


# twitter-text's invalid characters: a tweet holding one is invalid whatever its length.
_X_INVALID = frozenset("\ufffe\ufeff\uffff")


@dataclass(frozen=True)
class _Runs:
    """Finds the runs of characters between white space that hold a mark, each with the one space before it.

    URLs are found run by run, for speed: no URL spans the white space, any of it may precede one, and only a
    run with the mark (a URL's '.' or '://') can hold one. The space before a run matters: it is the
    character a URL at the start of the run follows; without it, the run's first character could be taken
    for that character instead.
    """

    mark: re.Pattern[str]
    back: regex.Pattern[str]            # the run's characters before the mark
    forward: re.Pattern[str]            # the run's characters from the mark on

    def spans(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        end = 0
        for found in self.mark.finditer(text):
            at = found.start()
            if at < end:
                continue                # in the run found last
            start = self.back.match(text, 0, at).start()
            end = self.forward.match(text, at).end()
            out.append((max(start - 1, 0), end))
        return out


def _runs(spaces: str, mark: str) -> _Runs:
    # The standard library's re scans plain classes several times faster than regex; only regex can match
    # backwards.
    return _Runs(re.compile(mark), regex.compile(f"(?r)[^{spaces}]*"), re.compile(f"[^{spaces}]*"))


# The characters twitter-text treats as spaces. None can be part of a URL, and each is a valid character
# before one. A URL's domain has a '.' with more of the domain after it, so a run whose only '.' ends it
# ("ended.") holds none.
_X_SPACE_CHARS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_X_URL_RUNS = _runs(_X_SPACE_CHARS, f"\\.[^{_X_SPACE_CHARS}]")


def _x_url_spans(text: str) -> list[tuple[int, int]]:
    if "." not in text:
        return []
    return _found_in_runs(text, _X_URL_RUNS, _x_urls_in_run)


def _found_in_runs(text: str, runs, find: Callable[[str], tuple[tuple[int, int], ...]]) -> list[tuple[int, int]]:
    """The spans ``find`` gives in each run of ``text`` (``runs.spans``), as offsets into ``text``."""
    spans: list[tuple[int, int]] = []
    for start, end in runs.spans(text):
        spans.extend((start + a, start + b) for a, b in find(text[start:end]))
    return spans


@functools.lru_cache(maxsize=4096)
def _x_urls_in_run(run: str) -> tuple[tuple[int, int], ...]:
    # Remembered: fitting a post measures many candidates that share most of their runs (the link above all).
    return tuple(twitter_urls.x_url_spans(run))


def _x_units(nfc: str, config: XConfig) -> list[tuple[int, int, int]]:
    """``(start, end, weight)`` for each counting unit: a URL, an emoji or a single code point."""
    units: list[tuple[int, int, int]] = []
    pos = 0
    url_weight = config.transformed_url_length * config.scale
    for start, end in [*_x_url_spans(nfc), (len(nfc), len(nfc))]:
        segment_units = _segment_units(nfc[pos:start], config)
        units.extend((pos + a, pos + b, w) for a, b, w in segment_units)
        if end > start:
            units.append((start, end, url_weight))
        pos = end
    return units


def _segment_units(segment: str, config: XConfig) -> list[tuple[int, int, int]]:
    weight = _code_point_weight(config)
    emojis = _emoji_spans(segment) if config.emoji_parsing else []
    units: list[tuple[int, int, int]] = []
    i = 0
    for start, end in [*emojis, (len(segment), len(segment))]:
        units.extend((j, j + 1, weight(segment[j])) for j in range(i, start))
        if end > start:
            units.append((start, end, _emoji_weight(segment[start:end], config)))
        i = end
    return units


def _plain_weight(segment: str, config: XConfig) -> int:
    """Scaled weight of text that holds no URL."""
    if not segment:
        return 0
    if config.emoji_parsing and not segment.isascii():
        total = 0
        pos = 0
        for start, end in _emoji_spans(segment):
            total += _code_points_weight(segment[pos:start], config) + _emoji_weight(segment[start:end], config)
            pos = end
        return total + _code_points_weight(segment[pos:], config)
    return _code_points_weight(segment, config)


def _code_points_weight(segment: str, config: XConfig) -> int:
    if segment.isascii() and _ascii_weight(config) is not None:
        return _ascii_weight(config) * len(segment)
    total = config.default_weight * len(segment)
    for pattern, only, weight in _range_classes(config):
        # A segment all in one class (a Cyrillic or accented Latin sentence) is counted without removing
        # every one of its characters.
        matched = len(segment) if only.fullmatch(segment) else len(segment) - len(pattern.sub("", segment))
        total += (weight - config.default_weight) * matched
    return total


@functools.lru_cache(maxsize=8)
def _range_classes(config: XConfig) -> tuple[tuple[re.Pattern[str], re.Pattern[str], int], ...]:
    """``(one character of the class, nothing but the class, weight)`` for each weight of ``config.ranges``."""
    # The standard re module: several times faster than regex for plain code point classes.
    by_weight: dict[int, list[str]] = {}
    for first, last, weight in config.ranges:
        by_weight.setdefault(weight, []).append(f"\\U{first:08x}-\\U{last:08x}")
    classes = {w: "[" + "".join(parts) + "]" for w, parts in by_weight.items()}
    return tuple((re.compile(c), re.compile(c + "*"), w) for w, c in classes.items())


@functools.lru_cache(maxsize=8)
def _ascii_weight(config: XConfig) -> int | None:
    """The weight every ASCII character has, or None when the ranges split ASCII."""
    weights = {_code_point_weight(config)(chr(cp)) for cp in range(128)}
    return weights.pop() if len(weights) == 1 else None


@functools.lru_cache(maxsize=8)
def _code_point_weight(config: XConfig) -> Callable[[str], int]:
    def weight(ch: str) -> int:
        cp = ord(ch)
        for first, last, w in config.ranges:
            if first <= cp <= last:
                return w
        return config.default_weight

    return weight


# The emoji sequences: those of Unicode's emoji-test.txt that ships with twitter-text-parser (Emoji 12.0). An
# older list can only over-count: a sequence X knows and we do not is weighed per code point, never less than 2.
#
# Which emoji X's server counts as one is not documented, and twitter-text's two readings differ: the Python port
# counts each of these sequences as one emoji (2), the JavaScript library (twemoji-parser 11, Emoji 11.0) splits
# some of them ("🧑🏽‍🤝‍🧑🏻" is 🧑🏽, ZWJ, 🤝, ZWJ, 🧑🏻: 8). Each sequence weighs the higher of the two
# (``_emoji_weight``); data/x_emoji_units.txt holds the JavaScript library's split of each one it counts higher.


@dataclass(frozen=True)
class _EmojiTable:
    sequences: frozenset[str]
    lengths_by_first: dict[str, tuple[int, ...]]  # longest first
    first: re.Pattern[str]                        # finds every code point a sequence starts with
    split: dict[str, tuple[str, ...]]             # a sequence twitter-text's JavaScript counts as these units


@functools.lru_cache(maxsize=1)
def _emoji_table() -> _EmojiTable:
    regexp = Path(twitter_text_part("regexp").__file__).parent
    sequences = _parse_emoji_test((regexp / "emoji-test.txt").read_text(encoding="utf-8"))
    lengths: dict[str, set[int]] = {}
    for seq in sequences:
        lengths.setdefault(seq[0], set()).add(len(seq))
    return _EmojiTable(
        sequences=frozenset(sequences),
        lengths_by_first={ch: tuple(sorted(ls, reverse=True)) for ch, ls in lengths.items()},
        first=_starts(sequences),
        split=_parse_units((Path(__file__).parent / "data" / "x_emoji_units.txt").read_text(encoding="utf-8")),
    )


def _parse_units(data: str) -> dict[str, tuple[str, ...]]:
    """Lines of hex code points split with "|" into units: ``{sequence: units}``."""
    split: dict[str, tuple[str, ...]] = {}
    for line in data.splitlines():
        if line.strip() and not line.startswith("#"):
            units = tuple("".join(chr(int(cp, 16)) for cp in unit.split()) for unit in line.split("|"))
            split["".join(units)] = units
    return split


def _emoji_weight(sequence: str, config: XConfig) -> int:
    """Scaled weight of one emoji sequence: one emoji, or what twitter-text's JavaScript counts when higher."""
    units = _emoji_table().split.get(sequence)
    if units is None:
        return config.default_weight
    weight = _code_point_weight(config)
    js = sum(config.default_weight if len(unit) > 1 else weight(unit) for unit in units)
    return max(js, config.default_weight)


def _starts(sequences: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds every position where one of ``sequences`` may start, and perhaps others.

    A code point that starts only longer sequences counts when a code point they go on with follows (a digit
    is no emoji unless a keycap follows). Code points above U+FFFF are taken as one range from the lowest to
    the highest: a class of many single ones is checked one by one at every position, a range at once.
    """
    alone: set[str] = set()
    then: dict[str, set[str]] = {}
    for seq in sequences:
        if len(seq) == 1 or ord(seq[0]) > 0xFFFF:
            alone.add(seq[0])
        else:
            then.setdefault(seq[0], set()).add(seq[1])
    bmp = sorted(ch for ch in alone if ord(ch) <= 0xFFFF)
    astral = sorted(ch for ch in alone if ord(ch) > 0xFFFF)
    branches = ["[" + "".join(map(re.escape, bmp)) + (f"{astral[0]}-{astral[-1]}" if astral else "") + "]"]
    by_next: dict[frozenset[str], list[str]] = {}
    for ch, nexts in then.items():
        if ch not in alone:
            by_next.setdefault(frozenset(nexts), []).append(ch)
    for nexts, chars in sorted(by_next.items(), key=lambda item: sorted(item[1])):
        branches.append(f"[{''.join(map(re.escape, sorted(chars)))}](?=[{''.join(map(re.escape, sorted(nexts)))}])")
    return re.compile("|".join(branches))


def _parse_emoji_test(data: str) -> set[str]:
    """Emoji sequences from an emoji-test.txt, without the "Component" group (skin tones, hair alone)."""
    sequences: set[str] = set()
    group = ""
    for line in data.splitlines():
        if line.startswith("# group:"):
            group = line.split(":", 1)[1].strip()
        if not line or line.startswith("#") or ";" not in line or group == "Component":
            continue
        code_points = line.split(";", 1)[0].split()
        sequences.add("".join(chr(int(cp, 16)) for cp in code_points))
    return sequences


# Every code point an emoji sequence starts with matches here (tests/test_measure_urls.py checks), and few
# others: text without a match holds no emoji, and reading emoji-test.txt (about 15 ms) can wait.
_MAY_START_EMOJI = re.compile(
    "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23fa\u24c2\u25aa-\u27bf\u2934\u2935"
    "\u2b05-\u2b55\u3030\u303d\u3297\u3299\U00010000-\U0010ffff]|[#*0-9](?=[\ufe0f\u20e3])"
)


def _emoji_spans(segment: str) -> list[tuple[int, int]]:
    """Non-overlapping emoji found left to right, the longest sequence at each position."""
    if _MAY_START_EMOJI.search(segment) is None:
        return []
    table = _emoji_table()
    spans: list[tuple[int, int]] = []
    n = len(segment)
    i = 0
    # Only a code point that starts a sequence can start an emoji: go from one to the next.
    while (found := table.first.search(segment, i)) is not None:
        i = found.start()
        for length in table.lengths_by_first.get(segment[i], ()):
            if i + length <= n and segment[i : i + length] in table.sequences:
                spans.append((i, i + length))
                i += length
                break
        else:
            i += 1
    return spans


# --------------------------------------------------------------------------------------------------------
# Mastodon

# Mastodon counts like twitter-text's extractor with its own overrides (config/initializers/
# twitter_regex.rb): a URL needs a scheme, its path may hold any non-space character except <>()?, and a
# fixed set of punctuation cannot end it.
_MASTODON_SCHEMES = r"(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"
_UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_MASTODON_USERNAME = r"[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*"
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"  # Ruby's [[:word:]]
_MASTODON_MENTION = regex.compile(
    rf"(?<![=/]|{_WORD})@((?i:{_MASTODON_USERNAME})(?:@{_WORD}+(?:[.-]+{_WORD}+)*)?)"
)
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    "\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
# A mention followed by one of these is not a mention (twitter-text's end_mention_match).
_END_MENTION = regex.compile(f"[@\uff20{_LATIN_ACCENTS}]|://")
_BLANK = regex.compile(r"\p{White_Space}*")
_ASCII_SPACE_CHARS = "\t\n\x0b\x0c\r \x85"
_SCHEME_RUNS = _runs(_ASCII_SPACE_CHARS, "://")
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_DOMAIN_LENGTH = 253


def _mastodon_tail() -> str:
    """Port, path (group ``path``) and query of Mastodon's URL expression."""
    balanced_parens = twitter_urls.pattern_text("valid_url_balanced_parens")
    path_char = r"[^\p{White_Space}<>()?]"
    balanced = rf"\((?:{path_char}+|(?:{path_char}*\({path_char}+\){path_char}*))\)"
    # Mastodon redefines the ending characters before it redefines the balanced parentheses, so this one
    # alternative keeps twitter-text's original definition.
    ending = r"""(?:[^\p{White_Space}()?!*"'「」<>;:=,.$%\[\]~&|@]|""" + balanced_parens + ")"
    path = rf"(?:(?:{path_char}*(?:{balanced}{path_char}*)*{ending})|(?:{path_char}+/))"
    query = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{_UCHARS}]"
    query_end = rf"[a-z0-9_&=#/\-{_UCHARS}]"
    return rf"(?::[0-9]+)?(?P<path>/{path}*)?(?:\?{query}*{query_end})?"


@functools.lru_cache(maxsize=1)
def _mastodon_url() -> regex.Pattern[str]:
    """Mastodon's whole URL expression, twitter-text's TLD lists and all (slow to compile: see
    ``twitter_urls``); groups: 1 the character before, 2 the URL, 3 the scheme, 4 the domain."""
    valid_domain = twitter_text_part("regexp.valid_domain").valid_domain
    valid_url_preceding_chars = twitter_text_part("regexp.valid_url_preceding_chars").valid_url_preceding_chars
    return regex.compile(
        f"({valid_url_preceding_chars.pattern})(({_MASTODON_SCHEMES})?({valid_domain.pattern}){_mastodon_tail()})",
        regex.IGNORECASE,
    )


@functools.lru_cache(maxsize=1)
def _mastodon_grammar() -> twitter_urls.Grammar:
    """The same expression in pieces, run without compiling the TLD lists."""
    return twitter_urls.grammar(regex, _MASTODON_SCHEMES, _mastodon_tail())


def _mastodon_url_entities(text: str) -> list[tuple[int, int]]:
    if "://" not in text:
        return []
    # As for X (``_Runs``), between ASCII white space: the domain pattern is slow to try at every position of
    # a long text, and Mastodon counts only URLs with a scheme.
    return _found_in_runs(text, _SCHEME_RUNS, _scheme_urls_in_run)


@functools.lru_cache(maxsize=4096)
def _scheme_urls_in_run(run: str) -> tuple[tuple[int, int], ...]:
    valid_tco_url = twitter_text_part("regexp.valid_tco_url").valid_tco_url
    try:
        found = [(m.start, m.end, m.domain > m.start, run[m.domain : m.domain_end])
                 for m in twitter_urls.find(_mastodon_grammar(), run)]
    except twitter_urls.Ambiguous:
        return tuple(_scheme_urls(run, valid_tco_url))
    return tuple(_scheme_spans(run, found, valid_tco_url))


def _scheme_urls(chunk: str, valid_tco_url: re.Pattern[str]) -> list[tuple[int, int]]:
    """The URLs with a scheme Mastodon finds in ``chunk``, found with its whole expression."""
    found = [(*m.span(2), m.group(3) is not None, m.group(4)) for m in _mastodon_url().finditer(chunk)]
    return _scheme_spans(chunk, found, valid_tco_url)


def _scheme_spans(text: str, found: list[tuple[int, int, bool, str]],
                  valid_tco_url: re.Pattern[str]) -> list[tuple[int, int]]:
    """Of the expression's matches ``(start, end, has_scheme, domain)``, the spans of those Mastodon keeps."""
    spans: list[tuple[int, int]] = []
    for start, end, has_scheme, domain in found:
        if not has_scheme:
            continue  # Mastodon extracts URLs only with a scheme
        tco = valid_tco_url.match(text[start:end])
        if tco:
            if tco.group(1) and len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                continue
            end = start + len(tco.group(0))
        if _valid_domain_length(end - start, domain):
            spans.append((start, end))
    return spans


def _valid_domain_length(url_length: int, domain: str) -> bool:
    try:
        encoded = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return url_length + max(0, len(encoded) - len(domain)) <= _MAX_URL_LENGTH


def _mastodon_mention_entities(text: str) -> list[tuple[int, int, str]]:
    if "@" not in text and "\uff20" not in text:
        return []
    entities: list[tuple[int, int, str]] = []
    for m in _MASTODON_MENTION.finditer(text):
        if _END_MENTION.match(text, m.end()):
            continue
        name = m.group(1)
        _, _, domain = name.partition("@")
        if len(domain) > _MAX_DOMAIN_LENGTH:
            continue
        entities.append((m.start(), m.end(), "@" + name.split("@", 1)[0]))
    return entities


def mastodon_countable_text(text: str, *, url_length: int = 23) -> str:
    """The body as Mastodon counts it: each URL replaced by ``url_length`` characters, each
    ``@user@domain`` by ``@user``. Blank text counts as empty."""
    if _BLANK.fullmatch(text):
        return ""
    entities = [(s, e, "x" * url_length) for s, e in _mastodon_url_entities(text)]
    entities += _mastodon_mention_entities(text)
    entities.sort(key=lambda entity: entity[0])
    out: list[str] = []
    pos = 0
    for start, end, replacement in entities:
        if start < pos:
            continue  # overlaps the entity before it
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mastodon_length(text: str, *, url_length: int = 23, spoiler: str = "") -> int:
    """The length Mastodon's status length validator gives a status (limit: the server's
    ``configuration.statuses.max_characters``, 500 by default).

    The content warning ``spoiler`` counts too. ``url_length`` is the server's
    ``configuration.statuses.characters_reserved_per_url``. Graphemes are counted with
    ``safe_grapheme_len``, since Mastodon on Ruby 3 segments with Unicode 15.0 rules.
    """
    return safe_grapheme_len(spoiler + mastodon_countable_text(text, url_length=url_length))


# --------------------------------------------------------------------------------------------------------
# Threads

# A cluster holding any of these is an emoji for Threads' byte rule.
_EMOJI_MARK = regex.compile(
    r"[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u20e3\ufe0f]"
)


def threads_length(text: str) -> int:
    """A length for Threads' 500-character limit that Threads can never exceed.

    The API doc says "Emojis are counted as the number of UTF-8 bytes" without saying what counts as an
    emoji or how other text is counted. So: every grapheme cluster that holds an emoji code point (a
    pictograph, a flag letter, a skin tone, a keycap or an emoji variation selector) counts its UTF-8
    bytes; all other text counts UTF-16 code units (at least its code points and its graphemes).
    """
    if text.isascii() or not _EMOJI_MARK.search(text):
        return utf16_len(text)
    total = 0
    for cluster in _GRAPHEME.findall(text):
        if cluster.isascii():
            total += len(cluster)
        elif _EMOJI_MARK.search(cluster):
            total += len(cluster.encode("utf-8"))
        else:
            total += utf16_len(cluster)
    return total


# --------------------------------------------------------------------------------------------------------
# Links, hashtags, mentions (caps: Threads 5 links, Instagram 30 hashtags and 20 mentions)

_HASHTAG = regex.compile(r"[#\uff03](?=[\p{L}\p{M}\p{N}_])")
_MENTION = regex.compile(r"[@\uff20](?=[\p{L}\p{M}\p{N}_])")


def count_links(text: str, *, unique: bool = False) -> int:
    """Number of links in ``text``, found as X finds them (with or without a scheme).

    ``unique`` counts each distinct URL once, as Threads does for its 5-link limit; URLs are compared as
    written, so two spellings of one address count twice.
    """
    urls = [text[start:end] for start, end in _x_url_spans(text)]
    return len(set(urls)) if unique else len(urls)


def count_hashtags(text: str) -> int:
    """Number of ``#`` (or fullwidth ``＃``) signs directly followed by a letter, digit or ``_``.

    Deliberately generous (it also counts ``#tag`` inside words and URLs), so that a caption we accept can
    never hold more hashtags than Instagram counts.
    """
    return len(_HASHTAG.findall(text))


def count_mentions(text: str) -> int:
    """Number of ``@`` (or ``＠``) signs directly followed by a letter, digit or ``_``. Generous on purpose:
    e-mail addresses count too."""
    return len(_MENTION.findall(text))


# --------------------------------------------------------------------------------------------------------
# Escaping

# LinkedIn's "little" text format gives these characters meaning; as text each needs a backslash, or the
# post is silently cut at the first one.
LINKEDIN_RESERVED = "\\|{}@[]()<>#*_~"
_LITTLE_RESERVED = regex.compile("[" + regex.escape(LINKEDIN_RESERVED, special_only=False) + "]")
_LITTLE_ESCAPED = regex.compile(r"\\([" + regex.escape(LINKEDIN_RESERVED, special_only=False) + "])")


def linkedin_escape(text: str) -> str:
    """``text`` as plain text in LinkedIn's "little" format (Posts API ``commentary``)."""
    return _LITTLE_RESERVED.sub(lambda m: "\\" + m.group(0), text)


def linkedin_unescape(text: str) -> str:
    """The plain text an escaped little-format string shows (the inverse of ``linkedin_escape``)."""
    return _LITTLE_ESCAPED.sub(lambda m: m.group(1), text)


def telegram_html_escape(text: str) -> str:
    """``text`` for Telegram's ``parse_mode=HTML``: ``& < > "`` as the entities the Bot API accepts.

    Safe both as element text and inside a double-quoted attribute such as ``href``.
    """
    return html.escape(text, quote=False).replace('"', "&quot;")


# Telegram's HTML parse mode decodes only four named entities, spelled in lower case, and numeric references
# (Bot API "Formatting options"; tdlib's parser): ``&copy;``, ``&nbsp;`` and ``&AMP;`` stay text as written.
# A numeric reference counts as one character only where Telegram surely takes it for one: at most 7 decimal or
# 6 hexadecimal digits (a lower-case "x", as tdlib reads it), a code point from U+0001 below U+10FFFF that is
# no surrogate, and a ';'. Any other spelling is counted as its literal text, the longer reading.
_TELEGRAM_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_TELEGRAM_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def telegram_html_unescape(text: str) -> str:
    """``text`` (HTML parse mode, without tags) with the entities Telegram decodes decoded, others left as text."""
    if "&" not in text:
        return text
    return _TELEGRAM_ENTITY.sub(_telegram_entity, text)


def _telegram_entity(found: re.Match[str]) -> str:
    name, decimal, hexadecimal = found.groups()
    if name:
        return _TELEGRAM_NAMED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if not 0 < code < 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return found.group(0)
    return chr(code)


# --------------------------------------------------------------------------------------------------------
# One entry point for platform specs


class Unit(enum.StrEnum):
    """The unit a platform's text limit is counted in (``PlatformSpec.unit``)."""

    WEIGHTED = "weighted"
    GRAPHEMES = "graphemes"
    MASTODON = "mastodon"
    THREADS = "threads"
    UTF16 = "utf16"
    CHARACTERS = "characters"
    UTF8_BYTES = "utf8-bytes"


_MEASURES: dict[Unit, Callable[..., int]] = {
    Unit.WEIGHTED: x_weighted_length,
    Unit.GRAPHEMES: safe_grapheme_len,
    Unit.MASTODON: mastodon_length,
    Unit.THREADS: threads_length,
    Unit.UTF16: utf16_len,
    Unit.CHARACTERS: utf16_len,
    Unit.UTF8_BYTES: utf8_len,
}


def counter(unit: Unit | str) -> Callable[..., int]:
    """The function that counts ``unit``; units counted alike (``utf16``, ``characters``) give the same one.
    An unknown unit raises ``ValueError``."""
    count = _MEASURES.get(unit)  # a Unit is its name, so a name finds it without building the Unit
    return count if count is not None else _MEASURES[Unit(unit)]


def measure(text: str, unit: Unit | str, **opts: Any) -> int:
    """Length of ``text`` in ``unit``; the count a platform with that unit compares to its limit.

    ``opts`` go to the unit's function: ``config`` for ``weighted``; ``url_length`` and ``spoiler`` for
    ``mastodon``. An unknown unit raises ``ValueError``.
    """
    return counter(unit)(text, **opts)
