"""Publish-time problems that ``smmgen check`` can report before anything is posted.

Pure functions over cuts or manifest entries; imports nothing of the network side, so the build may call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

# Bot API deleteMessage: "A message can only be deleted if it was sent less than 48 hours ago."
TELEGRAM_DELETE_WINDOW = dt.timedelta(hours=48)
# Publish runs every 10-15 minutes, so a post goes out after publish_at and is deleted after expire_at:
# an expiry needs this much room inside the window to be deleted in time.
SCHEDULE_SLACK = dt.timedelta(minutes=30)


def warnings(entries: Iterable[Any], site: Any = None) -> list[str]:
    """One line per entry whose expiry the platform will not honour, e.g.
    ``budget-vote@telegram: expires 72 h after it is posted, but Telegram bots cannot delete messages
    older than 48 h; the post would stay up``.

    ``entries`` are ``Cut`` objects or manifest entry dicts (``id``, ``platform``, ``publish_at``,
    ``expire_at``). ``site`` gives the ``[publish]`` settings (Instagram's API flavour); without it the
    defaults apply.
    """
    found = []
    instagram_deletes = _instagram_can_delete(site)
    for entry in entries:
        platform, entry_id = _get(entry, "platform"), _get(entry, "id")
        publish_at, expire_at = _time(_get(entry, "publish_at")), _time(_get(entry, "expire_at"))
        if platform == "instagram" and expire_at is not None and not instagram_deletes:
            found.append(f"{entry_id}: expires {expire_at.strftime('%Y-%m-%dT%H:%M:%SZ')}, but cannot delete on "
                         'instagram with api = "instagram_login" (only the Instagram API with Facebook Login '
                         "can delete posts); the post would stay up")
            continue
        if platform != "telegram" or publish_at is None or expire_at is None:
            continue
        span = expire_at - publish_at
        if span > TELEGRAM_DELETE_WINDOW - SCHEDULE_SLACK:
            found.append(f"{entry_id}: expires {_hours(span)} after it is posted, but Telegram bots cannot "
                         f"delete messages older than 48 h (leave {_hours(SCHEDULE_SLACK)} for the publish "
                         "schedule); the post would stay up")
    return found


def _get(entry: Any, key: str) -> Any:
    return entry.get(key) if isinstance(entry, dict) else getattr(entry, key, None)


def _time(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _hours(span: dt.timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} h" if hours >= 1 else f"{span.total_seconds() / 60:g} min"


def _instagram_can_delete(site: Any) -> bool:
    """Deleting IG media needs the Instagram API with Facebook Login (``[publish.instagram] api``)."""
    publish = getattr(site, "publish", None) or {}
    settings = publish.get("instagram") or {}
    return settings.get("api", "facebook_login") == "facebook_login"
