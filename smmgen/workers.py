"""Worker processes for the build's parallel stages (parsing and cutting, drawing cards)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def pool(workers: int, **kwargs: Any) -> ProcessPoolExecutor:
    """A process pool whose workers start from a small server process (forkserver) instead of being forked
    from the build: a fork carries the build's whole memory, every article and cut, into each worker."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"), **kwargs)
