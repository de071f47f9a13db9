"""Worker processes for the build's parallel stages (parsing and cutting, drawing cards)."""

from __future__ import annotations

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
