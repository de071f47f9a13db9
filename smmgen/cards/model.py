"""The values going into and coming out of the card renderer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class _HashSlot:
    __slots__ = ("_hash",)      # ``CardRequest.__hash__``'s, made on first use


# Requests and cards have slots, not a dict each: a large site's build holds tens of thousands of both while its
# cards are drawn and its output is written (a request 145 bytes, not 250).
@dataclass(frozen=True, slots=True)
class CardRequest(_HashSlot):
    """One card to make for one article and one target."""

    target: str
    """A key of ``TARGETS``: "og" | "x" | "instagram" | "vk" | "mastodon" | "telegram"."""
    layout: str
    """Layout name: "default", the front matter's ``card:``, or "photo" when the article has a hero."""
    title: str
    """Plain text (entities decoded, Markdown stripped)."""
    site_name: str
    kicker: str | None
    """Section or first tag, shown above the title when the layout has a kicker."""
    date_text: str | None
    """Already formatted in the article's language."""
    lang: str
    """BCP 47 tag, e.g. "ja", "ar"; picks shaping, CJK glyph forms and the text direction."""
    hero: Path | None
    """Absolute path, checked by the caller to exist inside the site."""
    focus: tuple[float, float] | None
    """Focal point of the hero, each in 0..1 (front matter ``image_focus``)."""
    alt: str
    source: str
    """Article path for error messages, e.g. "content/2026/budget.md"."""
    line: int | None
    """Line of the ``image:`` field, for error messages."""

    # A build looks requests up in dicts tens of thousands of times, and the generated hash hashes every field
    # each time: it is made once per object. Not pickled (string hashes differ between processes): the pickled
    # state is the fields' values alone (the generated ``__getstate__`` of a class with slots).
    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            value = hash(tuple(getattr(self, f) for f in _REQUEST_FIELDS))
            object.__setattr__(self, "_hash", value)
            return value


_REQUEST_FIELDS = tuple(CardRequest.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Card:
    """A rendered card file."""

    path: str
    """Relative to the output dir, e.g. "cards/3f2a....jpg"."""
    width: int
    height: int
    bytes: int
    sha256: str
    format: str
    """"jpeg" | "png"."""
    alt: str
    target: str
