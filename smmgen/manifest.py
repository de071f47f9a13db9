"""The publish manifest (``output/manifest.json`` and its parts): everything a publisher needs, and nothing it must
compute.

Format ``smmgen-manifest`` version 3, documented by ``schemas/manifest.schema.json``. The entries are filed by
month, one part per month of their articles' dates in the site's time zone (the months of the preview's index
pages), ``output/manifest/2026-11.json``; ``output/manifest.json`` is the index: the site, then one line per part
with its path, its number of entries and the sha256 of its bytes. A 10,000-article archive's manifest is then
sixty files of a few megabytes, not one of 180 MB: an edit rewrites its month's part and the index, a reviewer
and ``git diff`` see which months changed, and a part that does not hold the bytes the index names (a checkout
half updated, a part edited by hand) stops the publisher instead of posting something nobody reviewed.

A part is ``{"format":"smmgen-manifest-part","version":3,"period":"2026-11","entries":[`` on its first line,
then one entry per line (compact JSON, keys sorted), entries ordered by id, so the same inputs always give the
same bytes and a git diff shows one changed line per changed entry. What an entry repeats of itself is left
out: ``text``, the first of ``parts``, which the loader puts back.

What is repeated across entries stays: the article (about a tenth of an entry) is written in each of its entries,
so every line stands alone. A reviewer reads one line per changed post, the build copies an unchanged article's
lines by their byte offsets, and the ledger's copy of an entry in flight is that entry; settled stubs, below,
drop the article from every post already out, which is most of an archive.

An entry whose post the publisher's ledger records as done with this very content (``settled``) is written as a
stub: its id, account, content hash and times, which is all the publisher needs to leave it alone. An edit (the
hash differs from the ledger's), a retraction or an expiry still to come keeps the entry in full. Version 2 (the
same entries in one file) and version 1 (indented, never stubs) are still read; ``document`` and ``load`` give
a manifest back in version 2's single-document form.

The build makes the entries (``smmgen.build.entries``) and everyone reads them through ``smmgen.manifest_model``:
this module lays them out and imports nothing from the build side.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

FORMAT = "smmgen-manifest"
VERSION = 3
WHOLE_VERSION = 2           # the single-document form: ``document``, ``load``, and manifests built before parts
PART_FORMAT = "smmgen-manifest-part"
PARTS = "manifest"          # the parts' folder in output/
PART_PATH = re.compile(r"manifest/([0-9]{4}-(?:0[1-9]|1[0-2]))\.json", re.ASCII)
SCHEMA_PATH = Path(__file__).parent / "schemas" / "manifest.schema.json"


def iso(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def site_fields(site) -> dict[str, Any]:
    """What the manifest says of the site."""
    return {"name": site.name, "base_url": site.base_url, "timezone": site.timezone.key,
            "cards_base_url": site.cards_base_url}


def document(site, entries: Sequence[Mapping[str, Any]],
             ledger: Mapping[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """The manifest of ``entries``; with the publisher's ``ledger`` (``ledger_states``), settled ones as stubs."""
    if ledger:
        entries = [as_written(e, ledger) for e in entries]
    return {
        "format": FORMAT,
        "version": WHOLE_VERSION,
        "site": site_fields(site),
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


def frame(top: Mapping[str, Any], key: str = "entries") -> tuple[bytes, bytes]:
    """The document's bytes before the first item of its list ``key`` and after its last: its other keys in the
    order given (format and version first, so ``head -1`` says what the file is), then ``"<key>":[``."""
    fields = [f"{json.dumps(name)}:{canonical_json(value).decode()}" for name, value in top.items()]
    return ("{" + ",".join([*fields, f'"{key}":['])).encode() + b"\n", b"\n]}\n"


# --- the parts and their index ------------------------------------------------------------------------------------

class Part(NamedTuple):
    """One line of the index: a part's path (relative to the index's folder), entries and sha256."""

    path: str
    entries: int
    sha256: str


def period(date: dt.datetime, tz: ZoneInfo) -> str:
    """The month an article's entries are filed under: its date's, in the site's time zone."""
    return f"{date.astimezone(tz):%Y-%m}"


def part_path(month: str) -> str:
    return f"{PARTS}/{month}.json"


def part_frame(month: str) -> tuple[bytes, bytes]:
    """A part's bytes before its first entry and after its last (a part holds at least one)."""
    return frame({"format": PART_FORMAT, "version": VERSION, "period": month})


def index_bytes(site_top: Mapping[str, Any], parts: Iterable[Part]) -> bytes:
    """``output/manifest.json``: the site (``site_fields``), then one line per part, in the parts' order."""
    head, tail = frame({"format": FORMAT, "version": VERSION, "site": site_top}, "parts")
    lines = [canonical_json(part._asdict()) for part in parts]
    if not lines:
        return head.rstrip(b"\n") + tail.lstrip(b"\n")
    return head + b",\n".join(lines) + tail


def part_shown(index_shown: str, path: str) -> str:
    """How an error names a part: beside the index as the user named it (``output/manifest/2026-11.json``)."""
    return str(PurePosixPath(index_shown).parent / path)


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
    return {"format": FORMAT, "version": WHOLE_VERSION,
            "site": {"name": checked.name, "base_url": checked.base_url, "timezone": checked.timezone,
                     "cards_base_url": checked.cards_base_url},
            "entries": sorted(entries, key=lambda e: e["id"])}


def joined(path: Path) -> dict[str, Any]:
    """The manifest at ``path`` as one document in version 2's form, as written (stubs as stubs, no ``text``),
    its parts read as they are and not checked: for counting what a build wrote. What is posted or compared is
    read by ``manifest_model.read_manifest``. A part's path must have a part's form, and a part that is a link
    is not followed, so no index leads this read out of the manifest's folder (``OSError``)."""
    doc = json.loads(path.read_bytes())
    if doc.get("version") != VERSION or "parts" not in doc:
        return doc
    entries: list = []
    for part in doc["parts"]:
        if not PART_PATH.fullmatch(part["path"]):
            raise ValueError(f"{part['path']!r} is not a manifest part")
        fd = os.open(path.parent / part["path"], os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            entries += json.loads(f.read())["entries"]
    return {"format": FORMAT, "version": WHOLE_VERSION, "site": doc["site"],
            "entries": sorted(entries, key=lambda e: e["id"])}
