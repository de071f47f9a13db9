"""``[plan]``: the posting rules of each platform (and account), read from the configuration: slots, spacing,
daily maximums, blackouts and default expiry. ``[plan.<platform>]`` overrides the shared rules for one platform
(its blackouts add to the shared ones); slots are wall-clock times in the site timezone. The assignment that
applies them: smmgen.plan.slots."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from smmgen.config import schema as s
from smmgen.config.site import Site
from smmgen.platforms import registry

UTC = dt.UTC

@dataclass(frozen=True)
class Window:
    """A blackout: nothing goes out from ``start`` (inclusive) to ``end`` (exclusive).

    Times written without an offset are site-local wall-clock times; they are placed in the timezone by
    ``Rules``, because the schema does not know the site's timezone.
    """

    start: dt.datetime
    end: dt.datetime
    reason: str | None = None


def _moment(value: Any, *, end: bool) -> dt.datetime:
    if isinstance(value, dt.date):
        s.in_years(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        # A date alone covers the whole day: `until = 2026-12-26` still blacks out the 26th.
        return dt.datetime.combine(value + dt.timedelta(days=1 if end else 0), dt.time())
    if isinstance(value, str):
        try:
            return _moment(dt.datetime.fromisoformat(value.strip()), end=end)
        except ValueError:
            try:
                return _moment(dt.date.fromisoformat(value.strip()), end=end)
            except ValueError:
                pass
    raise s.Invalid(f"not a date or date-time: {s.shown(value)} (write e.g. 2026-12-24T18:00:00 or 2026-12-25)")


BLACKOUT_FIELDS = {
    "from": s.Field(lambda v: v, doc="Start (a date or a date-time; site-local unless it has an offset)."),
    "until": s.Field(lambda v: v, doc="End, exclusive for a date-time; a date alone includes that whole day."),
    "date": s.Field(lambda v: v, doc="One whole day (instead of from/until)."),
    "reason": s.Field(s.string, doc="Shown in messages, e.g. \"Christmas\"."),
}


def _blackout(value: Any) -> Window:
    if not isinstance(value, Mapping):
        raise s.Invalid(f"expected a table like {{ from = 2026-12-24T18:00:00, until = 2026-12-26 }}, "
                        f"got {s.shown(value)}")
    result = s.validate(value, BLACKOUT_FIELDS)
    if result.problems:
        raise s.Invalid("; ".join(f"{p.key}: {p.message}" for p in result.problems))
    v = result.values
    if v["date"] is not None:
        if v["from"] is not None or v["until"] is not None:
            raise s.Invalid("set either date or from/until, not both")
        if isinstance(v["date"], dt.datetime):
            raise s.Invalid(f"date: expected a date without a time, got {s.shown(str(v['date']))}")
        start, end = _moment(v["date"], end=False), _moment(v["date"], end=True)
    elif v["from"] is None or v["until"] is None:
        raise s.Invalid("needs both from and until (or date for one whole day)")
    else:
        start, end = _moment(v["from"], end=False), _moment(v["until"], end=True)
        if (start.tzinfo is None) != (end.tzinfo is None):
            raise s.Invalid("from and until must both have an offset or both be site-local")
        if end <= start:
            raise s.Invalid(f"until ({end.isoformat()}) is not after from ({start.isoformat()})")
    return Window(start=start, end=end, reason=v["reason"])


EVERY_FIELDS = {
    "every": s.Field(s.duration, required=True, doc="Time between slots, e.g. \"3h\"."),
    "from": s.Field(s.clock_time, default=dt.time(0, 0), doc="First slot of the day."),
    "until": s.Field(s.clock_time, default=dt.time(23, 59), doc="No slot after this time of day."),
}


def _slots(value: Any) -> tuple[dt.time, ...]:
    """``["08:00", "12:30"]`` or ``{ every = "3h", from = "07:00", until = "22:00" }``."""
    if isinstance(value, Mapping):
        result = s.validate(value, EVERY_FIELDS)
        if result.problems:
            raise s.Invalid("; ".join(f"{p.key}: {p.message}" for p in result.problems))
        every, first, last = result.values["every"], result.values["from"], result.values["until"]
        if every >= dt.timedelta(days=1):
            raise s.Invalid(f"every must be less than a day, got {s.shown(value['every'])}")
        if last < first:
            raise s.Invalid("until is before from (slots cannot run past midnight)")
        day = dt.date(2000, 1, 1)
        at, stop = dt.datetime.combine(day, first), dt.datetime.combine(day, last)
        times = []
        while at <= stop:
            times.append(at.time())
            at += every
        return tuple(times)
    times = s.list_of(s.clock_time)(value)
    if not times:
        raise s.Invalid("expected at least one time of day")
    return tuple(sorted(set(times)))


RULE_FIELDS: dict[str, s.Field] = {
    "slots": s.Field(_slots, doc='Posting times in the site timezone: ["08:00", "12:30", "18:00"], or '
                                 '{ every = "3h", from = "07:00", until = "22:00" }. Without slots a post goes '
                                 "out at its article's date, moved only as far as the other rules need."),
    "min_spacing": s.Field(s.duration, doc='Least time between two posts on the platform, e.g. "2h".'),
    "max_per_day": s.Field(s.integer(1), doc="Most posts on the platform per day (site timezone)."),
    "blackout": s.Field(s.list_of(_blackout), default=(),
                        doc="Windows in which nothing goes out: { from = ..., until = ..., reason = ... } or "
                            "{ date = 2026-12-25 }."),
    "default_expiry": s.Field(s.duration, doc="Delete a post this long after it went out, unless its article "
                                              'sets an expiry, e.g. "30d".'),
}

PLAN_SCHEMA: dict[str, s.Field] = {
    **RULE_FIELDS,
    **{name: s.Field(s.table(RULE_FIELDS), doc=f"Rules for {name} only (override [plan]; blackouts add up).")
       for name in registry.names()},
}


@dataclass(frozen=True)
class Rules:
    """One platform's plan, with its blackouts placed in the site timezone (UTC)."""

    tz: ZoneInfo
    slots: tuple[dt.time, ...] = ()
    min_spacing: dt.timedelta = dt.timedelta(0)
    max_per_day: int | None = None
    blackouts: tuple[Window, ...] = ()
    default_expiry: dt.timedelta | None = None

    @property
    def moves_posts(self) -> bool:
        """Whether the plan may move a post away from its article's date at all."""
        return bool(self.slots or self.min_spacing or self.max_per_day or self.blackouts)

    def day(self, when: dt.datetime) -> dt.date:
        return when.astimezone(self.tz).date()

    def slot_times(self, day: dt.date) -> tuple[dt.datetime, ...]:
        return _slot_times(day, self.slots, self.tz)

    def blackout_at(self, when: dt.datetime) -> Window | None:
        return next((w for w in self.blackouts if w.start <= when < w.end), None)


