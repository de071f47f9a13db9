"""How a platform counts a post (``Rules``): its unit, limit and the second limits it refuses beyond (UTF-8
bytes, links, hashtags, mentions), built from the platform's spec (``rules_for``)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from smmgen.platforms.base import PlatformSpec
from smmgen.text import measure


@dataclass(frozen=True)
class Rules:
    """How one platform counts a post, its limit, and the counts it refuses beyond.

    ``counted`` turns a post into the text the platform counts (LinkedIn: the escaped commentary; Telegram: the
    text after HTML entity parsing). ``max_bytes`` is a second limit in UTF-8 bytes (Bluesky's 3000).
    """

    platform: str
    unit: str
    limit: int
    measure_opts: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    max_bytes: int | None = None
    max_links: int | None = None
    max_hashtags: int | None = None
    max_mentions: int | None = None
    counted: Callable[[str], str] | None = None
    # The texts measured with these rules (one cut's: fitting measures the text it chooses, and ``finish`` then
    # checks that very text).
    _measured: dict[str, int] = field(default_factory=dict, init=False, compare=False, repr=False)

    def _text(self, text: str) -> str:
        return self.counted(text) if self.counted else text

    def _measure(self, counted: str) -> int:
        n = self._measured.get(counted)
        if n is None:
            n = self._measured[counted] = measure.measure(counted, self.unit, **self.measure_opts)
        return n

    def length(self, text: str) -> int:
        """The length the platform gives ``text``, in ``unit``."""
        return self._measure(self._text(text))

    def cost(self, text: str) -> int:
        """The length, raised above ``limit`` when a second rule (bytes, links, hashtags, mentions) is broken,
        so that fitting to ``limit`` respects them all."""
        counted = self._text(text)
        n = self._measure(counted)
        if self.max_bytes is not None:
            n = max(n, math.ceil(measure.utf8_len(counted) * self.limit / self.max_bytes))
        if self._too_many(counted):
            n = max(n, self.limit + 1)
        return n

    def _too_many(self, counted: str) -> bool:
        return bool(
            (self.max_links is not None and measure.count_links(counted, unique=True) > self.max_links)
            or (self.max_hashtags is not None and measure.count_hashtags(counted) > self.max_hashtags)
            or (self.max_mentions is not None and measure.count_mentions(counted) > self.max_mentions))

    def problems(self, text: str) -> list[str]:
        """Why ``text`` would be refused, one message per broken rule (``x: text is 291/280 (weighted)``)."""
        return self.check(text)[1]

    def check(self, text: str) -> tuple[int, list[str]]:
        """``(length, problems)``: what ``length`` and ``problems`` give, counted once."""
        counted = self._text(text)
        length = self._measure(counted)
        return length, self._problems(counted, length)

    def _problems(self, counted: str, length: int) -> list[str]:
        out = []
        if length > self.limit:
            out.append(f"{self.platform}: text is {length}/{self.limit} ({self.unit})")
        if self.max_bytes is not None and (size := measure.utf8_len(counted)) > self.max_bytes:
            out.append(f"{self.platform}: text is {size}/{self.max_bytes} (utf8-bytes)")
        if self.max_links is not None and (n := measure.count_links(counted, unique=True)) > self.max_links:
            out.append(f"{self.platform}: {n} links, at most {self.max_links} allowed")
        if self.max_hashtags is not None and (n := measure.count_hashtags(counted)) > self.max_hashtags:
            out.append(f"{self.platform}: {n} hashtags, at most {self.max_hashtags} allowed")
        if self.max_mentions is not None and (n := measure.count_mentions(counted)) > self.max_mentions:
            out.append(f"{self.platform}: {n} mentions, at most {self.max_mentions} allowed")
        return out


def rules_for(spec: PlatformSpec, *, limit: int | None = None, **more: Any) -> Rules:
    """Rules from the spec's limit, unit and caps; ``more`` adds or replaces fields."""
    values: dict[str, Any] = {"platform": spec.name, "unit": spec.unit, "limit": limit or spec.text_limit,
                              "max_bytes": spec.text_max_bytes, "max_links": spec.max_links,
                              "max_hashtags": spec.max_hashtags, "max_mentions": spec.max_mentions}
    values.update(more)
    return Rules(**values)


def visible_html(text: str) -> str:
    """What a message in Telegram's HTML parse mode shows: tags removed, entities decoded as Telegram decodes
    them (``measure.telegram_html_unescape``: ``&copy;`` stays six characters)."""
    return measure.telegram_html_unescape(re.sub(r"<[^>]*>", "", text))
