"""``smmgen publish``: post what is due, delete what expired, record it all in the ledger."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import click

from smmgen.cli.main import _load, _site_option
from smmgen.cli.per_site import JSON, LINES, per_site
from smmgen.errors import SmmgenError
from smmgen.redact import scrub


def _now(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 time: {value!r} (e.g. 2026-03-01T08:00:00Z)") from None
    if when.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no timezone; add Z or an offset like +01:00")
    return when.astimezone(dt.UTC)


@click.command()
@_site_option
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The manifest to publish (default: output/manifest.json).")
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The ledger (default: [publish] ledger, .smmgen/ledger.json).")
@click.option("--now", "now", default=None,
              help="Act as if it were this time (ISO 8601), for tests and replays.")
@click.option("--dry-run", is_flag=True, help="Print exactly what would be posted and deleted; send nothing.")
@click.option("--only", default=None, help="Publish to this platform (every account of it) or this account only.")
@click.option("--limit", type=click.IntRange(0), default=None,
              help="Make at most N new posts in this run (the earliest due first; the rest wait for the next "
                   "run). Replaces the [publish] max_posts_per_run guard for this run.")
@click.option("--allow-many", is_flag=True,
              help="Post everything due even if it is more than [publish] max_posts_per_run.")
@click.option("--json", "as_json", is_flag=True,
              help="With --dry-run: print one JSON object, {\"actions\": [...]}, with the decision about every "
                   "manifest entry and ledger record.")
@click.option("--force", is_flag=True,
              help="Post again entries an earlier run could not confirm (check the platform first).")
@click.option("--force-delete", is_flag=True,
              help="Delete the posts of removed articles even beyond [publish] removal_limit.")
@click.option("--no-preflight", is_flag=True,
              help="Post without checking first that the article page and cards are live (for sites CI "
                   "cannot reach); the same as [publish] preflight = false.")
@per_site(lambda options: JSON if options["as_json"] else LINES)
def publish(site_dir: Path | None, manifest_path: Path | None, ledger_path: Path | None, now: str | None,
            dry_run: bool, only: str | None, limit: int | None, allow_many: bool, as_json: bool, force: bool,
            force_delete: bool, no_preflight: bool) -> None:
    """Post every due manifest entry once, delete expired posts, and keep the ledger."""
    from smmgen.publish.runner import Options
    from smmgen.publish.runner import publish as run_publish

    if as_json and not dry_run:
        raise click.UsageError("--json describes a dry run: use it with --dry-run")
    site = _load(site_dir)
    options = Options(now=_now(now), dry_run=dry_run, only=only, limit=limit, force=force,
                      force_delete=force_delete, allow_many=allow_many, explain=as_json,
                      preflight=not no_preflight)
    if as_json:
        events = list(run_publish(site, options, manifest_path=manifest_path, ledger_path=ledger_path))
        click.echo(json.dumps(actions(events), ensure_ascii=False, indent=2))
        failed = sum(e.outcome == "failed" for e in events)
        if failed:
            # As without --json: a dry run fails where the real run would (a credential missing or malformed).
            raise SmmgenError(f"publish --dry-run: {failed} failed (their reasons are in the actions)")
        return
    counts: Counter[tuple[str, str]] = Counter()
    held = 0
    for event in run_publish(site, options, manifest_path=manifest_path, ledger_path=ledger_path):
        if event.outcome == "held":
            held += 1
            continue
        click.echo(format_event(event), err=event.outcome in ("failed", "unknown", "warning"))
        if event.outcome != "warning":
            counts[(event.platform, event.outcome)] += 1
    if held:
        click.echo(f"held back, never posted: {held} (older than [publish] not_before, or held by the build; "
                   "`smmgen plan --all` and `publish --dry-run --json` name them)")
    click.echo(summary_table(counts, dry_run=dry_run))
    failed = sum(n for (_, outcome), n in counts.items() if outcome == "failed")
    unknown = sum(n for (_, outcome), n in counts.items() if outcome == "unknown")
    if failed or (unknown and not dry_run):
        # A dry run fails where the real run would: a credential missing or malformed, a setting missing.
        raise SmmgenError(f"publish{' --dry-run' if dry_run else ''}: {failed} failed, {unknown} unknown (see above)")


_VERBS = {"posted": "would post", "edited": "would edit", "deleted": "would delete", "unknown": "unconfirmed"}


def actions(events) -> dict:
    """A dry run's decisions as JSON: one action per manifest entry and ledger record it looked at; the
    run's own warnings (a real run would stop, the ledger named no site) under ``warnings``."""
    from smmgen.publish.base import iso

    def reason(e) -> str:
        if e.action == "post":      # a dry create's detail says what goes out (parts, link), not why
            return f"due {iso(e.publish_at)}" + (f" ({e.detail})" if e.detail else "")
        return e.detail

    items = [{"id": e.entry_id, "platform": e.platform, "action": e.action, "reason": reason(e),
              "publish_at": iso(e.publish_at)}
             for e in events if e.platform != "ledger"]
    return {"actions": items, "warnings": [e.detail for e in events if e.platform == "ledger"]}


def format_event(event) -> str:
    outcome = _VERBS.get(event.outcome, event.outcome) if event.dry else event.outcome
    line = f"{outcome:<11} {event.entry_id}"
    if event.url:
        line += f"  {event.url}"
    if event.detail:
        line += f"  ({event.detail})"
    for i, part in enumerate(event.parts):
        if len(event.parts) > 1:
            line += f"\n    part {i + 1}:"
        line += "".join(f"\n    | {text_line}" for text_line in part.split("\n"))
    for media in event.media:
        line += f"\n    media: {media}"
    return scrub(line)


def summary_table(counts: Counter, *, dry_run: bool = False) -> str:
    from smmgen.publish.runner import COLUMNS

    platforms = sorted({p for p, _ in counts})
    width = max([len("platform"), len("total"), *(len(p) for p in platforms)])
    header = "platform".ljust(width) + "".join(f"  {c:>7}" for c in COLUMNS)
    rows = [header]
    for name in [*platforms, "total"]:
        cells = [sum(n for (p, o), n in counts.items() if o == c and (name == "total" or p == name))
                 for c in COLUMNS]
        rows.append(name.ljust(width) + "".join(f"  {v:>7}" for v in cells))
    title = "smmgen publish (dry run: nothing was sent)" if dry_run else "smmgen publish"
    return "\n".join([title, *rows])


COMMANDS = [publish]
