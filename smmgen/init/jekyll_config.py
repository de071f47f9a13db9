"""A Jekyll site's configuration (_config.yml, its collections and defaults, the ``_posts`` folders Jekyll reads)
as ``Findings`` for ``smmgen init``; which key gives which setting: smmgen.init.generators."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smmgen.config.controls import FORBIDDEN
from smmgen.init.generators import (
    JEKYLL_FILES,
    Findings,
    Setting,
    collect_accounts,
    file_present,
    followed_permalinks,
    get,
    invisible,
    is_language_code,
    read_config,
    site_folder,
    string_setting,
    timezone_setting,
    url_setting,
)


def read_jekyll(root: Path) -> Findings:
    found = Findings("jekyll")
    path = next(root / n for n in JEKYLL_FILES if file_present(root / n))
    data = read_config(root, path)
    name = path.name
    found.files = [name]
    title = data.get("title")
    string_setting(found, "name", title if title else data.get("name"), name, "title" if title else "name")
    url, baseurl = data.get("url"), data.get("baseurl")
    if isinstance(url, str) and isinstance(baseurl, str) and baseurl.strip("/"):
        url_setting(found, url.rstrip("/") + "/" + baseurl.strip("/"), name, "url + baseurl")
    else:
        url_setting(found, url, name, "url")
    timezone_setting(found, data.get("timezone"), name, "timezone")
    for key in ("lang", "locale"):
        value = data.get(key)
        if is_language_code(value):
            found.site["language"] = Setting(value.replace("_", "-"), f"{name}: {key}")
            break

    languages = data.get("languages")              # jekyll-polyglot
    if isinstance(languages, list):
        found.languages = [lang for lang in languages if is_language_code(lang)]
        # Polyglot writes every language but the default one under /<lang>/.
        default = data.get("default_lang") if is_language_code(data.get("default_lang")) else \
            found.site["language"].value if "language" in found.site else found.languages[:1] or [None]
        default = default[0] if isinstance(default, list) else default
        found.language_settings = {lang: {"prefix": "" if lang == default else f"/{lang}"}
                                   for lang in found.languages}
        if len(found.languages) > 1:
            found.missing.append(f"languages: {', '.join(found.languages)}: smmgen.toml has one `language`, for "
                                 "articles without `lang:`; the others need `lang:` (and `url:` where their "
                                 "address differs)")
    extensions = data.get("markdown_ext")
    if isinstance(extensions, str):
        chosen = [e.strip().lstrip(".").lower() for e in extensions.split(",")]
        if chosen and all(re.fullmatch(r"[a-z0-9]{1,16}", e) for e in chosen):
            found.site["markdown_extensions"] = Setting(",".join(dict.fromkeys(chosen)), f"{name}: markdown_ext")
    separator = data.get("excerpt_separator")
    if isinstance(separator, str) and separator.strip() and not FORBIDDEN.search(separator):
        found.site["excerpt_separator"] = Setting(separator, f"{name}: excerpt_separator")
    source = site_folder(found, root, data.get("source"), f"{name}: source")
    collections_dir = site_folder(found, root, data.get("collections_dir"), f"{name}: collections_dir")
    base = "/".join(p for p in (source, collections_dir) if p)
    posts = f"{base}/_posts" if base else "_posts"
    folders, unread = _posts_folders(root / base if base else root, data.get("exclude"))
    if folders and folders != ["_posts"]:
        # Jekyll reads a _posts folder anywhere in the site (en/news/_posts): the folder above them all is read,
        # only the files in a _posts folder are articles, and the folders above _posts are their categories.
        common = posixpath.commonpath([posixpath.dirname(f) for f in folders])
        posts = "/".join(p for p in (base, common) if p) or "."
        found.site["content_dir"] = Setting(posts, f"the folder holding Jekyll's posts folders: "
                                                   f"{', '.join(folders[:3])}{' …' if len(folders) > 3 else ''}")
        found.include = ["**/_posts/**"]
        prefix = f"{common}/" if common else ""
        found.exclude = [f"{f.removeprefix(prefix)}/**" for f in unread if f.startswith(prefix)]
    else:
        found.site["content_dir"] = Setting(posts, f"{name}: Jekyll's posts folder")
    collections = data.get("collections")
    names = list(collections) if isinstance(collections, (Mapping, list)) else []
    found.other_content_dirs = [f"{base}/_{c}" if base else f"_{c}" for c in names
                                if isinstance(c, str) and c != "posts"]

    pattern, where = data.get("permalink") or "date", "permalink"
    posts_conf = get(collections, "posts") if isinstance(collections, Mapping) else None
    if isinstance(get(posts_conf, "permalink"), str):
        pattern, where = get(posts_conf, "permalink"), "collections.posts.permalink"
    rules = {"posts": pattern}
    for label in names:
        if isinstance(label, str) and label != "posts" and isinstance(get(collections, label, "permalink"), str):
            rules[label] = get(collections, label, "permalink")
    defaults = data.get("defaults")
    for i, rule in enumerate(defaults if isinstance(defaults, list) else []):
        scope, values = get(rule, "scope"), get(rule, "values")
        kind = get(scope, "type")
        if isinstance(kind, str) and not get(scope, "path") and isinstance(get(values, "permalink"), str):
            rules[kind], where = get(values, "permalink"), f"defaults[{i}].values.permalink"
        image = get(values, "image")
        if not get(scope, "path") and kind in (None, "posts"):
            # jekyll-seo-tag's site-wide image: a path, or {path, alt}
            path, alt = (get(image, "path"), get(image, "alt")) if isinstance(image, Mapping) else (image, None)
            if isinstance(path, str) and path.strip() and not invisible(path):
                found.default_image = path
                found.default_image_alt = alt.strip() if isinstance(alt, str) and alt.strip() \
                    and not invisible(alt) else None
    found.permalink_rules = followed_permalinks(found, rules, "jekyll", f"{name}: {where}")
    if isinstance(data.get("source"), str):
        found.source_dir = source
    excluded = {e.strip("/") for e in data["exclude"] if isinstance(e, str)} \
        if isinstance(data.get("exclude"), list) else set()
    unpublished = [f for f in ("output", "smmgen.toml") if f not in excluded]
    if unpublished and not source:
        # Jekyll copies every folder it does not exclude: output/manifest.json holds posts not yet due.
        found.missing.append(f"{name}: exclude: add {' and '.join(unpublished)}, or Jekyll publishes smmgen's "
                             "files with the site (output/manifest.json holds posts not yet due)")
    for key, mode in (("social", None), ("social_links", None), ("author", "only"), ("minima.social_links", None)):
        value = get(data, *key.split("."))
        if value is not None:
            collect_accounts(found, value, mode, name, key)
    collect_accounts(found, data, "only", name, "")
    return found


# Folders Jekyll never reads (its default `exclude`), besides those starting with ".", "_", "#" or "~".
JEKYLL_EXCLUDED = frozenset({"node_modules", "vendor", "gemfiles"})
MAX_SCANNED_FOLDERS = 20_000


def _posts_folders(base: Path, exclude: Any) -> tuple[list[str], list[str]]:
    """The ``_posts`` folders under ``base`` (relative to it, sorted) that Jekyll reads, and those it does not:
    in a folder that is hidden, its own (``_name``) or excluded."""
    excluded = {e.strip("/") for e in exclude if isinstance(e, str)} if isinstance(exclude, list) else set()
    read: list[str] = []
    unread: list[str] = []
    for scanned, (folder, subfolders, _files) in enumerate(os.walk(base)):
        if scanned > MAX_SCANNED_FOLDERS:
            break
        rel = Path(folder).relative_to(base).as_posix()
        parts = [] if rel == "." else rel.split("/")
        if "_posts" in subfolders:
            skipped = any(p.startswith((".", "_", "#", "~")) or p in JEKYLL_EXCLUDED for p in parts) \
                or any("/".join(parts[:i]) in excluded for i in range(1, len(parts) + 1))
            (unread if skipped else read).append("/".join([*parts, "_posts"]))
        subfolders[:] = sorted(d for d in subfolders if not d.startswith(".") and d not in ("node_modules", "_site")
                               and d != "_posts")
    return sorted(read), sorted(unread)
