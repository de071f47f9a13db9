"""Accounts: where a platform's cuts go. A newsroom posts to several accounts per network (the Russian
edition's Telegram channel, the sport desk's X account); each is routed the articles it wants.

Every enabled ``[platforms.<name>]`` table is that platform's *default account*, named after the platform, whose
credentials are the ``SMMGEN_<PLATFORM>_`` variables: a site without ``[accounts]`` works as it always did.
More accounts are declared in ``smmgen.toml``::

    [accounts.courier-ru]
    platform = "telegram"
    handle = "@courier_ru"
    when = { lang = ["ru"] }            # also section, tags, path (globs over the article's file)
    env = "SMMGEN_TELEGRAM_RU_"         # SMMGEN_TELEGRAM_RU_BOT_TOKEN instead of SMMGEN_TELEGRAM_BOT_TOKEN
    publish = { chat_id = "@courier_ru" }
    excerpt_length = 300                # any [platforms.telegram] key overrides the platform's value

Routing: an article goes to every account of a platform whose ``when`` holds (all listed conditions; a list is
any-of); the default account takes those that no other account of its platform took, narrowed further by the
platform's own ``when``. Ids stay ``<key>@<platform>`` for the default accounts (so a ledger written before
accounts existed goes on matching) and are ``<key>@<platform>:<account>`` for the others.

This module belongs to the build: it never imports the publisher (its settings schema is plain data).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from smmgen.config import schema as s

if TYPE_CHECKING:
    from smmgen.config.site import PlatformSettings, Site
    from smmgen.content.article import Article

NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)
ENV_PREFIX = re.compile(r"[A-Z][A-Z0-9_]*_", re.ASCII)
LAYOUT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", re.ASCII)
# The keys of [accounts.<name>] besides the platform's own settings.
OWN_KEYS = ("platform", "handle", "display_name", "when", "env", "publish", "plan", "mentions", "layout")
PLAN_KEYS = ("slots", "min_spacing", "max_per_day", "blackout", "default_expiry")
# [publish.<platform>] keys that say where a post goes, besides the credentials: an account must name its own, or
# its posts would go to the default account's channel, page or group.
WHERE_KEYS = {"telegram": "chat_id", "facebook": "page_id", "instagram": "user_id", "linkedin": "author",
              "vk": "group_id"}


def default_env_prefix(platform: str) -> str:
    """Today's variable names: ``SMMGEN_TELEGRAM_`` + ``BOT_TOKEN``."""
    return f"SMMGEN_{platform.upper()}_"


# --- routing conditions ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class When:
    """Which articles an account takes: every listed condition must hold; each list is any-of. Empty: all."""

    lang: tuple[str, ...] = ()
    section: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    path: tuple[str, ...] = ()        # globs over the article's file, relative to the site root

    def __bool__(self) -> bool:
        return bool(self.lang or self.section or self.tags or self.path)

    def matches(self, article: Article) -> bool:
        from smmgen.content.discovery import _glob_regex  # the globs of [site] include/exclude, over the site root here

        if self.lang and not _lang_matches(article.lang, self.lang):
            return False
        if self.section and (article.section or "").casefold() not in {x.casefold() for x in self.section}:
            return False
        if self.tags and not {t.casefold() for t in article.tags} & {x.casefold() for x in self.tags}:
            return False
        return not self.path or any(_glob_regex(g).fullmatch(article.source) for g in self.path)


def _lang_matches(lang: str, wanted: tuple[str, ...]) -> bool:
    # "pt" takes "pt-BR" too, as a language tag's prefix does.
    low = lang.lower().replace("_", "-")
    return any(low == w.lower().replace("_", "-") or low.startswith(w.lower().replace("_", "-") + "-")
               for w in wanted)


def _words(value: Any) -> tuple[str, ...]:
    items = s.list_of(s.nonempty_string)([value] if isinstance(value, str) else value)
    if not items:
        raise s.Invalid("expected at least one value")
    return tuple(items)


def _globs(value: Any) -> tuple[str, ...]:
    items = _words(value)
    bad = next((g for g in items if g.startswith("/") or ".." in g.split("/")), None)
    if bad is not None:
        raise s.Invalid(f'a glob relative to the site folder, e.g. "content/sport/**", got {s.shown(bad)}')
    return items


