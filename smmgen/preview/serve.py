"""``smmgen serve``: build, serve output/ on loopback, rebuild when the sources change, reload the browser.

Each build is ``smmgen build``'s, cache included, so an edit on a large site rebuilds only what it touched. A
failed build never stops the server: output/ keeps the last good build (nothing is written when there are
errors), and the preview pages are served from memory with the errors on them until the files are fixed. The
server compares output/ before and after each build (size and modification time of every file; the writer
leaves an unchanged file alone) and keeps the list of files each build changed. An open page asks which build it
shows and reloads only when a later one changed its own file or a file it embeds (a card, a clip); the others
stay as they are. A failed build, a recovery from one and an edit to smmgen.toml reload every page. A page's
question waits while a build is under way, so the answer comes as soon as the build is done. The reload script is
added to pages only as they are served, so the files on disk stay byte-identical to ``smmgen build``'s.
``/studio/`` is the card studio (``smmgen.studio``): its page and JSON API, the only requests that may POST.
"""

from __future__ import annotations

import hashlib
import http.server
import logging
import os
import posixpath
import re
import secrets
import stat
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from smmgen.build.incremental import SUBDIRS
from smmgen.errors import SmmgenError
from smmgen.output_files import listing
from smmgen.studio.api import Studio

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache

log = logging.getLogger(__name__)

STUDIO = "/studio"
LIVE_PATH = "/__smmgen/live.js"
BUILD_ID_PATH = "/__smmgen/build-id"
CHANGED_PATH = "/__smmgen/changed"
QUIET_SECONDS = 0.05     # wait for a burst of file events (an editor's save) to settle before rebuilding
HOLD_SECONDS = 20.0      # a page's question waits this long at most for a build under way to finish
HISTORY = 256            # builds whose changed files are remembered; a page older than that reloads
REQUEST_TIMEOUT = 5.0    # seconds a connection may sit idle or half-sent before it is closed
MAX_CONNECTIONS = 32     # handler threads at once (a browser opens about six); more are refused with a 503
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")

LIVE_JS = b"""// Added by smmgen serve: reload the page when a later build changed what it shows.
(function () {
  var script = document.currentScript, seen = script && script.getAttribute("data-build");
  function poll() {
    fetch("/__smmgen/changed?page=" + encodeURIComponent(location.pathname) + "&since=" + seen,
          { cache: "no-store" }).then(function (r) { return r.text(); }).then(function (answer) {
      if (answer === "reload") { location.reload(); return; }
      seen = answer.slice(5);   // "stay <build>"
      setTimeout(poll, 300);
    }, function () { setTimeout(poll, 1500); });
  }
  if (seen) setTimeout(poll, 300);
})();
"""


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


