"""`smmgen serve --port 0` in a subprocess, for the tests that talk to it (over raw sockets or in a browser)."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path


class ServeProcess:
    """The server's output lines are read in a thread so that every wait is bounded; ``url`` is the preview page
    it announced and ``port`` its port."""

    def __init__(self, site: Path, *, env: dict[str, str] | None = None, startup: float = 60):
        # ``startup``: how long the first build may take (a benchmark's cold build of thousands of articles).
        env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "smmgen", "serve", "--site", str(site), "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        found = self.wait_for(r"Serving (http://127\.0\.0\.1:(\d+)/\S*)", startup)
        self.url, self.port = found.group(1), int(found.group(2))
        self.origin = f"http://127.0.0.1:{self.port}"

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, seconds: float) -> re.Match:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.log.append(line)
            if m := re.search(pattern, line):
                return m
        raise AssertionError(f"no line matching {pattern!r} within {seconds}s; output:\n" + "\n".join(self.log))

    def output(self) -> str:
        """Everything it printed so far."""
        while True:
            try:
                self.log.append(self.lines.get_nowait())
            except queue.Empty:
                return "\n".join(self.log)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