WHEN_SCHEMA = {
    "lang": s.Field(_words, default=(), doc='Article languages, e.g. ["ru"] ("pt" also takes "pt-BR").'),
    "section": s.Field(_words, default=(), doc="Article sections (case-insensitive)."),
    "tags": s.Field(_words, default=(), doc="Any of these tags (case-insensitive)."),
    "path": s.Field(_globs, default=(), doc='Globs over the article file, e.g. "content/sport/**".'),
}


def when_table(value: Any) -> When:
    """``when = { lang = [...], section = [...], tags = [...], path = [...] }``."""
    values = s.table(WHEN_SCHEMA)(value)
    return When(**values)


# --- the accounts ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Account:
    """One account a platform's cuts go to, with the platform settings it posts under."""

    name: str                           # the platform's name for its default account
    platform: str
    is_default: bool
    handle: str
    when: When
    env_prefix: str                     # credentials: <env_prefix><the platform's variable name after SMMGEN_X_>
    settings: PlatformSettings          # [platforms.<platform>] with the account's overrides (``name`` = platform)
    publish: Mapping[str, Any]          # [publish.<platform>] with its defaults, the account's ``publish`` over it
    plan: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))   # the account's own plan rules
    mentions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # @name (folded) -> handle

    def entry_id(self, key: str) -> str:
        return entry_id(key, self.platform, None if self.is_default else self.name)

    def mention_map(self, shared: Mapping[str, Mapping[str, str]]) -> Mapping[str, Mapping[str, str]]:
        """``[mentions]`` with this account's own handles over its platform's."""
        if not self.mentions:
            return shared
        merged = {k: dict(v) for k, v in shared.items()}
        for name, handle in self.mentions.items():
            merged.setdefault(name, {})[self.platform] = handle
        return MappingProxyType({k: MappingProxyType(v) for k, v in merged.items()})


def entry_id(key: str, platform: str, account: str | None) -> str:
    """``<key>@<platform>`` for a default account, ``<key>@<platform>:<account>`` for the others."""
    return f"{key}@{platform}" if not account or account == platform else f"{key}@{platform}:{account}"


def split_id(value: str) -> tuple[str, str, str]:
    """``(key, platform, account)`` of an entry id; a default account's name is its platform's."""
    key, _, rest = value.rpartition("@")
    platform, _, account = rest.partition(":")
    return key, platform, account or platform


_last: list[tuple[Site, tuple[Account, ...]]] = []


def accounts(site: Site) -> tuple[Account, ...]:
    """Every account of the site: per enabled platform (site order) its default account, then its other
    accounts by name."""
    # Asked for every article and card: the last site's answer is kept (a Site is frozen, but not hashable).
    if _last and _last[0][0] is site:
        return _last[0][1]
    found = _accounts(site)
    _last[:] = [(site, found)]
    return found


def _accounts(site: Site) -> tuple[Account, ...]:
    named = getattr(site, "accounts", ()) or ()
    out: list[Account] = []
    for settings in site.platforms:
        out.append(default_account(site, settings))
        out.extend(sorted((a for a in named if a.platform == settings.name), key=lambda a: a.name))
    return tuple(out)


def publish_settings(platform: str, publish: Mapping[str, Any]) -> dict[str, Any]:
    """``[publish.<platform>]`` with its declared defaults filled in, also when the table is absent."""
    from smmgen.config.publish_settings import PLATFORM_SETTINGS  # the settings' schema: plain data, no adapter

    given = (publish or {}).get(platform)
    if given is not None:
        return dict(given)
    return s.validate({}, PLATFORM_SETTINGS.get(platform, {})).values


def default_account(site: Site, settings: PlatformSettings) -> Account:
    when = settings.get("when")
    publish = publish_settings(settings.name, site.publish)
    return Account(name=settings.name, platform=settings.name, is_default=True, handle=settings.handle,
                   when=when if isinstance(when, When) else When(), env_prefix=default_env_prefix(settings.name),
                   settings=settings, publish=MappingProxyType(dict(publish)))


