"""Bluesky: ``com.atproto.server.createSession`` against the configured PDS, the publisher's own first call:
are the handle and app password right, which account (handle and DID) they open, and is it the one
``[platforms.bluesky] handle`` names. App passwords do not expire; the session's tokens are not kept.

The access token's ``scope`` claim tells an app password (``com.atproto.appPass``, or
``com.atproto.appPassPrivileged``) from the account's main password (``com.atproto.access``), which could do
everything the owner can and cannot be revoked on its own.

Sources: atproto lexicons ``com.atproto.server.createSession`` (output: accessJwt, refreshJwt, handle, did,
active, status; errors AccountTakedown, AuthFactorTokenRequired) and the PDS's auth scopes
(``packages/pds/src/auth-scope.ts``: com.atproto.access, com.atproto.appPass, com.atproto.appPassPrivileged).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from smmgen.publish.base import AdapterContext
from smmgen.publish.bluesky import ENV, NAME, _error_body
from smmgen.publish.doctor.health import Report
from smmgen.publish.http import Http

SCOPES = {"com.atproto.access": "the account's main password",
          "com.atproto.appPass": "an app password",
          "com.atproto.appPassPrivileged": "an app password with access to direct messages"}


def check(ctx: AdapterContext, report: Report) -> None:
    identifier = ctx.account(ENV[0])
    password = ctx.secret(ENV[1], password=True)
    service = str(ctx.setting("service", "https://bsky.social")).rstrip("/")
    http = Http(NAME, f"{service}/xrpc", ctx.http, ctx.budget, secrets=[password], error_body=_error_body)
    try:
        session = http.call("POST", "com.atproto.server.createSession", resend=True,
                            json={"identifier": identifier, "password": password.reveal()}).json()
    finally:
        http.close()
    for key in ("accessJwt", "refreshJwt"):
        if session.get(key):
            http.add_secret(str(session[key]))
    handle, did = str(session["handle"]), str(session["did"])
    report.who = f"@{handle} ({did})"
    wanted = report.handle.lstrip("@").lower()
    if wanted and wanted != handle.lower():
        report.error("account.mismatch", f"the handle and password open @{handle}, but [platforms.bluesky] "
                     f"handle is @{wanted}: the posts would go out as @{handle}; use that account's app password "
                     "(or correct the handle)")
    if session.get("active") is False:
        report.error("account.inactive", f"@{handle} is not active ({session.get('status') or 'deactivated'}); "
                     "posts would be refused")
    scope = _claims(str(session.get("accessJwt") or "")).get("scope")
    if isinstance(scope, str):
        report.scopes = (scope,)
        if scope == "com.atproto.access":
            report.warn("auth.main_password", f"{password.name} holds the account's main password; create an app "
                        "password (Settings, Privacy and security, App passwords) so it can be revoked alone")


def _claims(jwt: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (only to read what kind of session the PDS opened)."""
    try:
        payload = jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}
