"""Facebook Page: ``debug_token`` (valid, a Page token of the configured Page, its scopes and expiry) and the
Page itself (``GET /{page-id}?fields=id,name``). A Page token made from a long-lived user token does not expire
(expires_at 0), but its data access does, 90 days after a person last used the app; no refresh without a
person.

Sources: https://developers.facebook.com/docs/graph-api/reference/debug_token/ ;
https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived/ ;
https://developers.facebook.com/docs/pages-api/posts (pages_manage_posts, pages_read_engagement); error
code 190 is an invalid or expired token (graph-api/guides/error-handling).
"""

from __future__ import annotations

from smmgen.errors import ConfigError
from smmgen.publish import meta as graph
from smmgen.publish.base import AdapterContext
from smmgen.publish.doctor.health import Report
from smmgen.publish.doctor.meta import debug_token, read_token
from smmgen.publish.facebook import ENV, NAME
from smmgen.publish.http import Http

NEEDS = {"pages_manage_posts": "posting, scheduling and deleting",
         "pages_read_engagement": "reading the Page's posts (finding a post after a lost answer)"}


def check(ctx: AdapterContext, report: Report) -> None:
    token = ctx.secret(ENV[0])
    page_id = ctx.setting("page_id")
    if not page_id:
        raise ConfigError("smmgen.toml", "publish.facebook.page_id", "required to publish to a Facebook Page")
    api = str(ctx.setting("api_base", "https://graph.facebook.com")).rstrip("/")
    http = Http(NAME, f"{api}/{ctx.setting('graph_version', 'v25.0')}", ctx.http, ctx.budget, secrets=[token],
                error_body=graph.error_body(NAME))
    try:
        data = debug_token(http, token)
        report.refreshable = False
        if not read_token(report, data, NEEDS, "Facebook"):
            return
        profile = str(data.get("profile_id") or "")
        if data.get("type") != "PAGE":
            report.error("token.type", f"a {data.get('type') or 'non-Page'} token, not a Page token: get the "
                         f"Page's token (GET /{page_id}?fields=access_token with a user token of a Page admin)")
        elif profile != str(page_id):
            report.who = f"Page {profile}"
            report.error("account.mismatch", f"the token is Page {profile}'s, but [publish.facebook] page_id is "
                         f"{page_id}; use that Page's token (or correct page_id)")
            return
        page = http.call("GET", str(page_id), resend=True, params={"fields": "id,name",
                                                                   "access_token": token.reveal()}).json()
        report.who = f"{page.get('name')} (Page {page.get('id')})"
    finally:
        http.close()
