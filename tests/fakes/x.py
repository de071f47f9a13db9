"""X API v2, as smmgen's publisher uses it, with the OAuth 1.0a signature checked the way X checks it.

Rules (docs.x.com unless noted):
- Auth (fundamentals/authentication): OAuth 1.0a user context, ``Authorization: OAuth ...`` with
  oauth_consumer_key, oauth_token, oauth_signature_method HMAC-SHA1, oauth_timestamp, oauth_nonce,
  oauth_version 1.0 and oauth_signature; the signature is verified from scratch here (creating-a-signature:
  base string = METHOD & encoded base URL & encoded sorted parameters from the query string, the oauth_*
  values and a form-encoded body, but never a JSON or multipart body; key = encoded consumer secret & encoded
  token secret; RFC 5849 3.4). A timestamp more than 5 minutes from the server's clock and a nonce used twice
  are refused (authorizing-a-request; the 5-minute window is unverified). Or an OAuth 2.0 user token as
  ``Authorization: Bearer``. Failures answer 401 ``{"title": "Unauthorized", "type": "about:blank",
  "status": 401, "detail": "Unauthorized"}``.
- Every answer carries ``x-rate-limit-limit``, ``-remaining`` and ``-reset`` (a Unix time); past the limit,
  429 with ``{"errors": [{"code": 88, "message": "Rate limit exceeded"}]}`` (fundamentals/rate-limits).
  POST /2/tweets allows ``tweet_limit`` per 15 minutes here (200 per 15 min per user: manage-tweets).
- ``POST /2/tweets``: ``text`` at most 280 by twitter-text's weighted count (counting-characters), or media;
  ``media.media_ids`` at most 4, each uploaded by this user; ``reply.in_reply_to_tweet_id`` must exist; the
  same text as one of the user's live posts is 403 "You are not allowed to create a Tweet with duplicate
  content." (observed answer, as client libraries report it). Answers 201 ``{"data": {"id", "text"}}``.
- ``POST /2/media/upload`` (multipart ``media``, ``media_category`` tweet_image|tweet_gif|tweet_video|...;
  images at most 5 MB; JPEG, PNG, WEBP, GIF: x-api/media) answers ``{"data": {"id", "media_key", "size",
  "expires_after_secs"}}``; ``POST /2/media/metadata`` ``{"id", "metadata": {"alt_text": {"text"}}}`` with
  at most 1000 characters.
- Video, the chunked upload (x-api/media/quickstart/media-upload-chunked): ``POST /2/media/upload/initialize``
  JSON {media_type, total_bytes, media_category} -> ``data.id``; ``POST /2/media/upload/:id/append`` multipart
  {segment_index, media}, segments 0..n-1 in order (a segment sent again replaces itself), each at most 5 MB;
  ``POST /2/media/upload/:id/finalize`` once every byte of ``total_bytes`` is there -> ``processing_info``
  {state pending, check_after_secs}; ``GET /2/media/upload?command=STATUS&media_id`` only after finalize ->
  in_progress ... succeeded, or failed with ``error {code, name, message}``. A tweet naming a video that has
  not succeeded is refused (400). Videos 0.5-140 s, 512 MB, MP4 with H.264 (media best practices); the fake
  decodes the file to know. Switches: ``video_polls`` (STATUS answers before the end), ``video_failure``.
- ``DELETE /2/tweets/:id`` answers ``{"data": {"deleted": true}}``; only the author may delete.
- An app outside a project with v2 access answers every v2 call 403 ``{"client_id", "detail": "When
  authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer
  App that is attached to a Project...", "registration_url", "title": "Client Forbidden", "required_enrollment":
  "Appropriate Level of API Access", "reason": "client-not-enrolled", "type":
  "https://api.twitter.com/2/problems/client-forbidden"}`` (observed answer, as client libraries report it).
  OAuth 2.0 user tokens expire after 2 hours and then answer 401 (oauth-2-0/authorization-code).
- Switches for credential checks: ``other_access_token``/``other_access_secret`` (another user's OAuth 1.0a
  token), ``expire_bearer()``, ``enrolled = False``.
- ``GET /2/users/me`` (the credentials' user); ``GET /2/users/:id/tweets`` newest first, ``start_time``,
  ``max_results`` 5-100, text as X returns it: links replaced by t.co links and ``&``, ``<``, ``>`` as HTML
  entities (observed behaviour).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import re
import time
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import twitter_text

from .server import FakeServer, Request, Response
from .video import probe_problem

URL = re.compile(r"https?://\S+")
CATEGORIES = {"tweet_image", "tweet_gif", "tweet_video", "dm_image", "dm_gif", "dm_video", "subtitles",
              "amplify_video"}
IMAGE_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"RIFF": "image/webp", b"GIF8": "image/gif"}
WINDOW = 15 * 60
VIDEO_MAX_BYTES = 512 * 1024 * 1024
SEGMENT_MAX_BYTES = 5 * 1024 * 1024
VIDEO_SECONDS = (0.5, 140.0)
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def enc(value: str) -> str:
    """Percent-encoding as RFC 3986 2.1 and X's percent-encoding-parameters page define it."""
    return quote(value, safe="-._~")


