"""What a Hugo or Jekyll site's own configuration says that smmgen.toml needs (for ``smmgen init``).

The generator's files are untrusted input, read the way smmgen reads its own: YAML with the front-matter
loader (a SafeLoader), TOML with tomllib, JSON with json, each at most 1 MB, never through a symbolic link that
leaves the site. A file that cannot be read is a ``ConfigError`` naming it and the line; nothing is guessed
around it. Settings smmgen has no key for are kept as notes, to be written as comments.

Where each setting lives:

=================  ===========================================  ==============================================
smmgen.toml        Hugo (hugo.*, config.*, config/_default/*)  Jekyll (_config.yml)
=================  ===========================================  ==============================================
site.name          title                                        title (or name)
site.base_url      baseURL                                      url + baseurl
site.timezone      timeZone                                     timezone
site.language      defaultContentLanguage, languageCode         lang, locale
site.content_dir   contentDir + the main section                source + collections_dir + _posts
site.generator     hugo                                         jekyll
site.permalinks    permalinks.<section> (as written)            permalink, collections.<c>.permalink, defaults
site.languages     languages, defaultContentLanguageInSubdir    (none)
site.source_dir    contentDir                                   source
site.default_image (none)                                       defaults: values.image (its alt: …_alt)
platforms.*        social, params.social, params.<network> …    twitter.username, social.links, author …
=================  ===========================================  ==============================================
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smmgen.config.controls import FORBIDDEN
from smmgen.config.site import MARKDOWN_EXTENSIONS
from smmgen.config.toml_text import MAX_DEPTH, nesting_depth, toml_loads
from smmgen.errors import ConfigError, ContentError
from smmgen.init.handles import Account, account, accounts_in, platform_named
from smmgen.site_files import inside

MAX_CONFIG_BYTES = 1024 * 1024
HUGO_FILES = tuple(f"{stem}.{ext}" for stem in ("hugo", "config") for ext in ("toml", "yaml", "yml", "json"))
HUGO_DIR = "config/_default"
JEKYLL_FILES = ("_config.yml", "_config.yaml", "_config.toml")
MAIN_SECTIONS = ("posts", "post", "blog", "articles", "news")


@dataclass(frozen=True)
class Setting:
    value: str
    source: str          # where it was found, e.g. "hugo.toml: baseURL"


@dataclass
class Findings:
    """What a generator's configuration says, as smmgen settings; filled by ``read_hugo``/``read_jekyll``."""

    generator: str
    files: list[str] = field(default_factory=list)
    site: dict[str, Setting] = field(default_factory=dict)        # smmgen [site] key -> value
    accounts: dict[str, tuple[Account, str]] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    other_content_dirs: list[str] = field(default_factory=list)
    permalink_rules: dict[str, str] = field(default_factory=dict)   # as the generator writes them
    language_settings: dict[str, dict[str, str]] = field(default_factory=dict)   # [site.languages.<lang>]
    source_dir: str | None = None                                   # the generator's content root, if not its default
    static_dir: str | None = None                 # Hugo's staticDir, copied to the site as it is, if not "static"
    data_dir: str | None = None                   # Hugo's dataDir, if not "data"
    layout_dir: str | None = None                 # Hugo's layoutDir, if not "layouts"
    lowercase: bool | None = None                                   # False: Hugo's disablePathToLower
    default_image: str | None = None
    default_image_alt: str | None = None
    include: list[str] = field(default_factory=list)               # [site] include: globs inside content_dir
    exclude: list[str] = field(default_factory=list)               # [site] exclude: the same
    missing: list[str] = field(default_factory=list)               # what could not be carried over, and why

    def add_accounts(self, found: list[Account], source: str) -> None:
        for item in found:
            self.accounts.setdefault(item.platform, (item, source))


def detect(root: Path) -> list[str]:
    """The generators whose configuration files are in ``root`` (none, one, or both when it is unclear)."""
    found = []
    if any(_exists(root / name) for name in HUGO_FILES) or (root / HUGO_DIR).is_dir():
        found.append("hugo")
    if any(_exists(root / name) for name in JEKYLL_FILES):
        found.append("jekyll")
    return found


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


