"""The preview side of an edit: the pages a few changed articles touch, patched in place instead of remade.

A full build (``smmgen.preview.pages.iter_pages`` with a page memo) leaves a *record*: a plain JSON-able value
with, for every listed article in listing order, its page, its title (its neighbours' pages show it) and a mark
of what must not change for a patch to hold (its date, its status, the ids, times and holds of its posts); and
the weeks plan.html opens on, the newest month, a hash of what every page shows of the site.

An edit build hands ``patch_pages`` the changed articles only. When nothing but what an article's own row, page
and plan events show has changed (same mark and page; no article added, removed or moved), the patch is exact:
the article's page is rendered again; its row in its month page (and in index.html) is rendered with the index
template's ``row`` macro and put in place of the row that links to its page; each of its plan events, rendered
with the plan template's ``item`` macro with the old title and with the new, is swapped in its week page (and in
plan.html); a neighbour's page gets the new title in its link. Each old part is found by what it is, and must be
found exactly once, so a page that is not what the record describes is refused rather than patched wrongly.
Otherwise (and for a site with its own preview templates, whose markup this does not know) ``patch_pages`` says
None and the caller runs the full build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import escape

from smmgen.build.layout_dirs import DEFAULTS_DIR
from smmgen.build.templates import Layouts
from smmgen.preview import agenda, periods

VERSION = 2
TEMPLATES = ("index.html.j2", "article.html.j2", "plan.html.j2", "base.html.j2", "post.html.j2")
"""The templates whose markup the patch finds its places by: a site's own version of any of them leaves no
record (its pages are remade by the full build)."""


@dataclass(frozen=True)
class PreviewPatch:
    """What an edit changes in output/preview, as ``patch_pages`` found it."""

    files: tuple[tuple[str, bytes], ...]
    """``(path relative to output/, new bytes)`` of every page to replace (each differs from the file there)."""
    record: dict[str, Any]
    """The record for the next edit: the one given with the changed articles' values."""
    page_keys: Mapping[str, str | None]
    """Page memo keys (``BuildCache.pages``) to set (str) or to forget (None) for the pages written: a page
    patched in place no longer holds what its old key vouched for."""


class _Unsure(Exception):
    """The edit is not one the record can patch exactly: the full build makes the pages."""


def record_of(layouts: Layouts, renderer, data, listed: Sequence, plan: Mapping[str, Any]) -> dict | None:
    """What a full build's preview leaves for ``patch_pages`` (``listed``: the article views with a page,
    newest first; ``plan``: the plan's slots, held ones too, and the keys of the weeks plan.html opens on), or
    None when its pages are not ones an edit can patch (a site's own templates, a build with errors)."""
    if data.error_count or data.errors or not default_templates(layouts):
        return None
    by_source: dict[str, list] = {}
    for slot in plan["slots"]:
        by_source.setdefault(slot.source, []).append(slot)
    tz = ZoneInfo(data.timezone)
    # Flat lists of strings, in listing order: at 10,000 articles the record is read in a tenth of the time
    # a list per article would take.
    return {"version": VERSION, "context": _context(renderer, data), "sources": [v.source for v in listed],
            "pages": [v.page for v in listed], "titles": [v.title for v in listed],
            "marks": [_mark(v, by_source.get(v.source, ())) for v in listed], "opening": list(plan["opening"]),
            "front": periods.month_of(listed[0].date_iso, tz).strftime("%Y-%m") if listed else None}


