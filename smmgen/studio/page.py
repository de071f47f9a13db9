"""The studio page and its script and style (``smmgen/defaults/studio/``), with this run's token in the page.

Everything the page needs comes from the server: no CDN, no web font, nothing off the machine.
"""

from __future__ import annotations

import html
from pathlib import Path

from smmgen.studio.api import TOKEN_META

FILES = Path(__file__).resolve().parent.parent / "defaults" / "studio"
ASSETS = {"studio.js": "text/javascript; charset=utf-8", "studio.css": "text/css; charset=utf-8"}


def page(token: str) -> bytes:
    """``index.html`` with the token in ``<meta name="smmgen-token">``."""
    text = (FILES / "index.html").read_text(encoding="utf-8")
    meta = f'<meta name="{TOKEN_META}" content="{html.escape(token)}">'
    return text.replace("<!--smmgen-token-->", meta, 1).encode("utf-8")


def asset(name: str) -> tuple[bytes, str] | None:
    """A file of the page by its name (only those listed), or None."""
    kind = ASSETS.get(name)
    if kind is None:
        return None
    return (FILES / name).read_bytes(), kind
