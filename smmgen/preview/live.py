"""The build side of ``smmgen serve``: each build's outcome as the server shows it (``Snapshot``), and the site
as it is rebuilt edit after edit (``LiveSite``), with what each build changed for the pages that ask.

Each build is ``smmgen build``'s, cache included; the cache a build saved is kept in memory for the next one
(``smmgen.build.incremental.build_site``'s ``held``), so an edit on a large site neither reads the cache files
again nor makes more than it touched.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import re
import secrets
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from smmgen.build.incremental import listing_digest
from smmgen.build.incremental import output_listing as output_files
from smmgen.errors import SmmgenError

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache
    from smmgen.build.edit_index import EditIndex

log = logging.getLogger("smmgen.preview.serve")

HOLD_SECONDS = 20.0      # a page's question waits this long at most for a build under way to finish
HISTORY = 256            # builds whose changed files are remembered; a page older than that reloads


@dataclass(frozen=True)
class Snapshot:
    """The outcome of one build, as the server shows it."""

    build_id: str
    ok: bool
    messages: tuple[str, ...]                              # "file:line: message" lines
    pages: dict[str, bytes] = field(default_factory=dict)  # output-relative path -> bytes, served from memory
    output_dir: Path | None = None
    files: Mapping[str, tuple[int, int]] | None = None     # a good build's output/: path -> (size, mtime_ns)
    # The build cache as the build saved it, kept for the next build (``build_site``'s ``held``): an edit on a
    # large site does not read the whole cache from disk again.
    cache: BuildCache | None = field(default=None, compare=False, repr=False)
    index: EditIndex | None = field(default=None, compare=False, repr=False)    # the same for the edit index


def _build_id(pages: dict[str, bytes], messages: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for path in sorted(pages):
        digest.update(path.encode() + b"\0" + hashlib.sha256(pages[path]).digest())
    for message in messages:
        digest.update(message.encode() + b"\n")
    return digest.hexdigest()[:16]


def build_once(root: Path, workers: int = 1, held: BuildCache | None = None,
               last: Snapshot | None = None) -> Snapshot:
    """Build the site at ``root`` as ``smmgen build`` does (with its cache, so an edit rebuilds only what it
    touched); when it succeeds output/ is served as written, else the errors on pages made from what loaded.
    ``held``: the last snapshot's cache; ``last``: the last snapshot (its edit index and files are kept)."""
    import jinja2

    from smmgen.build.cache import BuildCache
    from smmgen.build.incremental import build_site
    from smmgen.build.pipeline import build
    from smmgen.config.site import load_site
    from smmgen.preview.model import error_lines
    from smmgen.preview.pages import render_pages, template_error_message

    output_dir = None
    try:
        site = load_site(root)
        output_dir = site.output_dir
        outcome = build_site(site, workers=workers, held=held, hold=True,
                             held_index=last.index if last is not None else None)
        if not outcome.errors:
            # What the write left in output/, as the build knows it (``BuildState.outputs``): no second walk.
            known = outcome.cache.files if outcome.cache is not None else None
            if outcome.edited and last is not None and last.ok and last.files is not None:
                # The edit path changed only these: the last listing with them.
                known = dict(last.files)
                for relative, now in outcome.touched:
                    if now is None:
                        known.pop(relative, None)
                    else:
                        known[relative] = now
            elif outcome.edited:
                known = None
            files = dict(known) if known is not None else output_files(output_dir)
            if outcome.edited and last is not None and last.ok:
                # The last build's id moved by what the edit changed: hashing the whole listing again would cost
                # a large site half a second.
                build_id = hashlib.sha256(repr((last.build_id, sorted(outcome.touched))).encode()).hexdigest()[:16]
            else:
                # Hashed: the digest is a sum of packed fields, whose leading digits move with the mtimes' sum
                # only by seconds.
                build_id = hashlib.sha256(listing_digest(files).encode()).hexdigest()[:16]
            return Snapshot(build_id, True, (), {}, output_dir, files, outcome.cache, outcome.index)
        # Nothing was written: the preview of what did load, with the errors on it, from memory.
        result = build(site, workers=workers, cache=BuildCache.load(site))
        messages = tuple(m for _, m in error_lines(result.errors))
        pages = render_pages(result)
        return Snapshot(_build_id(pages, messages), False, messages, pages, output_dir, cache=outcome.cache)
    except SmmgenError as e:
        messages = tuple(m for _, m in error_lines([e]))
    except jinja2.TemplateError as e:
        messages = (template_error_message(e),)
    except Exception as e:   # a bug must not take the server down: show it, keep watching
        messages = internal_error(e, root)      # the server reports these lines in the terminal too
        log.debug("build failed", exc_info=True)
    return Snapshot(_build_id({}, messages), False, messages, {}, output_dir)


_ABSOLUTE_PATH = re.compile(r"(?<![\w.~])(?:/[^/\s'\"():,]+){2,}/?")   # two or more /folders


def internal_error(e: BaseException, root: Path | None = None) -> tuple[str, ...]:
    """A bug, told without this machine's paths: the exception and where in smmgen it was raised.

    The preview page and the terminal may end up in a screenshot or an issue: folders above the site and the
    installed package are nobody else's business. Paths inside the site are shown relative to it; any other
    absolute path is cut to its file name.
    """
    package = Path(__file__).resolve().parent.parent       # .../smmgen
    where = [_frame(f, package) for f in traceback.extract_tb(e.__traceback__)
             if Path(f.filename).resolve().is_relative_to(package)]
    text = _without_paths(str(e), root)
    lines = [f"internal error (a bug in smmgen): {type(e).__name__}" + (f": {text}" if text else "")]
    lines += [f"  at {w}" for w in where[-4:]]
    return tuple(lines)


