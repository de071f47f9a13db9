"""X: posts through API v2 (``POST /2/tweets``), a thread as a chain of replies, images through
``POST /2/media/upload`` with their alt text set by ``POST /2/media/metadata``.

Credentials: OAuth 1.0a user context (the app's key and secret, the account's access token and secret), signed
by requests-oauthlib; or, when ``SMMGEN_X_BEARER_TOKEN`` is set, an OAuth 2.0 user access token.

X has no idempotency key, so a create whose answer was lost is never resent blind: the runner asks ``find``,
which reads the account's recent posts and compares texts (X returns them with links wrapped in t.co and
``&``, ``<``, ``>`` escaped, so both sides are compared with links and entities normalised). A thread that fails
half-way is taken down again, so the next run starts from nothing rather than from half a thread.

Sources: https://docs.x.com/x-api/posts/manage-tweets/quickstart (POST /2/tweets, 201 with ``data.id``; reply
``{"reply": {"in_reply_to_tweet_id"}}``, media ``{"media": {"media_ids"}}``); https://developer.x.com/en/docs/
x-api/tweets/manage-tweets/api-reference/delete-tweets-id (``{"data": {"deleted": true}}``);
https://docs.x.com/x-api/media/quickstart/media-upload-chunked and image-or-subtitle-media-upload (multipart
``media`` + ``media_category=tweet_image``; answer ``data.id``, ``data.media_key``); https://docs.x.com/x-api/
media/quickstart/best-practices (at most 4 photos a post); https://docs.x.com/x-api/media/quickstart/
media-upload-chunked (video: ``POST /2/media/upload/initialize`` {media_type, total_bytes, media_category
tweet_video}, ``/{id}/append`` multipart {segment_index, media} in chunks of at most 5 MB, ``/{id}/finalize``,
then ``GET /2/media/upload?command=STATUS&media_id`` until ``processing_info.state`` is succeeded or failed,
waiting ``check_after_secs``); media best practices (video 0.5-140 s through the API, 512 MB);
https://docs.x.com/x-api/media (images 5 MB);
https://docs.x.com/x-api/media/create-media-metadata (``{"id", "metadata": {"alt_text": {"text"}}}``, at most
1000 characters per developer.x.com post-media-metadata-create); https://docs.x.com/fundamentals/rate-limits
(``x-rate-limit-limit/-remaining/-reset``, reset a Unix time; 429); https://docs.x.com/fundamentals/
authentication/oauth-1-0a/creating-a-signature.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Sequence
from typing import Any

import requests
from requests_oauthlib import OAuth1

from smmgen import facts
from smmgen.errors import AuthError, PublishError, RateLimited
from smmgen.publish.base import AdapterContext, Lookup, MaybeDone, MediaFile, Post, Posted, Secret, VideoFile, iso, one_line
from smmgen.publish.http import Http, retry_after
from smmgen.publish.processing import State, media_wait, wait_for

NAME = "x"
ENV = ("SMMGEN_X_API_KEY", "SMMGEN_X_API_SECRET", "SMMGEN_X_ACCESS_TOKEN", "SMMGEN_X_ACCESS_SECRET",
       "SMMGEN_X_BEARER_TOKEN")
FACTS = facts.X
MAX_IMAGES = int(FACTS.images.max_count.value)
IMAGE_MAX_BYTES = int(FACTS.images.max_bytes.value)
ALT_MAX = 1000
VIDEO_MAX_BYTES = int(FACTS.video.max_bytes.value)
VIDEO_MIN_SECONDS, VIDEO_MAX_SECONDS = float(FACTS.video.min_seconds.value), float(FACTS.video.max_seconds.value)
CHUNK_BYTES = 4 * 1024 * 1024              # under the 5 MB X takes per APPEND
PAGE = 100                                  # max_results of GET /2/users/:id/tweets
LOOKUP_SLACK = dt.timedelta(minutes=15)     # clock difference allowed between this machine and X
_URL = re.compile(r"https?://\S+")


def open(ctx: AdapterContext) -> X:
    oauth1, bearer = ENV[:4], ENV[4]
    if ctx.env.get(ctx.variable(bearer), "").strip():
        return X(ctx, bearer=ctx.secret(bearer))
    missing = [ctx.variable(name) for name in oauth1 if not ctx.env.get(ctx.variable(name), "").strip()]
    if missing:
        named = [ctx.variable(name) for name in oauth1]
        raise AuthError(NAME, f"environment variable {missing[0]} is not set{ctx.whose}: X takes either {ctx.variable(bearer)} "
                        f"(an OAuth 2.0 user access token) or all four of {', '.join(named)} (OAuth 1.0a user "
                        f"context); missing: {', '.join(missing)}")
    key, secret, token, token_secret = (ctx.secret(name) for name in oauth1)
    return X(ctx, oauth1=(key, secret, token, token_secret))


def _error_body(response: requests.Response) -> tuple[str, PublishError | None]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    message = one_line([str(body.get("detail") or body.get("title") or first.get("message") or
                            first.get("detail") or f"HTTP {response.status_code}")])
    status = response.status_code
    if status == 429:
        wait = retry_after({"X-RateLimit-Reset": response.headers.get("x-rate-limit-reset")})
        return message, RateLimited(NAME, message, retry_after=wait, status=status)
    if status == 403 and "duplicate content" in message.lower():
        # 403 is also X's word for "not allowed": only this one is about the post rather than the credentials.
        return message, PublishError(NAME, message, status=status)
    return message, None


def comparable(text: str) -> str:
    """A post's text as it can be compared with what X returns: entities decoded, links (wrapped in t.co by X)
    reduced to a marker, whitespace collapsed."""
    return " ".join(_URL.sub("<link>", html.unescape(text)).split())


class X:
    name = NAME

    def __init__(self, ctx: AdapterContext, *, bearer: Secret | None = None,
                 oauth1: tuple[Secret, Secret, Secret, Secret] | None = None):
        self._api = str(ctx.setting("api_base", "https://api.x.com")).rstrip("/")
        self._web = str(ctx.setting("web_url", "https://x.com")).rstrip("/")
        secrets = [bearer] if bearer else list(oauth1 or ())
        headers = {"Authorization": f"Bearer {bearer.reveal()}"} if bearer else {}
        self._flavour = "oauth2" if bearer else "oauth1"
        self._auth = None
        if oauth1:
            key, secret, token, token_secret = (s.reveal() for s in oauth1)
            self._auth = OAuth1(key, client_secret=secret, resource_owner_key=token,
                                resource_owner_secret=token_secret, signature_type="AUTH_HEADER")
        self._http = Http(NAME, self._api, ctx.http, ctx.budget, secrets=secrets, headers=headers,
                          error_body=_error_body)
        self._user: dict[str, str] | None = None
        self._media_wait = media_wait(ctx)

    def __repr__(self) -> str:
        return f"X(api={self._api!r}, auth={self._flavour})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        user = self._me()
        images = post.media_for("attach")
        if len(images) > MAX_IMAGES:
            raise PublishError(NAME, f"{len(images)} images; an X post takes at most {MAX_IMAGES}",
                               entry_id=post.entry_id)
        media_ids = [self._upload_video(post, post.video)] if post.video else [self._upload(post, m) for m in images]
        ids: list[str] = []
        try:
            for i, text in enumerate(post.parts):
                body: dict[str, Any] = {"text": text}
                if i == 0 and media_ids:
                    body["media"] = {"media_ids": media_ids}
                if ids:
                    body["reply"] = {"in_reply_to_tweet_id": ids[-1]}
                response = self._call("POST", "2/tweets", resend=False, entry_id=post.entry_id, json=body)
                ids.append(str(response.json()["data"]["id"]))
        except PublishError as e:
            if ids and not isinstance(e, MaybeDone):
                self._remove(ids)
            raise
        return self._posted(user, ids)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        user = self._me()
        start = (since or post.now) - LOOKUP_SLACK
        try:
            response = self._call("GET", f"2/users/{user['id']}/tweets", resend=True,
                                  params={"start_time": iso(start), "max_results": PAGE,
                                          "tweet.fields": "created_at,referenced_tweets"})
        except AuthError as e:
            return Lookup.unknown(f"cannot read the account's posts ({e.detail})")
        tweets = list(response.json().get("data") or [])
        covered = len(tweets) < PAGE
        wanted = [comparable(p) for p in post.parts]
        heads = [t for t in tweets if comparable(t.get("text") or "") == wanted[0] and not _parent(t)]
        if not heads:
            return Lookup.absent() if covered else Lookup.unknown(
                f"not among the account's latest {len(tweets)} posts, which do not reach back far enough")
        chain = [heads[-1]]
        for text in wanted[1:]:
            reply = next((t for t in tweets if _parent(t) == chain[-1]["id"]
                          and comparable(t.get("text") or "") == text), None)
            if reply is None:
                return Lookup.unknown(f"only {len(chain)} of the thread's {len(wanted)} posts are on X")
            chain.append(reply)
        return Lookup(self._posted(user, [str(t["id"]) for t in chain]))

    def delete(self, posted: Posted) -> None:
        self._remove(list(posted.remote.get("ids") or [posted.remote_id]))

    def edit(self, posted: Posted, post: Post) -> Posted:
        raise PublishError(NAME, 'the X API cannot edit a post (set on_change = "repost")',
                           entry_id=post.entry_id)

    # --- helpers -----------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if self._auth is not None:
            kwargs["auth"] = self._auth
        return self._http.call(method, path, **kwargs)

    def _me(self) -> dict[str, str]:
        if self._user is None:
            data = self._call("GET", "2/users/me", resend=True).json()["data"]
            self._user = {"id": str(data["id"]), "username": str(data["username"])}
        return self._user

    def _upload(self, post: Post, media: MediaFile) -> str:
        data = media.read(NAME, post.entry_id)
        if len(data) > IMAGE_MAX_BYTES:
            raise PublishError(NAME, f"{media.path.name} is {len(data):,} bytes; X takes images up to "
                               f"{IMAGE_MAX_BYTES:,}", entry_id=post.entry_id)
        if len(media.alt) > ALT_MAX:
            raise PublishError(NAME, f"the alt text of {media.path.name} is {len(media.alt)} characters; X "
                               f"takes {ALT_MAX}", entry_id=post.entry_id)
        # An upload sent twice only leaves an unused media id behind, which X discards after a day.
        response = self._call("POST", "2/media/upload", resend=True, entry_id=post.entry_id,
                              files={"media": (media.path.name, data, media.mime)},
                              data={"media_category": "tweet_image"})
        media_id = str(response.json()["data"]["id"])
        if media.alt:
            self._call("POST", "2/media/metadata", resend=True, entry_id=post.entry_id,
                       json={"id": media_id, "metadata": {"alt_text": {"text": media.alt}}})
        return media_id

    def _upload_video(self, post: Post, video: VideoFile) -> str:
        """The chunked upload: initialize, append the chunks in order, finalize, then poll the status until X
        has processed the video. Every step may be repeated: a media id never posted expires unused."""
        problems = []
        if (video.size or 0) > VIDEO_MAX_BYTES:
            problems.append(f"{video.path.name} is {video.size:,} bytes; X takes videos up to {VIDEO_MAX_BYTES:,}")
        if not VIDEO_MIN_SECONDS <= video.duration <= VIDEO_MAX_SECONDS:
            problems.append(f"the video is {video.duration:g} s; X takes {VIDEO_MIN_SECONDS:g} to "
                            f"{VIDEO_MAX_SECONDS:g} s through the API")
        if len(video.alt) > ALT_MAX:
            problems.append(f"the video's alt text is {len(video.alt)} characters; X takes {ALT_MAX}")
        if problems:
            raise PublishError(NAME, "; ".join(problems), entry_id=post.entry_id)
        data = video.read(NAME, post.entry_id)
        init = self._call("POST", "2/media/upload/initialize", resend=True, entry_id=post.entry_id,
                          json={"media_type": video.mime, "total_bytes": len(data), "media_category": "tweet_video"})
        media_id = str(init.json()["data"]["id"])
        for index, start in enumerate(range(0, len(data), CHUNK_BYTES)):
            # X keeps the last copy of a segment sent twice.
            self._call("POST", f"2/media/upload/{media_id}/append", resend=True, entry_id=post.entry_id,
                       data={"segment_index": str(index)},
                       files={"media": (video.path.name, data[start:start + CHUNK_BYTES], "application/octet-stream")})
        final = self._call("POST", f"2/media/upload/{media_id}/finalize", resend=True, entry_id=post.entry_id)
        info = (final.json().get("data") or {}).get("processing_info")
        if info:
            first = iter([info])        # finalize answers with the first state; STATUS with the later ones
            wait_for(lambda: _state(next(first, None) or self._status(media_id, post)), platform=NAME,
                     what=f"the video {video.path.name}", seconds=self._media_wait, entry_id=post.entry_id)
        if video.alt:
            self._call("POST", "2/media/metadata", resend=True, entry_id=post.entry_id,
                       json={"id": media_id, "metadata": {"alt_text": {"text": video.alt}}})
        return media_id

    def _status(self, media_id: str, post: Post) -> dict[str, Any]:
        response = self._call("GET", "2/media/upload", resend=True, entry_id=post.entry_id,
                              params={"command": "STATUS", "media_id": media_id})
        return (response.json().get("data") or {}).get("processing_info") or {"state": "succeeded"}

    def _remove(self, ids: Sequence[str]) -> None:
        for tweet_id in reversed(list(ids)):
            # 404: already gone, which is what a delete wants.
            self._call("DELETE", f"2/tweets/{tweet_id}", resend=True, ok=(200, 404))

    def _posted(self, user: dict[str, str], ids: Sequence[str]) -> Posted:
        return Posted(remote_id=ids[0], url=f"{self._web}/{user['username']}/status/{ids[0]}",
                      remote={"ids": list(ids), "username": user["username"]})


def _state(info: dict[str, Any]) -> State:
    """``processing_info`` as a ``State``: pending and in_progress wait ``check_after_secs``; failed names X's
    error."""
    name = str(info.get("state") or "")
    error = info.get("error") if isinstance(info.get("error"), dict) else {}
    after = info.get("check_after_secs")
    return State(name=name, done=name == "succeeded",
                 failed=one_line([str(error.get("name") or ""), str(error.get("message") or "")]) or name
                 if name == "failed" else None,
                 after=float(after) if isinstance(after, (int, float)) else None)


def _parent(tweet: dict[str, Any]) -> str | None:
    for ref in tweet.get("referenced_tweets") or ():
        if ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return None
