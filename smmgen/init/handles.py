"""Social accounts named in a site generator's configuration, as smmgen.toml handles.

Themes spell them many ways: a bare name (``twitter: courier``), a handle (``@courier``), a profile URL
(``https://bsky.app/profile/courier.bsky.social``), a table (``twitter: {username: courier}``) or a list of
links (jekyll-seo-tag's ``social.links``). Everything here is a pure function of the values; a value that is no
plausible account of its platform is refused (``None``) rather than written into smmgen.toml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

MAX_ITEMS = 500          # values looked at in one setting; a theme's list of links is a few dozen

# The names themes give the networks, lowercased.
ALIASES = {
    "x": "x", "twitter": "x", "twitter_username": "x", "x_username": "x",
    "mastodon": "mastodon", "fediverse": "mastodon", "mastodon_username": "mastodon",
    "bluesky": "bluesky", "bsky": "bluesky",
    "threads": "threads",
    "facebook": "facebook", "facebook_username": "facebook",
    "instagram": "instagram", "instagram_username": "instagram",
    "linkedin": "linkedin", "linkedin_username": "linkedin",
    "telegram": "telegram", "telegram_username": "telegram",
    "vk": "vk", "vkontakte": "vk",
}

# Hosts whose profile URLs name the account in their first path segment (LinkedIn's in its second).
_HOSTS = {
    "twitter.com": "x", "x.com": "x", "mobile.twitter.com": "x",
    "bsky.app": "bluesky",
    "threads.net": "threads", "threads.com": "threads",
    "facebook.com": "facebook", "fb.com": "facebook", "m.facebook.com": "facebook",
    "instagram.com": "instagram",
    "linkedin.com": "linkedin",
    "t.me": "telegram", "telegram.me": "telegram",
    "vk.com": "vk", "vk.ru": "vk", "m.vk.com": "vk",
}

# What each platform's account names look like (without the leading "@").
_NAME = {
    "x": re.compile(r"[A-Za-z0-9_]{1,15}"),
    "threads": re.compile(r"[A-Za-z0-9_.]{1,30}"),
    "instagram": re.compile(r"[A-Za-z0-9_.]{1,30}"),
    "telegram": re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}"),
    "bluesky": re.compile(r"(?=.{3,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"),
    "facebook": re.compile(r"[A-Za-z0-9.\-]{1,80}"),
    "linkedin": re.compile(r"[A-Za-z0-9_\-%]{1,100}"),
    "vk": re.compile(r"[A-Za-z0-9_.]{1,64}"),
}
_AT = {"x", "threads", "instagram", "telegram", "bluesky"}   # shown with "@", as the sample site writes them
_MASTODON = re.compile(r"@?([A-Za-z0-9_]{1,30})@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_NAME_KEYS = ("username", "user", "handle", "id", "site", "account", "url", "link", "user_url", "href",
              "publisher")


@dataclass(frozen=True)
class Account:
    platform: str
    handle: str
    instance: str | None = None       # Mastodon's server, e.g. https://mastodon.social


def platform_named(name: Any) -> str | None:
    return ALIASES.get(name.strip().lower()) if isinstance(name, str) else None


def account(platform: str | None, value: Any, depth: int = 0) -> Account | None:
    """The account ``value`` names on ``platform`` (None: tell from the URL), or None when it names none."""
    if isinstance(value, Mapping):
        if depth > 2:                   # YAML aliases can make a table that holds itself
            return None
        user, server = _get(value, "username"), _get(value, "instance")
        if platform == "mastodon" and isinstance(user, str) and isinstance(server, str) and "@" not in user:
            return account("mastodon", f"{user}@{_host(server) if '://' in server else server}")
        for key in _NAME_KEYS:
            found = account(platform, _get(value, key), depth + 1)
            if found:
                return found
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 300:
        return None
    text = value.strip()
    if re.match(r"^https?://", text, re.I):
        return _from_url(platform, text)
    if platform == "mastodon":
        match = _MASTODON.fullmatch(text)
        return Account("mastodon", f"@{match[1]}@{match[2]}", f"https://{match[2]}") if match else None
    if platform in _NAME:
        name = text.removeprefix("@")
        if _NAME[platform].fullmatch(name):
            return Account(platform, f"@{name}" if platform in _AT else name)
    return None


def _from_url(platform: str | None, url: str) -> Account | None:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    segments = [p for p in parts.path.split("/") if p]
    known = _HOSTS.get(host)
    if known and platform not in (None, known):
        return None
    if known == "bluesky":
        name = segments[1] if len(segments) > 1 and segments[0] == "profile" else None
    elif known == "linkedin":
        name = segments[1] if len(segments) > 1 and segments[0] in ("company", "in", "school") else None
    elif known:
        name = segments[0] if segments else None
    elif segments and segments[0].startswith("@") and platform in (None, "mastodon"):
        # Any other server with a /@user profile is taken for a Mastodon (or compatible) server.
        return account("mastodon", f"{segments[0]}@{host}")
    else:
        return None
    return account(known, name) if name else None


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def _get(mapping: Mapping, key: str) -> Any:
    return next((v for k, v in islice(mapping.items(), MAX_ITEMS) if isinstance(k, str) and k.lower() == key), None)


def accounts_in(value: Any, platform: str | None = None, depth: int = 0, budget: list[int] | None = None
                ) -> list[Account]:
    """Every account in a theme's social setting: a table of platform -> account, a list of links or of
    ``{name|platform|icon: ..., url: ...}`` items, or one account.

    YAML aliases can make a list that holds itself, or a few lines that stand for billions of items: the walk
    goes at most three levels deep and looks at ``MAX_ITEMS`` values in all (``budget`` counts them down).
    """
    found: list[Account] = []
    budget = [MAX_ITEMS] if budget is None else budget
    budget[0] -= 1
    if depth > 3 or budget[0] < 0:
        return found
    if isinstance(value, Mapping) and platform is None:
        for key, item in islice(value.items(), MAX_ITEMS):
            named = platform_named(key)
            if named:
                found.extend(a for a in [account(named, item)] if a)
            elif isinstance(key, str) and key.lower() == "links":
                found.extend(accounts_in(item, depth=depth + 1, budget=budget))
        label = next((k for k in ("platform", "name", "icon", "title", "label") if platform_named(_get(value, k))),
                     None)
        if label:
            # {name: threads, url: ...}: the label names the network, the other keys the account.
            rest = {k: v for k, v in value.items() if not (isinstance(k, str) and k.lower() == label)}
            found.extend(a for a in [account(platform_named(_get(value, label)), rest)] if a)
        elif not found:
            found.extend(a for a in [account(None, _get(value, "url") or _get(value, "link"))] if a)
    elif isinstance(value, list):
        for item in value[:MAX_ITEMS]:
            budget[0] -= 1
            if budget[0] < 0:
                break
            found.extend(accounts_in(item, depth=depth + 1, budget=budget) if isinstance(item, (Mapping, list))
                         else [a for a in [account(platform, item)] if a])
    else:
        found.extend(a for a in [account(platform, value)] if a)
    return found
