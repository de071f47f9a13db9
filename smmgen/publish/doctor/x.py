"""X: ``GET /2/users/me`` with the publisher's own credentials (OAuth 1.0a user context, or an OAuth 2.0 user
token in SMMGEN_X_BEARER_TOKEN): valid, whose, and whether the app may use API v2 at all (403
``client-not-enrolled``). OAuth 1.0a tokens do not expire. OAuth 2.0 user tokens live 2 hours and X does not
say when one was issued; one can be refreshed without a person only with the app's client id and a refresh
token (scope ``offline.access``), which the publisher does not do, so a bearer token is reported.

Sources: https://docs.x.com/x-api/users/user-lookup-me ;
https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code (2-hour access tokens,
offline.access, ``POST /2/oauth2/token`` with grant_type=refresh_token; scopes tweet.read, tweet.write,
users.read, media.write).
"""

from __future__ import annotations

from requests_oauthlib import OAuth1

from smmgen.errors import AuthError
from smmgen.publish.base import AdapterContext
from smmgen.publish.doctor.health import Report, optional
from smmgen.publish.http import Http
from smmgen.publish.x import ENV, NAME, _error_body

CLIENT_ID, REFRESH_TOKEN = "SMMGEN_X_CLIENT_ID", "SMMGEN_X_REFRESH_TOKEN"
REFRESH = ("POST https://api.x.com/2/oauth2/token with grant_type=refresh_token, the refresh token and the app's "
           "client_id (the token needs the offline.access scope)")


def check(ctx: AdapterContext, report: Report) -> None:
    oauth1, bearer_name = ENV[:4], ENV[4]
    bearer = optional(ctx, bearer_name)
    auth = None
    if bearer is None:
        given = [optional(ctx, name) for name in oauth1]
        if None in given:
            # Named as this account reads them: an account's own prefix, not the default account's variables.
            lacking = [ctx.variable(name) for name, value in zip(oauth1, given) if value is None]
            raise AuthError(NAME, f"environment variable {lacking[0]} is not set{ctx.whose}: X takes either "
                            f"{ctx.variable(bearer_name)} (an OAuth 2.0 user access token) or all four of "
                            f"{', '.join(map(ctx.variable, oauth1))}; missing: {', '.join(lacking)}")
        key, secret, token, token_secret = (s.reveal() for s in given if s is not None)
        auth = OAuth1(key, client_secret=secret, resource_owner_key=token, resource_owner_secret=token_secret,
                      signature_type="AUTH_HEADER")
        secrets = [s for s in given if s is not None]
    else:
        secrets = [bearer]
    http = Http(NAME, str(ctx.setting("api_base", "https://api.x.com")).rstrip("/"), ctx.http, ctx.budget,
                secrets=secrets, error_body=_error_body,
                headers={"Authorization": f"Bearer {bearer.reveal()}"} if bearer else None)
    try:
        response = http.call("GET", "2/users/me", resend=True, ok=(200, 403), auth=auth)
    finally:
        http.close()
    if response.status_code == 403:
        body = response.json()
        reason = body.get("reason") or body.get("title") or "Forbidden"
        report.error("access.forbidden", f"X refuses this app API v2 access ({reason}: {body.get('detail')}); "
                     "attach the app to a project with API access in the developer portal")
        return
    user = response.json()["data"]
    report.who = f"@{user['username']} ({user['id']})"
    handle = report.handle.lstrip("@").lower()
    if handle and str(user["username"]).lower() != handle:
        report.error("account.mismatch", f"the credentials are @{user['username']}'s, but [platforms.x] handle is "
                     f"@{handle}: the posts would go out as @{user['username']}; use that account's tokens (or "
                     "correct the handle)")
    if bearer is not None:
        refreshable = optional(ctx, CLIENT_ID) is not None and optional(ctx, REFRESH_TOKEN) is not None
        report.refreshable = refreshable
        report.refresh = REFRESH if refreshable else None
        report.warn("token.short_lived", f"{bearer.name} is an OAuth 2.0 user token, which lives 2 hours and "
                    "which the publisher does not refresh; "
                    + (f"refresh it before each run ({REFRESH})" if refreshable else
                       "without a refresh token and client id a person must renew it: use OAuth 1.0a keys "
                       f"({', '.join(oauth1)}), which do not expire"))
