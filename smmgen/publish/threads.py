"""Threads: a TEXT post (the first link in the text becomes the preview), an IMAGE post when the cut attaches
an image, or a VIDEO post (``video_url`` under ``[site] media_base_url``), each through a media container and
``threads_publish``; a thread as replies (``reply_to_id``).

Before posting, the profile's quota is read (``threads_publishing_limit``): 250 API-published posts and 1000
replies in 24 hours, which Meta asks apps that schedule to respect themselves. A part with more than 5 links is
refused here, as Meta would refuse its container. An image must be public: the card's address under
``[site] cards_base_url`` is checked to serve exactly the manifest's bytes before Meta fetches it.

Exactly once: containers may be created again (an unpublished one expires); ``threads_publish`` is never
resent blind: after a lost answer the runner asks ``find``, which compares texts among the profile's recent
posts and replies. A thread that fails half-way is deleted again.

Sources: https://developers.facebook.com/documentation/threads/posts (POST /{threads-user-id}/threads with
media_type TEXT|IMAGE, text, image_url; POST /{threads-user-id}/threads_publish with creation_id; 500
characters); .../threads/create-posts/text-attachments (more than 5 links: THREADS_API__LINK_LIMIT_EXCEEDED);
.../threads/overview (250 posts per 24 h; graph.threads.net); .../threads/retrieve-and-manage-replies
(reply_quota_usage, reply_config; 1000 replies per 24 h); .../threads/troubleshooting (container status
EXPIRED, ERROR, FINISHED, IN_PROGRESS, PUBLISHED; error_message such as FAILED_PROCESSING_VIDEO);
.../threads/overview#video-specifications (MOV or MP4, H.264, 23-60 fps, at most 5 minutes and 1 GB);
.../threads/posts/delete-posts (DELETE /{threads-media-id}); topic_tag, alt_text and reply_to_id as used by
third-party clients (unverified first-hand).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from smmgen import facts
from smmgen.errors import AuthError, PublishError, RateLimited
from smmgen.publish import meta
from smmgen.publish.base import AdapterContext, Lookup, MaybeDone, Post, Posted, Secret, VideoFile
from smmgen.publish.http import Http
from smmgen.publish.processing import media_wait

NAME = "threads"
ENV = ("SMMGEN_THREADS_TOKEN",)
FACTS = facts.THREADS
MAX_LINKS = int(FACTS.max_links.value)
VIDEO_MAX_BYTES = int(FACTS.video.max_bytes.value)
VIDEO_MAX_SECONDS = float(FACTS.video.max_seconds.value)
VIDEO_FPS = (float(FACTS.video.min_frame_rate.value), float(FACTS.video.max_frame_rate.value))
PAGE = 50
LOOKUP_SLACK = dt.timedelta(minutes=15)
_URL = re.compile(r"https?://\S+")


def open(ctx: AdapterContext) -> Threads:
    return Threads(ctx, ctx.secret(ENV[0]))


class Threads:
    name = NAME

    def __init__(self, ctx: AdapterContext, token: Secret):
        self._user = str(ctx.setting("user_id", "me"))
        self._token = token
        api = str(ctx.setting("api_base", "https://graph.threads.net")).rstrip("/")
        self._base = f"{api}/{ctx.setting('api_version', 'v1.0')}"
        self._config, self._budget = ctx.http, ctx.budget
        self._media_wait = media_wait(ctx)
        self._http = Http(NAME, self._base, ctx.http, ctx.budget, secrets=[token],
                          error_body=meta.error_body(NAME))

    def __repr__(self) -> str:
        return f"Threads(user_id={self._user!r}, api={self._base!r})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        for i, text in enumerate(post.parts):
            links = len(_URL.findall(text))
            if links > MAX_LINKS:
                where = f" (part {i + 1})" if len(post.parts) > 1 else ""
                raise PublishError(NAME, f"{links} links{where}; Threads takes at most {MAX_LINKS}",
                                   entry_id=post.entry_id)
        video = post.video
        if video is not None:
            self._check_video(post, video)
        self._check_quota(post)
        images = post.media_for("attach")
        image_url = meta.check_public(NAME, images[0], post.entry_id, self._config, self._budget) \
            if images and video is None else None
        video_url = meta.check_public(NAME, video, post.entry_id, self._config, self._budget) if video else None
        ids: list[str] = []
        try:
            for i, text in enumerate(post.parts):
                fields: dict[str, Any] = {"media_type": "TEXT", "text": text, **self._auth()}
                if i == 0 and video_url and video is not None:
                    fields.update(media_type="VIDEO", video_url=video_url)
                    if video.alt:
                        fields["alt_text"] = video.alt
                elif i == 0 and image_url:
                    fields.update(media_type="IMAGE", image_url=image_url)
                    if images[0].alt:
                        fields["alt_text"] = images[0].alt
                if i == 0 and post.extra.get("topic_tag"):
                    fields["topic_tag"] = str(post.extra["topic_tag"])
                if ids:
                    fields["reply_to_id"] = ids[-1]
                ids.append(self._publish(post, fields))
        except PublishError as e:
            if ids and not isinstance(e, MaybeDone):
                self._remove(ids)
            raise
        return self._posted(ids)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        try:
            posts = self._list("threads")
            replies = self._list("replies") if len(post.parts) > 1 else []
        except AuthError as e:
            return Lookup.unknown(f"cannot read the profile's posts ({e.detail})")
        hit = next((p for p in posts if p.get("text") == post.text), None)
        if hit is None:
            return Lookup.absent() if len(posts) < PAGE else Lookup.unknown(
                f"not among the profile's latest {len(posts)} posts")
        chain = [hit]
        for text in post.parts[1:]:
            reply = next((r for r in replies if r.get("text") == text
                          and str((r.get("replied_to") or {}).get("id")) == str(chain[-1]["id"])), None)
            if reply is None:
                return Lookup.unknown(f"only {len(chain)} of the thread's {len(post.parts)} posts are on Threads")
            chain.append(reply)
        return Lookup(self._posted([str(p["id"]) for p in chain]))

    def delete(self, posted: Posted) -> None:
        self._remove(list(posted.remote.get("ids") or [posted.remote_id]))

    def edit(self, posted: Posted, post: Post) -> Posted:
        raise PublishError(NAME, 'Threads posts cannot be edited through the API (set on_change = "repost")',
                           entry_id=post.entry_id)

    # --- helpers -----------------------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        return {"access_token": self._token.reveal()}

    def _check_video(self, post: Post, video: VideoFile) -> None:
        problems = []
        if (video.size or 0) > VIDEO_MAX_BYTES:
            problems.append(f"{video.path.name} is {video.size:,} bytes; Threads takes videos up to "
                            f"{VIDEO_MAX_BYTES:,}")
        if video.duration > VIDEO_MAX_SECONDS:
            problems.append(f"the video is {video.duration:g} s; Threads takes {VIDEO_MAX_SECONDS:g} s")
        if not VIDEO_FPS[0] <= video.frame_rate <= VIDEO_FPS[1]:
            problems.append(f"the video has {video.frame_rate:g} frames a second; Threads takes {VIDEO_FPS[0]:g} "
                            f"to {VIDEO_FPS[1]:g}")
        if problems:
            raise PublishError(NAME, "; ".join(problems), entry_id=post.entry_id)

    def _publish(self, post: Post, fields: dict[str, Any]) -> str:
        # A container never published expires unused, so creating one may be repeated.
        container = str(self._http.call("POST", f"{self._user}/threads", resend=True, entry_id=post.entry_id,
                                        data=fields).json()["id"])
        meta.wait_for_container(self._http, NAME, container, field="status", params=self._auth(),
                                seconds=self._media_wait, entry_id=post.entry_id, detail="error_message")
        response = self._http.call("POST", f"{self._user}/threads_publish", resend=False,
                                   entry_id=post.entry_id, data={"creation_id": container, **self._auth()})
        return str(response.json()["id"])

    def _check_quota(self, post: Post) -> None:
        body = self._http.call("GET", f"{self._user}/threads_publishing_limit", resend=True,
                               entry_id=post.entry_id,
                               params={"fields": "quota_usage,config,reply_quota_usage,reply_config",
                                       **self._auth()}).json()
        row = (body.get("data") or [{}])[0]
        wants = [("posts", row.get("quota_usage"), row.get("config"), 1),
                 ("replies", row.get("reply_quota_usage"), row.get("reply_config"), len(post.parts) - 1)]
        for what, usage, config, needed in wants:
            total = int((config or {}).get("quota_total") or 0)
            if needed and total and int(usage or 0) + needed > total:
                raise RateLimited(NAME, f"the profile has published {int(usage or 0)} of the {total} {what} "
                                  "allowed in 24 h", entry_id=post.entry_id)

    def _list(self, edge: str) -> list[dict[str, Any]]:
        body = self._http.call("GET", f"{self._user}/{edge}", resend=True,
                               params={"fields": "id,text,timestamp,replied_to", "limit": PAGE,
                                       **self._auth()}).json()
        return list(body.get("data") or [])

    def _remove(self, ids: Sequence[str]) -> None:
        for media_id in reversed(list(ids)):
            response = self._http.call("DELETE", media_id, resend=True, ok=(200, 400, 404), params=self._auth())
            error = meta.graph_error(response)
            if response.status_code != 200 and not (error.get("code") == 100 and error.get("error_subcode") == 33):
                raise self._http.error_for(response)

    def _posted(self, ids: Sequence[str]) -> Posted:
        try:
            url = self._http.call("GET", ids[0], resend=True,
                                  params={"fields": "permalink", **self._auth()}).json().get("permalink")
        except PublishError:
            url = None     # the post exists: failing now would post it again on the next run
        return Posted(remote_id=ids[0], url=url, remote={"ids": list(ids), "user_id": self._user})
