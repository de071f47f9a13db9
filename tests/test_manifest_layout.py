"""The manifest's layout: a first line with format, version and site, then one entry per line (canonical compact
JSON, keys sorted), so a diff shows one changed line per changed entry; the file is still one JSON document."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen import manifest
from smmgen.build.manifest_file import entry_text

leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30)
entries = st.dictionaries(st.text(max_size=6), values, max_size=5).map(lambda e: {**e, "id": "x"})
SITE = {"name": "Desk", "base_url": "https://courier.example", "timezone": "UTC", "cards_base_url": None}


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=200, deadline=None)
@given(st.lists(entries, max_size=4))
def test_one_entry_per_line_and_the_whole_file_is_the_document(found) -> None:
    doc = {"format": manifest.FORMAT, "version": manifest.WHOLE_VERSION, "site": SITE, "entries": found}
    data = manifest.dumps(doc)
    assert json.loads(data) == doc
    lines = data.decode().split("\n")
    assert lines[0].startswith('{"format":"smmgen-manifest","version":2,"site":{') and lines[-1] == ""
    if found:
        assert lines[1:-2] == [canonical(e) + "," for e in found[:-1]] + [canonical(found[-1])]
        assert lines[-2] == "]}"
    else:
        assert lines[1:] == [""] and lines[0].endswith('"entries":[]}')


@settings(max_examples=100, deadline=None)
@given(entries)
def test_an_entry_is_one_canonical_line(entry) -> None:
    assert entry_text(entry) == canonical(entry).encode()
    assert b"\n" not in entry_text(entry)


def test_unusual_text_stays_on_its_line() -> None:
    entry = {"b": ["\u2028 line sep", "new\nline", "tab\t", "quote \" and \\", "emoji 👩‍👩‍👧", "\x00"],
             "a": [1e300, -0.0, 2**70], "c": {}, "d": []}
    line = entry_text(entry)
    assert b"\n" not in line and json.loads(line) == entry