def _build_id(pages: dict[str, bytes], messages: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for path in sorted(pages):
        digest.update(path.encode() + b"\0" + hashlib.sha256(pages[path]).digest())
    for message in messages:
        digest.update(message.encode() + b"\n")
    return digest.hexdigest()[:16]


def build_once(root: Path, workers: int = 1, held: BuildCache | None = None) -> Snapshot:
    """Build the site at ``root`` as ``smmgen build`` does (with its cache, so an edit rebuilds only what it
    touched); when it succeeds output/ is served as written, else the errors on pages made from what loaded.
    ``held``: the last snapshot's cache."""
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
        outcome = build_site(site, workers=workers, held=held)
        if not outcome.errors:
            files = output_files(output_dir)
            return Snapshot(_files_id(files), True, (), {}, output_dir, files, outcome.cache)
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


def output_files(output_dir: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every file a build writes in output/, by relative path. The writer leaves a file whose
    bytes are unchanged alone, so a file whose pair differs from the last build's is one the build changed."""
    files, _folders = listing(output_dir, SUBDIRS)
    try:
        st = os.stat(output_dir / "manifest.json")
        files["manifest.json"] = (st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        pass
    return files


def _files_id(files: Mapping[str, tuple[int, int]]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        size, mtime = files[path]
        digest.update(f"{path}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()[:16]


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
        snapshot = build_once(self.root, self.workers, last.cache if last is not None else None)
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


class _Handler(http.server.SimpleHTTPRequestHandler):
    live: LiveSite   # set on the subclass made per server
    studio: Studio   # likewise
    timeout = REQUEST_TIMEOUT   # on the connection's socket: an idle or half-sent request is dropped

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(self.live.output_dir), **kwargs)

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def parse_request(self) -> bool:
        """The request line and headers, refused unless addressed to this machine by a loopback name.

        A web page elsewhere can point a name of its own at 127.0.0.1 (DNS rebinding) and then read this
        server as same-origin: unpublished previews and the manifest. Its requests carry that name in Host.
        """
        if not super().parse_request():
            return False
        if not self._host_allowed(self.headers.get("Host")):
            self.send_error(403, "Use http://127.0.0.1 or http://localhost: smmgen serve answers no other name")
            return False
        if any(ord(c) < 32 or c == "\x7f" for c in unquote(self.path)):
            self.send_error(400, "Control characters in the path")
            return False
        return True

    def _host_allowed(self, host: str | None) -> bool:
        if not host:
            return False
        port = str(self.server.server_address[1])
        names = {*LOOPBACK_NAMES, str(self.server.server_address[0])}
        return host.lower() in names | {f"{name}:{port}" for name in names}

    def do_GET(self) -> None:
        self._answer(self._get)

    def do_POST(self) -> None:
        self._answer(self._post)

    def do_HEAD(self) -> None:
        self._answer(super().do_HEAD)

    def _answer(self, method: Callable[[], None]) -> None:
        try:
            method()
        except (ConnectionError, TimeoutError):
            raise                       # the browser went away or stalled: handle_one_request drops it
        except Exception as e:
            log.error("%s %s: %s", self.command, self.path[:200], "\n  ".join(internal_error(e, self.live.root)))
            self.close_connection = True
            try:
                self.send_error(500, "Internal error in smmgen serve; the terminal shows where")
            except OSError:
                pass

    def _get(self) -> None:
        path = unquote(urlsplit(self.path).path)
        snapshot, version = self.live.current_with_version()
        if path in ("/", "/preview", "/preview/"):
            self.send_response(302)
            self.send_header("Location", "/preview/index.html")
            self.end_headers()
            return
        if path == BUILD_ID_PATH:
            return self._send(version.encode(), "text/plain; charset=utf-8")
        if path == CHANGED_PATH:
            return self._changed(urlsplit(self.path).query)
        if path == LIVE_PATH:
            return self._send(LIVE_JS, "text/javascript; charset=utf-8")
        if path == STUDIO or path.startswith(STUDIO + "/"):
            return self._studio_get(path.removeprefix(STUDIO).lstrip("/"), urlsplit(self.path).query)
        relative = path.lstrip("/")
        if relative.startswith("preview/") and relative.endswith(".html"):
            page = self._page(relative, snapshot)
            if page is not None:
                return self._send(_with_live_script(page, version), "text/html; charset=utf-8")
            self.send_error(404, "No such preview page")
            return
        if not snapshot.ok and relative.startswith("cards/"):
            staged = self._staged_card(relative)
            if staged is not None:
                return self._send(*staged)
        super().do_GET()

    def _changed(self, query: str) -> None:
        """``?page=/preview/x.html&since=<build>``: "reload", or "stay <build>" when no later build changed what
        that page shows."""
        asked = parse_qs(query)
        page = (asked.get("page") or [""])[0].lstrip("/")
        since = (asked.get("since") or [""])[0]
        now = self.live.changes_for(page, since)
        self._send(b"reload" if now is None else f"stay {now}".encode(), "text/plain; charset=utf-8")

    # The card studio (smmgen.studio): its page, its files and its JSON API.

    def _studio_get(self, rest: str, query: str) -> None:
        from smmgen.studio.page import asset, page

        if rest in ("", "index.html"):
            return self._send(page(self.studio.token), "text/html; charset=utf-8")
        if rest.startswith("api/"):
            return self._reply(self.studio.get(rest.removeprefix("api/"), query))
        found = asset(rest)
        if found is None:
            self.send_error(404, "No such studio file")
            return
        self._send(*found)

    def _post(self) -> None:
        """Only the studio's API takes a POST, and only from its own page (token and origin)."""
        from smmgen.studio.api import MAX_BODY, check_post

        path = unquote(urlsplit(self.path).path)
        if not path.startswith(STUDIO + "/api/"):
            self.send_error(405, "Only the studio's API takes a POST")
            return
        port = self.server.server_address[1]
        origins = {f"http://{name}:{port}" for name in (*LOOPBACK_NAMES, str(self.server.server_address[0]))}
        refused = check_post(self.headers, origins, self.studio.token)
        if refused is not None:
            self.close_connection = True
            return self._reply_error(403, refused)
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self.close_connection = True
            return self._reply_error(411, "a POST needs a Content-Length")
        if int(length) > MAX_BODY:
            self.close_connection = True        # the body is not read: the connection cannot be reused
            return self._reply_error(413, f"the body is over {MAX_BODY // 1024} KB")
        body = self.rfile.read(int(length))
        self._reply(self.studio.post(path.removeprefix(STUDIO + "/api/"), body))

    def _reply(self, reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _reply_error(self, status: int, message: str) -> None:
        from smmgen.studio.api import json_reply

        self._reply(json_reply({"error": message}, status))

    def _staged_card(self, relative: str) -> tuple[bytes, str] | None:
        """A card the failed build drew that waits in the staging folder (``smmgen.build.staging``) and is not in
        output/: the failed build's pages show it. Only a plain card file, never through a link."""
        from smmgen.build.staging import STAGING

        name = relative.removeprefix("cards/")
        kind = {".jpg": "image/jpeg", ".png": "image/png"}.get(os.path.splitext(name)[1])
        if kind is None or "/" in name or name.startswith(".") or os.path.lexists(
                os.path.join(self.directory, relative)):
            return None
        try:
            with os.fdopen(os.open(self.live.root / STAGING / "cards" / name, os.O_RDONLY | os.O_NOFOLLOW),
                           "rb") as f:
                if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    return None
                return f.read(), kind
        except OSError:
            return None

    def send_head(self):
        """As the base class, but never a file outside output/: ``..`` is dropped by ``translate_path``; a
        symbolic link inside output/ that leads out of it, or anything but a plain file or folder, is a 404."""
        path = self.translate_path(self.path)
        opened = [path, *(os.path.join(path, n) for n in ("index.html", "index.htm") if os.path.isdir(path))]
        if not all(self._servable(p) for p in opened if os.path.lexists(p)):
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def _servable(self, path: str) -> bool:
        top = os.path.realpath(self.directory)
        try:
            real = os.path.realpath(path)
            mode = os.stat(real).st_mode
        except (OSError, ValueError):
            return False
        inside = real == top or real.startswith(top.rstrip(os.sep) + os.sep)
        return inside and (stat.S_ISREG(mode) or stat.S_ISDIR(mode))

    def _page(self, relative: str, snapshot: Snapshot) -> bytes | None:
        if snapshot.pages.get(relative) is not None:
            return snapshot.pages[relative]
        if snapshot.ok and snapshot.output_dir is not None:
            path = (snapshot.output_dir / relative).resolve()
            if path.is_relative_to(snapshot.output_dir.resolve()) and path.is_file():
                return path.read_bytes()
            return None
        if not snapshot.ok:
            # A page the failed build has nothing for (its article does not load, or no site at all): the
            # errors, at this page's address, until the fix brings the page back.
            from smmgen.preview.pages import render_error_page

            return render_error_page(list(snapshot.messages), up="../" * relative.count("/"))
        return None

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _with_live_script(page: bytes, build_id: str) -> bytes:
    tag = f'<script src="{LIVE_PATH}" data-build="{build_id}"></script>\n'.encode()
    at = page.rfind(b"</body>")
    return page[:at] + tag + page[at:] if at >= 0 else page + tag


class Watcher:
    """Rebuilds the site when content/, layouts/ or smmgen.toml change (watchdog), after a short quiet time."""

    def __init__(self, live: LiveSite):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.live = live
        self.changed = threading.Event()
        self.stopping = threading.Event()
        self.settings_changed = False           # smmgen.toml was among the changes: every page reloads
        root = live.root.resolve()
        watched = self._watched_dirs()
        changed = self.changed
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                paths = [Path(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
                for p in paths:
                    p = Path(p).resolve() if p.is_absolute() else root / p
                    if p.parent == root and p.name not in ("smmgen.toml", *[d.name for d in watched]):
                        continue
                    if p.parent == root and p.name == "smmgen.toml":
                        watcher.settings_changed = True
                    changed.set()

        self.observer = Observer()
        self.observer.schedule(Handler(), str(root), recursive=False)
        for directory in watched:
            if directory.is_dir():
                self.observer.schedule(Handler(), str(directory), recursive=True)
        self.thread = threading.Thread(target=self._loop, name="smmgen-rebuild", daemon=True)

    def _watched_dirs(self) -> list[Path]:
        root = self.live.root
        try:
            from smmgen.config.site import load_site

            site = load_site(root)
            return [site.content_dir, site.layouts_dir]
        except SmmgenError:
            return [root / "content", root / "layouts"]

    def start(self) -> None:
        self.observer.start()
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.changed.set()
        self.observer.stop()
        self.observer.join(timeout=5)
        self.thread.join(timeout=30)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            self.changed.wait()
            if self.stopping.is_set():
                return
            self.live.expect()
            # Let the burst of events of one save settle.
            while True:
                self.changed.clear()
                time.sleep(QUIET_SECONDS)
                if not self.changed.is_set():
                    break
            everything, self.settings_changed = self.settings_changed, False
            self.live.report("change detected, rebuilding…")
            self.live.rebuild(everything)


class _Server(http.server.ThreadingHTTPServer):
    """A thread per connection, at most ``MAX_CONNECTIONS`` of them: beyond that a connection is answered 503
    and closed at once, so idle or slow clients cannot pile up threads."""

    daemon_threads = True
    # socketserver's default backlog of 5 leaves a burst of connections (a browser opens several) half-open in
    # the kernel, retried seconds later: accept them at once, and let the slots below decide.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[_Handler], max_connections: int = MAX_CONNECTIONS):
        super().__init__(address, handler)
        self.slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request, client_address) -> None:
        if not self.slots.acquire(blocking=False):
            try:
                request.settimeout(1)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
                                b"Connection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request, client_address) -> None:
        # The base class prints a traceback (with this machine's paths) to stderr; say it in one line instead.
        error = sys.exception()
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        log.error("connection failed: %s", "\n  ".join(internal_error(error)) if error else "unknown error")


def make_server(live: LiveSite, port: int = 8000, *, max_connections: int = MAX_CONNECTIONS,
                timeout: float = REQUEST_TIMEOUT) -> _Server:
    """The HTTP server for ``live``'s output/ on 127.0.0.1:``port`` (0: any free port), not yet serving."""

    class Handler(_Handler):
        pass

    Handler.live = live
    Handler.studio = Studio(live.root)
    Handler.timeout = timeout
    return _Server(("127.0.0.1", port), Handler, max_connections)


def serve(root: Path, *, port: int = 8000, report: Callable[[str], None] = log.info,
          on_ready: Callable[[str], None] | None = None, workers: int = 1) -> None:
    """Serve the site's output/ on 127.0.0.1:``port`` (0: any free port) until interrupted."""
    live = LiveSite(root, report, workers)
    server = make_server(live, port)
    watcher = Watcher(live)
    watcher.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/preview/index.html"
    if on_ready:
        on_ready(url)
    report(f"card studio: http://127.0.0.1:{server.server_address[1]}{STUDIO}/")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        watcher.stop()
