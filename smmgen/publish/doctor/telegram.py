"""Telegram: getMe (is the bot token valid, which bot), getChat (can the bot see the configured channel) and
getChatMember for the bot itself (its administrator rights there). Bot tokens do not expire; a token revoked
in @BotFather answers 401 like a wrong one.

Sources: https://core.telegram.org/bots/api: getMe (User), getChat (ChatFullInfo: id, type, username),
getChatMember (ChatMemberOwner "creator", ChatMemberAdministrator "administrator" with can_post_messages,
can_edit_messages (channels only) and can_delete_messages, ChatMemberMember, ChatMemberLeft, ChatMemberBanned);
"Making requests" (a wrong token: 401 Unauthorized).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from smmgen.errors import ConfigError
from smmgen.publish.base import AdapterContext
from smmgen.publish.doctor.health import Report
from smmgen.publish.http import Http
from smmgen.publish.telegram import ENV, NAME, _error_body

# The one channel administrator right smmgen needs: with it a bot posts (photos too), and edits and deletes its
# own posts (deleteMessage: "Bots granted can_post_messages permissions can delete outgoing messages in
# channels", within 48 hours). can_edit_messages and can_delete_messages are about other people's messages.
NEEDED = "can_post_messages"
LISTED = ("can_post_messages", "can_edit_messages", "can_delete_messages")


def check(ctx: AdapterContext, report: Report) -> None:
    token = ctx.secret(ENV[0])
    chat_id = ctx.setting("chat_id")
    if not chat_id:
        raise ConfigError("smmgen.toml", "publish.telegram.chat_id",
                          'required to publish to Telegram (e.g. "@your_channel")')
    api = str(ctx.setting("api_base", "https://api.telegram.org")).rstrip("/")
    http = Http(NAME, f"{api}/bot{quote(token.reveal(), safe=':')}", ctx.http, ctx.budget, secrets=[token],
                error_body=_error_body)
    try:
        me = _result(http, "getMe", {}, ok=(200, 404))
        if me is None:
            # The Bot API answers a token that is not even shaped like one with 404.
            report.error("auth.rejected", f"Telegram does not know this bot token (HTTP 404); copy it again from "
                         f"@BotFather into {token.name}")
            return
        report.who = f"@{me.get('username')} (bot {me['id']})"
        chat = _result(http, "getChat", {"chat_id": chat_id}, ok=(200, 400, 403))
        if chat is None:
            report.error("chat.not_found", f"the bot cannot see {chat_id} ([publish.telegram] chat_id): add "
                         f"@{me.get('username')} to the channel as an administrator, or correct chat_id")
            return
        _compare(report, chat, str(chat_id))
        member = _result(http, "getChatMember", {"chat_id": chat_id, "user_id": me["id"]}, ok=(200, 400, 403))
        _rights(report, member, chat, str(chat_id))
    finally:
        http.close()


def _result(http: Http, method: str, params: dict[str, Any], *, ok: tuple[int, ...]) -> Any:
    """The answer's result, or None for an expected refusal (400/403/404: a chat the bot cannot see)."""
    response = http.call("POST", method, resend=True, ok=ok, json=params)
    if response.status_code != 200:
        return None
    return response.json()["result"]


def _compare(report: Report, chat: dict[str, Any], chat_id: str) -> None:
    name = chat.get("username")
    shown = f"@{name}" if name else str(chat.get("title") or chat.get("id"))
    report.who = f"{report.who} in {shown} ({chat.get('type')} {chat.get('id')})"
    handle = report.handle.lstrip("@").lower()
    if handle and name and handle != str(name).lower():
        report.warn("account.handle_mismatch", f"[publish.telegram] chat_id {chat_id} is @{name}, but "
                    f"[platforms.telegram] handle says @{handle}, which the preview shows as the account")


def _rights(report: Report, member: dict[str, Any] | None, chat: dict[str, Any], chat_id: str) -> None:
    status = (member or {}).get("status")
    if chat.get("type") != "channel":
        # A group: any member may send, and a bot may edit and delete its own messages.
        if status in ("creator", "administrator", "member") or (status == "restricted" and
                                                                  member.get("can_send_messages")):
            report.scopes = ("can_send_messages",)
            return
        report.scopes = ()
        report.error("permission.not_member", f"the bot cannot send to {chat_id} (it is {status or 'not a member'}); "
                     "add it to the group")
        return
    if status == "creator":
        report.scopes = LISTED
        return
    if status != "administrator":
        report.scopes = ()
        report.error("permission.not_admin", f"the bot is not an administrator of {chat_id} (it is "
                     f"{status or 'not a member'}): add it as an administrator with the right to post messages")
        return
    report.scopes = tuple(r for r in LISTED if member.get(r))
    if NEEDED not in report.scopes:
        report.error("permission.missing", f"the bot lacks {NEEDED} in {chat_id}, which posting (and editing and "
                     "deleting its own posts) needs; grant it in the channel's administrator settings")
