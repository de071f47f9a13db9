"""Which files under content_dir are articles, as Hugo and Jekyll decide it.

=============================  ===========================================  ====================================
file or front matter           generator                                    smmgen
=============================  ===========================================  ====================================
``*.md``, ``*.markdown`` …     Hugo: md, markdown, mdown; Jekyll:           ``[site] markdown_extensions``
                               ``markdown_ext`` (markdown,mkdown,mkdn,mkd,md)
``_index.md``                  Hugo: a section's list page                  skipped: section pages
``bundle/index.md``, ``….md``  Hugo: the other Markdown files of a leaf      skipped: bundle resources
                               bundle are its resources, no pages
``_drafts/``                   Jekyll: drafts, built only with ``--drafts``  skipped: drafts
``headless: true``             Hugo: a bundle that is never a page          skipped: headless pages
``build: {render: never}``     Hugo: the page is not rendered; ``list:       skipped: unrendered pages
``build: {list: never}``       never``: it is in no list (nor in feeds)
``draft: true``                Hugo, Jekyll                                 read, then skipped: drafts
``cascade:`` in ``_index.md``  Hugo: headless, build, draft for the pages    skipped as above (a page's own
                               below the section                            value does not undo it)
``published: false``           Jekyll                                       read, then skipped: drafts
``[site] include``/``exclude`` (smmgen's own)                               skipped: excluded
``*.adoc``, ``*.org``, ``*.rst``,  Hugo: pages in other markup                  skipped: pages not in Markdown
``*.html`` with front matter
=============================  ===========================================  ====================================

A skipped file is counted with its reason, never dropped unnoticed: ``build`` and ``check`` print the counts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

SECTION_PAGES = "section pages"
DRAFTS = "drafts"
HEADLESS = "headless pages"
UNRENDERED = "unrendered pages"
RESOURCES = "bundle resources"
EXCLUDED = "excluded"
OTHER_MARKUP = "pages not in Markdown"
UNDATED = "undated pages"             # on a Hugo or Jekyll site: a page (about, docs) rather than a dated post

# The order in which skip counts are shown.
REASONS = (SECTION_PAGES, DRAFTS, HEADLESS, UNRENDERED, RESOURCES, EXCLUDED, OTHER_MARKUP, UNDATED)

_ONE = {SECTION_PAGES: "section page", DRAFTS: "draft", HEADLESS: "headless page", UNRENDERED: "unrendered page",
        RESOURCES: "bundle resource", OTHER_MARKUP: "page not in Markdown", UNDATED: "undated page"}

# Hugo's other content formats: pages smmgen cannot read, counted so that none goes unnoticed. An HTML file is
# a page only with front matter (else it is a file the site serves as it is).
OTHER_SUFFIXES = frozenset({".adoc", ".asciidoc", ".ad", ".org", ".pandoc", ".pdc", ".rst"})
HTML_SUFFIXES = frozenset({".html", ".htm"})


@dataclass(frozen=True)
class Found:
    """The article files under content_dir (sorted by their path inside it) and the files skipped by name."""

    paths: list[Path]
    skipped: tuple[tuple[Path, str], ...]      # (file, reason)


def discover(content_dir: Path, rules, root: Path | None = None) -> Found:
    """Every article file under ``content_dir``; ``rules`` is the site's ``ContentRules``; ``root``, the site
    folder, which a section page read for its ``cascade`` must not leave (default: ``content_dir``)."""
    if not content_dir.is_dir():
        return Found([], ())
    suffixes = {"." + ext for ext in rules.markdown_extensions}
    include = [_glob_regex(g) for g in rules.include]
    exclude = [_glob_regex(g) for g in rules.exclude]
    depth = len(content_dir.parts)
    # A dangling link is listed too: its article is reported missing (or refused), never skipped unnoticed.
    candidates: list[Path] = []
    others: list[Path] = []
    for path in content_dir.rglob("*"):
        suffix = path.suffix.lower()
        # The suffix first: most files under content_dir are images, which need no stat. Hidden files and
        # folders (.git, .github) are no content, as for Hugo and Jekyll.
        if suffix in suffixes:
            if not _hidden(path, depth) and (path.is_file() or path.is_symlink()):
                candidates.append(path)
        elif suffix in OTHER_SUFFIXES or suffix in HTML_SUFFIXES:
            if not _hidden(path, depth) and path.is_file() \
                    and (suffix in OTHER_SUFFIXES or _has_front_matter(path)):
                others.append(path)
    # Joined from parts: every path rglob gives starts with content_dir's, and Path.relative_to costs more.
    bundles = {path.parts[depth:-1] for path in candidates if path.name.rsplit(".", 1)[0] == "index"}
    cascades = {path.parts[depth:-1]: reason for path in candidates if path.name.rsplit(".", 1)[0] == "_index"
                and (reason := _cascaded(path, root or content_dir)) is not None}
    found: list[tuple[str, Path]] = []

    def excluded(inner: str) -> bool:
        return bool((include and not any(r.fullmatch(inner) for r in include))
                    or any(r.fullmatch(inner) for r in exclude))

    # The site's own include/exclude decide first: a page it leaves out (a Jekyll site's pages beside its
    # _posts folders) is excluded, whatever else it would be.
    skipped = [(inner, path, EXCLUDED if excluded(inner) else OTHER_MARKUP)
               for path in others for inner in ["/".join(path.parts[depth:])]]
    for path in candidates:
        parts = path.parts[depth:]
        inner = "/".join(parts)
        reason = EXCLUDED if (include or exclude) and excluded(inner) else skip_by_name(parts)
        if reason is None and bundles and _in_bundle(parts, bundles):
            reason = RESOURCES
        if reason is None and cascades:
            reason = next((cascades[parts[:i]] for i in range(len(parts) - 1, -1, -1) if parts[:i] in cascades),
                          None)
        if reason is None:
            found.append((inner, path))
        else:
            skipped.append((inner, path, reason))
    # Sorted by path relative to content/, so the order never depends on the file system.
    found.sort(key=lambda item: item[0])
    skipped.sort(key=lambda item: item[0])
    return Found([p for _, p in found], tuple((p, reason) for _, p, reason in skipped))


def skip_by_name(parts: tuple[str, ...]) -> str | None:
    """Why a file is no article from its path inside content_dir alone, or None."""
    if parts[-1].rsplit(".", 1)[0] == "_index":
        return SECTION_PAGES
    if "_drafts" in parts[:-1]:
        return DRAFTS
    return None


def alone(content_dir: Path, path: Path, rules, root: Path) -> bool:
    """Whether ``path`` (a file under ``content_dir``, there or not) is an article by ``discover``'s rules
    whatever its front matter says, and no other file's fate hangs on it: not hidden, skipped by name or by the
    site's include/exclude, no bundle's index or section page, in no leaf bundle nor below a section page with a
    ``cascade``. Such a file comes or goes and every other file is what it was (``smmgen.build.edit``)."""
    try:
        parts = path.relative_to(content_dir).parts
    except ValueError:
        return False
    if not parts or any(part.startswith(".") for part in parts) or skip_by_name(parts) is not None \
            or parts[-1].rsplit(".", 1)[0] == "index":
        return False
    inner = "/".join(parts)
    include = [_glob_regex(g) for g in rules.include]
    if (include and not any(r.fullmatch(inner) for r in include)) \
            or any(_glob_regex(g).fullmatch(inner) for g in rules.exclude):
        return False
    suffixes = {"." + ext for ext in rules.markdown_extensions}
    if path.suffix.lower() not in suffixes:
        return False
    for depth in range(len(parts)):
        folder = content_dir.joinpath(*parts[:depth])
        try:
            names = os.listdir(folder)
        except OSError:
            return False
        for name in names:
            stem, dot, ext = name.rpartition(".")
            if not dot or "." + ext.lower() not in suffixes:
                continue
            if (stem == "index" and depth > 0) or (stem == "_index" and _cascaded(folder / name, root) is not None):
                return False
    return True


def _cascaded(section_page: Path, root: Path) -> str | None:
    """Why the pages below a Hugo section page are no articles, from its ``cascade`` (a table, or a list of
    tables; one with a ``_target`` applies to some pages only and is left to the pages), or None. A section page
    that cannot be read cascades nothing: it is no article, and its pages are read as they are."""
    from smmgen.content.front_matter import parse, read_article_text
    from smmgen.errors import SmmgenError

    try:
        data = parse(read_article_text(section_page, section_page.name, root), section_page.name).data
    except (SmmgenError, RecursionError):
        return None
    cascade = _value(data, "cascade")
    for values in cascade if isinstance(cascade, list) else [cascade]:
        if not isinstance(values, Mapping) or _value(values, "_target") is not None \
                or _value(values, "target") is not None:
            continue
        skip = skip_by_front_matter(values)
        if skip is not None:
            return skip[0]
        if _value(values, "draft") is True:
            return DRAFTS
    return None


def _hidden(path: Path, depth: int) -> bool:
    return any(part.startswith(".") for part in path.parts[depth:])


def _has_front_matter(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            start = f.read(8)
    except OSError:
        return False
    return start.lstrip(b"\xef\xbb\xbf").startswith((b"---", b"+++"))


def _in_bundle(parts: tuple[str, ...], bundles: set[tuple[str, ...]]) -> bool:
    """Whether a file lies in a leaf bundle (a folder with an index file; never content_dir itself) without
    being its index."""
    folders = [parts[:i] for i in range(1, len(parts))]
    if parts[-1].rsplit(".", 1)[0] == "index":
        folders = folders[:-1]
    return any(folder in bundles for folder in folders)


def skip_by_front_matter(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(reason, key)`` when the front matter says the file is no page of its own, or None."""
    if _value(data, "headless") is True:
        return HEADLESS, _key(data, "headless")
    for key in ("build", "_build"):
        options = _value(data, key)
        if isinstance(options, Mapping):
            for option in ("render", "list"):
                value = next((v for k, v in options.items() if isinstance(k, str) and k.lower() == option), None)
                # Hugo's values: "never"; before Hugo 0.65, false.
                if value is False or (isinstance(value, str) and value.lower() == "never"):
                    return UNRENDERED, f"{_key(data, key)}.{option}"
    return None


