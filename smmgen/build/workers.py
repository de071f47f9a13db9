"""Worker processes for the build's parallel stages (parsing and cutting, drawing cards)."""

from __future__ import annotations

import ctypes
import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Executor, ProcessPoolExecutor


def pool(workers: int, **kwargs: Any) -> ProcessPoolExecutor:
    """A process pool whose workers start from a small server process (forkserver) instead of being forked
    from the build: a fork carries the build's whole memory, every article and cut, into each worker."""
    # Imported here: a build that starts no worker needs neither (nor the helper process they start).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"), **kwargs)


class Workers:
    """One build's worker processes, started when a stage first has enough work for them and then kept for the
    next stage: cards are drawn by the processes that parsed and cut, without a second start (and a second
    round of imports) between the two."""

    def __init__(self, count: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()):
        self.count = count
        self._initializer = initializer
        self._initargs = initargs
        self._pool: ProcessPoolExecutor | None = None

    def executor(self) -> Executor:
        """The processes, started on the first call."""
        if self._pool is None:
            self._pool = pool(self.count, initializer=self._initializer, initargs=self._initargs)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


TRIM_EVERY_S = 1.0
"""Least time between two hand-backs of free heap memory (``release_free_memory``)."""

_last_trim = [0.0]


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system, at most once every ``TRIM_EVERY_S`` seconds.

    Drawing a card allocates and frees images of several megabytes; the C library keeps the freed space on its
    heap for reuse, where it fragments and stays resident (about 30 MB per drawing process). Trimming after
    every card would cost a page fault for each page of the next card's images; once a second costs nothing
    measurable. A no-op where the C library has no ``malloc_trim`` (it is glibc's)."""
    now = time.monotonic()
    if now - _last_trim[0] < TRIM_EVERY_S:
        return
    _last_trim[0] = now
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)     # the C library the process runs on
    except (OSError, TypeError):
        return None
