"""``[publish]`` in smmgen.toml: where the ledger lives, how long to wait, and per-platform endpoints.

Never secrets: credentials come only from environment variables (each adapter's ``ENV``). This module is
imported when smmgen.toml is validated, by the build too, so it must not import ``requests`` or an adapter.
"""

from __future__ import annotations

import datetime as dt

from .. import schema as s

BLUESKY_SETTINGS = {
    "service": s.Field(s.url, default="https://bsky.social",
                       doc="The account's PDS (or an entryway such as https://bsky.social)."),
    "web_url": s.Field(s.url, default="https://bsky.app", doc="Where post URLs in the ledger point."),
}

MASTODON_SETTINGS = {
    "instance": s.Field(s.url, doc="The account's server, e.g. https://mastodon.social "
                                   "(default: [platforms.mastodon] instance)."),
    "api_base": s.Field(s.url, doc="Send API calls here instead of the instance (a test server)."),
    "visibility": s.Field(s.choice("public", "unlisted", "private", "direct"),
                          doc="Status visibility (default: the cut's, else public)."),
}

TELEGRAM_SETTINGS = {
    "chat_id": s.Field(s.nonempty_string, doc='The channel, e.g. "@courier_news", or a numeric chat id.'),
    "api_base": s.Field(s.url, default="https://api.telegram.org", doc="The Bot API server."),
}

# Per-platform tables. An adapter added to publish/registry.py declares its table here.
PLATFORM_SETTINGS: dict[str, dict[str, s.Field]] = {
    "bluesky": BLUESKY_SETTINGS,
    "mastodon": MASTODON_SETTINGS,
    "telegram": TELEGRAM_SETTINGS,
}

PUBLISH_SCHEMA: dict[str, s.Field] = {
    "ledger": s.Field(s.nonempty_string, default=".smmgen/ledger.json",
                      doc="The publish ledger, relative to the site root; commit it back after each run."),
    "lock_stale_after": s.Field(s.duration, default=dt.timedelta(hours=1),
                                doc="A ledger lock this old belongs to a run that died, and is taken over."),
    "connect_timeout": s.Field(s.number(0.1, 300), default=10.0, doc="Seconds to open a connection."),
    "read_timeout": s.Field(s.number(0.1, 600), default=30.0, doc="Seconds to wait for an answer."),
    "max_attempts": s.Field(s.integer(1, 20), default=4, doc="Tries per request for transient errors."),
    "backoff": s.Field(s.number(0, 600), default=2.0,
                       doc="First backoff in seconds; doubles per try, with full jitter."),
    "retry_budget": s.Field(s.number(0, 3600), default=180.0,
                            doc="Seconds a run may spend waiting on one platform's errors and rate limits."),
    "media_wait": s.Field(s.number(0, 3600), default=60.0,
                          doc="Seconds to wait for a server to finish processing an upload."),
    **{name: s.Field(s.table(fields)) for name, fields in PLATFORM_SETTINGS.items()},
}
