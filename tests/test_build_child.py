"""A worker process reads the build's calls without running code a call names (smmgen.build.child.CallReader)."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smmgen.build.child import _of, read_message, read_value, write_message
from smmgen.build.children import Children


class _Runs:
    """Unpickles as ``call(*args)`` run: the classic ``__reduce__`` gadget."""

    def __init__(self, call: Any, *args: Any):
        self.call, self.args = call, args

    def __reduce__(self) -> tuple:
        return self.call, self.args


class _Touches:
    """A class of this module: making one creates ``path``."""

    def __init__(self, path: str):
        Path(path).touch()


def _touch(path: str) -> None:
    Path(path).touch()


class _Worker:
    """A worker process started as ``Children`` starts one, whose calls pipe the test writes itself."""

    def __init__(self, *code_from: str):
        calls_read, calls_write = os.pipe()
        answers_read, answers_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "smmgen.build.child", str(calls_read), str(answers_write), *code_from],
            pass_fds=(calls_read, answers_write), stdin=subprocess.DEVNULL)
        os.close(calls_read)
        os.close(answers_write)
        self.calls = os.fdopen(calls_write, "wb")
        self.answers = os.fdopen(answers_read, "rb")
        write_message(self.calls, json.dumps(sys.path).encode())

    def call(self, message: bytes) -> tuple:
        write_message(self.calls, message)
        answer = read_message(self.answers)
        assert answer is not None, "the worker ended"
        return read_value(answer)

    def close(self) -> int:
        self.calls.close()
        code = self.process.wait(20)
        self.answers.close()
        return code


@pytest.fixture
def worker() -> Iterator[_Worker]:
    started = _Worker()
    yield started
    assert started.close() == 0


def _u(text: str) -> bytes:
    """A protocol 4 SHORT_BINUNICODE."""
    data = text.encode()
    return b"\x8c" + bytes([len(data)]) + data


def _hostile(marker: Path) -> dict[str, bytes]:
    touch = f"touch {marker}"
    return {
        "os.system called": pickle.dumps((os.system, (touch,), {}), pickle.HIGHEST_PROTOCOL),
        "os.system gadget as the function": pickle.dumps((_Runs(os.system, touch), (), {}), pickle.HIGHEST_PROTOCOL),
        "os.system gadget in an argument": pickle.dumps((_of, (_Runs(os.system, touch),), {}), pickle.HIGHEST_PROTOCOL),
        "os.system through a smmgen module's import of os":
            b"\x80\x04" + _u("smmgen.build.child") + _u("os.system") + b"\x93" + _u(touch) + b"\x85R.",
        "builtins.eval": pickle.dumps((eval, (f"open({str(marker)!r}, 'w').close()",), {}), pickle.HIGHEST_PROTOCOL),
        "subprocess.Popen": pickle.dumps((subprocess.Popen, (["touch", str(marker)],), {}), pickle.HIGHEST_PROTOCOL),
        "a class of a module not named": pickle.dumps((_Touches, (str(marker),), {}), pickle.HIGHEST_PROTOCOL),
        "a class of a module not named, in an argument":
            pickle.dumps((_of, (_Runs(_Touches, str(marker)), ()), {}), pickle.HIGHEST_PROTOCOL),
        "a value's class as the function": pickle.dumps((Path, (str(marker),), {}), pickle.HIGHEST_PROTOCOL),
        "a smmgen class's private member": pickle.dumps((getattr, (Children, "__init__"), {}), pickle.HIGHEST_PROTOCOL),
        "another module's method through a smmgen class":
            pickle.dumps((_of, (_Runs(getattr, Children, "map"), ()), {}), pickle.HIGHEST_PROTOCOL),
    }


def test_a_call_that_names_code_not_smmgens_is_refused_runs_nothing_and_the_worker_answers_the_next(
        worker: _Worker, tmp_path: Path) -> None:
    """A call is read by a restricted unpickler: a call that runs, or whose arguments name, a function or class
    other than smmgen's (os.system, eval, subprocess.Popen, a ``__reduce__`` gadget, a class of a module the
    worker was not told of) fails with what it named, nothing of it runs, and the worker serves on."""
    marker = tmp_path / "ran"
    good = pickle.dumps((_of, ("smmgen.cards", ()), {}), pickle.HIGHEST_PROTOCOL)
    assert worker.call(good) == (True, True)
    for what, message in _hostile(marker).items():
        ok, failure, text = worker.call(message)
        assert not ok and isinstance(failure, pickle.UnpicklingError), what
        assert "not smmgen's" in str(failure) or "not a public member" in str(failure), what
        assert not marker.exists(), what
        assert worker.call(good) == (True, True), what
    ok, failure, _ = worker.call(_hostile(marker)["os.system called"])
    assert str(failure) == ("a call names posix.system, which is not smmgen's (a worker runs the code of smmgen "
                            "and of the modules named in Children's code_from only)")


def test_a_worker_told_of_a_module_runs_its_code_and_still_refuses_any_other(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    started = _Worker(__name__)
    try:
        hostile = _hostile(marker)
        ok, failure, _ = started.call(hostile["os.system gadget in an argument"])
        assert not ok and not marker.exists()
        assert str(failure).startswith(f"a call names posix.system, which is not smmgen's nor of {__name__} (")
        assert started.call(hostile["a class of a module not named, in an argument"]) == (True, False)
        assert marker.exists()      # the message refused above when the module was not named does run here
    finally:
        assert started.close() == 0


def test_children_run_only_smmgens_functions_and_those_of_the_modules_named_in_code_from(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with Children(1) as children:
        with pytest.raises(pickle.UnpicklingError, match=r"posix\.system.*code_from"):
            children.submit(os.system, f"touch {marker}").result()
        with pytest.raises(pickle.UnpicklingError, match="_Touches"):
            children.submit(_Touches, str(marker)).result()
        assert not marker.exists()
        assert children.submit(_of, "smmgen.cards", ()).result() is True
    with Children(1, code_from=(__name__,)) as children:
        children.submit(_touch, str(marker)).result()
        assert marker.exists()
    for wrong in (("--evil",), ("tests.",), "tests.test_build_child", (None,)):
        with pytest.raises(ValueError, match="code_from is a tuple of module names"):
            Children(1, code_from=wrong)
