"""Rendering the preview pages from templates in ``layouts/preview/`` (site) over ``smmgen/defaults/preview/``.

Pages are self-contained: the stylesheet and script are inlined, images are referenced relatively, and a
Content-Security-Policy allows nothing else, so a page opened from disk makes no request to anywhere. Output
depends only on the build: no timestamps, stable order, so the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from smmgen.build import heap
from smmgen.build.collector import no_collection
from smmgen.build.templates import Layouts
from smmgen.preview import agenda, periods
from smmgen.preview.looks import look_for
from smmgen.preview.model import STATUSES, PreviewData, preview_data

TEMPLATE_DIR = "preview"
PAGES = ("index.html.j2", "article.html.j2", "plan.html.j2")
BLOCK = 1 << 16
_ARTICLE_VALUES = frozenset({"page", "article", "listed", "here", "index_page", "data", "site"})
"""What the build gives an article page's template: the page made without Jinja takes exactly these."""



class Unchanged:
    """Stands for a page the output index vouches for (``reuse.unchanged``): the file in output/ is right."""


UNCHANGED = Unchanged()


class Staged(Unchanged):
    """Stands for a page written already by this build, while its cards were drawn (``smmgen.build.early``),
    from inputs with the key the page has now (``reuse.staged``)."""


STAGED = Staged()

Content = bytes | Iterable[bytes] | Unchanged
"""A file's bytes, whole or as blocks to be written one after the other, or ``UNCHANGED``."""


class Renderer:
    """The preview's Jinja environment (autoescaping on) with the inlined script and its CSP hash."""

    def __init__(self, layouts: Layouts):
        self.env = layouts.html
        self.layouts = layouts
        self.script = self._source("preview.js")
        self.script_hash = "sha256-" + base64.b64encode(hashlib.sha256(self.script.encode()).digest()).decode()

    def check(self) -> None:
        """Compile the page templates, so a broken one fails the build before any page is written."""
        for name in PAGES:
            self.env.get_template(f"{TEMPLATE_DIR}/{name}")

    def _source(self, name: str) -> str:
        source, _, _ = self.env.loader.get_source(self.env, f"{TEMPLATE_DIR}/{name}")  # type: ignore[union-attr]
        return source

    def render(self, name: str, up: str, **values: Any) -> bytes:
        if name == "article.html.j2" and values.keys() == _ARTICLE_VALUES and values["page"] == "article":
            made = self._article_page
            if made is not None:
                del values["page"]
                return made.render(up, **values)
        return b"".join(self.stream(name, up, **values))

    @cached_property
    def _article_page(self):
        """The article page made without Jinja (``smmgen.preview.article_page``), or None: the site has its own
        copy of one of the templates it is made from."""
        from smmgen.preview.article_page import ArticlePage, shipped

        if not shipped(self.layouts):
            return None
        css = self.env.get_template(f"{TEMPLATE_DIR}/preview.css").render()
        return ArticlePage(css, self.script, self.csp)

    def stream(self, name: str, up: str, **values: Any) -> Iterator[bytes]:
        """The page in blocks of about 64 KB, ending in exactly one newline: the index and the plan of a large
        site run to tens of megabytes, and rendered whole they would take several times that in memory."""
        template = self.env.get_template(f"{TEMPLATE_DIR}/{name}")
        chunks = template.generate(**self.values(up), **values)
        block: list[str] = []
        size = 0
        for chunk in chunks:
            block.append(chunk)
            size += len(chunk)
            if size >= BLOCK:
                text = "".join(block)
                body = text.rstrip("\n")
                # Trailing newlines wait for the next block: the page's last ones are dropped.
                block, size = [text[len(body):]], len(text) - len(body)
                yield body.encode()
        yield ("".join(block).rstrip("\n") + "\n").encode()

    def values(self, up: str) -> dict[str, Any]:
        """What every page's template is given besides its own values."""
        return {"up": up, "script": Markup(self.script), "csp": Markup(self.csp), "statuses": STATUSES}

    @property
    def csp(self) -> str:
        # 'self' lets `smmgen serve` add its reload script and poll for new builds; from disk there is neither.
        return ("default-src 'none'; img-src 'self' data: file:; media-src 'self' file:; style-src 'unsafe-inline'; "
                f"script-src '{self.script_hash}' 'self'; connect-src 'self'; base-uri 'none'; "
                "form-action 'none'")


