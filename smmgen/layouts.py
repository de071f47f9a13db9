"""Templates: the site's ``layouts/`` overrides the defaults shipped in ``smmgen/defaults/``.

Two Jinja environments share that search path: plain text for post cuts (no escaping: the text is what gets
posted), and HTML for previews (autoescaping on: article text is untrusted).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import jinja2

DEFAULTS_DIR = Path(__file__).parent / "defaults"


class Layouts:
    def __init__(self, site_layouts: Path | None, compiled: bool = False):
        """``compiled``: keep compiled templates between runs (Jinja checks each against its source), so a
        process does not spend a tenth of a second compiling the preview's templates again."""
        self.dirs: tuple[Path, ...] = tuple(d for d in (site_layouts, DEFAULTS_DIR) if d and d.is_dir())
        self.compiled = compiled

    def _bytecode_cache(self) -> jinja2.BytecodeCache | None:
        if not self.compiled:
            return None
        # Compiled templates are code, read back with pickle and marshal: they are kept in Jinja's own folder for
        # this user in the temp dir (made 0700, refused when someone else owns it), never in the site, where a
        # pull request can add files for a build that holds the publisher's secrets.
        try:
            return jinja2.FileSystemBytecodeCache()
        except (OSError, RuntimeError):
            return None

    def find(self, relative: str) -> Path | None:
        """The first file at ``relative`` in the search path (site first)."""
        for base in self.dirs:
            candidate = base / relative
            if candidate.is_file():
                return candidate
        return None

    def subdirs(self, name: str) -> list[Path]:
        return [base / name for base in self.dirs if (base / name).is_dir()]

    @cached_property
    def text(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.dirs]),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            bytecode_cache=self._bytecode_cache(),
        )
        return env

    @cached_property
    def html(self) -> jinja2.Environment:
        return jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.dirs]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            bytecode_cache=self._bytecode_cache(),
        )

    def fingerprint(self) -> str:
        """A hash of every layout file, for caches that depend on templates."""
        import hashlib

        digest = hashlib.sha256()
        for base in self.dirs:
            for path in sorted(p for p in base.rglob("*") if p.is_file()):
                digest.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()
