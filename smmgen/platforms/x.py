"""X: a post of at most 280 by twitter-text's weighted count (config v3: NFC first, every URL 23, every
emoji 2, CJK 2), or a numbered thread of such posts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smmgen import facts
from smmgen.config import schema as s
from smmgen.platforms.base import THREAD_OPTIONS, Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

SPEC = PlatformSpec(
    name="x",
    title="X",
    **spec_limits(facts.X),
    card_target="og",
    card_role="scraped",
    options={
        "attach_image": s.Field(s.boolean, default=False,
                                doc="Attach the card image to the post instead of relying on the link card "
                                    "X builds from the article's twitter:/og: tags."),
        **THREAD_OPTIONS,
    },
    sources=(
        "twitter/twitter-text config/v3.json (weights, transformedURLLength 23, emojiParsingEnabled)",
        "https://docs.x.com/fundamentals/counting-characters (280; emoji 2; URL 23; NFC)",
        ("twitter-text 3.1.0, JavaScript (emoji of twemoji-parser 11: the higher count of it and the Python port "
         "is taken; its URL check decides which URLs count 23)"),
        "https://developer.x.com/cards/overview (X crawls twitter:/og: tags for the link card)",
    ),
)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.platforms.composing import compose
    from smmgen.platforms.finishing import finish, media_for
    from smmgen.platforms.post_links import link_for
    from smmgen.platforms.text_rules import rules_for

    link = link_for(article, ctx)
    rules = rules_for(SPEC)
    composed = compose(article, ctx, SPEC, rules, url=link, source=article.summary, shown_link=link)
    attach = bool(ctx.settings.get("attach_image", False))
    media = media_for(SPEC, article, "x", "attach") if attach else media_for(SPEC, article)
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, media=media)
