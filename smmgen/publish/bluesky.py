"""Bluesky: posts written straight to the account's PDS over XRPC.

Exactly once by construction: every part's record key is a valid TID derived from the entry id and content
hash (``record_key``), so a resent create meets its own earlier record. The PDS answers a taken key with a
500 (pinned by tests/test_pds_harness.py), so after any create that may have gone through, the record is
read back, and it counts as ours only when its text and link match.

A video goes out as ``app.bsky.embed.video`` (the MP4 blob, alt text, aspect ratio, WebVTT captions). By default
the PDS stores the file as it is (``uploadBlob``; a local PDS has nothing else) and Bluesky's video service
transcodes it once the post is indexed; with ``video_service`` set (``https://video.bsky.app``), the file goes to
the service first (``app.bsky.video.uploadVideo`` with a service token from ``com.atproto.server.getServiceAuth``
for the PDS's ``uploadBlob``), its job is polled until completed, and the post names the blob it stored.

Sources: atproto lexicons ``app.bsky.feed.post`` (text 300 graphemes, langs <= 3),
``app.bsky.richtext.facet`` (UTF-8 byte offsets), ``app.bsky.embed.external`` (thumb <= 1,000,000 bytes),
``com.atproto.repo.createRecord|putRecord|deleteRecord|getRecord|uploadBlob``,
``com.atproto.server.createSession|getServiceAuth|describeServer``, ``app.bsky.embed.video`` (video/mp4 up to
100,000,000 bytes, alt 1000 graphemes, captions up to 20 of text/vtt up to 20,000 bytes),
``app.bsky.video.uploadVideo|getJobStatus`` (states JOB_STATE_COMPLETED, JOB_STATE_FAILED); docs.bsky.app
tutorials/video; 3 minutes: Bluesky's announcement of March 2025.
"""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from smmgen import facts
from smmgen.errors import AuthError, PublishError, RateLimited
from smmgen.publish.base import AdapterContext, Lookup, MaybeDone, Post, Posted, VideoFile, one_line
from smmgen.publish.http import Http, retry_after
from smmgen.publish.processing import State, media_wait, wait_for

NAME = "bluesky"
ENV = ("SMMGEN_BLUESKY_HANDLE", "SMMGEN_BLUESKY_APP_PASSWORD")
POST = "app.bsky.feed.post"
FACTS = facts.BLUESKY
THUMB_MAX_BYTES = int(FACTS.images.thumb_max_bytes.value)     # app.bsky.embed.external#external.thumb maxSize
IMAGE_MAX_BYTES = int(FACTS.images.max_bytes.value)           # app.bsky.embed.images#image maxSize
VIDEO_MAX_BYTES = int(FACTS.video.max_bytes.value)            # app.bsky.embed.video#main.video maxSize
VIDEO_MAX_SECONDS = float(FACTS.video.max_seconds.value)      # Bluesky plays videos of up to 3 minutes
SERVICE_TOKEN_SECONDS = 30 * 60       # the upload token the video service uses to store the blob in the PDS
CAPTIONS_MAX_BYTES = 20_000          # app.bsky.embed.video#caption.file maxSize
ALT_MAX_GRAPHEMES = 1000             # app.bsky.embed.video#main.alt maxGraphemes
MAX_LANGS = int(FACTS.max_langs.value)
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_AUTH_ERRORS = {"AuthMissing", "AuthenticationRequired", "InvalidToken", "ExpiredToken", "AccountTakedown",
                "AccountDeactivated"}


def open(ctx: AdapterContext) -> Bluesky:
    return Bluesky(ctx, ctx.account(ENV[0]), ctx.secret(ENV[1], password=True))