# --- reading one file ------------------------------------------------------------------------------------------

def read_config(root: Path, path: Path) -> Any:
    """A configuration file's data; ``ConfigError`` (file, line) for anything unreadable or unsafe."""
    shown = path.relative_to(root).as_posix()
    resolved = inside(path, root.resolve())
    if resolved is None:
        raise ConfigError(shown, None, "is a symbolic link to a file outside the site folder; refused "
                                       "(copy the file into the site instead)")
    try:
        info = resolved.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(shown, None, "is not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(shown, None, f"is {info.st_size / 1048576:.1f} MB; configuration files over "
                                           f"{MAX_CONFIG_BYTES // 1048576} MB are refused")
        raw = resolved.read_bytes()
    except OSError as e:
        raise ConfigError(shown, None, f"cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as e:
        raise ConfigError(shown, None, f"not UTF-8 text (byte {e.start}); save the file as UTF-8",
                          line=raw[: e.start].count(b"\n") + 1) from None
    try:
        if path.suffix == ".toml":
            data = _toml(text, shown)
        elif path.suffix == ".json":
            data = _json(text, shown)
        else:
            data = _yaml(text, shown)
    except RecursionError:             # a last guard: each reader bounds nesting itself
        raise ConfigError(shown, None, f"nested more than {MAX_DEPTH} levels deep") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(shown, None, f"expected a mapping of settings, got {type(data).__name__}", line=1)
    return data


def _toml(text: str, shown: str) -> Any:
    data, line, message = toml_loads(text)
    if data is None:
        raise ConfigError(shown, None, f"not valid TOML: {message}", line=line)
    return data


def _json(text: str, shown: str) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(shown, None, f"not valid JSON: {e.msg}", line=e.lineno) from None
    except RecursionError:
        raise ConfigError(shown, None, f"nested more than {MAX_DEPTH} levels deep") from None
    if nesting_depth(data) > MAX_DEPTH:
        raise ConfigError(shown, None, f"nested more than {MAX_DEPTH} levels deep")
    return data


def _yaml(text: str, shown: str) -> Any:
    # Front matter's reader: a SafeLoader (no Python objects), the same date handling, checks and messages.
    from smmgen.content.front_matter import _parse_yaml

    try:
        data, _lines = _parse_yaml(text, shown, 1)
    except ContentError as e:
        raise ConfigError(shown, e.field, e.detail.removeprefix("front matter ").removeprefix("is "),
                          line=e.line) from None
    return data


def get(data: Any, *path: str) -> Any:
    """``data[path[0]][path[1]]…`` with keys matched case-insensitively (Hugo's keys are); None if absent."""
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = next((v for k, v in data.items() if isinstance(k, str) and k.lower() == key.lower()), None)
    return data


# --- Hugo ------------------------------------------------------------------------------------------------------

def read_hugo(root: Path) -> Findings:
    found = Findings("hugo")
    # Layers in order of precedence: the project's config file, then config/_default/, each file of which
    # holds the root keys (hugo.*, config.*) or the table it is named for (params.toml is [params]).
    layers: list[tuple[str, Mapping]] = []
    main = next((root / n for n in HUGO_FILES if _exists(root / n)), None)
    if main is not None:
        layers.append((main.name, read_config(root, main)))
    folder = root / HUGO_DIR
    if folder.is_dir():
        if not folder.resolve().is_relative_to(root.resolve()):
            raise ConfigError(HUGO_DIR, None, "is a symbolic link to a folder outside the site; refused")
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".toml", ".yaml", ".yml", ".json") or path.name.startswith("."):
                continue
            data = read_config(root, path)
            shown = path.relative_to(root).as_posix()
            layers.append((shown, data if path.stem in ("hugo", "config") else _hugo_table(path.stem, data)))
    found.files = [name for name, _ in layers]

    def lookup(*keys: str) -> tuple[Any, str]:
        for name, data in layers:
            value = get(data, *keys)
            if value is not None:
                if keys == ("languages",) and isinstance(value, Mapping):
                    # One file per language (languages.de.toml) each hold one language: join them all.
                    value = {k: v for _, d in reversed(layers) if isinstance(get(d, *keys), Mapping)
                             for k, v in get(d, *keys).items()}
                return value, name
        return None, ""

    title, title_source = lookup("title")
    if title is None:                   # a multilingual site may title each language only
        default, _ = lookup("defaultContentLanguage")
        title, title_source = lookup("languages", default if isinstance(default, str) else "en", "title")
    _string_setting(found, "name", title, title_source, "title")
    base, source = lookup("baseURL")
    _url_setting(found, base, source, "baseURL")
    _timezone_setting(found, *lookup("timeZone"), "timeZone")
    languages, lang_source = lookup("languages")
    default_lang, default_source = lookup("defaultContentLanguage")
    code, code_source = lookup("languageCode")
    if _language(default_lang):
        found.site["language"] = Setting(default_lang, f"{default_source}: defaultContentLanguage")
    elif _language(code):
        found.site["language"] = Setting(code, f"{code_source}: languageCode")
    if isinstance(languages, Mapping):
        found.languages = [k for k, _ in sorted(((k, v) for k, v in languages.items() if _language(k)),
                                                key=lambda kv: (_weight(kv[1]), kv[0]))]
        if "language" not in found.site and found.languages:
            found.site["language"] = Setting(found.languages[0], f"{lang_source}: languages")

    content, content_source = lookup("contentDir")
    content_dir = _folder(found, root, content, f"{content_source}: contentDir") or "content"
    lang_dirs = {lang: _folder(found, root, get(languages, lang, "contentDir"), f"languages.{lang}.contentDir")
                 for lang in found.languages}
    # With a folder per language, the articles' sections start in the default language's folder.
    base = lang_dirs.get(found.site["language"].value if "language" in found.site else "") or content_dir
    for other in lang_dirs.values():
        if other and other != base:
            found.other_content_dirs.append(other)

    rules, rules_source = lookup("permalinks")
    if isinstance(get(rules, "page"), Mapping):        # Hugo 0.112+: permalinks.page.<section>
        rules = get(rules, "page")
    found.permalink_rules = {str(k): v for k, v in rules.items() if isinstance(v, str)} \
        if isinstance(rules, Mapping) else {}
    sections = _subfolders(root / base)
    section = next((s for s in MAIN_SECTIONS if s in sections), None) \
        or next((s for s in found.permalink_rules if s in sections), None) \
        or max(sections, key=lambda s: (sections[s], s), default=None)
    if section:
        found.site["content_dir"] = Setting(f"{base}/{section}", f"the section with the articles: {base}/{section}/")
        found.other_content_dirs += [f"{base}/{s}" for s in sorted(sections) if s != section]
    elif base != "content":
        found.site["content_dir"] = Setting(base, f"{content_source}: contentDir" if base == content_dir
                                            else "the default language's contentDir")
    found.permalink_rules = _rules(found, found.permalink_rules, "hugo", f"{rules_source}: permalinks")
    in_subdir, _ = lookup("defaultContentLanguageInSubdir")
    default = found.site["language"].value if "language" in found.site else None
    for lang in found.languages:
        conf: dict[str, str] = {}
        if in_subdir is True or lang != default:
            conf["prefix"] = f"/{lang.lower()}"
        elif len(found.languages) > 1:
            conf["prefix"] = ""
        if lang_dirs[lang]:
            conf["content_dir"] = lang_dirs[lang]
        if len(found.languages) > 1 or in_subdir is True:
            found.language_settings[lang] = conf
    if in_subdir is True and not found.languages and default:
        found.language_settings[default] = {"prefix": f"/{default.lower()}"}
    if content_dir != "content":
        found.source_dir = content_dir
    static, static_source = lookup("staticDir")
    if isinstance(static, list):            # several folders, merged: the first is the project's own
        static = next((v for v in static if isinstance(v, str)), None)
    if isinstance(static, str) and static.strip("/") != "static":
        found.static_dir = _folder(found, root, static, f"{static_source}: staticDir")
    for key, default, attr in (("dataDir", "data", "data_dir"), ("layoutDir", "layouts", "layout_dir")):
        value, where = lookup(key)
        if isinstance(value, str) and value.strip("/") != default:
            setattr(found, attr, _folder(found, root, value, f"{where}: {key}"))
    lower, _ = lookup("disablePathToLower")
    if lower is True:
        found.lowercase = False
    ugly, ugly_source = lookup("uglyURLs")
    for section, rule in found.permalink_rules.items():
        # Ugly URLs (site-wide or per section): Hugo writes the page as <path>.html, not <path>/index.html.
        if rule.endswith("/") and (ugly is True or get(ugly, section) is True):
            found.permalink_rules[section] = rule.rstrip("/") + ".html"
    if ugly is True:
        found.missing.append(f"permalink: uglyURLs ({ugly_source}) makes Hugo write pages as <name>.html; "
                             "smmgen's URLs end in a folder: give articles `url:`")

    social_sources = [("social", None), ("params.social", None), ("params.socials", None),
                      ("params.socialIcons", None), ("params.author.social", None), ("params.author", "only"),
                      ("params", "only"), ("services", "only")]
    for key, mode in social_sources:
        value, name = lookup(*key.split("."))
        if value is not None:
            _collect(found, value, mode, name, key)
    return found


