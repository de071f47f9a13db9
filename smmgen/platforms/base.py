"""What every platform declares (its spec: limits with their unit, card needs, options) and what it produces (a Cut).

A platform module is data plus pure functions: ``SPEC`` and ``render(article, ctx) -> Cut``. No network. A
built-in platform's limits come from ``smmgen.facts`` (``spec_limits``), the one home of the platforms' numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from smmgen.config import accounts
from smmgen.config import schema as s
from smmgen.facts import Limit, PlatformFacts

if TYPE_CHECKING:
    from smmgen.build.templates import Layouts
    from smmgen.config.site import PlatformSettings, Site
    from smmgen.plan.schedule import Timing


# Options every platform that supports threads declares.
THREAD_OPTIONS: dict[str, s.Field] = {
    "thread_max_parts": s.Field(s.integer(2, 25), default=10,
                                doc="Most parts of a thread (social.<platform>.thread); the rest is cut."),
}


@dataclass(frozen=True)
class PlatformSpec:
    name: str                       # registry key, e.g. "bluesky"
    title: str                      # shown to people, e.g. "Bluesky"
    text_limit: int                 # in ``unit``
    unit: str                       # a unit that smmgen.text.measure knows, e.g. "graphemes", "weighted", "utf16"
    card_target: str | None         # which card size this platform uses ("og", "x", "instagram", ...)
    card_role: str | None           # "link_card": we build the link card (thumb); "attach": image attached to
                                    # the post; "scraped": the platform builds the card from og tags
    image_required: bool = False    # a cut without an image is an error (the build refuses it)
    text_max_bytes: int | None = None   # a second cap on each part, in UTF-8 bytes (Bluesky's record text)
    max_links: int | None = None
    max_hashtags: int | None = None
    max_mentions: int | None = None
    supports_thread: bool = False
    options: Mapping[str, s.Field] = field(default_factory=dict)   # extra [platforms.<name>] keys
    sources: tuple[str, ...] = ()   # where the rules above come from


def spec_limits(platform: PlatformFacts) -> dict[str, Any]:
    """The ``PlatformSpec`` fields that are the platform's facts (``smmgen.facts``): its text limit and unit,
    byte cap, link, hashtag and mention counts, threads and whether an image is required."""
    def value(limit: Limit | None) -> int | None:
        return None if limit is None else int(limit.value)
    return {"text_limit": int(platform.text.value), "unit": platform.text.unit,
            "text_max_bytes": value(platform.text_bytes), "max_links": value(platform.max_links),
            "max_hashtags": value(platform.max_hashtags), "max_mentions": value(platform.max_mentions),
            "supports_thread": platform.threads, "image_required": platform.images.required}


@dataclass(frozen=True)
class MediaRef:
    """An image the cut needs; the build renders it and the manifest records the file."""

    target: str          # card target size name
    role: str            # "link_card" | "attach" | "scraped"
    alt: str


@dataclass(frozen=True)
class Cut:
    id: str                          # "<key>@<platform>", stable across builds
    platform: str
    source: str                      # the article's file, relative to the site root
    slug: str                        # the article's key: its slug, or "<slug>.<lang|path>" (output/cuts/<key>/)
    parts: tuple[str, ...]           # the post text; more than one part is a thread
    lengths: tuple[int, ...]         # measured length of each part in ``unit``
    limit: int
    unit: str
    link: str | None                 # the tagged link back to the article
    tags: tuple[str, ...]            # hashtags as posted (without '#')
    media: tuple[MediaRef, ...]
    publish_at: dt.datetime          # UTC
    expire_at: dt.datetime | None    # UTC
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()     # problems that must stop the build (e.g. an override over the limit)
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # platform data for publishers
    timing: Timing | None = None     # where publish_at/expire_at come from; the plan reads and updates it
    account: str = ""                # the account it goes to (smmgen.config.accounts); the platform's default: its name

    @property
    def text(self) -> str:
        return self.parts[0] if self.parts else ""


@dataclass(frozen=True)
class CutContext:
    """What a platform's render needs besides the article."""

    site: Site
    settings: PlatformSettings       # the account's: [platforms.<name>] with its overrides
    layouts: Layouts
    mentions: Mapping[str, Mapping[str, str]] | None = None   # the account's [mentions] map; None: the site's

    @property
    def mention_map(self) -> Mapping[str, Mapping[str, str]]:
        return self.site.mentions if self.mentions is None else self.mentions


COMMON_SETTINGS: dict[str, s.Field] = {
    "enabled": s.Field(s.boolean, default=True, doc="Make cuts for this platform."),
    "handle": s.Field(s.string, doc="The account's handle, shown in previews."),
    "display_name": s.Field(s.string, doc="The account's name, shown in previews (default: the site name)."),
    "avatar": s.Field(s.nonempty_string, doc="Avatar image for previews, relative to the site root."),
    "hashtags": s.Field(s.boolean, default=True, doc="Append hashtags from tags while they fit."),
    "link_position": s.Field(s.choice("first", "last"), default="last", doc="Where the link goes in a thread."),
    "card": s.Field(s.nonempty_string, doc="Card layout for this platform."),
    "on_change": s.Field(s.choice("warn", "edit", "repost"), default="warn",
                         doc="What publish does when a posted entry's content changes."),
    "delete_retracted": s.Field(s.boolean, default=True,
                                doc="Delete posts of retracted or removed articles on the next publish."),
    "when": s.Field(accounts.when_table, doc="Narrows the articles the platform's default account takes "
                                             "({ lang, section, tags, path }; see [accounts])."),
    "video": s.Field(s.boolean, default=True, doc="Post an article's video here (false: its card)."),
    "video_max_seconds": s.Field(s.number(0.1, 86400.0),
                                 doc="This account's longest video, in seconds (below the network's rule)."),
    "video_max_bytes": s.Field(s.integer(1), doc="This account's largest video file in bytes (a Mastodon "
                                                 "instance's own media_attachments limit)."),
}
