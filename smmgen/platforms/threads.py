"""Threads: a post of at most 500 characters (emoji counted as their UTF-8 bytes) with at most 5 links, or a
numbered thread of such posts. Hashtags are not written into the text: Threads takes one topic tag per post,
sent as ``topic_tag``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smmgen import facts
from smmgen.platforms.base import THREAD_OPTIONS, Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

SPEC = PlatformSpec(
    name="threads",
    title="Threads",
    **spec_limits(facts.THREADS),
    card_target="og",
    card_role="scraped",
    options={**THREAD_OPTIONS},
    sources=(
        ("https://developers.facebook.com/documentation/threads/posts (text posts limited to 500 "
         "characters; emojis counted as UTF-8 bytes; the first URL in text becomes the link preview)"),
        ("https://developers.facebook.com/documentation/threads/create-posts/text-attachments (more than 5 "
         "links fail with THREADS_API__LINK_LIMIT_EXCEEDED)"),
        ("topic_tag: one tag per post, 1-50 characters, no '.' or '&' (Threads posts doc section 'Topic "
         "Tags', as quoted by third-party clients: threads-rs validate_topic_tag, zernio "
         "ThreadsPlatformData); unverified first-hand"),
    ),
)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.platforms.composing import compose, hashtags_wanted
    from smmgen.platforms.finishing import finish
    from smmgen.platforms.post_links import link_for
    from smmgen.platforms.text_rules import rules_for
    from smmgen.text import hashtags as ht

    link = link_for(article, ctx)
    rules = rules_for(SPEC)
    composed = compose(article, ctx, SPEC, rules, url=link, source=article.summary, shown_link=link, use_hashtags=False)
    extra = {}
    topic = ht.topic_tag(article.tags) if hashtags_wanted(article, ctx) and not composed.authored else None
    if topic:
        extra["topic_tag"] = topic
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, extra=extra, tags=(topic,) if topic else None)
