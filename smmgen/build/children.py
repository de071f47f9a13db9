"""``Children``: an ``Executor`` over worker processes that the build starts itself, and no other process.

``multiprocessing``'s pool on a forkserver context ran two more Python interpreters beside its workers (the fork
server and the resource tracker, 14 MB each at every size of site). Here each worker is a child of the build,
``python -m smmgen.build.child``, that reads pickled calls from one pipe and writes pickled answers to another
(``smmgen.build.child``). Per child one thread writes it the calls from a shared queue, two ahead of their
answers (the child starts its next call at once, while this process is busy elsewhere), and one reads the answers
and settles their futures.
A child that ends while calls are pending fails them with ``WorkersLost``, never a hang; ``shutdown`` closes the
pipes and reaps every child.
"""

from __future__ import annotations

import json
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future
from typing import IO, Any

from smmgen.build.child import read_message, read_value, write_message
from smmgen.errors import SmmgenError

IN_FLIGHT = 2
"""Calls written to a child and not yet answered, at most: its next one waits in the pipe. One at a time, a child
idled between two calls until a thread of this process got the interpreter's lock to read the answer and write the
next call, which took milliseconds while the build's main thread was busy (a cold build 10% slower)."""
REAP_SECONDS = 10.0
"""How long a child whose calls pipe is closed may take to end before it is killed."""


class WorkersLost(SmmgenError, BrokenExecutor):
    """A worker process ended (or its initializer failed): the calls still pending cannot be answered. A build
    that meets it stops before it replaces anything in output/, so the user sees one line, not a traceback."""

    def __init__(self, reason: str):
        super().__init__(f"{reason}; the build stopped and left output/ as it was: run it again"
                         + (" (signal 9 is how the system ends a process when memory runs out: `--workers 1` needs "
                            "less)" if "signal 9" in reason else ""))
        self.reason = reason


class _Ended(RuntimeError):
    """A child ended before its initializer answered (its reason says how it ended)."""


