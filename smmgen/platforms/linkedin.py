"""LinkedIn: the post commentary (at most 3000 characters) above an article card we build ourselves, because
the Posts API does not scrape URLs (``content.article``: source, title, description; the og card is the
thumbnail).

The commentary is in LinkedIn's "little" text format, where ``\\ | { } @ [ ] ( ) < > # * _ ~`` are syntax: as
text each needs a backslash, or LinkedIn silently cuts the post at the first one. The cut's parts are the
readable text; ``extra.commentary`` is what is sent, escaped, with the hashtags left as hashtags. The limit is
checked on the escaped commentary, the longer of the two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import regex

from smmgen import facts
from smmgen.config import schema as s
from smmgen.platforms.base import Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

SPEC = PlatformSpec(
    name="linkedin",
    title="LinkedIn",
    **spec_limits(facts.LINKEDIN),
    card_target="og",
    card_role="link_card",
    options={
        "excerpt_length": s.Field(s.integer(40, 2900), default=600,
                                  doc="Length of the commentary's excerpt in characters."),
    },
    sources=(
        ("https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api "
         "(commentary; content.article source/title/description/thumbnail; no URL scraping)"),
        ("https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/"
         "little-text-format (reserved characters escaped to be plain text; '#hashtag' is a HashtagElement)"),
        "commentary 3000 characters: third-party notes quoting the Posts API schema; unverified first-hand",
    ),
)

# A hashtag as little text reads it: '#' then letters, marks and digits with at least one letter ("#1" is
# no hashtag), not glued to a word before it.
_HASHTAG = regex.compile(r"(?<![\p{L}\p{M}\p{N}_\\])#(?=\p{N}*\p{L})[\p{L}\p{M}\p{N}]+")


# A mention in the little format, as the site's [mentions] map writes it: kept, like a hashtag.
_MENTION = regex.compile(r"@\[[^\[\]\n]+\]\(urn:li:(?:person|organization):[A-Za-z0-9_-]+\)")
_KEPT = regex.compile(f"{_HASHTAG.pattern}|{_MENTION.pattern}")


def commentary(text: str) -> str:
    """``text`` in the little format: every reserved character escaped except the '#' of hashtags and the
    mentions the site maps (``@[Name](urn:li:organization:123)``)."""
    from smmgen.text import measure

    out: list[str] = []
    pos = 0
    for m in (_KEPT if "@[" in text else _HASHTAG).finditer(text):
        out.append(measure.linkedin_escape(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(measure.linkedin_escape(text[pos:]))
    return "".join(out)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.platforms.composing import compose, lead_text
    from smmgen.platforms.finishing import finish
    from smmgen.platforms.post_links import link_for
    from smmgen.platforms.text_rules import rules_for

    link = link_for(article, ctx)
    rules = rules_for(SPEC, counted=commentary)
    composed = compose(article, ctx, SPEC, rules, url=link, source=lead_text(article), shown_link=None,
                       excerpt_length=int(ctx.settings.get("excerpt_length", 600)))
    extra = {
        "commentary": commentary(composed.parts[0]),
        "article": {"source": link, "title": article.title, "description": article.summary},
    }
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, extra=extra)