def _key(data: Mapping[str, Any], name: str) -> str:
    # Hugo reads front-matter keys without regard to case.
    return next((k for k in data if isinstance(k, str) and k.lower() == name), name)


def _value(data: Mapping[str, Any], name: str) -> Any:
    return data.get(_key(data, name))


def counts(reasons: Iterable[str]) -> tuple[tuple[str, int], ...]:
    """``(reason, how many)`` in ``REASONS`` order, only reasons that occur."""
    tally: dict[str, int] = {}
    for reason in reasons:
        tally[reason] = tally.get(reason, 0) + 1
    return tuple((r, tally[r]) for r in REASONS if r in tally)


def describe(skipped: Iterable[tuple[str, int]]) -> str:
    """``"30 section pages, 1 draft"``."""
    return ", ".join(f"{n} {_ONE.get(reason, reason) if n == 1 else reason}" for reason, n in skipped)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob over paths inside content_dir: ``*`` and ``?`` stay within a folder, ``**`` spans folders, and a
    pattern without a slash matches a file name in any folder (as in .gitignore)."""
    if "/" not in pattern:
        pattern = "**/" + pattern
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    # A folder named by the pattern holds what is under it too ("drafts" or "drafts/" = everything in drafts/).
    return re.compile("".join(out).rstrip("/") + "(?:/.*)?")
