"""A Mastodon server for the tests: the API calls smmgen makes, with the rules the real server enforces.

Every rule cites mastodon/documentation (``content/en/...``) or the server's source:
- Auth: a user token in ``Authorization: Bearer``; otherwise 401 ``{"error": "The access token is invalid"}``
  (methods/statuses.md, methods/media.md). ``GET /api/v2/instance`` is public (methods/instance.md).
- Status length: grapheme clusters of the text, every URL with a scheme that twitter-text extracts (so a
  valid TLD) counted as ``characters_reserved_per_url``, and a remote mention as its local part only
  (app/validators/status_length_validator.rb, user/posting.md); over the limit -> 422
  ``Validation failed: Text character limit of N exceeded``. Empty text without media -> 422 "Text can't be
  blank" (methods/statuses.md).
- ``Idempotency-Key``: "Idempotency keys are stored for up to 1 hour": the same key from the same account
  answers with the first status (methods/statuses.md; PostStatusService keeps it per account in Redis).
- Media: ``POST /api/v2/media`` answers 200 when processed at once, 202 with ``url: null`` while
  processing; ``GET /api/v1/media/:id`` answers 206 until done (methods/media.md). A status naming media
  still processing -> 422 "Cannot attach files that have not finished processing. Try again in a moment!"
  (config/locales/en.yml media_attachments.validations.not_ready). ``description`` over
  ``description_limit`` -> 422 (entities/Instance.md configuration.media_attachments).
- Video: ``supported_mime_types`` include video/mp4; ``video_size_limit`` (mastodon.social: 99 MiB),
  ``video_matrix_limit`` (pixels) and ``video_frame_rate_limit`` from entities/Instance.md; over them -> 422.
  A video is always processed in the background (202; GET answers 206 ``video_polls`` times). Processing that
  fails leaves the attachment failed: GET answers 422 "Error processing thumbnail for uploaded media"
  (app/controllers/api/v1/media_controller.rb). An optional ``thumbnail`` file is kept with it. The fake decodes
  the video to know it is one.
- At most ``max_media_attachments`` (4) per status (entities/Instance.md).
- Edit: ``PUT /api/v1/statuses/:id``; delete: ``DELETE /api/v1/statuses/:id`` answers the status, 404
  ``Record not found`` when it does not exist (methods/statuses.md).
- Rate limits: ``X-RateLimit-Limit/-Remaining/-Reset`` (ISO 8601) on every answer; 429 when exceeded
  (api/rate-limits.md).
- Scopes (api/oauth-scopes.md; each method's page names its scope): ``read``/``write`` include every
  ``read:*``/``write:*``; verify_credentials takes read:accounts or profile; statuses write:statuses; media
  write:media. A call outside the token's scopes -> 403 ``{"error": "This action is outside the authorized
  scopes"}``. ``GET /api/v1/apps/verify_credentials`` answers the token's Application, with ``scopes`` since
  4.3.0 (entities/Application.md). A revoked token -> 401 "The access token was revoked", an expired one ->
  401 "The access token expired" (Doorkeeper's messages, as Mastodon answers them).

Switches for credential checks: ``revoke()``, ``expire()``, ``other_token`` (a valid token of another
account, @sport), ``set_scopes([...])``, and the instance's limits (``max_characters``, ``per_url``...).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from typing import Any

import regex
import twitter_text

from .server import FakeServer, Request, Response
from .video import probe_problem

URL_RE = re.compile(r"https?://[^\s<>\"]+")
MENTION_RE = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w")
HASHTAG_RE = re.compile(r"(?<![\w/])#(\w+)")
INVALID_TOKEN = {"error": "The access token is invalid"}
OUT_OF_SCOPE = {"error": "This action is outside the authorized scopes"}


def status_length(text: str, per_url: int) -> int:
    # The validator finds URLs with twitter-text's extractor (valid TLDs only) and counts only those with
    # a scheme; each counts per_url. A remote mention counts as "@user".
    out, pos = [], 0
    for url in twitter_text.extract_urls_with_indices(text):
        start, end = url["indices"]
        if "://" in url["url"] and start >= pos:
            out += [text[pos:start], "x" * per_url]
            pos = end
    text = MENTION_RE.sub(r"@\1", "".join(out) + text[pos:])
    return len(regex.findall(r"\X", text))


def render_html(text: str, host: str) -> str:
    """Plain text as Mastodon's TextFormatter renders it: escaped, links with hidden scheme, hashtags."""
    out = []
    pos = 0
    for match in URL_RE.finditer(text):
        out.append(_tags(html.escape(text[pos:match.start()], quote=False), host))
        url = match.group(0)
        scheme, _, rest = url.partition("://")
        shown, hidden = rest[:30], rest[30:]
        out.append(f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener noreferrer">'
                   f'<span class="invisible">{scheme}://</span>'
                   f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
                   f'<span class="invisible">{html.escape(hidden)}</span></a>')
        pos = match.end()
    out.append(_tags(html.escape(text[pos:], quote=False), host))
    body = "".join(out)
    paragraphs = [p.replace("\n", "<br />") for p in body.split("\n\n")]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _tags(escaped: str, host: str) -> str:
    return HASHTAG_RE.sub(lambda m: f'<a href="{host}/tags/{m.group(1).lower()}" class="mention hashtag" '
                                    f'rel="tag">#<span>{m.group(1)}</span></a>', escaped)


