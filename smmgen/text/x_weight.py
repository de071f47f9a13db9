"""X's weighted length (twitter-text config v3): NFC, URLs as 23, emoji as 2, four ranges of code points as 1.

Where twitter-text's JavaScript library and its Python port differ, the higher count (emoji sequences) or the
JavaScript one (which URLs are links). See ``measure`` for the other platforms' units.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from smmgen.text import twitter_urls
from smmgen.text.code_units import utf16_len
from smmgen.text.twitter_urls import twitter_text_part
from smmgen.text.url_runs import found_in_runs, runs


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


# The characters twitter-text treats as spaces. None can be part of a URL, and each is a valid character
# before one. A URL's domain has a '.' with more of the domain after it, so a run whose only '.' ends it
# ("ended.") holds none.
_X_SPACE_CHARS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_X_URL_RUNS = runs(_X_SPACE_CHARS, f"\\.[^{_X_SPACE_CHARS}]")


def _x_url_spans(text: str) -> list[tuple[int, int]]:
    if "." not in text:
        return []
    return found_in_runs(text, _X_URL_RUNS, _x_urls_in_run)



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
    for in_class, only, weight in _range_classes(config):
        # A segment all in one class (a Cyrillic or accented Latin sentence) is counted at once; else its runs
        # in the class are (a few words between CJK characters, CJK between Latin words): adding their lengths
        # builds no copy of the text, which removing the other characters did (three times slower).
        matched = len(segment) if only.fullmatch(segment) else sum(map(len, in_class.findall(segment)))
        total += (weight - config.default_weight) * matched
    return total


@functools.lru_cache(maxsize=8)
def _range_classes(config: XConfig) -> tuple[tuple[re.Pattern[str], re.Pattern[str], int], ...]:
    """``(a run of the class, nothing but the class, weight)`` for each weight of ``config.ranges``."""
    # The standard re module: several times faster than regex for plain code point classes.
    by_weight: dict[int, list[str]] = {}
    for first, last, weight in config.ranges:
        by_weight.setdefault(weight, []).append(f"\\U{first:08x}-\\U{last:08x}")
    classes = {w: "[" + "".join(parts) + "]" for w, parts in by_weight.items()}
    return tuple((re.compile(c + "+"), re.compile(c + "*"), w) for w, c in classes.items())


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
        split=_parse_units((Path(__file__).parent.parent / "data" / "x_emoji_units.txt").read_text(encoding="utf-8")),
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
