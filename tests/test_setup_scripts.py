"""tests/setup.sh and the Node installers say what they are about to do before each long, silent step."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# A stand-in for npm: `npm ci` takes a minute and needs the registry; this one only makes node_modules/.
FAKE_NPM = """#!/bin/sh
[ "$1" = ci ] || exit 2
mkdir -p node_modules && echo installed > node_modules/marker
"""


def run_npm_ci(dir: Path, bin_dir: Path) -> list[str]:
    script = (f'. "{REPO}/tests/lib/npm.sh"; npm_ci "{dir}" want-1 tests/pds/install.sh "the Bluesky server"; '
              'summary tests/pds 22.0.0')
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_npm_ci_is_announced_before_it_starts_and_only_when_it_runs(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAKE_NPM)
    (bin_dir / "npm").chmod(0o755)
    project = tmp_path / "pds"
    project.mkdir()
    first = run_npm_ci(project, bin_dir)
    assert first[0] == "setup: installing Node packages for the Bluesky server (npm ci, ~1 min)"
    assert re.fullmatch(r"tests/pds: node 22\.0\.0, npm ci in \d+s", first[1]) and len(first) == 2
    assert (project / "node_modules" / "marker").exists()
    # Up to date: nothing long happens, so nothing is announced.
    assert run_npm_ci(project, bin_dir) == ["tests/pds: node 22.0.0, node_modules up to date"]


def test_setup_announces_each_long_step():
    setup = (REPO / "tests" / "setup.sh").read_text()
    pip = setup.index("python -m pip install")
    assert 'echo "setup: installing smmgen with its test extras (pip)"' in setup[:pip]
    assert 'echo "setup: installing ${missing[*]} (apt-get, a few minutes)"' in setup
    for installer, purpose in (("pds", "the Bluesky server"), ("actions", "the workflow linter")):
        text = (REPO / "tests" / installer / "install.sh").read_text()
        assert f'tests/{installer}/install.sh "{purpose}"' in text