def render_pages(result, layouts: Layouts | None = None, reuse=None) -> dict[str, bytes]:
    """Every preview file, keyed by its path relative to the output dir (see ``iter_pages``)."""
    return {path: data if isinstance(data, bytes) else b"".join(data)
            for path, data in iter_pages(result, layouts, reuse) if data is not UNCHANGED}


def iter_pages(result, layouts: Layouts | None = None, reuse=None) -> Iterator[tuple[str, Content]]:
    """Every preview file with its path relative to the output dir, one at a time, so a caller that writes
    them as they come never holds more than one page; the largest pages come as blocks of bytes.

    ``reuse`` (the build cache's page memo: ``unchanged(path, key) -> bool`` and ``put(path, key)``) says when
    an article page's inputs hash to the same key as when its file in output/ was written: that page is given as
    ``UNCHANGED`` instead of rendered.
    """
    site = result.site
    layouts = layouts or getattr(result, "layouts", None) or Layouts(site.layouts_dir, root=site.root)
    renderer = Renderer(layouts)
    renderer.check()
    with no_collection():
        data = preview_data(result)
    common = {"data": data, "site": site}
    store = reuse.fragments() if reuse is not None else None
    # Article pages first: each index row is drawn beside its page, from the posts made for it, which are then
    # dropped (kept for the index of a large site, they would be most of what the build holds in memory).
    index_fragment = fragment_maker(store, ("index", "../"))
    row = index_row_macro(renderer, data, common)
    listed = [view for view in data.articles if view.page]
    months = _months(listed, data)
    shared = (data.site_name, data.timezone, data.platforms, data.errors, data.error_count, renderer.script_hash)
    memo = _PeriodMemo(reuse, (shared, data.accounts)) if reuse is not None else None
    index = _IndexPages(renderer, data, listed, months, index_fragment, common, memo)
    for here, view in enumerate(listed):
        path = f"preview/{view.page}"
        month = months[id(view)]
        key = None
        if reuse is not None:
            neighbours = tuple((v.page, v.title) for v in listed[max(0, here - 1):here + 2] if v is not view)
            key = article_page_key(view, neighbours, here == 0, month.page, shared)
        if key is not None and reuse.unchanged(path, key):
            page = UNCHANGED
        elif key is not None and reuse.staged.pop(path, None) == key:
            page = STAGED
        else:
            page = renderer.render("article.html.j2", "../../", page="article", article=view, listed=listed,
                                   here=here, index_page=month.page, **common)
        if reuse is not None:
            reuse.put(path, key)
        if row is not None and index.shows(month):
            index.rows[id(view)] = index_fragment(row, view)
        elif row is not None:
            _keep(index_fragment, row.name, view)
        view.forget_posts()
        yield path, page
        if here + 1 == len(listed) or months[id(listed[here + 1])].key != month.key:
            yield from index.pages(month)         # the month's last article: its rows are all drawn
    if not listed:
        yield from index.pages(None)
    plan: dict[str, Any] = {}
    heap.give_back()            # what the article and index pages let go of: the plan is made in its place
    yield from _plan_pages(renderer, result, data, listed, store, common, plan, memo)
    for relative, source in sorted(data.avatars.items()):
        yield relative, source.read_bytes()
    if reuse is not None:
        from smmgen.preview import edit

        with no_collection():
            reuse.record = edit.record_of(layouts, renderer, data, listed, plan)


