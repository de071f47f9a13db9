"""Mastodon: statuses through the REST API, with the instance's own limits checked before sending.

Exactly once: every status carries an ``Idempotency-Key`` derived from the entry id and content hash; the
server returns the first status for a repeated key for up to 1 hour. An intent older than a run is
reconciled by looking the post up in the account's recent statuses by its article link.

Sources (mastodon/documentation): methods/statuses.md (create with Idempotency-Key, stored up to 1 hour;
edit with PUT; delete), methods/media.md (POST /api/v2/media answers 200, or 202 while processing; GET
/api/v1/media/:id answers 206 until done), methods/instance.md + entities/Instance.md
(configuration.statuses.max_characters, characters_reserved_per_url, max_media_attachments,
media_attachments.description_limit, image_size_limit, supported_mime_types, video_size_limit,
video_matrix_limit, video_frame_rate_limit), methods/media.md (``thumbnail``: a custom thumbnail for a video),
app/controllers/api/v1/media_controller.rb (422 once processing failed), api/rate-limits.md.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from collections.abc import Mapping, Sequence
from typing import Any

from smmgen import facts
from smmgen.errors import ConfigError, PublishError
from smmgen.publish.base import AdapterContext, Lookup, MediaFile, Post, Posted, Secret, VideoFile, one_line, parse_time
from smmgen.publish.http import Http
from smmgen.publish.processing import State, media_wait, wait_for

NAME = "mastodon"
ENV = ("SMMGEN_MASTODON_TOKEN",)
PAGE = 40                      # statuses per page (the API's maximum)
LOOKUP_PAGES = 5
LOOKUP_SLACK = dt.timedelta(minutes=15)   # clock difference allowed between this machine and the server
# mastodon.social's video limits, for an instance whose configuration names none.
# mastodon.social's figures, for an instance that does not say its own.
VIDEO_SIZE_LIMIT = int(facts.MASTODON.video.max_bytes.value)
VIDEO_MATRIX_LIMIT = int(facts.MASTODON.video.max_pixels.value)
VIDEO_FRAME_RATE_LIMIT = int(facts.MASTODON.video.max_frame_rate.value)
FIRST_POLL = 0.25


def open(ctx: AdapterContext) -> Mastodon:
    token = ctx.secret(ENV[0])
    instance = ctx.setting("instance") or ctx.platform_options.get("instance")
    if not instance:
        raise ConfigError("smmgen.toml", "publish.mastodon.instance", "required to publish to Mastodon")
    return Mastodon(ctx, str(instance), str(ctx.setting("api_base") or instance), token)


class Mastodon:
    name = NAME

    def __init__(self, ctx: AdapterContext, instance: str, api_base: str, token: Secret):
        self._instance_url = instance.rstrip("/")
        self._http = Http(NAME, api_base, ctx.http, ctx.budget, secrets=[token],
                          headers={"Authorization": f"Bearer {token.reveal()}"})
        self._visibility = ctx.setting("visibility") or ctx.platform_options.get("visibility")
        self._media_wait = media_wait(ctx)
        self._config: Mapping[str, Any] | None = None
        self._account_id: str | None = None

    def __repr__(self) -> str:
        return f"Mastodon(instance={self._instance_url!r})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        self._check(post)
        media_ids = self._media_ids(post)
        statuses: list[dict[str, Any]] = []
        for i, text in enumerate(post.parts):
            body = self._status_body(post, text, media_ids if i == 0 else [])
            if statuses:
                body["in_reply_to_id"] = statuses[-1]["id"]
            response = self._http.call("POST", "api/v1/statuses", resend=True, entry_id=post.entry_id,
                                       headers={"Idempotency-Key": idempotency_key(post, i)}, json=body)
            statuses.append(response.json())
        return _posted(statuses)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        if not post.link:
            return Lookup.unknown("the post has no link to look it up by")
        statuses, covered = self._recent(since)
        by_id = {s["id"]: s for s in statuses}
        hits = [s for s in statuses if post.link in html.unescape(s.get("content") or "")]
        if not hits:
            return Lookup.absent() if covered else Lookup.unknown(
                f"not among the account's latest {len(statuses)} statuses, which do not reach back far "
                "enough")
        link_part = next((i for i, p in enumerate(post.parts) if post.link in p), 0)
        chain = _thread(hits[-1], link_part, len(post.parts), by_id, statuses)
        if chain is None:
            return Lookup.unknown("the thread is only partly on the server")
        return Lookup(_posted(chain))

    def delete(self, posted: Posted) -> None:
        for status_id in reversed(list(posted.remote.get("ids") or [posted.remote_id])):
            # 404: already gone, which is what a delete wants.
            self._http.call("DELETE", f"api/v1/statuses/{status_id}", resend=True, ok=(200, 404))

    def edit(self, posted: Posted, post: Post) -> Posted:
        ids = list(posted.remote.get("ids") or [posted.remote_id])
        if len(ids) != len(post.parts):
            raise PublishError(NAME, f"the thread now has {len(post.parts)} parts, the post {len(ids)}; "
                               'an edit cannot change that (set on_change = "repost")',
                               entry_id=post.entry_id)
        self._check(post)
        media_ids = self._media_ids(post)
        statuses = []
        for i, (status_id, text) in enumerate(zip(ids, post.parts)):
            body = self._status_body(post, text, media_ids if i == 0 else [])
            body.pop("visibility", None)          # not editable
            response = self._http.call("PUT", f"api/v1/statuses/{status_id}", resend=True,
                                       entry_id=post.entry_id, json=body)
            statuses.append(response.json())
        return _posted(statuses)

    # --- helpers -----------------------------------------------------------------------------------------

    def _media_ids(self, post: Post) -> list[str]:
        if post.video is not None:
            return [self._upload(post, post.video, thumbnail=post.video.poster)]
        return [self._upload(post, m) for m in post.media_for("attach")]

    def _status_body(self, post: Post, text: str, media_ids: Sequence[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"status": text,
                                "visibility": post.extra.get("visibility") or self._visibility or "public"}
        language = post.extra.get("language") or (post.lang or "").split("-")[0].lower()
        if language:
            body["language"] = language
        if media_ids:
            body["media_ids"] = list(media_ids)
        return body

    def _configuration(self) -> Mapping[str, Any]:
        if self._config is None:
            response = self._http.call("GET", "api/v2/instance", resend=True)
            self._config = response.json().get("configuration") or {}
        return self._config

    def _check(self, post: Post) -> None:
        """The instance's limits, read from /api/v2/instance: refuse locally what the server would refuse."""
        from smmgen.text import measure  # loaded by a real post only: a dry run stays on the publisher's own modules

        conf = self._configuration()
        statuses = conf.get("statuses") or {}
        limit = int(statuses.get("max_characters") or facts.MASTODON.text.value)
        per_url = int(statuses.get("characters_reserved_per_url") or facts.MASTODON.url_length.value)
        problems = []
        for i, text in enumerate(post.parts):
            length = measure.measure(text, "mastodon", url_length=per_url)
            if length > limit:
                where = f" (part {i + 1})" if len(post.parts) > 1 else ""
                problems.append(f"text is {length} characters{where}; this instance allows {limit}")
        media_conf = conf.get("media_attachments") or {}
        attach = post.media_for("attach")
        max_media = int(statuses.get("max_media_attachments") or 4)
        if len(attach) > max_media:
            problems.append(f"{len(attach)} images; this instance allows {max_media}")
        alt_limit = int(media_conf.get("description_limit") or 1500)
        size_limit = media_conf.get("image_size_limit")
        mimes = media_conf.get("supported_mime_types")
        for m in attach:
            if len(m.alt) > alt_limit:
                problems.append(f"alt text of {m.path.name} is {len(m.alt)} characters; "
                                f"the limit is {alt_limit}")
            if size_limit and m.path.is_file() and m.path.stat().st_size > int(size_limit):
                problems.append(f"{m.path.name} is larger than the instance's {int(size_limit):,} bytes")
            if mimes and m.mime not in mimes:
                problems.append(f"{m.path.name}: {m.mime} is not accepted by this instance")
        if post.video is not None:
            problems += _video_problems(post.video, media_conf, alt_limit)
        if problems:
            raise PublishError(NAME, "; ".join(problems), entry_id=post.entry_id)

    def _upload(self, post: Post, media: MediaFile, *, thumbnail: MediaFile | None = None) -> str:
        data = media.read(NAME, post.entry_id)
        files = {"file": (media.path.name, data, media.mime)}
        if thumbnail is not None:
            files["thumbnail"] = (thumbnail.path.name, thumbnail.read(NAME, post.entry_id), thumbnail.mime)
        # A repeated upload only leaves an unattached file behind, which the server removes after a day.
        response = self._http.call("POST", "api/v2/media", resend=True, ok=(200, 202), entry_id=post.entry_id,
                                   files=files, data={"description": media.alt})
        body = response.json()
        if response.status_code == 200 and body.get("url"):
            return str(body["id"])

        def check() -> State:
            # 202: processing in the background; GET answers 206 until the file is ready, 422 when it failed.
            answer = self._http.call("GET", f"api/v1/media/{body['id']}", resend=True, ok=(200, 206, 422),
                                     entry_id=post.entry_id)
            if answer.status_code == 422:
                return State("failed", failed=one_line([str(_json(answer).get("error") or "HTTP 422")]))
            ready = answer.status_code == 200 and bool(_json(answer).get("url"))
            return State("ready" if ready else "processing", done=ready)

        time.sleep(FIRST_POLL)     # a 202 is never ready at once
        wait_for(check, platform=NAME, what=media.path.name, seconds=self._media_wait, entry_id=post.entry_id)
        return str(body["id"])

    def _recent(self, since: dt.datetime | None) -> tuple[list[dict[str, Any]], bool]:
        """The account's latest statuses, newest first, and whether they reach back to before ``since``."""
        if self._account_id is None:
            self._account_id = str(self._http.call("GET", "api/v1/accounts/verify_credentials",
                                                   resend=True).json()["id"])
        statuses: list[dict[str, Any]] = []
        max_id = None
        for _ in range(LOOKUP_PAGES):
            params = {"limit": PAGE, **({"max_id": max_id} if max_id else {})}
            page = self._http.call("GET", f"api/v1/accounts/{self._account_id}/statuses", resend=True,
                                   params=params).json()
            statuses.extend(page)
            if len(page) < PAGE:
                return statuses, True
            max_id = page[-1]["id"]
            oldest = parse_time(page[-1].get("created_at"))
            if since is not None and oldest is not None and oldest < since - LOOKUP_SLACK:
                return statuses, True
        return statuses, False


