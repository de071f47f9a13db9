"""Instagram. With Facebook Login (graph.facebook.com): ``debug_token`` (valid, scopes, expiry), the
professional account (``GET /{ig-user-id}?fields=id,username``) against the configured handle, and the
publishing quota (``content_publishing_limit``). With Instagram Login (graph.instagram.com):
``GET /me?fields=user_id,username``; its long-lived tokens live 60 days, and the API does not say when one
expires, but a token at least 24 hours old can be refreshed without a person.

Sources: https://developers.facebook.com/docs/instagram-platform/content-publishing/ (instagram_basic,
instagram_content_publish, pages_read_engagement; quota); .../reference/ig-user/content_publishing_limit ;
https://developers.facebook.com/documentation/instagram-platform/reference/refresh_access_token (60 days,
ig_refresh_token); https://developers.facebook.com/docs/graph-api/reference/debug_token/ .
"""

from __future__ import annotations

from typing import Any

from smmgen.errors import ConfigError
from smmgen.publish import meta as graph
from smmgen.publish.base import AdapterContext, Secret
from smmgen.publish.doctor.health import Report
from smmgen.publish.doctor.meta import debug_token, read_token
from smmgen.publish.http import Http
from smmgen.publish.instagram import ENV, HOSTS, NAME

NEEDS = {"instagram_basic": "reading the account", "instagram_content_publish": "posting",
         "pages_read_engagement": "reading the account's Page"}
REFRESH = ("GET https://graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token=<token>, "
           "once the token is at least 24 hours old")


def check(ctx: AdapterContext, report: Report) -> None:
    token = ctx.secret(ENV[0])
    user_id = ctx.setting("user_id")
    if not user_id:
        raise ConfigError("smmgen.toml", "publish.instagram.user_id",
                          "required to publish to Instagram (the professional account's id)")
    flavour = str(ctx.setting("api", "facebook_login"))
    api = str(ctx.setting("api_base") or HOSTS[flavour]).rstrip("/")
    http = Http(NAME, f"{api}/{ctx.setting('graph_version', 'v25.0')}", ctx.http, ctx.budget, secrets=[token],
                error_body=graph.error_body(NAME))
    try:
        if flavour == "instagram_login":
            _instagram_login(http, token, str(user_id), report)
        else:
            _facebook_login(http, token, str(user_id), report)
    finally:
        http.close()


def _get(http: Http, path: str, token: Secret, fields: str) -> Any:
    response = http.call("GET", path, resend=True, ok=(200, 400),
                         params={"fields": fields, "access_token": token.reveal()})
    if response.status_code == 400:
        raise_for = graph.graph_error(response)
        if raise_for.get("code") == 100:
            return None             # "does not exist, cannot be loaded due to missing permissions"
        raise http.error_for(response)
    return response.json()


def _facebook_login(http: Http, token: Secret, user_id: str, report: Report) -> None:
    report.refreshable = False
    if not read_token(report, debug_token(http, token), NEEDS, "Instagram"):
        return
    account = _get(http, user_id, token, "id,username")
    if account is None:
        report.error("account.mismatch", f"the token cannot reach Instagram account {user_id} ([publish.instagram] "
                     "user_id): it is another account's, or that account's Page did not grant it")
        return
    _compare(report, account, user_id, "id")
    quota = _get(http, f"{user_id}/content_publishing_limit", token, "quota_usage,config")
    usage = ((quota or {}).get("data") or [{}])[0]
    used, total = usage.get("quota_usage"), (usage.get("config") or {}).get("quota_total")
    if isinstance(used, int) and isinstance(total, int):
        text = f"{used} of {total} posts published in the last 24 hours"
        (report.warn if used >= total else report.note)("quota.publishing", text)


def _instagram_login(http: Http, token: Secret, user_id: str, report: Report) -> None:
    me = _get(http, "me", token, "user_id,username")
    _compare(report, me, user_id, "user_id")
    report.refreshable, report.refresh = True, REFRESH
    report.warn("token.expiry_unknown", "Instagram Login tokens live 60 days and the API does not say when this "
                f"one expires; refresh it at least monthly without a person: {REFRESH}; then store the new "
                "token in the secret")


def _compare(report: Report, account: dict[str, Any], user_id: str, id_field: str) -> None:
    name, found = str(account.get("username") or ""), str(account.get(id_field) or account.get("id") or "")
    report.who = f"@{name} ({found})"
    handle = report.handle.lstrip("@").lower()
    if found != user_id:
        report.error("account.mismatch", f"the token is @{name}'s ({found}), but [publish.instagram] user_id is "
                     f"{user_id}; use that account's token (or correct user_id)")
    elif handle and name.lower() != handle:
        # The posts go to user_id, which is right: only what the preview shows as the account is wrong.
        report.warn("account.handle_mismatch", f"account {user_id} is @{name}, but [platforms.instagram] handle is "
                    f"@{handle}, which the preview shows as the account; correct the handle")
