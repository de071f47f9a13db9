"""A Threads profile behind the Threads API (graph.threads.net), as smmgen's publisher uses it.

Rules (developers.facebook.com/documentation/threads/... unless noted), on top of tests/fakes/graph.py:
- ``POST /{user}/threads`` with ``media_type`` TEXT or IMAGE, ``text`` (at most 500 characters, emoji counted
  as their UTF-8 bytes: posts), ``image_url`` for IMAGE (fetched by Meta; JPEG or PNG, at most 8 MB:
  third-party copy of the media specs), ``reply_to_id`` for a reply, ``topic_tag`` (1-50 characters, no "."
  or "&": third-party clients), ``alt_text``. ``user`` may be ``me``.
- VIDEO (overview#video-specifications): ``video_url`` fetched by Meta; MP4 with H.264, at most 5 minutes,
  23-60 fps, 1 GB (the fake decodes it). The container stays IN_PROGRESS for ``video_polls`` reads, then FINISHED,
  or ERROR with ``error_message`` (FAILED_PROCESSING_VIDEO, INVALID_DURATION... troubleshooting) when
  ``video_failure`` is set or the video breaks a rule.
- More than 5 links in ``text`` fail at container creation with THREADS_API__LINK_LIMIT_EXCEEDED
  (create-posts/text-attachments; the numeric code here is unverified).
- Containers: IN_PROGRESS -> FINISHED -> PUBLISHED, or ERROR / EXPIRED (``GET /{container}?fields=status``,
  troubleshooting); ``POST /{user}/threads_publish`` with ``creation_id`` needs a FINISHED container.
- 250 published posts and 1000 replies per 24 h; ``GET /{user}/threads_publishing_limit`` with quota_usage,
  config, reply_quota_usage, reply_config (overview; retrieve-and-manage-replies).
- ``GET /{user}/threads`` (posts) and ``GET /{user}/replies`` (the profile's replies, with ``replied_to``)
  newest first; ``GET /{media}?fields=permalink``; ``DELETE /{media}`` answers
  ``{"success": true, "deleted_id"}`` (posts/delete-posts).
- ``GET /me?fields=id,username`` answers the token's profile. Tokens are long-lived (60 days): scopes
  threads_basic, threads_content_publish, threads_delete (get-started/long-lived-tokens, posts/delete-posts);
  ``other_token`` acts for another profile.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .graph import GraphFake, Token, fetch, graph_error, not_found
from .server import Response
from .video import probe_problem

URL = re.compile(r"https?://\S+")
POSTS_PER_DAY, REPLIES_PER_DAY = 250, 1000


def threads_length(text: str) -> int:
    """Characters, with every character outside the BMP (emoji) counted as its UTF-8 bytes."""
    return sum(len(c.encode()) if ord(c) > 0xFFFF else 1 for c in text)


class FakeThreads(GraphFake):
    def __init__(self, token: str = "THAAfakeThreadsToken5e6f", *, user_id: str = "26000000000000001",
                 version: str = "v1.0", processing_polls: int = 1):
        super().__init__(token, version)
        self.user_id, self.processing_polls = user_id, processing_polls
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.published: list[tuple[dt.datetime, bool]] = []     # (when, is a reply)
        self.username = "northbridgecourier"
        self.tokens[token] = Token("USER", user_id, ["threads_basic", "threads_content_publish", "threads_delete"],
                                   expires_at=int(dt.datetime.now(dt.UTC).timestamp()) + 50 * 86400)
        self.other_token = "THAAfakeOtherThreadsToken1q2w"
        self.tokens[self.other_token] = Token("USER", "26000000000000999", list(self.tokens[token].scopes))
        self.video_polls = 1
        self.video_failure: str | None = None     # the ERROR container's error_message

    def live_texts(self) -> list[str]:
        with self.lock:
            return [m["text"] for m in sorted(self.media.values(), key=lambda m: int(m["id"]))
                    if m["reply_to"] is None]

    def videos_posted(self) -> list[bytes]:
        with self.lock:
            return [m["video"] for m in sorted(self.media.values(), key=lambda m: int(m["id"])) if m.get("video")]

    def route(self, method: str, parts: list[str], fields: dict[str, Any], files: dict[str, Any]) -> Response:
        caller = self.caller.profile if self.caller else self.user_id
        if method == "GET" and parts == ["me"]:
            return Response(200, {"id": caller, "username": self.username if caller == self.user_id else "sport_desk"})
        if len(parts) == 2:
            if parts[0] not in ("me", self.user_id):
                return not_found(parts[0])
            parts = [self.user_id, parts[1]]
        if method == "POST" and parts == [self.user_id, "threads"]:
            return self._container(fields)
        if method == "POST" and parts == [self.user_id, "threads_publish"]:
            return self._publish(fields)
        if method == "GET" and parts == [self.user_id, "threads_publishing_limit"]:
            posts, replies = self._usage()
            return Response(200, {"data": [{"quota_usage": posts,
                                            "config": {"quota_total": POSTS_PER_DAY, "quota_duration": 86400},
                                            "reply_quota_usage": replies,
                                            "reply_config": {"quota_total": REPLIES_PER_DAY,
                                                             "quota_duration": 86400}}]})
        if method == "GET" and parts in ([self.user_id, "threads"], [self.user_id, "replies"]):
            replies = parts[1] == "replies"
            limit = min(int(fields.get("limit") or 25), 100)
            items = [m for m in sorted(self.media.values(), key=lambda m: int(m["id"]), reverse=True)
                     if (m["reply_to"] is not None) == replies][:limit]
            return Response(200, {"data": [self._public(m) for m in items]})
        if method == "GET" and len(parts) == 1:
            return self._read(parts[0])
        if method == "DELETE" and len(parts) == 1:
            if self.media.pop(parts[0], None) is None:
                return not_found(parts[0])
            self.deleted.append(parts[0])
            return Response(200, {"success": True, "deleted_id": parts[0]})
        return graph_error(100, "Unsupported request", kind="GraphMethodException")

    def _usage(self) -> tuple[int, int]:
        recent = [reply for when, reply in self.published if self.now() - when < dt.timedelta(hours=24)]
        return recent.count(False), recent.count(True)

    def _container(self, fields: dict[str, Any]) -> Response:
        kind = fields.get("media_type")
        text = str(fields.get("text") or "")
        if kind not in ("TEXT", "IMAGE", "VIDEO"):
            return graph_error(100, "(#100) media_type must be TEXT, IMAGE, VIDEO or CAROUSEL")
        if kind == "TEXT" and not text:
            return graph_error(100, "(#100) The parameter text is required for TEXT posts")
        if threads_length(text) > 500:
            return graph_error(100, "(#100) The text is longer than 500 characters", subcode=4279009)
        if len(URL.findall(text)) > 5:
            return graph_error(100, "THREADS_API__LINK_LIMIT_EXCEEDED: a post may contain at most 5 links",
                               subcode=4279020)
        tag = fields.get("topic_tag")
        if tag is not None and (not 1 <= len(str(tag)) <= 50 or any(c in str(tag) for c in ".&")):
            return graph_error(100, "(#100) topic_tag is invalid")
        reply_to = fields.get("reply_to_id")
        if reply_to is not None and str(reply_to) not in self.media:
            return not_found(str(reply_to))
        if kind == "IMAGE":
            got = fetch(str(fields.get("image_url") or ""))
            fmt = got.image()[0] if got.data else None
            if fmt not in ("JPEG", "PNG") or len(got.data or b"") > 8 * 1024 * 1024:
                return graph_error(100, f"The image could not be fetched or is not supported ({got.problem or fmt})",
                                   subcode=2207052)
        video, failure, polls = None, None, self.processing_polls
        if kind == "VIDEO":
            got = fetch(str(fields.get("video_url") or ""))
            if got.data is None:
                return graph_error(100, f"The video could not be fetched ({got.problem})", subcode=2207052)
            video, polls = got.data, self.video_polls
            problem = probe_problem(video, (0.0, 300.0), (23.0, 60.0))
            if problem is None and len(video) > 1024 * 1024 * 1024:
                problem = "more than 1 GB"
            failure = f"FAILED_PROCESSING_VIDEO: {problem}" if problem else self.video_failure
        container_id = self.new_id()
        self.containers[container_id] = {"text": text, "reply_to": str(reply_to) if reply_to else None,
                                         "kind": kind, "topic_tag": tag, "polls_left": polls, "video": video,
                                         "failure": failure, "status": "IN_PROGRESS" if polls else "FINISHED"}
        return Response(200, {"id": container_id})

    def _read(self, node: str) -> Response:
        container = self.containers.get(node)
        if container is not None:
            status = container["status"]
            if status == "IN_PROGRESS":
                container["polls_left"] -= 1
                if container["polls_left"] <= 0:
                    container["status"] = "ERROR" if container.get("failure") else "FINISHED"
            body = {"id": node, "status": status}
            if status == "ERROR":
                body["error_message"] = container["failure"]
            return Response(200, body)
        media = self.media.get(node)
        if media is None:
            return not_found(node)
        return Response(200, {"id": node, "permalink": media["permalink"]})

    def _publish(self, fields: dict[str, Any]) -> Response:
        container = self.containers.get(str(fields.get("creation_id") or ""))
        if container is None:
            return not_found(str(fields.get("creation_id")))
        if container["status"] != "FINISHED":
            return graph_error(24, f"The media is not ready to be published (status {container['status']})",
                               subcode=4279001)
        posts, replies = self._usage()
        is_reply = container["reply_to"] is not None
        if (replies >= REPLIES_PER_DAY) if is_reply else (posts >= POSTS_PER_DAY):
            return graph_error(4, "(#4) The profile reached its publishing limit", subcode=2207051)
        container["status"] = "PUBLISHED"
        media_id = self.new_id()
        self.media[media_id] = {"id": media_id, "text": container["text"], "reply_to": container["reply_to"],
                                "video": container.get("video"),
                                "timestamp": self.now(), "permalink": f"https://www.threads.net/@courier/post/"
                                                                      f"Cfake{media_id[-6:]}"}
        self.published.append((self.now(), is_reply))
        return Response(200, {"id": media_id})

    @staticmethod
    def _public(media: dict[str, Any]) -> dict[str, Any]:
        body = {"id": media["id"], "text": media["text"],
                "timestamp": media["timestamp"].strftime("%Y-%m-%dT%H:%M:%S+0000")}
        if media["reply_to"] is not None:
            body["replied_to"] = {"id": media["reply_to"]}
        return body
