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

from smmgen.preview.agenda import Week

AROUND = (1, 1)
"""Calendar weeks shown on plan.html before and after the week of the newest article: three weeks of a
10,000-article site's plan are about 1.3 MB."""


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
    """The weeks plan.html shows: those among ``AROUND`` calendar weeks before and after the one holding
    ``newest`` (the newest article's local date) that have events; when none has, the first week with events
    after them, else the last one before; without articles, the first week."""
    if not weeks:
        return []
    if newest is None:
        return [weeks[0]]
    before, after = AROUND
    monday = newest - dt.timedelta(days=newest.weekday())
    first, last = monday - dt.timedelta(weeks=before), monday + dt.timedelta(weeks=after)
    shown = [w for w in weeks if first <= w.monday <= last]
    if shown:
        return shown
    later = [w for w in weeks if w.monday > last]
    return [later[0] if later else weeks[-1]]
