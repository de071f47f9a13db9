"""Telegram: a channel post through the Bot API (sendPhoto with a caption, or sendMessage with a preview).

The Bot API has no idempotency key and no way for a bot to read a channel's messages, so a send whose
answer was lost (timeout, dropped connection, 5xx) cannot be checked: it is reported ``unknown`` and never
sent again without ``--force``. Errors that prove nothing was sent (429, a refused connection) are retried.

Sources: https://core.telegram.org/bots/api — sendMessage (text 1-4096 characters after entities parsing,
link_preview_options), sendPhoto (caption 0-1024 characters after entities parsing), sendVideo (video, duration, width, height,
thumbnail "JPEG ... less than 200 kB ... width and height should not exceed 320" sent as attach://,
supports_streaming; bots upload files up to 50 MB: "Sending files"), "HTML style" (only
<, > and & need escaping in text), deleteMessage ("A message can only be deleted if it was sent less than
48 hours ago"), editMessageText / editMessageCaption / editMessageMedia, ResponseParameters.retry_after.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any
from urllib.parse import quote

import requests

from smmgen import facts
from smmgen.errors import ConfigError, PublishError, RateLimited
from smmgen.publish.base import AdapterContext, Lookup, MediaFile, Post, Posted, Secret, VideoFile, one_line
from smmgen.publish.http import Http, retry_after

NAME = "telegram"
ENV = ("SMMGEN_TELEGRAM_BOT_TOKEN",)
FACTS = facts.TELEGRAM
TEXT_LIMIT = int(FACTS.text.value)          # both counted in FACTS.text.unit (UTF-16 code units)
CAPTION_LIMIT = int(FACTS.caption.value)
VIDEO_MAX_BYTES = int(FACTS.video.max_bytes.value)      # what a bot may upload
DELETE_WINDOW = FACTS.delete.latest
THUMB_SIDE, THUMB_MAX_BYTES = 320, 200_000
_TAG = re.compile(r"<[^>]*>")


def open(ctx: AdapterContext) -> Telegram:
    token = ctx.secret(ENV[0])
    chat_id = ctx.setting("chat_id")
    if not chat_id:
        raise ConfigError("smmgen.toml", "publish.telegram.chat_id",
                          'required to publish to Telegram (e.g. "@your_channel")')
    return Telegram(ctx, str(chat_id), str(ctx.setting("api_base", "https://api.telegram.org")), token)


def _error_body(response: requests.Response) -> tuple[str, PublishError | None]:
    try:
        body = response.json()
    except ValueError:
        return response.reason or f"HTTP {response.status_code}", None
    description = one_line([str(body.get("description") or "")]) or f"HTTP {response.status_code}"
    wait = (body.get("parameters") or {}).get("retry_after")
    if response.status_code == 429 or wait is not None:
        seconds = float(wait) if wait is not None else retry_after(response.headers)
        return description, RateLimited(NAME, description, status=response.status_code, retry_after=seconds)
    return description, None


class Telegram:
    name = NAME

    def __init__(self, ctx: AdapterContext, chat_id: str, api_base: str, token: Secret):
        self._chat_id = chat_id
        # Quoted: a "/", "?" or "#" in a mistyped token would otherwise change the URL, not just fail to sign in.
        self._http = Http(NAME, f"{api_base.rstrip('/')}/bot{quote(token.reveal(), safe=':')}", ctx.http, ctx.budget,
                          secrets=[token], error_body=_error_body)

    def __repr__(self) -> str:
        return f"Telegram(chat_id={self._chat_id!r})"

    def close(self) -> None:
        self._http.close()

    # --- the adapter interface -----------------------------------------------------------------------------

    def create(self, post: Post) -> Posted:
        if len(post.parts) > 1:
            raise PublishError(NAME, f"a Telegram post is one message; this cut has {len(post.parts)} parts",
                               entry_id=post.entry_id)
        text, parse_mode = _html(post)
        if post.video is not None:
            return self._send_video(post, post.video, text, parse_mode)
        photo = self._photo(post)
        if photo is not None:
            self._check_length(post, text, CAPTION_LIMIT, "caption")
            data = self._photo_data(post, photo)
            response = self._http.call("POST", "sendPhoto", resend=False, entry_id=post.entry_id,
                                       data={"chat_id": self._chat_id, "caption": text,
                                             "parse_mode": parse_mode},
                                       files={"photo": (photo.path.name, data, photo.mime)})
        else:
            self._check_length(post, text, TEXT_LIMIT, "text")
            response = self._http.call("POST", "sendMessage", resend=False, entry_id=post.entry_id,
                                       json={"chat_id": self._chat_id, "text": text, "parse_mode": parse_mode,
                                             **self._preview(post)})
        message = response.json()["result"]
        return self._posted(message["message_id"], "photo" if photo else "text",
                            photo.sha256 if photo else None)

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        return Lookup.unknown("the Bot API cannot read a channel's messages, so a send whose answer was "
                              "lost cannot be checked; look at the channel")

    def delete(self, posted: Posted) -> None:
        response = self._http.call("POST", "deleteMessage", resend=True, ok=(200, 400),
                                   json={"chat_id": posted.remote.get("chat_id", self._chat_id),
                                         "message_id": int(posted.remote_id)})
        if response.status_code == 200:
            return
        description = _description(response)
        if "not found" in description:
            return           # already gone
        hours = DELETE_WINDOW.total_seconds() / 3600
        hint = f" (bots cannot delete messages older than {hours:g} h)" if "can't be deleted" in description else ""
        raise PublishError(NAME, f"{description}{hint}", status=400)

    def edit(self, posted: Posted, post: Post) -> Posted:
        text, parse_mode = _html(post)
        photo = None if post.video else self._photo(post)
        kind = posted.remote.get("kind", "text")
        now = "video" if post.video else "photo" if photo else "text"
        if now != kind:
            raise PublishError(NAME, f"the post changed from a {kind} message to a {now} message; an edit cannot "
                               'do that (set on_change = "repost")', entry_id=post.entry_id)
        target = {"chat_id": posted.remote.get("chat_id", self._chat_id), "message_id": int(posted.remote_id)}
        if post.video is not None:
            response = self._edit_video(post, post.video, posted, target, text, parse_mode)
        elif photo is None:
            self._check_length(post, text, TEXT_LIMIT, "text")
            response = self._http.call("POST", "editMessageText", resend=True, ok=(200, 400),
                                       entry_id=post.entry_id,
                                       json={**target, "text": text, "parse_mode": parse_mode,
                                             **self._preview(post)})
        elif photo.sha256 != posted.remote.get("photo_sha256"):
            self._check_length(post, text, CAPTION_LIMIT, "caption")
            media = {"type": "photo", "media": "attach://photo", "caption": text, "parse_mode": parse_mode}
            upload = (photo.path.name, self._photo_data(post, photo), photo.mime)
            response = self._http.call("POST", "editMessageMedia", resend=True, ok=(200, 400),
                                       entry_id=post.entry_id, data={**target, "media": json.dumps(media)},
                                       files={"photo": upload})
        else:
            self._check_length(post, text, CAPTION_LIMIT, "caption")
            response = self._http.call("POST", "editMessageCaption", resend=True, ok=(200, 400),
                                       entry_id=post.entry_id,
                                       json={**target, "caption": text, "parse_mode": parse_mode})
        # "message is not modified": a resent edit that already went through.
        if response.status_code == 400 and "not modified" not in _description(response):
            raise self._http.error_for(response, post.entry_id)
        sent = post.video or photo
        return self._posted(int(posted.remote_id), kind, sent.sha256 if sent else None)

    # --- video -------------------------------------------------------------------------------------------

    def _send_video(self, post: Post, video: VideoFile, text: str, parse_mode: str) -> Posted:
        """``sendVideo``: the MP4 with its duration, size and a thumbnail made from the poster, streamable."""
        self._check_length(post, text, CAPTION_LIMIT, "caption")
        fields, files = self._video_upload(post, video)
        response = self._http.call("POST", "sendVideo", resend=False, entry_id=post.entry_id,
                                   data={"chat_id": self._chat_id, "caption": text, "parse_mode": parse_mode,
                                         **fields}, files=files)
        return self._posted(response.json()["result"]["message_id"], "video", video.sha256)

    def _edit_video(self, post: Post, video: VideoFile, posted: Posted, target: dict[str, Any], text: str,
                    parse_mode: str) -> requests.Response:
        self._check_length(post, text, CAPTION_LIMIT, "caption")
        if video.sha256 == posted.remote.get("video_sha256"):
            return self._http.call("POST", "editMessageCaption", resend=True, ok=(200, 400), entry_id=post.entry_id,
                                   json={**target, "caption": text, "parse_mode": parse_mode})
        fields, files = self._video_upload(post, video)
        media = {"type": "video", "media": "attach://video", "caption": text, "parse_mode": parse_mode,
                 **{k: v for k, v in fields.items() if k != "thumbnail"}}
        if "thumbnail" in fields:
            media["thumbnail"] = fields["thumbnail"]
        return self._http.call("POST", "editMessageMedia", resend=True, ok=(200, 400), entry_id=post.entry_id,
                               data={**target, "media": json.dumps(media)}, files=files)

    def _video_upload(self, post: Post, video: VideoFile) -> tuple[dict[str, Any], dict[str, Any]]:
        if (video.size or 0) > VIDEO_MAX_BYTES:
            raise PublishError(NAME, f"{video.path.name} is {video.size:,} bytes; the Bot API takes videos up to "
                               f"{VIDEO_MAX_BYTES:,}", entry_id=post.entry_id)
        fields: dict[str, Any] = {"duration": max(1, round(video.duration)), "width": video.width,
                                  "height": video.height, "supports_streaming": "true"}
        files: dict[str, Any] = {"video": (video.path.name, video.read(NAME, post.entry_id), video.mime)}
        if video.poster is not None:
            fields["thumbnail"] = "attach://thumbnail"
            files["thumbnail"] = ("thumbnail.jpg", thumbnail(video.poster.read(NAME, post.entry_id)), "image/jpeg")
        return fields, files

    # --- helpers -----------------------------------------------------------------------------------------

    def _photo(self, post: Post) -> MediaFile | None:
        method = post.extra.get("method")
        attach = post.media_for("attach")
        if method == "sendMessage" or not attach:
            if method == "sendPhoto":
                raise PublishError(NAME, "the cut asks for sendPhoto but has no attached image",
                                   entry_id=post.entry_id)
            return None
        return attach[0]

    def _photo_data(self, post: Post, photo: MediaFile) -> bytes:
        return photo.read(NAME, post.entry_id)

    def _preview(self, post: Post) -> dict[str, Any]:
        options = post.extra.get("link_preview_options")
        if options is None and post.link:
            options = {"url": post.link, "prefer_large_media": True}
        return {"link_preview_options": dict(options)} if options else {}

    @staticmethod
    def _check_length(post: Post, text: str, limit: int, what: str) -> None:
        # The limits count the text after entity parsing, i.e. without the HTML markup.
        from smmgen.text.measure import telegram_html_unescape  # loaded by a real post only, not by a dry run

        length = facts.encoded_length(telegram_html_unescape(_TAG.sub("", text)), FACTS.text.unit)
        if length > limit:
            raise PublishError(NAME, f"{what} is {length} characters (UTF-16); Telegram allows {limit}",
                               entry_id=post.entry_id)

    def _posted(self, message_id: int, kind: str, media_sha256: str | None) -> Posted:
        remote: dict[str, Any] = {"chat_id": self._chat_id, "message_id": message_id, "kind": kind}
        if media_sha256:
            remote["video_sha256" if kind == "video" else "photo_sha256"] = media_sha256
        return Posted(remote_id=str(message_id), url=message_url(self._chat_id, message_id), remote=remote)


def thumbnail(poster: bytes) -> bytes:
    """The poster as the thumbnail sendVideo takes: a JPEG at most 320 px a side and under 200 kB. The same
    poster always gives the same bytes."""
    from PIL import Image  # only a video post needs it

    with Image.open(io.BytesIO(poster)) as im:
        im = im.convert("RGB")
        im.thumbnail((THUMB_SIDE, THUMB_SIDE))
        for quality in (85, 70, 50, 30):
            out = io.BytesIO()
            im.save(out, format="JPEG", quality=quality)
            if out.tell() < THUMB_MAX_BYTES:
                break
    return out.getvalue()


def message_url(chat_id: str, message_id: int) -> str | None:
    if chat_id.startswith("@"):
        return f"https://t.me/{chat_id[1:]}/{message_id}"
    if chat_id.startswith("-100"):
        return f"https://t.me/c/{chat_id[4:]}/{message_id}"
    return None


def _html(post: Post) -> tuple[str, str]:
    """The text for parse_mode HTML, as the build escaped it (the manifest reader requires ``parse_mode:
    "HTML"``): a "<" or "&" in a headline was escaped at build time and reviewed so."""
    return post.text, "HTML"


def _description(response: requests.Response) -> str:
    try:
        return str(response.json().get("description") or "")
    except (ValueError, AttributeError):
        return ""