def article_page_key(view, neighbours: tuple, first: bool, month_page: str, shared: tuple) -> str:
    """The page memo's key of an article page: everything the page shows (its article, its neighbours' links
    as ``(page, title)``, whether it is the newest, its month's page, the build's errors banner and script)."""
    # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
    return hashlib.sha256(repr((view.identity(), neighbours, first, month_page, shared)).encode()).hexdigest()


def _months(listed: list, data: PreviewData) -> dict[int, periods.Period]:
    """The month page of every listed article view, by ``id(view)``, with each month's counts of articles in
    error and with warnings."""
    tz = ZoneInfo(data.timezone)
    firsts = {id(v): periods.month_of(v.date_iso, tz) for v in listed}
    statuses: dict[dt.date, list[str]] = {}
    for view in listed:
        statuses.setdefault(firsts[id(view)], []).append(view.status)
    found = {first: periods.month_period(first, these) for first, these in statuses.items()}
    return {key: found[first] for key, first in firsts.items()}


class _PeriodMemo:
    """The page memo's keys of the index's and the plan's pages: a page whose key is the one its file in
    output/ was made from is given as ``UNCHANGED``, not streamed through the template again."""

    def __init__(self, reuse, shared: tuple):
        self.reuse = reuse
        self.shared = shared                # what every page shows of the site and the build

    def key(self, path: str, *shows: Any) -> bool:
        """Note ``path``'s key, made from what the page ``shows``; True when the page is unchanged."""
        # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
        key = hashlib.sha256(repr((path, self.shared, shows)).encode()).hexdigest()
        self.reuse.put(path, key)
        return self.reuse.unchanged(path, key)


class _IndexPages:
    """index.html (the articles that failed to load, the newest month, every month with its problems) and one
    page per month. A month's pages are written as soon as its last row is drawn, and its rows then dropped:
    the build holds one month's rows, not the site's. With a ``memo``, a page whose rows and periods are as
    when its file was written is not made again (nor are its rows)."""

    def __init__(self, renderer: Renderer, data: PreviewData, listed: list, months: dict[int, periods.Period],
                 index_fragment: Callable[..., Markup], common: dict[str, Any], memo: _PeriodMemo | None = None):
        self.renderer = renderer
        self.data = data
        self.rows: dict[int, Markup] = {}
        self.index_fragment = index_fragment
        self.by_month: dict[str, list] = {}
        for view in listed:
            self.by_month.setdefault(months[id(view)].key, []).append(view)
        every = list(dict.fromkeys(months[id(v)] for v in listed))      # newest first, as ``listed`` is
        self.newest = every[0].key if every else None
        self.values = {**common, "periods": every, "fragment": self.fragment}
        self.unchanged: set[str] = set()
        if memo is not None:
            # A month's page lists the months; only the front page shows their counts.
            listing = tuple((p.key, p.label, p.page) for p in every)
            for period in every:
                if memo.key(f"preview/{period.page}", listing, period,
                            tuple(v.identity() for v in self.by_month[period.key])):
                    self.unchanged.add(period.key)
            broken = tuple(view.identity() for view in data.articles if not view.page)
            newest = tuple(v.identity() for v in self.by_month.get(self.newest, ())) if self.newest else ()
            if memo.key("preview/index.html", tuple(every), broken, newest):
                self.unchanged.add(None)

    def shows(self, month: periods.Period) -> bool:
        """A page that shows this month's rows is to be made."""
        return month.key not in self.unchanged or (month.key == self.newest and None not in self.unchanged)

    def fragment(self, macro, *args) -> Markup:
        if macro.name == "row" and len(args) == 1 and id(args[0]) in self.rows:
            return self.rows[id(args[0])]
        return self.index_fragment(macro, *args)

    def pages(self, month: periods.Period | None) -> Iterator[tuple[str, Content]]:
        """The pages of ``month`` (index.html too for the newest; only index.html for None: no articles)."""
        from dataclasses import replace

        views = self.by_month.pop(month.key) if month is not None else []
        if (month is None or month.key == self.newest) and None in self.unchanged:
            yield "preview/index.html", UNCHANGED
        elif month is None or month.key == self.newest:
            broken = [view for view in self.data.articles if not view.page]
            front = replace(self.data, articles=tuple(broken + views))
            yield "preview/index.html", self.renderer.stream("index.html.j2", "../", page="index", period=None,
                                                             **{**self.values, "data": front})
        if month is not None and month.key in self.unchanged:
            for view in views:
                self.rows.pop(id(view), None)
            yield f"preview/{month.page}", UNCHANGED
        elif month is not None:
            page = self.renderer.stream("index.html.j2", "../", page="index", period=month,
                                        **{**self.values, "data": replace(self.data, articles=tuple(views))})
            yield f"preview/{month.page}", self._then_drop(page, views)

    def _then_drop(self, blocks: Iterable[bytes], views: list) -> Iterator[bytes]:
        # A month's rows are needed until its page (written as the blocks are taken) is complete.
        yield from blocks
        for view in views:
            self.rows.pop(id(view), None)


