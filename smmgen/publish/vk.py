"""VK: a community wall post (``wall.post`` with ``owner_id=-<group>``, ``from_group=1``), its card uploaded
through the wall photo flow (``photos.getWallUploadServer`` -> upload -> ``photos.saveWallPhoto``), or its video
through ``video.save`` -> upload (``video_file``) and attached as ``video<owner>_<id>``, with the article link
(VK takes one link per post). With ``native_scheduling`` on, a post due ahead goes to
VK's own scheduler (``publish_date``).

VK answers errors with HTTP 200 and an ``error`` object in the body; codes 6, 9 and 29 are rate limits (6 is
per second: wait a second), 5 and 27/28 the token, 1 and 10 the server. Every ``wall.post`` carries a ``guid``
derived from the entry id and content hash, which VK uses to refuse the same post twice, so a create whose
answer was lost may be sent again.

Sources: VKCOM/vk-api-schema (API 5.199) wall/methods.json (wall.post: owner_id, from_group, message,
attachments "photo<owner>_<id>,<url>" with "If more than one link is being attached, an error will be
thrown", publish_date "posting will be delayed until the set time", guid, post_id; wall.delete; wall.get),
wall/responses.json (``{"response": {"post_id"}}``), photos/methods.json (getWallUploadServer, saveWallPhoto
with photo, server, hash), video/methods.json (video.save: group_id, name, description, wallpost; answers
upload_url, video_id, owner_id, access_key; dev.vk.com/method/video.save: the file goes to upload_url as
``video_file``), errors.json (codes 1, 5, 6, 9, 10, 15, 27, 28, 29, 104, 214). That ``guid``
deduplicates ``wall.post`` is documented for wall.postAdsStealth ("Unique identifier to avoid duplication the
same post") and described for wall.post on dev.vk.com; how long VK remembers it is unverified.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from smmgen import facts
from smmgen.errors import AuthError, ConfigError, PublishError, RateLimited
from smmgen.publish.base import AdapterContext, Lookup, MaybeDone, MediaFile, Post, Posted, Secret, VideoFile, one_line
from smmgen.publish.http import Http

NAME = "vk"
ENV = ("SMMGEN_VK_TOKEN",)
AUTH_CODES = frozenset({5, 7, 15, 17, 27, 28, 200, 203, 214})
RATE_CODES = {6: 1.0, 9: None, 29: None, 601: None}     # code -> seconds to wait, where VK's rule says
SERVER_CODES = frozenset({1, 10, 36})
NOT_FOUND = 104
# VK documents no upper bound for publish_date; a month ahead keeps what the scheduler holds reviewable.
SCHEDULE_WINDOW = facts.VK.schedule.bounds
SCHEDULE_MIN = SCHEDULE_WINDOW[0]
PAGE = 100


def open(ctx: AdapterContext) -> Vk:
    token = ctx.secret(ENV[0])
    group = ctx.setting("group_id")
    if not group:
        raise ConfigError("smmgen.toml", "publish.vk.group_id", "required to publish to a VK community")
    return Vk(ctx, int(group), token)


class VkError(PublishError):
    """A VK error without a more specific class; ``code`` is VK's error_code."""

    def __init__(self, message: str, *, code: Any, entry_id: str | None = None):
        self.code = code
        super().__init__(NAME, message, entry_id=entry_id)


def error_for(error: dict[str, Any], entry_id: str | None = None) -> PublishError:
    """VK's ``error`` object as one of the shared error types."""
    code = error.get("error_code")
    text = f"{one_line([str(error.get('error_msg') or 'unknown error')])} (VK error {code})"
    if code in AUTH_CODES:
        return AuthError(NAME, text, entry_id=entry_id)
    if code in RATE_CODES:
        return RateLimited(NAME, text, retry_after=RATE_CODES[code], entry_id=entry_id)
    if code in SERVER_CODES:
        return MaybeDone(NAME, text, entry_id=entry_id)
    return VkError(text, code=code, entry_id=entry_id)


