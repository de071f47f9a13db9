"""A command run once per site of a workspace (``smmgen.config.workspace``): ``@per_site()`` under a click command.

Outside a workspace the command runs exactly as before. In one, it runs for each site in turn (or the one
``--site`` names), as if started in that site's folder: the current folder is the site's, so relative paths
such as ``--ledger`` or a manifest file resolve inside each site. Every line the command prints is prefixed
with the site (``[sites/courier] ...``); GitHub annotations keep their form, their file made relative to the
workspace. A site that fails does not stop the others: its error is shown and the command exits non-zero once
all have run. Machine output is combined instead of prefixed: JSON as one ``{"sites": {name: ...}}`` object,
Markdown under one heading per site.

Build and preview also ``record`` each site's counts, from which a run over all sites writes the combined
preview index. A new command that acts on a site takes part by adding ``@per_site(...)`` under its options.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click

from smmgen.errors import ConfigError, SmmgenError, flatten

LINES, MARKDOWN, JSON = "lines", "markdown", "json"
_ANNOTATION_FILE = re.compile(r"^(::[a-z]+ (?:[^:]*?,)?file=)")


class Prefixed(io.TextIOBase):
    """A text stream that writes each whole line to ``stream`` with ``[name] `` in front; an annotation
    (``::error file=...``) stays as GitHub reads it, with its file put under the site's folder."""

    def __init__(self, stream: TextIO, name: str):
        self.stream, self.name, self.pending = stream, name, ""

    @property
    def encoding(self) -> str:                 # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:            # type: ignore[override]
        return getattr(self.stream, "errors", None)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False            # no progress line: redrawn text does not go with a prefix per line

    def write(self, text: str) -> int:         # type: ignore[override]
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self.stream.write(self._line(line) + "\n")
        return len(text)

    def _line(self, line: str) -> str:
        if line.startswith("::"):
            return _ANNOTATION_FILE.sub(lambda m: f"{m[1]}{self.name}/", line, count=1)
        return f"[{self.name}] {line}".rstrip(" ")

    def flush(self) -> None:
        self.stream.flush()

    def finish(self) -> None:
        if self.pending:
            self.stream.write(self._line(self.pending) + "\n")
            self.pending = ""
        self.stream.flush()


@dataclass
class _Run:
    """The workspace run in progress: which site is running and the counts its build recorded."""

    current: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)


_run: ContextVar[_Run | None] = ContextVar("smmgen_workspace_run", default=None)


def record(site, *, posts: int, warnings: int, errors: int) -> None:
    """Note a site's build for the combined preview index (nothing outside a workspace run). ``site`` is the
    loaded ``Site``; its preview is linked only when this build wrote one (no errors)."""
    from smmgen.config.workspace import SiteCounts

    run = _run.get()
    if run is None or run.current is None:
        return
    preview = site.output_dir / "preview" / "index.html" if not errors else None
    run.counts[run.current] = SiteCounts(run.current, site.name, preview, posts, warnings, errors)


@contextmanager
def _in_site(folder: Path, name: str, mode: str, out: io.StringIO) -> Iterator[None]:
    saved = sys.stdout, sys.stderr, os.getcwd()
    stderr = Prefixed(sys.stderr, name)
    stdout = Prefixed(sys.stdout, name) if mode == LINES else out if mode == JSON else sys.stdout
    sys.stdout, sys.stderr = stdout, stderr       # type: ignore[assignment]
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(saved[2])
        for stream in (stdout, stderr):
            if isinstance(stream, Prefixed):
                stream.finish()
        sys.stdout, sys.stderr = saved[0], saved[1]


def per_site(output: str | Callable[[dict[str, Any]], str] = LINES, *, one: bool = False):
    """Decorate a command callback taking ``site_dir`` so that in a workspace it runs per site.

    ``output`` is how it prints (``LINES``, ``MARKDOWN``, ``JSON``), or a function of the command's options
    choosing one (``--json`` prints JSON). ``one``: the command acts on a single site, so a workspace needs
    ``--site`` to name it."""

    def wrap(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def run(site_dir: Path | None, **options: Any) -> None:
            from smmgen.config.workspace import select

            chosen = select(site_dir, Path.cwd())
            if chosen.workspace is None:
                return command(site_dir=site_dir, **options)
            workspace = chosen.workspace
            names = [workspace.name(site) for site in chosen.sites]
            if one and len(names) > 1:
                raise ConfigError("smmgen.toml", "workspace", f"a workspace of {len(names)} sites: name one "
                                  f"with --site ({', '.join(names)})")
            mode = output(options) if callable(output) else output
            state = _Run()
            token = _run.set(state)
            failed: dict[str, int] = {}
            documents: dict[str, Any] = {}
            try:
                for site, name in zip(chosen.sites, names):
                    state.current = name
                    if mode == MARKDOWN:
                        click.echo(f"## {name}\n")
                    captured = io.StringIO()
                    with _in_site(site, name, mode, captured):
                        try:
                            command(site_dir=site, **options)
                        except (click.ClickException, SmmgenError) as e:
                            failed[name] = len(flatten([e])) or 1
                            _shown(e).show()
                    if mode == JSON:
                        documents[name] = _parsed(captured.getvalue())
            finally:
                _run.reset(token)
            if mode == JSON:
                click.echo(json.dumps({"sites": documents}, ensure_ascii=False, indent=2))
            if state.counts and len(names) == len(workspace.sites):
                _write_index(workspace, state.counts, failed)
            if failed:
                raise SmmgenError(f"{len(failed)} of {len(names)} sites failed: {', '.join(failed)}")
        return run
    return wrap


def _shown(e: click.ClickException | SmmgenError) -> click.ClickException:
    from smmgen.cli.main import click_error

    return click_error(e) if isinstance(e, SmmgenError) else e


def _parsed(text: str) -> Any:
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        return {"output": text}


def _write_index(workspace, counts: dict[str, Any], failed: dict[str, int]) -> None:
    from smmgen.config.workspace import SiteCounts, write_index

    rows = [counts.get(name) or SiteCounts(name, None, None, errors=failed.get(name, 0))
            for name in workspace.names()]
    path = write_index(workspace, rows)
    shown = os.path.relpath(path, Path.cwd()) if path.is_relative_to(Path.cwd()) else str(path)
    click.echo(f"smmgen: preview index of {len(rows)} sites: {Path(shown).as_posix()}")

