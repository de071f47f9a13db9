"""Templates: the site's ``layouts/`` overrides the defaults shipped in ``smmgen/defaults/``.

Two Jinja environments share that search path: plain text for post cuts (no escaping: the text is what gets
posted), and HTML for previews (autoescaping on: article text is untrusted).
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path

from smmgen.build.layout_dirs import search_path
from smmgen.errors import ConfigError
from smmgen.site_files import OUTSIDE, inside, shown


def template_frame(e: BaseException) -> tuple[str, int] | None:
    """Where in a template ``e`` was raised (any exception: ``{{ 1 / 0 }}`` raises ZeroDivisionError), or None
    when no template was running: Jinja gives a template's frames its file and line."""
    import traceback

    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename.endswith(".j2")]
    return (frames[-1].filename, frames[-1].lineno or 0) if frames else None


class _InsideLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses, unread, a template linked to a file outside its folder's root."""

    def __init__(self, dirs: tuple[Path, ...], roots: tuple[Path, ...]):
        super().__init__([str(d) for d in dirs])
        self.roots = roots

    def get_source(self, environment: jinja2.Environment, template: str):
        pieces = split_template_path(template)
        for base, root in zip(self.searchpath, self.roots):
            candidate = os.path.join(base, *pieces)
            if os.path.isfile(candidate) or os.path.islink(candidate):     # a dangling link too: no fallback
                if inside(candidate, root) is None:
                    raise ConfigError(shown(candidate, root), None, OUTSIDE)
                if not os.path.exists(candidate):
                    raise ConfigError(shown(candidate, root), None, "cannot read: a link to a file that does not "
                                                                    "exist")
                break
        return super().get_source(environment, template)


class Layouts:
    def __init__(self, site_layouts: Path | None, compiled: bool = False, *, root: Path | None = None):
        """``compiled``: keep compiled templates between runs (Jinja checks each against its source), so a
        process does not spend a tenth of a second compiling the preview's templates again.
        ``root``: the site folder, which no file of ``site_layouts`` may leave (links followed); without it,
        ``site_layouts`` itself."""
        self.dirs, self.roots = search_path(site_layouts, root)
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
        for base, root in zip(self.dirs, self.roots):
            candidate = base / relative
            if candidate.is_file():
                if inside(candidate, root) is None:
                    raise ConfigError(shown(candidate, root), None, OUTSIDE)
                return candidate
        return None

    def subdirs(self, name: str) -> list[Path]:
        return [base / name for base in self.dirs if (base / name).is_dir()]

    @cached_property
    def text(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=_InsideLoader(self.dirs, self.roots),
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
            loader=_InsideLoader(self.dirs, self.roots),
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
        for base, root in zip(self.dirs, self.roots):
            for path in sorted(p for p in base.rglob("*") if p.is_file()):
                # A file linked outside is never read; a template using it is refused when loaded.
                data = path.read_bytes() if inside(path, root) is not None else OUTSIDE.encode()
                digest.update(path.relative_to(base).as_posix().encode() + b"\0" + data)
        return digest.hexdigest()
