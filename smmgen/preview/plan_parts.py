"""The built-in plan's weeks and days (``plan.html.j2``'s ``week_table`` and ``day_block`` macros, with their
``item``), made in Python: the same text, for a site whose ``plan.html.j2`` is smmgen's (see
``smmgen.preview.article_page`` for why and how it is held to the template's bytes; ``tests/test_article_page.py``
compares the two).

Every post is shown twice, in its week's table and in its day's list, which differ only in the platform's name
the day's list adds: its text is made once for both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from smmgen.preview.article_page import escaped

GREY = "#64748b"            # a platform without an accent of its own


class _Part:
    """One of the macros, by the name the page memo keys its parts by."""

    def __init__(self, name: str, make: Any):
        self.name = name
        self._make = make

    def __call__(self, arg: Any) -> Markup:
        return Markup(self._make(arg))


class PlanParts:
    """``week_table`` and ``day_block`` bound as on a plan page: to its ``up`` and the plan's values (``titles``,
    ``accents``, ``article_pages``, ``handles``, from ``smmgen.preview.pages.plan_values``) and the preview's
    ``data``."""

    def __init__(self, up: str, values: Mapping[str, Any], data: Any):
        self.up = escaped(up)
        self.titles = values["titles"]
        self.accents = values["accents"]
        self.pages = values["article_pages"]
        self.handles = values["handles"]
        self.data = data
        self.week_table = _Part("week_table", self._week)
        self.day_block = _Part("day_block", self._day)
        # An event's text as its week made it (the event, and the text before and after the platform's name),
        # until its day takes it.
        self._made: dict[int, tuple[Any, str, str]] = {}

    def _week(self, week: Any) -> str:
        out = ['<table class="week">\n    <caption>Week of ', escaped(week.monday.strftime("%-d %B %Y")),
               '</caption>\n    <thead><tr><th class="lane-head">Platform</th>']
        w = out.append
        dates = []
        for day in week.days:
            date = escaped(day.date.isoformat())
            dates.append(date)
            w('<th class="day-head" data-date="')
            w(date)
            w('">')
            w(escaped(day.date.strftime("%a %-d %b")))
            w('</th>')
        w('</tr></thead>\n    <tbody>\n')
        shown = week.platforms
        made = self._made
        made.clear()                # a week's days follow it: the last week's are taken, or made as they come
        for name, title in self.data.platforms:
            if name not in shown:
                continue
            w('      <tr class="lane" data-platform="')
            w(escaped(name))
            w('">\n        <th class="lane-head"><span class="dot" style="--accent: ')
            w(escaped(self.accents.get(name, GREY)))
            w('"></span>')
            w(escaped(title))
            w('</th>\n')
            for day, date in zip(week.days, dates):
                w('        <td class="cell" data-date="')
                w(date)
                w('">')
                for event in day.for_platform(name):
                    _, head, tail = made[id(event)] = (event, *self._item(event))
                    w(head)
                    w(tail)
                w('</td>\n')
            w('      </tr>\n')
        w('    </tbody>\n  </table>')
        return "".join(out)

    def _day(self, day: Any) -> str:
        out = ['<div class="day" data-date="', escaped(day.date.isoformat()), '">\n    <h2 class="day-title">',
               escaped(day.date.strftime("%A %-d %B %Y")), '</h2>\n    <div class="day-events">']
        w = out.append
        titles, made = self.titles, self._made
        for event in day.events:
            known = made.pop(id(event), None)
            head, tail = known[1:] if known is not None and known[0] is event else self._item(event)
            w(head)
            w('<span class="ev-pf">')
            platform = event.slot.platform
            w(escaped(titles.get(platform, platform)))
            w('</span>')
            w(tail)
        w('</div>\n  </div>')
        return "".join(out)

    def _item(self, event: Any) -> tuple[str, str]:
        """The ``item`` macro's text of ``event``, before and after where the day's list names the platform."""
        slot = event.slot
        platform, account = slot.platform, slot.account
        at = event.at
        zone = at.tzinfo
        page = self.pages.get(slot.source)
        handle = self.handles.get(account)
        title = escaped(slot.title)
        out = ['<a class="ev ev--', escaped(event.kind), '" style="--accent: ',
               escaped(self.accents.get(platform, GREY)), '" data-platform="', escaped(platform),
               '" data-account="', escaped(account or platform), '" data-at="', escaped(at.isoformat()), '"']
        w = out.append
        if page:
            w(' href="')
            w(self.up)
            w('preview/')
            w(escaped(page))
            w('#')
            w(escaped(platform if account in ("", platform) else platform + "-" + account))
            w('"')
        w(' title="')
        w(escaped(self.titles.get(platform, platform)))
        if handle:
            w(' ')
            w(escaped(handle))
        w(' · ')
        w(title)
        w('&#10;publish ')
        w(escaped(slot.publish_at.astimezone(zone).strftime("%a %d %b %H:%M")))
        expire = slot.expire_at.astimezone(zone) if slot.expire_at else None
        if slot.expire_at:
            w('&#10;expires ')
            w(escaped(expire.strftime("%a %d %b %H:%M")))   # type: ignore[union-attr]
        w('">\n  <span class="ev-time">')
        w(escaped(at.strftime("%H:%M")))
        w('</span>\n')
        if event.kind == "expire":
            w('<span class="ev-kind">expires</span>')
        head = "".join(out)
        out = []
        w = out.append
        if self.data.accounts and handle:
            w('<span class="ev-acct">')
            w(escaped(handle))
            w('</span>')
        w('  <span class="ev-title">')
        w(title)
        w('</span>\n')
        if event.kind == "publish" and slot.expire_at:
            w('<span class="ev-exp">until ')
            w(escaped(expire.strftime("%a %-d %b %H:%M")))      # type: ignore[union-attr]
            w('</span>')
        w('</a>')
        return head, "".join(out)
