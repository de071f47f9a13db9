"""A build's worker process (``smmgen.build.children``): calls read from one pipe, answers written to another.

Run as ``python -m smmgen.build.child CALLS_FD ANSWERS_FD``. Every message is an 8-byte length and its bytes: the
first one the build's ``sys.path`` as JSON (so that the calls' functions import as they do in the build), then calls
``(function, args, kwargs)``, each answered by ``(True, result)`` or ``(False, exception, traceback text)``. The
process ends when the build closes the calls pipe. Its stdout and stderr are the build's: a print never mixes with
the answers. This module imports nothing of smmgen: a worker imports what its calls need, when they arrive.
Calls are pickles from the build that started this process. Answers are read back by ``read_value``, which takes
only smmgen's own classes, plain values and exceptions: an answer that names anything else (``os.system``, say)
is refused, not run.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import signal
import struct
import sys
import traceback
import zoneinfo
from types import FunctionType
from typing import IO, Any

LENGTH = struct.Struct("<Q")


def read_message(pipe: IO[bytes]) -> bytes | None:
    """The next message, or None at the end of the pipe (its writer closed it or ended)."""
    head = pipe.read(LENGTH.size)           # a buffered reader returns short only at the end
    if len(head) < LENGTH.size:
        return None
    (size,) = LENGTH.unpack(head)
    data = pipe.read(size)
    return data if len(data) == size else None


_VALUES = {("datetime", n) for n in ("datetime", "date", "time", "timedelta", "timezone")} \
    | {("pathlib", n) for n in ("PosixPath", "PurePosixPath", "WindowsPath", "PureWindowsPath")} \
    | {("zoneinfo", "ZoneInfo"), ("zoneinfo", "ZoneInfo._unpickle"), ("collections", "OrderedDict"), ("collections", "deque")} \
    | {("builtins", n) for n in ("set", "frozenset", "bytearray", "complex", "slice", "range")}


class _OwnCode(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _VALUES:
            return super().find_class(module, name)
        if (module, name) == ("builtins", "getattr"):
            return _member          # how enum members and methods travel
        if module in sys.modules:       # never a module imported for the answer's sake
            try:
                found = super().find_class(module, name)
            except AttributeError:
                found = None
            # What the name reaches must be defined in smmgen (a smmgen module's import of os is not smmgen's
            # code), or be an exception, of whichever module the call raised it.
            if _own(found) or isinstance(found, type) and issubclass(found, BaseException):
                return found
        raise pickle.UnpicklingError(f"a worker's answer names {module}.{name}, which is not smmgen's")


def _own(found: Any) -> bool:
    return isinstance(found, (type, FunctionType)) and found.__module__.split(".")[0] == "smmgen"


def _member(owner: Any, name: str) -> Any:
    """``getattr`` for an answer: a public member of smmgen's own classes (an enum's member, a method), never a
    way from a value to its function's globals."""
    if (owner, name) == (zoneinfo.ZoneInfo, "_unpickle"):     # how a time zone travels
        return owner._unpickle
    if name.startswith("_") or not _own(owner if isinstance(owner, type) else type(owner)):
        raise pickle.UnpicklingError(f"a worker's answer asks for {type(owner).__name__}.{name}")
    return getattr(owner, name)


def read_value(data: bytes) -> Any:
    """An answer, of smmgen's own functions and classes, plain values and exceptions only (``_OwnCode``)."""
    return _OwnCode(io.BytesIO(data)).load()


def write_message(pipe: IO[bytes], data: bytes) -> None:
    pipe.write(LENGTH.pack(len(data)))
    pipe.write(data)
    pipe.flush()


def answer(message: bytes) -> bytes:
    """The pickled answer to one pickled call."""
    function: Any = None
    try:
        function, args, kwargs = pickle.loads(message)   # the build's own call
        del message
        outcome: tuple = (True, function(*args, **kwargs))
    except BaseException as e:  # noqa: BLE001 (every failure goes back to the build as a value)
        outcome = (False, e, traceback.format_exc())
    try:
        return pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
    except Exception as e:      # noqa: BLE001 (a result or exception that does not pickle)
        name = getattr(function, "__qualname__", repr(function))
        return pickle.dumps((False, RuntimeError(f"the answer of {name} cannot be sent back: {e}"),
                             traceback.format_exc()), pickle.HIGHEST_PROTOCOL)


def main(argv: list[str]) -> int:
    # Ctrl-C reaches the whole process group: the build decides what becomes of its workers (it closes the pipe).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with os.fdopen(int(argv[0]), "rb") as calls, os.fdopen(int(argv[1]), "wb") as answers:
        first = read_message(calls)
        if first is None:
            return 0
        sys.path[:] = [str(p) for p in json.loads(first)]
        while (message := read_message(calls)) is not None:
            reply = answer(message)
            del message
            write_message(answers, reply)
            del reply
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
