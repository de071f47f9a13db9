"""Free memory of the build process's C heap given back to the system between the stages after drawing.

Python keeps its small objects in arenas of its own; larger ones (a cut's field table, a list of thousands, a
section's JSON text) come from the C heap. When they are freed, glibc gives back only the free top of its heap:
the free pages between live blocks stay in the process's resident memory until something is allocated there
again. After the cards are drawn the build frees what drawing held, then makes the preview's plan, then the
cache's files, each from a heap holding the last stage's free pages; ``malloc_trim`` hands those pages back, so
that the next stage's peak is what it holds, not that plus what the stage before it let go (at 3,000 articles
10 MB free in the heap at the end of drawing, the process's peak after it 5 MB lower).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable


@functools.cache
def _trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here: a build that never comes this far (a no-op one) does without it

    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):     # a C library without it (musl): its own allocator's behaviour
        return None


def give_back() -> None:
    """Hand the C heap's free pages back to the system (a few milliseconds for a heap of hundreds of MB); does
    nothing where the C library cannot."""
    trim = _trim()
    if trim is not None:
        trim(0)