def _scope(route: str) -> tuple[str, ...]:
    """The scopes any one of which a route takes (methods/*.md)."""
    if route == "GET /api/v1/accounts/verify_credentials":
        return ("read:accounts", "profile")
    if "/media" in route:
        return ("write:media",)
    if route.startswith(("POST /api/v1/statuses", "PUT /api/v1/statuses", "DELETE /api/v1/statuses")):
        return ("write:statuses",)
    if route.endswith("/statuses"):
        return ("read:statuses",)
    return ()


def _granted(scopes: list[str], needed: tuple[str, ...]) -> bool:
    return any(n in scopes or n.split(":")[0] in scopes for n in needed)


class FakeMastodon(FakeServer):
    def __init__(self, token: str = "mastodon-test-token-6f1c", *, host: str = "https://social.example",
                 max_characters: int = 500, per_url: int = 23, description_limit: int = 1500,
                 image_size_limit: int = 16_777_216, processing_polls: int = 1,
                 video_size_limit: int = 103_809_024):
        super().__init__()
        self.token, self.host = token, host
        self.max_characters, self.per_url = max_characters, per_url
        self.description_limit, self.image_size_limit = description_limit, image_size_limit
        self.processing_polls = processing_polls
        self.video_size_limit = video_size_limit
        self.video_polls = 1                  # GET /api/v1/media/:id answers 206 this many times for a video
        self.video_failure = False            # processing of a video fails
        self.account = {"id": "1", "username": "courier", "acct": "courier", "url": f"{host}/@courier"}
        self.other_token = "mastodon-sport-token-93ad"
        sport = {"id": "2", "username": "sport", "acct": "sport", "url": f"{host}/@sport"}
        # token -> the account it acts for, its scopes, and whether it still works ("revoked", "expired")
        self.tokens: dict[str, dict[str, Any]] = {
            token: {"account": self.account, "scopes": ["read", "write"], "state": None},
            self.other_token: {"account": sport, "scopes": ["read", "write"], "state": None}}
        self.app_scopes_listed = True          # False: a server before 4.3, whose Application has no scopes
        self.image_matrix_limit = 33_177_600   # pixels (entities/Instance.md's example)
        self.statuses: dict[str, dict[str, Any]] = {}       # id -> status (with "text"), deleted ones removed
        self.deleted: list[str] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, tuple[str, dt.datetime]] = {}
        self._next = 110_000_000_000_000_000

    # --- what tests look at ------------------------------------------------------------------------------------

    def live_texts(self) -> list[str]:
        with self.lock:
            return [s["text"] for s in sorted(self.statuses.values(), key=lambda s: int(s["id"]))]

    def videos_posted(self) -> list[bytes]:
        """The bytes of every video attached to a live status."""
        with self.lock:
            return [self.media[m["id"]]["data"] for s in self.statuses.values() for m in s["media_attachments"]
                    if m["type"] == "video"]

    def rate_limited(self, seconds: float) -> Response:
        reset = dt.datetime.fromtimestamp(time.time() + seconds, dt.UTC)
        return Response(429, {"error": "Too many requests"}, self._limit_headers(0, reset))

    def server_error(self) -> Response:
        return Response(500, {"error": "Internal server error"})

    def revoke(self) -> None:
        self.tokens[self.token]["state"] = "revoked"

    def expire(self) -> None:
        self.tokens[self.token]["state"] = "expired"

    def set_scopes(self, scopes: list[str]) -> None:
        self.tokens[self.token]["scopes"] = list(scopes)

    # --- the API -----------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        route = f"{request.method} {request.path}"
        if route == "GET /api/v2/instance":
            return self._ok(self._instance())
        auth = request.header("authorization") or ""
        token = self.tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if token is None:
            return Response(401, INVALID_TOKEN)
        if token["state"]:
            return Response(401, {"error": f"The access token was {token['state']}" if token["state"] == "revoked"
                                  else "The access token expired"})
        if route == "GET /api/v1/apps/verify_credentials":
            oob = "urn:ietf:wg:oauth:2.0:oob"
            app = {"id": "7", "name": "smmgen", "website": None, "redirect_uri": oob, "redirect_uris": [oob],
                   "vapid_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4Ukk"}
            return self._ok({**app, "scopes": token["scopes"]} if self.app_scopes_listed else app)
        needed = _scope(route)
        if needed and not _granted(token["scopes"], needed):
            return Response(403, OUT_OF_SCOPE)
        if route == "GET /api/v1/accounts/verify_credentials":
            return self._ok(token["account"])
        if route == "POST /api/v2/media":
            return self._upload(request)
        if m := re.fullmatch(r"GET /api/v1/media/(\d+)", route):
            return self._media(m.group(1))
        if route == "POST /api/v1/statuses":
            return self._create(request)
        if m := re.fullmatch(r"PUT /api/v1/statuses/(\d+)", route):
            return self._edit(m.group(1), request)
        if m := re.fullmatch(r"DELETE /api/v1/statuses/(\d+)", route):
            return self._delete(m.group(1))
        if m := re.fullmatch(r"GET /api/v1/accounts/(\d+)/statuses", route):
            return self._account_statuses(m.group(1), request)
        return Response(404, {"error": "Record not found"})

    def _instance(self) -> dict[str, Any]:
        return {"domain": self.host.split("://")[1], "configuration": {
            "statuses": {"max_characters": self.max_characters, "max_media_attachments": 4,
                         "characters_reserved_per_url": self.per_url},
            "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp",
                                                           "video/mp4", "video/webm", "video/quicktime"],
                                  "description_limit": self.description_limit,
                                  "image_size_limit": self.image_size_limit,
                                  "image_matrix_limit": self.image_matrix_limit,
                                  "video_size_limit": self.video_size_limit,
                                  "video_frame_rate_limit": 120,
                                  "video_matrix_limit": 8_294_400}}}

    def _upload(self, request: Request) -> Response:
        fields, files = request.params()
        if "file" not in files:
            return Response(422, {"error": "Validation failed: File can't be blank"})
        _name, data, mime = files["file"]
        description = fields.get("description") or ""
        if mime not in self._instance()["configuration"]["media_attachments"]["supported_mime_types"]:
            return Response(422, {"error": "Validation failed: File content type is invalid, File is invalid"})
        if mime.startswith("video/"):
            return self._upload_video(data, description, files.get("thumbnail"))
        if len(data) > self.image_size_limit:
            return Response(422, {"error": "Validation failed: File file size must be less than 16 MB"})
        if len(description) > self.description_limit:
            return Response(422, {"error": f"Validation failed: Description is too long (maximum is "
                                           f"{self.description_limit} characters)"})
        media_id = str(len(self.media) + 1)
        self.media[media_id] = {"id": media_id, "type": "image", "description": description, "bytes": len(data),
                                "polls_left": self.processing_polls, "url": None}
        if self.processing_polls == 0:
            self.media[media_id]["url"] = f"{self.host}/media/{media_id}.png"
            return self._ok(self._media_json(media_id))
        return Response(202, self._media_json(media_id))

    def _upload_video(self, data: bytes, description: str, thumbnail: Any) -> Response:
        if len(data) > self.video_size_limit:
            return Response(422, {"error": f"Validation failed: File file size must be less than "
                                           f"{self.video_size_limit // 2**20} MB"})
        if len(description) > self.description_limit:
            return Response(422, {"error": f"Validation failed: Description is too long (maximum is "
                                           f"{self.description_limit} characters)"})
        problem = probe_problem(data, (0.0, 86400.0))
        if problem:
            return Response(422, {"error": "Validation failed: File content type is invalid, File is invalid"})
        media_id = str(len(self.media) + 1)
        self.media[media_id] = {"id": media_id, "type": "video", "description": description, "bytes": len(data),
                                "polls_left": self.video_polls + 1, "url": None, "data": data,
                                "failed": self.video_failure, "thumbnail": thumbnail[1] if thumbnail else None}
        return Response(202, self._media_json(media_id))

    def _media(self, media_id: str) -> Response:
        media = self.media.get(media_id)
        if media is None:
            return Response(404, {"error": "Record not found"})
        if media.get("failed") and media["polls_left"] <= 1:
            return Response(422, {"error": "Error processing thumbnail for uploaded media"})
        if media["polls_left"] > 0:
            media["polls_left"] -= 1
            if media["polls_left"] > 0:
                return Response(206, None)
        media["url"] = f"{self.host}/media/{media_id}.{'mp4' if media['type'] == 'video' else 'png'}"
        return self._ok(self._media_json(media_id))

    def _media_json(self, media_id: str) -> dict[str, Any]:
        media = self.media[media_id]
        return {"id": media_id, "type": media["type"], "url": media["url"], "description": media["description"]}

    def _validate(self, fields: dict[str, Any]) -> tuple[Response | None, list[str]]:
        text = str(fields.get("status") or "")
        media_ids = [str(m) for m in fields.get("media_ids") or fields.get("media_ids[]") or []]
        if not text.strip() and not media_ids:
            return Response(422, {"error": "Validation failed: Text can't be blank"}), []
        if status_length(text, self.per_url) > self.max_characters:
            return Response(422, {"error": f"Validation failed: Text character limit of {self.max_characters} "
                                           "exceeded"}), []
        if len(media_ids) > 4:
            return Response(422, {"error": "Validation failed: Media attachments are too many"}), []
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None:
                return Response(422, {"error": "Validation failed: Media attachments are invalid"}), []
            if media["url"] is None:
                return Response(422, {"error": "Cannot attach files that have not finished processing. "
                                               "Try again in a moment!"}), []
        if fields.get("visibility") not in (None, "public", "unlisted", "private", "direct"):
            return Response(422, {"error": "Validation failed: Visibility is not included in the list"}), []
        return None, media_ids

    def _create(self, request: Request) -> Response:
        key = request.header("idempotency-key")
        now = self.now()
        if key:
            earlier = self.idempotency.get(key)
            if earlier and now - earlier[1] < dt.timedelta(hours=1) and earlier[0] in self.statuses:
                return self._ok(self._public(self.statuses[earlier[0]]))
        fields, _ = request.params()
        refused, media_ids = self._validate(fields)
        if refused is not None:
            return refused
        self._next += 1
        status_id = str(self._next)
        text = str(fields.get("status") or "")
        self.statuses[status_id] = {
            "id": status_id, "created_at": now.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "text": text,
            "content": render_html(text, self.host), "url": f"{self.host}/@courier/{status_id}",
            "visibility": fields.get("visibility") or "public", "language": fields.get("language"),
            "in_reply_to_id": fields.get("in_reply_to_id"), "edited_at": None, "account": self.account,
            "media_attachments": [self._media_json(m) for m in media_ids],
        }
        if key:
            self.idempotency[key] = (status_id, now)
        return self._ok(self._public(self.statuses[status_id]))

    def _edit(self, status_id: str, request: Request) -> Response:
        status = self.statuses.get(status_id)
        if status is None:
            return Response(404, {"error": "Record not found"})
        fields, _ = request.params()
        refused, media_ids = self._validate(fields)
        if refused is not None:
            return refused
        text = str(fields.get("status") or "")
        status.update(text=text, content=render_html(text, self.host), edited_at=self.now().isoformat(),
                      media_attachments=[self._media_json(m) for m in media_ids])
        if fields.get("language"):
            status["language"] = fields["language"]
        return self._ok(self._public(status))

    def _delete(self, status_id: str) -> Response:
        status = self.statuses.pop(status_id, None)
        if status is None:
            return Response(404, {"error": "Record not found"})
        self.deleted.append(status_id)
        return self._ok({**self._public(status), "text": status["text"]})

    def _account_statuses(self, account_id: str, request: Request) -> Response:
        if account_id != self.account["id"]:
            return Response(404, {"error": "Record not found"})
        limit = min(int((request.query.get("limit") or ["20"])[-1]), 40)
        max_id = (request.query.get("max_id") or [None])[-1]
        newest_first = sorted(self.statuses.values(), key=lambda s: int(s["id"]), reverse=True)
        if max_id:
            newest_first = [s for s in newest_first if int(s["id"]) < int(max_id)]
        return self._ok([self._public(s) for s in newest_first[:limit]])

    @staticmethod
    def _public(status: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in status.items() if k != "text"}

    def _ok(self, body: Any) -> Response:
        reset = self.now() + dt.timedelta(minutes=5)
        return Response(200, body, self._limit_headers(299, reset))

    @staticmethod
    def _limit_headers(remaining: int, reset: dt.datetime) -> dict[str, str]:
        return {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.") + f"{reset.microsecond // 1000:03d}Z"}
