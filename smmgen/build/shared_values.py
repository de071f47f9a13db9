"""Sharing the values that the cuts of many articles repeat, once they come back from worker processes."""

from __future__ import annotations

from typing import Any

from smmgen.content.article import Article, Social
from smmgen.platforms import Cut


class Shared:
    """One object for each value that the cuts of many articles repeat (hashtags, card references, timings,
    warnings): a worker process's answer brings its own copies, unpickled anew for every chunk of articles, and
    a large site's cuts would hold thousands of copies of each."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._mappings: dict[tuple, Any] = {}      # read-only mappings (unhashable) by their items
        self._socials: dict[tuple, Social] = {}     # articles' social settings without overrides

    def one(self, value: Any) -> Any:
        """The first value equal to ``value`` that this object was given (hashable values only)."""
        return self._values.setdefault(value, value)

    def cut(self, cut: Cut) -> Cut:
        """``cut`` made again with its repeated values shared (equal to ``cut``)."""
        one = self.one
        changes = {"tags": one(tuple(map(one, cut.tags))), "media": one(tuple(map(one, cut.media))),
                   "warnings": one(tuple(map(one, cut.warnings))), "platform": one(cut.platform),
                   "unit": one(cut.unit), "account": one(cut.account), "source": one(cut.source),
                   "slug": one(cut.slug), "lengths": one(tuple(map(one, cut.lengths))), "limit": one(cut.limit),
                   "publish_at": one(cut.publish_at), "expire_at": one(cut.expire_at)}
        if cut.timing is not None:
            changes["timing"] = one(cut.timing)
        # ``dataclasses.replace`` without its per-call cost, as in ``_with_plan_values``: the same values, shared.
        made = object.__new__(type(cut))
        made.__dict__.update(cut.__dict__)
        made.__dict__.update(changes)
        return made

    def article(self, article: Article) -> Article:
        """``article`` made again with the values many articles repeat shared (equal to ``article``): the
        front matter's key lines (most files of a site list the same keys in the same order), its social
        settings, tags, language, section and keys smmgen does not use."""
        one = self.one
        changes = {"lines": self._mapping(article.lines), "tags": one(tuple(map(one, article.tags))),
                   "source": one(article.source), "slug": one(article.slug), "key": one(article.key),
                   "lang": one(article.lang), "section": one(article.section),
                   "ignored_keys": one(article.ignored_keys), "warnings": one(article.warnings),
                   "card": one(article.card), "image_focus": one(article.image_focus)}
        social = article.social
        if not social.overrides:        # (one with overrides is kept as it is: rarer, and not hashable)
            key = (social.platforms, social.publish_at, social.expire_at, social.expire_after)
            changes["social"] = self._socials.setdefault(key, social)
        made = object.__new__(type(article))
        made.__dict__.update(article.__dict__)
        made.__dict__.update(changes)
        return made

    def _mapping(self, mapping: Any) -> Any:
        try:
            return self._mappings.setdefault(tuple(mapping.items()), mapping)
        except TypeError:               # a value that cannot be hashed: kept as it is
            return mapping
