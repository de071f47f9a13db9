"""Bluesky: a post of at most 300 graphemes and 3000 UTF-8 bytes, or a numbered thread of such posts.

Links and hashtags are plain text until a facet (with UTF-8 byte offsets) makes them clickable, so the cut
carries
the facets of each part. The link back is shown short (``news.example/2026/11/story``) to save graphemes; its
facet points at the full tagged URL. Bluesky does not build link cards: the publisher embeds
``app.bsky.embed.external`` from ``extra.external`` with the og card as thumb.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smmgen import facts
from smmgen.config import schema as s
from smmgen.platforms.base import THREAD_OPTIONS, Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

SPEC = PlatformSpec(
    name="bluesky",
    title="Bluesky",
    **spec_limits(facts.BLUESKY),
    card_target="og",
    card_role="link_card",
    options={
        "link_text_length": s.Field(s.integer(12, 100), default=48,
                                    doc="Longest shown link text in graphemes; a longer link is shortened "
                                        "(its facet keeps the full URL)."),
        **THREAD_OPTIONS,
    },
    sources=(
        ("bluesky-social/atproto lexicons/app/bsky/feed/post.json (text maxGraphemes 300, maxLength 3000; "
         "langs at most 3)"),
        ("bluesky-social/atproto lexicons/app/bsky/richtext/facet.json (byteStart/byteEnd in UTF-8 bytes; "
         "the visible text may be shortened, the uri is the full URL; tag at most 64 graphemes)"),
        "bluesky-social/atproto lexicons/app/bsky/embed/external.json (uri, title, description, thumb)",
    ),
)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.content import mentions
    from smmgen.platforms.composing import compose
    from smmgen.platforms.finishing import finish, freeze
    from smmgen.platforms.post_links import display_url, link_for
    from smmgen.platforms.text_rules import rules_for

    link = link_for(article, ctx)
    shown = display_url(link, int(ctx.settings.get("link_text_length", 48)))
    rules = rules_for(SPEC)
    composed = compose(article, ctx, SPEC, rules, url=link, source=article.summary, shown_link=shown)
    dids = mentions.dids(ctx.mention_map)
    facets = [part_facets(part, shown if i == composed.link_part else None, link, dids)
              for i, part in enumerate(composed.parts)]
    extra = {
        "facets": facets,
        "langs": [article.lang],
        "external": {"uri": link, "title": article.title, "description": article.summary},
        "external_part": composed.link_part if composed.link_part is not None else 0,
    }
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, extra=freeze(extra))


def part_facets(text: str, shown_link: str | None, uri: str,
                dids: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The facets of one part: links, hashtags and cashtags as detected, mentions of the handles in ``dids``
    (handle -> DID: the site's [mentions] map; no other ``@name`` becomes a mention), and the shown link (its
    last occurrence) as a link facet to ``uri``, replacing whatever was detected there."""
    from smmgen.text import measure, richtext

    facets = richtext.detect_facets(text, resolve_handle=(lambda h: dids.get(h.lower())) if dids else None)
    if not shown_link or shown_link not in text:
        return facets
    start = text.rindex(shown_link)
    byte_start = measure.utf8_len(text[:start])
    byte_end = byte_start + measure.utf8_len(shown_link)
    kept = [f for f in facets
            if f["index"]["byteEnd"] <= byte_start or f["index"]["byteStart"] >= byte_end]
    kept.append({
        "$type": richtext.FACET,
        "index": {"byteStart": byte_start, "byteEnd": byte_end},
        "features": [{"$type": richtext.LINK, "uri": uri}],
    })
    return sorted(kept, key=lambda f: f["index"]["byteStart"])