def account_named(site: Site, name: str) -> Account | None:
    return next((a for a in accounts(site) if a.name == name), None)


def routed(article: Article, site: Site, platforms: list[str]) -> list[Account]:
    """The accounts ``article`` goes to, among those of ``platforms``, in ``accounts`` order."""
    out: list[Account] = []
    every = accounts(site)
    for account in every:
        if account.platform not in platforms:
            continue
        if account.is_default:
            taken = any(not a.is_default and a.platform == account.platform and a.when.matches(article)
                        for a in every)
            if not taken and account.when.matches(article):
                out.append(account)
        elif account.when.matches(article):
            out.append(account)
    return out


# --- smmgen.toml [accounts] --------------------------------------------------------------------------------------

def _env_prefix(value: Any) -> str:
    text = s.nonempty_string(value)
    if not ENV_PREFIX.fullmatch(text):
        raise s.Invalid(f'expected a variable name prefix of capitals, digits and "_", ending in "_", such as '
                        f'"SMMGEN_TELEGRAM_RU_", got {s.shown(text)}')
    return text


def _layout(value: Any) -> str:
    text = s.nonempty_string(value)
    if not LAYOUT.fullmatch(text) or text.endswith(".j2"):
        raise s.Invalid(f'expected a layout name, e.g. "telegram-ru" for layouts/telegram-ru.txt.j2, got '
                        f"{s.shown(text)}")
    return text


