"""The text of a post, made from its article: the lead text, the platform's layout, the excerpt fitted to the
limit, hashtags, and a thread when the article asks for one (``compose``).

A platform module declares its ``SPEC``, builds its ``Rules`` (smmgen.platforms.text_rules), calls ``compose``
and then ``finish`` (smmgen.platforms.finishing); what differs between platforms (escaping, link cards, facets)
stays in its module.

How a post is fitted (``fit_post``): the template is rendered with the whole excerpt source; if that fits, the
hashtags are appended one by one while they fit. If not, the excerpt is cut (``smmgen.text.excerpt``) with a
measure that renders the whole post around each candidate, so the cut uses exactly the room the title, the link
and the template leave. Only if not even one word of the excerpt fits is the title itself shortened (with a
warning). An author's text (``social.<platform>.text``) is never cut: it is used as written and is an error if
it does not fit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from smmgen.content import mentions
from smmgen.content.article import Article
from smmgen.platforms.base import CutContext, PlatformSpec
from smmgen.platforms.post_links import display_url, link_for, untagged_link, untagged_warning
from smmgen.platforms.text_rules import Rules
from smmgen.text import excerpt as ex
from smmgen.text import hashtags as ht
from smmgen.text import measure
from smmgen.text.thread_split import split_thread

# --- the text an article offers -----------------------------------------------------------------------------

def reflow(text: str) -> str:
    """Paragraphs kept apart by a blank line, the line breaks inside a paragraph (source wrapping) joined."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def lead_text(article: Article) -> str:
    """Summary then body, for an excerpt longer than the summary.

    The summary is left out when the body's first paragraph already says it (the summary was taken from it,
    or repeats most of its wording): a reader should not get the same facts twice in a row.
    """
    return _lead_text(article.summary, article.body_text)


# Five platforms start from the lead text of the same article, one after the other.
@functools.lru_cache(maxsize=16)
def _lead_text(summary: str, body_text: str) -> str:
    body = reflow(body_text)
    summary = " ".join(summary.split())
    if not summary:
        return body
    if not body:
        return summary
    first = body.split("\n\n", 1)[0]
    if first == summary or repeats(summary, first):
        return body
    return summary + "\n\n" + body


def repeats(summary: str, paragraph: str, threshold: float = 0.5) -> bool:
    """Whether ``paragraph`` holds at least ``threshold`` of the summary's character 4-grams (letters and
    digits, case folded). 4-grams work the same for spaced and unspaced scripts; on the sample site, summaries
    that restate the lead score 0.58-0.92 and those that add to it 0.06-0.45."""
    def grams(text: str) -> set[str]:
        flat = re.sub(r"[\W_]+", " ", text.casefold())
        return {flat[i:i + 4] for i in range(len(flat) - 3)}

    wanted = grams(summary)
    return bool(wanted) and len(wanted & grams(paragraph)) >= threshold * len(wanted)


# --- templates ----------------------------------------------------------------------------------------------

def _identity(text: str) -> str:
    return text


def template_vars(article: Article, ctx: CutContext, **more: Any) -> dict[str, Any]:
    """What every layout gets; platforms add their own (``excerpt``, ``link``, ``hashtags``, ...)."""
    url = more.get("url") or link_for(article, ctx)
    values = {
        "article": article,
        "site": ctx.site,
        "platform": ctx.settings,
        "title": article.title,
        "summary": article.summary,
        "body": article.body_text,
        "tags": article.tags,
        "url": url,
        "link": url,
        "excerpt": article.summary,
        "hashtags": "",
        "escape": _identity,
        "display_url": display_url,
    }
    values.update(more)
    # The article's own words: an @name in them mentions only whom the site maps it to (smmgen.content.mentions).
    for key in ("title", "summary", "body", "excerpt"):
        values[key] = mentions.written(values[key], ctx.settings.name, ctx.mention_map)
    return values


def _layout(ctx: CutContext) -> Any:
    # An account may name its own layout (layouts/<layout>.txt.j2); otherwise the platform's.
    return ctx.layouts.text.get_template(f"{ctx.settings.get('layout') or ctx.settings.name}.txt.j2")


def _rendering(layout: Any) -> Callable[[dict[str, Any]], str]:
    """``layout.render`` for the renders of fitting one post: the same text, and the same errors. Jinja's own
    copies the layout's globals (its own over the environment's, a ``ChainMap``) into each render's context by a
    walk over them in Python, twice a render, which was a third of rendering a short text."""
    from jinja2.runtime import new_context

    env = layout.environment
    if env.is_async:
        return layout.render
    flat = dict(layout.globals)

    def render(values: dict[str, Any]) -> str:
        context = new_context(env, layout.name, layout.blocks, values, False, flat)
        try:
            return env.concat(layout.root_render_func(context))
        except Exception:
            return env.handle_exception()

    return render


