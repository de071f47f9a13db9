"""Which site a command works on: --site when given, else the nearest folder holding smmgen.toml, from the
current folder upwards (as git and Hugo find their roots), for every command alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smmgen.cli.main import main
from smmgen.config.site import find_root


def smmgen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smmgen", *args], cwd=cwd, check=False, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "GITHUB_ACTIONS": ""})


def test_check_run_in_a_subfolder_of_the_site_finds_smmgen_toml_above(sample_site):
    run = smmgen("check", cwd=sample_site / "content" / "2026")
    assert run.returncode == 0, run.stderr
    assert "all within their limits" in run.stdout


def test_new_run_in_a_subfolder_writes_into_the_sites_content(make_site):
    make_site.article("2026/old.md", "---\ntitle: Old\ndate: 2026-11-20T08:00:00+01:00\n---\n\nBody.\n")
    run = smmgen("new", "Ferries are back", "--slug", "ferries", cwd=make_site.root / "content" / "2026")
    assert run.returncode == 0, run.stderr
    created = run.stdout.split("created ", 1)[1].strip()
    assert created.startswith("content/") and (make_site.root / created).is_file()
    assert not (make_site.root / "content" / "2026" / "content").exists()


def test_without_a_site_above_the_error_names_the_folder_and_no_search_goes_past_an_explicit_site(tmp_path,
                                                                                               sample_site):
    lonely = tmp_path / "elsewhere" / "deep"
    lonely.mkdir(parents=True)
    run = smmgen("check", cwd=lonely)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "smmgen.toml" in run.stderr and str(lonely) in run.stderr
    # --site means that folder: it is not searched upwards.
    named = smmgen("check", "--site", str(sample_site / "content"), cwd=tmp_path)
    assert named.returncode == 1 and "not found" in named.stderr


def test_find_root_takes_the_nearest_folder_holding_the_config(tmp_path):
    outer, inner = tmp_path / "outer", tmp_path / "outer" / "a" / "inner"
    (inner / "b").mkdir(parents=True)
    (outer / "smmgen.toml").write_text("")
    assert find_root(inner / "b") == outer.resolve()
    (inner / "smmgen.toml").write_text("")
    assert find_root(inner / "b") == inner.resolve()
    assert find_root(inner) == inner.resolve()
    (outer / "smmgen.toml").unlink()
    assert find_root(outer / "a") == (outer / "a").resolve()     # none above: the folder it started from



def test_every_command_takes_the_same_site_option():
    helps = {}
    for name, command in main.commands.items():
        options = [p for p in command.params if "--site" in getattr(p, "opts", ())]
        assert len(options) == 1, f"smmgen {name} has no --site"
        helps[name] = (options[0].name, options[0].help)
    assert len(set(helps.values())) == 1, helps
