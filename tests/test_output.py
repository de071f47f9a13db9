from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from smmgen.errors import SmmgenError
from smmgen.output_files import atomic_write, create, listing, prune


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


# --- output/ and links: nothing outside output/ is ever written or deleted -------------------------------------------

ARTICLE = """\
    ---
    title: "Harbour reopens after the storm"
    date: 2026-11-20T08:00:00+01:00
    slug: harbour-reopens
    summary: "Ferries run again from Monday."
    ---

    The harbour reopens on Monday.
    """


def _build(site: Path, *args: str):
    from click.testing import CliRunner

    from smmgen.cli.main import main

    return CliRunner().invoke(main, ["build", "--workers", "1", *args, "--site", str(site)])


def _tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, links not followed (a link shows as its target's name)."""
    out = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            out[path.relative_to(root).as_posix()] = (b"-> " + os.readlink(path).encode() if path.is_symlink()
                                                      else path.read_bytes())
    return out


@pytest.fixture
def web_root(tmp_path: Path) -> Path:
    """A folder outside the site holding files a build must never touch."""
    root = tmp_path / "www"
    (root / "old").mkdir(parents=True)
    (root / "index.html").write_text("<h1>the newsroom's site</h1>")
    (root / "old" / "logo.png").write_bytes(b"\x89PNG not ours")
    return root


@pytest.mark.parametrize("no_cache", [False, True], ids=["cache", "no-cache"])
@pytest.mark.parametrize("folder", ["cards", "cuts", "og", "preview"])
def test_a_build_folder_linked_elsewhere_is_refused_and_nothing_there_is_touched(make_site, web_root, folder,
                                                                                   no_cache):
    make_site.article("2026/harbour.md", ARTICLE)
    args = ("--no-cache",) if no_cache else ()
    assert _build(make_site.root, *args).exit_code == 0      # a first build, so there is something to prune
    out = make_site.root / "output"
    before = _tree(web_root)
    for path in (out / folder).rglob("*"):                   # what is served from the web root came from a build
        if path.is_file():
            target = web_root / path.relative_to(out / folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    before = _tree(web_root)
    shutil.rmtree(out / folder)
    (out / folder).symlink_to(web_root, target_is_directory=True)
    make_site.article("2026/harbour.md", ARTICLE.replace("Monday", "Tuesday"))

    result = _build(make_site.root, *args)
    assert result.exit_code == 1
    assert f"output/{folder}: is a symbolic link (to {web_root})" in result.output
    assert f"must be a real folder: remove the link, and copy or sync output/{folder}/ to where it is served" \
        in result.output and "Traceback" not in result.output
    assert _tree(web_root) == before
    assert sorted(p.name for p in web_root.parent.iterdir()) == ["site", "www"]


@pytest.mark.parametrize("no_cache", [False, True], ids=["cache", "no-cache"])
def test_an_output_folder_outside_the_site_is_refused(make_site, web_root, no_cache):
    make_site.article("2026/harbour.md", ARTICLE)
    (make_site.root / "output").symlink_to(web_root, target_is_directory=True)
    (web_root / "cards").mkdir()
    (web_root / "cards" / "theirs.png").write_bytes(b"not ours")
    before = _tree(web_root)
    result = _build(make_site.root, *(("--no-cache",) if no_cache else ()))
    assert result.exit_code == 1
    assert f"output: is {web_root}, outside the site folder" in result.output and "Traceback" not in result.output
    assert _tree(web_root) == before


@pytest.mark.parametrize("no_cache", [False, True], ids=["cache", "no-cache"])
def test_a_linked_folder_inside_a_build_folder_is_refused_before_anything_is_written(make_site, tmp_path,
                                                                                      no_cache):
    make_site.article("2026/harbour.md", ARTICLE)
    args = ("--no-cache",) if no_cache else ()
    assert _build(make_site.root, *args).exit_code == 0
    cuts = make_site.root / "output" / "cuts" / "harbour-reopens"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "mastodon.txt").write_text("someone else's file\n")
    shutil.rmtree(cuts)
    cuts.symlink_to(elsewhere, target_is_directory=True)
    make_site.article("2026/harbour.md", ARTICLE.replace("Monday", "Tuesday"))

    result = _build(make_site.root, *args)
    assert result.exit_code == 1
    assert f"output/cuts/harbour-reopens: is a symbolic link (to {elsewhere}); a build deletes every file in it " \
        "that it did not write, so it must be a real folder: remove the link\n" in result.output
    assert _tree(elsewhere) == {"mastodon.txt": b"someone else's file\n"}


@pytest.mark.parametrize("no_cache", [False, True], ids=["cache", "no-cache"])
def test_a_linked_file_in_output_is_replaced_never_written_through(make_site, tmp_path, no_cache):
    make_site.article("2026/harbour.md", ARTICLE)
    args = ("--no-cache",) if no_cache else ()
    assert _build(make_site.root, *args).exit_code == 0
    out = make_site.root / "output"
    card = next((out / "cards").iterdir())
    linked = [out / "manifest.json", *(out / "manifest").iterdir(), out / "cuts" / "harbour-reopens" / "mastodon.txt",
              out / "og" / "harbour-reopens.html", out / "preview" / "index.html", card,
              out / "cards" / "stray.png"]          # the last one is not the build's: pruned (the link only)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for i, path in enumerate(linked):
        target = secrets / f"file{i}"
        target.write_text(f"not ours {i}\n")
        path.unlink(missing_ok=True)
        path.symlink_to(target)
    before = _tree(secrets)
    make_site.article("2026/harbour.md", ARTICLE.replace("Monday", "Tuesday"))

    result = _build(make_site.root, *args)
    assert result.exit_code == 0, result.output
    assert _tree(secrets) == before
    assert not any(p.is_symlink() for p in out.rglob("*"))
    assert not (out / "cards" / "stray.png").exists()
    assert b"Tuesday" in (out / "cuts" / "harbour-reopens" / "mastodon.txt").read_bytes()


def test_prune_never_follows_a_link(tmp_path):
    out, elsewhere = tmp_path / "output", tmp_path / "elsewhere"
    (out / "cuts").mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not ours")
    (out / "cuts" / "file-link.txt").symlink_to(elsewhere / "keep.txt")
    (out / "cuts" / "folder-link").symlink_to(elsewhere, target_is_directory=True)
    (out / "cards").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(SmmgenError, match="output/cards: is a symbolic link"):
        prune(out, set(), ("cuts", "cards"))
    (out / "cards").unlink()
    prune(out, set(), ("cuts", "cards"))
    assert not (out / "cuts" / "file-link.txt").is_symlink()
    assert (out / "cuts" / "folder-link").is_symlink()        # a link to a folder is never followed
    assert _tree(elsewhere) == {"keep.txt": b"not ours"}
