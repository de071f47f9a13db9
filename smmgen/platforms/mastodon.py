"""Mastodon: a status within the server's limit (graphemes; every URL counts characters_reserved_per_url, an
``@user@domain`` mention only as ``@user``), or a numbered thread of statuses."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from smmgen import facts
from smmgen.config import schema as s
from smmgen.platforms.base import THREAD_OPTIONS, Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

URL_LENGTH = int(facts.MASTODON.url_length.value)

SPEC = PlatformSpec(
    name="mastodon",
    title="Mastodon",
    **spec_limits(facts.MASTODON),
    card_target="og",
    card_role="scraped",
    options={
        "instance": s.Field(s.url, doc="The server, e.g. https://mastodon.social"),
        "max_characters": s.Field(s.integer(1), default=int(facts.MASTODON.text.value),
                                  doc="The server's configuration.statuses.max_characters "
                                      "(GET /api/v2/instance)."),
        "characters_reserved_per_url": s.Field(s.integer(0), default=URL_LENGTH,
                                               doc="The server's configuration.statuses."
                                                   "characters_reserved_per_url."),
        "visibility": s.Field(s.choice("public", "unlisted", "private", "direct"), default="public"),
        **THREAD_OPTIONS,
    },
    sources=(
        ("mastodon/documentation content/en/user/posting.md (500 by default; links count 23; only the "
         "username part of a mention counts)"),
        ("mastodon/documentation content/en/entities/Instance.md (configuration.statuses.max_characters, "
         "characters_reserved_per_url)"),
        "mastodon app/validators/status_length_validator.rb (grapheme clusters of spoiler text + body)",
        ("mastodon/documentation content/en/entities/PreviewCard.md (the server builds the card from "
         "OpenGraph)"),
    ),
)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.platforms.composing import compose
    from smmgen.platforms.finishing import finish
    from smmgen.platforms.post_links import link_for
    from smmgen.platforms.text_rules import rules_for

    link = link_for(article, ctx)
    limit = int(ctx.settings.get("max_characters", SPEC.text_limit))
    url_length = int(ctx.settings.get("characters_reserved_per_url", URL_LENGTH))
    rules = rules_for(SPEC, limit=limit, measure_opts=MappingProxyType({"url_length": url_length}))
    composed = compose(article, ctx, SPEC, rules, url=link, source=article.summary, shown_link=link)
    extra = {"visibility": ctx.settings.get("visibility", "public"), "language": article.lang}
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, extra=extra)
