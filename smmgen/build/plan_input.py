"""What planning reads of each cut, as a small record of its own, and what it answers for each cut.

``smmgen.plan.slots.assign`` reads of a cut its id, platform, account, source, times, timing and number of parts
(``pipeline.PLAN_READS``), and gives back a copy of it with new times and timing and its own warnings added.
Given the build's cuts it made a second cut object for every cut while the first were alive (at 10,000 articles,
83,000 cuts of eighteen fields: some 40 MB more in the build process at once). Given a ``PlanInput`` per cut
instead (a slotted object of nine fields) its answer is the same: the planned records are the answer, which the
build applies to each article's cuts as it goes on with that article (``pipeline.planned_cut``), one article at
a time where the articles are spilled (``smmgen.build.spill``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from smmgen.plan.schedule import Timing
from smmgen.platforms import Cut

_PARTS = [(None,) * n for n in range(32)]       # one stand-in tuple per number of parts


@dataclass(frozen=True, slots=True)
class PlanInput:
    """A cut as planning reads it: ``parts`` stands in for its parts (as many Nones: rate budgets count them),
    and ``warnings`` has only those planning adds."""

    id: str
    platform: str
    account: str
    source: str
    publish_at: dt.datetime
    expire_at: dt.datetime | None
    timing: Timing | None
    parts: tuple[None, ...]
    warnings: tuple[str, ...] = ()


def plan_inputs(cuts: Sequence[Cut]) -> Iterator[PlanInput]:
    """A ``PlanInput`` per cut, in order, made as asked for: ``plan.assign`` takes them into its own list, where
    each is let go of once it is planned (a list of them given would hold them all until planning ends)."""
    for c in cuts:
        n = len(c.parts)
        yield PlanInput(c.id, c.platform, c.account, c.source, c.publish_at, c.expire_at, c.timing,
                        _PARTS[n] if n < len(_PARTS) else (None,) * n)
