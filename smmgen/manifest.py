"""The publish manifest (``output/manifest.json``): everything a publisher needs, and nothing it must compute.

Format ``smmgen-manifest`` version 2, documented by ``schemas/manifest.schema.json``: the document's first line
holds the format, version and site, then one entry per line (compact JSON, keys sorted), entries ordered by id,
so the same inputs always give the same bytes and a git diff shows one changed line per changed entry. What an
entry repeats of itself is left out: ``text``, the first of ``parts``, which the loader puts back.

What is repeated across entries stays: the article (about a tenth of an entry) is written in each of its entries,
so every line stands alone. A reviewer reads one line per changed post, the build copies an unchanged article's
lines by their byte offsets, and the ledger's copy of an entry in flight is that entry; settled stubs, below,
drop the article from every post already out, which is most of an archive.

An entry whose post the publisher's ledger records as done with this very content (``settled``) is written as a
stub: its id, account, content hash and times, which is all the publisher needs to leave it alone. An edit (the
hash differs from the ledger's), a retraction or an expiry still to come keeps the entry in full. Version 1 (the
same entries, indented, never stubs) is still read.

The build makes the entries (``smmgen.build.entries``) and everyone reads them through ``smmgen.manifest_model``:
this module lays them out and imports nothing from the build side.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FORMAT = "smmgen-manifest"
VERSION = 2
SCHEMA_PATH = Path(__file__).parent / "schemas" / "manifest.schema.json"


def iso(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def document(site, entries: Sequence[Mapping[str, Any]],
             ledger: Mapping[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """The manifest of ``entries``; with the publisher's ``ledger`` (``ledger_states``), settled ones as stubs."""
    if ledger:
        entries = [as_written(e, ledger) for e in entries]
    return {
        "format": FORMAT,
        "version": VERSION,
        "site": {
            "name": site.name,
            "base_url": site.base_url,
            "timezone": site.timezone.key,
            "cards_base_url": site.cards_base_url,
        },
        "entries": sorted(entries, key=lambda e: e["id"]),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso(value)
    return value


def canonical_json(value: Any) -> bytes:
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def dumps(doc: Mapping[str, Any]) -> bytes:
    """The document as ``smmgen build`` writes it: a first line with everything but the entries, then one
    entry per line (``entry_line``), separated by ``,`` and a newline, and a last line closing the list."""
    head, tail = frame({k: v for k, v in doc.items() if k != "entries"})
    entries = doc.get("entries") or ()
    if not entries:
        return head.rstrip(b"\n") + tail.lstrip(b"\n")
    return head + b",\n".join(entry_line(e) for e in entries) + tail


def frame(top: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """The document's bytes before its first entry and after its last: its other keys in the order of
    ``document`` (format and version first, so ``head -1`` says what the file is), then ``"entries":[``."""
    fields = [f"{json.dumps(key)}:{canonical_json(value).decode()}" for key, value in top.items()]
    return ("{" + ",".join([*fields, '"entries":['])).encode() + b"\n", b"\n]}\n"


def entry_line(entry: Mapping[str, Any]) -> bytes:
    """One entry as the manifest writes it: canonical compact JSON on one line (keys sorted; no newline can
    occur, JSON escapes it in strings), without ``text``, which is the first of ``parts`` (the loader gives it
    back): in a manifest of short posts it was a third of every entry."""
    entry = {k: v for k, v in entry.items() if k != "text"}
    # The build's entries are plain JSON values in read-only form (``build.entries``): the C encoder, which asks
    # ``_as_dict`` for each read-only mapping, instead of a walk in Python.
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_as_dict).encode()


def _as_dict(value: Any) -> dict:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# --- settled entries ---------------------------------------------------------------------------------------------

STUB_STATES = ("posted", "deleted")
"""Ledger states in which a post with the entry's very content hash needs nothing more: posted and kept, or
posted and taken down (expired)."""


def settled(entry: Mapping[str, Any], ledger: Mapping[str, tuple[str, str]]) -> str | None:
    """The ledger state (``STUB_STATES``) in which ``entry`` is settled, or None when it must stay in full: the
    ledger (``ledger_states``) has no post of it with this very content hash, it is retracted (its post is
    still to be deleted), held, or a post with an expiry still to come."""
    known = ledger.get(entry["id"])
    if known is None or known[1] != entry["content_hash"] or entry["retracted"] or entry.get("hold") is not None:
        return None
    state = known[0]
    if state == "posted" and entry["expire_at"] is not None:
        return None         # the publisher deletes it when it expires; that needs the entry's platform data
    return state if state in STUB_STATES else None


def stub(entry: Mapping[str, Any], state: str) -> dict[str, Any]:
    """A settled entry as the manifest carries it: what identifies the post and its content, its times, and the
    ledger state it was settled in (a deleted post keeps its expiry, so the plan and a reader see why)."""
    made = {"id": entry["id"], "platform": entry["platform"], "account": entry.get("account") or entry["platform"],
            "content_hash": entry["content_hash"], "publish_at": entry["publish_at"], "settled": state}
    if entry["expire_at"] is not None:
        made["expire_at"] = entry["expire_at"]
    return made


def as_written(entry: Mapping[str, Any], ledger: Mapping[str, tuple[str, str]]) -> Mapping[str, Any]:
    """``entry`` as the manifest carries it: a stub when settled, else in full."""
    state = settled(entry, ledger) if ledger else None
    return entry if state is None else stub(entry, state)


def ledger_states(doc: Any) -> dict[str, tuple[str, str]]:
    """Entry id -> (state, content_hash) of every record in a ledger document (read as plain JSON: the build
    never imports the publisher) whose state can settle an entry. Anything it cannot use settles nothing."""
    records = doc.get("entries") if isinstance(doc, Mapping) else None
    out: dict[str, tuple[str, str]] = {}
    for entry_id, record in (records.items() if isinstance(records, Mapping) else ()):
        if isinstance(record, Mapping) and record.get("state") in STUB_STATES \
                and isinstance(record.get("content_hash"), str):
            out[str(entry_id)] = (record["state"], record["content_hash"])
    return out


def load(path: Path) -> dict[str, Any]:
    """Read a manifest written by ``smmgen build`` through the one strict loader (``manifest_model``; its files
    need not be there: a manifest read here is compared, not posted) and give it back as the JSON the build
    wrote: full entries and stubs (``"settled"``), ordered by id. Raises ``ContentError`` naming the entry and
    field for anything else."""
    from smmgen.manifest_model import read_manifest, thaw

    checked = read_manifest(path, require_files=False)
    entries = [thaw(e.json) for e in checked.entries] + [thaw(s.json) for s in checked.settled]
    return {"format": FORMAT, "version": VERSION,
            "site": {"name": checked.name, "base_url": checked.base_url, "timezone": checked.timezone,
                     "cards_base_url": checked.cards_base_url},
            "entries": sorted(entries, key=lambda e: e["id"])}
