"""When a cut goes out and when it disappears, from front matter (per platform overrides win)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smmgen.content.article import Article

UTC = dt.UTC


@dataclass(frozen=True)
class Timing:
    """Where a cut's times come from, so the plan can keep explicit times and move everything else.

    ``basis`` says how ``publish_at`` was chosen: ``"explicit"`` (written in front matter), ``"date"`` (the
    article's date; no plan rules for the platform), and after planning also ``"slot"`` (the plan's next free
    slot), ``"published"`` (kept at the time recorded in the publisher's ledger) or ``"held"`` (never goes out:
    adopted, older than ``[publish] not_before``, or no free slot; ``hold`` says which).
    """

    field: str                                  # front-matter key that set publish_at: "date",
                                                # "social.publish_at" or "social.<platform>.publish_at"
    line: int | None                            # where that key is written in the article
    expire_after: dt.timedelta | None = None    # a relative expiry, which moves with publish_at
    basis: str = "date"
    article_date: dt.datetime | None = None     # the article's own date (UTC): [publish] not_before reads it
    hold: str | None = None                     # set by the plan: why this post never goes out

    @property
    def explicit(self) -> bool:
        return self.basis == "explicit"


def resolve(article: Article, platform: str) -> tuple[dt.datetime, dt.datetime | None]:
    """``(publish_at, expire_at)`` in UTC. Without an explicit time a cut is due at the article's date, or at its
    publishDate when that is later; without an explicit expiry it expires with the page (expiryDate)."""
    social = article.social
    override = social.override(platform)
    publish_at = override.publish_at or social.publish_at or article.publish_date or article.date
    if override.expire_at or override.expire_after:
        expire_at = override.expire_at or publish_at + override.expire_after
    elif social.expire_at or social.expire_after:
        expire_at = social.expire_at or publish_at + social.expire_after
    else:
        expire_at = article.expiry_date
    return publish_at.astimezone(UTC), (expire_at.astimezone(UTC) if expire_at else None)


def timing(article: Article, platform: str) -> Timing:
    """How ``resolve`` chose this platform's times: which key set publish_at, and a relative expiry."""
    social = article.social
    override = social.override(platform)
    if override.publish_at:
        field = f"social.{platform}.publish_at"
    elif social.publish_at:
        field = "social.publish_at"
    else:
        field = "publishDate" if article.publish_date else "date"
    if override.expire_at or override.expire_after:
        expire_after = None if override.expire_at else override.expire_after
    else:
        expire_after = None if social.expire_at else social.expire_after
    return Timing(field=field, line=article.line(field), expire_after=expire_after,
                  basis="date" if field in ("date", "publishDate") else "explicit",
                  article_date=article.date.astimezone(UTC))
