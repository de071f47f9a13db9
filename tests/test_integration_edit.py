"""The record of site files as the edit path changes it (smmgen.build.integration_edit): line by line, to the bytes
``integration.write_record`` writes for the same files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.build import integration
from smmgen.build.integration_edit import _Record

PATHS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
KNOWN = st.tuples(st.integers(0, 10**9), st.text("0123456789abcdef", min_size=64, max_size=64)).map(list)


@settings(max_examples=150, deadline=None)
@given(files=st.dictionaries(PATHS, KNOWN, max_size=12),
       changes=st.dictionaries(PATHS, st.one_of(st.none(), KNOWN), max_size=6))
def test_a_record_changed_line_by_line_is_the_record_written_whole(tmp_path_factory, files, changes) -> None:
    root = tmp_path_factory.mktemp("site")
    (root / ".smmgen").mkdir()
    site = SimpleNamespace(root=root)
    integration.write_record(site, files)
    old = _Record.read(site)
    assert old is not None
    assert all(old.get(path) == known for path, known in files.items())
    assert all(old.get(path) is None for path in changes if path not in files)
    integration.write_record_lines(site, old.changed(changes))
    patched = (root / integration.RECORD).read_bytes()
    expected = {path: known for path, known in {**files, **changes}.items() if known is not None}
    integration.write_record(site, expected)
    assert patched == (root / integration.RECORD).read_bytes()
    assert integration.read_record(site) == expected


def test_a_record_that_is_not_one_is_not_read(tmp_path: Path) -> None:
    (tmp_path / ".smmgen").mkdir()
    site = SimpleNamespace(root=tmp_path)
    record = tmp_path / integration.RECORD
    for text in ("", "{}", integration.RECORD_HEAD + '  "a": [1, "b"]' + integration.RECORD_TAIL):
        record.write_text(text)
        assert _Record.read(site) is None