def _video_problems(video: VideoFile, conf: Mapping[str, Any], alt_limit: int) -> list[str]:
    """The instance's video limits (``configuration.media_attachments``), mastodon.social's where it names none."""
    problems = []
    size_limit = int(conf.get("video_size_limit") or VIDEO_SIZE_LIMIT)
    matrix_limit = int(conf.get("video_matrix_limit") or VIDEO_MATRIX_LIMIT)
    rate_limit = float(conf.get("video_frame_rate_limit") or VIDEO_FRAME_RATE_LIMIT)
    mimes = conf.get("supported_mime_types")
    if (video.size or 0) > size_limit:
        problems.append(f"{video.path.name} is {video.size:,} bytes; this instance takes videos up to {size_limit:,}")
    if video.width * video.height > matrix_limit:
        problems.append(f"the video is {video.width}x{video.height}; this instance takes {matrix_limit:,} pixels")
    if video.frame_rate > rate_limit:
        problems.append(f"the video has {video.frame_rate:g} frames a second; this instance takes {rate_limit:g}")
    if len(video.alt) > alt_limit:
        problems.append(f"alt text of {video.path.name} is {len(video.alt)} characters; the limit is {alt_limit}")
    if mimes and video.mime not in mimes:
        problems.append(f"{video.path.name}: {video.mime} is not accepted by this instance")
    return problems


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def idempotency_key(post: Post, part: int) -> str:
    return f"smmgen-{post.key[:48]}-{part}"


def _thread(hit: Mapping[str, Any], index: int, length: int, by_id: Mapping[str, Any],
            statuses: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]] | None:
    """The ``length`` statuses of a thread whose part ``index`` is ``hit``, or None if some are missing."""
    chain = [hit]
    while len(chain) <= index:
        parent = by_id.get(chain[0].get("in_reply_to_id"))
        if parent is None:
            return None
        chain.insert(0, parent)
    while len(chain) < length:
        child = next((s for s in statuses if s.get("in_reply_to_id") == chain[-1]["id"]), None)
        if child is None:
            return None
        chain.append(child)
    return chain


def _posted(statuses: Sequence[Mapping[str, Any]]) -> Posted:
    ids = [str(s["id"]) for s in statuses]
    return Posted(remote_id=ids[0], url=statuses[0].get("url"), remote={"ids": ids})
