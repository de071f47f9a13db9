"""A build's worker process (``smmgen.build.children``): calls read from one pipe, answers written to another.

Run as ``python -m smmgen.build.child CALLS_FD ANSWERS_FD``. Every message is an 8-byte length and a pickle: the
first one the build's ``sys.path`` (so that the calls' functions import as they do in the build), then calls
``(function, args, kwargs)``, each answered by ``(True, result)`` or ``(False, exception, traceback text)``. The
process ends when the build closes the calls pipe. Its stdout and stderr are the build's: a print never mixes with
the answers. This module imports nothing of smmgen: a worker imports what its calls need, when they arrive.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import traceback
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


def write_message(pipe: IO[bytes], data: bytes) -> None:
    pipe.write(LENGTH.pack(len(data)))
    pipe.write(data)
    pipe.flush()


def answer(message: bytes) -> bytes:
    """The pickled answer to one pickled call."""
    function: Any = None
    try:
        function, args, kwargs = pickle.loads(message)
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
        sys.path[:] = pickle.loads(first)
        while (message := read_message(calls)) is not None:
            reply = answer(message)
            del message
            write_message(answers, reply)
            del reply
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
