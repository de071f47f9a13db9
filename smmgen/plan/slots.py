"""The content plan: each post's time, from the posting slots, spacing, daily maximums and blackouts of its
platform (``[plan]``, read by smmgen.plan.posting_rules).

``assign`` keeps every explicit time (front matter) and every post the publisher's ledger says went out, and
gives each other cut the first free slot at or after its article's date, in the order (article date, cut id).
It reads only the configuration, the cuts and the ledger, never the clock or the order of files on disk, so the
same content always gives the same plan; and a newly merged article never moves a post that is already out.

Some posts never go out and take no slot (``Timing.hold`` says why, and the manifest entry's ``hold``): those the
ledger records as adopted (``smmgen adopt``: the ledger is already an input of the plan, so reading one more
state keeps the same inputs giving the same bytes), those of articles dated before ``[publish] not_before``, and
those for which no slot is free within the horizon (with a warning, instead of failing the build).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from smmgen import facts
from smmgen.config.site import Site
from smmgen.errors import ContentError, SmmgenError
from smmgen.plan.ledger_times import ledger_view
from smmgen.plan.posting_rules import Rules, rules_for, wall_clock
from smmgen.plan.schedule import Timing
from smmgen.platforms import Cut

UTC = dt.UTC
HORIZON_DAYS = 366        # how far ahead the plan looks for a free slot before it gives up


# --- assignment ------------------------------------------------------------------------------------------------

def assign(cuts: Sequence[Cut], site: Site) -> tuple[list[Cut], list[SmmgenError]]:
    """Give every cut without an explicit time its slot; report explicit times that break the plan.

    Posts that never go out take no slot and keep their own time: those the ledger records as adopted, and
    those of articles dated before ``[publish] not_before``. A post with no free slot within the horizon is
    held too, with a warning: a site that writes more than its plan allows still builds.
    """
    from smmgen.config.publish_settings import floor_time

    try:
        published, adopted = ledger_view(site)
    except SmmgenError as e:
        return list(cuts), [e]
    held = Held(adopted, floor_time((site.publish or {}).get("not_before"), site.timezone))
    out = list(cuts)
    errors: list[SmmgenError] = []
    # Each account has its own calendar: slots, spacing and the daily maximum count its own posts.
    by_platform: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, cut in enumerate(out):
        by_platform[(cut.platform, cut.account or cut.platform)].append(i)
    # One object for equal timings (an article's cuts mostly plan to one): a new one a cut, all held until the
    # build has applied the plan, were ~150 bytes a cut.
    same: dict[Timing, Timing] = {}
    for (platform, account), indexes in by_platform.items():
        rules = rules_for(site, platform, account)
        planned, platform_errors = _plan_platform([out[i] for i in indexes], rules, published, held, same)
        errors += platform_errors
        for i, cut in zip(indexes, planned):
            out[i] = cut
    for platform, indexes in by_platform.items():
        going = [i for i in indexes if _timing(out[i]).hold is None]
        for i, warning in _budget_warnings([out[i] for i in going], site.timezone):
            out[going[i]] = replace(out[going[i]], warnings=out[going[i]].warnings + (warning,))
    return out, errors


@dataclass(frozen=True)
class Held:
    """What keeps a post from ever going out, as far as the build can see."""

    adopted: frozenset[str]                  # ids the ledger records as adopted
    not_before: dt.datetime | None = None    # [publish] not_before, as an instant

    def reason(self, cut: Cut) -> str | None:
        """Why ``cut`` never goes out, starting with its kind (``adopted:``, ``not_before:``), or None."""
        if cut.id in self.adopted:
            return "adopted: it was out before smmgen published this site (smmgen adopt)"
        article_date = _timing(cut).article_date
        if self.not_before is not None and article_date is not None and article_date < self.not_before:
            return (f"not_before: the article is dated {_iso(article_date)}, before [publish] not_before "
                    f"{_iso(self.not_before)}")
        return None


def _timing(cut: Cut) -> Timing:
    # A cut made without timing information keeps its time, as an explicit one would: never move it silently.
    return cut.timing or Timing(field="publish_at", line=None, basis="explicit")


def _plan_platform(cuts: list[Cut], rules: Rules, published: Mapping[str, dt.datetime],
                   held: Held = Held(frozenset()), same: dict[Timing, Timing] | None = None) \
        -> tuple[list[Cut], list[SmmgenError]]:
    out = list(cuts)
    same = same if same is not None else {}
    fixed: list[int] = []
    free: list[int] = []
    for i, cut in enumerate(out):
        timing = _timing(cut)
        hold = None if cut.id in published else held.reason(cut)
        if cut.id in published:
            out[i] = _with_time(cut, published[cut.id], replace(timing, basis="published"), rules, same)
            fixed.append(i)
        elif hold is not None:
            out[i] = _with_time(cut, cut.publish_at, replace(timing, basis="held", hold=hold), rules, same)
        elif timing.explicit:
            out[i] = _with_time(cut, cut.publish_at, timing, rules, same)
            fixed.append(i)
        elif rules.moves_posts:
            free.append(i)
        else:
            out[i] = _with_time(cut, cut.publish_at, timing, rules, same)
    errors = _check_fixed([out[i] for i in fixed], rules)
    calendar = Calendar(rules, (out[i].publish_at for i in fixed))
    for i in sorted(free, key=lambda i: (out[i].publish_at, out[i].id)):
        cut = out[i]
        timing = _timing(cut)
        when = calendar.first_free(cut.publish_at)
        if when is None:
            # A warning, not an error: one busy year must not stop the build of the whole site.
            why = f"no free {_who(cut)} slot within {HORIZON_DAYS} days after {_local(cut.publish_at, rules.tz)}"
            out[i] = replace(_with_time(cut, cut.publish_at, replace(timing, basis="held", hold=f"unplaced: {why}"),
                                        rules),
                             warnings=cut.warnings + (f"{why}: it will not be posted (loosen [plan], or give it "
                                                      "a publish_at)",))
            continue
        planned = _with_time(cut, when, replace(timing, basis="slot"), rules, same)
        if planned.expire_at is not None and planned.expire_at <= when:
            errors.append(_error(cut, f"the next free {_who(cut)} slot, {_local(when, rules.tz)}, is not before "
                                      f"its expiry {_local(planned.expire_at, rules.tz)}; set an explicit "
                                      "publish_at or a later expiry"))
        calendar.add(when)
        out[i] = planned
    return out, errors


def _with_time(cut: Cut, when: dt.datetime, timing: Timing, rules: Rules,
               same: dict[Timing, Timing] | None = None) -> Cut:
    if same is not None:
        timing = same.setdefault(timing, timing)
    if timing.expire_after is not None:
        expire_at = when + timing.expire_after
    elif cut.expire_at is None and rules.default_expiry is not None:
        expire_at = when + rules.default_expiry
    else:
        expire_at = cut.expire_at
    return replace(cut, publish_at=when, expire_at=expire_at, timing=timing)


class Calendar:
    """The posts already placed on one platform, and where the next one fits."""

    def __init__(self, rules: Rules, taken: Iterable[dt.datetime]):
        self.rules = rules
        self.times: list[dt.datetime] = sorted(taken)
        self.per_day: Counter[dt.date] = Counter(rules.day(t) for t in self.times)

    def add(self, when: dt.datetime) -> None:
        bisect.insort(self.times, when)
        self.per_day[self.rules.day(when)] += 1

    def too_close(self, when: dt.datetime) -> dt.datetime | None:
        """The placed post closer than min_spacing to ``when``, if any."""
        spacing = self.rules.min_spacing
        if not spacing:
            return None
        at = bisect.bisect_left(self.times, when)
        for other in self.times[max(at - 1, 0):at + 1]:
            if abs(other - when) < spacing:
                return other
        return None

    def taken(self, when: dt.datetime) -> bool:
        at = bisect.bisect_left(self.times, when)
        return at < len(self.times) and self.times[at] == when

    def day_full(self, when: dt.datetime) -> bool:
        limit = self.rules.max_per_day
        return limit is not None and self.per_day[self.rules.day(when)] >= limit

    def fits(self, when: dt.datetime) -> bool:
        return not (self.rules.blackout_at(when) or self.too_close(when) or self.day_full(when))

    def first_free(self, earliest: dt.datetime) -> dt.datetime | None:
        horizon = earliest + dt.timedelta(days=HORIZON_DAYS)
        return self._first_slot(earliest, horizon) if self.rules.slots else self._first_moment(earliest, horizon)

    def _first_slot(self, earliest: dt.datetime, horizon: dt.datetime) -> dt.datetime | None:
        day = self.rules.day(earliest)
        for offset in range(HORIZON_DAYS + 1):
            for when in self.rules.slot_times(day + dt.timedelta(days=offset)):
                # A slot holds one post, even where no spacing rule would keep two apart.
                if earliest <= when < horizon and self.fits(when) and not self.taken(when):
                    return when
        return None

    def _first_moment(self, when: dt.datetime, horizon: dt.datetime) -> dt.datetime | None:
        # Without slots, each rule that refuses a moment names the next one worth trying; every step moves
        # forward, so this ends.
        while when < horizon:
            window = self.rules.blackout_at(when)
            other = self.too_close(when)
            if window:
                when = window.end
            elif other:
                when = other + self.rules.min_spacing
            elif self.day_full(when):
                when = wall_clock(self.rules.day(when) + dt.timedelta(days=1), dt.time(0), self.rules.tz)
            else:
                return when
        return None


def _check_fixed(cuts: list[Cut], rules: Rules) -> list[SmmgenError]:
    """Explicit times that break the plan. Posts already out are history: only their neighbours are reported."""
    errors: list[SmmgenError] = []
    ordered = sorted(cuts, key=lambda c: (c.publish_at, c.id))

    def movable(cut: Cut) -> bool:
        return _timing(cut).basis == "explicit"

    for cut in ordered:
        window = rules.blackout_at(cut.publish_at)
        if window and movable(cut):
            why = f" ({window.reason})" if window.reason else ""
            errors.append(_error(cut, f"{_local(cut.publish_at, rules.tz)} is inside the {_who(cut)} blackout "
                                      f"{_local(window.start, rules.tz)} – {_local(window.end, rules.tz)}{why}"))
    if rules.min_spacing:
        for earlier, later in itertools.pairwise(ordered):
            gap = later.publish_at - earlier.publish_at
            if gap >= rules.min_spacing or not (movable(earlier) or movable(later)):
                continue
            culprit, other = (later, earlier) if movable(later) else (earlier, later)
            errors.append(_error(culprit, f"{_local(culprit.publish_at, rules.tz)} is {_span(gap)} from another "
                                          f"{_who(culprit)} post ({other.source} at "
                                          f"{_local(other.publish_at, rules.tz)}); min_spacing is "
                                          f"{_span(rules.min_spacing)}"))
    if rules.max_per_day is not None:
        days: dict[dt.date, list[Cut]] = defaultdict(list)
        for cut in ordered:
            days[rules.day(cut.publish_at)].append(cut)
        for day, posts in sorted(days.items()):
            excess = len(posts) - rules.max_per_day
            if excess <= 0:
                continue
            # The latest movable posts are reported: moving those is the smallest fix.
            for cut in [c for c in posts if movable(c)][-excess:]:
                errors.append(_error(cut, f"{len(posts)} {_who(cut)} posts on {day.isoformat()}, more than "
                                          f"max_per_day {rules.max_per_day} (this one at "
                                          f"{_local(cut.publish_at, rules.tz)})"))
    return errors


def _who(cut: Cut) -> str:
    """The platform, and the account when it is not the platform's default (``telegram:courier-ru``)."""
    return cut.platform if not cut.account or cut.account == cut.platform else f"{cut.platform}:{cut.account}"


