"""Threads: the token's profile (``GET /me?fields=id,username``) against the configured handle and user id,
and ``debug_token`` on graph.threads.net for validity, scopes and expiry. Long-lived tokens live 60 days and
can be refreshed without a person once at least 24 hours old; one not refreshed in 60 days is gone for good.
debug_token needs the token to belong to the app's tester: when it cannot be read, the expiry is unknown.

Sources: https://developers.facebook.com/docs/threads/get-started/long-lived-tokens/ (60 days,
th_refresh_token); https://developers.facebook.com/documentation/threads/troubleshooting/debug-access-token ;
https://developers.facebook.com/docs/threads/posts (threads_basic, threads_content_publish) and
posts/delete-posts (threads_delete).
"""

from __future__ import annotations

from smmgen.errors import PublishError
from smmgen.publish import meta as graph
from smmgen.publish.base import AdapterContext
from smmgen.publish.doctor.health import Report
from smmgen.publish.doctor.meta import debug_token, read_token
from smmgen.publish.http import Http
from smmgen.publish.threads import ENV, NAME

NEEDS = {"threads_basic": "reading the profile", "threads_content_publish": "posting",
         "threads_delete": "deleting expired, retracted and removed posts"}
REFRESH = ("GET https://graph.threads.net/refresh_access_token?grant_type=th_refresh_token&access_token=<token>, "
           "once the token is at least 24 hours old")


def check(ctx: AdapterContext, report: Report) -> None:
    token = ctx.secret(ENV[0])
    user_id = str(ctx.setting("user_id", "me"))
    api = str(ctx.setting("api_base", "https://graph.threads.net")).rstrip("/")
    http = Http(NAME, f"{api}/{ctx.setting('api_version', 'v1.0')}", ctx.http, ctx.budget, secrets=[token],
                error_body=graph.error_body(NAME))
    try:
        me = http.call("GET", "me", resend=True, params={"fields": "id,username",
                                                          "access_token": token.reveal()}).json()
        name, found = str(me.get("username") or ""), str(me["id"])
        report.who = f"@{name} ({found})"
        handle = report.handle.lstrip("@").lower()
        if user_id != "me" and found != user_id:
            report.error("account.mismatch", f"the token is @{name}'s ({found}), but [publish.threads] user_id is "
                         f"{user_id}; use that profile's token (or correct user_id)")
        elif handle and name.lower() != handle:
            report.error("account.mismatch", f"the token is @{name}'s, but [platforms.threads] handle is "
                         f"@{handle}: the posts would go out as @{name}; use that profile's token (or correct the "
                         "handle)")
        report.refreshable, report.refresh = True, REFRESH
        try:
            data = debug_token(http, token)
        except PublishError as e:
            # /me answered, so the token works: a refusal here (a permission error for a token of no tester of
            # the app) is about debug_token, not the token.
            if e.transient:
                raise
            report.note("token.expiry_unknown", f"debug_token could not be read ({e.detail}), so the expiry is "
                        f"unknown; long-lived tokens live 60 days: refresh without a person: {REFRESH}")
            return
        read_token(report, data, NEEDS, "Threads")
    finally:
        http.close()
