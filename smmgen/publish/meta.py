"""What the adapters for Meta's APIs share (Facebook Pages, Instagram, Threads): the Graph error body and its
throttling codes, the usage header that says how long to wait, container polling, and the check that a card is
served publicly, byte for byte, before Meta is asked to fetch it.

Sources: https://developers.facebook.com/docs/graph-api/guides/error-handling (the ``error`` object: message,
type, code, error_subcode, error_user_msg, fbtrace_id; codes 1 and 2 temporary, 4 and 17 and 341 throttling,
10 and 200-299 permissions, 102 and 190 the token); https://developers.facebook.com/docs/graph-api/overview/
rate-limiting (32 page-level and 613 custom throttling; BUC codes 80000-80099; ``X-Business-Use-Case-Usage``
with ``estimated_time_to_regain_access`` in minutes); the IG Container reference and the Threads
troubleshooting page (container states EXPIRED, ERROR, FINISHED, IN_PROGRESS, PUBLISHED).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

import requests

from smmgen.errors import AuthError, PublishError, RateLimited
from smmgen.publish.base import MaybeDone, MediaFile, one_line
from smmgen.publish.http import Budget, ErrorBody, Http, HttpConfig, retry_after

AUTH_CODES = frozenset({102, 190})
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613})
TEMPORARY_CODES = frozenset({1, 2})
READY, PUBLISHED = "FINISHED", "PUBLISHED"


def graph_error(response: requests.Response) -> dict[str, Any]:
    """The Graph ``error`` object of an answer, or {} when it has none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def error_body(platform: str) -> ErrorBody:
    """An ``ErrorBody`` for Graph answers: the decision follows the error code, whatever the HTTP status
    (Graph answers most errors, an invalid token included, with 400)."""

    def read(response: requests.Response) -> tuple[str, PublishError | None]:
        error = graph_error(response)
        if not error:
            return one_line([response.text]) or f"HTTP {response.status_code}", None
        code, sub = error.get("code"), error.get("error_subcode")
        message = one_line([str(error.get("error_user_msg") or error.get("message") or "")]) or f"HTTP {response.status_code}"
        text = f"{message} (code {code}{f'/{sub}' if sub else ''})"
        status = response.status_code
        if isinstance(code, int):
            if code in AUTH_CODES or code == 10 or 200 <= code <= 299:
                return text, AuthError(platform, text, status=status)
            if code in THROTTLE_CODES or 80000 <= code <= 80099:
                return text, RateLimited(platform, text, retry_after=usage_wait(response.headers), status=status)
            if code in TEMPORARY_CODES:
                return text, MaybeDone(platform, text, status=status)
        return text, None

    return read


def usage_wait(headers: Any) -> float | None:
    """Seconds until access returns: ``Retry-After`` if sent, else the longest ``estimated_time_to_regain_access``
    (minutes) in ``X-Business-Use-Case-Usage``."""
    wait = retry_after({"Retry-After": headers.get("Retry-After")}) if headers.get("Retry-After") else None
    if wait is not None:
        return wait
    raw = headers.get("X-Business-Use-Case-Usage")
    if not raw:
        return None
    try:
        usage = json.loads(raw)
        minutes = [float(u.get("estimated_time_to_regain_access") or 0)
                   for entries in usage.values() for u in entries]
    except (ValueError, AttributeError, TypeError):
        return None
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


def wait_for_container(http: Http, platform: str, container_id: str, *, field: str, params: dict[str, str],
                       seconds: float, entry_id: str, sleep: Callable[[float], None] = time.sleep,
                       detail: str | None = None) -> str:
    """Poll a media container until it is ready (``FINISHED``) or published; its status then. ERROR and EXPIRED
    are permanent failures, named with the container's ``detail`` field (Threads' ``error_message``,
    Instagram's ``status``); still in progress after ``seconds`` is a transient one."""
    waited, step = 0.0, 0.2
    wanted = f"id,{field}" + (f",{detail}" if detail else "")
    while True:
        body = http.call("GET", container_id, resend=True, entry_id=entry_id,
                         params={**params, "fields": wanted}).json()
        status = str(body.get(field) or "")
        if status in (READY, PUBLISHED):
            return status
        if status in ("ERROR", "EXPIRED"):
            why = one_line([str(body.get(detail) or "")]) if detail else ""
            why = why or body.get("error_message") or body.get("status") or status
            raise PublishError(platform, f"the media container {status.lower()}: {why}", entry_id=entry_id)
        if waited >= seconds:
            raise PublishError(platform, f"the media container was still {status or 'unready'} after "
                               f"{waited:g} s", entry_id=entry_id, transient=True)
        sleep(step)     # bounded by media_wait, apart from the retry budget
        waited += step
        step = min(step * 2, 5.0)


def check_public(platform: str, media: MediaFile, entry_id: str, config: HttpConfig, budget: Budget) -> str:
    """The card's public URL, once it is known to serve exactly the file in the manifest: Meta fetches the
    image itself, so a missing or stale upload would post the wrong picture or fail later, less clearly."""
    setting, folder = (("media_base_url", "output/media/") if media.mime.startswith("video/") or media.role == "poster"
                       else ("cards_base_url", "output/cards/"))
    if not media.url:
        raise PublishError(platform, f"{media.path.name} has no public URL: set [site] {setting}, publish "
                           f"{folder} there, and rebuild", entry_id=entry_id)
    # A session of its own: the card host must never see the platform's credentials.
    web = Http(platform, media.url, config, budget)
    try:
        head = web.call("HEAD", media.url, resend=True, ok=range(200, 600), entry_id=entry_id,
                        allow_redirects=True)
        if head.status_code != 200:
            raise PublishError(platform, f"{media.url} answers HTTP {head.status_code}; publish {folder} "
                               f"under {setting} before posting", entry_id=entry_id)
        ctype = (head.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != media.mime:
            raise PublishError(platform, f"{media.url} is served as {ctype or 'no type'}, not {media.mime}",
                               entry_id=entry_id)
        body = web.call("GET", media.url, resend=True, entry_id=entry_id).content
    finally:
        web.close()
    if hashlib.sha256(body).hexdigest() != media.sha256:
        raise PublishError(platform, f"{media.url} serves other bytes than {media.path.name} in the manifest "
                           f"(an older upload?); publish {folder} again", entry_id=entry_id)
    return media.url
