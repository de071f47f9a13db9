"""``[publish]`` in smmgen.toml: where the ledger lives, how long to wait, and per-platform endpoints.

Never secrets: credentials come only from environment variables (each adapter's ``ENV``). This module is
imported when smmgen.toml is validated, by the build too, so it sits outside the ``publish`` package (the
configuration never reaches into the publisher) and imports only the schema helpers: no ``requests``, no adapter.
"""

from __future__ import annotations

import datetime as dt
import re

from smmgen import facts
from smmgen.config import schema as s

BLUESKY_SETTINGS = {
    "service": s.Field(s.url, default="https://bsky.social",
                       doc="The account's PDS (or an entryway such as https://bsky.social)."),
    "web_url": s.Field(s.url, default="https://bsky.app", doc="Where post URLs in the ledger point."),
    "video_service": s.Field(s.url, doc="Bluesky's video service (https://video.bsky.app), which transcodes a video "
                                        "for the app before it is posted; unset, the PDS stores the file as it is."),
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


def _pattern(regex: str, example: str) -> s.Converter:
    def convert(value: object) -> str:
        text = s.nonempty_string(value)
        if not re.fullmatch(regex, text):
            raise s.Invalid(f"expected something like {example}, got {s.shown(value)}")
        return text
    return convert


def _floor(value: object) -> dt.date | dt.datetime:
    """A TOML date or date-time, or the same as an ISO string."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, str):
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                return parse(value.strip())
            except ValueError:
                pass
    raise s.Invalid(f"not a date: {s.shown(value)} (write e.g. 2026-01-01 or 2026-01-01T00:00:00+01:00)")


# Graph API versions live about two years; a pinned one changes only when someone changes it.
_GRAPH_VERSION = s.Field(_pattern(r"v\d+\.\d+", '"v25.0"'), default="v25.0",
                         doc="The Graph API version every call names, e.g. \"v25.0\".")

def _span(delta: dt.timedelta) -> str:
    """``10 min``, ``30 days``: a scheduling window's end as the settings' docs show it."""
    return f"{delta.days} days" if delta.days else f"{delta.seconds // 60} min"


X_SETTINGS = {
    "api_base": s.Field(s.url, default="https://api.x.com", doc="The X API server."),
    "web_url": s.Field(s.url, default="https://x.com", doc="Where post URLs in the ledger point."),
}

FACEBOOK_SETTINGS = {
    "page_id": s.Field(_pattern(r"\d+", '"104955112233445"'), doc="The Page's numeric id."),
    "graph_version": _GRAPH_VERSION,
    "api_base": s.Field(s.url, default="https://graph.facebook.com", doc="The Graph API server."),
    "video_api_base": s.Field(s.url, doc="Where videos are uploaded (default: https://graph-video.facebook.com, "
                                         "or api_base when that is not Facebook's)."),
    "native_scheduling": s.Field(s.boolean, default=False,
                                 doc=f"Hand a post due {_span(facts.FACEBOOK.schedule.bounds[0])} to "
                                     f"{_span(facts.FACEBOOK.schedule.bounds[1])} ahead to Facebook's own scheduler "
                                     "(published=false + scheduled_publish_time)."),
}

INSTAGRAM_SETTINGS = {
    "user_id": s.Field(_pattern(r"\d+", '"17841400000000000"'), doc="The Instagram professional account's id."),
    "api": s.Field(s.choice("facebook_login", "instagram_login"), default="facebook_login",
                   doc='"facebook_login" (graph.facebook.com; can delete posts) or "instagram_login" '
                       "(graph.instagram.com; cannot delete)."),
    "graph_version": _GRAPH_VERSION,
    "api_base": s.Field(s.url, doc="Send API calls here instead of the api's host (a test server)."),
}

THREADS_SETTINGS = {
    "user_id": s.Field(s.nonempty_string, default="me", doc='The Threads user id ("me": the token\'s user).'),
    "api_version": s.Field(_pattern(r"v\d+\.\d+", '"v1.0"'), default="v1.0", doc="The Threads API version."),
    "api_base": s.Field(s.url, default="https://graph.threads.net", doc="The Threads API server."),
}

LINKEDIN_SETTINGS = {
    "author": s.Field(_pattern(r"urn:li:(person|organization):[\w-]+", '"urn:li:organization:2414183"'),
                      doc="Who posts: a person or organization URN."),
    "version": s.Field(_pattern(r"20\d\d(0[1-9]|1[0-2])", '"202605"'), default="202605",
                       doc="The LinkedIn-Version header (YYYYMM); versions are retired after about a year."),
    "visibility": s.Field(s.choice("PUBLIC", "CONNECTIONS", "LOGGED_IN"), default="PUBLIC",
                          doc="Who can see the posts."),
    "api_base": s.Field(s.url, default="https://api.linkedin.com", doc="The LinkedIn API server."),
    "web_url": s.Field(s.url, default="https://www.linkedin.com", doc="Where post URLs in the ledger point."),
    "oauth_base": s.Field(s.url, default="https://www.linkedin.com",
                          doc="LinkedIn's OAuth server, where smmgen doctor reads a token's expiry."),
}

VK_SETTINGS = {
    "group_id": s.Field(s.integer(1), doc="The community's numeric id (positive; posts go to owner_id=-id)."),
    "api_version": s.Field(_pattern(r"5\.\d+", '"5.199"'), default="5.199", doc="The v= of every call."),
    "api_base": s.Field(s.url, default="https://api.vk.com", doc="The VK API server."),
    "web_url": s.Field(s.url, default="https://vk.com", doc="Where post URLs in the ledger point."),
    "native_scheduling": s.Field(s.boolean, default=False,
                                 doc="Hand a post due in the future to VK's scheduler (publish_date)."),
}

# Per-platform tables. An adapter added to publish/registry.py declares its table here.
PLATFORM_SETTINGS: dict[str, dict[str, s.Field]] = {
    "bluesky": BLUESKY_SETTINGS,
    "mastodon": MASTODON_SETTINGS,
    "telegram": TELEGRAM_SETTINGS,
    "x": X_SETTINGS,
    "facebook": FACEBOOK_SETTINGS,
    "instagram": INSTAGRAM_SETTINGS,
    "threads": THREADS_SETTINGS,
    "linkedin": LINKEDIN_SETTINGS,
    "vk": VK_SETTINGS,
}

# Every platform may wait longer than [publish] media_wait for its video processing (X and Meta take minutes).
for _fields in PLATFORM_SETTINGS.values():
    _fields["media_wait"] = s.Field(s.number(0, 3600), doc="Seconds to wait for this network to finish "
                                    "processing an uploaded video (default: [publish] media_wait).")

MAX_POSTS_PER_RUN = 50     # enough for a busy day on every platform; far below an archive posted at once

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
    "removal_limit": s.Field(s.integer(0), default=3,
                             doc="Articles whose posts one run may delete because they left the manifest (or "
                                 "removal_share of the articles with live posts, if more); beyond that the run "
                                 "stops before doing anything, until run with --force-delete."),
    "removal_share": s.Field(s.number(0, 1), default=0.1,
                             doc="The share (0 to 1) of the articles with live posts that may leave the manifest "
                                 "in one run; see removal_limit."),
    "not_before": s.Field(_floor, doc="A hard floor: no post of an article dated before this date (or date-time; "
                                      "site-local unless it has an offset) is ever sent, and such posts take no "
                                      "plan slots. Set it when pointing smmgen at a site with an archive."),
    "max_posts_per_run": s.Field(s.integer(1), default=MAX_POSTS_PER_RUN,
                                 doc="A run that would make more new posts than this stops before posting "
                                     "anything (go on with --limit N, or --allow-many)."),
    "preflight": s.Field(s.boolean, default=True,
                         doc="Before posting, check that the article page answers 200 over HTTPS with the card "
                             "as its og:image, and that the cards serve the manifest's bytes; until then the "
                             "entry waits for a later run. false: for sites CI cannot reach (or --no-preflight)."),
    "preflight_max_wait": s.Field(s.duration, default=dt.timedelta(hours=6),
                                  doc="How long after its publish_at an entry may wait for its page; then the "
                                      "run fails, naming the URL and what was wrong."),
    **{name: s.Field(s.table(fields)) for name, fields in PLATFORM_SETTINGS.items()},
}


def floor_time(value: dt.date | dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    """``[publish] not_before`` as an instant: a date alone starts at midnight in the site's timezone."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return (value if value.tzinfo else value.replace(tzinfo=tz, fold=0)).astimezone(dt.UTC)
