"""The link a post carries back to its article: tagged with the site's UTM parameters (``link_for``), found
untagged in a text (``untagged_link``), and shown as people read it (``display_url``)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from smmgen.content.article import Article
from smmgen.content.links import with_utm
from smmgen.platforms.base import CutContext
from smmgen.text import measure
from smmgen.text.excerpt import ELLIPSIS


def link_for(article: Article, ctx: CutContext) -> str:
    """The link back to the article, with the site's UTM parameters for this platform."""
    return with_utm(article.url, platform=ctx.settings.name, slug=article.slug, site=ctx.site)


def untagged_link(text: str, article_url: str, *, with_scheme: bool = True) -> str | None:
    """The first link to the article in ``text`` without UTM parameters (``https://site/a/b`` or
    ``https://site/a/b?ref=x``), as written; None when every one has them. ``with_scheme=False`` also finds it
    written without ``https://`` (``site/a/b``), which X, Mastodon and Bluesky link as well."""
    parts = urlsplit(article_url)
    where = ((parts.hostname or "").removeprefix("www.") + parts.path.rstrip("/")).lower()
    low = text.lower()
    # Found as plain text rather than with a pattern made for each article: every cut runs this, and compiling
    # one per article costs more than the whole search.
    at = low.find(where)
    while at >= 0:
        head = _LINK_HEAD.search(low, max(0, at - len("https://www.")), at)
        start = head.start() if head and (head.group(1) or not with_scheme) else -1
        tail = _LINK_TAIL.match(text, at + len(where))
        if start >= 0 and not (start and _LINK_GLUED.match(low, start - 1)) and tail:
            if "utm_" not in (tail.group(1) or ""):
                return text[start : tail.end()]
        at = low.find(where, at + 1)
    return None


# What may come before the host of a link to the article (a scheme, "www."), what may not be glued to its
# front (a longer host name, another URL's path, an e-mail address), and what may follow (a slash, a query).
_LINK_HEAD = re.compile(r"(https?://)?(?:www\.)?\Z")
_LINK_GLUED = re.compile(r"[\w.@/-]")
_LINK_TAIL = re.compile(r"/?(?![\w/%~+-])(\?[^\s<>\"']*)?")


def display_url(url: str, max_graphemes: int | None = None) -> str:
    """A URL as people read it: no scheme, no ``www.``, no query or fragment, no trailing slash
    (``https://www.news.example/a/b/?utm_source=x`` -> ``news.example/a/b``); with ``max_graphemes`` a longer
    path ends in an ellipsis. For visible link text whose target is the full URL (Bluesky, Telegram)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.") + (f":{parts.port}" if parts.port else "")
    path = parts.path.rstrip("/")
    shown = host + path
    if max_graphemes is None or measure.grapheme_len(shown) <= max_graphemes:
        return shown
    # Too long: keep the host and the last path segment (the slug people recognise), then cut the end.
    segments = [p for p in path.split("/") if p]
    if len(segments) > 1:
        shown = f"{host}/{ELLIPSIS}/{segments[-1]}"
        if measure.grapheme_len(shown) <= max_graphemes:
            return shown
    clusters = measure.graphemes(shown)
    return "".join(clusters[: max(len(host), max_graphemes - 1)]) + ELLIPSIS


def untagged_warning(bare: str, link: str) -> str:
    return f"links to the article without UTM parameters ({bare}), so its visits go uncounted; link to {link}"
