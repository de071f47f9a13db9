"""The publish run: for every manifest entry and every ledger record, decide what is due, do it once, and
report each step as an ``Event`` (the CLI prints them; nothing here prints).

Per platform, in publish order: an intent left by an interrupted run is reconciled with the platform first
(never blindly re-posted); then an entry is posted when due, deleted when expired, retracted or removed,
and edited, reposted or warned about when its content changed after posting. Before each create an intent
is written to the ledger; after every change the ledger is written again. One platform failing never stops
another: each has its own adapter, retry budget and error handling.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from smmgen.config import schema as s
from smmgen.errors import AuthError, ConfigError, ContentError, PublishError, RateLimited, SmmgenError, TransientError
from smmgen.publish.base import Adapter, AdapterContext, Lookup, MaybeDone, Post, Posted, iso, parse_time
from smmgen.publish.guard import guarded, unguarded
from smmgen.publish.http import Budget, HttpConfig
from smmgen.publish.ledger import Ledger, Record
from smmgen.publish.lock import acquire
from smmgen.publish.manifest_reader import Entry, Settled, read_entry, read_manifest, thaw
from smmgen.publish.preflight import Preflight, open_preflight
from smmgen.site_files import inside

log = logging.getLogger(__name__)

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


AdapterOpener = Callable[[str, str, Budget], Adapter]
"""Opens the adapter of (platform, account) with the run's retry budget for that account."""


class _RecordChecked:
    """An adapter whose ``delete`` and ``edit`` report a ledger record they cannot use (a hand-edited ``remote``
    or ``remote_id`` of the wrong type) as an error naming it, not a traceback. Not final: once the record is
    put right, the next run tries again."""

    def __init__(self, adapter: Adapter, name: str):
        self._adapter, self.name = adapter, name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._adapter, attr)

    def delete(self, posted: Posted) -> None:
        with self._usable():
            self._adapter.delete(posted)

    def edit(self, posted: Posted, post: Post) -> Posted:
        with self._usable():
            return self._adapter.edit(posted, post)

    @contextlib.contextmanager
    def _usable(self) -> Iterator[None]:
        try:
            yield
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise PublishError(self.name, f"the ledger's record of this post is not one smmgen wrote "
                               f"({type(e).__name__}: {str(e)[:120]}); restore the ledger from git",
                               transient=True) from None


class _Platform:
    """One account's adapter, opened on first use (so a run with nothing to do needs no credentials). Each
    account has its own adapter, credentials and retry budget, as each has its own rate limits."""

    def __init__(self, name: str, opener: AdapterOpener, budget: Budget, account: str | None = None):
        self.name, self.budget = name, budget
        self.account = account or name
        self._opener = opener
        self._adapter: Adapter | None = None
        self._error: SmmgenError | None = None

    def adapter(self) -> Adapter:
        if self._error is not None:
            raise self._error
        if self._adapter is None:
            try:
                # The record check sits next to the adapter, inside the guard against unexpected answers, so
                # that a record it cannot use is named as such rather than as the platform's answer.
                self._adapter = guarded(_RecordChecked(unguarded(self._opener(self.name, self.account, self.budget)),
                                                      self.name))
            except SmmgenError as e:
                self._error = e
                raise
        return self._adapter

    def close(self) -> None:
        if self._adapter is not None:
            self._adapter.close()


