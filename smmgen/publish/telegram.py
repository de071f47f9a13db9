"""Telegram: a channel post through the Bot API (sendPhoto with a caption, or sendMessage with a preview).

The Bot API has no idempotency key and no way for a bot to read a channel's messages, so a send whose
answer was lost (timeout, dropped connection, 5xx) cannot be checked: it is reported ``unknown`` and never
sent again without ``--force``. Errors that prove nothing was sent (429, a refused connection) are retried.

Sources: https://core.telegram.org/bots/api — sendMessage (text 1-4096 characters after entities parsing,
link_preview_options), sendPhoto (caption 0-1024 characters after entities parsing), "HTML style" (only
<, > and & need escaping in text), deleteMessage ("A message can only be deleted if it was sent less than
48 hours ago"), editMessageText / editMessageCaption / editMessageMedia, ResponseParameters.retry_after.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any
from urllib.parse import quote

import requests

from ..errors import ConfigError, PublishError, RateLimited
from ..measure import telegram_html_unescape
from .base import AdapterContext, Lookup, MediaFile, Post, Posted, Secret, one_line
from .http import Http, retry_after

NAME = "telegram"
ENV = ("SMMGEN_TELEGRAM_BOT_TOKEN",)
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
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


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


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
        hint = " (bots cannot delete messages older than 48 h)" if "can't be deleted" in description else ""
        raise PublishError(NAME, f"{description}{hint}", status=400)

    def edit(self, posted: Posted, post: Post) -> Posted:
        text, parse_mode = _html(post)
        photo = self._photo(post)
        kind = posted.remote.get("kind", "text")
        if (photo is not None) != (kind == "photo"):
            raise PublishError(NAME, "the post changed between a photo and a text message; an edit cannot "
                               'do that (set on_change = "repost")', entry_id=post.entry_id)
        target = {"chat_id": posted.remote.get("chat_id", self._chat_id), "message_id": int(posted.remote_id)}
        if photo is None:
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
        return self._posted(int(posted.remote_id), kind, photo.sha256 if photo else None)

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
        length = utf16_len(telegram_html_unescape(_TAG.sub("", text)))
        if length > limit:
            raise PublishError(NAME, f"{what} is {length} characters (UTF-16); Telegram allows {limit}",
                               entry_id=post.entry_id)

    def _posted(self, message_id: int, kind: str, photo_sha256: str | None) -> Posted:
        remote: dict[str, Any] = {"chat_id": self._chat_id, "message_id": message_id, "kind": kind}
        if photo_sha256:
            remote["photo_sha256"] = photo_sha256
        return Posted(remote_id=str(message_id), url=message_url(self._chat_id, message_id), remote=remote)


def message_url(chat_id: str, message_id: int) -> str | None:
    if chat_id.startswith("@"):
        return f"https://t.me/{chat_id[1:]}/{message_id}"
    if chat_id.startswith("-100"):
        return f"https://t.me/c/{chat_id[4:]}/{message_id}"
    return None


def _html(post: Post) -> tuple[str, str]:
    """The text for parse_mode HTML. A cut that says ``parse_mode: "HTML"`` wrote markup already; any other
    text is plain and gets escaped, so a "<" or "&" in a headline can never break or inject markup."""
    if str(post.extra.get("parse_mode") or "").upper() == "HTML":
        return post.text, "HTML"
    return html.escape(post.text, quote=False), "HTML"


def _description(response: requests.Response) -> str:
    try:
        return str(response.json().get("description") or "")
    except (ValueError, AttributeError):
        return ""
