"""Publish-time problems that ``smmgen check`` can report before anything is posted.

Pure functions over cuts or manifest entries; the checks themselves live in ``smmgen.plan.expiry``, which the build
runs on every cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from smmgen.plan.expiry import expiry_warning


class Scheduled(Protocol):
    """What the checks read of a post: a ``ManifestEntry`` or a build's ``Cut``."""

    @property
    def id(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def publish_at(self) -> dt.datetime: ...
    @property
    def expire_at(self) -> dt.datetime | None: ...


def warnings(entries: Iterable[Scheduled], site: Any = None) -> list[str]:
    """One line per entry whose expiry the platform will not honour, e.g.
    ``budget-vote@telegram: expires 72 h after it is posted, but Telegram bots cannot delete messages
    older than 48 h; the post would stay up``.

    ``entries`` are ``Cut`` or ``ManifestEntry`` values: both carry ``id``, ``platform`` and their times as
    aware datetimes. ``site`` gives the ``[publish]`` settings (Instagram's API flavour); without it the
    defaults apply.
    """
    found = []
    for entry in entries:
        warning = expiry_warning(entry.platform, entry.publish_at, entry.expire_at, site)
        if warning is not None:
            found.append(f"{entry.id}: {warning}")
    return found
