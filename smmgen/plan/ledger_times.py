"""What the publisher's ledger says went out, read as plain JSON so the build never imports the publisher: the
plan keeps those posts where they are."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from smmgen.config import schema as s
from smmgen.config.site import Site
from smmgen.errors import SmmgenError
from smmgen.site_files import read_bytes

UTC = dt.UTC
DEFAULT_LEDGER = ".smmgen/ledger.json"

def ledger_path(site: Site) -> Path:
    return site.root / (site.publish.get("ledger") or DEFAULT_LEDGER)


# Ledger states in which a post is (or may be) live: the plan must not move it.
LIVE_STATES = frozenset({"posted", "deleted", "unknown", "intent"})


def published_times(site: Site) -> dict[str, dt.datetime]:
    """Entry id -> the publish_at it went out with, for every post the ledger records as (possibly) out."""
    return ledger_view(site)[0]


def ledger_view(site: Site) -> tuple[dict[str, dt.datetime], frozenset[str]]:
    """``published_times``, and the ids the ledger records as adopted (out before smmgen: never posted).

    The ledger belongs to the publisher; the build reads it as plain JSON and never imports the publisher.
    The time is the manifest's publish_at as the post went out (``publish_at``, or that of the ``entry`` being
    posted), so its content hash stays the same; ``posted_at`` is the fallback.
    """
    path = ledger_path(site)
    shown = site.rel(path)
    try:
        doc = json.loads(read_bytes(path, site.root, lambda m: SmmgenError(f"{shown}: {m}")).decode("utf-8"))
    except FileNotFoundError:
        return {}, frozenset()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SmmgenError(f"{shown}: cannot read the publisher's ledger: {e}") from None
    records = doc.get("entries") if isinstance(doc, Mapping) else None
    if not isinstance(records, Mapping):
        raise SmmgenError(f"{shown}: not a ledger (expected an object with \"entries\" by id)")
    times: dict[str, dt.datetime] = {}
    adopted: set[str] = set()
    for entry_id, record in records.items():
        if not isinstance(record, Mapping):
            continue
        state = record.get("state")
        if state == "adopted":
            adopted.add(str(entry_id))
            continue
        entry = record.get("entry") if isinstance(record.get("entry"), Mapping) else {}
        raw = record.get("publish_at") or entry.get("publish_at") or record.get("posted_at")
        if not raw or (state is not None and state not in LIVE_STATES):
            continue
        if state == "deleted" and not record.get("posted_at"):
            continue            # taken down before it ever went out
        try:
            when = dt.datetime.fromisoformat(str(raw))
        except ValueError:
            raise SmmgenError(f"{shown}: {entry_id}: not a date-time: {s.shown(raw)}") from None
        times[str(entry_id)] = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    return times, frozenset(adopted)
