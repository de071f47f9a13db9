"""Helpers for the plan tests: a site with a given [plan], and cuts made directly (no articles needed)."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

from smmgen.config.site import Site, load_site
from smmgen.plan.schedule import Timing
from smmgen.platforms import Cut

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC

SITE_CONFIG = """\
[site]
name = "Test Desk"
base_url = "https://news.example"
timezone = "Europe/Berlin"

[platforms.mastodon]
handle = "@desk@social.example"
"""


def site_with(root: Path, plan: str = "", extra: str = "") -> Site:
    root.mkdir(parents=True, exist_ok=True)
    (root / "smmgen.toml").write_text(SITE_CONFIG + textwrap.dedent(plan) + textwrap.dedent(extra),
                                      encoding="utf-8")
    return load_site(root)


def local(text: str) -> dt.datetime:
    """``"2026-11-20 09:10"`` in Europe/Berlin, as UTC."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN).astimezone(UTC)


def shown(when: dt.datetime) -> str:
    return when.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


def cut(slug: str, when: dt.datetime | str, platform: str = "mastodon", *, explicit: bool = False,
        parts: tuple[str, ...] = ("text",), expire_at: dt.datetime | None = None,
        expire_after: dt.timedelta | None = None) -> Cut:
    publish_at = local(when) if isinstance(when, str) else when
    if expire_after is not None:
        expire_at = publish_at + expire_after
    field = "social.publish_at" if explicit else "date"
    return Cut(id=f"{slug}@{platform}", platform=platform, source=f"content/{slug}.md", slug=slug,
               parts=parts, lengths=tuple(len(p) for p in parts), limit=500, unit="graphemes", link=None,
               tags=(), media=(), publish_at=publish_at, expire_at=expire_at,
               timing=Timing(field=field, line=5 if explicit else 3, expire_after=expire_after,
                             basis="explicit" if explicit else "date"))


def write_ledger(site: Site, posted: dict[str, dt.datetime], *, root: Path | None = None) -> Path:
    """A publisher's ledger (format smmgen-ledger 1) recording these entries as posted at these times."""
    path = (root or site.root) / ".smmgen" / "ledger.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    path.write_text(json.dumps({"format": "smmgen-ledger", "version": 1, "entries": {
        entry_id: {"state": "posted", "platform": entry_id.split("@")[1], "publish_at": when.strftime(stamp),
                   "posted_at": (when + dt.timedelta(minutes=7)).strftime(stamp), "remote_id": f"r-{entry_id}"}
        for entry_id, when in posted.items()}}), encoding="utf-8")
    return path


def times(cuts: list[Cut]) -> dict[str, str]:
    return {c.id: shown(c.publish_at) for c in cuts}
