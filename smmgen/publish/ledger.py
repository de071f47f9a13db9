"""The publish ledger (default ``.smmgen/ledger.json``): what was posted where, one record per manifest entry.

CI commits it back after every run, so it is plain sorted JSON, written atomically after every state change.
A record moves through these states:

``pending``  nothing is live (never posted, a failed try, or deleted for a repost); post when due
``intent``   a create is about to be sent (or was sent and its answer lost): reconcile before anything else
``posted``   live on the platform: ``remote_id``/``url``/``remote`` say where
``unknown``  the platform could not tell whether the create went through; never re-posted without --force
``deleted``  taken down (expired, retracted or removed); final
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import SmmgenError
from ..output import atomic_write
from ..redact import scrub, summary

FORMAT = "smmgen-ledger"
VERSION = 1
STATES = ("pending", "intent", "posted", "unknown", "deleted")
ERROR_LIMIT = 300     # characters of a platform's error kept in a record


@dataclass(frozen=True)
class Record:
    id: str
    platform: str
    state: str
    content_hash: str | None = None     # of what is posted (posted), or is being posted (intent, unknown)
    key: str | None = None              # the idempotency key / record key that content was sent with
    remote_id: str | None = None
    url: str | None = None
    remote: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    intent_at: str | None = None
    publish_at: str | None = None       # the manifest's planned time it went out with: the plan pins it there
    posted_at: str | None = None
    edited_at: str | None = None
    expire_at: str | None = None
    deleted_at: str | None = None
    delete_refused: str | None = None    # the platform refused the delete for good (e.g. too old): not retried
    attempts: int = 0
    last_error: str | None = None
    entry: Mapping[str, Any] | None = None   # intent/unknown: the entry being posted, to look it up by


    def with_(self, **changes: Any) -> Record:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "id"}

    @classmethod
    def from_json(cls, entry_id: str, data: Mapping[str, Any]) -> Record:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "id"}
        record = cls(id=entry_id, **known)
        if record.state not in STATES:
            raise ValueError(f"unknown state {record.state!r}")
        return record.with_(remote=MappingProxyType(dict(record.remote or {})))


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Mapping):
        return MappingProxyType({k: _scrubbed(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return [_scrubbed(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Ledger:
    """The records of one ledger file. ``put`` writes the whole file at once (temp file + rename), so a
    killed run leaves the old or the new ledger, never half of one. ``read_only`` (dry runs) never writes."""

    def __init__(self, path: Path, records: dict[str, Record] | None = None, *, read_only: bool = False):
        self.path = path
        self.read_only = read_only
        self._records: dict[str, Record] = dict(records or {})

    @classmethod
    def load(cls, path: Path, *, read_only: bool = False) -> Ledger:
        """Read the ledger; a missing file is an empty ledger. A damaged one is an error, never a fresh
        start: forgetting what was posted is how double posts happen."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path, read_only=read_only)
        except OSError as e:
            raise SmmgenError(f"{path}: cannot read the ledger: {e.strerror}") from None
        try:
            doc = json.loads(text)
            if doc.get("format") != FORMAT or doc.get("version") != VERSION:
                raise ValueError(f'expected "format": "{FORMAT}", "version": {VERSION}')
            records = {eid: Record.from_json(eid, data) for eid, data in doc["entries"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise SmmgenError(f"{path}: not a readable smmgen ledger ({e}); restore it from git "
                              "rather than deleting it, or everything would be posted again") from None
        return cls(path, records, read_only=read_only)

    def get(self, entry_id: str) -> Record | None:
        return self._records.get(entry_id)

    def records(self) -> list[Record]:
        return [self._records[k] for k in sorted(self._records)]

    def put(self, record: Record) -> None:
        # The ledger is committed to the repository: a platform's error is kept only as a scrubbed, bounded line,
        # and what a platform answered (a URL, the adapter's state) never carries a credential it echoed.
        record = record.with_(**{name: summary(getattr(record, name), ERROR_LIMIT)
                                 for name in ("last_error", "delete_refused") if getattr(record, name)},
                              url=record.url and scrub(record.url), remote=_scrubbed(record.remote))
        self._records[record.id] = record
        if not self.read_only:
            atomic_write(self.path, self.dumps())

    def dumps(self) -> bytes:
        doc = {"format": FORMAT, "version": VERSION,
               "entries": {k: self._records[k].to_json() for k in sorted(self._records)}}
        return (json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()
