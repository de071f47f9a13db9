"""How far a long command has come, on one updating line of a terminal: "drawing cards 300/2800".

The library reports stages as values (``smmgen.build.pipeline.Progress``); this is the CLI side that shows them. Only an
interactive terminal gets the line: when stderr is not a terminal, or ``CI`` is set, nothing is printed, so logs
and pipes see the same lines as before.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

CLEAR = "\r\x1b[K"          # back to the start of the line, erase it


def wanted(stream: TextIO) -> bool:
    """A terminal that a person watches: a TTY, and not a CI run (CI=true, as GitHub Actions and others set)."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):     # no such method, or a closed stream
        return False


class ProgressLine:
    """A ``Progress`` callback that redraws one line (at most ``per_second`` times a second, plus each stage's
    start and end) and erases it when the command is done: ``with ProgressLine() as progress: ...``."""

    def __init__(self, stream: TextIO | None = None, *, per_second: float = 10.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = wanted(self.stream)
        self.interval = 1.0 / per_second
        self.shown = ""
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        edge = done in (0, total) or not self.shown.startswith(stage)
        if not edge and now - self.last < self.interval:
            return
        self.last = now
        self.shown = f"{stage} {done}/{total}" if total else f"{stage}…"
        self._write(CLEAR + self.shown)

    def clear(self) -> None:
        if self.shown:
            self.shown = ""
            self._write(CLEAR)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):        # the terminal went away: progress is not worth failing for
            self.enabled = False

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.clear()
