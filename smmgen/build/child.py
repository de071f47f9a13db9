"""A build's worker process (``smmgen.build.children``): calls read from one pipe, answers written to another.

Run as ``python -m smmgen.build.child CALLS_FD ANSWERS_FD [MODULE ...]``. Every message is an 8-byte length and
its bytes: the first one the build's ``sys.path`` as JSON (so that the calls' functions import as they do in the
build), then calls ``(function, args, kwargs)``, each answered by ``(True, result)`` or ``(False, exception,
traceback text)``. The process ends when the build closes the calls pipe. Its stdout and stderr are the build's: a
print never mixes with the answers. This module imports nothing of smmgen: a worker imports what its calls need,
when they arrive.
No pickle read here or from here can run code of its own choosing. A call is read by ``CallReader``: its function
and every class and function in its arguments are smmgen's or of the MODULEs named on the command line (the
``code_from`` of ``Children``: the pipe cannot widen what a worker takes), besides plain values and exceptions; a
call that names anything else (``os.system``, ``builtins.eval``, ``subprocess.Popen``) fails with
``pickle.UnpicklingError`` before anything runs, and the worker answers the next one. Answers are read back by
``read_value``: smmgen's own classes and functions, plain values and exceptions only.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import pickle
import signal
import struct
import sys
import traceback
import zoneinfo
from collections.abc import Callable
from types import FunctionType, MethodType
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
    code: tuple[str, ...] = ()
    """Modules (or packages) whose functions and classes are taken besides smmgen's."""
    what = "a worker's answer"
    hint = ""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _VALUES:
            return super().find_class(module, name)
        if (module, name) == ("builtins", "getattr"):
            return _member          # how enum members and methods travel
        if module in sys.modules:       # never a module imported for the message's sake but code it may take
            try:
                found = super().find_class(module, name)
            except AttributeError:
                found = None
            # What the name reaches must be defined in smmgen (a smmgen module's import of os is not smmgen's
            # code), or be an exception, of whichever module the call raised it.
            if _own(found, self.code) or isinstance(found, type) and issubclass(found, BaseException):
                return found
        raise pickle.UnpicklingError(f"{self.what} names {module}.{name}, which is not smmgen's"
                                     + (f" nor of {', '.join(self.code)}" if self.code else "") + self.hint)


def _own(found: Any, code: tuple[str, ...] = ()) -> bool:
    """Whether ``found`` is a function or class defined in smmgen or in a module of ``code``."""
    return isinstance(found, (type, FunctionType)) and _of(found.__module__, code)


def _of(module: Any, code: tuple[str, ...]) -> bool:
    """Whether ``module`` is smmgen or one of its modules, or one of ``code`` or a module of one of them."""
    return isinstance(module, str) and (module.split(".")[0] == "smmgen"
                                        or any(module == c or module.startswith(c + ".") for c in code))


def _member(owner: Any, name: str) -> Any:
    """``getattr`` for a message: a public member of smmgen's own classes (an enum's member, a method), never a
    way from a value to its function's globals nor to a function of another module that a class holds."""
    if (owner, name) == (zoneinfo.ZoneInfo, "_unpickle"):     # how a time zone travels
        return owner._unpickle
    kind = owner if isinstance(owner, type) else type(owner)
    if name.startswith("_") or not _own(kind):
        raise pickle.UnpicklingError(f"a message asks for {kind.__qualname__}.{name}, not a public member of "
                                     "smmgen's code")
    found = getattr(owner, name)
    if callable(found) and not _runs_own(found):     # a method a smmgen class inherits from another module's
        raise pickle.UnpicklingError(f"a message asks for {kind.__qualname__}.{name}, which is not smmgen's")
    return found


def _runs_own(found: Any, code: tuple[str, ...] = ()) -> bool:
    """Whether calling ``found`` runs code of smmgen or of ``code``: one of their functions or classes, a method
    of one of their functions, or an instance of one of their classes."""
    if isinstance(found, MethodType):
        found = found.__func__
    return _own(found, code) or _own(type(found), code)


def read_value(data: bytes) -> Any:
    """An answer, of smmgen's own functions and classes, plain values and exceptions only (``_OwnCode``)."""
    return _OwnCode(io.BytesIO(data)).load()


_CODE_FROM = " (a worker runs the code of smmgen and of the modules named in Children's code_from only)"


class _Call(_OwnCode):
    what = "a call"
    hint = _CODE_FROM

    def __init__(self, data: bytes, reader: CallReader):
        super().__init__(io.BytesIO(data))
        self.code = reader.code
        self.reader = reader

    def find_class(self, module: str, name: str) -> Any:
        found = self.reader.found.get((module, name), self)
        if found is self:
            if module not in sys.modules and _of(module, self.code):
                importlib.import_module(module)     # the call's own code, imported as the build does
            found = self.reader.found[module, name] = super().find_class(module, name)
        return found


class CallReader:
    """Reads a call ``(function, args, kwargs)``: its function smmgen's or of a module of ``code``, and its
    arguments of their functions and classes, plain values and exceptions only; anything else is an
    ``UnpicklingError`` raised before anything of the call runs. What a name reached is kept: a worker's calls
    name the same few classes again and again."""

    def __init__(self, code: tuple[str, ...] = ()):
        self.code = code
        self.found: dict[tuple[str, str], Any] = {}

    def __call__(self, data: bytes) -> tuple[Callable[..., Any], tuple, dict[str, Any]]:
        function, args, kwargs = _Call(data, self).load()
        if not _runs_own(function, self.code):
            raise pickle.UnpicklingError(f"a call asks to run {function!r}, which is not smmgen's"
                                         + (f" nor of {', '.join(self.code)}" if self.code else "") + _CODE_FROM)
        return function, args, kwargs


def write_message(pipe: IO[bytes], data: bytes) -> None:
    pipe.write(LENGTH.pack(len(data)))
    pipe.write(data)
    pipe.flush()


def answer(message: bytes, read: CallReader) -> bytes:
    """The pickled answer to one pickled call."""
    function: Any = None
    try:
        function, args, kwargs = read(message)
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
    read = CallReader(tuple(argv[2:]))
    with os.fdopen(int(argv[0]), "rb") as calls, os.fdopen(int(argv[1]), "wb") as answers:
        first = read_message(calls)
        if first is None:
            return 0
        sys.path[:] = [str(p) for p in json.loads(first)]
        while (message := read_message(calls)) is not None:
            reply = answer(message, read)
            del message
            write_message(answers, reply)
            del reply
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
