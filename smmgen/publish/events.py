"""What a publish run is told and what it tells: its options and policies, and the ``Event`` it reports for
each decision (the CLI prints them, counted by ``COLUMNS``), with the wording shared by every decision."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from smmgen.errors import PublishError, RateLimited, SmmgenError
from smmgen.publish.base import Post

# Columns of the summary, in order; an Event's outcome is one of these, "warning", "held" (never to be posted:
# the CLI counts these in one line, an archive can hold thousands) or "quiet" (see Options.explain).
COLUMNS = ("posted", "edited", "deleted", "not due", "skipped", "failed", "unknown")
PREFLIGHT_MAX_WAIT = dt.timedelta(hours=6)


@dataclass(frozen=True)
class Options:
    now: dt.datetime
    dry_run: bool = False
    only: str | None = None          # one platform
    limit: int | None = None         # at most this many new posts (creates and reposts) in this run
    force: bool = False              # post again what an earlier run could not confirm
    force_delete: bool = False       # delete posts of removed articles beyond the RemovalLimit
    allow_many: bool = False         # post even more than [publish] max_posts_per_run in this run
    explain: bool = False            # also report what needs nothing done (``publish --dry-run --json``)
    preflight: bool = True           # check the article page and cards are live before posting (--no-preflight)


@dataclass(frozen=True)
class RemovalLimit:
    """``[publish] removal_limit`` and ``removal_share``: how many articles with live posts may leave the
    manifest in one run before the run refuses to delete their posts (a partial build, a wrong manifest)."""

    articles: int = 3                # this many, or
    share: float = 0.1               # this share of the articles with live posts, whichever is more

    def allowed(self, live_articles: int) -> int:
        return max(self.articles, int(self.share * live_articles))


@dataclass(frozen=True)
class Policy:
    """``[platforms.<name>]`` on_change and delete_retracted."""

    on_change: str = "warn"          # "warn" | "edit" | "repost"
    delete_retracted: bool = True    # delete posts of retracted or removed articles
    # With [publish.<name>] native_scheduling on: how far ahead (min, max) the platform's own scheduler takes
    # a post. A not-yet-due entry inside that window is handed over now, so it appears on time on its own.
    schedule_window: tuple[dt.timedelta, dt.timedelta] | None = None


@dataclass(frozen=True)
class Event:
    """One thing the run did (or, with ``dry``, would do)."""

    entry_id: str
    platform: str
    outcome: str                     # a COLUMNS name, or "warning"
    detail: str = ""
    url: str | None = None
    dry: bool = False
    parts: tuple[str, ...] = ()      # dry runs: exactly the text that would be posted
    media: tuple[str, ...] = ()      # dry runs: the files that would be uploaded
    publish_at: dt.datetime | None = None   # the entry's (or the ledger record's) planned time

    @property
    def action(self) -> str:
        """What this decision does to the post: post, edit, delete, wait or skip (``publish --dry-run --json``)."""
        return ACTIONS.get(self.outcome, "skip")


# How each outcome reads as an action; everything else (a warning, an unconfirmed post, a refusal, and the
# "quiet" decisions that need nothing done, reported only with Options.explain) leaves the post as it is.
ACTIONS = {"posted": "post", "edited": "edit", "deleted": "delete", "not due": "wait"}


class CouldNotTell(SmmgenError):
    """A create whose answer was lost, and the platform could not be asked whether the post exists."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def hours(delta: dt.timedelta) -> str:
    """``6 h``, ``2 h 5 min``, ``45 min``."""
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    return " ".join(p for p in (f"{hours} h" if hours else "", f"{minutes} min" if minutes or not hours else "") if p)


def what_is_posted(post: Post) -> str:
    bits = [f"{len(post.parts)} parts" if len(post.parts) > 1 else ""]
    if post.link:
        bits.append(f"link {post.link}")
    return ", ".join(b for b in bits if b)


def describe(e: BaseException) -> str:
    # A PublishError's detail leaves out the platform and entry the event names already; other errors
    # (a ConfigError naming its key) are shown whole.
    detail = (e.detail if isinstance(e, PublishError) else getattr(e, "message", None)) or str(e)
    status = getattr(e, "status", None)
    text = f"{detail} (HTTP {status})" if status and f"HTTP {status}" not in detail else detail
    if isinstance(e, RateLimited) and e.retry_after is not None:
        text += f"; asked to wait {e.retry_after:.0f} s, beyond this run's retry budget"
    return text