@dataclass
class Publisher:
    entries: Sequence[Entry]
    ledger: Ledger
    options: Options
    open_adapter: AdapterOpener
    base_dir: Path
    http: HttpConfig = field(default_factory=HttpConfig)
    policies: Mapping[str, Policy] = field(default_factory=dict)
    known_platforms: Sequence[str] | None = None    # platforms with an adapter; None: all
    removal_limit: RemovalLimit = field(default_factory=RemovalLimit)
    site: str | None = None          # the site's base_url: the ledger must be this site's
    not_before: dt.datetime | None = None   # [publish] not_before: no post of an older article goes out
    max_posts: int | None = None     # [publish] max_posts_per_run: more new posts than this stop the run
    preflight: Preflight | None = None   # the page and cards must be live before a post goes out
    preflight_max_wait: dt.timedelta = PREFLIGHT_MAX_WAIT   # after publish_at; then waiting is a failure
    settled: Sequence[Settled] = ()  # the manifest's stubs: posts the ledger had done with this content
    _created: int = 0

    @property
    def now(self) -> dt.datetime:
        return self.options.now

    def run(self) -> Iterator[Event]:
        in_manifest = {e.id for e in self.entries} | {s.id for s in self.settled}
        removed = [r for r in self.ledger.records() if r.id not in in_manifest]
        # Every check before anything is done: whose ledger, its copies of entries, how much would go.
        claimed = self.site is not None and self.ledger.claim(self.site)
        copies = self._copies()
        self._check_removals(removed)
        guarded = self.max_posts is not None and self.options.limit is None and not self.options.allow_many
        if guarded and not self.options.dry_run:
            self._check_posts()
        if claimed:
            self.ledger.save()
            yield Event(self.ledger.shown, "ledger", "warning",
                        f"the ledger named no site (an older smmgen wrote it); it is {self.ledger.site}'s from "
                        "now on" + (" (a real run records this)" if self.options.dry_run else ""))
        # One account after the other: per platform (by name), its default account first.
        accounts = sorted({(e.platform, e.account or e.platform) for e in self.entries}
                          | {(s.platform, s.account) for s in self.settled}
                          | {(r.platform, r.account) for r in removed},
                          key=lambda pa: (pa[0], pa[1] != pa[0], pa[1]))
        warned: set[str] = set()
        for name, account in accounts:
            if self.options.only and self.options.only not in (name, account):
                continue
            entries: list[Entry | Settled] = sorted(
                (e for e in (*self.entries, *self.settled) if e.platform == name and (e.account or name) == account),
                key=lambda e: (e.publish_at, e.id))
            if self.known_platforms is not None and name not in self.known_platforms:
                if name not in warned:
                    warned.add(name)
                    count = sum(e.platform == name for e in (*self.entries, *self.settled))
                    yield Event(f"*@{name}", name, "warning", f"smmgen has no publisher for {name} yet: "
                                f"{count} entries not published")
                continue
            platform = _Platform(name, self.open_adapter, Budget(self.http.retry_budget), account)
            try:
                for entry in entries:
                    decided = (self._settled(platform, entry) if isinstance(entry, Settled)
                               else self._entry(platform, entry, copies))
                    for event in decided:
                        yield replace(event, publish_at=entry.publish_at)
                gone = [r for r in removed if r.platform == name and r.account == account]
                for record in gone:
                    for event in self._removed(platform, record, copies,
                                               manifest_empty=not (self.entries or self.settled)):
                        yield replace(event, publish_at=parse_time(record.publish_at))
            finally:
                platform.close()
        if guarded and self.options.dry_run and self._created > self.max_posts:
            yield Event(self.ledger.shown, "ledger", "warning", self._too_many(self._created))

    def _check_posts(self) -> None:
        """Refuse, before posting anything, a run that would make more new posts than [publish]
        max_posts_per_run: the decisions of a dry run of the same entries and ledger, counted."""
        probe = Publisher(entries=self.entries, options=replace(self.options, dry_run=True, explain=False),
                          ledger=Ledger(self.ledger.path, {r.id: r for r in self.ledger.records()},
                                        read_only=True, site=self.ledger.site, shown=self.ledger.shown),
                          open_adapter=self.open_adapter, base_dir=self.base_dir, http=self.http,
                          policies=self.policies, known_platforms=self.known_platforms,
                          removal_limit=self.removal_limit, not_before=self.not_before,
                          preflight=self.preflight, preflight_max_wait=self.preflight_max_wait,
                          settled=self.settled)
        for _ in probe.run():
            pass
        if probe._created > (self.max_posts or 0):
            raise SmmgenError(self._too_many(probe._created) + ". Nothing was posted")

    def _too_many(self, count: int) -> str:
        return (f"publish: this run would make {count} new posts, more than [publish] max_posts_per_run = "
                f"{self.max_posts} allows (an archive that was never adopted? see `smmgen adopt` and [publish] "
                "not_before); run with --limit N to post the first N, or --allow-many to post them all")

    def _copies(self) -> dict[str, Entry]:
        """The ledger's copies of entries in flight, checked like the manifest's before anything is sent
        (their files only need to stay inside the output folder: a later build may have replaced them)."""
        return {r.id: read_entry(r.entry, self.base_dir, shown=self.ledger.shown, label=r.id, field_prefix="entry.",
                                 require_files=False)
                for r in self.ledger.records() if r.entry is not None}

    def _check_removals(self, removed: Sequence[Record]) -> None:
        """Refuse, before doing anything, to delete the posts of more removed articles than the limit allows:
        many articles gone at once is more likely a partial or wrong manifest than an editor's decision."""
        if not (self.entries or self.settled) or self.options.force_delete:
            return      # an empty manifest deletes nothing (each record says so)

        def in_scope(record: Record) -> bool:
            return ((not self.options.only or self.options.only in (record.platform, record.account))
                    and (self.known_platforms is None or record.platform in self.known_platforms)
                    and self._policy(record.platform, record.account).delete_retracted)

        live = {_article(r.id) for r in self.ledger.records() if r.state == "posted" and in_scope(r)}
        doomed = [r for r in removed if r.state == "posted" and not r.delete_refused and in_scope(r)
                  and not self._moved(r)]
        articles = sorted({_article(r.id) for r in doomed})
        allowed = self.removal_limit.allowed(len(live))
        if len(articles) <= allowed:
            return
        named = ", ".join(articles[:5]) + (f" and {len(articles) - 5} more" if len(articles) > 5 else "")
        raise SmmgenError(
            f"publish: {len(articles)} of {len(live)} articles with live posts are gone from the manifest "
            f"({named}); deleting their {len(doomed)} posts is more than one run may do ([publish] "
            f"removal_limit = {self.removal_limit.articles}, removal_share = {self.removal_limit.share:g}). "
            "Nothing was done. If the manifest is incomplete, rebuild it; if these articles really were "
            "removed, run again with --force-delete")

    def _policy(self, platform: str, account: str) -> Policy:
        """The account's on_change and delete_retracted (its platform's unless it sets its own)."""
        return self.policies.get(account) or self.policies.get(platform) or Policy()

    @cached_property
    def _routed(self) -> frozenset[tuple[str, str]]:
        return frozenset((_article(e.id), e.platform) for e in (*self.entries, *self.settled))

    def _moved(self, record: Record) -> bool:
        """Whether the record's article is still in the manifest for the same platform, routed to another
        account (a new [accounts] table took it): its post stays where it went out, and is not deleted."""
        return (_article(record.id), record.platform) in self._routed

    # --- decisions -----------------------------------------------------------------------------------------

    def _entry(self, platform: _Platform, entry: Entry, copies: Mapping[str, Entry]) -> Iterator[Event]:
        """Every decision about one manifest entry; the dry run, its JSON and the real run all come from here."""
        post = Post.of(entry, self.now)
        record = self.ledger.get(post.entry_id)
        policy = self._policy(platform.name, platform.account)

        if record is not None and record.state == "intent":
            record, event = self._reconcile(platform, record, copies.get(record.id))
            if event is not None:
                yield event
            if record.state in ("intent", "unknown"):
                return

        state = record.state if record is not None else "pending"
        if state == "pending":
            if post.retracted:
                yield from self._quiet(entry.id, platform.name, "retracted before it was posted")
            elif entry.hold is not None:
                yield Event(post.entry_id, platform.name, "held", f"held by the build: {entry.hold}")
            elif (self.not_before is not None and entry.article_date is not None
                  and entry.article_date < self.not_before):
                yield Event(post.entry_id, platform.name, "held",
                            f"the article is dated {iso(entry.article_date)}, before [publish] not_before "
                            f"{iso(self.not_before)}")
            elif post.expire_at is not None and post.expire_at <= self.now:
                yield Event(post.entry_id, platform.name, "skipped",
                            f"expired {iso(post.expire_at)} before it was posted")
            elif post.publish_at > self.now and not _schedulable(policy, post.publish_at - self.now):
                yield Event(post.entry_id, platform.name, "not due", f"due {iso(post.publish_at)}")
            else:
                yield from self._create_when_live(platform, entry, post, record)
        elif state == "unknown":
            if self.options.force:
                yield from self._create_when_live(platform, entry, post, record)
            else:
                yield Event(post.entry_id, platform.name, "unknown",
                            f"could not tell whether the post of {record.intent_at} went out "
                            f"({record.last_error}); check the platform, then run with --force to post it "
                            "again")
        elif state == "posted":
            assert record is not None
            if post.retracted and policy.delete_retracted:
                yield from self._delete(platform, record, "the article is retracted")
            elif post.expire_at is not None and post.expire_at <= self.now:
                yield from self._delete(platform, record, f"expired {iso(post.expire_at)}")
            elif record.content_hash != post.content_hash:
                yield from self._changed(platform, post, record, policy)
            else:
                yield from self._quiet(entry.id, platform.name, f"posted {record.posted_at}, unchanged")
        elif state == "adopted":
            yield from self._quiet(entry.id, platform.name, "adopted: it was out before smmgen published this "
                                   "site; never posted")
        elif state == "deleted":
            assert record is not None
            yield from self._quiet(entry.id, platform.name, f"deleted {record.deleted_at}")

    def _settled(self, platform: _Platform, stub: Settled) -> Iterator[Event]:
        """A settled entry: nothing to do while the ledger still records its post as the build saw it. A stub
        has no text, so anything else (a record lost or rolled back, other content) can only be reported: a
        build from the ledger as it is now writes the entry in full again, and the next run acts on it."""
        record = self.ledger.get(stub.id)
        if record is not None and record.content_hash == stub.content_hash and record.state in ("posted", "deleted"):
            when = record.deleted_at if record.state == "deleted" else record.posted_at
            yield from self._quiet(stub.id, platform.name, f"{record.state} {when}, unchanged (settled)")
            return
        now = "no record of it" if record is None else (
            f"{record.state}" + (" with other content" if record.content_hash != stub.content_hash else ""))
        yield Event(stub.id, platform.name, "failed",
                    f"the manifest carries this post as settled ({stub.state} when it was built), but the ledger "
                    f"now says {now}; rebuild the manifest (`smmgen build`) and publish again")

    def _quiet(self, entry_id: str, platform: str, reason: str) -> Iterator[Event]:
        """A decision that needs nothing done: reported only when asked to explain every decision."""
        if self.options.explain:
            yield Event(entry_id, platform, "quiet", reason)

    def _removed(self, platform: _Platform, record: Record, copies: Mapping[str, Entry], *,
                 manifest_empty: bool) -> Iterator[Event]:
        if record.state == "intent":
            record, event = self._reconcile(platform, record, copies.get(record.id))
            if event is not None:
                yield event
        if record.state == "unknown":
            yield Event(record.id, platform.name, "unknown", "removed from content, and an earlier post of "
                        "it could not be confirmed; check the platform")
            return
        if record.state != "posted":
            yield from self._quiet(record.id, platform.name, f"removed from content; {record.state}, "
                                   "nothing is live to delete")
            return
        policy = self._policy(platform.name, platform.account)
        if self._moved(record):
            yield from self._quiet(record.id, platform.name, "the article now goes to another account of "
                                   f"{platform.name}; this post stays where it went out (delete it by hand if "
                                   "it should go)")
        elif policy.delete_retracted and manifest_empty:
            # An empty manifest is more likely a broken build than every article removed at once.
            yield Event(record.id, platform.name, "warning", "the manifest has no entries: not deleting "
                        "posts of removed articles until it has")
        elif policy.delete_retracted:
            yield from self._delete(platform, record, "removed from content")
        else:
            expire_at = parse_time(record.expire_at)
            if expire_at is not None and expire_at <= self.now:
                yield from self._delete(platform, record, f"expired {record.expire_at}")
            else:
                yield from self._quiet(record.id, platform.name, "removed from content; the post stays "
                                       "(delete_retracted is off)")

    # --- actions -------------------------------------------------------------------------------------------

    def _reconcile(self, platform: _Platform, record: Record, copy: Entry | None) -> tuple[Record, Event | None]:
        """An intent from an interrupted run: ask the platform whether that post went out."""
        if self.options.dry_run:
            return record, Event(record.id, platform.name, "unknown", "an earlier run was interrupted while "
                                 "posting this; a real run asks the platform first", dry=True)
        if copy is None:
            updated = record.with_(state="unknown",
                                   last_error="interrupted, and no copy of the entry to look up")
            self.ledger.put(updated)
            return updated, Event(record.id, platform.name, "unknown", updated.last_error or "")
        post = Post.of(copy, parse_time(record.intent_at) or self.now)
        try:
            look = platform.adapter().find(post, parse_time(record.intent_at))
        except SmmgenError as e:
            updated = record.with_(last_error=_describe(e))
            self.ledger.put(updated)
            outcome = "unknown" if getattr(e, "transient", False) else "failed"
            return updated, Event(record.id, platform.name, outcome,
                                  f"could not check an interrupted post: {_describe(e)}")
        if look.found:
            assert look.posted is not None
            updated = self._posted_record(record, look.posted, posted_at=record.intent_at)
            self.ledger.put(updated)
            return updated, Event(record.id, platform.name, "posted",
                                  "found on the platform: an interrupted run had posted it",
                                  url=look.posted.url)
        if look.known:
            updated = record.with_(state="pending", entry=None,
                                   last_error="an interrupted post did not go out")
            self.ledger.put(updated)
            return updated, None
        updated = record.with_(state="unknown", last_error=look.why)
        self.ledger.put(updated)
        return updated, Event(record.id, platform.name, "unknown",
                              f"an interrupted run may have posted this: {look.why}; "
                              "check the platform, then run with --force to post it again")

    def _create_when_live(self, platform: _Platform, entry: Entry, post: Post,
                          record: Record | None) -> Iterator[Event]:
        """Create, once the preflight finds the article page and cards live; until then the entry waits
        (nothing is sent, nothing recorded) and a later run tries again, up to preflight_max_wait after its
        publish_at, when waiting becomes a failure."""
        why = self.preflight.waiting(entry) if self.preflight is not None else None
        if why is None:
            yield from self._create(platform, post, record)
            return
        late = self.now - post.publish_at
        if late > self.preflight_max_wait:
            yield Event(post.entry_id, platform.name, "failed",
                        f"page not live {_hours(late)} after its publish time, beyond [publish] preflight_max_wait "
                        f"= {_hours(self.preflight_max_wait)}: {why}; fix the site or its deploy (or publish "
                        "with --no-preflight)", dry=self.options.dry_run)
            return
        yield Event(post.entry_id, platform.name, "not due", f"wait: page not live yet ({why})",
                    dry=self.options.dry_run)

    def _create(self, platform: _Platform, post: Post, record: Record | None) -> Iterator[Event]:
        if self.options.limit is not None and self._created >= self.options.limit:
            yield Event(post.entry_id, platform.name, "skipped",
                        f"due, held back by --limit {self.options.limit}")
            return
        self._created += 1
        if self.options.dry_run:
            refused = _refused(platform)
            if refused:
                yield Event(post.entry_id, platform.name, "failed", refused, dry=True)
                return
            yield Event(post.entry_id, platform.name, "posted", _what(post), dry=True, parts=post.parts,
                        media=tuple(f"{m.path.name} ({m.role}, alt: {m.alt!r})"
                                    for m in (*post.media, *((post.video,) if post.video else ()))))
            return
        base = record or Record(id=post.entry_id, platform=platform.name, state="pending")
        try:
            adapter = platform.adapter()
        except SmmgenError as e:
            self.ledger.put(base.with_(last_error=_describe(e)))
            yield Event(post.entry_id, platform.name, "failed", _describe(e))
            return
        intent = base.with_(state="intent", content_hash=post.content_hash, key=post.key,
                            intent_at=iso(self.now), publish_at=iso(post.publish_at),
                            expire_at=iso(post.expire_at), attempts=base.attempts + 1,
                            last_error=None, remote={}, remote_id=None, url=None, posted_at=None, deleted_at=None,
                            entry=_entry_copy(self.entries, post.entry_id))
        self.ledger.put(intent)
        try:
            posted = self._create_checked(platform, adapter, post)
        except CouldNotTell as e:
            self.ledger.put(intent.with_(state="unknown", last_error=e.why))
            yield Event(post.entry_id, platform.name, "unknown",
                        f"{e.why}; check the platform, then run with --force to post it again")
        except MaybeDone as e:
            # Not confirmed either way and the platform could not be asked now: the next run asks.
            self.ledger.put(intent.with_(last_error=_describe(e)))
            yield Event(post.entry_id, platform.name, "unknown",
                        f"{_describe(e)}; not confirmed, the next run checks the platform before posting")
        except PublishError as e:
            self.ledger.put(intent.with_(state="pending", entry=None, last_error=_describe(e)))
            yield Event(post.entry_id, platform.name, "failed", _describe(e))
        else:
            self.ledger.put(self._posted_record(intent, posted, posted_at=iso(self.now)))
            yield Event(post.entry_id, platform.name, "posted", "", url=posted.url)

    def _create_checked(self, platform: _Platform, adapter: Adapter, post: Post) -> Posted:
        """Create; after an answer that may have been lost, look before trying again."""
        for attempt in range(1, self.http.max_attempts + 1):
            try:
                return adapter.create(post)
            except MaybeDone as e:
                try:
                    look: Lookup = adapter.find(post, self.now)
                except PublishError as find_error:
                    if find_error.transient:
                        raise e from None
                    raise
                if look.found:
                    assert look.posted is not None
                    return look.posted
                if not look.known:
                    raise CouldNotTell(f"{_describe(e)}; {look.why}") from None
                cap = min(self.http.backoff_max, self.http.backoff * 2 ** (attempt - 1))
                backoff = random.uniform(0, cap)
                if attempt == self.http.max_attempts or not platform.budget.wait(backoff):
                    raise TransientError(platform.name, f"{_describe(e)}; checked: it did not go out",
                                         entry_id=post.entry_id) from None
        raise AssertionError("unreachable")

    def _delete(self, platform: _Platform, record: Record, reason: str) -> Iterator[Event]:
        if self.options.dry_run:
            refused = _refused(platform)
            yield Event(record.id, platform.name, "failed" if refused else "deleted",
                        f"delete ({reason}): {refused}" if refused else reason, url=record.url, dry=True)
            return
        if record.delete_refused:
            # Said loudly once when it happened; asking again every run would only fail every run.
            yield Event(record.id, platform.name, "warning", f"still online ({reason}): the platform refused "
                        f"to delete it ({record.delete_refused}); remove it by hand", url=record.url)
            return
        try:
            platform.adapter().delete(Posted(record.remote_id or "", record.url, record.remote))
        except SmmgenError as e:
            final = isinstance(e, PublishError) and not e.transient and not isinstance(e, AuthError)
            self.ledger.put(record.with_(last_error=f"delete: {_describe(e)}",
                                         delete_refused=_describe(e) if final else None))
            yield Event(record.id, platform.name, "failed", f"delete ({reason}): {_describe(e)}"
                        + ("; this will not be retried: remove it by hand" if final else ""), url=record.url)
            return
        self.ledger.put(record.with_(state="deleted", deleted_at=iso(self.now), last_error=None))
        yield Event(record.id, platform.name, "deleted", reason, url=record.url)

    def _changed(self, platform: _Platform, post: Post, record: Record, policy: Policy) -> Iterator[Event]:
        if policy.on_change == "warn":
            yield Event(post.entry_id, platform.name, "warning", "changed since it was posted; the post "
                        'stays as it is (set on_change = "edit" or "repost" to update it)', url=record.url)
            return
        if policy.on_change == "edit":
            if self.options.dry_run:
                refused = _refused(platform)
                yield Event(post.entry_id, platform.name, "failed" if refused else "edited",
                            f"edit: {refused}" if refused else _what(post), url=record.url, dry=True,
                            parts=() if refused else post.parts)
                return
            try:
                live = Posted(record.remote_id or "", record.url, record.remote)
                posted = platform.adapter().edit(live, post)
            except SmmgenError as e:
                self.ledger.put(record.with_(last_error=f"edit: {_describe(e)}"))
                yield Event(post.entry_id, platform.name, "failed", f"edit: {_describe(e)}", url=record.url)
                return
            self.ledger.put(record.with_(content_hash=post.content_hash, remote_id=posted.remote_id,
                                         url=posted.url or record.url, remote=posted.remote,
                                         edited_at=iso(self.now), publish_at=iso(post.publish_at),
                                         expire_at=iso(post.expire_at),
                                         last_error=None))
            yield Event(post.entry_id, platform.name, "edited", "", url=posted.url or record.url)
            return
        # repost: take the old post down, then post the new version like a new entry.
        events = list(self._delete(platform, record, "reposting a changed version"))
        yield from events
        if events and events[-1].outcome == "deleted":
            fresh = self.ledger.get(post.entry_id) if not self.options.dry_run else record
            yield from self._create(platform, post, (fresh or record).with_(state="pending"))

    def _posted_record(self, record: Record, posted: Posted, *, posted_at: str | None) -> Record:
        return record.with_(state="posted", remote_id=posted.remote_id, url=posted.url, remote=posted.remote,
                            posted_at=posted_at, entry=None, last_error=None)


