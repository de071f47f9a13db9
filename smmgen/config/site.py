"""smmgen.toml: the site's configuration, validated once at load against a declared schema.

Every problem is reported together, one per line, as ``smmgen.toml:12: platforms.x.enabled: expected true/false,
got "yes"``. Unknown keys are errors: in a publishing tool a misspelt option silently ignored becomes a wrong post.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from smmgen.config import accounts, controls
from smmgen.config import schema as s
from smmgen.config.lines import nearest_line, toml_key_lines
from smmgen.config.toml_text import key_on_line, toml_loads
from smmgen.content import mentions
from smmgen.content.permalinks import GENERATORS, check_pattern
from smmgen.errors import ConfigError, ErrorList
from smmgen.platforms import registry
from smmgen.site_files import OUTSIDE, inside

CONFIG_NAME = "smmgen.toml"


def find_root(start: Path | str, config_name: str = CONFIG_NAME) -> Path:
    """The site folder for a command run in ``start``: the nearest folder, ``start`` or above, holding
    smmgen.toml (as git and Hugo find their roots from any subfolder); ``start`` itself when none does, so
    the error names the folder the command was run in."""
    start = Path(start).resolve()
    return next((folder for folder in (start, *start.parents) if (folder / config_name).is_file()), start)


def _timezone(value: Any) -> ZoneInfo:
    name = s.string(value)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise s.Invalid(f'unknown IANA timezone {s.shown(name)} (e.g. "Europe/Berlin", "UTC")') from None


def _permalink(value: Any) -> str:
    text = s.string(value)
    if "{slug}" not in text or not text.startswith("/"):
        raise s.Invalid(f'must start with "/" and contain {{slug}}, got {s.shown(text)}')
    try:
        text.format(year="2026", month="01", day="01", slug="x", section="x", lang="en")
    except (KeyError, IndexError, ValueError) as e:
        raise s.Invalid(f"unknown placeholder {e} (known: year, month, day, slug, section, lang)") from None
    return text


# Markdown file extensions Hugo (md, markdown, mdown) and Jekyll (markdown_ext's default) read as articles.
MARKDOWN_EXTENSIONS = ("md", "markdown", "mdown", "mkdn", "mkdown", "mkd")
# Front-matter keys whose values may become hashtags (``[site] hashtag_sources``).
HASHTAG_SOURCES = ("tags", "categories", "category", "keywords", "series")


def _extension(value: Any) -> str:
    text = s.string(value).strip().lstrip(".").lower()
    if not re.fullmatch(r"[a-z0-9]{1,16}", text):
        raise s.Invalid(f'expected a file extension such as "md" or "markdown", got {s.shown(value)}')
    return text


def _glob(value: Any) -> str:
    text = s.nonempty_string(value).strip()
    if text.startswith("/") or ".." in text.split("/"):
        raise s.Invalid(f'a pattern relative to content_dir, e.g. "drafts/**" or "**/README.md", got '
                        f"{s.shown(value)}")
    return text


def _extensions(value: Any) -> tuple[str, ...]:
    extensions = s.list_of(_extension)(value)
    if not extensions:
        raise s.Invalid('name at least one extension (e.g. "md")')
    return tuple(dict.fromkeys(extensions))


LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")


def _section_rules(value: Any) -> dict[str, str]:
    """``[site.permalinks]``: section (Hugo) or collection (Jekyll) -> pattern; patterns are checked once the
    generator is known."""
    if not isinstance(value, Mapping):
        raise s.Invalid(f"expected a table of section = pattern, got {s.shown(value)}")
    bad = next((k for k, v in value.items() if not isinstance(v, str)), None)
    if bad is not None:
        raise s.Invalid(f"{bad}: expected a pattern string, got {s.shown(value[bad])}")
    return dict(value)


LANGUAGE_SCHEMA = {
    "prefix": s.Field(s.string, doc='URL path prefix of the language, e.g. "/ja" ("" for none). Default: Hugo\'s '
                                    "rule: none for `language`, /<lang> for the others."),
    "content_dir": s.Field(s.nonempty_string, doc="Hugo's per-language contentDir: articles under it are in this "
                                                  "language."),
}


def _languages(value: Any) -> dict[str, dict[str, Any]]:
    if isinstance(value, Mapping):
        bad = next((k for k in value if not LANGUAGE_TAG.fullmatch(str(k))), None)
        if bad is not None:
            raise s.Invalid(f'not a language tag: {s.shown(bad)} (e.g. "ja", "pt-BR")')
    return s.table_of(lambda name: LANGUAGE_SCHEMA)(value)


SITE_SCHEMA = {
    "name": s.Field(s.nonempty_string, required=True, doc="The site's name, shown on cards and previews."),
    "base_url": s.Field(s.url, required=True, doc="Where the site lives, e.g. https://news.example."),
    "permalink": s.Field(s.nonempty_string, default="/{year}/{month}/{slug}/",
                         doc="Article URL path pattern (see smmgen.content.permalinks), for articles no section rule covers."),
    "generator": s.Field(s.choice(*GENERATORS), doc="The site generator whose `:name` placeholders, sections, "
                                                    "bundles and languages the URLs follow: hugo or jekyll."),
    "permalinks": s.Field(_section_rules, default={}, doc="One pattern per section (Hugo) or collection (Jekyll)."),
    "source_dir": s.Field(s.nonempty_string, doc="The generator's content root, where sections start "
                                                 "(default: Hugo content, Jekyll the site folder)."),
    "languages": s.Field(_languages, default={}, doc="Languages besides `language`: URL prefix, content folder."),
    "lowercase_urls": s.Field(s.boolean, default=True, doc="Hugo lowercases URLs (false: disablePathToLower)."),
    "default_image": s.Field(s.nonempty_string, doc="Hero image (site-relative) for articles that name none, as "
                                                    "Jekyll's `defaults` give `image:`."),
    "default_image_alt": s.Field(s.nonempty_string, doc="What `default_image` shows, for people who cannot see it."),
    "timezone": s.Field(_timezone, default=ZoneInfo("UTC"), doc="IANA zone for dates written without one."),
    "language": s.Field(s.nonempty_string, default="en", doc="BCP 47 tag for articles without `lang`."),
    "cards_base_url": s.Field(s.url, doc="Public URL under which output/cards/ is served (og:image, Instagram)."),
    "media_base_url": s.Field(s.url, doc="Public URL under which output/media/ is served (the videos Instagram "
                                         "and Threads fetch)."),
    "content_dir": s.Field(s.nonempty_string, default="content"),
    "layouts_dir": s.Field(s.nonempty_string, default="layouts"),
    "output_dir": s.Field(s.nonempty_string, default="output"),
    "extra_front_matter": s.Field(s.list_of(s.string), default=(),
                                  doc="Front-matter keys of your site generator that smmgen should ignore."),
    "strict": s.Field(s.boolean, default=False,
                      doc="Front-matter keys smmgen does not know are errors (by default they are ignored)."),
    "markdown_extensions": s.Field(_extensions, default=MARKDOWN_EXTENSIONS,
                                   doc="File extensions read as articles (Jekyll: markdown_ext)."),
    "include": s.Field(s.list_of(_glob), default=(),
                       doc="Only files matching one of these globs (relative to content_dir) are articles."),
    "exclude": s.Field(s.list_of(_glob), default=(),
                       doc="Files matching one of these globs (relative to content_dir) are not articles."),
    "hashtag_sources": s.Field(s.list_of(s.choice(*HASHTAG_SOURCES)), default=("tags",),
                               doc="Front-matter keys whose values become hashtags, in this order."),
    "excerpt_separator": s.Field(s.nonempty_string, default="<!--more-->",
                                 doc="The divider that ends an article's lead (Jekyll: excerpt_separator)."),
    "expire_with_page": s.Field(s.boolean, default=True,
                                doc="An article's posts are deleted when its expiryDate passes."),
}

UTM_SCHEMA = {
    "enabled": s.Field(s.boolean, default=True),
    "source": s.Field(s.nonempty_string, default="{platform}"),
    "medium": s.Field(s.nonempty_string, default="social"),
    "campaign": s.Field(s.nonempty_string, default="{slug}"),
    "content": s.Field(s.string, doc="Optional utm_content pattern."),
    "hosts": s.Field(s.list_of(s.nonempty_string), default=(),
                     doc="Extra hosts (besides base_url's) whose links get UTM parameters."),
}

def _section(module: str, attr: str) -> s.Converter:
    """A section whose schema is declared by the module that uses it (the plan, the publisher)."""

    def convert(value: Any) -> dict[str, Any]:
        import importlib

        return s.table(getattr(importlib.import_module(module), attr))(value)
    return convert


TOP_SCHEMA = {
    "site": s.Field(s.table(SITE_SCHEMA), required=True),
    "utm": s.Field(s.table(UTM_SCHEMA), default=None),
    "platforms": s.Field(s.table_of(registry.settings_schema), default=None),
    "plan": s.Field(_section("smmgen.plan.posting_rules", "PLAN_SCHEMA"), default=None),
    "publish": s.Field(_section("smmgen.config.publish_settings", "PUBLISH_SCHEMA"), default=None),
    "mentions": s.Field(mentions.table, default=None,
                        doc="Article @names mapped to each platform's handle (smmgen.content.mentions)."),
    "integration": s.Field(_section("smmgen.build.integration", "INTEGRATION_SCHEMA"), default=None,
                           doc="The site side: tags for the site's templates, cards where it publishes them."),
    "accounts": s.Field(accounts.table, default=None,
                        doc="More accounts per platform, each routed the articles it wants (smmgen.config.accounts)."),
}


@dataclass(frozen=True)
class UtmPolicy:
    enabled: bool = True
    source: str = "{platform}"
    medium: str = "social"
    campaign: str = "{slug}"
    content: str | None = None
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Language:
    prefix: str                      # URL path prefix, "" or "/ja"
    content_dir: Path | None         # Hugo's per-language content folder


@dataclass(frozen=True)
class PlatformSettings:
    """One enabled platform's settings from ``[platforms.<name>]``; ``options`` holds its declared extra keys."""

    name: str
    handle: str
    display_name: str
    options: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        value = self.options.get(key)
        return default if value is None else value