class Vk:
    name = NAME

    def __init__(self, ctx: AdapterContext, group_id: int, token: Secret):
        self._group = group_id
        self._token = token
        self._version = str(ctx.setting("api_version", "5.199"))
        self._web = str(ctx.setting("web_url", "https://vk.com")).rstrip("/")
        self._native = bool(ctx.setting("native_scheduling", False))
        self._config, self._budget = ctx.http, ctx.budget
        api = str(ctx.setting("api_base", "https://api.vk.com")).rstrip("/")
        self._http = Http(NAME, f"{api}/method", ctx.http, ctx.budget, secrets=[token])

    def __repr__(self) -> str:
        return f"Vk(group_id={self._group})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        if len(post.parts) > 1:
            raise PublishError(NAME, f"a VK post is one message; this cut has {len(post.parts)} parts",
                               entry_id=post.entry_id)
        links = [str(a) for a in post.extra.get("attachments") or ([post.link] if post.link else [])]
        most = int(facts.VK.attached_links.value)
        if len(links) > most:
            raise PublishError(NAME, f"{len(links)} links to attach; VK takes {most}", entry_id=post.entry_id)
        media = [self._upload_video(post, post.video)] if post.video else \
            [self._upload(post, m) for m in post.media_for("attach")]
        attachments = media + links
        params: dict[str, Any] = {"owner_id": -self._group, "from_group": 1, "message": post.text,
                                  "guid": post.key[:32]}
        if attachments:
            params["attachments"] = ",".join(attachments)
        scheduled = self._native and post.publish_at - post.now >= SCHEDULE_MIN
        if scheduled:
            params["publish_date"] = int(post.publish_at.timestamp())
        response = self._method("wall.post", params, resend=True, entry_id=post.entry_id)
        return self._posted(int(response["post_id"]), scheduled)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        filters = ["owner", "postponed"] if self._native else ["owner"]
        for wall_filter in filters:
            try:
                body = self._method("wall.get", {"owner_id": -self._group, "count": PAGE, "filter": wall_filter},
                                    resend=True)
            except AuthError as e:
                return Lookup.unknown(f"cannot read the community's wall ({e.detail})")
            items = list(body.get("items") or [])
            hit = next((p for p in items if p.get("text") == post.text), None)
            if hit is not None:
                return Lookup(self._posted(int(hit["id"]), wall_filter == "postponed"))
            if len(items) >= PAGE:
                return Lookup.unknown(f"not among the community's latest {len(items)} posts")
        return Lookup.absent()

    def delete(self, posted: Posted) -> None:
        try:
            self._method("wall.delete", {"owner_id": -self._group, "post_id": int(posted.remote_id)}, resend=True)
        except VkError as e:
            if e.code != NOT_FOUND:
                raise
            # already gone, which is what a delete wants

    def edit(self, posted: Posted, post: Post) -> Posted:
        raise PublishError(NAME, 'smmgen does not edit VK posts (set on_change = "repost")',
                           entry_id=post.entry_id)

    # --- helpers -----------------------------------------------------------------------------------------

    def _method(self, name: str, params: dict[str, Any], *, resend: bool, entry_id: str | None = None) -> Any:
        """Call an API method; VK's errors come in the body of a 200, so their retries are decided here."""
        data = {**params, "access_token": self._token.reveal(), "v": self._version}
        for attempt in range(1, self._config.max_attempts + 1):
            body = self._http.call("POST", name, resend=resend, entry_id=entry_id, data=data).json()
            if "error" not in body:
                return body["response"]
            error = error_for(body["error"], entry_id)
            if not error.transient or (isinstance(error, MaybeDone) and not resend) \
                    or attempt == self._config.max_attempts:
                raise error
            wait = getattr(error, "retry_after", None)
            if wait is None and isinstance(error, RateLimited):
                raise error     # flood control and daily limits: waiting seconds will not help
            if wait is None:
                wait = random.uniform(0, min(self._config.backoff_max, self._config.backoff * 2 ** (attempt - 1)))
            if not self._budget.wait(wait):
                raise error
        raise AssertionError("unreachable")

    def _upload(self, post: Post, media: MediaFile) -> str:
        data = media.read(NAME, post.entry_id)
        server = self._method("photos.getWallUploadServer", {"group_id": self._group}, resend=True,
                              entry_id=post.entry_id)
        # The upload server authenticates by its URL; the token is not sent there.
        uploaded = self._http.call("POST", server["upload_url"], resend=True, entry_id=post.entry_id,
                                   files={"photo": (media.path.name, data, media.mime)}).json()
        if "error" in uploaded or uploaded.get("photo") in (None, "", "[]"):
            raise PublishError(NAME, f"the upload server refused {media.path.name}: "
                               f"{uploaded.get('error') or 'no photo in its answer'}", entry_id=post.entry_id)
        saved = self._method("photos.saveWallPhoto", {"group_id": self._group, "photo": uploaded["photo"],
                                                      "server": uploaded["server"], "hash": uploaded["hash"]},
                             resend=True, entry_id=post.entry_id)
        return f"photo{saved[0]['owner_id']}_{saved[0]['id']}"

    def _upload_video(self, post: Post, video: VideoFile) -> str:
        """``video.save`` (an entry in the community's videos, not posted by itself: ``wallpost=0``), the file
        to the upload URL it returns, then the ``video<owner>_<id>`` attachment. Both steps may be repeated: an
        unused entry is never on the wall. VK processes the video in the background; the post may name it
        at once."""
        data = video.read(NAME, post.entry_id)
        saved = self._method("video.save", {"group_id": self._group, "name": post.title[:128],
                                            "description": post.text, "wallpost": 0}, resend=True,
                             entry_id=post.entry_id)
        # The upload server authenticates by its URL; the token is not sent there.
        uploaded = self._http.call("POST", saved["upload_url"], resend=True, entry_id=post.entry_id,
                                   files={"video_file": (video.path.name, data, video.mime)}).json()
        if "error" in uploaded or not uploaded.get("video_id"):
            raise PublishError(NAME, f"the upload server refused {video.path.name}: "
                               f"{one_line([str(uploaded.get('error') or 'no video_id in its answer')])}",
                               entry_id=post.entry_id)
        return f"video{saved['owner_id']}_{saved['video_id']}"

    def _posted(self, post_id: int, scheduled: bool) -> Posted:
        return Posted(remote_id=str(post_id), url=f"{self._web}/wall-{self._group}_{post_id}",
                      remote={"owner_id": -self._group, "scheduled": scheduled})