def patch_pages(partial, record: Mapping[str, Any] | None, layouts: Layouts | None = None) -> PreviewPatch | None:
    """The preview pages an edit changes, patched, or None when the edit is not one this can patch exactly.

    The caller passes:
    - ``partial``: a ``BuildResult`` of the changed articles only: ``site`` as in the full build, ``articles``
      (their new ``Article``), ``outputs`` (their ``ArticleOutput``, with their key), ``cuts`` (their planned
      cuts: the same publish/expire times and holds the full build would give them), ``cards``, ``drafts``
      empty, ``errors`` empty; ``layouts`` as the build's (or None: made from the site).
    - ``record``: the value the last full build left (``PageMemo.record`` after its preview was written), or
      the ``record`` of the last ``PreviewPatch`` applied since. None: nothing to patch (None is returned).

    The site's config must be the one of the build that left the record (the build cache's fingerprint
    says so). output/preview must still hold what that record describes (the files the last build or patch
    wrote); the pages are read from ``partial.site.output_dir``. Nothing is written here: the caller writes
    ``files``, keeps ``record`` and applies ``page_keys``.
    """
    if record is None or record.get("version") != VERSION or partial.errors or getattr(partial, "drafts", ()):
        return None
    site = partial.site
    layouts = layouts or getattr(partial, "layouts", None) or Layouts(site.layouts_dir, root=site.root)
    if not default_templates(layouts):
        return None
    try:
        return _Patch(partial, record, layouts).run()
    except _Unsure:
        return None


