"""Shared steps of every platform's render: the tagged link, the template, fitting the text to the limit, the
thread, the media and the final Cut.

A platform module declares its ``SPEC``, builds its ``Rules`` (how it counts, what it refuses) and calls
``compose`` and ``finish``; what differs between platforms (escaping, link cards, facets) stays in its module.

How a post is fitted (``fit_post``): the template is rendered with the whole excerpt source; if that fits, the
hashtags are appended one by one while they fit. If not, the excerpt is cut (``smmgen.text.excerpt``) with a
measure
that renders the whole post around each candidate, so the cut uses exactly the room the title, the link and
the
template leave. Only if not even one word of the excerpt fits is the title itself shortened (with a warning).
An author's text (``social.<platform>.text``) is never cut: it is used as written and is an error if it does
not
fit.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from smmgen.content import dialects, mentions
from smmgen.content.article import Article
from smmgen.content.links import with_utm
from smmgen.plan.schedule import resolve, timing
from smmgen.platforms.base import Cut, CutContext, MediaRef, PlatformSpec
from smmgen.text import excerpt as ex
from smmgen.text import hashtags as ht
from smmgen.text import measure
from smmgen.text.thread_split import split_thread


def link_for(article: Article, ctx: CutContext) -> str:
    """The link back to the article, with the site's UTM parameters for this platform."""
    return with_utm(article.url, platform=ctx.settings.name, slug=article.slug, site=ctx.site)


def untagged_link(text: str, article_url: str, *, with_scheme: bool = True) -> str | None:
    """The first link to the article in ``text`` without UTM parameters (``https://site/a/b`` or
    ``https://site/a/b?ref=x``), as written; None when every one has them. ``with_scheme=False`` also finds it
    written without ``https://`` (``site/a/b``), which X, Mastodon and Bluesky link as well."""
    parts = urlsplit(article_url)
    where = ((parts.hostname or "").removeprefix("www.") + parts.path.rstrip("/")).lower()
    low = text.lower()
    # Found as plain text rather than with a pattern made for each article: every cut runs this, and compiling
    # one per article costs more than the whole search.
    at = low.find(where)
    while at >= 0:
        head = _LINK_HEAD.search(low, max(0, at - len("https://www.")), at)
        start = head.start() if head and (head.group(1) or not with_scheme) else -1
        tail = _LINK_TAIL.match(text, at + len(where))
        if start >= 0 and not (start and _LINK_GLUED.match(low, start - 1)) and tail:
            if "utm_" not in (tail.group(1) or ""):
                return text[start : tail.end()]
        at = low.find(where, at + 1)
    return None


# What may come before the host of a link to the article (a scheme, "www."), what may not be glued to its
# front (a longer host name, another URL's path, an e-mail address), and what may follow (a slash, a query).
_LINK_HEAD = re.compile(r"(https?://)?(?:www\.)?\Z")
_LINK_GLUED = re.compile(r"[\w.@/-]")
_LINK_TAIL = re.compile(r"/?(?![\w/%~+-])(\?[^\s<>\"']*)?")


