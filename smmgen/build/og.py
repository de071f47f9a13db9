"""An article page's Open Graph and Twitter tags: one tag set, made in one place.

The same tags go to ``output/og/<key>.html`` (to paste by hand) and, on an integrated site
(``smmgen.build.integration``), to the data file the site's Hugo partial or Jekyll include reads. They name the card the
posts use (the article's ``og`` card, its URL under ``cards_base_url`` as in the manifest), so the link preview a
platform builds from the page shows what the preview of the post showed.

What each platform reads: Facebook, LinkedIn, Telegram, VK, Threads and Bluesky's embeds read ``og:*``
(ogp.me); X reads ``twitter:card`` and falls back to ``og:*`` for the rest (a large card needs
``summary_large_image``); ``og:image:width``/``height`` let Facebook show the image on the first share, before it
has fetched it; ``<link rel="canonical">`` tells every crawler which URL the page is.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smmgen.config.site import Site
    from smmgen.content.article import Article

Tag = tuple[str, str, str]
"""(attribute, name, value): ("property", "og:title", "…"), ("name", "twitter:card", "…"), or
("rel", "canonical", url) for the one ``<link>``."""


def card_url(path: str, site: Site) -> str | None:
    """The public URL of a card (``cards/<name>``) under ``cards_base_url``, as the manifest records it."""
    if not site.cards_base_url:
        return None
    return f"{site.cards_base_url}/{path.removeprefix('cards/')}"


def og_tags(article: Article, site: Site, card: Any = None) -> tuple[Tag, ...]:
    """The page's tags (``card``: the article's og card, if it has one), in a fixed order."""
    tags: list[Tag] = [
        ("rel", "canonical", article.url),
        ("property", "og:type", "article"),
        ("property", "og:site_name", site.name),
        ("property", "og:title", article.title),
        ("property", "og:description", article.summary),
        ("property", "og:url", article.url),
        ("property", "og:locale", article.lang.replace("-", "_")),
        ("name", "twitter:card", "summary_large_image"),
        ("name", "twitter:title", article.title),
        ("name", "twitter:description", article.summary),
    ]
    if card is not None:
        image_url = card_url(card.path, site) or f"{site.base_url}/{card.path}"
        tags += [
            ("property", "og:image", image_url),
            ("property", "og:image:width", str(card.width)),
            ("property", "og:image:height", str(card.height)),
            ("property", "og:image:type", f"image/{card.format}"),
            ("property", "og:image:alt", card.alt),
            ("name", "twitter:image", image_url),
            ("name", "twitter:image:alt", card.alt),
        ]
    return tuple(tags)


def og_html(tags: Sequence[Tag]) -> str:
    """The tags as HTML for a page's ``<head>``, one per line, every value escaped for an attribute."""
    e = html.escape
    lines = [f'<link rel="{e(name)}" href="{e(value)}">' if attr == "rel"
             else f'<meta {attr}="{e(name)}" content="{e(value)}">' for attr, name, value in tags]
    return "\n".join(lines) + "\n"


def og_values(tags: Sequence[Tag]) -> dict[str, str]:
    """The tags by name (``canonical`` for the link), for a template that lays them out itself."""
    return {name: value for _, name, value in tags}
