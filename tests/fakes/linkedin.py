"""LinkedIn's Posts and Images APIs, as smmgen's publisher uses them.

Rules (learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api and images-api
unless noted):
- Every call: ``Authorization: Bearer <token>`` (3-legged OAuth, w_member_social / w_organization_social),
  ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``. A missing version header and a
  retired version are refused (versioning page: versions are sunset after about a year; the error text here
  is unverified); a wrong token answers 401 ``{"status": 401, "serviceErrorCode": 65600, "code":
  "INVALID_ACCESS_TOKEN", "message": "Invalid access token"}`` (observed answer, as clients handle it).
- ``POST /rest/posts``: ``author`` (the token's member or organization), ``commentary``, ``visibility``,
  ``distribution.feedDistribution``, ``lifecycleState`` "PUBLISHED" (the only value accepted on creation:
  third-party quote of the docs), ``content.article`` with ``source`` and ``title`` (required) and an optional
  ``thumbnail`` image URN from the Images API and ``description``. Answers 201 with the post URN in
  ``x-restli-id``.
- The commentary is "little text": the characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` are syntax and must be
  backslash-escaped, otherwise LinkedIn cuts the post at the first one (little-text-format, as quoted by
  third-party code); this fake stores the text cut there, so a missing escape shows. ``#word`` is a hashtag.
  At most 3000 characters (third-party notes quoting the schema).
- ``POST /rest/images?action=initializeUpload`` with ``initializeUploadRequest.owner`` answers
  ``value.uploadUrl`` and ``value.image``; the bytes go there with PUT; an image used before upload is refused.
- Videos API (shares/videos-api): ``POST /rest/videos?action=initializeUpload`` with ``owner`` and
  ``fileSizeBytes`` (75 KB to 500 MB) answers the video URN, an ``uploadToken`` and ``uploadInstructions``, one
  per ``part_bytes`` (4,194,304) with ``firstByte``/``lastByte``; each part is PUT to its URL (exactly that many
  bytes) and answers an ``ETag``; ``finalizeUpload`` needs every part's ETag in order. ``GET /rest/videos/{urn}``
  says WAITING_UPLOAD, then PROCESSING for ``video_polls`` reads, then AVAILABLE, or PROCESSING_FAILED with
  ``processingFailureReason`` (``video_failure``, or a file that breaks a rule: 3 s to 30 min, 10-60 fps, H.264,
  decoded here). A post whose ``content.media.id`` is not AVAILABLE is refused.
- ``GET /rest/posts?author=..&q=author`` lists the author's posts newest first (``elements``); ``DELETE
  /rest/posts/{encoded urn}`` answers 204, 404 for an unknown post.
- 429 when the member's daily limit is reached (150 posts a day: third-party); no Retry-After is documented.
- ``GET /rest/organizationAcls?q=roleAssignee&state=APPROVED`` lists the token's member's roles
  (organization-access-control-by-role; needs r_organization_admin, else 403 ACCESS_DENIED); posting as an
  organization needs ADMINISTRATOR, CONTENT_ADMINISTRATOR or DIRECT_SPONSORED_CONTENT_POSTER. ``GET
  /v2/userinfo`` answers the member's OpenID ``sub`` (openid, profile). An expired token answers 401
  ``EXPIRED_ACCESS_TOKEN`` (serviceErrorCode 65601), a revoked one ``REVOKED_ACCESS_TOKEN`` (65602).
- ``POST /oauth/v2/introspectToken`` (form: client_id, client_secret, token; token-introspection) answers
  ``{"active", "client_id", "authorized_at", "created_at", "status", "expires_at", "scope", "auth_type"}``, or
  ``{"active": false}`` for a token it does not know; wrong client credentials answer 401 invalid_client.

Switches for credential checks: ``other_token`` (a member of another organization), ``expire()``,
``revoke()``, ``scopes`` and ``roles`` of the main token.
"""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any
from urllib.parse import unquote

from .server import FakeServer, Request, Response
from .video import probe_problem

RESERVED = set("\\|{}@[]()<>*_~")
LIMIT = 3000
ACTIVE_VERSIONS = {"202505", "202510", "202601", "202605"}
_HASHTAG = re.compile(r"#\w+")
POSTERS = ("ADMINISTRATOR", "CONTENT_ADMINISTRATOR", "DIRECT_SPONSORED_CONTENT_POSTER")
VIDEO_BYTES = (75 * 1024, 500 * 1024 * 1024)
VIDEO_SECONDS = (3.0, 1800.0)


