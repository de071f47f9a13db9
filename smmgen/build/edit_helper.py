"""The edit's second process: it loads the code an edit needs while the build finds the edited articles, then
parses, cuts and draws them, or draws their cards.

An edit of one article (``smmgen.build.edit``) spends most of its own time loading code: the front matter's
YAML, Markdown's extensions, the platforms' URL grammars and templates to cut it, then Pillow, the card code and
the fonts to draw its few cards, with the machine's second core idle. A process forked as the build begins, once
the last build's edit index says the archive is large (``smmgen.build.edit.CUT_FIRST``), loads the code that
cuts while the build reads that index and looks for the changed files, says so, then loads the card code and
rehearses cards (``smmgen.build.edit.warm_up``). Once it has said so, it makes the edited articles again
(``remake``: ``smmgen.build.edit.remake_here``, the same functions with the same arguments as in the build's own
process), while the build loads what its splice needs. A small archive's build finds its edit sooner than a
helper could load that code: it cuts the articles itself, while a helper forked once the edit is found loads
the card code and rehearses cards, then asks it to draw their cards (``draw``: ``smmgen.cards.render_cards``),
as it does a large archive's helper that has not said it can cut yet.
New cards go to the staging folder, content-addressed, so the files and the values are the same wherever they
are made. A build that has nothing to do, or takes the full build, stops the helper unasked.

Only from a process with one thread: ``fork`` copies the calling thread alone, and a lock another thread held
would stay held in the copy. ``smmgen serve``, whose server threads are running (and which has the code loaded
after its first build anyway), cuts in its own process as before. Anything that goes wrong with the helper (it
died, an answer that does not unpickle) has the work done in the build's process instead.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Any

from smmgen.build.child import read_value  # what the pipe carries names smmgen's classes and plain values only

_LENGTH = struct.Struct("<Q")


class EditHelper:
    """A forked process that makes an edit's articles again (``remake``) or draws cards (``draw``) on request;
    ``stop`` ends it. ``meanwhile``, when set, is called (once) while a request is worked on: what the build
    would otherwise wait for next."""

    def __init__(self, pid: int, to_child: int, from_child: int):
        self.pid, self._to, self._from = pid, to_child, from_child
        self.failed = self.stopped = False
        self._cutting = False
        self.meanwhile: Callable[[], None] | None = None

    @classmethod
    def start(cls, site: Any, cut_first: bool, rehearsed: Sequence[str]) -> EditHelper | None:
        """The helper of a build of ``site``, already loading the code that cuts (``cut_first``) and draws its
        articles, rehearsing cards on the layouts named ``rehearsed``; None where it cannot be forked (see the
        module docstring)."""
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
                _serve(down_r, up_w, site, cut_first, rehearsed)
                code = 0
            finally:
                os._exit(code)
        os.close(down_r)
        os.close(up_w)
        return cls(pid, down_w, up_r)

    def ready_to_cut(self) -> bool:
        """Whether the helper has said it has the code that cuts loaded (it is not waited for)."""
        if not self._cutting and not self.failed and _ready(self._from):
            try:
                self._cutting = read_value(_receive(self._from)) == (_CUTTING, None)
            except Exception:           # noqa: BLE001 - the helper is gone or garbled
                self.failed = True
        return self._cutting

    def remake(self, changed: Sequence[str], records: dict, shas: dict[str, str]) -> Any:
        """``smmgen.build.edit.remake_here`` for the site the helper was started with, worked in the helper: the
        edited articles made again, None when the edit must take the full build, or ``NOT_HERE`` when the helper
        could not do it (the build's process does it then); what it raised is raised here."""
        answer = self._ask("remake", (list(changed), records, shas))
        if answer is None:
            return NOT_HERE
        kind, value = answer[:2]
        if kind == "raised":
            raise value
        return value if kind == "done" else NOT_HERE

    def draw(self, requests: Sequence[Any], **kwargs: Any) -> dict:
        """``smmgen.cards.render_cards(requests, **kwargs)``, drawn in the helper: the cards it returns, its
        ``staged`` and ``heroes`` filled in, and the errors it raises raised here."""
        staged, heroes = kwargs.pop("staged", None), kwargs.pop("heroes", None)
        local = {key: value for key, value in kwargs.items() if value is not None}
        answer = None
        if not any(callable(value) for value in local.values()):
            answer = self._ask("draw", (list(requests), local))
        if answer is None or answer[0] not in ("done", "raised"):
            return render_cards(requests, staged=staged, heroes=heroes, **kwargs)
        kind, value, in_stage, read = answer
        if staged is not None:
            staged.update(in_stage)
        if heroes is not None:
            heroes.update(read)
        if kind == "raised":
            raise value
        return value

    def _ask(self, job: str, args: tuple) -> tuple | None:
        """The helper's answer to ``job``, ``meanwhile`` called while it works; None when the helper is gone or
        its answer garbled (it is not asked again)."""
        if self.failed:
            return None
        try:
            _send(self._to, pickle.dumps((job, args), pickle.HIGHEST_PROTOCOL))
            meanwhile, self.meanwhile = self.meanwhile, None
            if meanwhile is not None:
                meanwhile()
            while True:
                answer = read_value(_receive(self._from))
                if answer != (_CUTTING, None):      # (said after the build stopped looking)
                    return answer
        except Exception:               # noqa: BLE001 - the helper is gone or garbled: done here instead
            self.failed = True
            return None

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


NOT_HERE = "not done in the helper"
_CUTTING = "ready to cut"


def render_cards(requests: Sequence[Any], **kwargs: Any) -> dict:
    """``smmgen.cards.render_cards`` in this process: imported only when the helper could not draw."""
    from smmgen.cards import render_cards as render

    return render(requests, **kwargs)


def _serve(requests_in: int, answers_out: int, site: Any, cut_first: bool, rehearsed: Sequence[str]) -> None:
    """The helper's life: load the code, then work each request until the build lets go."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # the build's process answers an interrupt, and stops this
    from smmgen.build.edit import remake_here, warm_up

    def cutting() -> None:
        _send(answers_out, pickle.dumps((_CUTTING, None), pickle.HIGHEST_PROTOCOL))

    layouts = warm_up(site, lambda: _ready(requests_in), cutting if cut_first else None, rehearsed)
    while True:
        try:
            message = _receive(requests_in)
        except EOFError:
            return
        try:
            job, args = read_value(message)
        except Exception:               # noqa: BLE001 - not read: the build's process does it
            _send(answers_out, pickle.dumps(("unread", None), pickle.HIGHEST_PROTOCOL))
            continue
        staged: set[str] = set()
        heroes: dict = {}
        try:
            if job == "remake":
                answer: tuple = ("done", remake_here(site, layouts, *args))
            else:
                requests, kwargs = args
                answer = ("done", render_cards(requests, staged=staged, heroes=heroes, **kwargs), staged, heroes)
        except Exception as e:          # noqa: BLE001 - raised again in the build's process
            answer = ("raised", e, staged, heroes)
        try:
            data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception:               # noqa: BLE001 - the build does it itself
            data = pickle.dumps(("unsent", None), pickle.HIGHEST_PROTOCOL)
        _send(answers_out, data)


def _ready(fd: int) -> bool:
    """Whether ``fd`` has something to read."""
    return bool(select.select([fd], [], [], 0)[0])


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