@functools.lru_cache(maxsize=128)
def _slot_times(day: dt.date, slots: tuple[dt.time, ...], tz: ZoneInfo) -> tuple[dt.datetime, ...]:
    # Remembered: placing each post looks at the slots of the days from its article's on, which the posts of
    # neighbouring articles looked at too (a busy desk's 36 slots a day were most of planning's time).
    return tuple(sorted({wall_clock(day, t, tz) for t in slots}))


def wall_clock(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of a wall-clock time on a day in ``tz``, existing exactly once.

    On a spring-forward day a time in the gap (02:30 in Europe/Berlin) moves forward by the gap (to 03:30);
    on a fall-back day a time that happens twice takes its first occurrence.
    """
    return dt.datetime.combine(day, time, tzinfo=tz).replace(fold=0).astimezone(UTC)


def _placed(when: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    return wall_clock(when.date(), when.time(), tz)


def rules_for(site: Site, platform: str, account: str | None = None) -> Rules:
    """The plan of one platform's account: the account's own ``plan`` rules, else ``[plan.<platform>]``, else
    ``[plan]`` (blackouts add up)."""
    from smmgen.config.accounts import account_named

    shared: Mapping[str, Any] = site.plan or {}
    own: Mapping[str, Any] = shared.get(platform) or {}
    found = account_named(site, account) if account and account != platform else None
    mine: Mapping[str, Any] = found.plan if found is not None else {}

    def pick(key: str) -> Any:
        if mine.get(key) is not None:
            return mine[key]
        return own[key] if own.get(key) is not None else shared.get(key)

    windows = (tuple(shared.get("blackout") or ()) + tuple(own.get("blackout") or ())
               + tuple(mine.get("blackout") or ()))
    return Rules(
        tz=site.timezone,
        slots=tuple(pick("slots") or ()),
        min_spacing=pick("min_spacing") or dt.timedelta(0),
        max_per_day=pick("max_per_day"),
        blackouts=tuple(replace(w, start=_placed(w.start, site.timezone), end=_placed(w.end, site.timezone))
                        for w in windows),
        default_expiry=pick("default_expiry"),
    )
