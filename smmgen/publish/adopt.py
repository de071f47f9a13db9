"""``smmgen adopt``: record an existing site's archive in the ledger as already out, so it is never posted.

Pointed at a site with years of articles, every post without ``social.publish_at`` is due from its article's
date, and the first publish run would post the whole archive. Adopting records each post due before a moment
(now, or ``--before``) as ``adopted``: the publisher never posts it, never deletes it, and the plan gives it no
slot. Posts the ledger already knows (posted, in flight, deleted, adopted) are left as they are, so adopting
twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from smmgen.publish.base import iso
from smmgen.publish.ledger import Ledger, Record


@dataclass(frozen=True)
class Due:
    """A post of the current content, at its own time: its explicit publish_at, else its article's date
    (never the plan's slot, which depends on what else is planned)."""

    id: str
    platform: str
    at: dt.datetime


@dataclass(frozen=True)
class Adoption:
    adopted: Counter[str]            # per platform: newly recorded as adopted
    known: int                       # due, but the ledger already has a record
    later: int                       # not due before the moment


def adopt(ledger: Ledger, posts: Iterable[Due], before: dt.datetime, now: dt.datetime) -> Adoption:
    """Record every post due before ``before`` that the ledger has no record of, or only a ``pending`` one of a
    post never confirmed out, as ``adopted``; write the ledger once."""
    adopted: Counter[str] = Counter()
    known = later = 0
    records = []
    for post in sorted(posts, key=lambda p: p.id):
        if post.at >= before:
            later += 1
            continue
        record = ledger.get(post.id)
        if record is not None and not (record.state == "pending" and record.posted_at is None):
            known += 1
            continue
        base = record or Record(id=post.id, platform=post.platform, state="pending")
        records.append(base.with_(state="adopted", publish_at=iso(post.at), adopted_at=iso(now),
                                  last_error=None, entry=None))
        adopted[post.platform] += 1
    if records:
        ledger.put_all(records)
    return Adoption(adopted=adopted, known=known, later=later)