def _plan_pages(renderer: Renderer, result, data: PreviewData, listed: list, store,
                common: dict[str, Any], seen: dict[str, Any],
                memo: _PeriodMemo | None = None) -> Iterator[tuple[str, Content]]:
    """plan.html (the weeks around the newest article's, and the posts held back) and one page per ISO week;
    ``seen`` is given every slot, held ones too (``slots``), and the weeks plan.html opens on (``opening``)."""
    with no_collection():
        values = plan_values(result, data)
    seen["slots"] = values.pop("every")
    context = _plan_context(values, data)
    plan_fragment = fragment_maker(store, context)
    from smmgen.preview.article_page import shipped

    if shipped(renderer.layouts, ("plan.html.j2",)):
        # The template's weeks and days, made without Jinja (``plan_macros``): the same text, as its macros' own.
        plan_fragment = _in_place_of(plan_fragment, plan_macros(renderer, values, data, result.site))
    weeks = values.pop("weeks")
    days = values.pop("days")
    held, unplaced, total = values.pop("held"), values.pop("unplaced"), len(values.pop("slots"))
    pages = [periods.week_period(w.monday) for w in weeks]
    tz = ZoneInfo(data.timezone)
    newest = dt.datetime.fromisoformat(listed[0].date_iso).astimezone(tz).date() if listed else None
    opening = periods.opening_weeks(weeks, newest)
    seen["opening"] = [periods.week_period(w.monday).key for w in opening]
    base = {**common, **values, "periods": pages, "fragment": plan_fragment}

    def page(shown: Sequence[agenda.Week], period: periods.Period | None, **extra: Any) -> Iterable[bytes]:
        dates = {d.date for w in shown for d in w.days}
        return renderer.stream("plan.html.j2", "../", page="plan", period=period, weeks=shown,
                               days=[d for d in days if d.date in dates],
                               slots=[e.slot for w in shown for d in w.days for e in d.events
                                      if e.kind == "publish"], **base, **extra)

    # A page's key: what its weeks and days show besides their own events, the list of weeks, its own.
    shown = (hashlib.sha256(repr(context).encode()).hexdigest(), tuple(pages)) if memo is not None else ()
    if memo is not None and memo.key("preview/plan.html", shown, [w.identity() for w in opening],
                                     sorted(held.items()), [s.identity() for s in unplaced], total):
        yield "preview/plan.html", UNCHANGED
    else:
        yield "preview/plan.html", page(opening, None, held=held, unplaced=unplaced,
                                        opening=[periods.week_period(w.monday) for w in opening],
                                        total=total)
    for week, period in zip(weeks, pages, strict=True):
        path = f"preview/{period.page}"
        if memo is not None and memo.key(path, shown, period, week.identity()):
            _keep(plan_fragment, "week_table", week)
            for day in week.days:
                if day.events:          # the days shown: those with events
                    _keep(plan_fragment, "day_block", day)
            yield path, UNCHANGED
        else:
            yield path, page([week], period, held=Counter(), unplaced=[], opening=[])


