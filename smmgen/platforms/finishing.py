"""The Cut of a post: every part measured and checked against the platform's rules, warnings about the text
(template leftovers, an untagged link), the media it needs, and its schedule (``finish``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from smmgen.content import dialects
from smmgen.content.article import Article
from smmgen.plan.schedule import resolve, timing
from smmgen.platforms.base import Cut, CutContext, MediaRef, PlatformSpec
from smmgen.platforms.post_links import untagged_link, untagged_warning
from smmgen.platforms.text_rules import Rules, rules_for
from smmgen.text import hashtags as ht


def media_for(spec: PlatformSpec, article: Article, target: str | None = None,
              role: str | None = None) -> tuple[MediaRef, ...]:
    """The image the cut needs: the spec's card target and role unless given."""
    target = target or spec.card_target
    role = role or spec.card_role
    if not target or not role:
        return ()
    alt = article.image_alt if article.image else article.title
    return (MediaRef(target=target, role=role, alt=alt),)


def posted_hashtags(parts: Sequence[str]) -> tuple[str, ...]:
    """The hashtags the parts carry, in order, each once (without '#')."""
    seen: dict[str, str] = {}
    for part in parts:
        for tag in ht.found_in(part):
            seen.setdefault(tag.casefold(), tag)
    return tuple(seen.values())


def finish(article: Article, spec: PlatformSpec, ctx: CutContext, parts: Sequence[str], *,
           link: str | None, tags: Sequence[str] | None = None, warnings: Sequence[str] = (),
           errors: Sequence[str] = (), extra: Mapping[str, Any] | None = None, limit: int | None = None,
           measure_opts: Mapping[str, Any] | None = None, rules: Rules | None = None,
           media: Sequence[MediaRef] | None = None) -> Cut:
    """Measure every part, check every rule, attach schedule and media: the Cut.

    ``rules`` (or, without it, the spec's unit with ``limit`` and ``measure_opts``) decides the measured
    lengths and the errors; an error message reads ``x: text is 291/280 (weighted)`` (`` (part 2)`` in a
    thread), which the build reports with the article's file and line.
    """
    if rules is None:
        rules = rules_for(spec, limit=limit, measure_opts=MappingProxyType(dict(measure_opts or {})))
    checked = [rules.check(p) for p in parts]
    lengths = tuple(length for length, _ in checked)
    errors = list(errors)
    for i, (_, problems) in enumerate(checked):
        where = f" (part {i + 1})" if len(parts) > 1 else ""
        errors.extend(problem + where for problem in problems)
    warnings = [*article.warnings, *(w for w in warnings if w not in article.warnings)]
    leftover = next(filter(None, map(dialects.leftover, parts)), None)
    if leftover is not None:
        # A construct the cleaning does not know would go out as it is written: the last chance to see it.
        warnings.append(f'the text holds template or attribute syntax ("{leftover}"); fix the Markdown or write '
                        f"social.{spec.name}.text")
    if link and link != article.url:
        # A layout (or a hand-written text) that links the article's own URL: visits from it go uncounted.
        bare = next(filter(None, (untagged_link(p, article.url) for p in parts)), None)
        if bare and untagged_warning(bare, link) not in warnings:
            warnings.append(untagged_warning(bare, link))
    media = tuple(media) if media is not None else media_for(spec, article)
    if spec.image_required and not media:
        # The platform refuses a post without an image (Instagram): stop the build, not the publish run.
        errors.append(f"{spec.name}: a post needs an image and this cut has none; give the platform a card "
                      "(card_target and card_role) or disable it")
    publish_at, expire_at = resolve(article, spec.name)
    return Cut(
        id=f"{article.key or article.slug}@{spec.name}",
        platform=spec.name,
        source=article.source,
        slug=article.key or article.slug,
        parts=tuple(parts),
        lengths=lengths,
        limit=rules.limit,
        unit=rules.unit,
        link=link,
        tags=tuple(tags) if tags is not None else posted_hashtags(parts),
        media=media,
        publish_at=publish_at,
        expire_at=expire_at,
        timing=timing(article, spec.name),
        warnings=tuple(warnings),
        errors=tuple(errors),
        extra=MappingProxyType(dict(extra or {})),
    )


def freeze(value: Any) -> Any:
    """Nested dicts and lists as read-only mappings and tuples, for ``Cut.extra``."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value
