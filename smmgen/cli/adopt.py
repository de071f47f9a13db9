"""``smmgen adopt``: take an existing site's archive into the ledger as already out (see smmgen.publish.adopt)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from smmgen.cli.main import _load, _site_option, report_errors
from smmgen.cli.per_site import per_site
from smmgen.errors import SmmgenError, flatten


def _before(value: str | None) -> dt.datetime | dt.date | None:
    if value is None:
        return None
    for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
        try:
            return parse(value.strip())
        except ValueError:
            pass
    raise click.BadParameter(f"not a date: {value!r} (e.g. 2026-03-01 or 2026-03-01T08:00:00+01:00)")


@click.command()
@_site_option
@click.option("--before", "before", default=None, metavar="DATE",
              help="Adopt the posts due before this date (site-local unless it has an offset); default: now.")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The ledger (default: [publish] ledger, .smmgen/ledger.json).")
@per_site()
def adopt(site_dir: Path | None, before: str | None, ledger_path: Path | None) -> None:
    """Record every post already due as adopted: it was out before smmgen, and is never posted."""
    from smmgen.build.cache import CACHE_DIR, BuildCache
    from smmgen.build.pipeline import build
    from smmgen.config.publish_settings import floor_time
    from smmgen.plan.schedule import resolve
    from smmgen.publish.adopt import Due
    from smmgen.publish.adopt import adopt as run_adopt
    from smmgen.publish.ledger import Ledger
    from smmgen.publish.lock import acquire

    site = _load(site_dir)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    moment = floor_time(_before(before), site.timezone) or now
    # The build cache, when a build made one, read and never saved (as `smmgen check` does).
    cache = BuildCache.load(site) if (site.root / CACHE_DIR).is_dir() else None
    result = build(site, render_images=False, workers=os.cpu_count() or 1, cache=cache)
    if result.errors:
        report_errors(result.errors)
        raise SmmgenError(f"{len(flatten(result.errors))} error(s); fix them before adopting")
    articles = {a.source: a for a in result.articles}
    posts = [Due(c.id, c.platform, resolve(articles[c.source], c.platform)[0]) for c in result.cuts]
    settings = site.publish or {}
    ledger_path = ledger_path or site.root / (settings.get("ledger") or ".smmgen/ledger.json")
    with acquire(ledger_path, settings.get("lock_stale_after") or dt.timedelta(hours=1)):
        ledger = Ledger.load(ledger_path, shown=site.rel(ledger_path))
        claimed = ledger.claim(site.base_url)
        done = run_adopt(ledger, posts, moment, now)
        if claimed and not done.adopted:
            ledger.save()
    shown = site.rel(ledger_path)
    total = sum(done.adopted.values())
    if total:
        by_platform = ", ".join(f"{name} {n}" for name, n in sorted(done.adopted.items()))
        click.echo(f"adopted {total} posts due before {moment.strftime('%Y-%m-%dT%H:%M:%SZ')} into {shown} "
                   f"({by_platform}); they will never be posted")
    else:
        click.echo(f"nothing to adopt: no post due before {moment.strftime('%Y-%m-%dT%H:%M:%SZ')} is missing "
                   f"from {shown}")
    click.echo(f"{done.known} already in the ledger, {done.later} not due yet")


COMMANDS = [adopt]
