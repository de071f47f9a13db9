"""The publisher's name for the manifest's one strict loader, which lives beside the model in
``smmgen.manifest_model`` so the build side reads manifests without importing the publisher."""

from __future__ import annotations

from smmgen.manifest_model import (
    ID,
    ID_FORMS,
    MAX_MANIFEST_BYTES,
    Bad,
    Entry,
    Manifest,
    ManifestEntry,
    Media,
    Settled,
    check_entry,
    check_plain_json,
    field_name,
    load_json,
    read_entry,
    read_manifest,
    thaw,
)

__all__ = [
    "ID",
    "ID_FORMS",
    "MAX_MANIFEST_BYTES",
    "Bad",
    "Entry",
    "Manifest",
    "ManifestEntry",
    "Media",
    "Settled",
    "check_entry",
    "check_plain_json",
    "field_name",
    "load_json",
    "read_entry",
    "read_manifest",
    "thaw",
]
