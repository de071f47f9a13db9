"""Every adapter call ends in its value or a ``PublishError``, whatever a platform answered.

An adapter reads an answer trusting its documented shape (``response.json()["data"]["id"]``); an answer in
another shape (not JSON, a list, a field missing or of another type) raises whatever Python raises for that.
``Guarded`` turns such an error into a ``PublishError`` that names what failed, so a run reports it on one line
and records it instead of stopping with a traceback. The server did answer, so a create (or an edit) that
fails this way may have been carried out: it is ``MaybeDone``, and the runner looks before it posts again. A
look or a delete that fails this way is transient: the next run tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from smmgen.errors import SmmgenError, TransientError
from smmgen.publish.base import Adapter, Lookup, MaybeDone, Post, Posted, one_line

log = logging.getLogger(__name__)


def _unexpected(e: Exception) -> str:
    return one_line([f"unexpected answer from the platform ({type(e).__name__}: {e})"])


class Guarded:
    """An adapter whose four calls raise nothing but ``SmmgenError``s."""

    def __init__(self, adapter: Adapter):
        self._adapter = adapter
        self.name = adapter.name

    def __repr__(self) -> str:
        return repr(self._adapter)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._adapter, attribute)

    def create(self, post: Post) -> Posted:
        try:
            return self._adapter.create(post)
        except SmmgenError:
            raise
        except Exception as e:
            raise MaybeDone(self.name, _unexpected(e), entry_id=post.entry_id) from None

    def find(self, post: Post, since: dt.datetime | None) -> Lookup:
        try:
            return self._adapter.find(post, since)
        except SmmgenError:
            raise
        except Exception as e:
            raise TransientError(self.name, _unexpected(e), entry_id=post.entry_id) from None

    def delete(self, posted: Posted) -> None:
        try:
            self._adapter.delete(posted)
        except SmmgenError:
            raise
        except Exception as e:
            raise TransientError(self.name, _unexpected(e)) from None

    def edit(self, posted: Posted, post: Post) -> Posted:
        try:
            return self._adapter.edit(posted, post)
        except SmmgenError:
            raise
        except Exception as e:
            raise MaybeDone(self.name, _unexpected(e), entry_id=post.entry_id) from None

    def close(self) -> None:
        try:
            self._adapter.close()
        except Exception as e:        # closing a session cannot undo or redo anything: worth a line, no more
            log.warning("%s: closing the connection failed: %s", self.name, _unexpected(e))


def guarded(adapter: Adapter) -> Guarded:
    return adapter if isinstance(adapter, Guarded) else Guarded(adapter)


def unguarded(adapter: Adapter) -> Adapter:
    """The adapter inside ``guarded``'s wrapper (the adapter itself when it has none)."""
    return adapter._adapter if isinstance(adapter, Guarded) else adapter

