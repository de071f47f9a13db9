"""Whole-site shortcuts for tests: every article of a site at once, every preview file at once. The build reads
and writes them one at a time (``smmgen.content.reading.read_articles``, ``smmgen.preview.iter_preview``)."""

from __future__ import annotations

from pathlib import Path

from smmgen.config.site import Site
from smmgen.content.article import Article
from smmgen.content.reading import read_articles
from smmgen.errors import SmmgenError
from smmgen.preview import iter_preview
from smmgen.preview.pages import Unchanged


def load_articles(site: Site) -> tuple[list[Article], list[SmmgenError]]:
    """The site's articles and the errors of those that could not be read."""
    loaded = read_articles(site)
    return loaded.articles, loaded.errors


def render_preview(result) -> dict[Path, bytes]:
    """Files of the preview, keyed by absolute path under the output dir."""
    return {path: data if isinstance(data, bytes) else b"".join(data) for path, data in iter_preview(result)
            if not isinstance(data, Unchanged)}