def _error(status: int, message: str, code: str | None = None, service: int | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if code:
        body["code"] = code
    if service:
        body["serviceErrorCode"] = service
    return Response(status, body)


def little_text(commentary: str) -> str:
    """What LinkedIn shows of a commentary: escapes resolved, and cut at the first unescaped reserved character
    (a hashtag's '#' is syntax LinkedIn understands)."""
    out, i = [], 0
    while i < len(commentary):
        c = commentary[i]
        if c == "\\" and i + 1 < len(commentary):
            out.append(commentary[i + 1])
            i += 2
            continue
        if c in RESERVED:
            break
        if c == "#" and not _HASHTAG.match(commentary, i):
            break
        out.append(c)
        i += 1
    return "".join(out)


class FakeLinkedIn(FakeServer):
    def __init__(self, token: str = "AQfakeLinkedInToken7g8h9i", *,
                 author: str = "urn:li:organization:2414183", posts_per_day: int = 150):
        super().__init__()
        self.token, self.author, self.posts_per_day = token, author, posts_per_day
        self.images: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.created_today = 0
        self.videos: dict[str, dict[str, Any]] = {}
        self.part_bytes = 4_194_304
        self.video_polls = 1
        self.video_failure: str | None = None
        self._next = 7_300_000_000_000_000_000
        self.client_id, self.client_secret = "78fakeclientid", "fakeClientSecretWPL_AP1.abc"
        self.other_token = "AQfakeOtherMemberTokenZ9y8"
        now = int(time.time())
        # token -> its member, roles by organization, scopes, state and expiry
        self.tokens: dict[str, dict[str, Any]] = {
            token: {"member": "urn:li:person:Ed1torCour13r", "roles": {author: "ADMINISTRATOR"},
                    "scopes": ["r_organization_admin", "w_organization_social", "r_organization_social"],
                    "state": "active", "expires_at": now + 50 * 86400, "created_at": now - 10 * 86400},
            self.other_token: {"member": "urn:li:person:Sp0rtDesk22", "roles": {"urn:li:organization:999999": "ADMINISTRATOR"},
                               "scopes": ["r_organization_admin", "w_organization_social"], "state": "active",
                               "expires_at": now + 50 * 86400, "created_at": now - 10 * 86400}}
        self.caller: dict[str, Any] = self.tokens[token]

    def expire(self) -> None:
        self.tokens[self.token]["state"] = "expired"

    def revoke(self) -> None:
        self.tokens[self.token]["state"] = "revoked"

    def live_texts(self) -> list[str]:
        with self.lock:
            return [p["shown"] for p in sorted(self.posts.values(), key=lambda p: p["seq"])]

    def videos_posted(self) -> list[bytes]:
        with self.lock:
            return [self.videos[p["content"]["media"]["id"]]["data"]
                    for p in sorted(self.posts.values(), key=lambda p: p["seq"]) if "media" in (p["content"] or {})]

    def rate_limited(self, seconds: float) -> Response:
        return _error(429, "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")

    def server_error(self) -> Response:
        return _error(500, "Internal Server Error")

    def handle(self, request: Request) -> Response:
        if request.method == "POST" and request.path == "/oauth/v2/introspectToken":
            return self._introspect(request)
        auth = request.header("authorization") or ""
        token = self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if token is None:
            return _error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if token["state"] == "expired":
            return _error(401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65601)
        if token["state"] == "revoked":
            return _error(401, "The token used in the request has been revoked by the user", "REVOKED_ACCESS_TOKEN",
                          65602)
        self.caller = token
        if request.path.startswith("/upload/video/"):
            return self._upload_part(request)
        if request.path.startswith("/upload/"):
            return self._upload(request)
        if request.header("x-restli-protocol-version") != "2.0.0":
            return _error(400, "X-Restli-Protocol-Version 2.0.0 is required")
        version = request.header("linkedin-version")
        if version not in ACTIVE_VERSIONS:
            return _error(426, f"Requested version {version} is not active", "NONEXISTENT_VERSION")
        route = f"{request.method} {request.path}"
        if route == "GET /rest/organizationAcls":
            return self._acls(request)
        if route == "GET /v2/userinfo":
            if "openid" not in token["scopes"]:
                return _error(403, "Not enough permissions to access: userinfo.GET.NO_VERSION", "ACCESS_DENIED", 100)
            return Response(200, {"sub": token["member"].rsplit(":", 1)[1], "name": "Courier Editor",
                                  "email_verified": True, "locale": {"country": "US", "language": "en"}})
        if route == "POST /rest/images" and (request.query.get("action") or [""])[-1] == "initializeUpload":
            return self._initialize(request)
        action = (request.query.get("action") or [""])[-1]
        if route == "POST /rest/videos" and action == "initializeUpload":
            return self._initialize_video(request)
        if route == "POST /rest/videos" and action == "finalizeUpload":
            return self._finalize_video(request)
        if request.method == "GET" and request.path.startswith("/rest/videos/"):
            return self._video_status(unquote(request.path[len("/rest/videos/"):]))
        if route == "POST /rest/posts":
            return self._create(request)
        if route == "GET /rest/posts":
            return self._list(request)
        if request.method == "DELETE" and request.path.startswith("/rest/posts/"):
            urn = unquote(request.path[len("/rest/posts/"):])
            if self.posts.pop(urn, None) is None:
                return _error(404, f"Post {urn} does not exist", "NOT_FOUND")
            self.deleted.append(urn)
            return Response(204)
        return _error(404, "Not Found")

    def _acls(self, request: Request) -> Response:
        query = {k: v[-1] for k, v in request.query.items()}
        if "r_organization_admin" not in self.caller["scopes"]:
            return _error(403, "Not enough permissions to access: organizationAcls.FINDER-roleAssignee.20260501",
                          "ACCESS_DENIED", 100)
        if query.get("q") != "roleAssignee":
            return _error(400, "q=roleAssignee is required")
        elements = [{"role": role, "roleAssignee": self.caller["member"], "state": "APPROVED", "organization": org}
                    for org, role in sorted(self.caller["roles"].items())]
        return Response(200, {"elements": elements, "paging": {"count": 10, "start": 0, "links": []}})

    def _introspect(self, request: Request) -> Response:
        fields, _ = request.params()
        if fields.get("client_id") != self.client_id or fields.get("client_secret") != self.client_secret:
            return Response(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        token = self.tokens.get(str(fields.get("token") or ""))
        if token is None:
            return Response(200, {"active": False})
        return Response(200, {"active": token["state"] == "active", "client_id": self.client_id,
                              "authorized_at": token["created_at"], "created_at": token["created_at"],
                              "status": token["state"], "expires_at": token["expires_at"],
                              "scope": ",".join(token["scopes"]), "auth_type": "3L"})

    def _initialize(self, request: Request) -> Response:
        owner = ((request.json() or {}).get("initializeUploadRequest") or {}).get("owner")
        if owner != self.author:
            return _error(403, f"Not enough permissions to upload as {owner}", "ACCESS_DENIED", 100)
        self._next += 1
        urn = f"urn:li:image:D4Efake{self._next}"
        self.images[urn] = {"bytes": None}
        return Response(200, {"value": {"uploadUrlExpiresAt": 1_900_000_000_000,
                                        "uploadUrl": f"{self.url}/upload/{self._next}", "image": urn}})

    def _upload(self, request: Request) -> Response:
        if request.method != "PUT":
            return _error(405, "Method not allowed")
        urn = f"urn:li:image:D4Efake{request.path.rsplit('/', 1)[1]}"
        if urn not in self.images or not request.body:
            return _error(400, "Unknown upload or empty body")
        self.images[urn]["bytes"] = request.body
        return Response(201)

    def _create(self, request: Request) -> Response:
        body = request.json() or {}
        if body.get("author") != self.author or self.caller["roles"].get(self.author) not in POSTERS:
            return _error(403, f"Not enough permissions to post as {body.get('author')}", "ACCESS_DENIED", 100)
        if body.get("lifecycleState") != "PUBLISHED":
            return _error(422, "lifecycleState: only PUBLISHED is accepted on creation", "UNPROCESSABLE_ENTITY")
        if body.get("visibility") not in ("PUBLIC", "CONNECTIONS", "LOGGED_IN"):
            return _error(422, "visibility is required", "UNPROCESSABLE_ENTITY")
        if not (body.get("distribution") or {}).get("feedDistribution"):
            return _error(422, "distribution.feedDistribution is required", "UNPROCESSABLE_ENTITY")
        commentary = str(body.get("commentary") or "")
        if len(commentary) > LIMIT:
            return _error(422, f"commentary is longer than {LIMIT} characters", "UNPROCESSABLE_ENTITY")
        article = (body.get("content") or {}).get("article")
        if article is not None:
            if not article.get("source") or not article.get("title"):
                return _error(422, "content.article needs source and title", "UNPROCESSABLE_ENTITY")
            thumb = article.get("thumbnail")
            if thumb is not None and (self.images.get(thumb) or {}).get("bytes") is None:
                return _error(422, f"thumbnail {thumb} was never uploaded", "UNPROCESSABLE_ENTITY")
        media = (body.get("content") or {}).get("media")
        if media is not None:
            video = self.videos.get(str(media.get("id")))
            if video is None or video["status"] != "AVAILABLE":
                return _error(422, f"content.media.id {media.get('id')} is not an AVAILABLE video "
                              f"({video['status'] if video else 'unknown'})", "UNPROCESSABLE_ENTITY")
        if self.created_today >= self.posts_per_day:
            return self.rate_limited(0)
        self.created_today += 1
        self._next += 1
        urn = f"urn:li:share:{self._next}"
        self.posts[urn] = {"id": urn, "commentary": commentary, "shown": little_text(commentary),
                           "content": body.get("content"), "seq": self._next}
        return Response(201, None, {"x-restli-id": urn})

    # --- the Videos API ------------------------------------------------------------------------------------

    def _initialize_video(self, request: Request) -> Response:
        ask = (request.json() or {}).get("initializeUploadRequest") or {}
        if ask.get("owner") != self.author:
            return _error(403, f"Not enough permissions to upload as {ask.get('owner')}", "ACCESS_DENIED", 100)
        size = ask.get("fileSizeBytes")
        if type(size) is not int or not VIDEO_BYTES[0] <= size <= VIDEO_BYTES[1]:
            return _error(422, f"fileSizeBytes must be {VIDEO_BYTES[0]} to {VIDEO_BYTES[1]}", "UNPROCESSABLE_ENTITY")
        self._next += 1
        urn = f"urn:li:video:C5fake{self._next}"
        parts = [(first, min(first + self.part_bytes, size) - 1) for first in range(0, size, self.part_bytes)]
        self.videos[urn] = {"size": size, "parts": {}, "ranges": parts, "token": f"token-{self._next}",
                            "status": "WAITING_UPLOAD", "polls_left": self.video_polls, "data": None}
        return Response(200, {"value": {
            "uploadUrlsExpireAt": 1_900_000_000_000, "video": urn, "uploadToken": f"token-{self._next}",
            "uploadInstructions": [{"uploadUrl": f"{self.url}/upload/video/{self._next}/{i}", "firstByte": first,
                                    "lastByte": last} for i, (first, last) in enumerate(parts)]}})

    def _upload_part(self, request: Request) -> Response:
        number, _, index = request.path[len("/upload/video/"):].partition("/")
        video = self.videos.get(f"urn:li:video:C5fake{number}")
        if request.method != "PUT" or video is None or not index.isdigit() or int(index) >= len(video["ranges"]):
            return _error(400, "Unknown upload URL")
        first, last = video["ranges"][int(index)]
        if len(request.body) != last - first + 1:
            return _error(400, f"part {index} must be bytes {first}-{last} ({last - first + 1} bytes), got "
                          f"{len(request.body)}")
        etag = f'"/fake/etag/{number}-{index}-{hashlib.sha1(request.body).hexdigest()[:12]}"'
        video["parts"][int(index)] = (request.body, etag)
        return Response(200, None, {"ETag": etag})

    def _finalize_video(self, request: Request) -> Response:
        ask = (request.json() or {}).get("finalizeUploadRequest") or {}
        video = self.videos.get(str(ask.get("video")))
        if video is None:
            return _error(404, f"video {ask.get('video')} does not exist", "NOT_FOUND")
        if video["status"] != "WAITING_UPLOAD":
            return Response(200)        # finalized already
        expected = [video["parts"][i][1] for i in sorted(video["parts"])]
        if len(video["parts"]) != len(video["ranges"]) or ask.get("uploadedPartIds") != expected \
                or ask.get("uploadToken") != video["token"]:
            return _error(400, "uploadedPartIds must name every part's ETag, in order, with the upload token")
        video["data"] = b"".join(video["parts"][i][0] for i in sorted(video["parts"]))
        video["failure"] = probe_problem(video["data"], VIDEO_SECONDS, (10.0, 60.0)) or self.video_failure
        video["status"] = "PROCESSING"
        return Response(200)

    def _video_status(self, urn: str) -> Response:
        video = self.videos.get(urn)
        if video is None:
            return _error(404, f"video {urn} does not exist", "NOT_FOUND")
        if video["status"] == "PROCESSING":
            video["polls_left"] -= 1
            if video["polls_left"] < 0:
                video["status"] = "PROCESSING_FAILED" if video["failure"] else "AVAILABLE"
        body: dict[str, Any] = {"id": urn, "owner": self.author, "status": video["status"]}
        if video["status"] == "PROCESSING_FAILED":
            body["processingFailureReason"] = video["failure"]
        return Response(200, body)

    def _list(self, request: Request) -> Response:
        query = {k: v[-1] for k, v in request.query.items()}
        if query.get("q") != "author" or unquote(query.get("author", "")) != self.author:
            return _error(400, "q=author with the author's URN is required")
        count = min(int(query.get("count") or 10), 100)
        items = sorted(self.posts.values(), key=lambda p: p["seq"], reverse=True)[:count]
        return Response(200, {"elements": [{"id": p["id"], "author": self.author, "commentary": p["commentary"],
                                            "content": p["content"], "lifecycleState": "PUBLISHED"}
                                           for p in items], "paging": {"count": count, "start": 0}})
