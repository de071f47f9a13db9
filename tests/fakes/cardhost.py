"""The web server that serves ``output/cards/`` under ``cards_base_url`` (in production, the site's host): GET
and HEAD of files in one folder, with the Content-Type their extension implies. ``stale`` makes it serve other
bytes, like a host that was not updated after a rebuild."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from .server import FakeServer, Request, Response, _Handler

PREFIX = "/social-cards/"


class _WithHead(_Handler):
    def do_HEAD(self) -> None:
        # Headers as a GET would send them, and no body (RFC 9110, 9.3.2).
        fake = self.server.fake  # type: ignore[attr-defined]
        request = Request(method="HEAD", path=self.path.split("?")[0], query={}, raw_path=self.path,
                          headers={k.lower(): v for k, v in self.headers.items()}, body=b"")
        with fake.lock:
            fake.seen.append(request)
        response = fake.dispatch(request)
        body, headers = response.encoded()
        self.send_response(response.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()


class CardHost(FakeServer):
    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder
        self.stale = False
        self._httpd.RequestHandlerClass = _WithHead

    @property
    def base_url(self) -> str:
        return self.url + PREFIX.rstrip("/")

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD") or not request.path.startswith(PREFIX):
            return Response(404, b"not found", {"Content-Type": "text/plain"})
        name = request.path[len(PREFIX):]
        path = (self.folder / name).resolve()
        if self.folder.resolve() not in path.parents or not path.is_file():
            return Response(404, b"not found", {"Content-Type": "text/plain"})
        data = path.read_bytes()
        if self.stale:
            data = data[:-16] + bytes(16)
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Response(200, data, {"Content-Type": ctype})
