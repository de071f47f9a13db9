"""Telegram: a channel message in HTML parse mode. ``mode = "text"``: ``sendMessage`` (at most 4096 characters
after entity parsing) with a link preview; ``mode = "photo"``: ``sendPhoto`` with the card and a caption of at
most 1024 (photo captions get no link preview).

The text is counted as Telegram counts it, after entity parsing (tags gone, entities decoded), in UTF-16 code
units (the unit of Telegram's entity offsets; the safe reading of "characters"). Every value is escaped for
HTML; an author's text (``social.telegram.text``) is plain text and is escaped too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smmgen import facts
from smmgen.config import schema as s
from smmgen.platforms.base import Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

TEXT_LIMIT = int(facts.TELEGRAM.text.value)
CAPTION_LIMIT = int(facts.TELEGRAM.caption.value)

SPEC = PlatformSpec(
    name="telegram",
    title="Telegram",
    **spec_limits(facts.TELEGRAM),
    card_target="og",
    card_role="scraped",
    options={
        "mode": s.Field(s.choice("text", "photo"), default="text",
                        doc=f'"text": sendMessage with a link preview ({TEXT_LIMIT}); "photo": sendPhoto with '
                            f"the card and a caption ({CAPTION_LIMIT})."),
        "link_preview": s.Field(s.choice("large", "small", "off"), default="large",
                                doc="The link preview of a text message (link_preview_options)."),
        "excerpt_length": s.Field(s.integer(40, 3500), default=600,
                                  doc="Length of the excerpt in characters."),
    },
    sources=(
        "https://core.telegram.org/bots/api#sendmessage (text 1-4096 characters after entities parsing)",
        ("https://core.telegram.org/bots/api#sendphoto (caption 0-1024 characters after entities parsing; "
         "no link_preview_options)"),
        "https://core.telegram.org/bots/api#formatting-options (HTML style: escape < > & as entities)",
        "https://core.telegram.org/bots/api#linkpreviewoptions",
        ("python-telegram-bot constants MAX_TEXT_LENGTH 4096, CAPTION_LENGTH 1024; MessageEntity offsets "
         "in UTF-16 code units"),
    ),
)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.platforms.composing import compose, lead_text
    from smmgen.platforms.finishing import finish, media_for
    from smmgen.platforms.post_links import display_url, link_for
    from smmgen.platforms.text_rules import rules_for, visible_html
    from smmgen.text import measure

    link = link_for(article, ctx)
    photo = ctx.settings.get("mode", "text") == "photo"
    rules = rules_for(SPEC, limit=CAPTION_LIMIT if photo else TEXT_LIMIT, counted=visible_html)
    composed = compose(article, ctx, SPEC, rules, url=link, source=lead_text(article), shown_link=display_url(link, 48),
                       excerpt_length=int(ctx.settings.get("excerpt_length", 600)),
                       escape=measure.telegram_html_escape, authored=measure.telegram_html_escape)
    extra: dict[str, Any] = {"parse_mode": "HTML", "method": "sendPhoto" if photo else "sendMessage"}
    if not photo:
        extra["link_preview_options"] = preview_options(link, ctx.settings.get("link_preview", "large"))
    media = media_for(SPEC, article, "telegram", "attach") if photo else media_for(SPEC, article)
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, extra=extra, media=media)


def preview_options(link: str, kind: str) -> dict[str, Any]:
    """``link_preview_options`` for sendMessage: the article link, large or small, or no preview."""
    if kind == "off":
        return {"is_disabled": True}
    size = "prefer_large_media" if kind == "large" else "prefer_small_media"
    return {"url": link, size: True, "show_above_text": False}
