"""What the Facebook, Instagram and Threads fakes share: Meta's Graph API conventions.

Rules, each from Meta's documentation unless noted:
- Paths are ``/<version>/<node>[/<edge>]``; the token comes as the ``access_token`` parameter (query string or
  body), as the Pages API guide and the Threads and Instagram references show it.
- Errors are ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``
  (graph-api/guides/error-handling). An invalid token is code 190, type OAuthException, answered with HTTP 400
  and a ``WWW-Authenticate: OAuth "Facebook Platform" "invalid_token" ...`` header (observed behaviour, as
  every client library handles it).
- Throttling is code 4 (app), 17 (user) or 32 (page) with ``X-Business-Use-Case-Usage`` giving
  ``estimated_time_to_regain_access`` in minutes (graph-api/overview/rate-limiting); the HTTP status of
  throttling errors is not documented (400 here).
- ``X-App-Usage`` reports usage in percent on answers (rate-limiting guide).
- ``GET /debug_token?input_token=<t>&access_token=<t>`` (graph-api/reference/debug_token; Threads:
  threads/troubleshooting/debug-access-token) answers ``{"data": {"app_id", "type", "application",
  "data_access_expires_at", "expires_at" (0: never), "is_valid", "issued_at", "scopes", "granular_scopes",
  "user_id"}}``, with ``profile_id`` for a Page token; an input token it does not know answers ``is_valid:
  false`` with an ``error`` object. An expired token is code 190 subcode 463 "Error validating access token:
  Session has expired on ..." (access-tokens guide: expiration and extension; error-handling guide).
- Containers (Instagram and Threads) move IN_PROGRESS -> FINISHED -> PUBLISHED, or ERROR / EXPIRED (IG Container
  reference, Threads troubleshooting); an unpublished container expires after 24 h.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from PIL import Image

from .server import FakeServer, Request, Response

_VERSION = re.compile(r"/(v\d+\.\d+)(/.*)?$")


def graph_error(code: int, message: str, *, status: int = 400, subcode: int | None = None,
                kind: str = "OAuthException", headers: dict[str, str] | None = None) -> Response:
    error: dict[str, Any] = {"message": message, "type": kind, "code": code, "fbtrace_id": "AfakeTraceId0"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Response(status, {"error": error}, dict(headers or {}))


def invalid_token() -> Response:
    return graph_error(190, "Invalid OAuth access token - Cannot parse access token",
                       headers={"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" '
                                                    '"Invalid OAuth access token - Cannot parse access token"'})


def throttled(seconds: float, code: int = 4) -> Response:
    minutes = max(1, math.ceil(seconds / 60))
    usage = {"104955112233445": [{"type": "pages", "call_count": 100, "total_cputime": 12, "total_time": 14,
                                  "estimated_time_to_regain_access": minutes}]}
    return graph_error(code, "(#4) Application request limit reached",
                       headers={"X-Business-Use-Case-Usage": json.dumps(usage)})


def not_found(node: str) -> Response:
    return graph_error(100, f"Unsupported get request. Object with ID '{node}' does not exist, cannot be loaded "
                       "due to missing permissions, or does not support this operation", subcode=33,
                       kind="GraphMethodException")


@dataclass
class Fetched:
    """What Meta's fetcher got from an image_url: the bytes, or why there are none."""

    data: bytes | None
    problem: str = ""

    def image(self) -> tuple[str | None, int, int]:
        try:
            with Image.open(io.BytesIO(self.data or b"")) as im:
                return im.format, im.size[0], im.size[1]
        except OSError:
            return None, 0, 0


def fetch(url: str) -> Fetched:
    """GET an image_url as Meta's servers do. Only loopback addresses are ever fetched (tests use a local host)."""
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        return Fetched(None, "not reachable from this test network")
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return Fetched(answer.read())
    except (urllib.error.URLError, OSError) as e:
        return Fetched(None, str(e))


def expired_token(when: int) -> Response:
    stamp = dt.datetime.fromtimestamp(when, dt.UTC).strftime("%A, %d-%b-%y %H:%M:%S PST")
    return graph_error(190, f"Error validating access token: Session has expired on {stamp}. The current time is "
                       "later.", subcode=463)


@dataclass
class Token:
    """What Meta knows about one access token (debug_token's fields) and the account it acts for."""

    type: str                        # "PAGE" or "USER"
    profile: str                     # the Page, Instagram or Threads user the token acts for
    scopes: list[str]
    expires_at: int = 0              # Unix time; 0: never
    data_access_expires_at: int = 0
    expired: bool = False


class GraphFake(FakeServer):
    """A Graph-style API: version prefix, ``access_token`` parameter, Graph error bodies, usage headers.

    ``tokens`` holds every token the fake knows (the switches for credential checks: a token of another
    account, fewer scopes, an expiry, ``expired``); ``caller`` is the one of the request being handled."""

    def __init__(self, token: str, version: str):
        super().__init__()
        self.token, self.version = token, version
        self.tokens: dict[str, Token] = {token: Token("USER", "", [])}
        self.caller: Token | None = None
        self.calls = 0
        self.call_limit: int | None = None       # throttle once this many calls were answered
        self._next_id = 17_900_000_000_000_000

    def new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def rate_limited(self, seconds: float) -> Response:
        return throttled(seconds)

    def server_error(self) -> Response:
        return Response(500, {"error": {"message": "An unknown error has occurred.", "type": "OAuthException",
                                        "code": 1, "is_transient": True, "fbtrace_id": "AfakeTraceId1"}})

    def handle(self, request: Request) -> Response:
        match = _VERSION.match(request.path)
        if match is None or match.group(1) != self.version:
            return graph_error(100, "Unknown path components: a version is required", kind="OAuthException")
        fields, files = request.params()
        if fields.get("access_token") is None:
            return graph_error(2500, "An active access token must be used to query information about the "
                               "current user.")
        token = self.tokens.get(fields.pop("access_token"))
        if token is None:
            return invalid_token()
        if token.expired:
            return expired_token(token.expires_at or int(self.now().timestamp()) - 3600)
        self.caller = token
        self.calls += 1
        if self.call_limit is not None and self.calls > self.call_limit:
            return throttled(60, code=32)
        parts = [p for p in (match.group(2) or "").split("/") if p]
        if request.method == "GET" and parts == ["debug_token"]:
            return self._debug(str(fields.get("input_token") or ""))
        response = self.route(request.method, parts, fields, files)
        response.headers.setdefault("X-App-Usage", json.dumps({"call_count": 1, "total_cputime": 1,
                                                               "total_time": 1}))
        return response

    def route(self, method: str, parts: list[str], fields: dict[str, Any],
              files: dict[str, tuple[str, bytes, str]]) -> Response:
        raise NotImplementedError

    def _debug(self, input_token: str) -> Response:
        token = self.tokens.get(input_token)
        if token is None:
            return Response(200, {"data": {"error": {"code": 190, "message": "Invalid OAuth access token."},
                                           "is_valid": False, "scopes": []}})
        issued = int(self.now().timestamp()) - 86400
        data: dict[str, Any] = {
            "app_id": "1234567890123456", "type": token.type, "application": "Northbridge smmgen",
            "data_access_expires_at": token.data_access_expires_at, "expires_at": token.expires_at,
            "is_valid": not token.expired, "issued_at": issued, "scopes": list(token.scopes),
            "granular_scopes": [{"scope": s} for s in token.scopes], "user_id": "10229998887776665"}
        if token.type == "PAGE":
            data["profile_id"] = token.profile
        return Response(200, {"data": data})
