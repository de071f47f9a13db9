"""Waiting for a network to finish processing an uploaded video: poll with backoff, honour the wait the
network suggests, stop after a bounded time (``media_wait`` in ``[publish.<name>]``, else ``[publish]``).

A network that says processing failed gives a permanent ``PublishError`` naming its own state and reason; one
still busy when the time is up gives a transient one, and the next run uploads again (an upload repeated only
leaves an unused file behind, which the networks discard; the post itself is made once).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smmgen.errors import PublishError

FIRST_STEP = 0.25
MAX_STEP = 5.0


@dataclass(frozen=True)
class State:
    """One answer to "is it ready?": the network's own word for the state, and what it means."""

    name: str
    done: bool = False
    failed: str | None = None      # the network's reason, when it says processing failed
    after: float | None = None     # seconds the network asks to wait before asking again


def media_wait(ctx: Any) -> float:
    """Seconds to wait for processing: ``[publish.<name>] media_wait``, else ``[publish] media_wait``."""
    value = ctx.setting("media_wait")
    return float(ctx.http.media_wait if value is None else value)


def wait_for(check: Callable[[], State], *, platform: str, what: str, seconds: float, entry_id: str,
             sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> State:
    """Call ``check`` until it says done (that state is returned) or failed, for at most ``seconds``. The pause
    between calls grows from a quarter second to five, or is what the network asks if that is longer."""
    start, step = clock(), FIRST_STEP
    while True:
        state = check()
        if state.done:
            return state
        if state.failed is not None:
            raise PublishError(platform, f"{what} could not be processed ({state.name}): {state.failed}",
                               entry_id=entry_id)
        waited = clock() - start
        if waited >= seconds:
            raise PublishError(platform, f"{what} was still {state.name} after {seconds:g} s (media_wait); the "
                               "next run uploads it again", entry_id=entry_id, transient=True)
        sleep(min(max(step, state.after or 0.0), seconds - waited))    # bounded by media_wait
        step = min(step * 2, MAX_STEP)
