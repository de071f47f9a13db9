"""``PendingWrites`` names a file's place in output/ and its temporary file from text, not Paths: the names
``Path.relative_to`` and ``Path.parent`` give."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.build.write import PendingWrites

segment = st.text(alphabet="abc.-_ é中", min_size=1, max_size=6).filter(lambda s: s not in (".", ".."))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["/tmp/site/output", "output", "/o", "rel/out"]), st.lists(segment, min_size=1, max_size=4))
def test_a_files_place_and_temporary_name_are_the_ones_paths_give(out, parts):
    sink = PendingWrites(Path(out), None, ({}, set()))
    path = Path(out).joinpath(*parts)
    relative = path.relative_to(Path(out)).as_posix()
    assert sink._relative(path) == relative
    assert sink._temporary(path) == os.path.join(path.parent, f".{path.name}.{sink._token}.tmp")
    assert sink._temporary(path) == sink._staged(relative)


def test_a_path_outside_output_is_refused_as_before():
    import pytest

    sink = PendingWrites(Path("/tmp/site/output"), None, ({}, set()))
    with pytest.raises(ValueError):
        sink._relative(Path("/tmp/site/outputs/x"))
    assert sink._relative(Path("/tmp/site/output")) == "."


def test_create_writes_a_new_file_by_its_name_and_leaves_none_when_it_fails(tmp_path):
    from smmgen.output_files import create

    data = bytes(range(256)) * 700                  # more than one write may take
    made = create(str(tmp_path / "a.bin"), data)
    st = os.stat(tmp_path / "a.bin")
    assert made == (st.st_size, st.st_mtime_ns) and (tmp_path / "a.bin").read_bytes() == data
    assert create(tmp_path / "a.bin", b"other") is None and (tmp_path / "a.bin").read_bytes() == data
    try:
        create(str(tmp_path / "b.bin"), "not bytes")  # type: ignore[arg-type]
    except TypeError:
        pass
    assert not (tmp_path / "b.bin").exists()
