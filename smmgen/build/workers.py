"""Worker processes for the build's parallel stages (parsing and cutting, drawing cards)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from smmgen.build.children import Children


def pool(workers: int, *, images: bool = True, **kwargs: Any) -> Children:
    """Worker processes started afresh (``python -m smmgen.build.child``) instead of forked from the build: a
    fork carries the build's whole memory, every article and cut, into each worker. They are the build's own
    children and the only processes it starts (``smmgen.build.children``)."""
    # Imported here: a build that starts no worker needs none of it.
    from smmgen.build.children import Children

    initializer = kwargs.pop("initializer", None)
    initargs = kwargs.pop("initargs", ())
    return Children(workers, initializer=_start, initargs=(initializer, initargs, images), **kwargs)


IMAGE_BLOCK = 1 << 20
"""Bytes of pixel rows Pillow allocates at a time in a worker process (its own default is 16 MB)."""
HEAP_LIMIT = 4 << 20
"""Allocations up to this size come from the C heap in a worker process; larger ones are mapped apart."""


def _start(initializer: Callable[..., None] | None, initargs: tuple, images: bool = True) -> None:
    if images:          # a process that draws (one that only parses and cuts needs no Pillow)
        _allocate_in_pieces()
    if initializer is not None:
        initializer(*initargs)


def _allocate_in_pieces() -> None:
    """Images in pieces of the same size, kept by the C heap for the next ones.

    With Pillow's 16 MB blocks each card, hero decode and resize step is one allocation of 3 to 15 MB, and the C
    heap reuses a freed one only where the next fits: a worker drawing cards held some 30 MB of freed images
    above the ones alive. In 1 MB pieces every freed piece fits the next image. glibc would map a piece apart
    (and fault its pages in again every time) once its own threshold moved, or give the heap's top back and take
    it again: both are fixed, which costs nothing in time (the drawing's CPU time is the same) and lowers a
    worker's peak by 9 MB (every other of a 1,000-article site's first 300 articles: 100 -> 91 MB)."""
    from PIL import Image

    Image.core.set_block_size(IMAGE_BLOCK)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            mallopt = ctypes.CDLL(None).mallopt
        except AttributeError:  # a C library without mallopt (musl): its own allocator's behaviour
            return
        mallopt(-3, HEAP_LIMIT)     # M_MMAP_THRESHOLD (fixed, no longer moved by what is freed)
        mallopt(-1, 256 << 20)      # M_TRIM_THRESHOLD: keep freed heap for the next cards


GROUPS_PER_DRAWING_PROCESS = 600
"""Groups of cards a drawing process draws before a new one takes its place (``Children``' ``calls_per_child``).
Its C heap grows with the groups it has drawn, a little at a time, as what it keeps from card to card lands in
the holes left by the images freed (a process drawing a 10,000-article site peaked 3 to 4 MB above one drawing a
1,000-article site, whose two processes draw some 500 groups each and are never replaced). A new process costs
some 0.3 s of CPU time (its imports 0.17 s, its fonts' first use), 16 times at 10,000 articles."""


def _start_drawing() -> None:
    """A drawing process imports what drawing needs at once (while the build cuts and plans), and only that."""
    import smmgen.cards.batch  # noqa: F401


class Workers:
    """One build's worker processes, started when a stage first has enough work for them: those that parse and
    cut until ``parsed`` is called, then those that draw.

    Drawing has processes of its own, started afresh: the ones that parsed held what parsing imported (Jinja,
    Markdown, YAML, the platforms) and what it left in their heaps, which grew with the site (a worker drawing at
    10,000 articles peaked 9 MB above one at 1,000). A start costs an interpreter's start-up; the imports drawing
    needs are the same in either."""

    def __init__(self, count: int, initializer: Callable[..., None] | None = None, initargs: tuple = (),
                 code_from: tuple[str, ...] = ()):
        self.count = count
        self._initializer = initializer
        self._initargs = initargs
        self._code_from = code_from     # modules besides smmgen whose functions the processes run (Children)
        self._pool: Children | None = None
        self._drawing = False
        self._closing = threading.Lock()     # ``drawn`` (the drawing thread) and ``close`` may meet

    def executor(self) -> Executor:
        """The processes of the current stage, started on the first call."""
        if self._pool is None:
            self._pool = pool(self.count, initializer=_start_drawing, calls_per_child=GROUPS_PER_DRAWING_PROCESS,
                              code_from=self._code_from) \
                if self._drawing \
                else pool(self.count, images=False, initializer=self._initializer, initargs=self._initargs,
                          code_from=self._code_from)
        return self._pool

    def parsed(self) -> None:
        """Parsing and cutting are over: their processes end, and when there were some (a build with much to
        do) the drawing ones start now, importing while this process cuts and plans; else when first asked for."""
        if self._drawing:
            return
        self._drawing = True
        if self._pool is not None:
            self.close()
            self.executor()

    def drawn(self) -> None:
        """Every card is answered: the drawing processes end now (their pipes closed, each reaped), before the
        build writes the last articles' files and the global outputs; two idle drawing processes were a third of
        a 10,000-article build's memory at that moment. A stage after it that asks for processes gets new ones."""
        if self._drawing:
            self.close()

    def close(self) -> None:
        with self._closing:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