class _RemoteTraceback(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text}"""'


class _Child:
    """One worker process, the two ends of its pipes that the build holds, and its calls not yet answered."""

    def __init__(self, path: list[str], code_from: tuple[str, ...] = ()):
        calls_read, calls_write = os.pipe()
        answers_read, answers_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smmgen.build.child", str(calls_read), str(answers_write), *code_from],
                pass_fds=(calls_read, answers_write), stdin=subprocess.DEVNULL)
        except BaseException:
            for fd in (calls_write, answers_read):
                os.close(fd)
            raise
        finally:
            os.close(calls_read)
            os.close(answers_write)
        self.calls: IO[bytes] = os.fdopen(calls_write, "wb")
        self.answers: IO[bytes] = os.fdopen(answers_read, "rb")
        self.slots = threading.Semaphore(IN_FLIGHT)
        self.lock = threading.Lock()
        self.pending: deque[tuple[Future, str]] = deque()   # written, not yet answered, in order
        self.gone = False                                   # its answers ended: nothing more is written to it
        # Fits the pipe: never blocks. A child already gone (killed between its fork and its start) is found by
        # the first call or its initializer, which fail with how it ended; a broken pipe here would instead end
        # the command line as if its own output had been closed, silently.
        self.send(json.dumps(list(path)).encode())

    def send(self, message: bytes) -> bool:
        """Write one call; False when the child is gone (or went while it was written)."""
        try:
            write_message(self.calls, message)
            return True
        except (BrokenPipeError, ConnectionResetError, ValueError):    # ValueError: closed by its reader
            return False

    def ended(self) -> str:
        """How the child ended (waited for, killed when it does not end)."""
        code = self._reap()
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"

    def close_calls(self) -> None:
        """No more calls: the child answers those it has, then ends."""
        try:
            self.calls.close()
        except (OSError, ValueError):   # the child is gone and the last write did not reach it
            pass

    def close(self) -> None:
        self.close_calls()
        self._reap()
        self.answers.close()

    def _reap(self) -> int:
        try:
            return self.process.wait(REAP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


class Children(Executor):
    """``count`` worker processes, started at once; ``initializer(*initargs)`` runs first in each of them (when
    it fails, so do the calls: ``WorkersLost``). With ``calls_per_child``, a child that has been sent that many
    calls answers them and ends, and a new one (its initializer first) takes the next: what a process keeps
    from call to call is then the same for any number of calls.

    A child runs only smmgen's functions, and those of the modules (or packages) named in ``code_from``: a call
    of any other function, or whose arguments name any other function or class, fails with
    ``pickle.UnpicklingError`` and runs nothing (``smmgen.build.child.CallReader``)."""

    def __init__(self, count: int, initializer: Callable[..., Any] | None = None, initargs: tuple = (),
                 calls_per_child: int | None = None, code_from: tuple[str, ...] = ()):
        self._calls: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._broken: str | None = None
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._writers = 0
        self._calls_per_child = calls_per_child
        self._path = path = list(sys.path)
        if isinstance(code_from, str) or not all(
                isinstance(m, str) and all(part.isidentifier() for part in m.split(".")) for m in code_from):
            raise ValueError(f"code_from is a tuple of module names, not {code_from!r}")
        self._code_from = code_from = tuple(code_from)
        try:
            for n in range(count):
                child = _Child(path, code_from)
                thread = threading.Thread(target=self._feed, args=(child, initializer, initargs),
                                          name=f"smmgen-worker-{n}", daemon=True)
                self._threads.append(thread)
                self._writers += 1
                thread.start()
        except BaseException:
            self.shutdown()
            raise

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        with self._lock:
            if self._broken is not None:
                raise WorkersLost(self._broken)
            if self._closed:
                raise RuntimeError("cannot schedule new calls after shutdown")
            future: Future = Future()
            self._calls.put((future, fn, args, kwargs))
            return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                if cancel_futures:
                    self._drain(None)
                for _ in range(self._writers):
                    self._calls.put(None)
        if wait:                        # a writer starts its child's reader: joined too, however late
            joined: set[threading.Thread] = {threading.current_thread()}
            while todo := [t for t in self._threads if t not in joined]:
                for thread in todo:
                    thread.join()
                    joined.add(thread)

    def _feed(self, child: _Child, initializer: Callable[..., Any] | None, initargs: tuple) -> None:
        """The writing thread of one child, and of each child that takes its place (``calls_per_child``)."""
        while self._feed_child(child, initializer, initargs):
            with self._lock:
                if self._broken is not None:
                    return
            try:
                child = _Child(self._path, self._code_from)
            except OSError as e:
                self._break(f"a worker process cannot be started: {e}", e)
                return

    def _feed_child(self, child: _Child, initializer: Callable[..., Any] | None, initargs: tuple) -> bool:
        """One child's initializer (answered before any call), then the calls; True when it has been sent its
        ``calls_per_child`` and has ended, its calls answered (the next one starts only then: never one process
        more than the build asked for)."""
        sent = 0
        renew = False
        try:
            if initializer is not None:
                ok, value = self._initialize(child, initializer, initargs)
                if not ok:
                    self._break(str(value) if isinstance(value, _Ended)
                                else f"a worker process's initializer failed: {value!r}", value)
                    child.close()
                    return False
            reader = threading.Thread(target=self._collect, args=(child,), name=f"{threading.current_thread().name}"
                                      "-answers", daemon=True)
            with self._lock:
                self._threads.append(reader)
            reader.start()
            while child.slots.acquire() and (item := self._calls.get()) is not None:
                future, fn, args, kwargs = item
                del item
                if not future.set_running_or_notify_cancel():
                    child.slots.release()
                    continue
                try:
                    message = pickle.dumps((fn, args, kwargs), pickle.HIGHEST_PROTOCOL)
                except Exception as e:  # noqa: BLE001 (the call does not pickle: its future says so)
                    future.set_exception(e)
                    child.slots.release()
                    continue
                finally:
                    del args, kwargs
                with child.lock:
                    gone = child.gone
                    if not gone:
                        child.pending.append((future, getattr(fn, "__qualname__", repr(fn))))
                if gone or not child.send(message):
                    if gone:            # the reader has failed the others already
                        future.set_exception(WorkersLost(self._broken or "a worker process ended"))
                    break               # else the reader meets the end and fails it with the others
                del message, future
                sent += 1
                if self._calls_per_child is not None and sent >= self._calls_per_child:
                    renew = True
                    break
        finally:
            child.close_calls()
        if renew:
            reader.join()
            with child.lock:
                renew = not child.pending   # else it ended before answering them: the reader failed them
        return renew

    def _initialize(self, child: _Child, initializer: Callable[..., Any], initargs: tuple) -> tuple[bool, Any]:
        if not child.send(pickle.dumps((initializer, initargs, {}), pickle.HIGHEST_PROTOCOL)):
            return False, _Ended(f"a worker process ended ({child.ended()}) before its initializer ran")
        answer = read_message(child.answers)
        if answer is None:
            return False, _Ended(f"a worker process ended ({child.ended()}) in its initializer")
        return _read(answer)

    def _collect(self, child: _Child) -> None:
        """The reading thread of one child: each answer settles the oldest call written."""
        try:
            while (answer := read_message(child.answers)) is not None:
                with child.lock:
                    future, _ = child.pending.popleft()
                child.slots.release()
                ok, value = _read(answer)
                del answer
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
                del future, value
            with child.lock:
                child.gone = True
                lost = list(child.pending)
                child.pending.clear()
            if lost:                    # it ended with calls unanswered
                failure = self._break(f"a worker process ended ({child.ended()}) while running {lost[0][1]}")
                for future, _ in lost:
                    future.set_exception(failure)
            for _ in range(IN_FLIGHT):  # a writer waiting for a slot goes on to the end of the queue
                child.slots.release()
        finally:
            child.close()

    def _break(self, reason: str, cause: BaseException | None = None) -> WorkersLost:
        """Mark the workers lost: every call still queued fails, and so does every later ``submit``."""
        lost = WorkersLost(reason)
        lost.__cause__ = cause
        with self._lock:
            if self._broken is None:
                self._broken = reason
            self._drain(lost)
            for _ in range(self._writers):  # the other children's writers end (their calls written are answered)
                self._calls.put(None)
        return lost

    def _drain(self, failure: BaseException | None) -> None:
        """Take every queued call off the queue: cancelled (``failure`` None) or failed with ``failure``."""
        while True:
            try:
                item = self._calls.get_nowait()
            except queue.Empty:
                return
            if item is None:
                continue
            future = item[0]
            if failure is None:
                future.cancel()
            elif future.set_running_or_notify_cancel():
                future.set_exception(failure)


def _read(answer: bytes) -> tuple[bool, Any]:
    """(True, result) or (False, the exception raised, with the worker's traceback as its cause)."""
    try:
        ok, value, *text = read_value(answer)
    except Exception as e:  # noqa: BLE001 (an exception that does not unpickle here)
        return False, RuntimeError(f"the answer of a worker process cannot be read: {e}")
    if not ok and text and isinstance(value, BaseException):
        value.__cause__ = _RemoteTraceback(text[0])
    return ok, value
