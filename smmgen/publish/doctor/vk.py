"""VK. A community token: ``groups.getTokenPermissions`` (its rights: ``wall`` to post, ``photos`` to upload
cards, ``video`` for videos, ``manage`` for VK's own scheduling) and ``groups.getById`` (the token's community
against ``[publish.vk] group_id``). A user token (``groups.getTokenPermissions`` is a community-token method):
``users.get`` and ``groups.getById(group_id, fields=is_admin,admin_level)``, where posting as the community
needs an editor (admin_level 2) or administrator (3). Error 5 is a token that is invalid or expired; 10 is
VK's internal error (an outage). A token issued with ``offline`` does not expire; VK does not say later when
another one will, so the expiry is unknown.

Sources: https://dev.vk.com/method/groups.getTokenPermissions ; https://dev.vk.com/method/groups.getById ;
https://dev.vk.com/reference/errors ; https://dev.vk.com/reference/access-rights .
"""

from __future__ import annotations

from typing import Any

from smmgen.errors import PublishError
from smmgen.publish import vk
from smmgen.publish.base import AdapterContext
from smmgen.publish.doctor.health import Report

NEEDS = {"wall": "posting and deleting", "photos": "uploading cards"}
USER_TOKEN = 27            # "Group authorization failed": a community-token method called with a user token
EDITOR = 2


def check(ctx: AdapterContext, report: Report) -> None:
    # The adapter's own method calls: VK's errors come in a 200's body, and its retries of them are the same.
    adapter = vk.open(ctx)
    group = int(ctx.setting("group_id"))
    try:
        permissions = _call(adapter, "groups.getTokenPermissions", {}, tolerate=USER_TOKEN)
        if permissions is None:
            _user_token(adapter, group, report)
        else:
            _community_token(adapter, permissions, group, bool(ctx.setting("native_scheduling", False)), report)
    finally:
        adapter.close()


def _call(adapter: vk.Vk, method: str, params: dict[str, Any], *, tolerate: int | None = None) -> Any:
    try:
        return adapter._method(method, params, resend=True)
    except PublishError as e:
        # VK's code is in the message (error 27, a user token, is an AuthError there); one expected is no failure.
        if tolerate is not None and f"(VK error {tolerate})" in e.detail:
            return None
        raise


def _groups(answer: Any) -> list[dict[str, Any]]:
    # API 5.199 answers {"groups": [...], "profiles": [...]}; versions before 5.194 a plain list.
    return list(answer.get("groups") or []) if isinstance(answer, dict) else list(answer or [])


def _community_token(adapter: vk.Vk, permissions: dict[str, Any], group: int, native: bool, report: Report) -> None:
    names = tuple(str(p.get("name")) for p in permissions.get("permissions") or [])
    report.scopes = names
    found = _groups(_call(adapter, "groups.getById", {}))
    if found:
        g = found[0]
        report.who = f"{g.get('name')} (club{g.get('id')})"
        if int(g.get("id") or 0) != group:
            report.error("account.mismatch", f"the token is community {g.get('id')}'s, but [publish.vk] group_id is "
                         f"{group}; use that community's token (or correct group_id)")
    needs = {**NEEDS, **({"manage": "VK's own scheduling (native_scheduling)"} if native else {})}
    lacking = [f"{name} ({why})" for name, why in needs.items() if name not in names]
    if lacking:
        report.error("scope.missing", f"the community token lacks {', '.join(lacking)}; create a token with "
                     f"{', '.join(needs)} in the community's API settings")
    if "video" not in names:
        report.note("scope.video", "the token has no video right: articles with a video cannot upload it")


def _user_token(adapter: vk.Vk, group: int, report: Report) -> None:
    (user,) = _call(adapter, "users.get", {})[:1]
    found = _groups(_call(adapter, "groups.getById", {"group_id": group, "fields": "is_admin,admin_level"}))
    g = found[0] if found else {}
    report.who = f"{user.get('first_name')} {user.get('last_name')} (id{user.get('id')})"
    level = int(g.get("admin_level") or 0) if g.get("is_admin") else 0
    report.scopes = (f"admin_level {level}",)
    if level < EDITOR:
        report.error("permission.missing", f"id{user.get('id')} is no editor or administrator of community {group} "
                     "(posting as the community needs admin_level 2 or 3); use a community token or an editor's")