def _error(cut: Cut, message: str) -> ContentError:
    timing = _timing(cut)
    return ContentError(cut.source, timing.line, timing.field, f"{_who(cut)}: {message}")


# --- rate budgets (smmgen.facts) -------------------------------------------------------------------------------


def _budget_warnings(cuts: Sequence[Cut], tz: ZoneInfo) -> list[tuple[int, str]]:
    """(index into cuts, warning) for every post that takes its platform over a rate budget."""
    if not cuts:
        return []
    warnings: list[tuple[int, str]] = []
    order = sorted(range(len(cuts)), key=lambda i: (cuts[i].publish_at, cuts[i].id))
    platform = facts.get(cuts[0].platform)
    for budget in platform.budgets if platform is not None else ():
        weights = [max(len(cuts[i].parts), 1) if budget.per_part else 1 for i in order]
        start, total = 0, 0
        for end, i in enumerate(order):
            total += weights[end]
            while cuts[i].publish_at - cuts[order[start]].publish_at >= budget.window:
                total -= weights[start]
                start += 1
            if total > budget.posts:
                warning = (f"{total} posts in the {_span(budget.window)} up to {_local(cuts[i].publish_at, tz)} "
                           f"exceed the rate budget of {budget.posts} per {_span(budget.window)} "
                           f"({budget.source}); publishing will be throttled")
                warnings.append((i, warning))
    return warnings


# --- formatting ------------------------------------------------------------------------------------------------

def _iso(when: dt.datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(when: dt.datetime, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes >= 24 * 60 * 2:
        return f"{minutes // (24 * 60)} d"
    if minutes % 60 == 0 and minutes:
        return f"{minutes // 60} h"
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min"
