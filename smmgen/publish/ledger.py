"""The publish ledger (default ``.smmgen/ledger.json``): what was posted where, one record per manifest entry.

CI commits it back after every run, so it is plain sorted JSON, written atomically after every state change.
A record moves through these states:

``pending``  nothing is live (never posted, a failed try, or deleted for a repost); post when due
``intent``   a create is about to be sent (or was sent and its answer lost): reconcile before anything else
``posted``   live on the platform: ``remote_id``/``url``/``remote`` say where
``unknown``  the platform could not tell whether the create went through; never re-posted without --force
``deleted``  taken down (expired, retracted or removed); final
``adopted``  already out before smmgen published the site (``smmgen adopt``): never posted, never deleted; final

The ledger names the site it belongs to (``site``: the site's ``base_url``), so that a ledger copied from, or
pointed at, another site is refused instead of taking that site's posts for posts of removed articles.
Reading it checks every field (``Ledger.load``): a damaged ledger stops the run, naming the record and field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from smmgen.errors import ContentError
from smmgen.output_files import atomic_write
from smmgen.publish.manifest_reader import ID, ID_FORMS, Bad, check_plain_json, field_name, load_json
from smmgen.redact import scrub, summary

FORMAT = "smmgen-ledger"
VERSION = 1
STATES = ("pending", "intent", "posted", "unknown", "deleted", "adopted")
MAX_LEDGER_BYTES = 512 * 2**20
MAX_DEPTH = 48          # a record's remote state, or its copy of an entry (whose extra may be 32 deep)
RESTORE = ("restore it from git rather than deleting it, or everything would be posted again")
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
    adopted_at: str | None = None       # adopted: when `smmgen adopt` recorded it
    delete_refused: str | None = None    # the platform refused the delete for good (e.g. too old): not retried
    attempts: int = 0
    last_error: str | None = None
    entry: Mapping[str, Any] | None = None   # intent/unknown: the entry being posted, to look it up by

    @property
    def account(self) -> str:
        """The account the post went to, as its id names it (the platform's name for its default account)."""
        match = ID.fullmatch(self.id)
        return (match[2] if match else None) or self.platform

    def with_(self, **changes: Any) -> Record:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "id"}

    @classmethod
    def from_json(cls, entry_id: str, data: Any) -> Record:
        """A record as the ledger stores it, every field checked; ``Bad`` names the first that is wrong."""
        if not ID.fullmatch(entry_id):
            raise Bad("(id)", f"expected {ID_FORMS} (lowercase letters, digits, '-')")
        if not isinstance(data, dict):
            raise Bad("(record)", f"expected an object, got {_kind(data)}")
        names = {f.name for f in fields(cls)} - {"id"}
        for key in data:
            if key not in names:
                raise Bad(field_name(str(key)), "unknown field")
        for key in ("platform", "state"):
            if key not in data:
                raise Bad(key, "required but missing")
        for key, value in data.items():
            check = _CHECKS.get(key)
            if check is not None:
                check(value, key)
            elif value is not None:
                check_plain_json(value, key, MAX_DEPTH)
        if data["platform"] != ID.fullmatch(entry_id)[1]:
            raise Bad("platform", f"{json.dumps(data['platform'])[:40]} is not the platform the id names")
        values = {k: v for k, v in data.items() if v is not None or k in _NULLABLE}
        return cls(id=entry_id, **values).with_(remote=MappingProxyType(dict(data.get("remote") or {})))


def _kind(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _text(value: Any, where: str) -> None:
    if value is not None:
        if not isinstance(value, str):
            raise Bad(where, f"expected a string or null, got {_kind(value)}")
        check_plain_json(value, where, 0)


def _platform(value: Any, where: str) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9_]+", value, re.ASCII):
        raise Bad(where, f"expected a platform name, got {_kind(value)}")


def _state(value: Any, where: str) -> None:
    if value not in STATES or not isinstance(value, str):
        got = json.dumps(value)[:40] if isinstance(value, str) else _kind(value)
        raise Bad(where, f"expected one of {', '.join(STATES)}, got {got}")


def _time(value: Any, where: str) -> None:
    if value is None:
        return
    _text(value, where)
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise Bad(where, f"not a time: {json.dumps(value)[:40]}") from None


def _object(value: Any, where: str) -> None:
    if value is not None:
        if not isinstance(value, dict):
            raise Bad(where, f"expected an object or null, got {_kind(value)}")
        check_plain_json(value, where, MAX_DEPTH)


def _attempts(value: Any, where: str) -> None:
    if type(value) is not int or not 0 <= value <= 10**9:
        raise Bad(where, f"expected a whole number of attempts, got {_kind(value)}")