def tid(micros: int, clock_id: int) -> str:
    """An atproto TID: 53 bits of microseconds then 10 bits of clock id, base32-sortable, 13 characters."""
    value = (micros << 10) | clock_id
    return "".join(_TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def record_key(post: Post, part: int) -> str:
    """The record key of part ``part``: a TID near the post's publish time (so keys sort like posts),
    with the rest taken from the post's key, so the same entry and content always give the same keys."""
    digest = int(post.key[:16], 16)
    micros = int(post.publish_at.timestamp()) * 1_000_000 + digest % 1_000_000 + part
    return tid(micros, (digest >> 24) % 1024)


def _error_body(response: requests.Response) -> tuple[str, PublishError | None]:
    try:
        body = response.json()
    except ValueError:
        body = {}
    name = str(body.get("error") or "") if isinstance(body, dict) else ""
    message = str(body.get("message") or "") if isinstance(body, dict) else ""
    text = one_line([f"{name}: {message}" if name and message else name or message]) or f"HTTP {response.status_code}"
    if name in _AUTH_ERRORS:
        # The PDS answers a token that does not verify with 400, not 401.
        return text, AuthError(NAME, text, status=response.status_code)
    if name == "RateLimitExceeded" or response.status_code == 429:
        return text, RateLimited(NAME, text, retry_after=retry_after(response.headers),
                                 status=response.status_code)
    return text, None


class Bluesky:
    name = NAME

    def __init__(self, ctx: AdapterContext, handle: str, password: Any):
        self._service = str(ctx.setting("service", "https://bsky.social")).rstrip("/")
        self._web = str(ctx.setting("web_url", "https://bsky.app")).rstrip("/")
        self._handle = handle
        self._password = password
        self._http = Http(NAME, f"{self._service}/xrpc", ctx.http, ctx.budget, secrets=[password],
                          error_body=_error_body)
        self._did: str | None = None
        video_service = ctx.setting("video_service")
        self._video = None if not video_service else Http(NAME, f"{str(video_service).rstrip('/')}/xrpc", ctx.http,
                                                          ctx.budget, error_body=_error_body)
        self._media_wait = media_wait(ctx)

    def __repr__(self) -> str:
        return f"Bluesky(service={self._service!r}, handle={self._handle!r})"

    def close(self) -> None:
        self._http.close()
        if self._video is not None:
            self._video.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        did = self._login()
        embed = self._embed(post)
        created_at = _created_at(post.now)
        refs: list[dict[str, str]] = []
        for i, text in enumerate(post.parts):
            reply = {"root": refs[0], "parent": refs[-1]} if refs else None
            record = self._record(post, i, text, created_at, embed if i == _embed_part(post) else None, reply)
            refs.append(self._create_record(post, record_key(post, i), record))
        return self._posted(did, post, refs, created_at)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        did = self._login()
        refs, created_at = [], None
        for i, text in enumerate(post.parts):
            found = self._get(record_key(post, i))
            if found is None:
                # Nothing, or a thread cut short: create() fills in what is missing and keeps what is there.
                return Lookup.absent()
            if not _same_post(found["value"], text, _card_uri(post) if i == _embed_part(post) else None):
                raise PublishError(NAME, f"record key {record_key(post, i)} holds a record smmgen did not "
                                   "write for this entry", entry_id=post.entry_id)
            refs.append({"uri": found["uri"], "cid": found["cid"]})
            created_at = created_at or found["value"].get("createdAt")
        return Lookup(self._posted(did, post, refs, created_at or _created_at(post.now)))

    def delete(self, posted: Posted) -> None:
        did = self._login()
        for rkey in reversed(list(posted.remote.get("rkeys") or [posted.remote_id.rsplit("/", 1)[-1]])):
            # Deleting a record that is already gone succeeds, so a resend is harmless.
            self._http.call("POST", "com.atproto.repo.deleteRecord", resend=True,
                            json={"repo": did, "collection": POST, "rkey": rkey})

    def edit(self, posted: Posted, post: Post) -> Posted:
        did = self._login()
        rkeys = list(posted.remote.get("rkeys") or ())
        if len(rkeys) != len(post.parts):
            raise PublishError(NAME, f"the thread now has {len(post.parts)} parts, the post {len(rkeys)}; "
                               'an edit cannot change that (set on_change = "repost")',
                               entry_id=post.entry_id)
        created_at = str(posted.remote.get("created_at") or _created_at(post.now))
        embed = self._embed(post)
        refs: list[dict[str, str]] = []
        for i, (rkey, text) in enumerate(zip(rkeys, post.parts)):
            reply = {"root": refs[0], "parent": refs[-1]} if refs else None
            record = self._record(post, i, text, created_at, embed if i == _embed_part(post) else None, reply)
            response = self._http.call("POST", "com.atproto.repo.putRecord", resend=True,
                                       entry_id=post.entry_id,
                                       json={"repo": did, "collection": POST, "rkey": rkey, "record": record})
            body = response.json()
            refs.append({"uri": body["uri"], "cid": body["cid"]})
        return Posted(refs[0]["uri"], posted.url, {**posted.remote, "cids": [r["cid"] for r in refs]})

    # --- XRPC --------------------------------------------------------------------------------------------

    def _login(self) -> str:
        if self._did is None:
            response = self._http.call("POST", "com.atproto.server.createSession", resend=True,
                                       json={"identifier": self._handle, "password": self._password.reveal()})
            body = response.json()
            self._http.add_secret(body["accessJwt"])
            self._http.add_secret(body.get("refreshJwt") or body["accessJwt"])
            self._http.set_header("Authorization", f"Bearer {body['accessJwt']}")
            self._did = body["did"]
        return self._did

    def _create_record(self, post: Post, rkey: str, record: dict[str, Any]) -> dict[str, str]:
        try:
            response = self._http.call("POST", "com.atproto.repo.createRecord", resend=False,
                                       entry_id=post.entry_id,
                                       json={"repo": self._did, "collection": POST, "rkey": rkey,
                                             "record": record})
        except MaybeDone:
            # An earlier try may have written this key (the PDS then answers 500): read it back.
            found = self._get(rkey)
            if found is None:
                raise
            if not _same_post(found["value"], record["text"], _external_uri(record)):
                raise PublishError(NAME, f"record key {rkey} holds a record smmgen did not write for this "
                                   "entry", entry_id=post.entry_id) from None
            return {"uri": found["uri"], "cid": found["cid"]}
        body = response.json()
        return {"uri": body["uri"], "cid": body["cid"]}

    def _get(self, rkey: str) -> dict[str, Any] | None:
        response = self._http.call("GET", "com.atproto.repo.getRecord", resend=True, ok=(200, 400),
                                   params={"repo": self._did, "collection": POST, "rkey": rkey})
        if response.status_code == 200:
            return response.json()
        if _error_name(response) == "RecordNotFound":
            return None
        raise self._http.error_for(response)

    def _upload(self, post: Post, media: Any, max_bytes: int) -> dict[str, Any]:
        data = media.read(NAME, post.entry_id)
        if len(data) > max_bytes:
            raise PublishError(NAME, f"{media.path.name} is {len(data):,} bytes; Bluesky takes at most "
                               f"{max_bytes:,} here", entry_id=post.entry_id)
        response = self._http.call("POST", "com.atproto.repo.uploadBlob", resend=True, entry_id=post.entry_id,
                                   data=data, headers={"Content-Type": media.mime})
        return response.json()["blob"]

    # --- the record --------------------------------------------------------------------------------------

    def _embed(self, post: Post) -> dict[str, Any] | None:
        if post.video is not None:
            return self._video_embed(post, post.video)
        external = dict(post.extra.get("external") or {})
        if _card_uri(post):
            card = {"uri": _card_uri(post),
                    "title": str(external.get("title") or post.title),
                    "description": str(external.get("description") or "")}
            thumbs = post.media_for("link_card")
            if thumbs:
                card["thumb"] = self._upload(post, thumbs[0], THUMB_MAX_BYTES)
            return {"$type": "app.bsky.embed.external", "external": card}
        images = post.media_for("attach")[:4]
        if images:
            return {"$type": "app.bsky.embed.images",
                    "images": [{"image": self._upload(post, m, IMAGE_MAX_BYTES), "alt": m.alt}
                               for m in images]}
        return None

    def _video_embed(self, post: Post, video: VideoFile) -> dict[str, Any]:
        """``app.bsky.embed.video``: the MP4 as a blob of the account's repository, its alt text, aspect ratio and
        captions. Every limit is checked before the first byte is sent."""
        from smmgen.text.measure import grapheme_len  # the text side loads only when a video goes out

        problems = []
        if (video.size or 0) > VIDEO_MAX_BYTES:
            problems.append(f"{video.path.name} is {video.size:,} bytes; Bluesky takes videos up to "
                            f"{VIDEO_MAX_BYTES:,}")
        if video.duration > VIDEO_MAX_SECONDS:
            problems.append(f"the video is {video.duration:g} s; Bluesky takes {VIDEO_MAX_SECONDS:g} s")
        if grapheme_len(video.alt) > ALT_MAX_GRAPHEMES:
            problems.append(f"the video's alt text is {grapheme_len(video.alt)} graphemes; Bluesky takes "
                            f"{ALT_MAX_GRAPHEMES}")
        if video.captions is not None and (video.captions.size or 0) > CAPTIONS_MAX_BYTES:
            problems.append(f"the captions are {video.captions.size:,} bytes; Bluesky takes {CAPTIONS_MAX_BYTES:,}")
        if problems:
            raise PublishError(NAME, "; ".join(problems), entry_id=post.entry_id)
        embed: dict[str, Any] = {"$type": "app.bsky.embed.video", "video": self._video_blob(post, video),
                                 "aspectRatio": {"width": video.width, "height": video.height}}
        if video.alt:
            embed["alt"] = video.alt
        if video.captions is not None:
            embed["captions"] = [{"lang": video.captions_lang or "en",
                                  "file": self._upload(post, video.captions, CAPTIONS_MAX_BYTES)}]
        return embed

    def _video_blob(self, post: Post, video: VideoFile) -> dict[str, Any]:
        """The video's blob: stored by the PDS as it is, or, with ``video_service`` set, handed to Bluesky's video
        service, which checks and transcodes it for the app and then stores the blob in the account's PDS
        (with a service token the PDS issues for exactly that upload). Either may be repeated harmlessly."""
        if self._video is None:
            return self._upload(post, video, VIDEO_MAX_BYTES)
        data = video.read(NAME, post.entry_id)
        pds = self._http.call("GET", "com.atproto.server.describeServer", resend=True).json()["did"]
        # A token lifetime, not post content: it must outlast the service's transcoding, whatever post.now says.
        expires = int(time.time()) + SERVICE_TOKEN_SECONDS
        token = str(self._http.call("GET", "com.atproto.server.getServiceAuth", resend=True, entry_id=post.entry_id,
                                    params={"aud": pds, "lxm": "com.atproto.repo.uploadBlob",
                                            "exp": expires}).json()["token"])
        self._video.add_secret(token)
        # 409: the service has this video from this account already, and answers with its job.
        answer = self._video.call("POST", "app.bsky.video.uploadVideo", resend=True, ok=(200, 409),
                                  entry_id=post.entry_id, params={"did": self._did, "name": video.path.name},
                                  data=data, headers={"Content-Type": video.mime, "Authorization": f"Bearer {token}"})
        first = iter([_job(answer.json())])     # the upload answers with the job; getJobStatus with the rest
        latest: list[dict[str, Any]] = []

        def check() -> State:
            job = next(first, None) or _job(self._video.call(  # type: ignore[union-attr]
                "GET", "app.bsky.video.getJobStatus", resend=True, entry_id=post.entry_id,
                params={"jobId": latest[-1]["jobId"]}).json())
            latest.append(job)
            name = str(job.get("state") or "")
            failed = one_line([str(job.get("error") or ""), str(job.get("message") or "")]) or name
            return State(name, done=_job_done(job), failed=failed if name == "JOB_STATE_FAILED" else None)

        wait_for(check, platform=NAME, what=f"the video {video.path.name}", seconds=self._media_wait,
                 entry_id=post.entry_id)
        return dict(latest[-1]["blob"])

    def _record(self, post: Post, part: int, text: str, created_at: str, embed: dict[str, Any] | None,
                reply: dict[str, Any] | None) -> dict[str, Any]:
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": created_at}
        facets = _facets(post, part)
        if facets:
            record["facets"] = facets
        langs = post.extra.get("langs") or ([post.lang] if post.lang else [])
        if langs:
            record["langs"] = list(langs)[:MAX_LANGS]
        if embed:
            record["embed"] = embed
        if reply:
            record["reply"] = reply
        return record

    def _posted(self, did: str, post: Post, refs: Sequence[Mapping[str, str]], created_at: str) -> Posted:
        rkeys = [r["uri"].rsplit("/", 1)[-1] for r in refs]
        return Posted(
            remote_id=refs[0]["uri"],
            url=f"{self._web}/profile/{did}/post/{rkeys[0]}",
            remote={"did": did, "rkeys": rkeys, "cids": [r["cid"] for r in refs], "created_at": created_at},
        )


def _facets(post: Post, part: int) -> list[dict[str, Any]]:
    """The part's facets as the build computed them (the manifest reader requires one list per part): what
    was reviewed is what gets posted, so nothing is detected here."""
    return copy.deepcopy(list(post.extra["facets"][part]))


def _job(body: Any) -> dict[str, Any]:
    """A video service job, from ``uploadVideo`` (the job itself) or ``getJobStatus`` (``jobStatus``)."""
    body = body if isinstance(body, dict) else {}
    job = body.get("jobStatus") if isinstance(body.get("jobStatus"), dict) else body
    if not job.get("jobId"):
        raise PublishError(NAME, "the video service answered without a job id")
    return job


def _job_done(job: Mapping[str, Any]) -> bool:
    return job.get("state") == "JOB_STATE_COMPLETED" and isinstance(job.get("blob"), dict)


def _embed_part(post: Post) -> int:
    """The part that carries the embed: a video goes with the first; a card with the part that has the link."""
    return 0 if post.video is not None else _card_part(post)


def _card_part(post: Post) -> int:
    """The part that carries the link card: the cut's ``external_part`` (where the link is), else 0."""
    part = post.extra.get("external_part")
    return part if isinstance(part, int) and 0 <= part < len(post.parts) else 0


def _card_uri(post: Post) -> str | None:
    return (post.extra.get("external") or {}).get("uri") or post.link


def _created_at(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _external_uri(record: Mapping[str, Any]) -> str | None:
    return ((record.get("embed") or {}).get("external") or {}).get("uri")


def _same_post(value: Mapping[str, Any], text: str, link: str | None) -> bool:
    """Is a stored record the one smmgen wrote? Same text, and the same link card where there is one."""
    if value.get("text") != text:
        return False
    return link is None or _external_uri(value) in (None, link)


def _error_name(response: requests.Response) -> str:
    try:
        return str(response.json().get("error") or "")
    except (ValueError, AttributeError):
        return ""