def signature(method: str, base_url: str, params: list[tuple[str, str]], consumer_secret: str,
              token_secret: str) -> str:
    """The HMAC-SHA1 signature of a request (creating-a-signature; OAuth Core 1.0 Appendix A.5)."""
    pairs = sorted((enc(k), enc(v)) for k, v in params)
    parameter_string = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join([method.upper(), enc(base_url), enc(parameter_string)])
    key = f"{enc(consumer_secret)}&{enc(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()


def parse_oauth_header(value: str) -> dict[str, str]:
    out = {}
    for part in re.findall(r'(\w+)="([^"]*)"', value):
        out[part[0]] = unquote(part[1])
    return out


class FakeX(FakeServer):
    def __init__(self, *, consumer_key: str = "xvz1evFS4wEEPTGEFPHBog-fake",
                 consumer_secret: str = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw-fake",
                 access_token: str = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb-fake",
                 access_secret: str = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE-fake",
                 bearer: str = "bWJ1c2VyLWJlYXJlci10b2tlbi1mYWtl", tweet_limit: int = 200):
        super().__init__()
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.access_token, self.access_secret, self.bearer = access_token, access_secret, bearer
        self.tweet_limit = tweet_limit
        self.user = {"id": "2244994945", "username": "NorthbridgeNews", "name": "The Northbridge Courier"}
        self.other_access_token = "1467726470533754880-OtherUserTokenSport-fake"
        self.other_access_secret = "OtherUserSecretSportDesk0123456789-fake"
        sport = {"id": "1467726470533754880", "username": "NorthbridgeSport", "name": "Northbridge Sport"}
        # OAuth 1.0a access token -> (its secret, its user); OAuth 2.0 bearer token -> its user
        self.access = {access_token: (access_secret, self.user), self.other_access_token: (self.other_access_secret,
                                                                                           sport)}
        self.bearers = {bearer: self.user}
        self.enrolled = True
        self.caller = self.user
        self.tweets: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.nonces: set[tuple[str, str]] = set()
        self.auth_failures: list[str] = []
        self._window: dict[str, list[float]] = {}
        self._next = 1_860_000_000_000_000_000
        self.video_polls = 0                      # STATUS answers "in_progress" this many times first
        self.video_failure: dict[str, Any] | None = None   # processing ends failed with this error
        self.check_after_secs = 1

    # --- what tests look at ------------------------------------------------------------------------------------

    def live_texts(self) -> list[str]:
        with self.lock:
            return [t["text"] for t in sorted(self.tweets.values(), key=lambda t: int(t["id"]))
                    if t["reply_to"] is None]

    def videos_posted(self) -> list[bytes]:
        """The bytes of every video attached to a live post."""
        with self.lock:
            return [self.media[m]["data"] for t in self.tweets.values() for m in t["media"]
                    if "data" in self.media[m]]

    def rate_limited(self, seconds: float) -> Response:
        reset = int(time.time() + seconds + 0.999)
        # The body fundamentals/rate-limits shows.
        return Response(429, {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
                        {"x-rate-limit-limit": str(self.tweet_limit), "x-rate-limit-remaining": "0",
                         "x-rate-limit-reset": str(reset)})

    def server_error(self) -> Response:
        return Response(503, {"title": "Service Unavailable", "detail": "Service Unavailable",
                              "type": "about:blank", "status": 503})

    # --- the API -----------------------------------------------------------------------------------------------

    def expire_bearer(self) -> None:
        self.bearers.clear()

    def handle(self, request: Request) -> Response:
        problem = self._authenticate(request)
        if problem:
            self.auth_failures.append(problem)
            return Response(401, UNAUTHORIZED)
        if not self.enrolled:
            return Response(403, {
                "client_id": "28893477", "title": "Client Forbidden", "reason": "client-not-enrolled",
                "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens "
                          "from a Twitter developer App that is attached to a Project. You can create a project via "
                          "the developer portal.",
                "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
                "required_enrollment": "Appropriate Level of API Access",
                "type": "https://api.twitter.com/2/problems/client-forbidden"})
        route = f"{request.method} {request.path}"
        if route == "POST /2/tweets":
            limited = self._count("tweets", self.tweet_limit)
            if limited is not None:
                return limited
            return self._limits(self._create(request), "tweets", self.tweet_limit)
        if route == "GET /2/users/me":
            return self._limits(Response(200, {"data": self.caller}), "me", 75)
        if route == "POST /2/media/upload/initialize":
            return self._limits(self._initialize(request), "upload", 500)
        if m := re.fullmatch(r"POST /2/media/upload/(\d+)/append", route):
            return self._limits(self._append(m.group(1), request), "upload", 500)
        if m := re.fullmatch(r"POST /2/media/upload/(\d+)/finalize", route):
            return self._limits(self._finalize(m.group(1)), "upload", 500)
        if route == "GET /2/media/upload":
            return self._limits(self._status(request), "status", 500)
        if route == "POST /2/media/upload":
            return self._limits(self._upload(request), "upload", 500)
        if route == "POST /2/media/metadata":
            return self._limits(self._metadata(request), "metadata", 500)
        if m := re.fullmatch(r"DELETE /2/tweets/(\d+)", route):
            return self._limits(self._delete(m.group(1)), "delete", 50)
        if m := re.fullmatch(r"GET /2/users/(\d+)/tweets", route):
            return self._limits(self._timeline(m.group(1), request), "timeline", 900)
        return Response(404, {"title": "Not Found Error", "detail": f"no route {route}", "type": "about:blank",
                              "status": 404})

    def _authenticate(self, request: Request) -> str | None:
        header = request.header("authorization") or ""
        if header.startswith("Bearer "):
            if header[7:] not in self.bearers:
                return "wrong or expired bearer token"
            self.caller = self.bearers[header[7:]]
            return None
        if not header.startswith("OAuth "):
            return "no Authorization header"
        oauth = parse_oauth_header(header[6:])
        if oauth.get("oauth_consumer_key") != self.consumer_key or oauth.get("oauth_token") not in self.access:
            return "unknown consumer key or token"
        token_secret, user = self.access[oauth["oauth_token"]]
        if oauth.get("oauth_signature_method") != "HMAC-SHA1" or oauth.get("oauth_version", "1.0") != "1.0":
            return "unsupported signature method"
        try:
            stamp = int(oauth.get("oauth_timestamp", ""))
        except ValueError:
            return "no timestamp"
        if abs(stamp - time.time()) > 300:
            return "timestamp out of window"
        params = [(k, v) for k, v in oauth.items() if k.startswith("oauth_") and k != "oauth_signature"]
        params += [(k, v) for k, values in request.query.items() for v in values]
        if (request.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            params += parse_qsl(request.body.decode(), keep_blank_values=True)
        base_url = f"http://{request.header('host')}{request.path}"
        expected = signature(request.method, base_url, params, self.consumer_secret, token_secret)
        if not hmac.compare_digest(expected, oauth.get("oauth_signature", "")):
            return "signature mismatch"
        nonce = oauth.get("oauth_nonce", "")
        if not nonce or (nonce, str(stamp)) in self.nonces:
            return "nonce reused"
        self.nonces.add((nonce, str(stamp)))
        self.caller = user
        return None

    def _count(self, bucket: str, limit: int) -> Response | None:
        now = time.time()
        calls = self._window.setdefault(bucket, [])
        calls[:] = [t for t in calls if now - t < WINDOW]
        if len(calls) >= limit:
            return self.rate_limited(WINDOW - (now - calls[0]))
        calls.append(now)
        return None

    def _limits(self, response: Response, bucket: str, limit: int) -> Response:
        calls = self._window.setdefault(bucket, [])
        reset = int((calls[0] if calls else time.time()) + WINDOW)
        response.headers.update({"x-rate-limit-limit": str(limit),
                                 "x-rate-limit-remaining": str(max(0, limit - len(calls))),
                                 "x-rate-limit-reset": str(reset)})
        return response

    @staticmethod
    def _problem(status: int, title: str, detail: str) -> Response:
        return Response(status, {"title": title, "detail": detail, "type": "about:blank", "status": status})

    def _create(self, request: Request) -> Response:
        body = request.json() if (request.header("content-type") or "").startswith("application/json") else None
        if not isinstance(body, dict):
            return self._problem(400, "Invalid Request", "The request body must be JSON")
        text = str(body.get("text") or "")
        media_ids = [str(m) for m in ((body.get("media") or {}).get("media_ids") or [])]
        if not text and not media_ids:
            return self._problem(400, "Invalid Request", "One or more parameters to your request was invalid: "
                                 "text or media is required")
        parsed = twitter_text.parse_tweet(text)
        if parsed.weightedLength > 280:
            return self._problem(400, "Invalid Request", f"text is too long ({parsed.weightedLength} > 280)")
        if len(media_ids) > 4 or any(m not in self.media for m in media_ids):
            return self._problem(400, "Invalid Request", "media.media_ids: unknown media or more than 4")
        videos = [m for m in media_ids if self.media[m]["type"] == "video/mp4"]
        if videos and len(media_ids) > 1:
            return self._problem(400, "Invalid Request", "media.media_ids: a video cannot be combined with other "
                                 "media")
        if any(self.media[m].get("state") != "succeeded" for m in videos):
            return self._problem(400, "Invalid Request", "media.media_ids: the media is not ready (processing "
                                 "has not succeeded)")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply_to is not None and str(reply_to) not in self.tweets:
            return self._problem(400, "Invalid Request", "reply.in_reply_to_tweet_id: the post does not exist")
        if any(t["text"] == text for t in self.tweets.values()):
            return self._problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
        self._next += 1
        tweet_id = str(self._next)
        self.tweets[tweet_id] = {"id": tweet_id, "text": text, "reply_to": str(reply_to) if reply_to else None,
                                 "media": media_ids, "created_at": self.now()}
        return Response(201, {"data": {"id": tweet_id, "text": self._as_returned(text),
                                       "edit_history_tweet_ids": [tweet_id]}})

    def _upload(self, request: Request) -> Response:
        fields, files = request.params()
        if "media" not in files:
            return self._problem(400, "Invalid Request", "media is required")
        category = fields.get("media_category", "tweet_image")
        if category not in CATEGORIES:
            return self._problem(400, "Invalid Request", f"media_category {category} is not supported")
        data = files["media"][1]
        kind = next((t for magic, t in IMAGE_MAGIC.items() if data.startswith(magic)), None)
        if kind is None:
            return self._problem(400, "Invalid Request", "unsupported media type")
        if len(data) > 5 * 1024 * 1024:
            return self._problem(400, "Invalid Request", "images may be at most 5 MB")
        self._next += 1
        media_id = str(self._next)
        self.media[media_id] = {"bytes": len(data), "type": kind, "alt": None}
        return Response(200, {"data": {"id": media_id, "media_key": f"3_{media_id}", "size": len(data),
                                       "expires_after_secs": 86400, "image": {"image_type": kind}}})

    # --- video: the chunked upload ---------------------------------------------------------------------------

    def _initialize(self, request: Request) -> Response:
        body = request.json() if (request.header("content-type") or "").startswith("application/json") else None
        if not isinstance(body, dict):
            return self._problem(400, "Invalid Request", "The request body must be JSON")
        if body.get("media_type") != "video/mp4" or body.get("media_category") != "tweet_video":
            return self._problem(400, "Invalid Request", "media_type video/mp4 with media_category tweet_video "
                                 "is what this fake takes")
        total = body.get("total_bytes")
        if type(total) is not int or not 0 < total <= VIDEO_MAX_BYTES:
            return self._problem(400, "Invalid Request", f"total_bytes must be 1 to {VIDEO_MAX_BYTES}")
        self._next += 1
        media_id = str(self._next)
        self.media[media_id] = {"type": "video/mp4", "alt": None, "total": total, "segments": [], "state": None,
                                "polls": self.video_polls, "bytes": 0}
        return Response(200, {"data": {"id": media_id, "media_key": f"7_{media_id}", "expires_after_secs": 86400}})

    def _video(self, media_id: str) -> dict[str, Any] | None:
        media = self.media.get(media_id)
        return media if media is not None and "segments" in media else None

    def _append(self, media_id: str, request: Request) -> Response:
        media = self._video(media_id)
        if media is None:
            return self._problem(400, "Invalid Request", "media_id: unknown; initialize first")
        if media["state"] is not None:
            return self._problem(400, "Invalid Request", "the upload is finalized; no more segments")
        fields, files = request.params()
        try:
            index = int(fields.get("segment_index", ""))
        except ValueError:
            return self._problem(400, "Invalid Request", "segment_index is required")
        segments = media["segments"]
        if not 0 <= index <= len(segments) or "media" not in files:
            return self._problem(400, "Invalid Request", f"segment_index {index} out of order (expected "
                                 f"{len(segments)}), or no media")
        chunk = files["media"][1]
        if len(chunk) > SEGMENT_MAX_BYTES:
            return self._problem(400, "Invalid Request", f"a segment is at most {SEGMENT_MAX_BYTES} bytes")
        if index == len(segments):
            segments.append(chunk)
        else:
            segments[index] = chunk
        if sum(map(len, segments)) > media["total"]:
            return self._problem(400, "Invalid Request", "more bytes than total_bytes")
        return Response(204)

    def _finalize(self, media_id: str) -> Response:
        media = self._video(media_id)
        if media is None:
            return self._problem(400, "Invalid Request", "media_id: unknown; initialize first")
        if media["state"] is None:
            data = b"".join(media["segments"])
            if len(data) != media["total"]:
                return self._problem(400, "Invalid Request", f"received {len(data)} of {media['total']} bytes")
            media["bytes"], media["data"] = len(data), data
            problem = probe_problem(data, VIDEO_SECONDS)
            media["state"] = "pending"
            if problem:
                media["error"] = {"code": 1, "name": "InvalidMedia", "message": problem}
            elif self.video_failure:
                media["error"] = dict(self.video_failure)
            if media["polls"] <= 0:
                media["state"] = "failed" if media.get("error") else "succeeded"
            media["segments"] = []
        return Response(200, {"data": {"id": media_id, "media_key": f"7_{media_id}", "size": media["bytes"],
                                       "expires_after_secs": 86400, **self._processing(media)}})

    def _status(self, request: Request) -> Response:
        query = {k: v[-1] for k, v in request.query.items()}
        media = self._video(str(query.get("media_id")))
        if query.get("command") != "STATUS" or media is None:
            return self._problem(400, "Invalid Request", "command=STATUS and a known media_id are required")
        if media["state"] is None:
            return self._problem(400, "Invalid Request", "the upload is not finalized")
        if media["state"] in ("pending", "in_progress"):
            media["polls"] -= 1
            media["state"] = ("failed" if media.get("error") else "succeeded") if media["polls"] <= 0 \
                else "in_progress"
        return Response(200, {"data": {"id": str(query["media_id"]), "media_key": f"7_{query['media_id']}",
                                       **self._processing(media)}})

    def _processing(self, media: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"state": media["state"]}
        if media["state"] in ("pending", "in_progress"):
            info.update(check_after_secs=self.check_after_secs, progress_percent=50)
        if media["state"] == "failed":
            info["error"] = media["error"]
        if media["state"] == "succeeded":
            info["progress_percent"] = 100
        return {"processing_info": info}

    def _metadata(self, request: Request) -> Response:
        body = request.json() or {}
        media = self.media.get(str(body.get("id")))
        alt = (((body.get("metadata") or {}).get("alt_text")) or {}).get("text")
        if media is None:
            return self._problem(400, "Invalid Request", "id: unknown media")
        if alt is None or len(alt) > 1000:
            return self._problem(400, "Invalid Request", "metadata.alt_text.text must be 1-1000 characters")
        media["alt"] = alt
        return Response(200, {"data": {"associated_metadata": {"alt_text": {"text": alt}}}})

    def _delete(self, tweet_id: str) -> Response:
        if self.tweets.pop(tweet_id, None) is None:
            return self._problem(404, "Not Found Error", f"Could not find tweet with id: [{tweet_id}].")
        self.deleted.append(tweet_id)
        return Response(200, {"data": {"deleted": True}})

    def _timeline(self, user_id: str, request: Request) -> Response:
        if user_id != self.user["id"]:
            return self._problem(404, "Not Found Error", "Could not find user")
        query = {k: v[-1] for k, v in request.query.items()}
        limit = int(query.get("max_results") or 10)
        if not 5 <= limit <= 100:
            return self._problem(400, "Invalid Request", "max_results must be between 5 and 100")
        start = dt.datetime.fromisoformat(query["start_time"]) if query.get("start_time") \
            else None
        items = [t for t in sorted(self.tweets.values(), key=lambda t: int(t["id"]), reverse=True)
                 if start is None or t["created_at"] >= start][:limit]
        data = []
        for t in items:
            row: dict[str, Any] = {"id": t["id"], "text": self._as_returned(t["text"]),
                                   "created_at": t["created_at"].strftime("%Y-%m-%dT%H:%M:%S.000Z")}
            if t["reply_to"]:
                row["referenced_tweets"] = [{"type": "replied_to", "id": t["reply_to"]}]
            data.append(row)
        return Response(200, {"data": data, "meta": {"result_count": len(data)}} if data else
                        {"meta": {"result_count": 0}})

    def _as_returned(self, text: str) -> str:
        wrapped = URL.sub(lambda m: f"https://t.co/{hashlib.sha1(m.group(0).encode()).hexdigest()[:10]}", text)
        return html.escape(wrapped, quote=False)