def _frame(frame: traceback.FrameSummary, package: Path) -> str:
    relative = Path(frame.filename).resolve().relative_to(package.parent).as_posix()
    return f"{relative}:{frame.lineno} in {frame.name}"


def _without_paths(text: str, root: Path | None) -> str:
    if root is not None:
        text = text.replace(str(root.resolve()) + os.sep, "").replace(str(root) + os.sep, "")
    return _ABSOLUTE_PATH.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def changed_files(before: Snapshot, after: Snapshot) -> frozenset[str] | None:
    """The output files ``after`` changed since ``before``; None when every page may show something else (a
    failed build or the first good one after it: the pages come from memory with the errors on them)."""
    if not (before.ok and after.ok and before.files is not None and after.files is not None):
        return None
    old, new = before.files, after.files
    return frozenset(path for path in old.keys() | new.keys() if old.get(path) != new.get(path))


# What a preview page embeds and shows: its cards, clips and posters. Links to other pages are not shown in it.
_EMBEDDED = re.compile(rb"""\s(?:src|poster)\s*=\s*["']([^"'#?]+)""")


def embedded(page: bytes, relative: str) -> set[str]:
    """The output-relative paths of the files ``page`` (at ``relative`` in output/) embeds."""
    found = set()
    base = posixpath.dirname(relative)
    for match in _EMBEDDED.finditer(page):
        url = unquote(match.group(1).decode("utf-8", "replace"))
        if ":" in url.split("/", 1)[0]:
            continue                            # data:, https:: nothing in output/
        path = url.lstrip("/") if url.startswith("/") else posixpath.normpath(posixpath.join(base, url))
        found.add(path)
    return found


class LiveSite:
    """The current snapshot, rebuilt on demand; thread-safe."""

    def __init__(self, root: Path, report: Callable[[str], None], workers: int = 1):
        self.root = root
        self.report = report
        self.workers = workers
        self._lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._pending = False                   # a change was seen and its build has not finished yet
        self.snapshot = self._build(None)
        self.output_dir = self.snapshot.output_dir or root / "output"
        # Builds as pages know them: "<server>.<n>", n counting builds that changed something, each with the files
        # it changed (None: every page). The server part makes a page from an earlier server reload.
        self._server = secrets.token_hex(4)
        self._number = 0
        self.version = f"{self._server}.0"
        self._history: deque[tuple[str, frozenset[str] | None]] = deque(maxlen=HISTORY)
        self._history.append((self.version, frozenset()))
        self._embeds: dict[str, tuple[tuple[int, int], set[str]]] = {}

    def _build(self, last: Snapshot | None) -> Snapshot:
        started = time.monotonic()
        snapshot = build_once(self.root, self.workers, last.cache if last is not None else None, last)
        took = time.monotonic() - started
        if snapshot.ok:
            self.report(f"built in {took:.1f}s ({snapshot.build_id})")
        else:
            self.report(f"build failed in {took:.1f}s; the preview shows the errors:")
            for message in snapshot.messages:
                self.report(f"  {message}")
        return snapshot

    def rebuild(self, everything: bool = False) -> Snapshot:
        """Build again; ``everything``: every open page reloads even where no output file changed (the settings
        changed, and a page may depend on them in ways the output does not show)."""
        with self._build_lock:
            try:
                snapshot = self._build(self.current())
            except BaseException:
                self._settle()
                raise
            with self._lock:
                changed = None if everything else changed_files(self.snapshot, snapshot)
                if changed is None or changed or snapshot.build_id != self.snapshot.build_id:
                    self._number += 1
                    self.version = f"{self._server}.{self._number}"
                    self._history.append((self.version, changed))
                self.snapshot = snapshot
                if snapshot.output_dir:
                    self.output_dir = snapshot.output_dir
                self._pending = False
                self._settled.notify_all()
            return snapshot

    def expect(self) -> None:
        """A change was seen: pages asking now wait for its build instead of hearing "nothing new"."""
        with self._lock:
            self._pending = True

    def _settle(self) -> None:
        with self._lock:
            self._pending = False
            self._settled.notify_all()

    def current(self) -> Snapshot:
        with self._lock:
            return self.snapshot

    def current_with_version(self) -> tuple[Snapshot, str]:
        with self._lock:
            return self.snapshot, self.version

    def changes_for(self, page: str, since: str, hold: float = HOLD_SECONDS) -> str | None:
        """None when the page at ``page`` (output-relative), served at build ``since``, still shows what the
        current build has; else the current build's version, to be asked about next time. A build under way is
        waited for (``hold`` seconds at most), so the answer comes as soon as it is done."""
        with self._lock:
            self._settled.wait_for(lambda: not self._pending, timeout=hold)
            if since == self.version:
                return since
            versions = [v for v, _ in self._history]
            if since not in versions:
                return None                     # older than the history, or from an earlier server
            changed: set[str] = set()
            for _version, files in list(self._history)[versions.index(since) + 1:]:
                if files is None:
                    return None
                changed |= files
            snapshot, version = self.snapshot, self.version
        if page in changed or not changed.isdisjoint(self._embedded_by(page, snapshot)):
            return None
        return version

    def _embedded_by(self, page: str, snapshot: Snapshot) -> set[str]:
        """The files ``page`` embeds, as output/ holds it now (unchanged since the page was served, or the page
        itself changed and reloads anyway); remembered by the page file's size and time."""
        if snapshot.output_dir is None:
            return set()
        path = snapshot.output_dir / page
        try:
            st = path.stat()
            stamp = (st.st_size, st.st_mtime_ns)
            known = self._embeds.get(page)
            if known is None or known[0] != stamp:
                known = (stamp, embedded(path.read_bytes(), page))
                self._embeds[page] = known
            return known[1]
        except OSError:
            return set()
