"""The content plan as people read it: every scheduled post with its expiry, by day and by week.

It only presents the schedule the build already decided (``publish_at`` / ``expire_at`` on each manifest entry);
slot assignment is ``smmgen.plan.slots``'s job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from smmgen.content.dates import epoch_seconds
from smmgen.manifest_model import ManifestEntry

UTC = dt.UTC


@dataclass(frozen=True, slots=True)      # one per post, and an Event or two: a plan holds every one
class Slot:
    id: str
    platform: str
    slug: str
    title: str
    source: str
    publish_at: dt.datetime          # UTC
    expire_at: dt.datetime | None    # UTC
    retracted: bool = False
    hold: str | None = None          # why the build holds it back ("adopted: ...", "unplaced: ..."): never posted
    account: str = ""                # the account it goes to (smmgen.config.accounts); the platform's name for its default

    @property
    def held(self) -> str | None:
        """The kind of hold: "adopted", "not_before" or "unplaced"."""
        return self.hold.split(":", 1)[0] if self.hold else None

    def identity(self) -> tuple:
        """Everything the slot is, as plain values (a page part showing it is keyed by them); times as UTC
        seconds, whose repr costs a tenth of a datetime's."""
        return (self.id, self.platform, self.slug, self.title, self.source, epoch_seconds(self.publish_at),
                epoch_seconds(self.expire_at), self.retracted, self.hold, self.account)

    def state(self, now: dt.datetime) -> str:
        """"scheduled" (not yet due), "live" (due and not expired) or "expired", as of ``now``; "held" when it
        never goes out."""
        if self.hold:
            return "held"
        if self.publish_at > now:
            return "scheduled"
        if self.expire_at is not None and self.expire_at <= now:
            return "expired"
        return "live"

    def to_json(self, tz, now: dt.datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "platform": self.platform,
            "account": self.account or self.platform,
            "slug": self.slug,
            "title": self.title,
            "source": self.source,
            "publish_at": _iso(self.publish_at),
            "expire_at": _iso(self.expire_at),
            "publish_at_local": self.publish_at.astimezone(tz).isoformat(),
            "expire_at_local": self.expire_at.astimezone(tz).isoformat() if self.expire_at else None,
            "retracted": self.retracted,
            "hold": self.hold,
        }
        if now is not None:
            out["state"] = self.state(now)
        return out


@dataclass(frozen=True, slots=True)
class Event:
    kind: str           # "publish" | "expire"
    at: dt.datetime     # in the site's time zone
    slot: Slot

    def identity(self) -> tuple:
        # ``at`` is the slot's time in the site's zone, which the cache's fingerprint covers.
        return (self.kind, self.slot.identity())


@dataclass(frozen=True)
class Day:
    date: dt.date
    events: tuple[Event, ...]

    def identity(self) -> str:
        return self._digest

    @cached_property
    def _digest(self) -> str:
        # Hashed once: a day is shown on its own and again inside its week.
        # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
        return hashlib.sha256(repr((self.date, [e.identity() for e in self.events])).encode()).hexdigest()

    def for_platform(self, platform: str) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.slot.platform == platform)


@dataclass(frozen=True)
class Week:
    monday: dt.date
    days: tuple[Day, ...]       # Monday to Sunday, empty days included

    def identity(self) -> tuple:
        return (self.monday, tuple(d.identity() for d in self.days))

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.slot.platform for d in self.days for e in d.events))


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def slots(entries: Iterable[ManifestEntry], platform_order: Sequence[str] = ()) -> list[Slot]:
    """One slot per manifest entry, in time order (then platform order, then id)."""
    return _in_order([Slot(id=e.id, platform=e.platform, slug=e.slug, title=e.title, source=e.source,
                           publish_at=e.publish_at, expire_at=e.expire_at, retracted=e.retracted, hold=e.hold,
                           account=e.account or e.platform)
                      for e in entries], platform_order)


def planned(outputs: Iterable[Any], platform_order: Sequence[str] = ()) -> list[Slot]:
    """``slots`` of the entries a build's article outputs (``smmgen.build.article_outputs.ArticleOutput``) would make, read
    from their cuts: the same slots, without making the entries."""
    return _in_order([Slot(id=c.id, platform=c.platform, slug=o.article.slug, title=o.article.title,
                           source=o.article.source, publish_at=_whole_seconds(c.publish_at),
                           expire_at=_whole_seconds(c.expire_at), retracted=bool(o.article.retracted),
                           hold=c.timing.hold if c.timing else None, account=c.account or c.platform)
                      for o in outputs for c in o.cuts], platform_order)


def _in_order(found: list[Slot], platform_order: Sequence[str]) -> list[Slot]:
    order = list(platform_order)
    return sorted(found, key=lambda s: (s.publish_at, order.index(s.platform) if s.platform in order
                                        else len(order), s.platform, s.id))


def _whole_seconds(when: dt.datetime | None) -> dt.datetime | None:
    # As the manifest writes it (and ``slots`` reads it back): UTC, to the second.
    if when is None:
        return None
    if when.tzinfo is UTC and not when.microsecond:
        return when                  # a cut's times are UTC already
    return when.astimezone(UTC).replace(microsecond=0)


def events(all_slots: Sequence[Slot], tz) -> list[Event]:
    local: dict[dt.datetime, dt.datetime] = {}     # a plan's posts share a few slot times

    def at(when: dt.datetime) -> dt.datetime:
        found = local.get(when)
        if found is None:
            found = local[when] = when.astimezone(tz)
        return found

    found = [Event("publish", at(s.publish_at), s) for s in all_slots]
    found += [Event("expire", at(s.expire_at), s) for s in all_slots if s.expire_at]
    # By the UTC instant (the slots' own times: comparing aware local times costs a zone lookup each), expiries
    # first, then platform and id: a stable sort per key, the last key first, each keyed by a value the event
    # holds already (one tuple per event as the key, and one beside it, were 20 MB at 10,000 articles).
    found.sort(key=_id)
    found.sort(key=_platform)
    found.sort(key=_publishes)
    found.sort(key=_instant)
    return found


def _id(event: Event) -> str:
    return event.slot.id


def _platform(event: Event) -> str:
    return event.slot.platform


def _publishes(event: Event) -> bool:
    return event.kind == "publish"


def _instant(event: Event) -> dt.datetime:
    return event.slot.publish_at if event.kind == "publish" else event.slot.expire_at  # type: ignore[return-value]


def days(all_slots: Sequence[Slot], tz) -> list[Day]:
    """Days that have at least one post going out or coming down, in order."""
    by_date: dict[dt.date, list[Event]] = {}
    for event in events(all_slots, tz):
        by_date.setdefault(event.at.date(), []).append(event)
    return [Day(d, tuple(evs)) for d, evs in sorted(by_date.items())]


def weeks(all_slots: Sequence[Slot], tz, days_: Sequence[Day] | None = None) -> list[Week]:
    """Monday-to-Sunday weeks that have at least one event; empty weeks in between are left out (``days_``:
    ``days(all_slots, tz)``, when the caller has it already)."""
    by_date = {d.date: d for d in (days_ if days_ is not None else days(all_slots, tz))}
    mondays = sorted({d - dt.timedelta(days=d.weekday()) for d in by_date})
    return [Week(m, tuple(by_date.get(m + dt.timedelta(days=i)) or Day(m + dt.timedelta(days=i), ())
                          for i in range(7)))
            for m in mondays]