def _in_place_of(fragment: Callable[..., Markup], macros: Sequence[Any]) -> Callable[..., Markup]:
    """``fragment``, given ``macros`` in place of a template's macros of the same names."""
    own = {macro.name: macro for macro in macros}

    def with_own(macro, *args) -> Markup:
        return fragment(own.get(macro.name, macro), *args)

    if hasattr(fragment, "keep"):
        with_own.keep = fragment.keep       # type: ignore[attr-defined]
    return with_own


def _plan_context(values: dict[str, Any], data: PreviewData) -> tuple:
    """What the plan's weeks and days show besides their own events (part of their keys in the store)."""
    return ("plan", "../", values["titles"], values["accents"], values["article_pages"], data.platforms,
            values["handles"], data.accounts)


def plan_parts(renderer: Renderer, result, data: PreviewData, store) -> Iterator[None]:
    """Render the plan's weeks and days into ``store`` (``smmgen.build.page_memo.FragmentStore``) ahead of the
    plan's pages, a week and its days per step, under the keys the pages look them up by (``fragment_maker``).
    The plan shows no card, so this can be done while the cards are drawn (``smmgen.build.early``); the pages
    then copy the parts. A part whose inputs change meanwhile has another key by then, and is rendered with its
    page.

    ``result`` needs only ``site`` and ``outputs`` (each with ``article`` and its planned ``cuts``); ``data`` is
    the preview's listing of the same articles."""
    with no_collection():
        values = plan_values(result, data)
    site = result.site
    del result
    values.pop("every")
    weeks, days = values.pop("weeks"), values.pop("days")
    fragment = fragment_maker(store, _plan_context(values, data))
    week_table, day_block = plan_macros(renderer, values, data, site)
    if week_table is None or day_block is None:
        return
    del values
    by_date = {day.date: day for day in days}
    for week in weeks:                  # a step: a week, then its days (a plan page shows both)
        fragment(week_table, week)
        for shown in week.days:
            day = by_date.get(shown.date)
            if day is not None:
                fragment(day_block, day)
        yield


def plan_macros(renderer: Renderer, values: dict[str, Any], data: PreviewData, site) -> tuple[Any, Any]:
    """The plan template's ``week_table`` and ``day_block`` macros, bound as on a plan page to the plan's
    ``values`` (``plan_values``), each None when the template (a site's own) has none. The shipped template's
    are made without Jinja (``smmgen.preview.plan_parts``)."""
    from smmgen.preview.article_page import shipped

    if shipped(renderer.layouts, ("plan.html.j2",)):
        from smmgen.preview.plan_parts import PlanParts

        parts = PlanParts("../", values, data)
        return parts.week_table, parts.day_block
    return template_plan_macros(renderer, values, data, site)


def template_plan_macros(renderer: Renderer, values: dict[str, Any], data: PreviewData, site) -> tuple[Any, Any]:
    """``plan_macros``, always the template's (Jinja's) macros."""
    # Bound as on a plan page, but made with no weeks: the module's own page is then a few lines, and the
    # macros read only their argument and the values the parts' keys hold.
    template = renderer.env.get_template(f"{TEMPLATE_DIR}/plan.html.j2")
    module = template.make_module({**renderer.values("../"), "page": "plan", "data": data, "site": site,
                                   **values, "fragment": lambda m, *a: m(*a), "period": None, "periods": [],
                                   "weeks": [], "days": [], "slots": [], "held": Counter(), "unplaced": [],
                                   "opening": [], "total": 0})
    found = getattr(module, "week_table", None), getattr(module, "day_block", None)
    return tuple(m if isinstance(m, jinja2.runtime.Macro) else None for m in found)  # type: ignore[return-value]


def index_row_macro(renderer: Renderer, data: PreviewData, common: dict[str, Any]):
    """The ``row`` macro of the index template, bound as on the index page, or None when the template (a
    site's own) has none. The shipped template's row is made without Jinja (``smmgen.preview.index_row``)."""
    from smmgen.preview.article_page import shipped

    if shipped(renderer.layouts, ("index.html.j2",)):
        from smmgen.preview.index_row import IndexRow

        return IndexRow("../")
    return template_row_macro(renderer, data, common)


