"""The publish manifest (``output/manifest.json``): everything a publisher needs, and nothing it must compute.

Format ``smmgen-manifest`` version 1, documented by ``schemas/manifest.schema.json``. Entries are sorted by id
and keys are sorted, so the same inputs always give the same bytes. The build makes the entries
(``smmgen.build.entries``) and everyone reads them through ``smmgen.manifest_model``: this module lays them out
and imports nothing from the build side.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

FORMAT = "smmgen-manifest"
VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schemas" / "manifest.schema.json"


def iso(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def document(site, entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
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
    """``json.dumps(_plain(doc), sort_keys=True, ensure_ascii=False, indent=2)`` and a newline, byte for byte."""
    return (layout(doc) + "\n").encode()


def layout(value: Any, level: int = 0) -> str:
    """``value`` as ``dumps`` lays it out, nested ``level`` deep (its inner lines indented for that depth, its
    first line not). The standard library indents in pure Python, one generator per container: for a manifest
    of thousands of entries this takes a third of the time."""
    out: list[str] = []
    _layout(value, level, out.append)
    return "".join(out)


_string = json.encoder.encode_basestring   # ensure_ascii=False, as dumps asks (the C version where built)


def _layout(value: Any, level: int, out) -> None:
    if isinstance(value, str):
        out(_string(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(int.__repr__(value))
    elif isinstance(value, float):
        out("NaN" if value != value else "Infinity" if value == _INF else "-Infinity" if value == -_INF
            else float.__repr__(value))
    elif isinstance(value, Mapping):
        if not value:
            out("{}")
            return
        inner = ",\n" + "  " * (level + 1)
        lead = "{" + inner[1:]
        for key, item in sorted(((str(k), v) for k, v in value.items()), key=_first):
            out(lead + _string(key) + ": ")
            lead = inner
            _layout(item, level + 1, out)
        out("\n" + "  " * level + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out("[]")
            return
        inner = ",\n" + "  " * (level + 1)
        lead = "[" + inner[1:]
        for item in value:
            out(lead)
            lead = inner
            _layout(item, level + 1, out)
        out("\n" + "  " * level + "]")
    elif isinstance(value, dt.datetime):
        out(_string(iso(value)))
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_INF = float("inf")


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def load(path: Path) -> dict[str, Any]:
    """Read a manifest written by ``smmgen build`` through the one strict loader (``manifest_model``; its files
    need not be there: a manifest read here is compared, not posted) and give it back as the JSON the build
    wrote. Raises ``ContentError`` naming the entry and field for anything else."""
    from smmgen.manifest_model import read_manifest, thaw

    checked = read_manifest(path, require_files=False)
    return {"format": FORMAT, "version": VERSION,
            "site": {"name": checked.name, "base_url": checked.base_url, "timezone": checked.timezone,
                     "cards_base_url": checked.cards_base_url},
            "entries": [thaw(e.json) for e in checked.entries]}
