"""The publish run: for every manifest entry and every ledger record, decide what is due, do it once, and
report each step as an ``Event`` (the CLI prints them; nothing here prints).

Per platform, in publish order: an intent left by an interrupted run is reconciled with the platform first
(never blindly re-posted); then an entry is posted when due, deleted when expired, retracted or removed,
and edited, reposted or warned about when its content changed after posting. Before each create an intent
is written to the ledger; after every change the ledger is written again. One platform failing never stops
another: each has its own adapter, retry budget and error handling.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from smmgen.errors import AuthError, PublishError, SmmgenError, TransientError
from smmgen.publish.account_adapter import AccountAdapter, AdapterOpener, why_refused
from smmgen.publish.base import Adapter, Lookup, MaybeDone, Post, Posted, iso, parse_time
from smmgen.publish.events import (
    PREFLIGHT_MAX_WAIT,
    CouldNotTell,
    Event,
    Options,
    Policy,
    RemovalLimit,
    describe,
    hours,
    what_is_posted,
)
from smmgen.publish.http import Budget, HttpConfig
from smmgen.publish.ledger import Ledger, Record
from smmgen.publish.manifest_reader import Entry, Settled, read_entry, thaw
from smmgen.publish.preflight import Preflight


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
            platform = AccountAdapter(name, self.open_adapter, Budget(self.http.retry_budget), account)
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

    def _entry(self, platform: AccountAdapter, entry: Entry, copies: Mapping[str, Entry]) -> Iterator[Event]:
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

    def _settled(self, platform: AccountAdapter, stub: Settled) -> Iterator[Event]:
        """A settled entry: nothing to do while the ledger still records its post as the build saw it. A stub
        has no text, so anything else (a record lost or rolled back, other content) can only be reported: a
        build from the ledger as it is now writes the entry in full again, and the next run acts on it."""
        record = self.ledger.get(stub.id)
        if record is not None and record.content_hash == stub.content_hash and record.state in ("posted", "deleted"):
            if record.state == "posted" and stub.expire_at is not None and stub.expire_at <= self.now:
                # Settled as deleted at its expiry, yet live by the ledger (restored from an older copy): its
                # record is all a delete needs.
                yield from self._delete(platform, record, f"expired {iso(stub.expire_at)}")
                return
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

    def _removed(self, platform: AccountAdapter, record: Record, copies: Mapping[str, Entry], *,
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

    def _reconcile(self, platform: AccountAdapter, record: Record, copy: Entry | None) -> tuple[Record, Event | None]:
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
            updated = record.with_(last_error=describe(e))
            self.ledger.put(updated)
            outcome = "unknown" if getattr(e, "transient", False) else "failed"
            return updated, Event(record.id, platform.name, outcome,
                                  f"could not check an interrupted post: {describe(e)}")
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

    def _create_when_live(self, platform: AccountAdapter, entry: Entry, post: Post,
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
                        f"page not live {hours(late)} after its publish time, beyond [publish] preflight_max_wait "
                        f"= {hours(self.preflight_max_wait)}: {why}; fix the site or its deploy (or publish "
                        "with --no-preflight)", dry=self.options.dry_run)
            return
        yield Event(post.entry_id, platform.name, "not due", f"wait: page not live yet ({why})",
                    dry=self.options.dry_run)

    def _create(self, platform: AccountAdapter, post: Post, record: Record | None) -> Iterator[Event]:
        if self.options.limit is not None and self._created >= self.options.limit:
            yield Event(post.entry_id, platform.name, "skipped",
                        f"due, held back by --limit {self.options.limit}")
            return
        self._created += 1
        if self.options.dry_run:
            refused = why_refused(platform)
            if refused:
                yield Event(post.entry_id, platform.name, "failed", refused, dry=True)
                return
            yield Event(post.entry_id, platform.name, "posted", what_is_posted(post), dry=True, parts=post.parts,
                        media=tuple(f"{m.path.name} ({m.role}, alt: {m.alt!r})"
                                    for m in (*post.media, *((post.video,) if post.video else ()))))
            return
        base = record or Record(id=post.entry_id, platform=platform.name, state="pending")
        try:
            adapter = platform.adapter()
        except SmmgenError as e:
            self.ledger.put(base.with_(last_error=describe(e)))
            yield Event(post.entry_id, platform.name, "failed", describe(e))
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
            self.ledger.put(intent.with_(last_error=describe(e)))
            yield Event(post.entry_id, platform.name, "unknown",
                        f"{describe(e)}; not confirmed, the next run checks the platform before posting")
        except PublishError as e:
            self.ledger.put(intent.with_(state="pending", entry=None, last_error=describe(e)))
            yield Event(post.entry_id, platform.name, "failed", describe(e))
        else:
            self.ledger.put(self._posted_record(intent, posted, posted_at=iso(self.now)))
            yield Event(post.entry_id, platform.name, "posted", "", url=posted.url)

    def _create_checked(self, platform: AccountAdapter, adapter: Adapter, post: Post) -> Posted:
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
                    raise CouldNotTell(f"{describe(e)}; {look.why}") from None
                cap = min(self.http.backoff_max, self.http.backoff * 2 ** (attempt - 1))
                backoff = random.uniform(0, cap)
                if attempt == self.http.max_attempts or not platform.budget.wait(backoff):
                    raise TransientError(platform.name, f"{describe(e)}; checked: it did not go out",
                                         entry_id=post.entry_id) from None
        raise AssertionError("unreachable")

    def _delete(self, platform: AccountAdapter, record: Record, reason: str) -> Iterator[Event]:
        if self.options.dry_run:
            refused = why_refused(platform)
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
            self.ledger.put(record.with_(last_error=f"delete: {describe(e)}",
                                         delete_refused=describe(e) if final else None))
            yield Event(record.id, platform.name, "failed", f"delete ({reason}): {describe(e)}"
                        + ("; this will not be retried: remove it by hand" if final else ""), url=record.url)
            return
        self.ledger.put(record.with_(state="deleted", deleted_at=iso(self.now), last_error=None))
        yield Event(record.id, platform.name, "deleted", reason, url=record.url)

    def _changed(self, platform: AccountAdapter, post: Post, record: Record, policy: Policy) -> Iterator[Event]:
        if policy.on_change == "warn":
            yield Event(post.entry_id, platform.name, "warning", "changed since it was posted; the post "
                        'stays as it is (set on_change = "edit" or "repost" to update it)', url=record.url)
            return
        if policy.on_change == "edit":
            if self.options.dry_run:
                refused = why_refused(platform)
                yield Event(post.entry_id, platform.name, "failed" if refused else "edited",
                            f"edit: {refused}" if refused else what_is_posted(post), url=record.url, dry=True,
                            parts=() if refused else post.parts)
                return
            try:
                live = Posted(record.remote_id or "", record.url, record.remote)
                posted = platform.adapter().edit(live, post)
            except SmmgenError as e:
                self.ledger.put(record.with_(last_error=f"edit: {describe(e)}"))
                yield Event(post.entry_id, platform.name, "failed", f"edit: {describe(e)}", url=record.url)
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


def _article(entry_id: str) -> str:
    return entry_id.rsplit("@", 1)[0]       # an account's ":<name>" follows the "@"


def _schedulable(policy: Policy, ahead: dt.timedelta) -> bool:
    return policy.schedule_window is not None and policy.schedule_window[0] <= ahead <= policy.schedule_window[1]


def _entry_copy(entries: Sequence[Entry], entry_id: str) -> Mapping[str, Any] | None:
    return next((thaw(e.json) for e in entries if e.id == entry_id), None)
