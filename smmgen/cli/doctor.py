"""``smmgen doctor``: check every account's credentials with a read (never a post) and say what is wrong.

Exit status: 0 all accounts ok; 1 a problem (a refused or missing credential, another account, a missing
right or scope, a token expiring within --expiry-warning, smmgen.toml disagreeing with the server); 3 nothing
wrong was found but some account could not be checked (the platform was down or answered in an unknown way).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

import click

from smmgen.cli.main import _load, _site_option
from smmgen.cli.per_site import JSON, LINES, per_site
from smmgen.cli.publish import _now
from smmgen.errors import SmmgenError
from smmgen.redact import scrub

FORMAT, VERSION = "smmgen-doctor", 1


class NotChecked(SmmgenError):
    """No problem was found, but not every account could be checked."""

    exit_code = 3


def _duration(value: str) -> dt.timedelta:
    from smmgen.config.schema import Invalid, duration

    try:
        return duration(value)
    except Invalid as e:
        raise click.BadParameter(str(e)) from None


@click.command()
@_site_option
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (format smmgen-doctor, version 1; see the README) instead of text.")
@click.option("--expiry-warning", default="14d", show_default=True, metavar="DURATION",
              help='A token that expires within this time is a problem, e.g. "14d", "72h".')
@click.option("--now", "now", default=None, help="Act as if it were this time (ISO 8601), for tests.")
@per_site(lambda options: JSON if options["as_json"] else LINES)
def doctor(site_dir, as_json: bool, expiry_warning: str, now: str | None) -> None:
    """Check each account's credentials with a read (no post): valid, whose, rights, expiry."""
    from smmgen.publish.doctor import accounts_to_check, diagnose

    warning = _duration(expiry_warning)
    when = _now(now)
    site = _load(site_dir)
    results = diagnose(accounts_to_check(site), now=when, expiry_warning=warning)
    if as_json:
        click.echo(scrub(json.dumps(document(results, when), ensure_ascii=False, indent=2)))
    else:
        for line in text_lines(results):
            click.echo(scrub(line))
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # With --json, stdout holds only the JSON; the runner reads workflow commands from stderr too.
        for line in annotations(results):
            click.echo(scrub(line), file=sys.stderr if as_json else sys.stdout)
    statuses = [h.status for h in results]
    if "problem" in statuses:
        raise SmmgenError(f"doctor: {statuses.count('problem')} of {len(results)} accounts have a problem")
    blocked = len(results) - statuses.count("ok")
    if blocked:
        raise NotChecked(f"doctor: {blocked} of {len(results)} accounts could not be checked")


def document(results, now: dt.datetime) -> dict:
    """The ``--json`` document: stable keys, accounts in the order checked (by platform)."""
    from smmgen.publish.base import iso

    return {"format": FORMAT, "version": VERSION, "checked_at": iso(now),
            "ok": all(h.status == "ok" for h in results), "accounts": [h.to_json() for h in results]}


def label(health) -> str:
    return health.platform if health.account == health.platform else f"{health.platform}:{health.account}"


def text_lines(results) -> list[str]:
    from smmgen.publish.base import iso

    lines = []
    for h in results:
        if lines:
            lines.append("")
        lines.append(f"{label(h)}: {h.status}" + (f"  {h.who}" if h.who else ""))
        if h.scopes is not None:
            lines.append(f"    scopes   {', '.join(h.scopes) or '(none)'}")
        if h.expires_at is not None:
            lines.append(f"    expires  {iso(h.expires_at)}" + ("  (refreshable)" if h.refreshable else ""))
        for f in h.findings:
            lines.append(f"    {f.severity:<8} {f.code}: {f.message}")
    counts = {s: sum(h.status == s for h in results) for s in ("ok", "problem", "outage", "unknown")}
    if lines:
        lines.append("")
    lines.append("doctor: " + (", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no accounts to check"))
    return lines


def annotations(results) -> list[str]:
    out = []
    for h in results:
        for f in h.findings:
            if f.severity in ("error", "warning"):
                message = f"smmgen doctor: {label(h)}: {f.code}: {f.message}"
                # Workflow commands treat % CR LF specially: encode them so a message cannot start another.
                message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
                out.append(f"::{f.severity}::{message}")
    return out


COMMANDS = [doctor]
