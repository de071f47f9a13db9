"""A static site on 127.0.0.1 standing in for the real one in the publish preflight and ``check --live`` tests:
article pages set by the test (``pages``: path -> Response, changed between runs as a deploy would), and the
cards of an output folder under ``/social-cards/``. Every request is recorded in ``seen``."""

from __future__ import annotations

import html
import mimetypes
from pathlib import Path

from .server import FakeServer, Request, Response

CARDS = "/social-cards/"


class SiteHost(FakeServer):
    def __init__(self, cards: Path | None = None):
        super().__init__()
        self.cards = cards
        self.pages: dict[str, Response] = {}

    @property
    def cards_base_url(self) -> str:
        return self.url + CARDS.rstrip("/")

    def handle(self, request: Request) -> Response:
        if request.path in self.pages:
            return self.pages[request.path]
        if self.cards is not None and request.path.startswith(CARDS):
            path = (self.cards / request.path[len(CARDS):]).resolve()
            if self.cards.resolve() in path.parents and path.is_file():
                ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return Response(200, path.read_bytes(), {"Content-Type": ctype})
        return Response(404, b"<html><head><title>Not found</title></head></html>", {"Content-Type": "text/html"})

    def gets(self, path: str) -> int:
        """How many requests asked for ``path``."""
        with self.lock:
            return sum(r.path == path for r in self.seen)


def page(tags: dict[str, str], *, canonical: str | None = None, body: str = "<p>The article.</p>") -> Response:
    """An HTML page whose head carries ``tags`` (og:* as property=, the rest as name=)."""
    lines = [f'<meta {"property" if k.startswith("og:") else "name"}="{k}" content="{html.escape(v)}">'
             for k, v in tags.items()]
    if canonical:
        lines.append(f'<link rel="canonical" href="{html.escape(canonical)}">')
    text = "<!doctype html><html><head><meta charset=\"utf-8\">" + "\n".join(lines) + f"</head><body>{body}</body></html>"
    return Response(200, text.encode(), {"Content-Type": "text/html; charset=utf-8"})
