from __future__ import annotations

import os
from pathlib import Path

import pytest

from smmgen.output import atomic_write, create, listing, prune


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


def test_create_writes_only_a_file_that_is_not_there(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    made = create(path, b"fresh\n")
    assert path.read_bytes() == b"fresh\n"
    st = path.stat()
    assert made == (st.st_size, st.st_mtime_ns) and oct(st.st_mode & 0o777) == oct(0o644 & ~_umask())
    # An existing file is left alone: the caller replaces it atomically instead.
    assert create(path, b"other\n") is None
    assert path.read_bytes() == b"fresh\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_listing_is_what_a_walk_finds(tmp_path: Path) -> None:
    (tmp_path / "cuts" / "a" / "deep").mkdir(parents=True)
    (tmp_path / "cuts" / "a" / "x.txt").write_text("x")
    (tmp_path / "cuts" / "a" / "deep" / "y.txt").write_text("yy")
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "c.png").write_bytes(b"png")
    (tmp_path / "cards" / "link.png").symlink_to(tmp_path / "cards" / "c.png")
    (tmp_path / "cards" / "folder-link").symlink_to(tmp_path / "cuts")
    files, folders = listing(tmp_path, ("cuts", "cards", "og"))
    walked, walked_folders = {}, set()
    for sub in ("cuts", "cards", "og"):
        for dirpath, _dirs, names in os.walk(tmp_path / sub):
            rel = os.path.relpath(dirpath, tmp_path)
            walked_folders.add(rel)
            for name in names:
                st = os.stat(os.path.join(dirpath, name))
                walked[f"{rel}/{name}"] = (st.st_size, st.st_mtime_ns)
    assert files == walked and folders == walked_folders
    assert set(files) == {"cuts/a/x.txt", "cuts/a/deep/y.txt", "cards/c.png", "cards/link.png"}
