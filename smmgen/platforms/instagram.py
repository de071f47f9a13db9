"""Instagram: the caption under an image (at most 2200 characters, 30 hashtags, 20 mentions). An image is
required, so a cut always attaches one (the generated card when the article has no hero image). Links in
captions are not clickable: the link goes as plain text (``link_mode = "plain"``, the article's address
without
tracking parameters, which people can read and type) or as a "link in bio" line (``"bio"``, ``bio_text``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from smmgen import facts
from smmgen.config import schema as s
from smmgen.platforms.base import Cut, CutContext, PlatformSpec, spec_limits

if TYPE_CHECKING:
    from smmgen.content.article import Article

SPEC = PlatformSpec(
    name="instagram",
    title="Instagram",
    **spec_limits(facts.INSTAGRAM),
    card_target="instagram",
    card_role="attach",
    options={
        "link_mode": s.Field(s.choice("plain", "bio"), default="plain",
                             doc='"plain": the article\'s address as text; "bio": the bio_text line.'),
        "bio_text": s.Field(lambda v: _by_language(v), default="Link in bio.",
                            doc='The line pointing readers to the profile link (link_mode = "bio"): a '
                                'string, or a table of language = "text" with an optional "default".'),
        "excerpt_length": s.Field(s.integer(40, 2000), default=600,
                                  doc="Length of the caption's excerpt in characters."),
    },
    sources=(
        ("https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/"
         "media (caption 2200 characters, 30 hashtags, 20 @ tags; image_url required, JPEG)"),
        ("Links in captions are not clickable (Ayrshare Instagram docs, third-party); counting unit "
         "unverified, taken as UTF-16 units"),
    ),
)


def render(article: Article, ctx: CutContext) -> Cut:
    # The cutting machinery loads on the first render: reading a SPEC (to check a config) stays light.
    from smmgen.platforms.composing import compose, lead_text
    from smmgen.platforms.finishing import finish, media_for
    from smmgen.platforms.post_links import display_url, link_for
    from smmgen.platforms.text_rules import rules_for

    link = link_for(article, ctx)
    mode = ctx.settings.get("link_mode", "plain")
    rules = rules_for(SPEC)
    shown = display_url(article.url) if mode == "plain" else None
    composed = compose(article, ctx, SPEC, rules, url=link, source=lead_text(article), shown_link=shown,
                       excerpt_length=int(ctx.settings.get("excerpt_length", 600)), link_mode=mode,
                       bio_text=for_language(ctx.settings.get("bio_text", "Link in bio."), article.lang)
                       if mode == "bio" else "")
    return finish(article, SPEC, ctx, composed.parts, link=link, rules=rules, warnings=composed.warnings,
                  errors=composed.errors, extra={"link_mode": mode},
                  media=media_for(SPEC, article, "instagram", "attach"))


def _by_language(value: Any) -> str | dict[str, str]:
    if isinstance(value, str):
        return s.nonempty_string(value)
    if isinstance(value, Mapping) and value:
        out = {}
        for lang, text in value.items():
            try:
                out[str(lang)] = s.nonempty_string(text)
            except s.Invalid as e:
                raise s.Invalid(f"{lang}: {e}") from None
        return out
    raise s.Invalid(f'expected a string or a table of language = "text", got {s.shown(value)}')


def for_language(value: str | Mapping[str, str], lang: str) -> str:
    """The text for ``lang`` ("de-AT", then "de"), else "default", else the first one given."""
    if isinstance(value, str):
        return value
    base = lang.split("-")[0]
    return value.get(lang) or value.get(base) or value.get("default") or next(iter(value.values()))
