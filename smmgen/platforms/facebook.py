"""Facebook Page: a readable post (headline, an excerpt of about ``excerpt_length`` characters, the link).
Long posts are allowed; the cut is for readability. Facebook builds the link preview from the og tags."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smmgen import facts
from smmgen.config import schema as s
from smmgen.platforms.base import Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

SPEC = PlatformSpec(
    name="facebook",
    title="Facebook",
    # 63,206 characters: announced by Facebook in 2011 (Facebook journalist program, quoted by Mashable) and
    # still the figure third parties quote; not in the Graph API reference (unverified first-hand). Counted
    # as UTF-16 units, the largest usual reading of "characters". Our posts stay far below it.
    **spec_limits(facts.FACEBOOK),
    card_target="og",
    card_role="scraped",
    options={
        "excerpt_length": s.Field(s.integer(40, 5000), default=400,
                                  doc="Length of the excerpt in characters, before the link."),
    },
    sources=(
        "https://developers.facebook.com/docs/pages-api/posts (POST /{page_id}/feed with message and link)",
        "https://developers.facebook.com/docs/sharing/webmasters/images (the preview comes from og tags)",
        ("63,206-character post limit: Facebook announcement (2011, via Mashable); unverified in current "
         "docs"),
    ),
)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.platforms.composing import compose, lead_text
    from smmgen.platforms.finishing import finish
    from smmgen.platforms.post_links import link_for
    from smmgen.platforms.text_rules import rules_for

    link = link_for(article, ctx)
    rules = rules_for(SPEC)
    composed = compose(article, ctx, SPEC, rules, url=link, source=lead_text(article), shown_link=link,
                       excerpt_length=int(ctx.settings.get("excerpt_length", 400)))
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, extra={"link": link})
