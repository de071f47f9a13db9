"""Mastodon: the instance's configuration (``GET /api/v2/instance``, public) against ``[platforms.mastodon]``,
the token's account (``GET /api/v1/accounts/verify_credentials``) against the configured handle, and the
scopes of the token's app (``GET /api/v1/apps/verify_credentials``, which lists them since Mastodon 4.3).
Mastodon's access tokens do not expire; a revoked one answers 401 like a wrong one.

Sources (mastodon/documentation): methods/instance.md and entities/Instance.md (domain;
configuration.statuses.max_characters, characters_reserved_per_url, max_media_attachments;
configuration.media_attachments.supported_mime_types, image_size_limit, image_matrix_limit),
methods/accounts.md (verify_credentials: read:accounts or profile), methods/apps.md and
entities/Application.md (verify_credentials; ``scopes`` added in 4.3.0), api/oauth-scopes.md (``write``
includes every ``write:*``; statuses and media need write:statuses and write:media), methods/statuses.md and
methods/media.md (the scopes of the calls the publisher makes). A token without a scope a call needs answers
403 "This action is outside the authorized scopes".
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from smmgen import facts
from smmgen.cards.targets import TARGETS
from smmgen.errors import ConfigError
from smmgen.publish.base import AdapterContext
from smmgen.publish.doctor.health import Report, missing
from smmgen.publish.http import Http
from smmgen.publish.mastodon import ENV, NAME

# What the publisher calls, by scope (create, edit and delete statuses; upload and poll media; look a post up
# after a lost answer through the token's account).
NEEDS = {"write:statuses": "posting, editing and deleting", "write:media": "uploading images",
         "read:accounts": "finding a post after a lost answer"}
CARD_FORMATS = {"jpeg": "image/jpeg", "png": "image/png"}


def _covers(scope: str) -> tuple[str, ...]:
    wider = (scope.split(":")[0],)
    return (*wider, "profile") if scope == "read:accounts" else wider


def check(ctx: AdapterContext, report: Report) -> None:
    token = ctx.secret(ENV[0])
    instance = ctx.setting("instance") or ctx.platform_options.get("instance")
    if not instance:
        raise ConfigError("smmgen.toml", "publish.mastodon.instance", "required to publish to Mastodon")
    http = Http(NAME, str(ctx.setting("api_base") or instance), ctx.http, ctx.budget, secrets=[token],
                headers={"Authorization": f"Bearer {token.reveal()}"})
    try:
        server = http.call("GET", "api/v2/instance", resend=True).json()
        domain = str(server.get("domain") or urlsplit(str(instance)).hostname or "")
        _configuration(report, server.get("configuration") or {}, ctx.platform_options)
        me = http.call("GET", "api/v1/accounts/verify_credentials", resend=True, ok=(200, 403))
        if me.status_code == 403:
            report.error("scope.missing", "the token may not read its own account (read:accounts), which the "
                         "publisher needs for finding a post after a lost answer; create a token with "
                         "write:statuses, write:media and read:accounts")
        else:
            _account(report, me.json(), domain)
        app = http.call("GET", "api/v1/apps/verify_credentials", resend=True).json()
        _scopes(report, app)
    finally:
        http.close()


def _account(report: Report, account: dict[str, Any], domain: str) -> None:
    username = str(account["username"])
    report.who = f"@{username}@{domain} (id {account['id']})"
    handle = report.handle.lstrip("@")
    if not handle:
        return
    local, _, host = handle.partition("@")
    if local.lower() != username.lower() or (host and host.lower() != domain.lower()):
        report.error("account.mismatch", f"the token belongs to @{username}@{domain}, but [platforms.mastodon] "
                     f"handle is @{handle}: the posts would go out as @{username}; use that account's token "
                     "(or correct the handle)")


def _scopes(report: Report, app: dict[str, Any]) -> None:
    scopes = app.get("scopes")
    if not isinstance(scopes, list):
        report.note("scope.unlisted", "this server does not list the token's scopes (Mastodon before 4.3); "
                    "a missing one shows as an error when the publisher needs it")
        return
    report.scopes = tuple(str(s) for s in scopes)
    lacking = missing(set(report.scopes), NEEDS, covers=_covers)
    if lacking:
        report.error("scope.missing", f"the token's app ({app.get('name')}) lacks {', '.join(lacking)}; create "
                     "a token with write:statuses, write:media and read:accounts")


def _configuration(report: Report, conf: dict[str, Any], options: Any) -> None:
    """Where [platforms.mastodon] and the instance disagree, and media the instance would refuse."""
    statuses = conf.get("statuses") or {}
    media = conf.get("media_attachments") or {}
    limit = statuses.get("max_characters")
    ours = int(options.get("max_characters") or facts.MASTODON.text.value)
    if isinstance(limit, int) and limit != ours:
        text = (f"the instance allows {limit} characters, [platforms.mastodon] max_characters = {ours}; "
                f"set max_characters = {limit}")
        if limit < ours:
            report.error("config.max_characters", text + " (longer posts would be refused)")
        else:
            report.warn("config.max_characters", text + " to use the room the instance gives")
    per_url = statuses.get("characters_reserved_per_url")
    ours_url = int(options.get("characters_reserved_per_url") or facts.MASTODON.url_length.value)
    if isinstance(per_url, int) and per_url != ours_url:
        text = (f"the instance counts a link as {per_url} characters, [platforms.mastodon] "
                f"characters_reserved_per_url = {ours_url}; set characters_reserved_per_url = {per_url}")
        if per_url > ours_url:
            report.error("config.characters_reserved_per_url", text + " (posts near the limit would be refused)")
        else:
            report.warn("config.characters_reserved_per_url", text)
    if statuses.get("max_media_attachments") == 0:
        report.error("media.refused", "the instance takes no media attachments; cards cannot be attached")
    mimes = media.get("supported_mime_types")
    target = TARGETS["mastodon"]
    if isinstance(mimes, list):
        refused = [fmt for fmt in target.formats if CARD_FORMATS[fmt] not in mimes]
        if refused:
            report.error("media.format", f"the instance does not take {', '.join(refused).upper()} images, which "
                         "smmgen's cards may be")
    pixels = media.get("image_matrix_limit")
    if isinstance(pixels, int) and pixels < target.width * target.height:
        report.error("media.size", f"the instance takes images up to {pixels:,} pixels; smmgen's Mastodon cards "
                     f"are {target.width}x{target.height}")
    size = media.get("image_size_limit")
    if isinstance(size, int) and size < target.max_bytes:
        report.error("media.size", f"the instance takes images up to {size:,} bytes; smmgen's Mastodon cards may "
                     f"be up to {target.max_bytes:,}")
