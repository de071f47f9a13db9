"""LinkedIn: a post through the Posts API with an article card we build ourselves (LinkedIn does not scrape
URLs for the Posts API): source, title and description from the cut, the card image uploaded through the
Images API as the thumbnail. The commentary is the cut's ``extra.commentary``, already escaped for the
"little text" format; the publisher sends it as it is. A video goes up through the Videos API (multi-part upload)
and the post carries it as ``content.media``.

There is no idempotency key: after a lost answer the runner asks ``find``, which reads the author's recent
posts and matches the article source and the commentary.

Sources: https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api (POST
/rest/posts: author, commentary, visibility, distribution, content.article {source, thumbnail, title,
description}, lifecycleState PUBLISHED; 201 with the post URN in ``x-restli-id``; GET ?q=author; DELETE
/rest/posts/{encoded urn}); .../shares/images-api (POST /rest/images?action=initializeUpload with
``initializeUploadRequest.owner``; answer ``value.uploadUrl`` and ``value.image``; then PUT the bytes); every
call with ``LinkedIn-Version: YYYYMM`` and ``X-Restli-Protocol-Version: 2.0.0``; .../shares/little-text-format;
.../shares/videos-api (initializeUpload with owner and fileSizeBytes -> video URN, uploadToken and uploadInstructions with
firstByte/lastByte; PUT each part, keeping its ETag; finalizeUpload with uploadedPartIds in order; GET
/rest/videos/{urn} status PROCESSING, AVAILABLE or PROCESSING_FAILED; 75 KB to 500 MB, 3 s to 30 min).
Error bodies ``{"status", "serviceErrorCode", "code", "message"}`` and daily limits that reset at midnight UTC
as LinkedIn's API answers and rate-limit page describe them (the body shape is observed, not specified).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from typing import Any
from urllib.parse import quote

import requests

from smmgen import facts
from smmgen.errors import AuthError, ConfigError, PublishError, RateLimited
from smmgen.publish.base import AdapterContext, Lookup, MaybeDone, MediaFile, Post, Posted, Secret, VideoFile, one_line
from smmgen.publish.http import Http, retry_after
from smmgen.publish.processing import State, media_wait, wait_for

NAME = "linkedin"
ENV = ("SMMGEN_LINKEDIN_TOKEN",)
PAGE = 50
FACTS = facts.LINKEDIN
VIDEO_BYTES = (int(FACTS.video.min_bytes.value), int(FACTS.video.max_bytes.value))
VIDEO_SECONDS = (float(FACTS.video.min_seconds.value), float(FACTS.video.max_seconds.value))


def open(ctx: AdapterContext) -> LinkedIn:
    token = ctx.secret(ENV[0])
    author = ctx.setting("author")
    if not author:
        raise ConfigError("smmgen.toml", "publish.linkedin.author",
                          'required to publish to LinkedIn (e.g. "urn:li:organization:2414183")')
    return LinkedIn(ctx, str(author), token)


def _error_body(response: requests.Response) -> tuple[str, PublishError | None]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = body.get("code") or body.get("serviceErrorCode")
    message = one_line([str(body.get("message") or f"HTTP {response.status_code}")])
    text = f"{message} ({code})" if code else message
    if response.status_code == 429:
        return text, RateLimited(NAME, text, status=429, retry_after=_wait(response.headers))
    return text, None


def _wait(headers: Any) -> float | None:
    """``Retry-After`` when sent; otherwise until the daily limits reset, at midnight UTC by the server's
    ``Date``."""
    if headers.get("Retry-After"):
        return retry_after({"Retry-After": headers.get("Retry-After")})
    try:
        now = email.utils.parsedate_to_datetime(headers.get("Date") or "")
    except (TypeError, ValueError, IndexError):
        return None
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


class LinkedIn:
    name = NAME

    def __init__(self, ctx: AdapterContext, author: str, token: Secret):
        self._author = author
        self._api = str(ctx.setting("api_base", "https://api.linkedin.com")).rstrip("/")
        self._web = str(ctx.setting("web_url", "https://www.linkedin.com")).rstrip("/")
        self._visibility = str(ctx.setting("visibility", "PUBLIC"))
        self._media_wait = media_wait(ctx)
        self._http = Http(NAME, f"{self._api}/rest", ctx.http, ctx.budget, secrets=[token],
                          error_body=_error_body,
                          headers={"Authorization": f"Bearer {token.reveal()}",
                                   "LinkedIn-Version": str(ctx.setting("version", "202605")),
                                   "X-Restli-Protocol-Version": "2.0.0"})

    def __repr__(self) -> str:
        return f"LinkedIn(author={self._author!r})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        commentary = post.extra.get("commentary")
        if not isinstance(commentary, str) or len(post.parts) > 1:
            raise PublishError(NAME, "the cut has no single escaped commentary (extra.commentary); rebuild "
                               "with this smmgen", entry_id=post.entry_id)
        body: dict[str, Any] = {
            "author": self._author,
            "commentary": commentary,
            "visibility": self._visibility,
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if post.video is not None:
            body["content"] = {"media": {"id": self._upload_video(post, post.video), "title": post.title}}
        else:
            article = self._article(post)
            if article:
                body["content"] = {"article": article}
        response = self._http.call("POST", "posts", resend=False, entry_id=post.entry_id, ok=(201,), json=body)
        urn = response.headers.get("x-restli-id")
        if not urn:
            raise MaybeDone(NAME, "LinkedIn created the post but sent no x-restli-id", entry_id=post.entry_id)
        return self._posted(urn)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        try:
            body = self._http.call("GET", "posts", resend=True,
                                   params={"author": self._author, "q": "author", "count": PAGE,
                                           "sortBy": "LAST_MODIFIED"}).json()
        except AuthError as e:
            return Lookup.unknown(f"cannot read the author's posts ({e.detail})")
        items = list(body.get("elements") or [])
        source = ((post.extra.get("article") or {}).get("source")) or post.link
        for item in items:
            content = item.get("content") or {}
            found = (content.get("article") or {}).get("source")
            # A video post carries the video's URN, new with every upload: the commentary alone identifies it.
            same_content = "media" in content if post.video is not None else found == source
            if item.get("commentary") == post.extra.get("commentary") and same_content:
                return Lookup(self._posted(str(item["id"])))
        return Lookup.absent() if len(items) < PAGE else Lookup.unknown(
            f"not among the author's latest {len(items)} posts")

    def delete(self, posted: Posted) -> None:
        # 404: already gone, which is what a delete wants.
        self._http.call("DELETE", f"posts/{quote(posted.remote_id, safe='')}", resend=True, ok=(204, 200, 404),
                        headers={"X-RestLi-Method": "DELETE"})

    def edit(self, posted: Posted, post: Post) -> Posted:
        raise PublishError(NAME, 'smmgen does not edit LinkedIn posts (set on_change = "repost")',
                           entry_id=post.entry_id)

    # --- helpers -----------------------------------------------------------------------------------------

    def _article(self, post: Post) -> dict[str, Any] | None:
        given = dict(post.extra.get("article") or {})
        source = given.get("source") or post.link
        if not source:
            return None
        article: dict[str, Any] = {"source": source, "title": str(given.get("title") or post.title)}
        if given.get("description"):
            article["description"] = str(given["description"])
        thumbs = post.media_for("link_card")
        if thumbs:
            article["thumbnail"] = self._upload(post, thumbs[0])
        return article

    def _upload(self, post: Post, media: MediaFile) -> str:
        data = media.read(NAME, post.entry_id)
        # An initialised upload that is never used is harmless, so both steps may be repeated.
        value = self._http.call("POST", "images", resend=True, entry_id=post.entry_id,
                                params={"action": "initializeUpload"},
                                json={"initializeUploadRequest": {"owner": self._author}}).json()["value"]
        self._http.call("PUT", value["uploadUrl"], resend=True, entry_id=post.entry_id, data=data,
                        headers={"Content-Type": media.mime})
        return str(value["image"])

    def _upload_video(self, post: Post, video: VideoFile) -> str:
        """The Videos API: initializeUpload, PUT every part to its upload URL (collecting the ETags), then
        finalizeUpload with the ETags in order, and wait until the video is AVAILABLE. Every step may be
        repeated: a video never posted is never shown."""
        problems = []
        if not VIDEO_BYTES[0] <= (video.size or 0) <= VIDEO_BYTES[1]:
            problems.append(f"{video.path.name} is {video.size:,} bytes; LinkedIn takes videos of "
                            f"{VIDEO_BYTES[0]:,} to {VIDEO_BYTES[1]:,}")
        if not VIDEO_SECONDS[0] <= video.duration <= VIDEO_SECONDS[1]:
            problems.append(f"the video is {video.duration:g} s; LinkedIn takes {VIDEO_SECONDS[0]:g} to "
                            f"{VIDEO_SECONDS[1]:g} s")
        if problems:
            raise PublishError(NAME, "; ".join(problems), entry_id=post.entry_id)
        data = video.read(NAME, post.entry_id)
        value = self._http.call("POST", "videos", resend=True, entry_id=post.entry_id,
                                params={"action": "initializeUpload"},
                                json={"initializeUploadRequest": {"owner": self._author, "fileSizeBytes": len(data),
                                                                  "uploadCaptions": False,
                                                                  "uploadThumbnail": False}}).json()["value"]
        urn = str(value["video"])
        etags = []
        for part in value["uploadInstructions"]:
            first, last = int(part["firstByte"]), int(part["lastByte"])
            response = self._http.call("PUT", part["uploadUrl"], resend=True, entry_id=post.entry_id,
                                       data=data[first:last + 1],
                                       headers={"Content-Type": "application/octet-stream"})
            etag = response.headers.get("etag")
            if not etag:
                raise PublishError(NAME, f"the upload of bytes {first}-{last} of {video.path.name} answered "
                                   "without an ETag", entry_id=post.entry_id, transient=True)
            etags.append(etag)
        self._http.call("POST", "videos", resend=True, entry_id=post.entry_id, params={"action": "finalizeUpload"},
                        json={"finalizeUploadRequest": {"video": urn, "uploadToken": value.get("uploadToken") or "",
                                                        "uploadedPartIds": etags}})
        wait_for(lambda: self._video_state(urn, post), platform=NAME, what=f"the video {video.path.name}",
                 seconds=self._media_wait, entry_id=post.entry_id)
        return urn

    def _video_state(self, urn: str, post: Post) -> State:
        body = self._http.call("GET", f"videos/{quote(urn, safe='')}", resend=True, entry_id=post.entry_id).json()
        status = str(body.get("status") or "")
        return State(status, done=status == "AVAILABLE",
                     failed=one_line([str(body.get("processingFailureReason") or status)])
                     if status == "PROCESSING_FAILED" else None)

    def _posted(self, urn: str) -> Posted:
        return Posted(remote_id=urn, url=f"{self._web}/feed/update/{urn}/", remote={"author": self._author})