def template_row_macro(renderer: Renderer, data: PreviewData, common: dict[str, Any]):
    """``index_row_macro``, always the template's (Jinja's) macro."""
    from dataclasses import replace

    template = renderer.env.get_template(f"{TEMPLATE_DIR}/index.html.j2")
    # Made with no articles: the module's own page is then a few lines, and the macro reads only its argument
    # and the page's values.
    module = template.make_module({**renderer.values("../"), "page": "index", "fragment": lambda m, *a: m(*a),
                                   "period": None, "periods": (),
                                   **common, "data": replace(data, articles=())})
    row = getattr(module, "row", None)
    return row if isinstance(row, jinja2.runtime.Macro) else None


def fragment_maker(store, context: tuple) -> Callable[..., Markup]:
    """The ``fragment(macro, *args)`` the index and plan templates render their rows, weeks and days through:
    with a ``store`` (``smmgen.build.page_memo.FragmentStore``), a part whose macro, arguments and page ``context`` hash
    to a key the last build wrote is copied instead of rendered."""
    if store is None:
        return lambda macro, *args: macro(*args)
    # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
    page = hashlib.sha256(repr(context).encode()).hexdigest()

    def key(name: str, args: tuple) -> str:
        # What an argument shows, as plain values where it can say (a dataclass repr costs ten times more).
        shown = tuple(a.identity() if hasattr(a, "identity") else a for a in args)
        return hashlib.sha256(repr((page, name, shown)).encode()).hexdigest()

    def fragment(macro, *args) -> Markup:
        return Markup(store.get(key(macro.name, args), lambda: str(macro(*args)).encode()).decode())

    def keep(name: str, *args) -> None:
        # A part of a page not made again (``UNCHANGED``): kept for the build that next makes the page.
        store.keep(key(name, args))

    fragment.keep = keep        # type: ignore[attr-defined]
    return fragment


def _keep(fragment, name: str, *args) -> None:
    keep = getattr(fragment, "keep", None)
    if keep is not None:
        keep(name, *args)


def plan_values(result, data: PreviewData) -> dict[str, Any]:
    from smmgen.config.accounts import accounts

    site = result.site
    every = agenda.planned(result.outputs, [p.name for p in site.platforms])
    # Posts that never go out stay off the calendar (an adopted archive would fill years of it); the page
    # counts them, and names each one the plan had no slot for.
    slots = [s for s in every if s.hold is None]
    held = [s for s in every if s.hold is not None]
    pages = {v.source: v.page for v in data.articles if v.page}
    days = agenda.days(slots, site.timezone)
    return {
        "every": every,
        "slots": slots,
        "days": days,
        "weeks": agenda.weeks(slots, site.timezone, days),
        "held": Counter(s.held for s in held),
        "unplaced": [s for s in held if s.held == "unplaced"],
        "article_pages": pages,
        "titles": dict(data.platforms),
        "accents": {name: look_for(name).accent for name, _ in data.platforms},
        "handles": {a.name: a.handle for a in accounts(site)},      # the account each post goes to
    }


def render_error_page(messages: list[str], layouts: Layouts | None = None, up: str = "../") -> bytes:
    """A page listing ``file:line: message`` lines, for a page the failed build has no content for.

    ``up`` is the way from the page to the output dir ("../" for preview/index.html).
    """
    renderer = Renderer(layouts or Layouts(None))
    return renderer.render("errors.html.j2", up, page="errors", messages=messages)


def template_error_message(error: jinja2.TemplateError) -> str:
    """``file:line: message`` for a broken preview template (a site override in layouts/preview/)."""
    where = getattr(error, "filename", None) or getattr(error, "name", None) or "layouts/preview"
    line = getattr(error, "lineno", None)
    return f"{where}:{line}: preview template error: {error}" if line else f"{where}: preview template error: {error}"
