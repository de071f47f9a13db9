"""The manifest's own JSON layout gives the bytes of the standard library's indented, key-sorted dump."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen import manifest
from smmgen.build.write import entry_text

leaves = (st.none() | st.booleans() | st.integers() | st.floats() | st.text()
          | st.datetimes(timezones=st.just(dt.UTC)))
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30)


def standard(value) -> str:
    return json.dumps(manifest._plain(value), sort_keys=True, ensure_ascii=False, indent=2)


@settings(max_examples=300, deadline=None)
@given(values)
def test_layout_is_the_standard_indented_dump(value) -> None:
    assert manifest.layout(value) == standard(value)
    assert manifest.dumps({"v": value}) == (standard({"v": value}) + "\n").encode()


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=6), values, max_size=5))
def test_an_entry_nested_in_the_document_is_laid_out_as_inside_it(entry) -> None:
    inner = standard(entry)
    assert entry_text(entry) == "\n".join("    " + line for line in inner.split("\n")).encode()


def test_unusual_text_and_numbers() -> None:
    value = {"b": ["\u2028 line sep", "tab\t", "quote \" and \\", "emoji 👩‍👩‍👧", "\x00"], "a": [1e300, -0.0, 2**70],
             "c": {}, "d": [], 1: "int key"}
    assert manifest.layout(value) == standard(value)
