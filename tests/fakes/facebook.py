"""A Facebook Page behind the Graph API, as smmgen's publisher uses it.

Rules (developers.facebook.com/docs/pages-api/posts unless noted), on top of tests/fakes/graph.py:
- ``POST /{page_id}/feed`` needs ``message`` or ``link``; answers ``{"id": "<page_id>_<post_id>"}``. With
  ``published=false`` and ``scheduled_publish_time`` (a Unix time) the post is scheduled instead; the time must
  be 10 minutes to 30 days ahead (the window client libraries enforce; unverified in Meta's docs) and
  ``scheduled_publish_time`` without ``published=false`` is refused.
- ``POST /{page_id}/photos`` takes the image as ``source`` (multipart) and ``message``; answers ``id`` (the photo)
  and ``post_id`` (graph-api/reference/page/photos).
- ``POST /{page_id}/videos`` (graph-api/reference/page/videos; video-api/guides/publishing): ``source`` (multipart,
  at most 1 GB and 20 minutes in one request: the fake decodes it), ``description`` (the post's message),
  ``title``, ``thumb`` (an image); answers ``{"id"}`` (the video). The video post shows in the feed with the
  description as its message. ``GET /{video-id}?fields=status`` answers ``status.video_status`` processing for
  ``video_polls`` reads, then ready, or error with ``processing_phase.errors`` when ``video_failure`` is set or
  the file breaks a rule. ``DELETE /{video-id}`` removes the video and its post.
- ``GET /{page_id}/feed`` and ``GET /{page_id}/scheduled_posts`` list posts newest first, ``since`` a Unix time.
- ``GET /{post_id}?fields=permalink_url``; ``DELETE /{post_id}`` answers ``{"success": true}``; an unknown id is
  error 100 subcode 33 (graph-api/guides/error-handling).
- The page id must be the token's Page; another id is error 200 (permissions).
- A message identical to the Page's previous one is error 506 "Duplicate status message" (error-handling guide).
- ``GET /{page_id}?fields=id,name`` answers the Page. The token is a Page token of this Page with
  pages_manage_posts, pages_read_engagement and pages_show_list (the Pages API's "Before you start"); a token
  of another Page (``other_token``) cannot post here: error 200 (permissions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .graph import Fetched, GraphFake, Token, graph_error, not_found
from .server import Response
from .video import probe_problem

WINDOW = (dt.timedelta(minutes=10), dt.timedelta(days=30))


class FakeFacebook(GraphFake):
    def __init__(self, token: str = "EAAfakePageToken0a1b2c3d", *, page_id: str = "104955112233445",
                 version: str = "v25.0"):
        super().__init__(token, version)
        self.page_id = page_id
        self.tokens[token] = Token("PAGE", page_id, ["pages_show_list", "pages_read_engagement",
                                                     "pages_manage_posts"])
        self.other_token = "EAAfakeOtherPageToken9x8w"
        self.tokens[self.other_token] = Token("PAGE", "100200300400500", list(self.tokens[token].scopes))
        self.posts: dict[str, dict[str, Any]] = {}      # live (and scheduled) posts by id
        self.deleted: list[str] = []
        self.videos: dict[str, dict[str, Any]] = {}
        self.video_polls = 1
        self.video_failure: str | None = None

    def live_texts(self) -> list[str]:
        with self.lock:
            return [p["message"] for p in sorted(self.posts.values(), key=lambda p: p["seq"])]

    def videos_posted(self) -> list[bytes]:
        with self.lock:
            return [self.videos[p["video_id"]]["data"] for p in sorted(self.posts.values(), key=lambda p: p["seq"])
                    if p.get("video_id")]

    def route(self, method: str, parts: list[str], fields: dict[str, Any], files: dict[str, Any]) -> Response:
        if parts == [self.page_id] and method == "GET":
            return Response(200, {"id": self.page_id, "name": "The Northbridge Courier"})
        if len(parts) == 2 and (parts[0] != self.page_id or self.caller is None or self.caller.profile != self.page_id):
            return graph_error(200, "(#200) The user hasn't authorized the application to perform this action",
                               status=403)
        if method == "POST" and parts == [self.page_id, "feed"]:
            return self._create(fields, photo=None)
        if method == "POST" and parts == [self.page_id, "photos"]:
            if "source" not in files and not fields.get("url"):
                return graph_error(324, "(#324) Requires upload file", kind="OAuthException")
            return self._create(fields, photo=files.get("source"))
        if method == "POST" and parts == [self.page_id, "videos"]:
            return self._video(fields, files)
        if len(parts) == 1 and parts[0] in self.videos:
            return self._video_node(method, parts[0])
        if method == "GET" and len(parts) == 2 and parts[1] in ("feed", "scheduled_posts"):
            return self._list(fields, scheduled=parts[1] == "scheduled_posts")
        if len(parts) == 1 and method == "GET":
            post = self.posts.get(parts[0])
            if post is None:
                return not_found(parts[0])
            return Response(200, {"id": post["id"], "permalink_url": post["permalink_url"]})
        if len(parts) == 1 and method == "DELETE":
            if self.posts.pop(parts[0], None) is None:
                return not_found(parts[0])
            self.deleted.append(parts[0])
            return Response(200, {"success": True})
        return graph_error(100, "Unsupported request", kind="GraphMethodException")

    def _create(self, fields: dict[str, Any], photo: Any) -> Response:
        message = str(fields.get("message") or "")
        if not message and not fields.get("link") and photo is None:
            return graph_error(100, "(#100) Missing message or attachment")
        if self.posts and message and max(self.posts.values(), key=lambda p: p["seq"])["message"] == message:
            return graph_error(506, "(#506) Duplicate status message")
        scheduled = None
        if fields.get("scheduled_publish_time") is not None:
            if str(fields.get("published")).lower() != "false":
                return graph_error(100, "(#100) You cannot specify a scheduled publish time on a published post")
            when = dt.datetime.fromtimestamp(int(fields["scheduled_publish_time"]), dt.UTC)
            if not WINDOW[0] <= when - self.now() <= WINDOW[1]:
                return graph_error(100, "(#100) The specified scheduled publish time is invalid.")
            scheduled = when
        post_id = f"{self.page_id}_{self.new_id()}"
        self.posts[post_id] = {"id": post_id, "message": message, "link": fields.get("link"),
                               "photo_bytes": len(photo[1]) if photo else None, "scheduled": scheduled,
                               "created_time": self.now(), "seq": len(self.posts) + len(self.deleted),
                               "permalink_url": f"https://www.facebook.com/{self.page_id}/posts/"
                                                f"{post_id.split('_')[1]}"}
        if photo is not None:
            return Response(200, {"id": self.new_id(), "post_id": post_id})
        return Response(200, {"id": post_id})

    def _video(self, fields: dict[str, Any], files: dict[str, Any]) -> Response:
        if "source" not in files:
            return graph_error(352, "(#352) Sorry, the video file you selected is in a format that we don't "
                               "support.", kind="OAuthException")
        data = files["source"][1]
        if len(data) > 1024 * 1024 * 1024:
            return graph_error(6000, "There was a problem uploading your video file: too large for one request")
        thumb = files.get("thumb")
        if thumb is not None and Fetched(thumb[1]).image()[0] not in ("JPEG", "PNG"):
            return graph_error(100, "(#100) thumb must be a JPEG or PNG image")
        problem = probe_problem(data, (0.0, 20 * 60.0))
        answer = self._create({**fields, "message": fields.get("description") or ""}, photo=None)
        if answer.status != 200:
            return answer
        post_id = answer.body["id"]
        video_id = self.new_id()
        self.posts[post_id]["video_id"] = video_id
        self.videos[video_id] = {"id": video_id, "post_id": post_id, "data": data, "polls_left": self.video_polls,
                                 "failure": problem or self.video_failure, "thumb": thumb is not None}
        return Response(200, {"id": video_id})

    def _video_node(self, method: str, video_id: str) -> Response:
        video = self.videos[video_id]
        if method == "DELETE":
            del self.videos[video_id]
            if self.posts.pop(video["post_id"], None) is not None:
                self.deleted.append(video["post_id"])
            return Response(200, {"success": True})
        if method != "GET":
            return graph_error(100, "Unsupported request", kind="GraphMethodException")
        video["polls_left"] -= 1
        if video["polls_left"] >= 0:
            status: dict[str, Any] = {"video_status": "processing", "processing_progress": 50}
        elif video["failure"]:
            status = {"video_status": "error", "processing_phase": {
                "status": "error", "errors": [{"code": 1363008, "message": video["failure"]}]}}
        else:
            status = {"video_status": "ready", "processing_progress": 100}
        return Response(200, {"id": video_id, "status": status,
                              "permalink_url": f"/{self.page_id}/videos/{video_id}/"})

    def _list(self, fields: dict[str, Any], *, scheduled: bool) -> Response:
        since = int(fields.get("since") or 0)
        limit = min(int(fields.get("limit") or 25), 100)
        posts = [p for p in sorted(self.posts.values(), key=lambda p: p["seq"], reverse=True)
                 if (p["scheduled"] is not None) == scheduled and p["created_time"].timestamp() >= since]
        return Response(200, {"data": [{"id": p["id"], "message": p["message"],
                                        "created_time": p["created_time"].strftime("%Y-%m-%dT%H:%M:%S+0000")}
                                       for p in posts[:limit]]})
