"""Hashtags from an article's tags, normalised for each platform.

A tag is free text (``"public finances"``, ``"Harbour City"``, ``"COVID-19"``); a hashtag is one word of
letters,
marks, digits (and ``_`` where the platform allows it). Multi-word tags become CamelCase (``#PublicFinances``)
so
they stay readable and screen readers can speak them. A tag that has no letter left is no hashtag anywhere (X,
Mastodon and Bluesky all refuse all-digit hashtags), so it is dropped rather than posted as dead text.

A tag whose hashtag would lose a character that carries meaning (``c++``, ``C#``, ``node.js``, ``R&D``,
``AI/ML``) is dropped too, and the cut says so (``lost``): ``#c`` or ``#nodejs`` is another topic, and a
spelling made up for it (``#cpp``, ``#CSharp``) is a guess the author should make. Only white space, hyphens and
dashes, apostrophes, underscores and a leading '#' may go: they separate or join words of the same meaning.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import regex

from smmgen import facts
from smmgen.text import measure

# Characters a hashtag may hold on every platform we post to: letters, combining marks, digits.
_WORD_PART = regex.compile(r"[\p{L}\p{M}\p{Nd}]+")
_LETTER = regex.compile(r"\p{L}")
_APOSTROPHE = regex.compile(r"(?<=[\p{L}\p{M}])['’ʼ](?=\p{L})")
# What a hashtag may drop from a tag without changing its meaning (see the module docstring).
_MEANINGLESS = regex.compile(r"[\p{L}\p{M}\p{Nd}_\p{Pd}\s'’ʼ]+")
# A hashtag already written in a text: '#' (or fullwidth '＃') and what follows it.
_IN_TEXT = regex.compile(r"(?<![\p{L}\p{M}\p{N}_&/])[#\uff03]([\p{L}\p{M}\p{N}_]+)")


@dataclass(frozen=True)
class HashtagRules:
    """What one platform accepts in a hashtag."""

    underscore: bool = True         # keep '_' inside a tag ("covid_19")
    max_graphemes: int | None = None   # longest tag, without '#'
    max_count: int | None = None    # most hashtags in one post (Instagram: 30)


RULES: dict[str, HashtagRules] = {
    # Bluesky: app.bsky.richtext.facet#tag is at most 64 graphemes (640 bytes) without the '#' [B2].
    "bluesky": HashtagRules(max_graphemes=int(facts.BLUESKY.hashtag_length.value)),
    # Instagram: at most 30 hashtags in a caption [I1].
    "instagram": HashtagRules(max_count=int(facts.INSTAGRAM.max_hashtags.value)),
    # LinkedIn: '_' is a reserved character of the little text format; inside a hashtag it would have to be
    # escaped, which ends the hashtag. Words are joined CamelCase instead.
    "linkedin": HashtagRules(underscore=False),
}


def rules_for(platform: str) -> HashtagRules:
    return RULES.get(platform, HashtagRules())


def normalise(tag: str, platform: str = "") -> str | None:
    """The hashtag (without '#') for ``tag`` on ``platform``, or None when nothing usable is left.

    ``"public finances"`` -> ``"PublicFinances"``; ``"Harbour City"`` -> ``"HarbourCity"``;
    ``"COVID-19"`` -> ``"COVID19"``; ``"городской совет"`` -> ``"ГородскойСовет"``; ``"交通"`` -> ``"交通"``;
    ``"2026"`` -> None; ``"c++"`` -> None (see ``lost``).
    """
    return _normalised(tag, rules_for(platform))


@functools.lru_cache(maxsize=1024)
def lost(tag: str) -> str:
    """The characters that carry meaning in ``tag`` and that its hashtag would lose, each once in order (``"+"``
    for ``"c++"``, ``"."`` for ``"node.js"``); ``""`` when its hashtag keeps its meaning."""
    text = _MEANINGLESS.sub("", unicodedata.normalize("NFC", tag).strip().lstrip("#\uff03"))
    return "".join(dict.fromkeys(text))


# Remembered per platform rules, not per platform: most platforms share the default rules, and every
# platform normalises the same few tags of each article.
@functools.lru_cache(maxsize=1024)
def _normalised(tag: str, rules: HashtagRules) -> str | None:
    if lost(tag):
        return None
    text = unicodedata.normalize("NFC", tag).strip().lstrip("#\uff03")
    text = _APOSTROPHE.sub("", text)      # "women's rights" -> "womens rights", not "Women S Rights"
    if rules.underscore:
        words = [w for chunk in text.split() for w in _underscored_words(chunk)]
    else:
        words = _WORD_PART.findall(text)
    words = [w for w in words if w]
    if not words:
        return None
    if len(words) == 1:
        hashtag = words[0]
    else:
        hashtag = "".join(_capitalise(w) for w in words)
    if not _LETTER.search(hashtag):
        return None
    if rules.max_graphemes is not None and measure.grapheme_len(hashtag) > rules.max_graphemes:
        return None
    return hashtag


def _underscored_words(chunk: str) -> list[str]:
    # Within one space-free chunk, '_' is kept ("covid_19") and other punctuation splits words ("COVID-19").
    parts = regex.findall(r"[\p{L}\p{M}\p{Nd}_]+", chunk)
    return [p.strip("_") for p in parts if p.strip("_")]


def _capitalise(word: str) -> str:
    # Only the first letter changes: "iPhone" -> "IPhone" would be wrong, but "COVID" must stay "COVID".
    return word[:1].upper() + word[1:]


def hashtags(tags: Iterable[str], platform: str = "", *, present_in: str = "") -> tuple[str, ...]:
    """Normalised, de-duplicated hashtags for ``tags`` in order (without '#'), skipping any already written
    as a hashtag in ``present_in``, and capped at the platform's maximum count."""
    rules = rules_for(platform)
    present = found_in(present_in)
    seen = {m.casefold() for m in present}
    out: list[str] = []
    for tag in tags:
        hashtag = normalise(tag, platform)
        if hashtag is None or hashtag.casefold() in seen:
            continue
        seen.add(hashtag.casefold())
        out.append(hashtag)
    if rules.max_count is not None:
        room = max(0, rules.max_count - len(present))
        out = out[:room]
    return tuple(out)


def found_in(text: str) -> list[str]:
    """The hashtags written in ``text`` (without '#'), in order."""
    return _IN_TEXT.findall(text) if text else []


def joined(tags: Sequence[str]) -> str:
    """``("a", "b")`` -> ``"#a #b"``."""
    return " ".join("#" + t for t in tags)


def topic_tag(tags: Iterable[str]) -> str | None:
    """Threads' one topic tag per post: the first tag, written as a phrase (spaces allowed), 1 to 50
    characters, without '.' or '&' (which the Threads API refuses)."""
    for tag in tags:
        text = " ".join(unicodedata.normalize("NFC", tag).replace(".", " ").replace("&", " ").split())
        text = text.lstrip("#\uff03").strip()
        if text and _LETTER.search(text) and measure.utf16_len(text) <= facts.THREADS.hashtag_length.value:
            return text
    return None