def _hugo_table(stem: str, data: Any) -> Mapping:
    """Where Hugo puts a config/_default/ file: params.toml is [params]; a language's own file
    (languages.de.toml, params.de.toml, menus.de.toml) is [languages.de], with params and menus in it."""
    name, _, lang = stem.partition(".")
    if not lang:
        return {name: data}
    if name.lower() in ("params", "menu", "menus"):
        data = {"menus" if name.lower().startswith("menu") else "params": data}
    return {"languages": {lang.lower(): data}}


def _folder(found: Findings, root: Path, value: Any, source: str) -> str | None:
    """A folder the configuration names, relative to the site root; None (and a note) when it is no folder
    inside the site."""
    if value is None or value == "":
        return None
    path = PurePosixPath(value.strip()) if isinstance(value, str) else None
    if path is None or _invisible(str(value)) or path.is_absolute() or ".." in path.parts \
            or not (root / path).resolve().is_relative_to(root.resolve()):
        found.missing.append(f"{source}: {json.dumps(str(value))[:80]} is no folder inside the site; not read")
        return None
    shown = path.as_posix()
    return None if shown == "." else shown


def _language(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*", value) is not None


def _weight(conf: Any) -> float:
    weight = get(conf, "weight")
    return weight if isinstance(weight, (int, float)) and not isinstance(weight, bool) else 0


def _subfolders(folder: Path, limit: int = 20_000) -> dict[str, int]:
    """The content folder's sections and how many Markdown files each holds (counted up to ``limit``)."""
    if not folder.is_dir():
        return {}
    sections: dict[str, int] = {}
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.is_symlink() and not child.name.startswith((".", "_")):
            count = 0
            for path in child.rglob("*"):
                count += path.suffix.lstrip(".").lower() in MARKDOWN_EXTENSIONS     # .md, .markdown, ...
                if count >= limit:
                    break
            if count:
                sections[child.name] = count
    return sections


# --- Jekyll ----------------------------------------------------------------------------------------------------

def read_jekyll(root: Path) -> Findings:
    found = Findings("jekyll")
    path = next(root / n for n in JEKYLL_FILES if _exists(root / n))
    data = read_config(root, path)
    name = path.name
    found.files = [name]
    title = data.get("title")
    _string_setting(found, "name", title if title else data.get("name"), name, "title" if title else "name")
    url, baseurl = data.get("url"), data.get("baseurl")
    if isinstance(url, str) and isinstance(baseurl, str) and baseurl.strip("/"):
        _url_setting(found, url.rstrip("/") + "/" + baseurl.strip("/"), name, "url + baseurl")
    else:
        _url_setting(found, url, name, "url")
    _timezone_setting(found, data.get("timezone"), name, "timezone")
    for key in ("lang", "locale"):
        value = data.get(key)
        if _language(value):
            found.site["language"] = Setting(value.replace("_", "-"), f"{name}: {key}")
            break

    languages = data.get("languages")              # jekyll-polyglot
    if isinstance(languages, list):
        found.languages = [lang for lang in languages if _language(lang)]
        # Polyglot writes every language but the default one under /<lang>/.
        default = data.get("default_lang") if _language(data.get("default_lang")) else \
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
    source = _folder(found, root, data.get("source"), f"{name}: source")
    collections_dir = _folder(found, root, data.get("collections_dir"), f"{name}: collections_dir")
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
            if isinstance(path, str) and path.strip() and not _invisible(path):
                found.default_image = path
                found.default_image_alt = alt.strip() if isinstance(alt, str) and alt.strip() \
                    and not _invisible(alt) else None
    found.permalink_rules = _rules(found, rules, "jekyll", f"{name}: {where}")
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
            _collect(found, value, mode, name, key)
    _collect(found, data, "only", name, "")
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


# --- settings --------------------------------------------------------------------------------------------------

def _invisible(value: str) -> bool:
    """Whether ``value`` holds a character smmgen.toml refuses (``smmgen.config.controls``)."""
    return FORBIDDEN.search(value) is not None


def _string_setting(found: Findings, key: str, value: Any, file: str, name: str) -> None:
    if isinstance(value, str) and _invisible(value):
        found.missing.append(f"{key}: {name} holds an invisible control character; not taken")
    elif isinstance(value, str) and value.strip():
        found.site[key] = Setting(value.strip(), f"{file}: {name}")
    else:
        found.missing.append(f"{key}: no {name} in the configuration")


def _url_setting(found: Findings, value: Any, file: str, name: str) -> None:
    if isinstance(value, str) and re.match(r"^https?://[^\s/]+", value.strip()) and not _invisible(value):
        found.site["base_url"] = Setting(value.strip().rstrip("/"), f"{file}: {name}")
    elif value:
        found.missing.append(f"base_url: {name} {json.dumps(str(value))[:80]} is no http(s):// address")
    else:
        found.missing.append(f"base_url: no {name} in the configuration")


def _timezone_setting(found: Findings, value: Any, file: str, name: str) -> None:
    if value is None or value == "":
        found.missing.append(f"timezone: no {name} in the configuration (smmgen assumes UTC)")
        return
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        found.missing.append(f"timezone: {name} {json.dumps(str(value))[:80]} is no IANA timezone")
        return
    found.site["timezone"] = Setting(str(value), f"{file}: {name}")


def _rules(found: Findings, rules: Mapping[str, Any], generator: str, source: str) -> dict[str, str]:
    """The generator's permalink rules that smmgen follows as they are; the others as notes."""
    from smmgen.content.permalinks import check_pattern

    kept = {}
    for section, pattern in rules.items():
        if not isinstance(pattern, str) or _invisible(pattern) or _invisible(str(section)):
            found.missing.append(f"permalink ({source}.{_shown_key(section)}) is no plain pattern; not taken")
            continue
        wrong = check_pattern(pattern, generator)
        if wrong:
            found.missing.append(f"permalink: {json.dumps(pattern)} ({source}): {wrong}; articles need `url:` "
                                 "in their front matter")
            continue
        kept[str(section)] = pattern
    return kept


def _shown_key(key: Any) -> str:
    return json.dumps(str(key))[:40]


def _collect(found: Findings, value: Any, mode: str | None, file: str, key: str) -> None:
    """The accounts in the setting ``key`` of ``file``. ``mode`` "only": just the keys of ``value`` that name a
    network (it is a table of other settings too, such as Hugo's params or Jekyll's whole _config.yml)."""
    if mode != "only":
        found.add_accounts(accounts_in(value), f"{file}: {key}")
    elif isinstance(value, Mapping):
        for name, item in value.items():
            if (platform := platform_named(name)) and (acc := account(platform, item)):
                found.add_accounts([acc], f"{file}: {key + '.' if key else ''}{name}")
