"""Publish-time problems that ``smmgen check`` can report before anything is posted.

Pure functions over cuts or manifest entries; the checks themselves live in ``smmgen.plan.expiry``, which the build
runs on every cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from smmgen.manifest_model import utc_time
from smmgen.plan.expiry import expiry_warning


def warnings(entries: Iterable[Any], site: Any = None) -> list[str]:
    """One line per entry whose expiry the platform will not honour, e.g.
    ``budget-vote@telegram: expires 72 h after it is posted, but Telegram bots cannot delete messages
    older than 48 h; the post would stay up``.

    ``entries`` are ``Cut`` objects or manifest entry dicts (``id``, ``platform``, ``publish_at``,
    ``expire_at``). ``site`` gives the ``[publish]`` settings (Instagram's API flavour); without it the
    defaults apply.
    """
    found = []
    for entry in entries:
        warning = expiry_warning(_get(entry, "platform"), _time(_get(entry, "publish_at")),
                                 _time(_get(entry, "expire_at")), site)
        if warning is not None:
            found.append(f"{_get(entry, 'id')}: {warning}")
    return found


def _get(entry: Any, key: str) -> Any:
    return entry.get(key) if isinstance(entry, dict) else getattr(entry, key, None)


def _time(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return utc_time(str(value))
