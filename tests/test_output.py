from __future__ import annotations

import os

import pytest

from smmgen.output import atomic_write, prune


def test_atomic_write_replaces_and_skips_identical(tmp_path):
    path = tmp_path / "out" / "manifest.json"
    assert atomic_write(path, b"one") is True
    assert path.read_bytes() == b"one"
    mtime = path.stat().st_mtime_ns
    assert atomic_write(path, b"one") is False          # unchanged bytes: file not touched
    assert path.stat().st_mtime_ns == mtime
    assert atomic_write(path, b"two") is True
    assert path.read_bytes() == b"two"


def test_a_crash_mid_write_leaves_the_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "manifest.json"
    path.write_bytes(b'{"old": true}')

    def crash(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write(path, b'{"new": true, "half": ')
    assert path.read_bytes() == b'{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


def test_prune_removes_only_unwritten_files_in_build_folders(tmp_path):
    keep = tmp_path / "cards" / "a.png"
    stale = tmp_path / "cards" / "old.png"
    stale_dir_file = tmp_path / "cuts" / "gone" / "x.txt"
    outside = tmp_path / "notes.txt"
    for p in (keep, stale, stale_dir_file, outside):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x")
    prune(tmp_path, {keep}, ("cards", "cuts"))
    assert keep.exists() and outside.exists()
    assert not stale.exists() and not stale_dir_file.exists() and not (tmp_path / "cuts" / "gone").exists()
