"""LinkedIn. For an organization author: ``GET /rest/organizationAcls?q=roleAssignee&state=APPROVED``, the
token's member's roles (ADMINISTRATOR, CONTENT_ADMINISTRATOR or DIRECT_SPONSORED_CONTENT_POSTER may post for
the organization); for a person author: ``GET /v2/userinfo`` (OpenID ``sub``). A 401 is an invalid, expired
(EXPIRED_ACCESS_TOKEN) or revoked token. Access tokens live 60 days; their expiry and scopes are readable only
through token introspection, with the app's client id and secret (SMMGEN_LINKEDIN_CLIENT_ID and
SMMGEN_LINKEDIN_CLIENT_SECRET); refresh tokens exist only for approved partners.

Sources:
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role ;
https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection ;
https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens ;
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api (w_member_social,
w_organization_social).
"""

from __future__ import annotations

import datetime as dt

from smmgen.errors import ConfigError
from smmgen.publish.base import AdapterContext, Secret
from smmgen.publish.doctor.health import Report, missing, optional
from smmgen.publish.http import Http
from smmgen.publish.linkedin import ENV, NAME, _error_body

POSTERS = ("ADMINISTRATOR", "CONTENT_ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER")
CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN = ("SMMGEN_LINKEDIN_CLIENT_ID", "SMMGEN_LINKEDIN_CLIENT_SECRET",
                                           "SMMGEN_LINKEDIN_REFRESH_TOKEN")
REFRESH = ("POST https://www.linkedin.com/oauth/v2/accessToken with grant_type=refresh_token, the refresh token, "
           "client_id and client_secret")


def check(ctx: AdapterContext, report: Report) -> None:
    token = ctx.secret(ENV[0])
    author = ctx.setting("author")
    if not author:
        raise ConfigError("smmgen.toml", "publish.linkedin.author",
                          'required to publish to LinkedIn (e.g. "urn:li:organization:2414183")')
    author = str(author)
    api = str(ctx.setting("api_base", "https://api.linkedin.com")).rstrip("/")
    http = Http(NAME, api, ctx.http, ctx.budget, secrets=[token], error_body=_error_body,
                headers={"Authorization": f"Bearer {token.reveal()}", "X-Restli-Protocol-Version": "2.0.0",
                         "LinkedIn-Version": str(ctx.setting("version", "202605"))})
    try:
        if author.startswith("urn:li:organization:"):
            _organization(http, author, report)
        else:
            _person(http, author, report)
        client_id, client_secret = optional(ctx, CLIENT_ID), optional(ctx, CLIENT_SECRET)
        if client_id is None or client_secret is None:
            report.warn("token.expiry_unknown", f"LinkedIn tokens live 60 days; set {CLIENT_ID} and {CLIENT_SECRET} "
                        "(the app's) for doctor to read this one's expiry and scopes")
            return
        oauth = str(ctx.setting("oauth_base", "https://www.linkedin.com")).rstrip("/")
        _introspect(http, f"{oauth}/oauth/v2/introspectToken", token, client_id, client_secret, author, report)
        report.refreshable = optional(ctx, REFRESH_TOKEN) is not None
        report.refresh = REFRESH if report.refreshable else None
    finally:
        http.close()


def _organization(http: Http, author: str, report: Report) -> None:
    response = http.call("GET", "rest/organizationAcls", resend=True, ok=(200, 403),
                         params={"q": "roleAssignee", "state": "APPROVED"})
    if response.status_code == 403:
        report.warn("scope.unreadable", "the token may not read its member's organization roles "
                    "(r_organization_admin), so doctor cannot tell whether it may post for " + author)
        return
    elements = response.json().get("elements") or []
    roles = sorted({str(e.get("role")) for e in elements if e.get("organization") == author})
    member = next((str(e.get("roleAssignee")) for e in elements if e.get("roleAssignee")), "the token's member")
    report.who = f"{member} ({', '.join(roles) or 'no role'} of {author})"
    if not set(roles) & set(POSTERS):
        report.error("permission.missing", f"{member} is no administrator or content administrator of {author} "
                     f"([publish.linkedin] author){' (roles: ' + ', '.join(roles) + ')' if roles else ''}; "
                     "use a token of a member who is, or correct the author")


def _person(http: Http, author: str, report: Report) -> None:
    response = http.call("GET", "v2/userinfo", resend=True, ok=(200, 403))
    if response.status_code == 403:
        report.warn("scope.unreadable", "the token may not read its member (scopes openid and profile), so doctor "
                    f"cannot tell whether it is {author}'s")
        return
    sub = str(response.json()["sub"])
    report.who = f"urn:li:person:{sub}"
    if author != f"urn:li:person:{sub}":
        report.error("account.mismatch", f"the token is urn:li:person:{sub}'s, but [publish.linkedin] author is "
                     f"{author}: the posts would be refused; use that member's token (or correct the author)")


def _introspect(http: Http, url: str, token: Secret, client_id: Secret, client_secret: Secret, author: str,
                report: Report) -> None:
    http.add_secret(client_secret.reveal())
    # The OAuth server gets the client credentials in the form, and no bearer header.
    info = http.call("POST", url, resend=True, headers={"Authorization": None},
                     data={"client_id": client_id.reveal(), "client_secret": client_secret.reveal(),
                           "token": token.reveal()}).json()
    if info.get("active") is not True:
        report.error("auth.invalid", f"LinkedIn says the token is {info.get('status') or 'not active'}; create a "
                     "new one and update the secret")
        return
    if isinstance(info.get("expires_at"), int):
        report.expires_at = dt.datetime.fromtimestamp(info["expires_at"], dt.UTC)
    scopes = tuple(s for s in str(info.get("scope") or "").split(",") if s)
    report.scopes = scopes
    needed = "w_organization_social" if author.startswith("urn:li:organization:") else "w_member_social"
    lacking = missing(set(scopes), {needed: "posting and deleting"})
    if lacking:
        report.error("scope.missing", f"the token lacks {', '.join(lacking)}")
