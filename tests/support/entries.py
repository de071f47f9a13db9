"""Manifest entries for tests that need a few, written as the build writes them and read through the strict loader
(``smmgen.manifest_model.read_entry``), so a test sees the same ``ManifestEntry`` values the preview and the diff do."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from smmgen.manifest_model import ManifestEntry, read_entry


def entry_json(entry_id: str, *, title: str = "A", text: str = "text", publish_at: str = "2026-11-20T07:00:00Z",
               expire_at: str | None = None, version: str = "1", **fields: Any) -> dict[str, Any]:
    """A complete entry as JSON; ``version`` names its content (two entries with the same version have the same
    hash); ``fields`` replace any key."""
    slug, platform = entry_id.split("@")[0], entry_id.split("@")[1].split(":")[0]
    made: dict[str, Any] = {
        "id": entry_id, "platform": platform, "account": platform,
        "article": {"source": f"content/{slug}.md", "slug": slug, "title": title,
                    "url": f"https://example.com/{slug}/", "lang": "en", "date": "2026-11-19T09:00:00Z",
                    "tags": []},
        "retracted": False, "text": text, "parts": [text], "length": len(text), "lengths": [len(text)],
        "limit": 500, "unit": "graphemes", "link": None, "tags": [], "media": [], "publish_at": publish_at,
        "expire_at": expire_at, "warnings": [], "extra": {},
        "content_hash": "sha256:" + hashlib.sha256(version.encode()).hexdigest(),
    }
    made.update(fields)
    if "parts" in fields and "text" not in fields:
        made["text"] = made["parts"][0]
    return made


def entry(entry_id: str, *, output_dir: Path = Path("."), **fields: Any) -> ManifestEntry:
    """``entry_json`` read as the loader reads it (its media files need not be there)."""
    return read_entry(entry_json(entry_id, **fields), output_dir, shown="test", require_files=False)
