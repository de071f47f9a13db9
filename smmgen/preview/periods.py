"""How the index and the plan split into pages, one per period, so no page grows with the archive.

- The index: one page per month of the articles' dates in the site's time zone, ``index-2026-11.html``, newest
  first. ``index.html`` is the front page: the articles that failed to load, the newest month again, and the
  list of every month with its articles in error or with warnings, so the problems of the whole site are found
  from one page.
- The plan: one page per ISO week (Monday to Sunday in the site's time zone), ``plan-2026-W48.html``.
  ``plan.html`` opens on the weeks around the plan's "today": the week of the newest article's date, with the
  week before and the week after. The build never reads the clock (the same inputs give the same bytes), so
  "today" is taken from the content itself: a newsroom dates an article when it goes up, so its newest date is
  as near to the day the build runs as anything the build knows. The page script marks the real today.

A page's name depends only on its period, so links to it (an article page's way back to its month, a plan
event's link to an article page) stay valid while the site grows; and a period page changes only when what it
shows does (its own articles or events, or a period added to the list), so the writer leaves the others as
they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .agenda import Week

AROUND = (1, 1)
"""Weeks shown on plan.html before and after the week of the newest article."""


@dataclass(frozen=True)
class Period:
    """One page of the index (a month) or of the plan (an ISO week)."""

    key: str            # "2026-11" or "2026-W48"
    label: str          # "November 2026" or "23 Nov 2026"
    page: str           # relative to the preview dir
    errors: int = 0     # articles of the period in error (index) ...
    warnings: int = 0   # ... and with warnings, shown on the front page


def month_of(date_iso: str, tz: ZoneInfo) -> dt.date:
    """The first day of the month an article's date (``ArticleView.date_iso``, UTC) falls in, in ``tz``."""
    local = dt.datetime.fromisoformat(date_iso).astimezone(tz)
    return local.date().replace(day=1)


def month_period(first: dt.date, statuses: Sequence[str] = ()) -> Period:
    return Period(key=f"{first:%Y-%m}", label=f"{first:%B %Y}", page=f"index-{first:%Y-%m}.html",
                  errors=sum(1 for s in statuses if s == "error"),
                  warnings=sum(1 for s in statuses if s == "warning"))


def week_period(monday: dt.date) -> Period:
    year, week, _ = monday.isocalendar()
    return Period(key=f"{year}-W{week:02d}", label=f"{monday:%-d %b %Y}", page=f"plan-{year}-W{week:02d}.html")


def opening_weeks(weeks: Sequence[Week], newest: dt.date | None) -> list[Week]:
    """The weeks plan.html shows: the one holding ``newest`` (the newest article's local date) with ``AROUND``
    weeks before and after; when no week holds it, the nearest ones; without articles, the first weeks."""
    if not weeks:
        return []
    before, after = AROUND
    if newest is None:
        return list(weeks[:before + 1 + after])
    monday = newest - dt.timedelta(days=newest.weekday())
    # The first week at or after the newest article's (weeks without events are not in the list).
    at = next((i for i, w in enumerate(weeks) if w.monday >= monday), len(weeks) - 1)
    start = max(0, min(at - before, len(weeks) - (before + 1 + after)))
    return list(weeks[start:start + before + 1 + after])
