"""``smmgen plan``: everything scheduled, with its expiry, as a terminal table or JSON (``--json``)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import click

from smmgen.cli.main import _load, _site_option, report_errors
from smmgen.cli.per_site import JSON, LINES, per_site
from smmgen.errors import SmmgenError, flatten


def _when(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO date/time: {value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


@click.command()
@_site_option
@click.option("--json", "as_json", is_flag=True, default=False, help="Print JSON for machines.")
@click.option("--platform", "platforms", multiple=True, help="Only this platform; repeat for more.")
@click.option("--account", "account_names", multiple=True, help="Only this account ([accounts.<name>], or a "
              "platform's name for its default account); repeat for more.")
@click.option("--all", "show_all", is_flag=True, default=False,
              help="Include posts that have already expired, and those held back because they were adopted or are "
                   "older than [publish] not_before (default: only what is still to come or live, and posts "
                   "the plan had no slot for).")
@click.option("--now", default=None, metavar="ISO", help="Pretend it is this time (for checking a plan).")
@per_site(lambda options: JSON if options["as_json"] else LINES)
def plan(site_dir: Path | None, as_json: bool, platforms: tuple[str, ...], show_all: bool,
         now: str | None, account_names: tuple[str, ...] = ()) -> None:
    """Show the content plan: when each post goes out and when it expires."""
    from smmgen.build.pipeline import build
    from smmgen.preview.agenda import slots as make_slots

    site = _load(site_dir)
    result = build(site, render_images=False)
    if result.errors:
        report_errors(result.errors)
        raise SmmgenError(f"{len(flatten(result.errors))} error(s)")
    moment = _when(now) or dt.datetime.now(dt.UTC)
    order = [p.name for p in site.platforms]
    unknown = [p for p in platforms if p not in order]
    if unknown:
        raise click.BadParameter(f"{unknown[0]!r} is not an enabled platform ({', '.join(order)})",
                                 param_hint="--platform")
    from smmgen.config.accounts import accounts

    handles = {a.name: a.handle for a in accounts(site)}
    wrong = [a for a in account_names if a not in handles]
    if wrong:
        raise click.BadParameter(f"{wrong[0]!r} is not an account of this site ({', '.join(handles)})",
                                 param_hint="--account")
    chosen = [s for s in make_slots(result.entries, order) if (not platforms or s.platform in platforms)
              and (not account_names or s.account in account_names)]
    # An adopted archive is thousands of posts that never go out: counted, listed only with --all.
    slots = [s for s in chosen if show_all or (s.state(moment) != "expired" and s.held in (None, "unplaced"))]
    hidden = Counter(s.held for s in chosen if s not in slots and s.held)
    if as_json:
        doc = {"timezone": site.timezone.key, "now": moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "entries": [s.to_json(site.timezone, moment) for s in slots]}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    click.echo(table(slots, site.timezone, moment, handles))
    if hidden:
        click.echo("held back, never posted (--all lists them): "
                   + ", ".join(f"{n} {kind}" for kind, n in sorted(hidden.items())))


def table(slots, tz, now: dt.datetime, handles: dict[str, str] | None = None) -> str:
    """An aligned text table; times in the site's time zone."""
    def fmt(when: dt.datetime | None) -> str:
        return when.astimezone(tz).strftime("%a %Y-%m-%d %H:%M") if when else "—"

    handles = handles or {}
    header = (f"When ({tz.key})", "Platform", "Account", "State", "Article", "Expires", "")
    rows = [(fmt(s.publish_at), s.platform, handles.get(s.account) or s.account, s.state(now), s.slug,
             fmt(s.expire_at), f"never posted: {s.hold}" if s.hold else "") for s in slots]
    if not rows:
        return "Nothing scheduled."
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + f"\n{len(rows)} post(s)"


COMMANDS = [plan]
