"""Sharing the values that the cuts of many articles repeat, once they come back from worker processes."""

from __future__ import annotations

from typing import Any

from smmgen.platforms import Cut


class Shared:
    """One object for each value that the cuts of many articles repeat (hashtags, card references, timings,
    warnings): a worker process's answer brings its own copies, unpickled anew for every chunk of articles, and
    a large site's cuts would hold thousands of copies of each."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}

    def one(self, value: Any) -> Any:
        """The first value equal to ``value`` that this object was given (hashable values only)."""
        return self._values.setdefault(value, value)

    def cut(self, cut: Cut) -> Cut:
        """``cut`` made again with its repeated values shared (equal to ``cut``)."""
        one = self.one
        changes = {"tags": one(tuple(map(one, cut.tags))), "media": one(tuple(map(one, cut.media))),
                   "warnings": one(tuple(map(one, cut.warnings))), "platform": one(cut.platform),
                   "unit": one(cut.unit), "account": one(cut.account), "source": one(cut.source),
                   "slug": one(cut.slug)}
        if cut.timing is not None:
            changes["timing"] = one(cut.timing)
        # ``dataclasses.replace`` without its per-call cost, as in ``_with_plan_values``: the same values, shared.
        made = object.__new__(type(cut))
        made.__dict__.update(cut.__dict__)
        made.__dict__.update(changes)
        return made