def _handles(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise s.Invalid(f'expected a table of name = "@handle", got {s.shown(value)}')
    bad = next((k for k, v in value.items() if not isinstance(v, str) or not v.strip()), None)
    if bad is not None:
        raise s.Invalid(f"{bad}: expected the account's handle as text, got {s.shown(value[bad])}")
    return {str(k).casefold(): v.strip() for k, v in value.items()}


def table(value: Any) -> dict[str, dict[str, Any]]:
    """``[accounts]``: account name -> its keys, checked as far as they can be without the rest of the file
    (``build_accounts`` checks them against the platforms and ``[publish]``)."""
    from smmgen.platforms import registry

    if not isinstance(value, Mapping):
        raise s.Invalid(f"expected [accounts.<name>] tables, got {s.shown(value)}")
    values: dict[str, dict[str, Any]] = {}
    problems: list[s.Problem] = []
    for name, raw in value.items():
        if not NAME.fullmatch(name):
            problems.append(s.Problem(name, "an account name is lowercase letters, digits and single hyphens "
                                            '(it becomes part of post ids), e.g. "courier-ru"'))
            continue
        if name in registry.names():
            problems.append(s.Problem(name, f"{name} is the name of the platform's default account "
                                            f"([platforms.{name}]); give this account another name"))
            continue
        if not isinstance(raw, Mapping):
            problems.append(s.Problem(name, f"expected a table, got {s.shown(raw)}"))
            continue
        platform = raw.get("platform")
        schema = registry.settings_schema(platform) if isinstance(platform, str) else None
        if schema is None:
            known = ", ".join(registry.names())
            problems.append(s.Problem(f"{name}.platform", "required but missing" if platform is None else
                                      f"unknown platform {s.shown(platform)} (known: {known})"))
            continue
        own = {k: f for k, f in schema.items() if k not in ("enabled", "handle", "display_name", "when")}
        fields = {
            "platform": s.Field(s.nonempty_string, required=True),
            "handle": s.Field(s.nonempty_string, required=True, doc="The account's handle, shown in previews."),
            "display_name": s.Field(s.nonempty_string),
            "when": s.Field(when_table, default=When()),
            "env": s.Field(_env_prefix, default=default_env_prefix(f"{platform}_{name.replace('-', '_')}")),
            "publish": s.Field(lambda v: dict(v) if isinstance(v, Mapping) else _not_table(v), default={}),
            "plan": s.Field(lambda v: dict(v) if isinstance(v, Mapping) else _not_table(v), default={}),
            "mentions": s.Field(_handles, default={}),
            "layout": s.Field(_layout),
            **{k: s.Field(f.convert, doc=f.doc) for k, f in own.items()},    # given keys only: no defaults
        }
        result = s.validate(raw, fields)
        problems += [s.Problem(f"{name}.{p.key}", p.message.replace("known keys:", "known keys: the platform's and"))
                     for p in result.problems]
        values[name] = {k: v for k, v in result.values.items() if v is not None}
        values[name]["_overrides"] = {k: result.values[k] for k in own if result.values.get(k) is not None}
    if problems:
        raise s.Nested(values, problems)
    return values


def _not_table(value: Any) -> dict:
    raise s.Invalid(f"expected a table, got {s.shown(value)}")


def build_accounts(raw: Mapping[str, Mapping[str, Any]], platforms: tuple[PlatformSettings, ...],
                   publish: Mapping[str, Any]) -> tuple[tuple[Account, ...], list[s.Problem]]:
    """The named accounts of ``[accounts]`` (checked by ``table``) against the enabled platforms and
    ``[publish]``; the problems name the account's key."""
    from smmgen.config.publish_settings import PLATFORM_SETTINGS
    from smmgen.config.site import PlatformSettings
    from smmgen.content import mentions as mention_rules
    from smmgen.plan.posting_rules import RULE_FIELDS

    out: list[Account] = []
    problems: list[s.Problem] = []
    prefixes: dict[str, str] = {}
    for settings in platforms:
        prefixes[default_env_prefix(settings.name)] = settings.name
    for name, conf in raw.items():
        platform = conf["platform"]
        base = next((p for p in platforms if p.name == platform), None)
        if base is None:
            problems.append(s.Problem(f"accounts.{name}.platform",
                                      f"{platform} has no enabled [platforms.{platform}] table, whose settings the "
                                      f"account starts from; add one (or enable it), or remove this account"))
            continue
        env = conf["env"]
        if env in prefixes:
            problems.append(s.Problem(f"accounts.{name}.env", f"{env} is already the prefix of account "
                                      f"{prefixes[env]}: each account needs its own credentials"))
        prefixes.setdefault(env, name)
        publish_fields = PLATFORM_SETTINGS.get(platform, {})
        given = conf.get("publish") or {}
        checked = s.validate(given, {k: s.Field(f.convert, doc=f.doc) for k, f in publish_fields.items()})
        problems += [s.Problem(f"accounts.{name}.publish.{p.key}", p.message) for p in checked.problems]
        where = WHERE_KEYS.get(platform)
        inherited = ((publish or {}).get(platform) or {}).get(where) if where else None
        if inherited is not None and checked.values.get(where) is None and not checked.problems:
            problems.append(s.Problem(f"accounts.{name}.publish", f"name this account's own {where} "
                                      f"(publish = {{ {where} = ... }}): without it its posts would go to "
                                      f"[publish.{platform}] {where} = {s.shown(inherited)}, the default account's"))
        merged_publish = {**publish_settings(platform, publish),
                          **{k: v for k, v in checked.values.items() if v is not None}}
        plan_given = conf.get("plan") or {}
        plan_checked = s.validate(plan_given, {k: RULE_FIELDS[k] for k in PLAN_KEYS})
        problems += [s.Problem(f"accounts.{name}.plan.{p.key}", p.message) for p in plan_checked.problems]
        handles = conf.get("mentions") or {}
        for person, handle in handles.items():
            wrong = mention_rules.wrong_handle(platform, handle)
            if wrong:
                problems.append(s.Problem(f"accounts.{name}.mentions.{person}", wrong))
        options = {**base.options, **conf["_overrides"]}
        if conf.get("layout"):
            options["layout"] = conf["layout"]
        settings = PlatformSettings(name=platform, handle=conf["handle"],
                                    display_name=conf.get("display_name") or base.display_name,
                                    options=MappingProxyType(options))
        out.append(Account(name=name, platform=platform, is_default=False, handle=conf["handle"],
                           when=conf["when"], env_prefix=env, settings=settings,
                           publish=MappingProxyType(merged_publish),
                           plan=MappingProxyType({k: plan_checked.values[k] for k in plan_given
                                                  if plan_checked.values.get(k) is not None}),
                           mentions=MappingProxyType(dict(handles))))
    return tuple(out), problems