class _Patch:
    def __init__(self, partial, record: Mapping[str, Any], layouts: Layouts):
        from smmgen.preview.model import preview_data
        from smmgen.preview.pages import Renderer

        self.partial = partial
        self.site = partial.site
        self.record = record
        self.renderer = Renderer(layouts)
        self.data = preview_data(partial)
        self.tz = ZoneInfo(self.data.timezone)
        self.pages = _Pages(self.site.output_dir)
        self.keys: dict[str, str | None] = {}

    def run(self) -> PreviewPatch | None:
        data, record = self.data, self.record
        if data.error_count or data.errors or _context(self.renderer, data) != record["context"]:
            return None
        views = list(data.articles)
        if not views or len({v.source for v in views}) != len(views):
            return None
        slots: dict[str, list[agenda.Slot]] = {}
        for slot in agenda.planned(self.partial.outputs, [name for name, _ in data.platforms]):
            slots.setdefault(slot.source, []).append(slot)
        sources: list[str] = record["sources"]
        pages: list[str] = record["pages"]
        old: list[str] = record["titles"]
        titles = list(old)
        position: dict[str, int] = {}
        for view in views:
            try:
                here = sources.index(view.source)
            except ValueError:
                return None                 # a new article
            mark = record["marks"][here]
            # Where it is listed, the counts of the pages' headers and the plan's days: all as they were (the
            # titles of posts the plan found no slot for are listed on plan.html).
            if view.page != pages[here] or _mark(view, slots.get(view.source, ())) != mark \
                    or (mark.startswith(UNPLACED) and view.title != old[here]):
                return None
            position[view.source] = here
            titles[here] = view.title
        changed = set(position.values())
        for view in views:
            self._article_page(view, position[view.source], pages, titles)
        for view in views:
            if view.title != old[position[view.source]]:
                self._neighbours(view, position[view.source], pages, old, changed)
        self._rows(views, record["front"])
        retitled = [(v, slots.get(v.source, ()), old[position[v.source]]) for v in views
                    if v.title != old[position[v.source]]]
        if retitled:
            self._plan(retitled, set(record["opening"]))
        return PreviewPatch(files=self.pages.changed(), record={**record, "titles": titles}, page_keys=self.keys)

    def _article_page(self, view, here: int, pages: Sequence[str], titles: Sequence[str]) -> None:
        """The article's own page, rendered as the full build renders it."""
        from smmgen.preview.pages import article_page_key

        listing = _Listing(pages, titles, here, view)
        month = periods.month_period(periods.month_of(view.date_iso, self.tz)).page
        data = self.data
        shared = (data.site_name, data.timezone, data.platforms, data.errors, data.error_count,
                  self.renderer.script_hash)
        neighbours = tuple((pages[n], titles[n]) for n in (here - 1, here + 1) if 0 <= n < len(pages))
        path = f"preview/{view.page}"
        self.pages.set(path, self.renderer.render("article.html.j2", "../../", page="article", article=view,
                                                  listed=listing, here=here, index_page=month, data=data,
                                                  site=self.site))
        self.keys[path] = article_page_key(view, neighbours, here == 0, month, shared)

    def _neighbours(self, view, here: int, pages: Sequence[str], old: Sequence[str], changed: set[int]) -> None:
        """The pages either side link to this one with its title: the new title put in its place."""
        before, after = escape(old[here]), escape(view.title)
        for n, label in ((here - 1, "older ›"), (here + 1, "‹ newer")):
            if not 0 <= n < len(pages) or n in changed:
                continue                    # no such neighbour, or one rendered whole
            path = f"preview/{pages[n]}"
            link = f'<a href="../../preview/{view.page}" title="{{}}">{label}</a>'
            self.pages.swap(path, link.format(before).encode(), link.format(after).encode())
            self.keys[path] = None

    def _rows(self, views: Iterable, front: str | None) -> None:
        """Each article's row in its month page (and in index.html for the newest month), rendered with the
        index template's ``row`` macro as the full build renders it, in place of the old row."""
        from smmgen.preview.pages import index_row_macro

        row = index_row_macro(self.renderer, self.data, {"data": self.data, "site": self.site})
        if row is None:
            raise _Unsure
        for view in views:
            new = str(row(view)).encode()
            if not (new.startswith(b'<tr class="row"') and new.endswith(b"</tr>") and new.count(b"</tr>") == 1):
                raise _Unsure
            month = periods.month_of(view.date_iso, self.tz)
            paths = [f"preview/{periods.month_period(month).page}"]
            if month.strftime("%Y-%m") == front:
                paths.append("preview/index.html")
            link = f'<a class="title-link" href="../preview/{view.page}">'.encode()
            for path in paths:
                self.pages.swap_row(path, link, new)
                self.keys[path] = None

    def _plan(self, changes: Sequence[tuple[Any, Sequence[agenda.Slot], str]], opening: set[str]) -> None:
        """Each event of a retitled article's posts, in its week page (and in plan.html when plan.html shows
        the week), rendered with the plan template's ``item`` macro, old title and new, swapped."""
        item = self._item_macro()
        for _view, slots, title in changes:
            shown = [s for s in slots if s.hold is None]
            for event in agenda.events(shown, self.tz):
                week = periods.week_period(event.at.date() - dt.timedelta(days=event.at.weekday()))
                paths = [f"preview/{week.page}"] + (["preview/plan.html"] if week.key in opening else [])
                before = replace(event, slot=replace(event.slot, title=title))
                for compact in (True, False):
                    old, new = str(item(before, compact)).encode(), str(item(event, compact)).encode()
                    for path in paths:
                        self.pages.swap(path, old, new)
                        self.keys[path] = None

    def _item_macro(self):
        from smmgen.config.accounts import accounts
        from smmgen.preview.looks import look_for

        data = self.data
        template = self.renderer.env.get_template("preview/plan.html.j2")
        pages = {v.source: v.page for v in data.articles if v.page}
        # Bound as on a plan page (made with no weeks: the module's own page is then a few lines).
        module = template.make_module({
            **self.renderer.values("../"), "page": "plan", "fragment": lambda m, *a: m(*a), "period": None,
            "periods": (), "data": data, "site": self.site, "slots": [], "days": [], "weeks": [],
            "held": {}, "unplaced": [], "opening": [], "total": 0, "article_pages": pages,
            "titles": dict(data.platforms), "accents": {name: look_for(name).accent for name, _ in data.platforms},
            "handles": {a.name: a.handle for a in accounts(self.site)}})
        return module.item


class _Listing:
    """``listed`` for an article page rendered alone: its length and its neighbours, as the record has them."""

    def __init__(self, pages: Sequence[str], titles: Sequence[str], here: int, view):
        self.pages, self.titles, self.here, self.view = pages, titles, here, view

    def __len__(self) -> int:
        return len(self.pages)

    def __getitem__(self, n: int):
        if n == self.here:
            return self.view
        if n not in (self.here - 1, self.here + 1) or not 0 <= n < len(self.pages):
            raise _Unsure               # the page shows more of the listing than its neighbours
        return _Neighbour(self.pages[n], self.titles[n])


