"""The build cache is data, not code: files planted in .smmgen/cache never run, and a damaged, foreign or crafted
cache is ignored with a note while the build writes what a cold build writes."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from jinja2 import bccache

from smmgen.build import cache as cache_module
from smmgen.build import incremental
from smmgen.build.layout_dirs import DEFAULTS_DIR
from smmgen.cli.main import main
from smmgen.config.site import load_site

ARTICLE = Path("content/2026/2026-11-24-budget-passes.md")
NOTE = "ignored unreadable build cache"


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def cold_copy(site: Path, where: Path) -> dict[str, bytes]:
    """The output of a from-scratch, cache-free build of ``site``'s current inputs, in another folder."""
    shutil.copytree(site, where, ignore=shutil.ignore_patterns("output", ".smmgen"))
    result = CliRunner().invoke(main, ["build", "--no-cache", "--workers", "1", "--site", str(where)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return tree_bytes(where / "output")


def smmgen_build(site: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smmgen", "build", "--workers", "1", "--site", str(site)],
                          capture_output=True, text=True, timeout=300, cwd=site)


class Touch:
    """Unpickled, it creates ``path``: what a planted file would do with the publisher's secrets instead."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_planted_pickles_and_compiled_templates_never_run(sample_site: Path, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    payload = pickle.dumps(Touch(marker))
    cache_dir = sample_site / ".smmgen" / "cache"
    cache_dir.mkdir(parents=True)
    # Every name an old or new cache file has, pickled.
    for name in ["build", "state", *(f"articles-{n:02d}" for n in range(16))]:
        for suffix in (".pickle", ".json"):
            (cache_dir / (name + suffix)).write_bytes(payload)
    # Jinja's compiled templates, as it would find them in a bytecode folder inside the cache: the magic header,
    # then a pickled checksum (and code, marshalled) for every template the build may load.
    templates = cache_dir / "templates"
    templates.mkdir()
    for path in DEFAULTS_DIR.rglob("*.j2"):
        name = path.relative_to(DEFAULTS_DIR).as_posix()
        key = hashlib.sha1(f"{name}|{os.path.normpath(str(path))}".encode()).hexdigest()
        (templates / f"__jinja2_{key}.cache").write_bytes(bccache.bc_magic + payload)

    result = smmgen_build(sample_site)
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert "Traceback" not in result.stderr
    # The planted .json files are noted as unreadable; the pickles are never opened, and are removed.
    assert f"{NOTE} .smmgen/cache/build.json" in result.stderr
    assert not list(cache_dir.glob("*.pickle")) and not templates.exists()
    assert tree_bytes(sample_site / "output") == cold_copy(sample_site, tmp_path / "cold")
    # And the cache it wrote instead is used: the next build has nothing to do.
    again = smmgen_build(sample_site)
    assert again.returncode == 0 and NOTE not in again.stderr and re.search(r"(?<!\d)0 file\(s\) changed", again.stdout)


def _header(path: Path) -> bytes:
    return path.read_bytes().split(b"\n", 1)[0] + b"\n"


def test_damaged_or_foreign_cache_files_are_ignored_with_a_note(sample_site: Path, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    assert not incremental.build_site(load_site(sample_site), workers=1).errors
    cache_dir = sample_site / ".smmgen" / "cache"
    shards = sorted(cache_dir.glob("articles-*.json"))
    headers = {p.name: _header(p) for p in cache_dir.glob("*.json")}
    plan = (cache_dir / "build-plan.json").read_bytes()
    bucket = sorted(cache_dir.glob("index-*.json"))[0].name

    # Another site's cache (a copy elsewhere: another fingerprint), and one of an older format: stale, no note.
    foreign = tmp_path / "foreign"
    shutil.copytree(sample_site, foreign, ignore=shutil.ignore_patterns("output", ".smmgen"))
    assert not incremental.build_site(load_site(foreign), workers=1).errors
    shutil.copy(foreign / ".smmgen" / "cache" / shards[0].name, shards[0])
    old = json.loads(headers[shards[1].name])
    old[cache_module._HEADER] = "6"
    shards[1].write_bytes(json.dumps(old).encode() + b"\n" + shards[1].read_bytes().split(b"\n", 1)[1])

    with_cuts = next(p for p in shards[2:] if b'"Cut":[' in p.read_bytes())
    shards = [p for p in shards if p != with_cuts]
    damaged = {
        "build-plan.json": plan[:len(plan) // 2],                                           # truncated
        bucket: headers[bucket] + b'[["a"],[1],["not a time"],["x"]]',                     # a wrong type
        "state.json": (cache_dir / "state.json").read_bytes().replace(b'{"Summary":[', b'{"Summary":[0,', 1),
        with_cuts.name: with_cuts.read_bytes().replace(b'"Cut":[', b'"os.system":[', 1),    # unknown class
        shards[2].name: os.urandom(5000),                                                   # garbage
        shards[3].name: headers[shards[3].name] + b'["content/x.md"]',                      # not a pair
        shards[4].name: headers[shards[4].name] + b"[" * 200_000 + b"]" * 200_000,          # deep nesting
        shards[5].name: headers[shards[5].name] + b'[\xff\xfe"not utf-8"]',
        shards[6].name: headers[shards[6].name] + b'{"ArticleRecord":[1,[[1],[2],[3],[4],[5]]]}',
        shards[7].name: headers[shards[7].name] + b'[["content/x.md",{"t":[]}]]',             # wrong shape
        shards[8].name: b"",
    }
    for name, data in damaged.items():
        (cache_dir / name).write_bytes(data)
    (sample_site / ARTICLE).write_text((sample_site / ARTICLE).read_text().replace("Parliament passes",
                                                                                   "Parliament passed"))
    caplog.set_level(logging.WARNING, logger="smmgen.build.cache")
    outcome = incremental.build_site(load_site(sample_site), workers=1)
    assert not outcome.errors and not outcome.skipped
    noted = {r.getMessage().split(NOTE + " ", 1)[1].split(" ", 1)[0] for r in caplog.records if NOTE in r.getMessage()}
    assert noted == {f".smmgen/cache/{name}" for name in damaged}
    assert tree_bytes(sample_site / "output") == cold_copy(sample_site, tmp_path / "cold")
    # Every damaged file was written afresh: the next build notes nothing and has nothing to do.
    caplog.clear()
    assert incremental.build_site(load_site(sample_site), workers=1).skipped
    assert not any(NOTE in r.getMessage() for r in caplog.records)
    assert cache_module.BuildCache.load(load_site(sample_site)).articles.keys() == \
        {p.relative_to(sample_site).as_posix() for p in (sample_site / "content").rglob("*.md")}


def test_a_crafted_cache_with_the_right_fingerprint_cannot_name_a_file_outside_it(
        sample_site: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    # The preview's rendered parts are read from a file the cache names: only a name the cache itself makes.
    # The edit is built by the full build, which reads them (the edit path, smmgen.build.edit, would not).
    monkeypatch.setattr("smmgen.build.edit.edit_build", lambda *args, **kwargs: None)
    secret = sample_site / "secret.txt"
    secret.write_text("TOKEN=abc123")
    assert not incremental.build_site(load_site(sample_site), workers=1).errors
    path = sample_site / ".smmgen" / "cache" / "build-fragments.json"
    head = path.read_text(encoding="utf-8").split("\n", 1)[0]
    keys = _fragment_keys(sample_site)
    path.write_text(head + "\n" + json.dumps(["../../secret.txt", [keys, [0] * len(keys), [12] * len(keys)]]) + "\n",
                    encoding="utf-8")
    (sample_site / ARTICLE).write_text((sample_site / ARTICLE).read_text().replace("Parliament passes",
                                                                                   "Parliament passed"))
    caplog.set_level(logging.WARNING, logger="smmgen.build.cache")
    assert not incremental.build_site(load_site(sample_site), workers=1).errors
    assert [r.getMessage() for r in caplog.records if NOTE in r.getMessage()] == \
        [f"smmgen: {NOTE} .smmgen/cache/build-fragments.json (an item of the wrong shape: 'fragments'); it is made "
         "again"]
    assert not any(b"TOKEN=abc123" in data for data in tree_bytes(sample_site / "output").values())
    secret.unlink()
    assert tree_bytes(sample_site / "output") == cold_copy(sample_site, tmp_path / "cold")


def _fragment_keys(site: Path) -> list[str]:
    known = cache_module.BuildCache.load(load_site(site)).fragments
    assert known is not None and known[1]
    return list(known[1])


@pytest.mark.parametrize("linked", [".smmgen", ".smmgen/cache"])
def test_a_cache_folder_linked_out_of_the_site_is_refused_and_nothing_is_written_there(tmp_path, linked):
    site, elsewhere = _linkable_site(tmp_path)
    link = site / linked
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere, target_is_directory=True)
    for command in (["build"], ["build", "--no-cache"], ["check"]):
        done = subprocess.run([sys.executable, "-m", "smmgen", *command, "--site", str(site)], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=120)
        assert done.returncode == 1, done.stderr
        assert ".smmgen/cache: leads to" in done.stderr and "Traceback" not in done.stderr
        assert list(elsewhere.iterdir()) == [], command


def test_a_ledger_configured_outside_the_site_is_refused_by_the_publisher(tmp_path):
    site, elsewhere = _linkable_site(tmp_path)
    (site / ".smmgen").mkdir()
    (site / ".smmgen" / "ledger.json").symlink_to(elsewhere / "ledger.json")
    done = subprocess.run([sys.executable, "-m", "smmgen", "publish", "--dry-run", "--site", str(site)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 1
    assert ".smmgen/ledger.json: publish.ledger: leads to" in done.stderr and "Traceback" not in done.stderr
    assert list(elsewhere.iterdir()) == []


def _linkable_site(tmp_path):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "smmgen.toml").write_text('[site]\nname = "Harbour News"\nbase_url = "https://news.example"\n',
                                      encoding="utf-8")
    (site / "content" / "a.md").write_text("---\ntitle: The harbour reopens\ndate: 2026-11-20T08:00:00+01:00\n"
                                           "---\n\nThe harbour reopens after the storm.\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return site, elsewhere
