"""The manifest a git revision's site builds to: its committed files, built by this smmgen in a temporary folder.

This is what a pull request's summary compares (``smmgen diff BASE HEAD``): the base built by the same code as
the head, so the diff shows what the merge changes, content and code alike. The revision is exported with
``git archive`` (the repository's working tree, index and worktree list are left alone) and built like
``smmgen build``. Card files are named by the hash of what they show, so a build is first given the cards of
another (linked where the file system allows, else copied) and draws only what differs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from smmgen.errors import SmmgenError, flatten
from smmgen.manifest_model import Manifest, read_manifest


@dataclass(frozen=True)
class Built:
    """A revision's build: its manifest (None when the revision has no site there) and its card folder."""

    manifest: Manifest | None
    cards: Path | None


def read(path: Path) -> Manifest:
    """A manifest file through the one strict loader; its files need not be there (it is compared, not posted).
    Raises ``ContentError`` naming the entry and field for anything the build would not have written."""
    return read_manifest(path, require_files=False)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, check=False, capture_output=True)
    except FileNotFoundError:
        raise SmmgenError("git is not installed; git revisions cannot be compared") from None


def commit_of(folder: Path, name: str) -> str | None:
    """The commit ``name`` names in the repository holding ``folder``, or None (no such revision, or no
    repository)."""
    if not name or name.startswith("-"):     # never an option to git
        return None
    found = _git(folder, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}")
    if found.returncode != 0:
        return None
    return found.stdout.decode().strip() or None


def build_at(site_root: Path, name: str, commit: str, into: Path, *, seed_cards: Path | None = None,
             workers: int | None = None) -> Built:
    """Build the site at ``site_root``'s place in the repository as ``commit`` has it, inside ``into``."""
    top = _git(site_root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise SmmgenError(f"{name}: {site_root} is not inside a git repository")
    top_dir = Path(top.stdout.decode().strip()).resolve()
    tree = into / "tree"
    tree.mkdir(parents=True)
    _export(top_dir, commit, tree, name)
    root = tree / site_root.resolve().relative_to(top_dir)
    if not (root / "smmgen.toml").is_file():
        return Built(None, None)

    from smmgen.build.incremental import build_site
    from smmgen.config.site import load_site
    from smmgen.errors import ErrorList

    try:
        site = load_site(root)
    except SmmgenError as e:
        raise SmmgenError(f"{name}: the site's smmgen.toml at that revision is invalid: {_flat(e)}") from None
    if seed_cards is not None and seed_cards.is_dir():
        _seed(seed_cards, site.output_dir / "cards")
    outcome = build_site(site, workers=workers)
    if outcome.errors:
        errors = ErrorList(list(outcome.errors))
        raise SmmgenError(f"{name}: the site does not build at that revision ({len(_lines(errors))} error(s)):\n"
                          + "\n".join(f"  {line}" for line in _lines(errors)))
    return Built(read(site.output_dir / "manifest.json"), site.output_dir / "cards")


def _export(top: Path, commit: str, tree: Path, name: str) -> None:
    # git's messages go to a file, not a pipe: a pipe nobody reads until the archive is read could fill and stall it
    with tempfile.TemporaryFile() as messages, subprocess.Popen(
            ["git", "archive", "--format=tar", commit], cwd=top, stdout=subprocess.PIPE, stderr=messages) as proc:
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
                archive.extractall(tree, filter="data")     # no member may land outside the tree
        except (tarfile.TarError, OSError) as e:
            proc.kill()
            raise SmmgenError(f"{name}: cannot export that revision's files: {e}") from None
        finally:
            proc.stdout.close()
        proc.wait()
        messages.seek(0)
        stderr = messages.read().decode(errors="replace").strip()
    if proc.returncode != 0:
        raise SmmgenError(f"{name}: git archive failed: {stderr.splitlines()[-1] if stderr else proc.returncode}")


def _seed(source: Path, target: Path) -> None:
    link: Callable[[str, str], object] = os.link
    for folder, _, files in os.walk(source):
        destination = target / Path(folder).relative_to(source)
        destination.mkdir(parents=True, exist_ok=True)
        for file in files:
            try:
                link(os.path.join(folder, file), destination / file)
            except FileExistsError:
                pass
            except OSError:                 # another file system, or links not allowed: copy instead
                link = shutil.copy2
                shutil.copy2(os.path.join(folder, file), destination / file)


def _lines(error: SmmgenError) -> list[str]:
    return [e.message for e in flatten([error])]


def _flat(error: SmmgenError) -> str:
    return "; ".join(_lines(error))
