"""Expiries a platform will not honour: the post would stay up after its ``expire_at``.

Pure checks over a post's platform and times, with no network: the build adds what they find to each cut's
warnings (so ``build``, ``check`` and the preview report the same list), and ``smmgen.publish.checks`` applies
them to manifest entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from smmgen import facts

# Publish runs every 10-15 minutes, so a post goes out after publish_at and is deleted after expire_at:
# an expiry needs this much room inside the window to be deleted in time.
SCHEDULE_SLACK = dt.timedelta(minutes=30)


def expiry_warning(platform: str, publish_at: dt.datetime | None, expire_at: dt.datetime | None,
                   site: Any = None) -> str | None:
    """Why the platform will not delete this post at ``expire_at``, or None when it will (or nothing expires).

    ``site`` gives the ``[publish]`` settings (Instagram's API flavour); without it the defaults apply.
    """
    if expire_at is None:
        return None
    if platform == "instagram" and not instagram_can_delete(site):
        return (f"expires {expire_at.strftime('%Y-%m-%dT%H:%M:%SZ')}, but cannot delete on instagram with "
                'api = "instagram_login" (only the Instagram API with Facebook Login can delete posts); the post '
                "would stay up")
    window = facts.PLATFORMS[platform].delete if platform in facts.PLATFORMS else None
    if window is None or window.latest is None or publish_at is None:
        return None
    span = expire_at - publish_at
    if span > window.latest - SCHEDULE_SLACK:
        who, what = _DELETERS.get(platform, (platform, "posts"))
        return (f"expires {hours(span)} after it is posted, but {who} cannot delete {what} older than "
                f"{hours(window.latest)} (leave {hours(SCHEDULE_SLACK)} for the publish schedule); the post would "
                "stay up")
    return None


# Who deletes what, as the warning names them.
_DELETERS = {"telegram": ("Telegram bots", "messages")}


def hours(span: dt.timedelta) -> str:
    h = span.total_seconds() / 3600
    return f"{h:g} h" if h >= 1 else f"{span.total_seconds() / 60:g} min"


def instagram_can_delete(site: Any) -> bool:
    """Deleting IG media needs the Instagram API with Facebook Login (``[publish.instagram] api``)."""
    publish = getattr(site, "publish", None) or {}
    settings = publish.get("instagram") or {}
    return settings.get("api", "facebook_login") == "facebook_login"
