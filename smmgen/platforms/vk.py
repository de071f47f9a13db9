"""VK: a wall post (headline, a readable excerpt, the link, hashtags) with the card image and the link as
attachments; ``wall.post`` accepts one external link in ``attachments``, and VK forms a link snippet only when
it has an image for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smmgen import facts
from smmgen.config import schema as s
from smmgen.platforms.base import Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

MAX_CHARACTERS = int(facts.VK.text.value)

SPEC = PlatformSpec(
    name="vk",
    title="VK",
    # VK documents no length for wall.post's message (dev.vk.com/method/wall.post and VKCOM/vk-api-schema give
    # none); third-party figures range from 2,000 to 16,384. Our conservative default (smmgen.facts) is a
    # figure VK uses for messages; raise it with max_characters if you know better.
    **spec_limits(facts.VK),
    card_target="vk",
    card_role="attach",
    options={
        "max_characters": s.Field(s.integer(1), default=MAX_CHARACTERS,
                                  doc=f"Longest message accepted (VK documents none; {MAX_CHARACTERS} is safe)."),
        "excerpt_length": s.Field(s.integer(40, 4000), default=600,
                                  doc="Length of the excerpt in characters."),
    },
    sources=(
        ("VKCOM/vk-api-schema wall/methods.json (wall.post: message; attachments may contain one external "
         "link, more than one raises an error)"),
        ("https://dev.vk.com/method/wall.post (no message length stated; a link without an image forms no "
         "snippet; snippet image aspect 1:1 to 1:2.5, width >= 500)"),
        "message limit unverified: no first-party figure found; 4096 chosen as a conservative default",
    ),
)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.platforms.composing import compose, lead_text
    from smmgen.platforms.finishing import finish, media_for
    from smmgen.platforms.post_links import link_for
    from smmgen.platforms.text_rules import rules_for

    link = link_for(article, ctx)
    limit = int(ctx.settings.get("max_characters", SPEC.text_limit))
    rules = rules_for(SPEC, limit=limit)
    composed = compose(article, ctx, SPEC, rules, url=link, source=lead_text(article), shown_link=link,
                       excerpt_length=int(ctx.settings.get("excerpt_length", 600)))
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, extra={"attachments": [link]},
                  media=media_for(SPEC, article, "vk", "attach"))
