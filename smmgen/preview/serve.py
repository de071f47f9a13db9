"""``smmgen serve``: build, serve output/ on loopback, rebuild when the sources change, reload the browser.

Each build is ``smmgen build``'s, cache included, so an edit on a large site rebuilds only what it touched; the
cache a build saved stays in memory for the next (``smmgen.preview.live``). A failed build never stops the
server: output/ keeps the last good build (nothing is written when there are errors), and the preview pages are
served from memory with the errors on them until the files are fixed. The server compares output/ before and
after each build (size and modification time of every file; the writer leaves an unchanged file alone) and keeps
the list of files each build changed. An open page asks which build it shows and reloads only when a later one
changed its own file or a file it embeds (a card, a clip); the others stay as they are. A failed build, a
recovery from one and an edit to smmgen.toml reload every page. A page's question waits while a build is under
way, so the answer comes as soon as the build is done. The reload script is added to pages only as they are
served, so the files on disk stay byte-identical to ``smmgen build``'s.
``/studio/`` is the card studio (``smmgen.studio``): its page and JSON API, the only requests that may POST.
"""

from __future__ import annotations

import http.server
import logging
import os
import stat
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from smmgen.errors import SmmgenError
from smmgen.preview.live import (  # noqa: F401 (re-exported: what the tests and the bench use from here)
    LiveSite,
    Snapshot,
    build_once,
    changed_files,
    embedded,
    internal_error,
    output_files,
)
from smmgen.studio.api import Studio

log = logging.getLogger(__name__)

STUDIO = "/studio"
LIVE_PATH = "/__smmgen/live.js"
BUILD_ID_PATH = "/__smmgen/build-id"
CHANGED_PATH = "/__smmgen/changed"
QUIET_SECONDS = 0.05     # wait for a burst of file events (an editor's save) to settle before rebuilding
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
