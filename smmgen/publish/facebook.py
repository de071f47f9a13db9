"""Facebook Page: a feed post (message and link; Facebook builds the preview from the article's og tags), a
photo post when the cut attaches an image, or a video post when it has a video (uploaded to ``/{page-id}/videos``
with the poster as its thumbnail, its processing polled); all as the Page, with a Page access token.

With ``native_scheduling`` on, a post due 10 minutes to 30 days ahead is handed to Facebook's scheduler
(``published=false`` and ``scheduled_publish_time``), so it appears on time even if no publish run happens
then. The Graph API version is pinned in smmgen.toml (``graph_version``).

There is no idempotency key: a create whose answer was lost is looked up among the Page's recent (and, with
native scheduling, scheduled) posts by its message before anything is sent again.

Sources: https://developers.facebook.com/docs/pages-api/posts (POST /{page_id}/feed with message, link,
published, scheduled_publish_time as a Unix time; DELETE /{page_post_id}; the Page access token); Graph API
reference: page/photos (POST with ``source`` or ``url`` and ``message``; answer ``id`` and ``post_id``),
page/feed and page/scheduled_posts (reading), Page Post ``permalink_url``; the error-handling guide (code 100
subcode 33: the object does not exist); https://developers.facebook.com/docs/video-api/guides/publishing and
graph-api/reference/page/videos (non-resumable upload to graph-video.facebook.com with ``source``,
``description``, ``title``, ``thumb``: at most 1 GB and 20 minutes; ``GET /{video-id}?fields=status`` with
``video_status`` processing, ready or error). The 10 minute to 30 day scheduling window is the one client libraries
enforce (unverified in Meta's current docs; a 2012 Facebook post said 6 months).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests

from smmgen import facts
from smmgen.errors import AuthError, ConfigError, PublishError
from smmgen.publish import meta
from smmgen.publish.base import AdapterContext, Lookup, MediaFile, Post, Posted, Secret, VideoFile, one_line
from smmgen.publish.http import Http
from smmgen.publish.processing import State, media_wait, wait_for

NAME = "facebook"
ENV = ("SMMGEN_FACEBOOK_PAGE_TOKEN",)
SCHEDULE_WINDOW = facts.FACEBOOK.schedule.bounds   # read by the runner to hand over posts due ahead
SCHEDULE_MIN, SCHEDULE_MAX = SCHEDULE_WINDOW
PAGE = 100
LOOKUP_SLACK = dt.timedelta(minutes=15)
VIDEO_HOST = "https://graph-video.facebook.com"
VIDEO_MAX_BYTES = 1024 * 1024 * 1024     # one non-resumable request
VIDEO_MAX_SECONDS = 20 * 60.0


def open(ctx: AdapterContext) -> Facebook:
    token = ctx.secret(ENV[0])
    page_id = ctx.setting("page_id")
    if not page_id:
        raise ConfigError("smmgen.toml", "publish.facebook.page_id", "required to publish to a Facebook Page")
    return Facebook(ctx, str(page_id), token)


class Facebook:
    name = NAME

    def __init__(self, ctx: AdapterContext, page_id: str, token: Secret):
        self._page = page_id
        self._token = token
        api = str(ctx.setting("api_base", "https://graph.facebook.com")).rstrip("/")
        self._base = f"{api}/{ctx.setting('graph_version', 'v25.0')}"
        self._native = bool(ctx.setting("native_scheduling", False))
        # Video uploads go to graph-video.facebook.com; a test server given as api_base takes them too.
        video_api = ctx.setting("video_api_base") or (VIDEO_HOST if api == "https://graph.facebook.com" else api)
        self._video_base = f"{str(video_api).rstrip('/')}/{ctx.setting('graph_version', 'v25.0')}"
        self._media_wait = media_wait(ctx)
        self._http = Http(NAME, self._base, ctx.http, ctx.budget, secrets=[token],
                          error_body=meta.error_body(NAME))

    def __repr__(self) -> str:
        return f"Facebook(page_id={self._page!r}, api={self._base!r})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        if len(post.parts) > 1:
            raise PublishError(NAME, f"a Facebook post is one message; this cut has {len(post.parts)} parts",
                               entry_id=post.entry_id)
        if post.video is not None:
            return self._create_video(post, post.video)
        fields: dict[str, Any] = {"message": post.text, **self._schedule(post), **self._auth()}
        photos = post.media_for("attach")
        if photos:
            kind, photo = "photo", photos[0]
            upload = (photo.path.name, self._read(post, photo), photo.mime)
            response = self._http.call("POST", f"{self._page}/photos", resend=False, entry_id=post.entry_id,
                                       data=fields, files={"source": upload})
            post_id = str(response.json().get("post_id") or response.json()["id"])
        else:
            kind = "feed"
            link = post.extra.get("link") or post.link
            if link:
                fields["link"] = link
            response = self._http.call("POST", f"{self._page}/feed", resend=False, entry_id=post.entry_id,
                                       data=fields)
            post_id = str(response.json()["id"])
        return self._posted(post_id, kind, scheduled="published" in fields)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        start = int(((since or post.now) - LOOKUP_SLACK).timestamp())
        edges = ["feed", "scheduled_posts"] if self._native else ["feed"]
        for edge in edges:
            try:
                body = self._http.call("GET", f"{self._page}/{edge}", resend=True,
                                       params={"fields": "id,message,created_time", "limit": PAGE,
                                               "since": start, **self._auth()}).json()
            except AuthError as e:
                return Lookup.unknown(f"cannot read the Page's posts ({e.detail})")
            items = list(body.get("data") or [])
            hit = next((p for p in items if p.get("message") == post.text), None)
            if hit is not None:
                return Lookup(self._posted(str(hit["id"]), "feed", scheduled=edge == "scheduled_posts"))
            if len(items) >= PAGE:
                return Lookup.unknown(f"not among the Page's latest {len(items)} posts")
        return Lookup.absent()

    def delete(self, posted: Posted) -> None:
        response = self._http.call("DELETE", posted.remote_id, resend=True, ok=(200, 400, 404),
                                   params=self._auth())
        if response.status_code == 200 or _gone(response):
            return
        raise self._http.error_for(response)

    def edit(self, posted: Posted, post: Post) -> Posted:
        raise PublishError(NAME, 'smmgen does not edit Facebook posts (set on_change = "repost")',
                           entry_id=post.entry_id)

    # --- video -------------------------------------------------------------------------------------------

    def _create_video(self, post: Post, video: VideoFile) -> Posted:
        """A video post: the file to ``/{page-id}/videos`` (the upload is the post, so it is sent once; a lost
        answer is looked up in the feed like any post), then its processing polled. A video Facebook could not
        process is deleted again and reported; one still processing when the wait ends stays posted, and
        appears once Facebook is done."""
        problems = []
        if (video.size or 0) > VIDEO_MAX_BYTES:
            problems.append(f"{video.path.name} is {video.size:,} bytes; smmgen uploads videos up to "
                            f"{VIDEO_MAX_BYTES:,} to Facebook in one request")
        if video.duration > VIDEO_MAX_SECONDS:
            problems.append(f"the video is {video.duration:g} s; a single-request upload to Facebook takes "
                            f"{VIDEO_MAX_SECONDS:g} s")
        if problems:
            raise PublishError(NAME, "; ".join(problems), entry_id=post.entry_id)
        fields: dict[str, Any] = {"description": post.text, "title": post.title, **self._schedule(post),
                                  **self._auth()}
        files = {"source": (video.path.name, video.read(NAME, post.entry_id), video.mime)}
        if video.poster is not None:
            files["thumb"] = (video.poster.path.name, video.poster.read(NAME, post.entry_id), video.poster.mime)
        response = self._http.call("POST", f"{self._video_base}/{self._page}/videos", resend=False,
                                   entry_id=post.entry_id, data=fields, files=files)
        video_id = str(response.json()["id"])
        try:
            wait_for(lambda: self._video_state(video_id, post), platform=NAME, what=f"the video {video.path.name}",
                     seconds=self._media_wait, entry_id=post.entry_id)
        except PublishError as e:
            if e.transient:
                pass        # still processing: the post exists and will show when Facebook is done
            else:
                self._http.call("DELETE", video_id, resend=True, ok=(200, 400, 404), params=self._auth())
                raise
        return Posted(remote_id=video_id, url=f"https://www.facebook.com/{self._page}/videos/{video_id}",
                      remote={"page_id": self._page, "kind": "video", "scheduled": "published" in fields})

    def _video_state(self, video_id: str, post: Post) -> State:
        body = self._http.call("GET", video_id, resend=True, entry_id=post.entry_id,
                               params={"fields": "status", **self._auth()}).json()
        status = body.get("status") if isinstance(body.get("status"), dict) else {}
        name = str(status.get("video_status") or "")
        phase = status.get("processing_phase") if isinstance(status.get("processing_phase"), dict) else {}
        errors = [str(e.get("message") or "") for e in phase.get("errors") or () if isinstance(e, dict)]
        return State(name or "unknown", done=name in ("ready", "upcoming", "scheduled"),
                     failed=(one_line(errors) or name) if name == "error" else None)

    # --- helpers -----------------------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        # Sent as a parameter, as the Pages API guide does; the value is scrubbed from every log line.
        return {"access_token": self._token.reveal()}

    def _schedule(self, post: Post) -> dict[str, Any]:
        ahead = post.publish_at - post.now
        if not self._native or not SCHEDULE_MIN <= ahead <= SCHEDULE_MAX:
            return {}
        return {"published": "false", "scheduled_publish_time": int(post.publish_at.timestamp())}

    @staticmethod
    def _read(post: Post, media: MediaFile) -> bytes:
        return media.read(NAME, post.entry_id)

    def _posted(self, post_id: str, kind: str, *, scheduled: bool) -> Posted:
        try:
            url = self._http.call("GET", post_id, resend=True,
                                  params={"fields": "permalink_url", **self._auth()}).json().get("permalink_url")
        except PublishError:
            # The post exists: failing now would post it again on the next run. Facebook resolves this form.
            url = f"https://www.facebook.com/{post_id}"
        return Posted(remote_id=post_id, url=url, remote={"page_id": self._page, "kind": kind,
                                                          "scheduled": scheduled})


def _gone(response: requests.Response) -> bool:
    error = meta.graph_error(response)
    return error.get("code") == 100 and error.get("error_subcode") == 33