# --- composing the text -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Composed:
    """The text of a cut before it becomes a Cut."""

    parts: tuple[str, ...]
    link_part: int | None          # the part that shows the link, if any
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    authored: bool = False         # the author's own text (social.<platform>.text)


def hashtags_wanted(article: Article, ctx: CutContext) -> bool:
    override = article.social.override(ctx.settings.name).hashtags
    return override if override is not None else bool(ctx.settings.get("hashtags", True))


def link_position(article: Article, ctx: CutContext) -> str:
    override = article.social.override(ctx.settings.name).link_position
    return override or ctx.settings.get("link_position", "last")


def compose(article: Article, ctx: CutContext, spec: PlatformSpec, rules: Rules, *, source: str,
            shown_link: str | None, excerpt_length: int | None = None, use_hashtags: bool = True,
            authored: Callable[[str], str] | None = None, url: str | None = None,
            **template_more: Any) -> Composed:
    """The parts of a cut: the author's text if there is one, else the layout fitted to ``rules``.

    ``source`` is the text the excerpt is cut from (a thread uses the whole ``lead_text`` instead);
    ``shown_link`` the link as the post shows it (None: the layout shows no link). ``excerpt_length`` cuts the
    excerpt for readability before it is fitted to the limit (Facebook's ~400 characters). ``url`` is
    ``link_for(article, ctx)`` when the caller has it already. ``template_more`` goes to the layout.
    """
    name = spec.name
    override = article.social.override(name)
    warnings: list[str] = []
    wants_thread = bool(override.thread)
    if wants_thread and not spec.supports_thread:
        warnings.append(f"threads are not supported on {spec.title}; posted as one text")
        wants_thread = False
    max_parts = int(ctx.settings.get("thread_max_parts", 10))

    url = url or link_for(article, ctx)
    if override.text is not None:
        text = override.text.strip()
        if shown_link is not None and not any(u in text for u in (url, shown_link, article.url.rstrip("/"))):
            # Not an error (the author may mean it), but on a platform where the text carries the link back a
            # post without it is rarely intended.
            warnings.append(f"social.{name}.text has no link to the article")
        if url != article.url and (bare := untagged_link(text, article.url, with_scheme=False)):
            warnings.append(untagged_warning(bare, url))
        return _authored(authored(text) if authored else text, rules, wants_thread, max_parts, warnings)

    render = _renderer(article, ctx, url, template_more)

    if wants_thread:
        source = lead_text(article)      # a thread tells the whole article: the summary, then the body
    # A tag the text already carries as a hashtag is not repeated at the end.
    tags: tuple[str, ...] = ()
    if use_hashtags and hashtags_wanted(article, ctx):
        tags = ht.hashtags(article.tags, name, present_in=source + "\n" + article.title)
        warnings += [f'tag "{tag}" is left out of the hashtags: without "{ht.lost(tag)}" it would mean something '
                     f"else; give the article a tag of letters and digits for it" for tag in article.tags if ht.lost(tag)]

    if wants_thread:
        text = render(article.title, source, "", None)
        thread = split_thread(text, limit=rules.limit, cost=rules.cost, link=shown_link,
                              link_position=link_position(article, ctx), hashtags=tags, max_parts=max_parts)
        if thread.truncated:
            warnings.append(f"the thread was cut to fit {max_parts} parts (thread_max_parts)")
        return Composed(thread.parts, thread.link_part, tuple(warnings + _mention_warnings(thread.parts, name)))

    if excerpt_length is not None:
        source = readable_excerpt(source, excerpt_length, rules.unit, tuple(sorted(rules.measure_opts.items())))
    text, title_cut = fit_post(lambda t, e, h: render(t, e, h, shown_link), title=article.title,
                               source=source, hashtags=tags, rules=rules)
    if title_cut:
        warnings.append("the title was shortened to fit")
    return Composed((text,), 0 if shown_link else None, tuple(warnings + _mention_warnings((text,), name)))


_SET_BY_COMPOSE = frozenset({"title", "excerpt", "hashtags", "link", "url"})


