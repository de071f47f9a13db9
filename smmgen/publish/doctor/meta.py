"""What the checks of Meta's APIs share: ``debug_token``, read with the token itself, which says whether it is
valid, its type, the account it acts for, its scopes, and when it (and its data access) expire.

Sources: https://developers.facebook.com/docs/graph-api/reference/debug_token/ (is_valid, type, profile_id,
expires_at with 0 for never, data_access_expires_at, scopes);
https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived/ (Page tokens from a
long-lived user token do not expire; data access expires after 90 days);
https://developers.facebook.com/documentation/threads/troubleshooting/debug-access-token (the same on
graph.threads.net).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from smmgen.publish.base import Secret
from smmgen.publish.doctor.health import Report, missing
from smmgen.publish.http import Http


def debug_token(http: Http, token: Secret) -> dict[str, Any]:
    """debug_token's ``data`` for ``token``, asked with the token itself."""
    data = http.call("GET", "debug_token", resend=True,
                     params={"input_token": token.reveal(), "access_token": token.reveal()}).json()["data"]
    return data if isinstance(data, dict) else {}


def when(value: Any) -> dt.datetime | None:
    """A debug_token time (Unix seconds; 0 means never)."""
    return dt.datetime.fromtimestamp(int(value), dt.UTC) if isinstance(value, int) and value > 0 else None


def read_token(report: Report, data: dict[str, Any], needs: dict[str, str], platform: str) -> bool:
    """Findings from debug_token's ``data``; False when the token is not valid."""
    if data.get("is_valid") is not True:
        why = (data.get("error") or {}).get("message") or "is_valid is false"
        report.error("auth.invalid", f"{platform} says the token is not valid ({why}); renew it and update the "
                     "secret")
        return False
    expires, data_access = when(data.get("expires_at")), when(data.get("data_access_expires_at"))
    report.expires_at = expires
    if data_access is not None and (expires is None or data_access < expires):
        # Past it, the token still exists but reads nothing until a person logs in to the app again.
        report.expires_at = data_access
        report.note("token.data_access", f"data access ends {data_access:%Y-%m-%d} (Meta's 90 days since the "
                    "last login to the app); expires_at counts from then")
    scopes = data.get("scopes")
    if isinstance(scopes, list):
        report.scopes = tuple(str(s) for s in scopes)
        lacking = missing(set(report.scopes), needs)
        if lacking:
            report.error("scope.missing", f"the token lacks {', '.join(lacking)}; create a token with "
                         f"{', '.join(needs)}")
    return True
