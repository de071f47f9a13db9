"""Mentions are deliberate: an ``@name`` in an article's title, summary or body notifies no one unless the site
maps the name to an account on that platform.

An article says "the hawk-eyed @someone spotted a bug" for its own readers; posted as it is, X, Threads, Mastodon,
Instagram, Telegram and VK would link an unrelated account of that name and notify it. So a name the site has not
mapped is written ``@`` U+2060 WORD JOINER ``name`` on every platform: it reads the same, no mention finder takes
it (twitter-text, Mastodon and Telegram want a name character right after the ``@``; Bluesky's facet detection
and Instagram's too), and the word joiner, unlike a zero-width space, never lets a line break between ``@`` and
the name. It is counted as the platforms count it: 2 on X (outside twitter-text's weight-1 ranges), one grapheme
on Mastodon and Bluesky, one UTF-16 unit on Telegram.

Where the desk wants the mention, ``smmgen.toml`` maps the name to each platform's handle::

    [mentions.someone]
    x = "@someone"
    mastodon = "@someone@example.social"
    bluesky = "@someone.bsky.social"
    bluesky_did = "did:plc:abcd1234abcd1234abcd1234"     # a Bluesky mention is a facet carrying the DID
    facebook = "@[108824017345866]"                     # a Page, by id
    linkedin = "@[Someone Inc](urn:li:organization:2414183)"

An e-mail address (``a@b.com``) and an ``@`` inside a URL are no mentions. The author's own text
(``social.<platform>.text``) is posted as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from smmgen.config import schema as s
from smmgen.platforms import registry

WORD_JOINER = "\u2060"

# '@' (or the full-width '＠' that X also reads) not glued to a name before it (an e-mail address) or to another
# '@': twitter-text takes a mention after anything else, even "." or "/" (outside a URL).
# A Mastodon-style "@name@server.example" is one mention, looked up by its name.
_MENTION = re.compile(r"(?<![A-Za-z0-9_@\uff20])([@\uff20])([A-Za-z0-9_](?:[\w.\-]*[\w])?)"
                      r"(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b)?")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+|\bwww\.\S+", re.IGNORECASE)
_DEFUSED = re.compile(rf"[@\uff20]{WORD_JOINER}([A-Za-z0-9_](?:[\w.\-]*[\w])?)")

_NAME = re.compile(r"[A-Za-z0-9_](?:[\w.\-]*[\w])?", re.ASCII)
# Each platform's handle as it is written in a post.
_HANDLES: dict[str, tuple[re.Pattern[str], str]] = {
    "x": (re.compile(r"@[A-Za-z0-9_]{1,15}"), '"@name": letters, digits and "_", at most 15'),
    "threads": (re.compile(r"@[A-Za-z0-9._]{1,30}"), '"@name": letters, digits, "." and "_", at most 30'),
    "instagram": (re.compile(r"@[A-Za-z0-9._]{1,30}"), '"@name": letters, digits, "." and "_", at most 30'),
    "mastodon": (re.compile(r"@[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?"),
                 '"@name@server.example" (or "@name" on the site\'s own server)'),
    "bluesky": (re.compile(r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*"),
                '"@name.bsky.social" (a domain name)'),
    "telegram": (re.compile(r"@[A-Za-z][A-Za-z0-9_]{4,31}"), '"@name": 5-32 letters, digits and "_"'),
    "vk": (re.compile(r"@[A-Za-z0-9_.]+(?: \([^()\n]+\))?"), '"@screen_name" or "@id123 (Name)"'),
    "facebook": (re.compile(r"@\[[0-9]+\]"), '"@[page id]" (Facebook tags a Page by its numeric id)'),
    "linkedin": (re.compile(r"@\[[^\[\]\n]+\]\(urn:li:(?:person|organization):[A-Za-z0-9_-]+\)"),
                 '"@[Name](urn:li:organization:123)" or "@[Name](urn:li:person:abc)"'),
}
_DID = re.compile(r"did:(?:plc:[a-z2-7]{24}|web:[A-Za-z0-9.-]+)")

Map = Mapping[str, Mapping[str, str]]


def table(value: Any) -> dict[str, dict[str, str]]:
    """``[mentions]`` of smmgen.toml: ``{name: {platform: handle, "bluesky_did": did}}``, keys case-folded."""
    if not isinstance(value, Mapping):
        raise s.Invalid(f"expected a table of [mentions.<name>] tables, got {s.shown(value)}")
    values: dict[str, dict[str, str]] = {}
    problems: list[s.Problem] = []
    for name, entry in value.items():
        if not _NAME.fullmatch(name):
            problems.append(s.Problem(name, 'not a name as an article writes it after "@" (letters, digits, '
                                            '"_", "." and "-")'))
            continue
        if not isinstance(entry, Mapping):
            problems.append(s.Problem(name, f'expected a table (x = "@{name}", ...), got {s.shown(entry)}'))
            continue
        handles: dict[str, str] = {}
        for platform, handle in entry.items():
            key = f"{name}.{platform}"
            if platform == "bluesky_did":
                if not (isinstance(handle, str) and _DID.fullmatch(handle)):
                    problems.append(s.Problem(key, f'expected a DID such as "did:plc:…" (the account\'s, from '
                                                   f"com.atproto.identity.resolveHandle), got {s.shown(handle)}"))
                    continue
            elif platform not in _HANDLES:
                known = ", ".join([*registry.names(), "bluesky_did"])
                problems.append(s.Problem(key, f"unknown platform (known: {known})"))
                continue
            elif not (isinstance(handle, str) and _HANDLES[platform][0].fullmatch(handle)):
                problems.append(s.Problem(key, f"expected {_HANDLES[platform][1]}, got {s.shown(handle)}"))
                continue
            handles[platform] = handle
        if "bluesky" in handles and "bluesky_did" not in handles:
            problems.append(s.Problem(f"{name}.bluesky", "a Bluesky mention links its account only by DID: add "
                                                         'bluesky_did = "did:plc:…" next to it'))
        values[name.casefold()] = handles
    if problems:
        raise s.Nested(values, problems)
    return values


def wrong_handle(platform: str, handle: str) -> str | None:
    """Why ``handle`` is no handle of ``platform`` as a post writes it, or None (an account's own mentions)."""
    if platform == "bluesky":
        return ("a Bluesky mention links its account by DID: map the name in [mentions.<name>] with bluesky and "
                "bluesky_did instead")
    rule = _HANDLES.get(platform)
    if rule is not None and not rule[0].fullmatch(handle):
        return f"expected {rule[1]}, got {s.shown(handle)}"
    return None


def written(text: str, platform: str, mapping: Map) -> str:
    """``text`` as ``platform`` should get it: each ``@name`` the site maps for the platform as that handle,
    every other one with a word joiner after the ``@`` so that it mentions no one."""
    if "@" not in text and "\uff20" not in text:
        return text
    urls = [m.span() for m in _URL.finditer(text)] if "://" in text or "www." in text else []

    def one(m: re.Match[str]) -> str:
        if any(a <= m.start() < b for a, b in urls):
            return m.group(0)
        handle = mapping.get(m.group(2).casefold(), {}).get(platform)
        return handle if handle is not None else m.group(1) + WORD_JOINER + m.group(0)[1:]

    return _MENTION.sub(one, text)


def defused(text: str) -> list[str]:
    """The names ``written`` kept from mentioning anyone in ``text``, in order, each once."""
    if WORD_JOINER not in text:
        return []
    return list(dict.fromkeys(m.group(1) for m in _DEFUSED.finditer(text)))


def dids(mapping: Map) -> dict[str, str]:
    """Bluesky handle (without '@', lower case) -> DID, from the map."""
    return {h["bluesky"][1:].lower(): h["bluesky_did"] for h in mapping.values() if "bluesky" in h}
