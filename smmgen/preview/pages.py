"""Rendering the preview pages from templates in ``layouts/preview/`` (site) over ``smmgen/defaults/preview/``.

Pages are self-contained: the stylesheet and script are inlined, images are referenced relatively, and a
Content-Security-Policy allows nothing else, so a page opened from disk makes no request to anywhere. Output
depends only on the build: no timestamps, stable order, so the same inputs give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import jinja2
from markupsafe import Markup

from ..layouts import Layouts
from . import agenda
from .looks import look_for
from .model import STATUSES, PreviewData, preview_data

TEMPLATE_DIR = "preview"


class Renderer:
    """The preview's Jinja environment (autoescaping on) with the inlined script and its CSP hash."""

    def __init__(self, layouts: Layouts):
        self.env = layouts.html
        self.script = self._source("preview.js")
        self.script_hash = "sha256-" + base64.b64encode(hashlib.sha256(self.script.encode()).digest()).decode()

    def _source(self, name: str) -> str:
        source, _, _ = self.env.loader.get_source(self.env, f"{TEMPLATE_DIR}/{name}")  # type: ignore[union-attr]
        return source

    def render(self, name: str, up: str, **values: Any) -> bytes:
        template = self.env.get_template(f"{TEMPLATE_DIR}/{name}")
        html = template.render(up=up, script=Markup(self.script), csp=Markup(self.csp), statuses=STATUSES, **values)
        return (html.rstrip("\n") + "\n").encode()

    @property
    def csp(self) -> str:
        # 'self' lets `smmgen serve` add its reload script and poll for new builds; from disk there is neither.
        return ("default-src 'none'; img-src 'self' data: file:; style-src 'unsafe-inline'; "
                f"script-src '{self.script_hash}' 'self'; connect-src 'self'; base-uri 'none'; "
                "form-action 'none'")


def render_pages(result, layouts: Layouts | None = None, reuse=None) -> dict[str, bytes]:
    """Every preview file, keyed by its path relative to the output dir.

    ``reuse`` (the build cache's page memo: ``get(path, key) -> bytes | None`` and ``put(path, key)``) gives
    back an article page whose inputs hash to the same key as when it was last written, instead of rendering it.
    """
    site = result.site
    renderer = Renderer(layouts or Layouts(site.layouts_dir))
    data = preview_data(result)
    files: dict[str, bytes] = {}
    common = {"data": data, "site": site}
    files["preview/index.html"] = renderer.render("index.html.j2", "../", page="index", **common)
    listed = [view for view in data.articles if view.page]
    shared = (data.site_name, data.timezone, data.platforms, data.errors, data.error_count, renderer.script_hash)
    for here, view in enumerate(listed):
        path = f"preview/{view.page}"
        key = None
        if reuse is not None:
            # Everything the page shows: its article, its neighbours' links, the build's errors banner.
            neighbours = tuple((v.page, v.title) for v in listed[max(0, here - 1):here + 2] if v is not view)
            # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
            key = hashlib.sha256(repr((view, neighbours, here == 0, shared)).encode()).hexdigest()
            page = reuse.get(path, key)
            if page is not None:
                files[path] = page
                reuse.put(path, key)
                continue
        files[path] = renderer.render("article.html.j2", "../../", page="article", article=view,
                                      listed=listed, here=here, **common)
        if reuse is not None:
            reuse.put(path, key)
    files["preview/plan.html"] = renderer.render("plan.html.j2", "../", page="plan", **plan_values(result, data),
                                                 **common)
    for relative, source in sorted(data.avatars.items()):
        files[relative] = source.read_bytes()
    return files


def plan_values(result, data: PreviewData) -> dict[str, Any]:
    site = result.site
    slots = agenda.slots(result.entries, [p.name for p in site.platforms])
    pages = {v.source: v.page for v in data.articles if v.page}
    return {
        "slots": slots,
        "days": agenda.days(slots, site.timezone),
        "weeks": agenda.weeks(slots, site.timezone),
        "article_pages": pages,
        "titles": dict(data.platforms),
        "accents": {name: look_for(name).accent for name, _ in data.platforms},
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
