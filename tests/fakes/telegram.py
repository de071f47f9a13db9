"""A Telegram Bot API server for the tests: one channel, the methods smmgen calls, the rules the API states.

Every rule is from https://core.telegram.org/bots/api unless noted:
- "Making requests": ``https://api.telegram.org/bot<token>/METHOD_NAME``; parameters as query string,
  urlencoded, JSON or multipart; answers ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code",
  "description", "parameters"}``. A wrong token answers 401 "Unauthorized" (observed behaviour, as every
  client library handles it).
- ResponseParameters.retry_after: on flood control (429) "the number of seconds left to wait".
- sendMessage: text "1-4096 characters after entities parsing"; link_preview_options.
- sendPhoto: caption "0-1024 characters after entities parsing"; photo up to 10 MB.
- Formatting options, HTML style: only the listed tags; "All <, > and & symbols that are not a part of a
  tag or an HTML entity must be replaced with the corresponding HTML entities"; otherwise the request fails
  with "can't parse entities". Lengths are counted here in UTF-16 code units, as entity offsets are
  ("MessageEntity": offset and length in UTF-16 code units); that the limits use the same unit is unverified.
- sendVideo: ``video`` a file of at most 50 MB (bots upload at most 50 MB: "Sending files"), MP4 (other formats
  are sent as documents: the fake decodes it); ``duration``, ``width``, ``height`` integers; ``thumbnail`` an
  ``attach://<name>`` naming another part of the request, a JPEG under 200 kB and at most 320 px a side;
  ``supports_streaming`` a boolean; caption as sendPhoto.
- deleteMessage: "A message can only be deleted if it was sent less than 48 hours ago."
- editMessageText / editMessageCaption / editMessageMedia: the message must exist and have text /
  a caption; an edit to identical content fails with "message is not modified". editMessageMedia with
  ``type: video`` replaces a video (InputMediaVideo: media, thumbnail, caption, duration, width, height).
- getMe answers the token's bot (User). getChat answers a ChatFullInfo (id, type "channel", title, username);
  getChatMember answers a ChatMember: ChatMemberOwner (status "creator"), ChatMemberAdministrator
  ("administrator", with can_post_messages, can_edit_messages, can_delete_messages...) or ChatMemberLeft
  ("left", with the user). A revoked token answers like a wrong one (401). A bot that is no administrator of a
  channel cannot post there: 403 "Forbidden: bot is not a member of the channel chat"; an administrator
  without can_post_messages gets 400 "Bad Request: need administrator rights in the channel chat" (observed
  answers, as client libraries report them).

Switches for credential checks: ``revoke()`` (the token stops working), ``other_token`` (a valid token of
another bot, not in the channel), ``set_rights(...)`` (the bot's administrator rights; ``None``: not a member).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

from PIL import Image

from .server import FakeServer, Request, Response
from .video import probe_problem

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                "pre", "blockquote", "tg-emoji"}
TEXT_LIMIT, CAPTION_LIMIT, PHOTO_MAX = 4096, 1024, 10 * 1024 * 1024
VIDEO_MAX, THUMB_MAX, THUMB_SIDE = 50 * 1024 * 1024, 200 * 1000, 320
DELETE_WINDOW = dt.timedelta(hours=48)
_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_BARE_LT = re.compile(r"<(?![a-zA-Z/])")


class EntityError(ValueError):
    pass


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f'Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(f'Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> str:
    """The message text after entity parsing, or EntityError as the API words it."""
    if _BARE_AMP.search(text):
        raise EntityError("Unsupported HTML entity or bare '&'")
    if _BARE_LT.search(text):
        raise EntityError("Unsupported start tag or bare '<'")
    parser = _Html()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"')
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _error(code: int, description: str, **parameters: Any) -> Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Response(code, body)


class FakeTelegram(FakeServer):
    def __init__(self, token: str = "7354120011:AAH-fake-telegram-token-d41d8", *,
                 channel: str = "@courier_news", channel_id: int = -1001234567890):
        super().__init__()
        self.token, self.channel, self.channel_id = token, channel, channel_id
        self.other_token = "6120045512:AAF-other-telegram-bot-token-77e1"
        self.bots = {token: {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Courier",
                             "username": "courier_bot"},
                     self.other_token: {"id": 6120045512, "is_bot": True, "first_name": "Sports desk",
                                        "username": "courier_sport_bot"}}
        # The channel's members by user id: the courier bot is an administrator that may post.
        self.members: dict[int, dict[str, Any]] = {}
        self.set_rights(can_post_messages=True, can_edit_messages=True, can_delete_messages=True)
        self.messages: dict[int, dict[str, Any]] = {}     # live messages by id
        self.deleted: list[int] = []
        self._next_id = 100

    # --- what tests look at ------------------------------------------------------------------------------------

    def live_texts(self) -> list[str]:
        with self.lock:
            return [m.get("text") or m.get("caption") or "" for _, m in sorted(self.messages.items())]

    def rate_limited(self, seconds: float) -> Response:
        return _error(429, f"Too Many Requests: retry after {seconds:g}", retry_after=seconds)

    def server_error(self) -> Response:
        return _error(500, "Internal Server Error")

    def revoke(self) -> None:
        """The token is revoked in @BotFather: every call with it answers 401."""
        with self.lock:
            self.bots.pop(self.token, None)

    def set_rights(self, **rights: bool | None) -> None:
        """The courier bot's administrator rights in the channel; ``set_rights(member=None)``: not a member."""
        bot_id = int(self.token.split(":")[0])
        with self.lock:
            if rights.get("member", True) is None:
                self.members.pop(bot_id, None)
                return
            self.members[bot_id] = {"status": "administrator", "can_be_edited": False, "is_anonymous": False,
                                    "can_manage_chat": True, "can_change_info": False, "can_invite_users": True,
                                    "can_post_messages": False, "can_edit_messages": False,
                                    "can_delete_messages": False, "can_restrict_members": False,
                                    "can_promote_members": False, "can_manage_video_chats": False,
                                    "can_post_stories": False, "can_edit_stories": False,
                                    "can_delete_stories": False, **rights}

    # --- the API -----------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", request.path)
        if match is None:
            return _error(404, "Not Found")
        bot = self.bots.get(match.group(1))
        if bot is None:
            return _error(401, "Unauthorized")
        method = match.group(2)
        fields, files = request.params()
        if method == "getMe":
            return self._ok(bot)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        if str(fields.get("chat_id")) not in (self.channel, str(self.channel_id)):
            return _error(400, "Bad Request: chat not found")
        if method in ("getChat", "getChatMember"):
            return handler(fields, bot)
        member = self.members.get(bot["id"])
        if member is None:
            return _error(403, "Forbidden: bot is not a member of the channel chat")
        if member["status"] == "administrator" and not member.get("can_post_messages"):
            return _error(400, "Bad Request: need administrator rights in the channel chat")
        return handler(fields, files)

    def _getChat(self, fields: dict[str, Any], bot: dict[str, Any]) -> Response:
        return self._ok({"id": self.channel_id, "type": "channel", "title": "The Northbridge Courier",
                         "username": self.channel.lstrip("@"), "accent_color_id": 0, "max_reaction_count": 11})

    def _getChatMember(self, fields: dict[str, Any], bot: dict[str, Any]) -> Response:
        try:
            user_id = int(fields.get("user_id") or 0)
        except (TypeError, ValueError):
            return _error(400, "Bad Request: invalid user_id specified")
        user = next((b for b in self.bots.values() if b["id"] == user_id), None)
        if user is None:
            return _error(400, "Bad Request: user not found")
        member = self.members.get(user_id) or {"status": "left"}
        return self._ok({**member, "user": user})

    def _sendMessage(self, fields: dict[str, Any], files: dict[str, Any]) -> Response:
        text, refused = self._text(fields, "text", TEXT_LIMIT, "message is too long")
        if refused:
            return refused
        if not text:
            return _error(400, "Bad Request: message text is empty")
        return self._ok(self._store({"text": text, "link_preview_options": _obj(fields.get("link_preview_options"))}))

    def _sendPhoto(self, fields: dict[str, Any], files: dict[str, Any]) -> Response:
        if "photo" not in files:
            return _error(400, "Bad Request: there is no photo in the request")
        if len(files["photo"][1]) > PHOTO_MAX:
            return _error(400, "Bad Request: file is too big")
        caption, refused = self._text(fields, "caption", CAPTION_LIMIT, "message caption is too long")
        if refused:
            return refused
        return self._ok(self._store({"caption": caption, "photo_bytes": len(files["photo"][1])}))

    def _sendVideo(self, fields: dict[str, Any], files: dict[str, Any]) -> Response:
        if "video" not in files:
            return _error(400, "Bad Request: there is no video in the request")
        data = files["video"][1]
        if len(data) > VIDEO_MAX:
            return _error(413, "Request Entity Too Large")
        if probe_problem(data, (0.0, 86400.0)):
            return _error(400, "Bad Request: wrong file type: the video is not an MP4")
        for key in ("duration", "width", "height"):
            if key in fields and not str(fields[key]).isdigit():
                return _error(400, f"Bad Request: field \"{key}\" must be a Number")
        if str(fields.get("supports_streaming", "false")).lower() not in ("true", "false"):
            return _error(400, "Bad Request: field \"supports_streaming\" must be a Boolean")
        thumb = None
        if "thumbnail" in fields:
            name = str(fields["thumbnail"])
            if not name.startswith("attach://") or name[9:] not in files:
                return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
            thumb = files[name[9:]][1]
            try:
                with Image.open(io.BytesIO(thumb)) as im:
                    fmt, size = im.format, im.size
            except OSError:
                fmt, size = None, (0, 0)
            if fmt != "JPEG" or len(thumb) >= THUMB_MAX or max(size) > THUMB_SIDE:
                return _error(400, "Bad Request: wrong thumbnail: a JPEG under 200 kB, at most 320x320")
        caption, refused = self._text(fields, "caption", CAPTION_LIMIT, "message caption is too long")
        if refused:
            return refused
        return self._ok(self._store({"caption": caption, "video": data, "thumbnail": thumb,
                                     "duration": int(fields.get("duration") or 0)}))

    def videos_posted(self) -> list[bytes]:
        """The bytes of every video in a live message."""
        with self.lock:
            return [m["video"] for _, m in sorted(self.messages.items()) if "video" in m]

    def _deleteMessage(self, fields: dict[str, Any], files: dict[str, Any]) -> Response:
        message = self.messages.get(int(fields.get("message_id") or 0))
        if message is None:
            return _error(400, "Bad Request: message to delete not found")
        if self.now() - message["sent"] >= DELETE_WINDOW:
            return _error(400, "Bad Request: message can't be deleted")
        del self.messages[message["message_id"]]
        self.deleted.append(message["message_id"])
        return self._ok(True)

    def _editMessageText(self, fields: dict[str, Any], files: dict[str, Any]) -> Response:
        message = self.messages.get(int(fields.get("message_id") or 0))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if "text" not in message:
            return _error(400, "Bad Request: there is no text in the message to edit")
        text, refused = self._text(fields, "text", TEXT_LIMIT, "message is too long")
        if refused:
            return refused
        if text == message["text"]:
            return _error(400, "Bad Request: message is not modified: specified new message content and reply "
                               "markup are exactly the same as a current content and reply markup of the message")
        message["text"] = text
        return self._ok(self._public(message))

    def _editMessageCaption(self, fields: dict[str, Any], files: dict[str, Any]) -> Response:
        message = self.messages.get(int(fields.get("message_id") or 0))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        if "caption" not in message:
            return _error(400, "Bad Request: there is no caption in the message to edit")
        caption, refused = self._text(fields, "caption", CAPTION_LIMIT, "message caption is too long")
        if refused:
            return refused
        if caption == message["caption"]:
            return _error(400, "Bad Request: message is not modified")
        message["caption"] = caption
        return self._ok(self._public(message))

    def _editMessageMedia(self, fields: dict[str, Any], files: dict[str, Any]) -> Response:
        message = self.messages.get(int(fields.get("message_id") or 0))
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        media = _obj(fields.get("media")) or {}
        attached = str(media.get("media") or "")
        if not attached.startswith("attach://") or attached[9:] not in files:
            return _error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption, refused = self._text(media, "caption", CAPTION_LIMIT, "message caption is too long")
        if refused:
            return refused
        data = files[attached[9:]][1]
        if media.get("type") == "video":
            if "video" not in message:
                return _error(400, "Bad Request: a photo message cannot become a video here")
            thumb = str(media.get("thumbnail") or "")
            message.update(caption=caption, video=data,
                           thumbnail=files[thumb[9:]][1] if thumb.startswith("attach://") and thumb[9:] in files
                           else None)
        else:
            message.update(caption=caption, photo_bytes=len(data))
        return self._ok(self._public(message))

    # --- helpers -----------------------------------------------------------------------------------------------

    def _text(self, fields: dict[str, Any], key: str, limit: int, too_long: str) -> tuple[str, Response | None]:
        raw = str(fields.get(key) or "")
        if str(fields.get("parse_mode") or "").upper() == "HTML":
            try:
                raw = parse_html(raw)
            except EntityError as e:
                return "", _error(400, f"Bad Request: can't parse entities: {e}")
        if utf16_len(raw) > limit:
            return "", _error(400, f"Bad Request: {too_long}")
        return raw, None

    def _store(self, content: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        message = {"message_id": self._next_id, "sent": self.now(), **content}
        self.messages[self._next_id] = message
        return self._public(message)

    def _public(self, message: dict[str, Any]) -> dict[str, Any]:
        out = {"message_id": message["message_id"], "date": int(message["sent"].timestamp()),
               "chat": {"id": self.channel_id, "type": "channel", "username": self.channel.lstrip("@")}}
        for key in ("text", "caption"):
            if key in message:
                out[key] = message[key]
        if "video" in message:
            out["video"] = {"file_id": f"video-{message['message_id']}", "duration": message["duration"],
                            "mime_type": "video/mp4", "file_size": len(message["video"])}
        if "photo_bytes" in message:
            out["photo"] = [{"file_id": f"photo-{message['message_id']}", "width": 1200, "height": 630}]
        return out

    @staticmethod
    def _ok(result: Any) -> Response:
        return Response(200, {"ok": True, "result": result})


def _obj(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value
