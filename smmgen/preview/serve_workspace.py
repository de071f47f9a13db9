"""``smmgen serve`` at a workspace's root: every site's live preview, and the combined index linking them.

Each site is served exactly as ``smmgen serve`` serves a site (``smmgen.preview.serve``: its own build, watcher
and live reload) on a port of its own, so its pages keep their root-relative addresses (/preview/, /cards/,
the reload script). The port asked for serves the combined index, made from each site's current build on
every request, with the same loopback-only rule as the site servers.
"""

from __future__ import annotations

import http.server
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from smmgen import manifest
from smmgen.config.workspace import SiteCounts, Workspace, index_html
from smmgen.preview.serve import LOOPBACK_NAMES, LiveSite, Snapshot, Watcher, _Server, make_server

log = logging.getLogger(__name__)


@dataclass
class _Served:
    name: str
    live: LiveSite
    server: _Server
    watcher: Watcher

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/preview/index.html"


def counts(name: str, snapshot: Snapshot) -> SiteCounts:
    """A site's row from its current build: the manifest it wrote, or the errors it has."""
    if not snapshot.ok or snapshot.output_dir is None:
        return SiteCounts(name, None, None, errors=len(snapshot.messages) or 1)
    try:
        doc = manifest.joined(snapshot.output_dir / "manifest.json")
        entries = doc["entries"]
        title = doc["site"]["name"]
    except (OSError, ValueError, KeyError, TypeError):
        return SiteCounts(name, None, None, errors=1)
    warnings = sum(len(e.get("warnings") or ()) for e in entries)
    return SiteCounts(name, title, snapshot.output_dir / "preview" / "index.html", len(entries), warnings, 0)


class _IndexHandler(http.server.BaseHTTPRequestHandler):
    page: Callable[[], bytes]        # set on the subclass made per server
    timeout = 5.0

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def parse_request(self) -> bool:
        # As the site servers: only loopback names (a page elsewhere could rebind its own name to 127.0.0.1).
        if not super().parse_request():
            return False
        port = str(self.server.server_address[1])
        names = {*LOOPBACK_NAMES, str(self.server.server_address[0])}
        if (self.headers.get("Host") or "").lower() not in names | {f"{n}:{port}" for n in names}:
            self.send_error(403, "Use http://127.0.0.1 or http://localhost: smmgen serve answers no other name")
            return False
        return True

    def do_GET(self) -> None:
        if urlsplit(self.path).path not in ("/", "/index.html"):
            self.send_error(404, "The sites' previews are on their own ports: see the index at /")
            return
        body = self.page()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


def serve_workspace(workspace: Workspace, *, port: int = 8000, report: Callable[[str], None] = log.info,
                    on_ready: Callable[[str], None] | None = None, workers: int = 1) -> None:
    """Serve every site of ``workspace`` and the combined index on 127.0.0.1:``port`` until interrupted."""
    served: list[_Served] = []
    front = None
    try:
        for folder in workspace.sites:
            name = workspace.name(folder)
            live = LiveSite(folder, lambda line, name=name: report(f"[{name}] {line}"), workers)
            site = _Served(name, live, make_server(live, 0), Watcher(live))
            served.append(site)
            site.watcher.start()
            threading.Thread(target=site.server.serve_forever, kwargs={"poll_interval": 0.2},
                             name=f"smmgen-serve-{name}", daemon=True).start()
            report(f"[{name}] serving {site.url}")

        links = {site.name: site.url for site in served}

        def page() -> bytes:
            rows = [counts(site.name, site.live.current()) for site in served]
            return index_html(workspace, rows, link=lambda row: links[row.name])

        class Handler(_IndexHandler):
            pass

        Handler.page = staticmethod(page)       # type: ignore[assignment]
        front = _Server(("127.0.0.1", port), Handler)       # type: ignore[arg-type]
        if on_ready:
            on_ready(f"http://127.0.0.1:{front.server_address[1]}/")
        front.serve_forever(poll_interval=0.2)
    finally:
        if front is not None:
            front.server_close()
        for site in served:
            site.server.shutdown()
            site.server.server_close()
            site.watcher.stop()
