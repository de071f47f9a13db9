"""An Instagram professional account behind the content publishing API, as smmgen's publisher uses it.

Rules (developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media and the
pages it links, unless noted), on top of tests/fakes/graph.py:
- ``POST /{ig-user-id}/media`` with ``image_url`` (required for an image), ``caption`` (at most 2200
  characters, 30 hashtags, 20 @-mentions) and ``alt_text`` (at most 1000 characters): Meta fetches the image
  from its URL, which must be public; it must be JPEG, at most 8 MB, aspect ratio 4:5 to 1.91:1. A fetch that
  fails is error 9004 subcode 2207052 (observed answer, as client libraries report it); a wrong image is
  error 9004 subcode 2207026 here (the exact subcode for each rule is unverified).
- The container answers ``{"id"}`` and moves IN_PROGRESS -> FINISHED (``GET /{container}?fields=status_code``)
  -> PUBLISHED; it expires after 24 h (ig-container).
- Reels (ig-user/media#reel-specifications): ``media_type=REELS`` with ``video_url`` (fetched by Meta), optional
  ``cover_url`` (a JPEG) and ``share_to_feed``; MP4 with H.264, 3 s to 15 min, 23-60 fps, at most 300 MB (the
  fake decodes what it fetched). A video container stays IN_PROGRESS for ``video_polls`` reads, then FINISHED,
  or ERROR with ``status`` "Error: ..." when ``video_failure`` is set or the video breaks a rule.
- ``POST /{ig-user-id}/media_publish`` with ``creation_id``: the container must be FINISHED (error 9007
  "Media ID is not available" otherwise, subcode 2207027, as client libraries report it); a published
  container cannot be published again; at most ``quota_total`` (50) posts per 24 h (media_publish).
- ``GET /{ig-user-id}/content_publishing_limit?fields=quota_usage,config`` (content_publishing_limit).
- ``GET /{ig-user-id}/media`` lists media newest first; ``GET /{media-id}?fields=permalink``.
- ``GET /{ig-user-id}?fields=id,username`` (ig-user) and, with Instagram Login, ``GET /me?fields=user_id,username``
  (instagram-platform/instagram-api-with-instagram-login/get-started). The token acts for one professional
  account (``other_token``: another one): another's id is error 100 subcode 33. Scopes: instagram_basic,
  instagram_content_publish, pages_read_engagement (content-publishing); Instagram Login tokens are long-lived
  (60 days) and refreshed with ``GET /refresh_access_token?grant_type=ig_refresh_token``.
- ``DELETE /{ig-media-id}`` only on graph.facebook.com, the "Instagram API with Facebook Login"
  (``delete_allowed``; third-party quotes of the IG Media reference, unverified first-hand).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .graph import GraphFake, Token, fetch, graph_error, not_found
from .server import Response
from .video import probe_problem

HASHTAG = re.compile(r"(?<!\w)#\w+")
MENTION = re.compile(r"(?<!\w)@\w+")
MAX_BYTES = 8 * 1024 * 1024
EXPIRY = dt.timedelta(hours=24)
REEL_SECONDS, REEL_FPS, REEL_MAX_BYTES = (3.0, 900.0), (23.0, 60.0), 300 * 1024 * 1024


class FakeInstagram(GraphFake):
    def __init__(self, token: str = "IGQfakeInstagramToken9z8y", *, user_id: str = "17841400000000001",
                 version: str = "v25.0", delete_allowed: bool = True, processing_polls: int = 1,
                 quota_total: int = 50):
        super().__init__(token, version)
        self.user_id, self.delete_allowed = user_id, delete_allowed
        self.processing_polls, self.quota_total = processing_polls, quota_total
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.published_at: list[dt.datetime] = []
        self.username = "northbridgecourier"
        self.tokens[token] = Token("USER", user_id, ["instagram_basic", "instagram_content_publish",
                                                     "pages_read_engagement", "pages_show_list"])
        self.other_token = "IGQfakeOtherInstagramToken7v6u"
        self.tokens[self.other_token] = Token("USER", "17841400000000999", list(self.tokens[token].scopes))
        self.video_polls = 1
        self.video_failure: str | None = None     # the ERROR container's status, e.g. "Error: ..."

    def live_texts(self) -> list[str]:
        with self.lock:
            return [m["caption"] for m in sorted(self.media.values(), key=lambda m: int(m["id"]))]

    def videos_posted(self) -> list[bytes]:
        with self.lock:
            return [m["video"] for m in sorted(self.media.values(), key=lambda m: int(m["id"])) if m.get("video")]

    def route(self, method: str, parts: list[str], fields: dict[str, Any], files: dict[str, Any]) -> Response:
        caller = self.caller.profile if self.caller else ""
        if method == "GET" and parts == ["me"]:
            name = self.username if caller == self.user_id else "sport_desk"
            return Response(200, {"id": caller, "user_id": caller, "username": name})
        if parts and parts[0] == self.user_id and caller != self.user_id:
            return graph_error(100, "Unsupported request: the IG user does not exist or is not yours", subcode=33)
        if method == "GET" and parts == [self.user_id]:
            return Response(200, {"id": self.user_id, "username": self.username})
        if len(parts) == 2 and parts[0] != self.user_id:
            return graph_error(100, "Unsupported request: the IG user does not exist or is not yours", subcode=33)
        if method == "POST" and parts == [self.user_id, "media"]:
            return self._container(fields)
        if method == "POST" and parts == [self.user_id, "media_publish"]:
            return self._publish(fields)
        if method == "GET" and parts == [self.user_id, "content_publishing_limit"]:
            return Response(200, {"data": [{"quota_usage": self._usage(),
                                            "config": {"quota_total": self.quota_total, "quota_duration": 86400}}]})
        if method == "GET" and parts == [self.user_id, "media"]:
            limit = min(int(fields.get("limit") or 25), 100)
            items = sorted(self.media.values(), key=lambda m: int(m["id"]), reverse=True)[:limit]
            return Response(200, {"data": [{"id": m["id"], "caption": m["caption"],
                                            "timestamp": m["timestamp"].strftime("%Y-%m-%dT%H:%M:%S+0000")}
                                           for m in items]})
        if method == "GET" and len(parts) == 1:
            return self._read(parts[0], str(fields.get("fields") or ""))
        if method == "DELETE" and len(parts) == 1:
            if not self.delete_allowed:
                return graph_error(100, "Unsupported delete request.", kind="GraphMethodException")
            if self.media.pop(parts[0], None) is None:
                return not_found(parts[0])
            self.deleted.append(parts[0])
            return Response(200, {"success": True})
        return graph_error(100, "Unsupported request", kind="GraphMethodException")

    def _usage(self) -> int:
        return sum(1 for t in self.published_at if self.now() - t < dt.timedelta(hours=24))

    def _reel(self, fields: dict[str, Any]) -> Response:
        got = fetch(str(fields.get("video_url") or ""))
        if got.data is None:
            return graph_error(9004, "Media download has failed. The media URI doesn't meet our requirements.",
                               subcode=2207052)
        cover = fields.get("cover_url")
        if cover is not None and fetch(str(cover)).image()[0] != "JPEG":
            return graph_error(9004, "The cover image could not be fetched or is not a JPEG", subcode=2207052)
        problem = probe_problem(got.data, REEL_SECONDS, REEL_FPS)
        if problem is None and len(got.data) > REEL_MAX_BYTES:
            problem = f"{len(got.data)} bytes, more than {REEL_MAX_BYTES}"
        failure = f"Error: {problem}" if problem else self.video_failure
        container_id = self.new_id()
        self.containers[container_id] = {"id": container_id, "caption": str(fields.get("caption") or ""),
                                         "alt_text": None, "bytes": got.data, "video": got.data,
                                         "polls_left": self.video_polls, "failure": failure,
                                         "status": "IN_PROGRESS", "created": self.now()}
        return Response(200, {"id": container_id})

    def _container(self, fields: dict[str, Any]) -> Response:
        if fields.get("media_type") == "REELS":
            return self._reel(fields)
        if fields.get("media_type") not in (None, "IMAGE"):
            return graph_error(100, "(#100) media_type must be IMAGE, REELS, STORIES or CAROUSEL")
        url = str(fields.get("image_url") or "")
        caption = str(fields.get("caption") or "")
        if not url:
            return graph_error(100, "(#100) The parameter image_url is required")
        if len(caption) > 2200 or len(HASHTAG.findall(caption)) > 30 or len(MENTION.findall(caption)) > 20:
            return graph_error(100, "(#100) The caption is too long or has too many hashtags or mentions",
                               subcode=2207010)
        if len(str(fields.get("alt_text") or "")) > 1000:
            return graph_error(100, "(#100) alt_text must be at most 1000 characters")
        got = fetch(url)
        if got.data is None:
            return graph_error(9004, "Media download has failed. The media URI doesn't meet our requirements.",
                               subcode=2207052)
        fmt, width, height = got.image()
        if fmt != "JPEG" or len(got.data) > MAX_BYTES or not 0.8 - 1e-3 <= width / max(height, 1) <= 1.91 + 1e-3:
            return graph_error(9004, f"The image is not supported: {fmt}, {width}x{height}, {len(got.data)} bytes",
                               subcode=2207026)
        container_id = self.new_id()
        self.containers[container_id] = {"id": container_id, "caption": caption, "alt_text": fields.get("alt_text"),
                                         "bytes": got.data, "polls_left": self.processing_polls,
                                         "status": "IN_PROGRESS" if self.processing_polls else "FINISHED",
                                         "created": self.now()}
        return Response(200, {"id": container_id})

    def _status(self, container: dict[str, Any]) -> str:
        if container["status"] != "PUBLISHED" and self.now() - container["created"] > EXPIRY:
            container["status"] = "EXPIRED"
        return container["status"]

    def _read(self, node: str, wanted: str) -> Response:
        container = self.containers.get(node)
        if container is not None:
            if container["status"] == "IN_PROGRESS":
                container["polls_left"] -= 1
                if container["polls_left"] <= 0:
                    container["status"] = "ERROR" if container.get("failure") else "FINISHED"
                if container["polls_left"] >= 0:
                    return Response(200, {"id": node, "status_code": "IN_PROGRESS", "status": "In Progress"})
            status = self._status(container)
            body = {"id": node, "status_code": status}
            if "status" in wanted.split(","):
                body["status"] = container.get("failure") if status == "ERROR" else status.title()
            return Response(200, body)
        media = self.media.get(node)
        if media is None:
            return not_found(node)
        body = {"id": node}
        if "permalink" in wanted:
            body["permalink"] = media["permalink"]
        return Response(200, body)

    def _publish(self, fields: dict[str, Any]) -> Response:
        container = self.containers.get(str(fields.get("creation_id") or ""))
        if container is None:
            return graph_error(100, "(#100) Param creation_id is not a valid container id", subcode=33)
        status = self._status(container)
        if status != "FINISHED":
            return graph_error(9007, f"Media ID is not available (container {status})", subcode=2207027)
        if self._usage() >= self.quota_total:
            return graph_error(9, "(#9) Application request limit reached: content publishing limit",
                               subcode=2207042)
        container["status"] = "PUBLISHED"
        media_id = self.new_id()
        self.media[media_id] = {"id": media_id, "caption": container["caption"], "timestamp": self.now(),
                                "permalink": f"https://www.instagram.com/p/Cfake{media_id[-6:]}/",
                                "bytes": len(container["bytes"]), "video": container.get("video")}
        self.published_at.append(self.now())
        return Response(200, {"id": media_id})
