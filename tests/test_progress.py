"""Progress of a long build: one updating line on a terminal, nothing extra in a pipe or in CI.

`smmgen build` runs for real in a subprocess, once under a pseudo-terminal (the `pty` module) and once with
pipes; the library reports stages as values and only the CLI shows them.
"""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smmgen.build.pipeline import build
from smmgen.config.site import load_site

ARTICLES = 20           # enough for the worker processes to parse (smmgen.build.pipeline.PARALLEL_MIN)
CLEAR = "\r\x1b[K"


@pytest.fixture
def site(make_site) -> Path:
    make_site.config("""\
        [site]
        name = "Test Desk"
        base_url = "https://news.example"
        timezone = "Europe/Berlin"

        [platforms.mastodon]
        handle = "@desk@social.example"

        [platforms.bluesky]
        handle = "@desk.example"
        """)
    for i in range(ARTICLES):
        make_site.article(f"story-{i:02d}.md", f"---\ntitle: Story number {i}\ndate: 2026-11-{1 + i:02d}\n---\n"
                                               f"What happened on day {i}.\n")
    return make_site.root


def command(site: Path) -> list[str]:
    return [sys.executable, "-m", "smmgen", "build", "--site", str(site), "--workers", "2"]


def in_terminal(args: list[str], env: dict[str, str], seconds: float = 120) -> tuple[int, str]:
    """Run ``args`` with stdin, stdout and stderr on a pseudo-terminal; everything it wrote, as the terminal got
    it."""
    master, slave = os.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:                  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def environment(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    env.update({k: v for k, v in changes.items() if v is not None})
    return env


def test_a_build_on_a_terminal_shows_progress_on_one_line(site):
    code, out = in_terminal(command(site), environment(TERM="xterm"))
    assert code == 0, out
    assert re.search(rf"parsing \d+/{ARTICLES}", out), out
    assert f"parsing {ARTICLES}/{ARTICLES}" in out
    cards = re.findall(r"drawing cards (\d+)/(\d+)", out)
    assert cards and cards[-1][0] == cards[-1][1], out
    assert "writing…" in out
    # One line, redrawn: every update starts by erasing it, and it is erased before the report.
    progress, report = out.rsplit(CLEAR, 1)
    assert "\n" not in progress and report.startswith("smmgen: built Test Desk"), out
    assert "\r\n  articles  20" in report


def test_a_build_in_a_pipe_or_in_ci_prints_only_its_report(site):
    piped = subprocess.run(command(site), capture_output=True, text=True, env=environment(), timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    assert "\r" not in piped.stdout and "\x1b" not in piped.stdout
    assert piped.stdout.startswith("smmgen: built Test Desk -> output/\n  articles  20\n")
    assert "parsing" not in piped.stdout and "drawing" not in piped.stdout
    # CI=true on a terminal: the same plain lines (from scratch again, so there is work to report).
    code, out = in_terminal([*command(site), "--no-cache"], environment(CI="true", TERM="xterm"))
    assert code == 0, out
    assert "\x1b" not in out and "parsing" not in out and "drawing" not in out
    assert out.replace("\r\n", "\n").startswith("smmgen: built Test Desk -> output/\n  articles  20\n")


def test_the_library_reports_stages_as_values(site):
    seen: list[tuple[str, int, int]] = []
    result = build(load_site(site), workers=2, progress=lambda *step: seen.append(step))
    assert not result.errors
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == ["parsing", "drawing cards"]
    for stage in stages:
        steps = [(done, total) for s, done, total in seen if s == stage]
        assert steps[0][0] == 0 and steps[-1][0] == steps[-1][1] > 0
        assert [d for d, _ in steps] == sorted(d for d, _ in steps)


def test_preview_shows_the_same_progress_on_a_terminal(site):
    args = [sys.executable, "-m", "smmgen", "preview", "--site", str(site), "--workers", "2"]
    code, out = in_terminal(args, environment(TERM="xterm"))
    assert code == 0, out
    assert f"parsing {ARTICLES}/{ARTICLES}" in out and "drawing cards" in out and "writing…" in out
    assert out.rsplit(CLEAR, 1)[1].startswith("preview: output/preview/index.html")


def test_check_shows_progress_on_a_terminal_and_nothing_extra_in_a_pipe(site):
    args = [sys.executable, "-m", "smmgen", "check", "--site", str(site)]
    code, out = in_terminal(args, environment(TERM="xterm"))
    assert code == 0, out
    assert "cutting" in out or "parsing" in out, out
    assert out.rsplit(CLEAR, 1)[1].startswith(f"smmgen: {ARTICLES} articles")
    piped = subprocess.run(args, capture_output=True, text=True, env=environment(), timeout=120)
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout == f"smmgen: {ARTICLES} articles, {2 * ARTICLES} cuts: all within their limits\n"
