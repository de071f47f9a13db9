"""VK's API for a community wall, as smmgen's publisher uses it.

Rules (VKCOM/vk-api-schema, API 5.199: wall/methods.json, photos/methods.json, errors.json; dev.vk.com
where noted):
- ``POST /method/<name>`` with form parameters, ``access_token`` and ``v``; answers HTTP 200 with
  ``{"response": ...}`` or ``{"error": {"error_code", "error_msg", "request_params"}}`` (errors are in the
  body; the HTTP status stays 200: observed behaviour). A wrong token is error 5 "User authorization failed";
  a missing ``v`` is error 8 "Invalid request: v (version) is required" (dev.vk.com/api/versioning).
- Error 6 "Too many requests per second" past 3 calls a second (the per-second limit is third-party; the
  code is errors.json).
- ``wall.post``: ``owner_id`` negative for a community with ``from_group=1`` to post as it; ``message`` or
  ``attachments`` required; attachments "photo<owner>_<id>" of saved photos and at most one link ("If more
  than one link is being attached, an error will be thrown"); ``publish_date`` delays the post (a scheduled,
  "postponed" post); a repeated ``guid`` returns the first post (dev.vk.com; the 1-hour memory here is
  unverified). Answers ``{"post_id"}``.
- Photos: ``photos.getWallUploadServer(group_id)`` -> ``upload_url``; multipart ``photo`` there ->
  ``{"server", "photo", "hash"}``; ``photos.saveWallPhoto(group_id, photo, server, hash)`` -> ``[{"id",
  "owner_id"}]``; a wrong hash is error 121 "Invalid hash".
- Video (video/methods.json; dev.vk.com/method/video.save): ``video.save(group_id, name, description,
  wallpost)`` -> ``{"upload_url", "video_id", "owner_id", "title", "access_key"}``; multipart ``video_file``
  to ``upload_url`` -> ``{"size", "video_id", "owner_id", "video_hash"}``, or ``{"error"}`` for a file the
  server refuses (``video_failure``, or one that does not decode as a video here). ``wall.post`` may attach
  ``video<owner>_<id>`` only for an uploaded video.
- ``wall.get`` (``filter`` owner / postponed) lists posts newest first (``{"count", "items"}``);
  ``wall.delete`` answers 1; an unknown post is error 104 "Not found".
- Tokens (dev.vk.com/reference/access-rights): a community token acts for its community with the rights it
  was issued (``groups.getTokenPermissions`` -> ``{"mask", "permissions": [{"setting", "name"}]}``; a user token
  calling it gets error 27 "Group authorization failed"); ``groups.getById`` answers ``{"groups": [...],
  "profiles": []}`` (5.194 and later), the token's own community when no group_id is given, with ``is_admin``
  and ``admin_level`` (1 moderator, 2 editor, 3 administrator) for a user token's fields; ``users.get`` the
  user. A call beyond the token's rights or community is error 15 "Access denied"; an expired token error 5.

Switches for credential checks: ``other_token`` (another community's), ``user_token`` (an administrator's user
token), ``expire()``, ``permissions`` of the main token, ``admin_level`` of the user.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from typing import Any

from .server import FakeServer, Request, Response
from .video import probe_problem

GUID_MEMORY = dt.timedelta(hours=1)


def vk_error(code: int, message: str, params: dict[str, Any] | None = None) -> Response:
    shown = [{"key": k, "value": str(v)} for k, v in (params or {}).items() if k != "access_token"]
    return Response(200, {"error": {"error_code": code, "error_msg": message, "request_params": shown}})


class FakeVk(FakeServer):
    def __init__(self, token: str = "vk1.a.fakeVkToken3j4k5l", *, group_id: int = 229_100_100,
                 per_second: int = 3):
        super().__init__()
        self.token, self.group_id, self.per_second = token, group_id, per_second
        self.posts: dict[int, dict[str, Any]] = {}
        self.photos: dict[int, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.guids: dict[str, tuple[int, dt.datetime]] = {}
        self.deleted: list[int] = []
        self.limited = 0                                  # calls refused with error 6
        self.videos: dict[int, dict[str, Any]] = {}
        self.video_failure: str | None = None
        self._next_video = 456_239_000
        self._recent: list[float] = []
        self._next_post, self._next_photo = 1000, 457_000_000
        self.other_token, self.user_token = "vk1.a.fakeOtherCommunityToken8h", "vk1.a.fakeUserTokenEditor2p"
        self.admin_level = 3
        # token -> what it is: a community's (with its rights) or a user's
        self.tokens: dict[str, dict[str, Any]] = {
            token: {"group": group_id, "permissions": ["photos", "wall", "manage", "docs", "video"]},
            self.other_token: {"group": 229_100_999, "permissions": ["photos", "wall", "manage"]},
            self.user_token: {"user": {"id": 743_000_111, "first_name": "Vera", "last_name": "Editor"}}}
        self.caller: dict[str, Any] = self.tokens[token]

    def expire(self) -> None:
        self.tokens[self.token]["expired"] = True

    def live_texts(self) -> list[str]:
        with self.lock:
            return [p["text"] for _, p in sorted(self.posts.items())]

    def videos_posted(self) -> list[bytes]:
        with self.lock:
            return [self.videos[int(a.rsplit("_", 1)[1])]["data"] for _, p in sorted(self.posts.items())
                    for a in p["attachments"] if a.startswith("video")]

    def rate_limited(self, seconds: float) -> Response:
        return vk_error(6, "Too many requests per second")

    def server_error(self) -> Response:
        return vk_error(10, "Internal server error")

    def handle(self, request: Request) -> Response:
        fields, files = request.params()
        if request.path.startswith("/upload/video/"):
            return self._upload_video(int(request.path.rsplit("/", 1)[1]), files)
        if request.path.startswith("/upload/"):
            return self._upload(request.path.rsplit("/", 1)[1], files)
        if not request.path.startswith("/method/"):
            return Response(404, b"Not Found", {"Content-Type": "text/plain"})
        method = request.path[len("/method/"):]
        token = self.tokens.get(str(fields.get("access_token")))
        if token is None:
            return vk_error(5, "User authorization failed: invalid access_token (4).", fields)
        if token.get("expired"):
            return vk_error(5, "User authorization failed: access_token has expired.", fields)
        self.caller = token
        if not fields.get("v"):
            return vk_error(8, "Invalid request: v (version) is required", fields)
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < 1.0] + [now]
        if len(self._recent) > self.per_second:
            self.limited += 1
            return vk_error(6, "Too many requests per second", fields)
        handler = {"wall.post": self._post, "wall.get": self._get, "wall.delete": self._delete,
                   "photos.getWallUploadServer": self._upload_server,
                   "photos.saveWallPhoto": self._save_photo, "groups.getTokenPermissions": self._permissions,
                   "groups.getById": self._group, "users.get": self._user, "video.save": self._video_save}.get(method)
        if handler is None:
            return vk_error(3, "Unknown method passed", fields)
        section = method.split(".")[0]
        if section in ("wall", "photos") and "group" in token and (
                token["group"] != self.group_id or section not in token["permissions"]):
            return vk_error(15, "Access denied: no access to call this method", fields)
        return handler(fields)

    def _permissions(self, fields: dict[str, Any]) -> Response:
        if "group" not in self.caller:
            return vk_error(27, "Group authorization failed: method is unavailable with user access token", fields)
        bits = {"stories": 1, "photos": 4, "video": 16, "wall": 8192, "messages": 4096, "docs": 131072,
                "manage": 262144}
        names = self.caller["permissions"]
        return self._ok({"mask": sum(bits[n] for n in names),
                         "permissions": [{"setting": bits[n], "name": n} for n in names]})

    def _group(self, fields: dict[str, Any]) -> Response:
        group = int(fields.get("group_id") or self.caller.get("group") or 0)
        if not group:
            return vk_error(100, "One of the parameters specified was missing or invalid: group_ids is undefined",
                            fields)
        found = {"id": group, "name": "The Northbridge Courier" if group == self.group_id else "Other desk",
                 "screen_name": f"club{group}", "is_closed": 0, "type": "page"}
        if "user" in self.caller and "admin_level" in str(fields.get("fields") or ""):
            level = self.admin_level if group == self.group_id else 0
            found.update(is_admin=int(level > 0), **({"admin_level": level} if level else {}))
        return self._ok({"groups": [found], "profiles": []})

    def _user(self, fields: dict[str, Any]) -> Response:
        if "user" not in self.caller:
            return self._ok([])
        return self._ok([{**self.caller["user"], "can_access_closed": True, "is_closed": False}])

    def _ok(self, response: Any) -> Response:
        return Response(200, {"response": response})

    def _group_ok(self, fields: dict[str, Any], key: str) -> bool:
        return str(fields.get(key)) == str(self.group_id if key == "group_id" else -self.group_id)

    def _upload_server(self, fields: dict[str, Any]) -> Response:
        if not self._group_ok(fields, "group_id"):
            return vk_error(203, "Access to group denied", fields)
        token = hashlib.sha256(f"{self._next_photo}{time.time()}".encode()).hexdigest()[:16]
        return self._ok({"upload_url": f"{self.url}/upload/{token}", "album_id": -14, "user_id": 0})

    def _upload(self, token: str, files: dict[str, Any]) -> Response:
        if "photo" not in files or not files["photo"][1]:
            return Response(200, {"error": "ERR_UPLOAD_FILE_NOT_UPLOADED: file not uploaded"})
        self.uploads[token] = files["photo"][1]
        photo = json.dumps([{"photo": token, "sizes": []}])
        return Response(200, {"server": 850_123, "photo": photo, "hash": hashlib.md5(photo.encode()).hexdigest()})

    def _video_save(self, fields: dict[str, Any]) -> Response:
        if not self._group_ok(fields, "group_id"):
            return vk_error(203, "Access to group denied", fields)
        self._next_video += 1
        self.videos[self._next_video] = {"data": None, "name": fields.get("name"),
                                         "wallpost": str(fields.get("wallpost") or "0")}
        return self._ok({"upload_url": f"{self.url}/upload/video/{self._next_video}", "video_id": self._next_video,
                         "owner_id": -self.group_id, "title": fields.get("name") or "", "access_key": "fakekey"})

    def _upload_video(self, video_id: int, files: dict[str, Any]) -> Response:
        video = self.videos.get(video_id)
        if video is None or "video_file" not in files or not files["video_file"][1]:
            return Response(200, {"error": "ERR_UPLOAD_FILE_NOT_UPLOADED: file not uploaded"})
        data = files["video_file"][1]
        problem = probe_problem(data)
        if problem or self.video_failure:
            return Response(200, {"error": f"ERR_UPLOAD_BAD_VIDEO: {problem or self.video_failure}"})
        video["data"] = data
        return Response(200, {"size": len(data), "video_id": video_id, "owner_id": -self.group_id,
                              "video_hash": hashlib.md5(data).hexdigest()})

    def _save_photo(self, fields: dict[str, Any]) -> Response:
        if not self._group_ok(fields, "group_id"):
            return vk_error(203, "Access to group denied", fields)
        photo = str(fields.get("photo") or "")
        if hashlib.md5(photo.encode()).hexdigest() != fields.get("hash"):
            return vk_error(121, "Invalid hash", fields)
        try:
            token = json.loads(photo)[0]["photo"]
        except (ValueError, LookupError, TypeError):
            return vk_error(129, "Invalid photo", fields)
        self._next_photo += 1
        self.photos[self._next_photo] = {"bytes": len(self.uploads.pop(token, b""))}
        return self._ok([{"id": self._next_photo, "owner_id": -self.group_id, "album_id": -14}])

    def _post(self, fields: dict[str, Any]) -> Response:
        if not self._group_ok(fields, "owner_id"):
            return vk_error(214, "Access to adding post denied", fields)
        if str(fields.get("from_group")) != "1":
            return vk_error(214, "Access to adding post denied: only admins post as the community", fields)
        guid = fields.get("guid")
        if guid and guid in self.guids and self.now() - self.guids[guid][1] < GUID_MEMORY:
            return self._ok({"post_id": self.guids[guid][0]})
        attachments = [a for a in str(fields.get("attachments") or "").split(",") if a]
        if not fields.get("message") and not attachments:
            return vk_error(100, "One of the parameters specified was missing or invalid: message is empty",
                            fields)
        links = [a for a in attachments if a.startswith(("http://", "https://"))]
        if len(links) > 1:
            return vk_error(100, "One of the parameters specified was missing or invalid: too many links", fields)
        for a in attachments:
            if a in links:
                continue
            if a.startswith("video"):
                owner, _, video_id = a[5:].partition("_")
                if owner != str(-self.group_id) or (self.videos.get(int(video_id or 0)) or {}).get("data") is None:
                    return vk_error(100, f"One of the parameters specified was missing or invalid: {a}", fields)
                continue
            if not a.startswith("photo"):
                return vk_error(100, f"One of the parameters specified was missing or invalid: {a}", fields)
            owner, _, photo_id = a[5:].partition("_")
            if owner != str(-self.group_id) or int(photo_id or 0) not in self.photos:
                return vk_error(100, f"One of the parameters specified was missing or invalid: {a}", fields)
        publish_date = fields.get("publish_date")
        if publish_date is not None and int(publish_date) <= self.now().timestamp():
            return vk_error(100, "One of the parameters specified was missing or invalid: publish_date", fields)
        self._next_post += 1
        self.posts[self._next_post] = {"id": self._next_post, "text": str(fields.get("message") or ""),
                                       "attachments": attachments, "date": self.now(),
                                       "postponed": publish_date is not None}
        if guid:
            self.guids[guid] = (self._next_post, self.now())
        return self._ok({"post_id": self._next_post})

    def _get(self, fields: dict[str, Any]) -> Response:
        postponed = fields.get("filter") == "postponed"
        count = min(int(fields.get("count") or 20), 100)
        items = [p for _, p in sorted(self.posts.items(), reverse=True) if p["postponed"] == postponed][:count]
        return self._ok({"count": len(items), "items": [{"id": p["id"], "owner_id": -self.group_id,
                                                         "text": p["text"], "date": int(p["date"].timestamp())}
                                                        for p in items]})

    def _delete(self, fields: dict[str, Any]) -> Response:
        if not self._group_ok(fields, "owner_id"):
            return vk_error(210, "Access to wall's post denied", fields)
        post_id = int(fields.get("post_id") or 0)
        if self.posts.pop(post_id, None) is None:
            return vk_error(104, "Not found", fields)
        self.deleted.append(post_id)
        return self._ok(1)