def _renderer(article: Article, ctx: CutContext, url: str,
              template_more: dict[str, Any]) -> Callable[[str, str, str, str | None], str]:
    """``render(title, excerpt, hashtags, link)``: the post's layout with these values (``template_vars``),
    stripped. The layout is looked up once: fitting a post renders it many times."""
    from smmgen.platforms.shipped_layouts import plain

    template = _layout(ctx)
    fast = plain(template, {*_SET_BY_COMPOSE, "escape", *template_more}) \
        if not _SET_BY_COMPOSE & template_more.keys() else None
    if fast is not None:
        # A layout smmgen ships reads none but these of the values: only they are made (as ``template_vars``
        # makes them).
        platform, mapping = ctx.settings.name, ctx.mention_map

        def render_shipped(title: str, excerpt: str, hashtags: str, link: str | None) -> str:
            return fast({"title": mentions.written(title, platform, mapping),
                         "excerpt": mentions.written(excerpt, platform, mapping), "hashtags": hashtags,
                         "link": link or "", "url": url, "escape": _identity, **template_more}).strip()

        return render_shipped
    layout = _rendering(template)

    def render(title: str, excerpt: str, hashtags: str, link: str | None) -> str:
        return layout(template_vars(article, ctx, title=title, excerpt=excerpt, hashtags=hashtags,
                                    link=link or "", url=url, **template_more)).strip()

    return render


def _mention_warnings(parts: Sequence[str], platform: str) -> list[str]:
    return [f'@{name} is written so that it notifies no one; to mention that account, map it in smmgen.toml: '
            f'[mentions.{name.casefold()}] {platform} = "…"' for name in mentions.defused("\n".join(parts))]


def readable_excerpt(source: str, length: int, unit: str, measure_opts: tuple[tuple[str, Any], ...] = ()) -> str:
    """``source`` cut to a readability ``length``, counted on the plain text in ``unit`` (with the measure's
    options as ``(name, value)`` pairs)."""
    count = measure.counter(unit)
    floor = measure.code_point_floor(unit)      # a long body is then measured only as far as it can fit
    try:
        # Remembered: most platforms cut the same lead text to the same length, counted alike.
        return _remembered_excerpt(source, length, count, measure_opts, floor)
    except TypeError:                   # an option that cannot be a key: cut it afresh
        return _excerpt_by(source, length, count, measure_opts, floor)


def _excerpt_by(source: str, length: int, count: Callable[..., int],
                measure_opts: tuple[tuple[str, Any], ...], floor: Callable[[str], int] | None = None) -> str:
    opts = dict(measure_opts)
    return ex.excerpt(source, length, lambda t: count(t, **opts), floor=floor)


_remembered_excerpt = functools.lru_cache(maxsize=16)(_excerpt_by)


def fit_post(render: Callable[[str, str, str], str], *, title: str, source: str, hashtags: Sequence[str],
             rules: Rules) -> tuple[str, bool]:
    """One post within ``rules``: ``(text, title was cut)``. ``render(title, excerpt, hashtags)`` draws it."""
    limit = rules.limit
    full = render(title, source, "")
    full_cost = rules.cost(full)
    if full_cost <= limit:
        text, chosen = full, []
        for tag in hashtags:
            trial = render(title, source, ht.joined([*chosen, tag]))
            if rules.cost(trial) > limit:
                break
            chosen.append(tag)
            text = trial
        return text, False
    known = {source: full_cost}             # the excerpt measures the whole source first: known already

    def cost_with(excerpt: str) -> int:
        if excerpt not in known:
            known[excerpt] = rules.cost(render(title, excerpt, ""))
        return known[excerpt]

    excerpt = ex.excerpt(source, limit, cost_with)
    if excerpt:
        return render(title, excerpt, ""), False
    bare = render(title, "", "")
    if rules.cost(bare) <= limit:
        return bare, False
    short = ex.excerpt(title, limit, lambda t: rules.cost(render(t, "", "")))
    return render(short, "", ""), True


def _authored(text: str, rules: Rules, thread: bool, max_parts: int, warnings: list[str]) -> Composed:
    """The author's text as written; as a thread it is split without losing anything, or it is an error."""
    if thread:
        split = split_thread(text, limit=rules.limit, cost=rules.cost, max_parts=max_parts)
        if split.truncated:
            return Composed((text,), None, tuple(warnings),
                            ((f"{rules.platform}: text does not fit in {max_parts} parts "
                             f"(thread_max_parts); shorten it or raise the limit"),), authored=True)
        return Composed(split.parts, None, tuple(warnings), authored=True)
    return Composed((text,), None, tuple(warnings), authored=True)
