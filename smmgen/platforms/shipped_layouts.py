"""The text layouts smmgen ships (``smmgen/defaults/<platform>.txt.j2``), made in Python.

Fitting a post renders its layout once per candidate text (some five times a post, forty thousand renders for
1,000 articles on nine platforms), and Jinja's setting up of each render cost more than the layout's few lines.
Each function here gives what its layout renders from the same values (the plain-text environment: a value is
``str`` of it, a template's last newline dropped); ``plain`` hands one out only for the very file smmgen ships,
and only with every value it reads, so a site's own layout (or an account's) and anything unusual are still
rendered by Jinja. ``tests/test_shipped_layouts.py`` holds each to its template on arbitrary values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

Values = Mapping[str, Any]


def _headline(v: Values) -> str:
    """bluesky, facebook, mastodon, threads, vk, x: the title, then excerpt, link and hashtags where given."""
    out = [str(v["title"]), "\n"]
    for key in ("excerpt", "link", "hashtags"):
        value = v[key]
        if value:
            out += ("\n", str(value), "\n")
    return "".join(out)


def _linkedin(v: Values) -> str:
    out = [str(v["title"]), "\n"]
    for key in ("excerpt", "hashtags"):
        value = v[key]
        if value:
            out += ("\n", str(value), "\n")
    return "".join(out)


def _instagram(v: Values) -> str:
    out = [str(v["title"]), "\n"]
    if v["excerpt"]:
        out += ("\n", str(v["excerpt"]), "\n")
    if v["link_mode"] == "bio" and v["bio_text"]:
        out += ("\n", str(v["bio_text"]), "\n")
    elif v["link"]:
        out += ("\n", str(v["link"]), "\n")
    if v["hashtags"]:
        out += ("\n", str(v["hashtags"]), "\n")
    return "".join(out)


def _telegram(v: Values) -> str:
    escape = v["escape"]
    out = ["<b>", str(escape(v["title"])), "</b>\n"]
    if v["excerpt"]:
        out += ("\n", str(escape(v["excerpt"])), "\n")
    if v["link"]:
        out += ('\n<a href="', str(escape(v["url"])), '">', str(escape(v["link"])), "</a>\n")
    if v["hashtags"]:
        out += ("\n", str(escape(v["hashtags"])), "\n")
    return "".join(out)


_HEADLINE = ("title", "excerpt", "link", "hashtags")
LAYOUTS: dict[str, tuple[Callable[[Values], str], tuple[str, ...]]] = {
    **{f"{name}.txt.j2": (_headline, _HEADLINE) for name in ("bluesky", "facebook", "mastodon", "threads", "vk", "x")},
    "linkedin.txt.j2": (_linkedin, ("title", "excerpt", "hashtags")),
    "instagram.txt.j2": (_instagram, (*_HEADLINE, "link_mode", "bio_text")),
    "telegram.txt.j2": (_telegram, (*_HEADLINE, "url", "escape")),
}
"""By template name: the function, and the values it reads (Jinja would fail without one of them)."""


def plain(layout: Any, values: Collection[str]) -> Callable[[Values], str] | None:
    """The function that renders ``layout`` (a Jinja template) from values with the keys ``values``, when it is
    the file smmgen ships and every value it reads is there; None otherwise."""
    found = LAYOUTS.get(layout.name)
    filename = getattr(layout, "filename", None)
    if found is None or filename is None or not _shipped(layout.name, filename):
        return None
    function, reads = found
    return function if all(key in values for key in reads) else None


@functools.lru_cache(maxsize=64)
def _shipped(name: str, filename: str) -> bool:
    from smmgen.build.layout_dirs import DEFAULTS_DIR

    return Path(filename).resolve() == (DEFAULTS_DIR / name).resolve()
