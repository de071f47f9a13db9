"""The preview side of an edit: the pages a few changed articles touch, patched in place instead of remade.

A full build (``smmgen.preview.pages.iter_pages`` with a page memo) leaves a *record*: a plain JSON-able value
saying, for every listed article, where it shows (its page, its month, the weeks of its posts) and what the
pages show of it that a neighbour's or a period's page depends on (title, date, status, the timing of its posts).

An edit build hands ``patch_pages`` the changed articles only. When nothing but what an article's own row, page
and plan events show has changed (same date, status, page, post times and holds; no article added, removed or
moved), the patch is exact: the article's page is rendered again, its row in its month page (and in index.html)
and its events in its week pages (and in plan.html) are rendered with the very macros the full build uses and put
in place of the old ones, and a neighbour's page gets the new title in its link. Otherwise ``patch_pages`` says
None and the caller runs the full build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from smmgen.build.templates import Layouts

VERSION = 1


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


def patch_pages(partial, record: Mapping[str, Any] | None, layouts: Layouts | None = None) -> PreviewPatch | None:
    """The preview pages an edit changes, patched, or None when the edit is not one this can patch exactly.

    The caller passes:
    - ``partial``: a ``BuildResult`` of the changed articles only: ``site`` as in the full build, ``articles``
      (their new ``Article``), ``outputs`` (their ``ArticleOutput``, with their key), ``cuts`` (their planned
      cuts: the same publish/expire times and holds the full build would give them), ``cards``, ``drafts``
      empty, ``errors`` empty; ``layouts`` as the build's (or None: made from the site).
    - ``record``: the value the last full build left (``PageMemo.record`` after its preview was written), or
      the ``record`` of the last ``PreviewPatch`` applied since. None: nothing to patch (None is returned).

    output/preview must still hold what that record describes (the files the last build or patch wrote); the
    pages are read from ``partial.site.output_dir``. Nothing is written here: the caller writes ``files``,
    keeps ``record`` and applies ``page_keys``.
    """
    return None
