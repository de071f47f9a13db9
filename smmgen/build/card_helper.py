"""Drawing an edit's cards in a second process, started before they are known.

An edit of one article (``smmgen.build.edit``) draws a few cards, and before the first of them its process had to
import Pillow and the card code and open the fonts: as long as parsing and cutting the article, with the
machine's second core idle. A process forked as the edit begins does that there meanwhile; once the article is
cut, its cards are drawn in that process by the same function with the same arguments as in the build's own
(``smmgen.cards.render_cards``: files in the staging folder, content-addressed), so the files and the cards are
the same. Until asked, it rehearses cards like the edit's (``WarmUp``) in memory: the first card of a process
reads its layout and makes its size's gradient, which a rehearsal of a headline on the site's layouts does as well.

Only from a process with one thread: ``fork`` copies the calling thread alone, and a lock another thread held
would stay held in the copy. ``smmgen serve``, whose server threads are running (and which has the card code
loaded after its first build anyway), draws in its own process as before. Anything that goes wrong with the
helper (it died, an answer that does not unpickle) has the cards drawn in the build's process instead.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smmgen.build.child import read_value  # what the pipe carries names smmgen's classes and plain values only

_LENGTH = struct.Struct("<Q")


@dataclass(frozen=True)
class WarmUp:
    """What the helper rehearses before it is asked: a headline in ``lang`` on each of ``layouts`` (most likely
    first) at every card size, found along ``layout_dirs`` as the build finds them (``roots``)."""

    layout_dirs: tuple[Path, ...]
    roots: tuple[Path, ...]
    layouts: tuple[str, ...]
    lang: str
    site_name: str


class CardHelper:
    """A forked process that draws cards on request (``draw``); ``stop`` ends it. ``meanwhile``, when set, is
    called (once) while the first cards are being drawn: what the build would otherwise wait for next."""

    def __init__(self, pid: int, to_child: int, from_child: int):
        self.pid, self._to, self._from = pid, to_child, from_child
        self.failed = self.stopped = False
        self.meanwhile: Callable[[], None] | None = None

    @classmethod
    def start(cls, warm: WarmUp | None = None) -> CardHelper | None:
        """The helper, already loading the card code (and rehearsing ``warm``); None where it cannot be forked
        (see the module docstring)."""
        if not hasattr(os, "fork") or threading.active_count() != 1:
            return None
        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (down_r, down_w, up_r, up_w):
                os.close(fd)
            return None
        if pid == 0:                        # the helper: never returns
            code = 1
            try:
                os.close(down_w)
                os.close(up_r)
                _serve(down_r, up_w, warm)
                code = 0
            finally:
                os._exit(code)
        os.close(down_r)
        os.close(up_w)
        return cls(pid, down_w, up_r)

    def draw(self, requests: Sequence[Any], **kwargs: Any) -> dict:
        """``smmgen.cards.render_cards(requests, **kwargs)``, drawn in the helper: the cards it returns, its
        ``staged`` and ``heroes`` filled in, and the errors it raises raised here."""
        staged, heroes = kwargs.pop("staged", None), kwargs.pop("heroes", None)
        local = {key: value for key, value in kwargs.items() if value is not None}
        if self.failed or any(callable(value) for value in local.values()):
            return render_cards(requests, staged=staged, heroes=heroes, **kwargs)
        try:
            _send(self._to, pickle.dumps((list(requests), local), pickle.HIGHEST_PROTOCOL))
            meanwhile, self.meanwhile = self.meanwhile, None
            if meanwhile is not None:
                meanwhile()
            kind, value, in_stage, read = read_value(_receive(self._from))
        except Exception:               # noqa: BLE001 - the helper is gone or garbled: drawn here instead
            self.failed = True
            return render_cards(requests, staged=staged, heroes=heroes, **kwargs)
        if staged is not None:
            staged.update(in_stage)
        if heroes is not None:
            heroes.update(read)
        if kind == "raised":
            raise value
        if kind != "drawn":             # it could not send what it raised: drawn here, to raise it from here
            return render_cards(requests, staged=staged, heroes=heroes, **kwargs)
        return value

    def stop(self) -> None:
        """End the helper (at once: what it still does is not needed) and reap it; once (its descriptors and
        process id may be others' afterwards)."""
        if self.stopped:
            return
        self.stopped = self.failed = True
        for fd in (self._to, self._from):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def render_cards(requests: Sequence[Any], **kwargs: Any) -> dict:
    """``smmgen.cards.render_cards`` in this process: imported only when the helper could not draw (the card
    code is what this process is spared)."""
    from smmgen.cards import render_cards as render

    return render(requests, **kwargs)


def _serve(requests_in: int, answers_out: int, warm: WarmUp | None = None) -> None:
    """The helper's life: load the card code and fonts, then draw each request until the build lets go."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # the build's process answers an interrupt, and stops this
    from smmgen.cards import render_cards

    _warm(warm, lambda: bool(select.select([requests_in], [], [], 0)[0]))
    while True:
        try:
            message = _receive(requests_in)
        except EOFError:
            return
        requests, kwargs = read_value(message)
        staged: set[str] = set()
        heroes: dict = {}
        try:
            answer: tuple = ("drawn", render_cards(requests, staged=staged, heroes=heroes, **kwargs), staged, heroes)
        except Exception as e:          # noqa: BLE001 - raised again in the build's process
            answer = ("raised", e, staged, heroes)
        try:
            data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception:               # noqa: BLE001 - the build draws them itself
            data = pickle.dumps(("unsent", None, staged, heroes), pickle.HIGHEST_PROTOCOL)
        _send(answers_out, data)


def _warm(warm: WarmUp | None, until: Callable[[], bool] | None = None) -> None:
    """What the first cards of a process would otherwise wait for, done ahead: ``warm``'s rehearsal, or without
    one a plain card in the package's default layout and Latin text; cut short once ``until`` says so. Only what
    is cached per process changes; a card's pixels do not depend on it."""
    from smmgen.cards import DEFAULT_LAYOUT_DIR, TARGETS, CardRequest
    from smmgen.cards.batch import rehearse

    if warm is None:
        warm = WarmUp((DEFAULT_LAYOUT_DIR,), (DEFAULT_LAYOUT_DIR.resolve(),), ("default",), "en", "Site")
    # og first: every article has one; then each other size.
    targets = sorted(TARGETS, key=lambda t: t != "og")
    try:
        rehearse([CardRequest(target=target, layout=layout, title="A headline of some length, set on two lines",
                              site_name=warm.site_name, kicker="Section", date_text="1 January 2026", lang=warm.lang,
                              hero=None, focus=None, alt=None, source=_WARM, line=None)
                  for layout in warm.layouts for target in targets],
                 layout_dirs=warm.layout_dirs, roots=warm.roots, until=until)
    except Exception:                   # noqa: BLE001 - drawing reports it, if it matters
        pass


_WARM = "(warming up)"


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> bytes:
    (length,) = _LENGTH.unpack(_read(fd, _LENGTH.size))
    return _read(fd, length)


def _read(fd: int, length: int) -> bytes:
    chunks, left = [], length
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
