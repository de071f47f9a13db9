"""The suite's own guards: tests that need something missing here skip on a developer's machine and fail under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# PyYAML as if built without libyaml: smmgen.content.front_matter then has one loader only. In this process
# (`-n 0`): a test process started by pytest-xdist would import PyYAML afresh, with libyaml.
WITHOUT_LIBYAML = ("import sys, yaml; yaml.__with_libyaml__ = False; import pytest; "
                   "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-n', '0', "
                   "'tests/test_front_matter_loaders.py']))")


def _run_without_libyaml(ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-c", WITHOUT_LIBYAML], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.mark.parametrize("ci", [None, "false"])
def test_libyaml_tests_skip_outside_ci(ci):
    done = _run_without_libyaml(ci)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "skipped" in done.stdout and "failed" not in done.stdout and "error" not in done.stdout


def test_libyaml_tests_fail_under_ci():
    done = _run_without_libyaml("true")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "PyYAML without libyaml under CI" in done.stdout