def _hours(delta: dt.timedelta) -> str:
    """``6 h``, ``2 h 5 min``, ``45 min``."""
    hours, minutes = divmod(int(delta.total_seconds() // 60), 60)
    return " ".join(p for p in (f"{hours} h" if hours else "", f"{minutes} min" if minutes or not hours else "") if p)


def _article(entry_id: str) -> str:
    return entry_id.rsplit("@", 1)[0]       # an account's ":<name>" follows the "@"


def _refused(platform: _Platform) -> str:
    """Dry runs: why a real run could not act on this platform (a credential missing or malformed, a setting
    missing), or "". Opening the adapter checks exactly that without sending anything."""
    try:
        platform.adapter()
    except SmmgenError as e:
        return _describe(e)
    return ""


def _schedulable(policy: Policy, ahead: dt.timedelta) -> bool:
    return policy.schedule_window is not None and policy.schedule_window[0] <= ahead <= policy.schedule_window[1]


def _entry_copy(entries: Sequence[Entry], entry_id: str) -> Mapping[str, Any] | None:
    return next((thaw(e.json) for e in entries if e.id == entry_id), None)


def _what(post: Post) -> str:
    bits = [f"{len(post.parts)} parts" if len(post.parts) > 1 else ""]
    if post.link:
        bits.append(f"link {post.link}")
    return ", ".join(b for b in bits if b)


def _describe(e: BaseException) -> str:
    # A PublishError's detail leaves out the platform and entry the event names already; other errors
    # (a ConfigError naming its key) are shown whole.
    detail = (e.detail if isinstance(e, PublishError) else getattr(e, "message", None)) or str(e)
    status = getattr(e, "status", None)
    text = f"{detail} (HTTP {status})" if status and f"HTTP {status}" not in detail else detail
    if isinstance(e, RateLimited) and e.retry_after is not None:
        text += f"; asked to wait {e.retry_after:.0f} s, beyond this run's retry budget"
    return text


# --- the run from a site -------------------------------------------------------------------------------

def platform_settings(name: str, publish: Mapping[str, Any]) -> Mapping[str, Any]:
    """``[publish.<name>]`` with its declared defaults filled in, also when the table is absent."""
    from smmgen.config.publish_settings import PLATFORM_SETTINGS

    given = publish.get(name)
    if given is not None:
        return given
    return s.validate({}, PLATFORM_SETTINGS.get(name, {})).values


def publish(site: Any, options: Options, *, manifest_path: Path | None = None,
            ledger_path: Path | None = None, env: Mapping[str, str] | None = None) -> Iterator[Event]:
    """Run the publisher for a loaded ``Site``: read the manifest, hold the ledger lock, yield events."""
    from smmgen.config.accounts import accounts as site_accounts
    from smmgen.config.publish_settings import MAX_POSTS_PER_RUN, floor_time
    from smmgen.publish import registry

    settings = dict(site.publish or {})
    env = os.environ if env is None else env
    manifest_path = manifest_path or site.output_dir / "manifest.json"
    if ledger_path is None:
        # From the site's own files: it must stay inside the site (an explicit --ledger is the operator's).
        ledger_path = site.root / (settings.get("ledger") or ".smmgen/ledger.json")
        if inside(ledger_path, Path(os.path.realpath(site.root))) is None:
            raise ConfigError(site.rel(ledger_path), "publish.ledger", f"leads to {os.path.realpath(ledger_path)}, "
                              "outside the site folder; keep the ledger in the site (or pass --ledger)")
    named = {a.name: a for a in site_accounts(site) if not a.is_default}
    if options.only and options.only not in registry.names() and options.only not in named:
        known = ", ".join([*registry.names(), *named])
        raise SmmgenError(f"--only {options.only}: no publisher by that name, nor an account (known: {known})")
    manifest = read_manifest(manifest_path, shown=site.rel(manifest_path))
    if manifest.base_url.rstrip("/") != site.base_url.rstrip("/"):
        raise ContentError(site.rel(manifest_path), None, "site.base_url",
                           f"built for {manifest.base_url}, but [site] base_url in smmgen.toml is {site.base_url}; "
                           "publish this site's own manifest (rebuild it with `smmgen build`)")
    removal_limit = RemovalLimit(articles=settings.get("removal_limit", RemovalLimit.articles),
                                 share=settings.get("removal_share", RemovalLimit.share))
    http = HttpConfig.from_settings(settings)
    policies = {}
    for name in registry.names():
        cuts_settings = site.platform(name)
        native = platform_settings(name, settings).get("native_scheduling")
        policies[name] = Policy(on_change=cuts_settings.get("on_change", "warn") if cuts_settings else "warn",
                                delete_retracted=cuts_settings.get("delete_retracted", True)
                                if cuts_settings else True,
                                schedule_window=getattr(registry.module(name), "SCHEDULE_WINDOW", None)
                                if native else None)
    for account in named.values():
        native = account.publish.get("native_scheduling")
        policies[account.name] = Policy(
            on_change=account.settings.get("on_change", "warn"),
            delete_retracted=account.settings.get("delete_retracted", True),
            schedule_window=getattr(registry.module(account.platform), "SCHEDULE_WINDOW", None) if native else None)

    def opener(name: str, account_name: str, budget: Budget) -> Adapter:
        account = named.get(account_name) if account_name != name else None
        if account_name != name and account is None:
            raise ConfigError("smmgen.toml", f"accounts.{account_name}", "the manifest names this account, which "
                              "smmgen.toml does not declare; rebuild, or declare it again")
        if account is None:
            platform = site.platform(name)
            ctx = AdapterContext(name=name, settings=platform_settings(name, settings),
                                 platform_options=platform.options if platform else {}, env=env, http=http,
                                 budget=budget)
        else:
            ctx = AdapterContext(name=name, settings=account.publish,
                                 platform_options=account.settings.options, env=env, http=http, budget=budget,
                                 env_prefix=account.env_prefix, account_name=account.name)
        return registry.open_adapter(ctx)

    preflight = None
    if options.preflight and settings.get("preflight", True):
        origins = (manifest.base_url, manifest.cards_base_url)
        preflight = open_preflight(manifest.entries, origins, http, env)
        for key, url in (("site.base_url", manifest.base_url), ("site.cards_base_url", manifest.cards_base_url)):
            refused = url and preflight.fetcher.refusal(url)
            if refused:
                preflight.close()
                raise ConfigError("smmgen.toml", key, f"{url}: {refused}; serve the site over HTTPS, or set "
                                  "[publish] preflight = false (or publish with --no-preflight)")

    def run(ledger: Ledger) -> Iterator[Event]:
        publisher = Publisher(entries=manifest.entries, settled=manifest.settled, ledger=ledger, options=options,
                              open_adapter=opener,
                              base_dir=manifest_path.parent, http=http, policies=policies,
                              known_platforms=registry.names(), removal_limit=removal_limit, site=site.base_url,
                              not_before=floor_time(settings.get("not_before"), site.timezone),
                              max_posts=settings.get("max_posts_per_run") or MAX_POSTS_PER_RUN,
                              preflight=preflight,
                              preflight_max_wait=settings.get("preflight_max_wait") or PREFLIGHT_MAX_WAIT)
        yield from publisher.run()

    try:
        if options.dry_run:
            yield from run(Ledger.load(ledger_path, read_only=True, shown=site.rel(ledger_path)))
            return
        with acquire(ledger_path, settings.get("lock_stale_after") or dt.timedelta(hours=1)):
            yield from run(Ledger.load(ledger_path, shown=site.rel(ledger_path)))
    finally:
        if preflight is not None:
            preflight.close()