def display_url(url: str, max_graphemes: int | None = None) -> str:
    """A URL as people read it: no scheme, no ``www.``, no query or fragment, no trailing slash
    (``https://www.news.example/a/b/?utm_source=x`` -> ``news.example/a/b``); with ``max_graphemes`` a longer
    path ends in an ellipsis. For visible link text whose target is the full URL (Bluesky, Telegram)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.") + (f":{parts.port}" if parts.port else "")
    path = parts.path.rstrip("/")
    shown = host + path
    if max_graphemes is None or measure.grapheme_len(shown) <= max_graphemes:
        return shown
    # Too long: keep the host and the last path segment (the slug people recognise), then cut the end.
    segments = [p for p in path.split("/") if p]
    if len(segments) > 1:
        shown = f"{host}/{ex.ELLIPSIS}/{segments[-1]}"
        if measure.grapheme_len(shown) <= max_graphemes:
            return shown
    clusters = measure.graphemes(shown)
    return "".join(clusters[: max(len(host), max_graphemes - 1)]) + ex.ELLIPSIS


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


# --- counting -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rules:
    """How one platform counts a post, its limit, and the counts it refuses beyond.

    ``counted`` turns a post into the text the platform counts (LinkedIn: the escaped commentary; Telegram:
    the
    text after HTML entity parsing). ``max_bytes`` is a second limit in UTF-8 bytes (Bluesky's 3000).
    """

    platform: str
    unit: str
    limit: int
    measure_opts: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    max_bytes: int | None = None
    max_links: int | None = None
    max_hashtags: int | None = None
    max_mentions: int | None = None
    counted: Callable[[str], str] | None = None

    def _text(self, text: str) -> str:
        return self.counted(text) if self.counted else text

    def length(self, text: str) -> int:
        """The length the platform gives ``text``, in ``unit``."""
        return measure.measure(self._text(text), self.unit, **self.measure_opts)

    def cost(self, text: str) -> int:
        """The length, raised above ``limit`` when a second rule (bytes, links, hashtags, mentions) is broken,
        so that fitting to ``limit`` respects them all."""
        counted = self._text(text)
        n = measure.measure(counted, self.unit, **self.measure_opts)
        if self.max_bytes is not None:
            n = max(n, math.ceil(measure.utf8_len(counted) * self.limit / self.max_bytes))
        if self._too_many(counted):
            n = max(n, self.limit + 1)
        return n

    def _too_many(self, counted: str) -> bool:
        return bool(
            (self.max_links is not None and measure.count_links(counted, unique=True) > self.max_links)
            or (self.max_hashtags is not None and measure.count_hashtags(counted) > self.max_hashtags)
            or (self.max_mentions is not None and measure.count_mentions(counted) > self.max_mentions))

    def problems(self, text: str) -> list[str]:
        """Why ``text`` would be refused, one message per broken rule (``x: text is 291/280 (weighted)``)."""
        return self.check(text)[1]

    def check(self, text: str) -> tuple[int, list[str]]:
        """``(length, problems)``: what ``length`` and ``problems`` give, counted once."""
        counted = self._text(text)
        length = measure.measure(counted, self.unit, **self.measure_opts)
        return length, self._problems(counted, length)

    def _problems(self, counted: str, length: int) -> list[str]:
        out = []
        if length > self.limit:
            out.append(f"{self.platform}: text is {length}/{self.limit} ({self.unit})")
        if self.max_bytes is not None and (size := measure.utf8_len(counted)) > self.max_bytes:
            out.append(f"{self.platform}: text is {size}/{self.max_bytes} (utf8-bytes)")
        if self.max_links is not None and (n := measure.count_links(counted, unique=True)) > self.max_links:
            out.append(f"{self.platform}: {n} links, at most {self.max_links} allowed")
        if self.max_hashtags is not None and (n := measure.count_hashtags(counted)) > self.max_hashtags:
            out.append(f"{self.platform}: {n} hashtags, at most {self.max_hashtags} allowed")
        if self.max_mentions is not None and (n := measure.count_mentions(counted)) > self.max_mentions:
            out.append(f"{self.platform}: {n} mentions, at most {self.max_mentions} allowed")
        return out


def rules_for(spec: PlatformSpec, *, limit: int | None = None, **more: Any) -> Rules:
    """Rules from the spec's limit, unit and caps; ``more`` adds or replaces fields."""
    values: dict[str, Any] = {"platform": spec.name, "unit": spec.unit, "limit": limit or spec.text_limit,
                              "max_bytes": spec.text_max_bytes, "max_links": spec.max_links,
                              "max_hashtags": spec.max_hashtags, "max_mentions": spec.max_mentions}
    values.update(more)
    return Rules(**values)


def visible_html(text: str) -> str:
    """What a message in Telegram's HTML parse mode shows: tags removed, entities decoded as Telegram decodes
    them (``measure.telegram_html_unescape``: ``&copy;`` stays six characters)."""
    return measure.telegram_html_unescape(re.sub(r"<[^>]*>", "", text))


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
            warnings.append(_untagged_warning(bare, url))
        return _authored(authored(text) if authored else text, rules, wants_thread, max_parts, warnings)

    layout = _layout(ctx)       # looked up once: fitting a post renders it many times

    def render(title: str, excerpt: str, hashtags: str, link: str | None) -> str:
        return layout.render(template_vars(article, ctx, title=title, excerpt=excerpt, hashtags=hashtags,
                                           link=link or "", url=url, **template_more)).strip()

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


# --- the Cut ------------------------------------------------------------------------------------------------

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
        if bare and _untagged_warning(bare, link) not in warnings:
            warnings.append(_untagged_warning(bare, link))
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


def _untagged_warning(bare: str, link: str) -> str:
    return f"links to the article without UTM parameters ({bare}), so its visits go uncounted; link to {link}"


def freeze(value: Any) -> Any:
    """Nested dicts and lists as read-only mappings and tuples, for ``Cut.extra``."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value
