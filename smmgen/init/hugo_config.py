"""A Hugo site's configuration (hugo.*, config.*, config/_default/*, in Hugo's order of precedence) as
``Findings`` for ``smmgen init``; which key gives which setting: smmgen.init.generators."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smmgen.config.site import MARKDOWN_EXTENSIONS
from smmgen.errors import ConfigError
from smmgen.init.generators import (
    HUGO_DIR,
    HUGO_FILES,
    MAIN_SECTIONS,
    Findings,
    Setting,
    collect_accounts,
    file_present,
    followed_permalinks,
    get,
    is_language_code,
    read_config,
    site_folder,
    string_setting,
    timezone_setting,
    url_setting,
)


def read_hugo(root: Path) -> Findings:
    found = Findings("hugo")
    # Layers in order of precedence: the project's config file, then config/_default/, each file of which
    # holds the root keys (hugo.*, config.*) or the table it is named for (params.toml is [params]).
    layers: list[tuple[str, Mapping]] = []
    main = next((root / n for n in HUGO_FILES if file_present(root / n)), None)
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
    string_setting(found, "name", title, title_source, "title")
    base, source = lookup("baseURL")
    url_setting(found, base, source, "baseURL")
    timezone_setting(found, *lookup("timeZone"), "timeZone")
    languages, lang_source = lookup("languages")
    default_lang, default_source = lookup("defaultContentLanguage")
    code, code_source = lookup("languageCode")
    if is_language_code(default_lang):
        found.site["language"] = Setting(default_lang, f"{default_source}: defaultContentLanguage")
    elif is_language_code(code):
        found.site["language"] = Setting(code, f"{code_source}: languageCode")
    if isinstance(languages, Mapping):
        found.languages = [k for k, _ in sorted(((k, v) for k, v in languages.items() if is_language_code(k)),
                                                key=lambda kv: (_weight(kv[1]), kv[0]))]
        if "language" not in found.site and found.languages:
            found.site["language"] = Setting(found.languages[0], f"{lang_source}: languages")

    content, content_source = lookup("contentDir")
    content_dir = site_folder(found, root, content, f"{content_source}: contentDir") or "content"
    lang_dirs = {lang: site_folder(found, root, get(languages, lang, "contentDir"), f"languages.{lang}.contentDir")
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
    found.permalink_rules = followed_permalinks(found, found.permalink_rules, "hugo", f"{rules_source}: permalinks")
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
        found.static_dir = site_folder(found, root, static, f"{static_source}: staticDir")
    for key, default, attr in (("dataDir", "data", "data_dir"), ("layoutDir", "layouts", "layout_dir")):
        value, where = lookup(key)
        if isinstance(value, str) and value.strip("/") != default:
            setattr(found, attr, site_folder(found, root, value, f"{where}: {key}"))
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
            collect_accounts(found, value, mode, name, key)
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
