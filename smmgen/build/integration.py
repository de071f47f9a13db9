"""The site side of a build: the article pages carry their tags, and the cards sit where ``cards_base_url`` says.

``[integration]`` in smmgen.toml (written by ``smmgen init``) names what the site's generator reads:

===========  ==========================================  ===========================================
generator    tags                                        cards (``cards_dir``)
===========  ==========================================  ===========================================
hugo         data/smmgen/og.json, read by the partial    static/<path of cards_base_url>
             layouts/partials/smmgen/og.html
jekyll       _data/smmgen/og.json, read by the include   <path of cards_base_url> at the site root
             _includes/smmgen-og.html                    (Jekyll copies it as it is)
pages        one minimal page per article under          <pages_dir>/<path of cards_base_url>
             ``pages_dir`` (no generator: try the loop
             with ``python -m http.server``)
===========  ==========================================  ===========================================

The data file is keyed by what the generator knows of a page without smmgen's help, so translations, ugly
URLs and base paths change nothing: Hugo by ``.File.Path`` (relative to the page's content folder, which
per-language content folders share, so each key holds a list told apart by the page's file), Jekyll by
``page.path``. The tags are ``smmgen.build.og``'s, the same that go to output/og/.

Cards are copied, not linked: a link into output/ does not survive a deploy that uploads the folder. Every file
written is recorded in ``.smmgen/site-files.json`` (path, size, sha256); a file is rewritten only when its bytes
change, and a recorded file is deleted only when no build needs it any more and it still holds what smmgen wrote,
so nothing else in the site is ever deleted. Nothing is written outside the site folder: a target folder that
is, or lies in, a link leading out is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from smmgen.build.og import card_url, og_html, og_tags, og_values
from smmgen.config import schema as s
from smmgen.errors import ConfigError
from smmgen.output_files import atomic_write
from smmgen.site_files import inside

if TYPE_CHECKING:
    from smmgen.build.pipeline import BuildResult
    from smmgen.config.site import Site
    from smmgen.content.article import Article

GENERATORS = ("hugo", "jekyll", "pages")
RECORD = ".smmgen/site-files.json"
RECORD_FORMAT = "smmgen-site-files"
DATA_FILES = {"hugo": "data/smmgen/og.json", "jekyll": "_data/smmgen/og.json"}
TEMPLATES = {"hugo": "layouts/partials/smmgen/og.html", "jekyll": "_includes/smmgen-og.html"}
HEAD_LINES = {"hugo": '{{ partial "smmgen/og.html" . }}', "jekyll": "{% include smmgen-og.html %}"}
PUBLISHED = {"hugo": "static", "jekyll": ""}
"""Where each generator takes files to publish as they are, relative to its source folder."""


def _folder(value: Any) -> str:
    text = s.nonempty_string(value).strip().replace("\\", "/")
    if text.startswith("/") or ".." in text.split("/"):
        raise s.Invalid(f"a path inside the site folder, e.g. \"static/social-cards\", got {s.shown(value)}")
    return posixpath.normpath(text)


INTEGRATION_SCHEMA = {
    "generator": s.Field(s.choice(*GENERATORS), required=True,
                         doc="hugo, jekyll (tags in a data file the site's partial reads) or pages (a minimal "
                             "page per article, written by smmgen)."),
    "data_file": s.Field(_folder, doc="Hugo and Jekyll: the data file with every article's tags (default "
                                      "data/smmgen/og.json, _data/smmgen/og.json)."),
    "pages_dir": s.Field(_folder, doc="pages: the folder the article pages are written to, as published "
                                      "(default output/site)."),
    "cards_dir": s.Field(_folder, doc="The folder the site publishes at cards_base_url: output/cards/ is copied "
                                      "there. Unset: the cards are not copied."),
}


def problems(values: Mapping[str, Any]) -> list[s.Problem]:
    """What is wrong with ``[integration]`` as a whole (each key alone is checked by its schema)."""
    table = values.get("integration")
    if not table or not table.get("generator"):
        return []
    out = []
    generator = table["generator"]
    if table.get("data_file") and generator == "pages":
        out.append(s.Problem("integration.data_file", "only for hugo and jekyll (pages writes pages_dir)"))
    if table.get("pages_dir") and generator != "pages":
        out.append(s.Problem("integration.pages_dir", 'only for generator = "pages"'))
    if table.get("cards_dir") and not (values.get("site") or {}).get("cards_base_url"):
        out.append(s.Problem("integration.cards_dir", "needs [site] cards_base_url: the address the folder is "
                                                      "published at"))
    output = (values.get("site") or {}).get("output_dir") or "output"
    for key in ("data_file", "pages_dir", "cards_dir"):
        value = table.get(key)
        if not value:
            continue
        for sub in ("cards", "cuts", "og", "preview"):
            build_folder = posixpath.normpath(f"{output}/{sub}")
            if value == build_folder or value.startswith(build_folder + "/"):
                out.append(s.Problem(f"integration.{key}", f"{value} is inside {build_folder}/, which every "
                                                           "build empties: choose another folder"))
    return out


def settings(site: Site) -> dict[str, str] | None:
    """``[integration]`` with its defaults, or None when the site has none."""
    table = site.integration
    if not table:
        return None
    generator = table["generator"]
    out = {"generator": generator}
    if generator == "pages":
        out["pages_dir"] = table.get("pages_dir") or "output/site"
    else:
        out["data_file"] = table.get("data_file") or DATA_FILES[generator]
    if table.get("cards_dir"):
        out["cards_dir"] = table["cards_dir"]
    return out


def integrate(result: BuildResult) -> int:
    """Write the site side of a successful build (see the module's docstring); returns how many files changed.
    A site without ``[integration]`` gets nothing."""
    site = result.site
    chosen = settings(site)
    if chosen is None:
        return 0
    files: dict[str, bytes | Path] = {}           # path relative to the site -> bytes, or the card file to copy
    og_cards = _og_cards(result)
    if chosen["generator"] == "pages":
        files.update(pages(result, chosen["pages_dir"], og_cards))
    else:
        files[chosen["data_file"]] = data_file(result, chosen["generator"], og_cards)
    if "cards_dir" in chosen:
        for card in sorted({c.path for c in result.cards.values()}):
            files[f"{chosen['cards_dir']}/{card.removeprefix('cards/')}"] = site.output_dir / card
    return _write_all(site, files, {c.path: c.sha256 for c in result.cards.values()}, chosen)


def _og_cards(result: BuildResult) -> dict[str, Any]:
    """Each article's og card, as output/og/ takes it: the first og request's (request order is the build's)."""
    cards: dict[str, Any] = {}
    for req, card in result.cards.items():
        if req.target == "og":
            cards.setdefault(req.source, card)
    return cards


def _dumps(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


# --- the data file (Hugo, Jekyll) ----------------------------------------------------------------------------------

def page_key(article: Article, site: Site, generator: str) -> str:
    """What the site's template looks the article up by: Hugo's ``.File.Path`` (relative to the deepest content
    folder holding the file, a language's own or the site's), Jekyll's ``page.path`` (relative to its source)."""
    path = site.root / article.source
    roots = [site.source_dir or site.root]
    if generator == "hugo":
        roots += [lang.content_dir for lang in site.languages.values() if lang.content_dir is not None]
    holding = [r for r in roots if path.is_relative_to(r)]
    base = max(holding, key=lambda r: len(r.parts)) if holding else site.root
    return path.relative_to(base).as_posix()


def data_file(result: BuildResult, generator: str, og_cards: Mapping[str, Any]) -> bytes:
    """The tags of every article, keyed as ``page_key`` says. Hugo's keys hold lists (one file name can be in
    each language's content folder), each item with its ``source`` for the partial to tell them apart."""
    site = result.site
    pages: dict[str, Any] = {}
    for article in sorted(result.articles, key=lambda a: a.source):
        item = data_item(article, site, og_cards.get(article.source))
        key = page_key(article, site, generator)
        if generator == "hugo":
            pages.setdefault(key, []).append(item)
        else:
            pages[key] = item
    return _dumps({"format": "smmgen-og", "version": 1, "pages": pages})


def data_item(article: Article, site: Site, og_card: Any) -> dict[str, Any]:
    """The article's item in the data file: its tags as HTML and as values, with its file (``source``)."""
    tags = og_tags(article, site, og_card)
    return {"source": article.source, "html": og_html(tags), "tags": og_values(tags)}


HUGO_PARTIAL = """\
{{- /* Written by `smmgen init`. The Open Graph and Twitter tags of this page, as `smmgen build` writes them to
data/smmgen/og.json; nothing for a page without them. In the site's <head>: {{ partial "smmgen/og.html" . }}
Keyed by the file's path in its content folder; per-language content folders may share a path, so each key
holds a list, told apart by the file's path in the site (`source`). */ -}}
{{- with .File -}}
{{- $file := replace .Filename "\\\\" "/" -}}
{{- $path := replace .Path "\\\\" "/" -}}
{{- with site.Data.smmgen -}}{{- with .og -}}{{- with .pages -}}{{- with index . $path -}}
{{- range . -}}
{{- if strings.HasSuffix $file (printf "/%s" .source) }}
{{ .html | safeHTML -}}
{{- end -}}
{{- end -}}
{{- end -}}{{- end -}}{{- end -}}{{- end -}}
{{- end -}}
"""

JEKYLL_INCLUDE = """\
{%- comment -%}
Written by `smmgen init`. The Open Graph and Twitter tags of this page, as `smmgen build` writes them to
_data/smmgen/og.json; nothing for a page without them. In the site's <head>: {% include smmgen-og.html %}
{%- endcomment -%}
{%- assign smmgen_og = site.data.smmgen.og.pages[page.path] -%}
{%- if smmgen_og %}
{{ smmgen_og.html -}}
{%- endif -%}
"""

TEMPLATE_TEXT = {"hugo": HUGO_PARTIAL, "jekyll": JEKYLL_INCLUDE}


# --- minimal pages (no generator) ----------------------------------------------------------------------------------

PAGE = """\
<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{tags}</head>
<body>
<main>
<p><a href="{home}">{site}</a></p>
<h1>{title}</h1>
<p>{summary}</p>
{image}</main>
</body>
</html>
"""


def page_path(url: str, site: Site) -> str | None:
    """Where the page of ``url`` goes in the published folder: its path, ``index.html`` for one ending in "/";
    None for a URL on another host (an article whose ``url:`` points elsewhere) or one that would leave it."""
    parts, base = urlsplit(url), urlsplit(site.base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    path = unquote(parts.path)
    if path.endswith("/") or not path:
        path += "index.html"
    normal = posixpath.normpath("/" + path.lstrip("/")).lstrip("/")
    if not normal or normal.startswith("..") or "\0" in normal or normal != path.lstrip("/"):
        return None
    return normal


def _link(url: str, page: str, site: Site) -> str:
    """``url`` as a link from ``page`` (both in the published folder): relative where it is a page of the site,
    so the pages work wherever the folder is served (``python -m http.server``, ``smmgen serve``'s /site/) or
    opened from disk."""
    target = page_path(url, site)
    return url if target is None else posixpath.relpath(target, posixpath.dirname(page) or ".")


def pages(result: BuildResult, folder: str, og_cards: Mapping[str, Any]) -> dict[str, bytes]:
    """A minimal page per article carrying its tags, and an index linking them, under ``folder``."""
    from html import escape as e

    site = result.site
    out: dict[str, bytes] = {}
    listed = []
    index = index_page(site)
    for article, path in own_pages(result.articles, site):
        out[f"{folder}/{path}"] = article_page(article, path, site, og_cards.get(article.source))
        listed.append(index_line(article, index, site))
    out[f"{folder}/{index}"] = (
        f'<!doctype html>\n<html lang="{e(site.language)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(site.name)}</title>\n</head>\n<body>\n<h1>{e(site.name)}</h1>\n<ul>\n"
        + "".join(line + "\n" for line in listed) + "</ul>\n</body>\n</html>\n").encode()
    return out


def index_page(site: Site) -> str:
    """The path of the pages' index in the published folder."""
    return page_path(site.base_url + "/", site) or "index.html"


def own_pages(articles: Iterable[Article], site: Site) -> list[tuple[Article, str]]:
    """The articles that get a page, each with its path, in the order the index lists them (newest first): not
    one whose URL is on another host or is the index's, nor one whose page an article listed earlier has."""
    index = index_page(site)
    out, taken = [], set()
    for article in sorted(articles, key=lambda a: (a.date, a.source), reverse=True):
        path = page_path(article.url, site)
        if path is None or path in taken or path == index:
            continue
        taken.add(path)
        out.append((article, path))
    return out


def article_page(article: Article, path: str, site: Site, card: Any) -> bytes:
    """The minimal page of ``article`` at ``path`` in the published folder, showing its og card."""
    from html import escape as e

    image = ""
    if card is not None:
        src = _link(card_url(card.path, site) or f"{site.base_url}/{card.path}", path, site)
        image = f'<img src="{e(src)}" width="{card.width}" height="{card.height}" alt="{e(card.alt)}">\n'
    return PAGE.format(
        lang=e(article.lang), title=e(article.title), tags=og_html(og_tags(article, site, card)),
        home=e(_link(site.base_url + "/", path, site)), site=e(site.name), summary=e(article.summary),
        image=image).encode()


def index_line(article: Article, index: str, site: Site) -> str:
    """The article's line in the index (``index``: ``index_page``), without its line break."""
    from html import escape as e

    return f'<li><a href="{e(_link(article.url, index, site))}">{e(article.title)}</a></li>'


# --- writing, recording, pruning -----------------------------------------------------------------------------------

def _write_all(site: Site, files: Mapping[str, bytes | Path], card_shas: Mapping[str, str],
               chosen: Mapping[str, str]) -> int:
    root = site.root
    for key in ("data_file", "pages_dir", "cards_dir"):
        if key in chosen:
            _refuse_links_out(site, chosen[key], key)
    old = read_record(site)
    record: dict[str, list] = {}
    changed = 0
    checked: set[str] = set()
    for relative in sorted(files):
        source = files[relative]
        target = root / relative
        folder = posixpath.dirname(relative)
        if folder not in checked:                  # once per folder: a site may have thousands of cards
            _refuse_links_out(site, folder, _key_of(relative, chosen))
            checked.add(folder)
        if isinstance(source, Path):
            sha = card_shas.get(source.relative_to(site.output_dir).as_posix()) or _sha(source.read_bytes())
            size = source.stat().st_size
            known = old.get(relative)
            if known == [size, sha] and _regular_size(target) == size:
                record[relative] = known           # as smmgen wrote it, by size and the record: not read again
                continue
            data = source.read_bytes()
        else:
            data = source
            sha, size = _sha(data), len(data)
        try:
            changed += atomic_write(target, data, durable=False)
        except OSError as e:
            raise ConfigError(relative, None, f"cannot write: {e.strerror or e} (smmgen.toml [integration] puts "
                                              "it there; move what is in the way, or choose another folder)") from None
        record[relative] = [size, sha]
    for relative in sorted(old.keys() - record.keys()):
        target = root / relative
        # Only what smmgen wrote there and nobody changed since: anything else is the site owner's.
        if _refuses_outside(site, target) or _regular_size(target) != old[relative][0]:
            continue
        if _sha(target.read_bytes()) != old[relative][1]:
            continue
        target.unlink()
        changed += 1
        _remove_empty_folders(root, target.parent, chosen)
    write_record(site, record)
    return changed


def _key_of(relative: str, chosen: Mapping[str, str]) -> str:
    for key in ("cards_dir", "pages_dir", "data_file"):
        if key in chosen and (relative == chosen[key] or relative.startswith(chosen[key] + "/")):
            return key
    return "generator"


def _refuse_links_out(site: Site, relative: str, key: str) -> None:
    """A ConfigError when ``relative`` (a folder or file in the site) is or lies in a link leading out of it."""
    path = site.root / relative
    # The deepest part that exists decides: what is made below it is made inside it.
    existing = path
    while not os.path.lexists(existing) and existing != site.root:
        existing = existing.parent
    if inside(existing, site.root) is None:
        raise ConfigError("smmgen.toml", f"integration.{key}",
                          f"{site.rel(existing) if existing != path else relative} leads to "
                          f"{os.path.realpath(existing)}, outside the site folder; smmgen writes only inside it: "
                          "remove the link or choose another folder")


def _refuses_outside(site: Site, target: Path) -> bool:
    return inside(target.parent, site.root) is None


def _regular_size(path: Path) -> int | None:
    try:
        st = path.lstat()
    except OSError:
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _remove_empty_folders(root: Path, folder: Path, chosen: Mapping[str, str]) -> None:
    keep = {root / chosen[k] for k in ("cards_dir", "pages_dir") if k in chosen}
    while folder != root and folder not in keep and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def read_record(site: Site) -> dict[str, list]:
    """The files the last build wrote into the site: path -> [size, sha256]."""
    path = site.root / RECORD
    if inside(path, site.root) is None:
        return {}
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) and data.get("format") == RECORD_FORMAT else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, list) and len(v) == 2}


def write_record(site: Site, files: Mapping[str, list]) -> None:
    """One line per file, sorted: a committed record diffs as the files it lists change."""
    write_record_lines(site, [record_line(k, files[k]) for k in sorted(files)])


def record_line(path: str, known: list) -> str:
    """A file's line in the record, without the comma between lines."""
    return f"  {json.dumps(path, ensure_ascii=False)}: {json.dumps(known)}"


RECORD_HEAD = f'{{"format": "{RECORD_FORMAT}", "version": 1, "files": {{\n'
RECORD_TAIL = "}}\n"


def write_record_lines(site: Site, lines: list[str]) -> None:
    """The record of these lines (``record_line``, sorted by path)."""
    text = RECORD_HEAD + ",\n".join(lines) + ("\n" if lines else "") + RECORD_TAIL
    atomic_write(site.root / RECORD, text.encode(), durable=False)


def intact(site: Site) -> bool:
    """Whether every file the last build wrote into the site is still there at its size (a build with nothing
    new to do may then be skipped)."""
    if not site.integration:
        return True
    if not (site.root / RECORD).is_file():
        return False
    return all(_regular_size(site.root / relative) == known[0] for relative, known in read_record(site).items())

