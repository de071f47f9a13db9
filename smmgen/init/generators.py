"""What a Hugo or Jekyll site's own configuration says that smmgen.toml needs (for ``smmgen init``): the
``Findings``, reading one configuration file, and turning a value into a setting or a note. Each generator's own
files and keys: smmgen.init.hugo_config, smmgen.init.jekyll_config.

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
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smmgen.config.controls import FORBIDDEN
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
    if any(file_present(root / name) for name in HUGO_FILES) or (root / HUGO_DIR).is_dir():
        found.append("hugo")
    if any(file_present(root / name) for name in JEKYLL_FILES):
        found.append("jekyll")
    return found


def file_present(path: Path) -> bool:
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


# --- settings --------------------------------------------------------------------------------------------------

def invisible(value: str) -> bool:
    """Whether ``value`` holds a character smmgen.toml refuses (``smmgen.config.controls``)."""
    return FORBIDDEN.search(value) is not None


def string_setting(found: Findings, key: str, value: Any, file: str, name: str) -> None:
    if isinstance(value, str) and invisible(value):
        found.missing.append(f"{key}: {name} holds an invisible control character; not taken")
    elif isinstance(value, str) and value.strip():
        found.site[key] = Setting(value.strip(), f"{file}: {name}")
    else:
        found.missing.append(f"{key}: no {name} in the configuration")


def url_setting(found: Findings, value: Any, file: str, name: str) -> None:
    if isinstance(value, str) and re.match(r"^https?://[^\s/]+", value.strip()) and not invisible(value):
        found.site["base_url"] = Setting(value.strip().rstrip("/"), f"{file}: {name}")
    elif value:
        found.missing.append(f"base_url: {name} {json.dumps(str(value))[:80]} is no http(s):// address")
    else:
        found.missing.append(f"base_url: no {name} in the configuration")


def timezone_setting(found: Findings, value: Any, file: str, name: str) -> None:
    if value is None or value == "":
        found.missing.append(f"timezone: no {name} in the configuration (smmgen assumes UTC)")
        return
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        found.missing.append(f"timezone: {name} {json.dumps(str(value))[:80]} is no IANA timezone")
        return
    found.site["timezone"] = Setting(str(value), f"{file}: {name}")


def followed_permalinks(found: Findings, rules: Mapping[str, Any], generator: str, source: str) -> dict[str, str]:
    """The generator's permalink rules that smmgen follows as they are; the others as notes."""
    from smmgen.content.permalinks import check_pattern

    kept = {}
    for section, pattern in rules.items():
        if not isinstance(pattern, str) or invisible(pattern) or invisible(str(section)):
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


def collect_accounts(found: Findings, value: Any, mode: str | None, file: str, key: str) -> None:
    """The accounts in the setting ``key`` of ``file``. ``mode`` "only": just the keys of ``value`` that name a
    network (it is a table of other settings too, such as Hugo's params or Jekyll's whole _config.yml)."""
    if mode != "only":
        found.add_accounts(accounts_in(value), f"{file}: {key}")
    elif isinstance(value, Mapping):
        for name, item in value.items():
            if (platform := platform_named(name)) and (acc := account(platform, item)):
                found.add_accounts([acc], f"{file}: {key + '.' if key else ''}{name}")


def site_folder(found: Findings, root: Path, value: Any, source: str) -> str | None:
    """A folder the configuration names, relative to the site root; None (and a note) when it is no folder
    inside the site."""
    if value is None or value == "":
        return None
    path = PurePosixPath(value.strip()) if isinstance(value, str) else None
    if path is None or invisible(str(value)) or path.is_absolute() or ".." in path.parts \
            or not (root / path).resolve().is_relative_to(root.resolve()):
        found.missing.append(f"{source}: {json.dumps(str(value))[:80]} is no folder inside the site; not read")
        return None
    shown = path.as_posix()
    return None if shown == "." else shown


def is_language_code(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*", value) is not None