_CHECKS: dict[str, Callable[[Any, str], None]] = {
    "platform": _platform, "state": _state, "content_hash": _text, "key": _text, "remote_id": _text, "url": _text,
    "remote": _object, "intent_at": _time, "publish_at": _time, "posted_at": _time, "edited_at": _time,
    "expire_at": _time, "deleted_at": _time, "adopted_at": _time, "delete_refused": _text, "attempts": _attempts,
    "last_error": _text, "entry": _object,
}
# Fields whose null is their value (the rest fall back to their default when null).
_NULLABLE = frozenset(k for k, check in _CHECKS.items() if check in (_text, _time) or k == "entry")


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
    killed run leaves the old or the new ledger, never half of one. ``read_only`` (dry runs) never writes.
    ``shown`` is how errors name the file."""

    def __init__(self, path: Path, records: dict[str, Record] | None = None, *, read_only: bool = False,
                 site: str | None = None, shown: str | None = None, on_disk: bool = False):
        self.path = path
        self.read_only = read_only
        self.site = site
        self.shown = shown or str(path)
        self._on_disk = on_disk
        self._records: dict[str, Record] = dict(records or {})

    @classmethod
    def load(cls, path: Path, *, read_only: bool = False, shown: str | None = None) -> Ledger:
        """Read the ledger; a missing file is an empty ledger. A damaged one is an error naming the record and
        field, never a fresh start: forgetting what was posted is how double posts happen."""
        shown = shown or str(path)
        try:
            doc = load_json(path, shown, max_bytes=MAX_LEDGER_BYTES, missing=None)
        except FileNotFoundError:
            return cls(path, read_only=read_only, shown=shown)
        except ContentError as e:
            raise ContentError(shown, e.line, None, f"not a readable smmgen ledger: {e.detail}; {RESTORE}") from None
        try:
            site, records = _read(doc)
        except Bad as e:
            raise ContentError(shown, None, e.field, f"{e.message}; {RESTORE}") from None
        return cls(path, records, read_only=read_only, site=site, shown=shown, on_disk=True)

    def claim(self, site: str) -> bool:
        """Check that this is ``site``'s ledger (its base_url). A ledger that names no site yet (written
        before ledgers did) is adopted (``save`` writes it); True when that happened to a ledger on disk.
        A ledger of another site is refused: its posts would all look like posts of removed articles."""
        site = site.rstrip("/")
        if self.site is None:
            self.site = site
            return self._on_disk
        if self.site.rstrip("/") != site:
            raise ContentError(
                self.shown, None, "site",
                f"this ledger belongs to {self.site}, not to {site} ([site] base_url in smmgen.toml); "
                "publishing with it would delete that site's posts. Use this site's own ledger ([publish] "
                f'ledger or --ledger); if this site moved from {self.site}, set "site" in the ledger to {site}')
        return False

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

    def put_all(self, records: list[Record]) -> None:
        """``put`` for many records, written once (adopting an archive records thousands)."""
        self._records.update((r.id, r) for r in records)
        self.save()

    def save(self) -> None:
        if not self.read_only:
            atomic_write(self.path, self.dumps())

    def dumps(self) -> bytes:
        doc: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                               "entries": {k: self._records[k].to_json() for k in sorted(self._records)}}
        if self.site is not None:
            doc["site"] = self.site
        return (json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()


def _read(doc: Any) -> tuple[str | None, dict[str, Record]]:
    """The site and records of a parsed ledger; ``Bad`` names the first problem."""
    if not isinstance(doc, dict):
        raise Bad("(top)", f"expected an object, got {_kind(doc)}; not an smmgen ledger")
    if doc.get("format") != FORMAT or type(doc.get("version")) is not int or doc.get("version") != VERSION:
        raise Bad("format", f'expected "format": "{FORMAT}", "version": {VERSION}; not an smmgen ledger '
                            "(or one of a newer smmgen)")
    for key in doc:
        if key not in ("format", "version", "site", "entries"):
            raise Bad(field_name(str(key)), "unknown field")
    site = doc.get("site")
    if site is not None and (not isinstance(site, str) or not re.match(r"https?://[^\s/]+", site, re.ASCII)):
        raise Bad("site", f"expected the site's base_url (an http(s):// URL), got {_kind(site)}")
    if site is not None:
        check_plain_json(site, "site", 0)
    entries = doc.get("entries")
    if not isinstance(entries, dict):
        raise Bad("entries", f"expected an object of records by entry id, got {_kind(entries)}")
    records = {}
    for entry_id, data in entries.items():
        try:
            check_plain_json(entry_id, "(id)", 0)
            records[entry_id] = Record.from_json(entry_id, data)
        except Bad as e:
            raise Bad(f"{json.dumps(entry_id)[1:-1][:60]}: {e.field}", e.message) from None
    return site, records
