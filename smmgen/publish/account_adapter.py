"""Each account's adapter as the run uses it: opened on first use (a run with nothing to do needs no
credentials), with its own retry budget, and a ledger record it cannot use reported as an error naming it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from smmgen.errors import PublishError, SmmgenError
from smmgen.publish.base import Adapter, Post, Posted
from smmgen.publish.events import describe
from smmgen.publish.guard import guarded, unguarded
from smmgen.publish.http import Budget

AdapterOpener = Callable[[str, str, Budget], Adapter]
"""Opens the adapter of (platform, account) with the run's retry budget for that account."""


class RecordChecked:
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


class AccountAdapter:
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
                self._adapter = guarded(RecordChecked(unguarded(self._opener(self.name, self.account, self.budget)),
                                                      self.name))
            except SmmgenError as e:
                self._error = e
                raise
        return self._adapter

    def close(self) -> None:
        if self._adapter is not None:
            self._adapter.close()


def why_refused(platform: AccountAdapter) -> str:
    """Dry runs: why a real run could not act on this platform (a credential missing or malformed, a setting
    missing), or "". Opening the adapter checks exactly that without sending anything."""
    try:
        platform.adapter()
    except SmmgenError as e:
        return describe(e)
    return ""
