"""How each platform presents a post, as data: colours, how it shows links and images, the card's shape.

The mock-ups are drawn from the manifest alone; this table only says how a platform *looks*. A platform that is
not listed (a third-party one) gets the neutral look, so the preview never fails for want of a style.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Look:
    name: str                      # CSS class suffix: ``mock--<name>``
    title: str                     # shown to people
    accent: str                    # link/hashtag colour, as the platform draws it
    link_card: bool                # the post shows a link-preview box for the article link
    card_aspect: tuple[int, int] | None   # the box's image frame; None: the image's own shape
    links_clickable: bool = True   # Instagram captions show URLs as plain text
    link_display: int | None = None       # URLs shown shortened to this many characters (X, Mastodon)
    layout: str = "feed"           # "feed": avatar beside the text; "page": header above it (Facebook,
                                   # LinkedIn, VK); "photo": the image first (Instagram); "bubble": Telegram


LOOKS: dict[str, Look] = {
    # summary_large_image shows the card at 2:1 [X8]; t.co links display shortened.
    "x": Look("x", "X", "#1d9bf0", True, (2, 1), link_display=23),
    # The web UI shortens URLs to 30 characters after the scheme and builds the card from OG tags [M6].
    "mastodon": Look("mastodon", "Mastodon", "#6364ff", True, None, link_display=30),
    # The app draws external embeds at CARD_ASPECT_RATIO = 1200/630 [B6].
    "bluesky": Look("bluesky", "Bluesky", "#1083fe", True, (1200, 630)),
    "threads": Look("threads", "Threads", "#0095f6", True, (191, 100)),
    "facebook": Look("facebook", "Facebook", "#0866ff", True, (191, 100), layout="page"),
    # No link cards and no clickable links in captions [I5]; the image is the post.
    "instagram": Look("instagram", "Instagram", "#00376b", False, None, links_clickable=False,
                      layout="photo"),
    "linkedin": Look("linkedin", "LinkedIn", "#0a66c2", True, (191, 100), layout="page"),
    "telegram": Look("telegram", "Telegram", "#168acd", True, None, layout="bubble"),
    "vk": Look("vk", "VK", "#2a5885", True, (191, 100), layout="page"),
}


def look_for(platform: str, title: str | None = None) -> Look:
    """The platform's look; the neutral one for a platform this table does not know."""
    return LOOKS.get(platform) or Look("generic", title or platform, "#2563eb", True, None)


# How a unit reads next to a counter ("247/280 weighted characters").
UNIT_LABELS = {
    "weighted": "weighted characters",
    "mastodon": "characters (URL = 23)",
    "graphemes": "graphemes",
    "characters": "characters",
    "utf16": "UTF-16 units",
    "utf8-bytes": "UTF-8 bytes",
    "threads": "characters (emoji = UTF-8 bytes)",
}


def unit_label(unit: str) -> str:
    return UNIT_LABELS.get(unit, unit)