@dataclass(frozen=True)
class _Neighbour:
    page: str
    title: str


class _Pages:
    """Pages of output/ read once, patched in memory."""

    def __init__(self, out: Path):
        self.out = out
        self.new: dict[str, bytes] = {}

    def get(self, path: str) -> bytes:
        if path in self.new:
            return self.new[path]
        try:
            return (self.out / path).read_bytes()
        except OSError:
            raise _Unsure from None

    def set(self, path: str, data: bytes) -> None:
        self.new[path] = data

    def swap(self, path: str, old: bytes, new: bytes) -> None:
        """``old``, found exactly once in the page, replaced by ``new``."""
        page = self.get(path)
        at = page.find(old)
        if at < 0 or page.find(old, at + 1) >= 0:
            raise _Unsure
        self.new[path] = page[:at] + new + page[at + len(old):]

    def swap_row(self, path: str, link: bytes, new: bytes) -> None:
        """The index row holding ``link`` (found exactly once) replaced by ``new``: a row is ``<tr class="row"
        ...</tr>`` and holds no other (the texts in it are escaped)."""
        page = self.get(path)
        at = page.find(link)
        if at < 0 or page.find(link, at + 1) >= 0:
            raise _Unsure
        start, end = page.rfind(b'<tr class="row"', 0, at), page.find(b"</tr>", at)
        if start < 0 or end < 0:
            raise _Unsure
        self.new[path] = page[:start] + new + page[end + len(b"</tr>"):]

    def changed(self) -> tuple[tuple[str, bytes], ...]:
        out = []
        for path, data in sorted(self.new.items()):
            try:
                same = (self.out / path).read_bytes() == data
            except OSError:
                same = False
            if not same:
                out.append((path, data))
        return tuple(out)


def _mark(view, slots: Sequence[agenda.Slot]) -> str:
    """What an edit must leave as it was for the patch to hold: the article's date and status, and what the
    plan shows of its posts besides their title (ids, accounts, times, kinds of hold); marked ``UNPLACED``
    when the plan found no slot for one of them. Made for every article of every full build: plain bytes
    hashed, not a repr (ten times the cost)."""
    times = array("q")
    for s in slots:
        times.append(int(s.publish_at.timestamp()))
        times.append(int(s.expire_at.timestamp()) if s.expire_at is not None else -1)
        times.append(_HOLDS.index(s.held) if s.held in _HOLDS else len(_HOLDS))
        times.append(int(s.retracted))
    names = "\0".join([view.date_iso, view.status, *(f"{s.id}\0{s.platform}\0{s.account}" for s in slots)])
    unplaced = UNPLACED if any(s.held == "unplaced" for s in slots) else ""
    return unplaced + hashlib.sha256(names.encode() + b"\1" + times.tobytes()).hexdigest()[:24]


UNPLACED = "!"


_HOLDS = (None, "adopted", "not_before", "unplaced")


def _context(renderer, data) -> str:
    """What every page shows of the site: the patch holds only while it is the same."""
    from smmgen.preview.looks import look_for

    sources = [renderer._source(name) for name in TEMPLATES]
    accents = [look_for(name).accent for name, _ in data.platforms]
    return hashlib.sha256(repr((VERSION, data.site_name, data.timezone, data.platforms, data.accounts,
                                renderer.script_hash, accents, sources)).encode()).hexdigest()


def default_templates(layouts: Layouts) -> bool:
    """Every preview template is the one smmgen ships (a site's own may show any article anywhere)."""
    defaults = DEFAULTS_DIR.resolve()
    for name in TEMPLATES:
        found = layouts.find(f"preview/{name}")
        if found is not None and not found.resolve().is_relative_to(defaults):
            return False
    return True
