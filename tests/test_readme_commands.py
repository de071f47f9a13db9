"""The README's two commands: the first sets up a virtual environment and builds the sample site, the second is
exactly what CI runs (.ci/run), so the two cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def two_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_the_first_command_builds_the_sample_site_in_a_virtual_environment():
    first, _ = two_commands()
    assert first == "python3 -m venv .venv && . .venv/bin/activate && python -m pip install -e . && smmgen build"
    assert "/.venv/" in (REPO / ".gitignore").read_text().splitlines()


def test_ci_runs_exactly_the_readmes_test_command():
    _, second = two_commands()
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    commands = [line for line in script if line.strip() and not line.lstrip().startswith("#")
                and not line.startswith(("set ", "cd ", "status=", "if ", "  ", "fi", "exit"))]
    assert commands == [second]
