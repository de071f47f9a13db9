"""``Children``: an ``Executor`` over worker processes that the build starts itself, and no other process.

``multiprocessing``'s pool on a forkserver context ran two more Python interpreters beside its workers (the fork
server and the resource tracker, 14 MB each at every size of site). Here each worker is a child of the build,
``python -m smmgen.build.child``, that reads pickled calls from one pipe and writes pickled answers to another
(``smmgen.build.child``); one thread per child hands it the calls from a shared queue and settles their futures.
A child that ends while calls are pending fails them with ``WorkersLost``, never a hang; ``shutdown`` closes the
pipes and reaps every child.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor, Future
from typing import IO, Any

from smmgen.build.child import read_message, write_message

REAP_SECONDS = 10.0
"""How long a child whose calls pipe is closed may take to end before it is killed."""


class WorkersLost(BrokenExecutor):
    """A worker process ended (or its initializer failed): the calls still pending cannot be answered."""


class _RemoteTraceback(Exception):
    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f'\n"""\n{self.text}"""'


class _Child:
    """One worker process and the two ends of its pipes that the build holds."""

    def __init__(self, path: list[str]):
        calls_read, calls_write = os.pipe()
        answers_read, answers_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smmgen.build.child", str(calls_read), str(answers_write)],
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
        write_message(self.calls, pickle.dumps(path, pickle.HIGHEST_PROTOCOL))   # fits the pipe: never blocks

    def ask(self, message: bytes) -> bytes | None:
        """The answer to one call, or None when the child ended (or closed its pipe) first."""
        try:
            write_message(self.calls, message)
        except (BrokenPipeError, ConnectionResetError):
            return None
        return read_message(self.answers)

    def ended(self) -> str:
        """How the child ended (waited for, killed when it does not end)."""
        code = self._reap()
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"

    def close(self) -> None:
        """Close the calls pipe (the child then ends) and reap the child."""
        try:
            self.calls.close()
        except OSError:         # the child is gone and the last write did not reach it
            pass
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
    it fails, so do the calls: ``WorkersLost``)."""

    def __init__(self, count: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()):
        self._calls: queue.SimpleQueue[tuple | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._broken: str | None = None
        self._closed = False
        self._threads: list[threading.Thread] = []
        path = list(sys.path)
        try:
            for n in range(count):
                child = _Child(path)
                thread = threading.Thread(target=self._serve, args=(child, initializer, initargs),
                                          name=f"smmgen-worker-{n}", daemon=True)
                self._threads.append(thread)
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
                for _ in self._threads:
                    self._calls.put(None)
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()

    def _serve(self, child: _Child, initializer: Callable[..., Any] | None, initargs: tuple) -> None:
        try:
            if initializer is not None:
                ok, value = self._call(child, (initializer, initargs, {}))
                if not ok:
                    self._break(f"a worker process's initializer failed: {value!r}", value)
                    return
            while (item := self._calls.get()) is not None:
                future, fn, args, kwargs = item
                del item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    ok, value = self._call(child, (fn, args, kwargs))
                except WorkersLost as lost:
                    future.set_exception(lost)
                    return
                except Exception as e:  # noqa: BLE001 (the call does not pickle: its future says so)
                    future.set_exception(e)
                    continue
                finally:
                    del args, kwargs
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
                del future, value
        except WorkersLost:
            return
        finally:
            child.close()

    def _call(self, child: _Child, call: tuple) -> tuple[bool, Any]:
        """(True, result) or (False, the exception raised); ``WorkersLost`` when the child ended first."""
        message = pickle.dumps(call, pickle.HIGHEST_PROTOCOL)
        answer = child.ask(message)
        del message
        if answer is None:
            name = getattr(call[0], "__qualname__", repr(call[0]))
            lost = self._break(f"a worker process ended ({child.ended()}) while running {name}")
            raise lost
        try:
            ok, value, *text = pickle.loads(answer)
        except Exception as e:  # noqa: BLE001 (an exception that does not unpickle here)
            return False, RuntimeError(f"the answer of a worker process cannot be read: {e}")
        if not ok and text and isinstance(value, BaseException):
            value.__cause__ = _RemoteTraceback(text[0])
        return ok, value

    def _break(self, reason: str, cause: BaseException | None = None) -> WorkersLost:
        """Mark the workers lost: every call still queued fails, and so does every later ``submit``."""
        lost = WorkersLost(reason)
        lost.__cause__ = cause
        with self._lock:
            if self._broken is None:
                self._broken = reason
            self._drain(lost)
            for _ in self._threads:     # the other children's threads end after their current call
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