@dataclass(frozen=True)
class ContentRules:
    """Which files under content_dir are articles and how their front matter is read (the [site] keys of
    the same names)."""

    markdown_extensions: tuple[str, ...] = MARKDOWN_EXTENSIONS
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    strict: bool = False
    hashtag_sources: tuple[str, ...] = ("tags",)
    excerpt_separator: str = "<!--more-->"
    expire_with_page: bool = True


@dataclass(frozen=True)
class Site:
    root: Path
    name: str
    base_url: str
    permalink: str
    timezone: ZoneInfo
    language: str
    cards_base_url: str | None
    content_dir: Path
    layouts_dir: Path
    output_dir: Path
    extra_front_matter: tuple[str, ...]
    utm: UtmPolicy
    platforms: tuple[PlatformSettings, ...]
    plan: Mapping[str, Any]          # [plan], validated by smmgen.plan.posting_rules.PLAN_SCHEMA
    publish: Mapping[str, Any]       # [publish], validated by smmgen.config.publish_settings.PUBLISH_SCHEMA
    content_rules: ContentRules = ContentRules()
    generator: str | None = None                      # "hugo", "jekyll": whose URL rules (smmgen.content.permalinks)
    permalinks: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # section -> pattern
    source_dir: Path | None = None                    # the generator's content root
    languages: Mapping[str, Language] = field(default_factory=lambda: MappingProxyType({}))
    lowercase_urls: bool = True
    default_image: str | None = None
    default_image_alt: str | None = None
    # [mentions]: article @name (case-folded) -> platform -> handle; every other @name mentions no one
    mentions: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    integration: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))   # [integration]
    # [accounts]: the accounts besides each platform's default one (all of them: smmgen.config.accounts.accounts)
    accounts: tuple[accounts.Account, ...] = ()
    media_base_url: str | None = None                 # where output/media/ is served (smmgen.video)

    def language_of(self, lang: str) -> Language:
        """The URL prefix (and folder) of ``lang``: as configured, else Hugo's rule (none for the default
        language, /<lang> for the others) on a Hugo site, none on others."""
        known = self.languages.get(lang)
        if known is not None:
            return known
        # Jekyll itself prefixes no language (jekyll-polyglot's prefixes are [site.languages]).
        return Language("" if lang == self.language or self.generator != "hugo" else f"/{lang.lower()}", None)

    def platform(self, name: str) -> PlatformSettings | None:
        return next((p for p in self.platforms if p.name == name), None)

    def rel(self, path: Path) -> str:
        """A path as shown to the user: relative to the site root where possible (a link that leaves the site
        is shown where it lies, as the user named it)."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            try:
                return Path(os.path.abspath(path)).relative_to(self.root).as_posix()
            except ValueError:
                return str(path)

    def rel_all(self, paths: Iterable[Path]) -> list[str]:
        """``rel`` of every path, resolving each folder once instead of every path's every folder: for the
        thousand articles of a site about a sixth of the time ``rel`` takes.

        A file that is no symbolic link resolves to its resolved folder and its name; anything else (a link,
        a file that cannot be examined) is resolved as ``rel`` does it.
        """
        folders: dict[str, str] = {}
        shown: list[str] = []
        inside = str(self.root) + "/"
        for path in paths:
            parent, name = os.path.split(os.fspath(path))
            if name in ("", ".", ".."):
                shown.append(self.rel(path))
                continue
            folder = folders.get(parent)
            if folder is None:
                folder = folders[parent] = os.path.realpath(parent)
            resolved = os.path.join(folder, name)
            try:
                plain = not stat.S_ISLNK(os.lstat(resolved).st_mode)
            except OSError:
                plain = False
            if not plain:
                shown.append(self.rel(path))
            elif resolved.startswith(inside):
                shown.append(resolved[len(inside):])      # realpath's result is normalized already
            else:
                try:
                    shown.append(Path(resolved).relative_to(self.root).as_posix())
                except ValueError:
                    shown.append(self.rel(path))
        return shown


def load_site(root: Path | str = ".", config_name: str = CONFIG_NAME) -> Site:
    root = Path(root).resolve()
    path = root / config_name
    shown_path = config_name
    if inside(path, root) is None:
        raise ConfigError(shown_path, None, OUTSIDE)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(shown_path, None, f"not found in {root} (run smmgen in the site's folder)") from None
    except OSError as e:
        raise ConfigError(shown_path, None, f"cannot read: {e.strerror}") from None
    try:
        text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw_bytes[: e.start].count(b"\n") + 1
        raise ConfigError(shown_path, None, f"not UTF-8 text (byte {e.start}); save the file as UTF-8",
                          line=line) from None
    data, line, problem = toml_loads(text)
    if data is None:
        raise ConfigError(shown_path, key_on_line(toml_key_lines(text), line), f"not valid TOML: {problem}",
                          line=line)

    if "workspace" in data:
        raise ConfigError(shown_path, "workspace", "this smmgen.toml lists the sites of a workspace and is no site "
                          "itself: run smmgen in a site's folder, or name one with --site",
                          line=nearest_line(toml_key_lines(text), "workspace"))
    control = controls.in_values(data)
    if control is not None:
        raise ConfigError(shown_path, control[0], control[1], line=nearest_line(toml_key_lines(text), control[0]))
    result = s.validate(data, TOP_SCHEMA)
    result.problems += _permalink_problems(result.values.get("site"))
    from smmgen.build.integration import problems as integration_problems

    result.problems += integration_problems(result.values)
    if result.problems:
        lines = toml_key_lines(text)
        errors = [s.config_error(shown_path, lines, p.key, p.message) for p in result.problems]
        raise ErrorList(sorted(errors, key=lambda e: e.line or 0))
    v = result.values
    site_v = v["site"]
    platforms = tuple(
        PlatformSettings(
            name=name,
            handle=conf.pop("handle") or "",
            display_name=conf.pop("display_name") or site_v["name"],
            options=MappingProxyType({k: val for k, val in conf.items() if k != "enabled"}),
        )
        for name in registry.names()
        if (conf := dict((v["platforms"] or {}).get(name) or {})) and conf.get("enabled", True)
    )
    named_accounts, account_problems = accounts.build_accounts(v["accounts"] or {}, platforms, v["publish"] or {})
    if account_problems:
        lines = toml_key_lines(text)
        raise ErrorList([s.config_error(shown_path, lines, p.key, p.message)
                         for p in account_problems])
    # Every folder and file the site names is read from inside it (see smmgen.site_files).
    named = {f"site.{k}": site_v[k] for k in ("content_dir", "layouts_dir", "source_dir") if site_v[k]}
    if site_v["default_image"]:
        named["site.default_image"] = site_v["default_image"].lstrip("/")      # site-relative, as Jekyll's
    named.update({f"site.languages.{k}.content_dir": lang["content_dir"]
                  for k, lang in site_v["languages"].items() if lang["content_dir"]})
    named.update({f"platforms.{p.name}.avatar": p.get("avatar") for p in platforms if p.get("avatar")})
    named.update({f"accounts.{a.name}.avatar": a.settings.get("avatar") for a in named_accounts
                  if a.settings.get("avatar") and a.settings.get("avatar") != _platform_avatar(platforms, a.platform)})
    outside = [key for key, value in named.items() if inside(root / value, root) is None]
    if outside:
        lines = toml_key_lines(text)
        raise ErrorList([ConfigError(shown_path, key, f"{s.shown(named[key])} is outside the site folder; smmgen "
                                     "reads only files inside it", line=nearest_line(lines, key)) for key in outside])
    return Site(
        root=root,
        name=site_v["name"],
        base_url=site_v["base_url"].rstrip("/"),
        permalink=site_v["permalink"],
        timezone=site_v["timezone"],
        language=site_v["language"],
        cards_base_url=(site_v["cards_base_url"] or "").rstrip("/") or None,
        content_dir=root / site_v["content_dir"],
        layouts_dir=root / site_v["layouts_dir"],
        output_dir=root / site_v["output_dir"],
        extra_front_matter=tuple(site_v["extra_front_matter"]),
        utm=UtmPolicy(**(v["utm"] or {})),
        platforms=platforms,
        plan=MappingProxyType(v["plan"] or {}),
        publish=MappingProxyType(v["publish"] or {}),
        content_rules=ContentRules(
            markdown_extensions=tuple(dict.fromkeys(site_v["markdown_extensions"])),
            include=tuple(site_v["include"]), exclude=tuple(site_v["exclude"]), strict=site_v["strict"],
            hashtag_sources=tuple(dict.fromkeys(site_v["hashtag_sources"])),
            excerpt_separator=site_v["excerpt_separator"], expire_with_page=site_v["expire_with_page"]),
        generator=site_v["generator"],
        permalinks=MappingProxyType(dict(site_v["permalinks"])),
        source_dir=root / (site_v["source_dir"] or {"hugo": "content", "jekyll": "."}.get(site_v["generator"] or "",
                                                                                           site_v["content_dir"])),
        languages=MappingProxyType({
            k: Language(prefix=_prefix(lang["prefix"]) if lang["prefix"] is not None
                        else "" if k == site_v["language"] else f"/{k.lower()}",
                        content_dir=root / lang["content_dir"] if lang["content_dir"] else None)
            for k, lang in site_v["languages"].items()}),
        lowercase_urls=site_v["lowercase_urls"],
        media_base_url=(site_v["media_base_url"] or "").rstrip("/") or None,
        default_image=site_v["default_image"],
        default_image_alt=site_v["default_image_alt"],
        mentions=MappingProxyType({k: MappingProxyType(h) for k, h in (v["mentions"] or {}).items()}),
        integration=MappingProxyType({k: val for k, val in (v["integration"] or {}).items() if val is not None}),
        accounts=named_accounts,
    )


def _platform_avatar(platforms: tuple[PlatformSettings, ...], name: str) -> str | None:
    return next((p.get("avatar") for p in platforms if p.name == name), None)


def _first_leaf(key: str, value: Any) -> str:
    """The first key inside a table, which smmgen.config.lines knows the line of (a table's header it does not)."""
    while isinstance(value, Mapping) and value:
        name = next(iter(value))
        key, value = f"{key}.{name}", value[name]
    return key


def _prefix(text: str) -> str:
    return "/" + text.strip("/") if text.strip("/") else ""


def _permalink_problems(site_v: Mapping[str, Any] | None) -> list[s.Problem]:
    """The patterns checked against the generator whose placeholders they use."""
    if not site_v:
        return []
    generator = site_v.get("generator")
    patterns = {"site.permalink": site_v.get("permalink")}
    patterns.update({f"site.permalinks.{k}": v for k, v in (site_v.get("permalinks") or {}).items()})
    problems = []
    if not generator:
        # Sections, bundles and language prefixes are the generator's: without one nothing would read them.
        problems += [s.Problem(_first_leaf(f"site.{key}", site_v[key]),
                               'needs `generator = "hugo"` or "jekyll" (whose rules these are)')
                     for key in ("permalinks", "languages", "source_dir") if site_v.get(key)]
    for key, pattern in patterns.items():
        if not isinstance(pattern, str):
            continue
        if not generator and key != "site.permalink":
            continue
        if generator is None and key == "site.permalink":
            try:
                _permalink(pattern)
            except s.Invalid as e:
                problems.append(s.Problem(key, str(e)))
            continue
        wrong = check_pattern(pattern, generator)
        if wrong:
            problems.append(s.Problem(key, f"{wrong}, got {s.shown(pattern)}"))
    return problems
