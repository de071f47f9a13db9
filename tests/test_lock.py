"""The publisher's lock file: one holder at a time, owner in the message, stale locks taken over, always released."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from smmgen.errors import SmmgenError
from smmgen.publish.lock import acquire, lock_path

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
STALE = dt.timedelta(minutes=30)


@pytest.fixture
def ledger(tmp_path):
    return tmp_path / ".smmgen" / "ledger.json"


def test_the_lock_records_its_owner_next_to_the_ledger_and_goes_away_after(ledger, monkeypatch):
    monkeypatch.setenv("GITHUB_RUN_ID", "987654")
    with acquire(ledger, STALE, T0) as me:
        path = lock_path(ledger)
        assert path == ledger.parent / "ledger.json.lock"
        data = json.loads(path.read_text())
        assert data["host"] == socket.gethostname() and data["pid"] == os.getpid()
        assert data["run_id"] == "987654" and data["since"] == "2026-11-20T08:00:00Z"
        assert data["token"] == me.token
    assert not path.exists()


def test_a_second_publisher_is_refused_with_the_owner_named(ledger, monkeypatch):
    monkeypatch.setenv("GITHUB_RUN_ID", "111")
    with acquire(ledger, STALE, T0):
        monkeypatch.setenv("GITHUB_RUN_ID", "222")
        with pytest.raises(SmmgenError) as refused, acquire(ledger, STALE, T0 + dt.timedelta(minutes=5)):
            pytest.fail("two publishers held the lock")
        message = refused.value.message
        assert "publishing is locked by GitHub Actions run 111 on " in message
        assert f"(pid {os.getpid()}) since 2026-11-20T08:00:00Z" in message
        assert "stale after 30 min" in message and "delete ledger.json.lock" in message
        # The refused publisher left the holder's lock alone.
        assert json.loads(lock_path(ledger).read_text())["run_id"] == "111"
    assert not lock_path(ledger).exists()


def test_the_lock_is_released_when_publishing_fails(ledger):
    with pytest.raises(RuntimeError), acquire(ledger, STALE, T0):
        raise RuntimeError("platform down")
    assert not lock_path(ledger).exists()
    with acquire(ledger, STALE, T0):
        pass


def test_a_stale_lock_is_taken_over_and_its_late_holder_does_not_remove_the_new_one(ledger):
    with acquire(ledger, STALE, T0):
        # The first run hangs past the stale time; the next run takes the lock over.
        with acquire(ledger, STALE, T0 + STALE) as second:
            assert json.loads(lock_path(ledger).read_text())["token"] == second.token
        assert not lock_path(ledger).exists()
    # The first run's release did not touch anything (the file was no longer its own).
    assert not lock_path(ledger).exists()


def test_a_late_holder_leaves_the_new_holders_lock_in_place(ledger):
    first = acquire(ledger, STALE, T0)
    first.__enter__()
    second = acquire(ledger, STALE, T0 + 2 * STALE)
    me = second.__enter__()
    first.__exit__(None, None, None)
    assert json.loads(lock_path(ledger).read_text())["token"] == me.token
    second.__exit__(None, None, None)
    assert not lock_path(ledger).exists()


def test_an_unreadable_lock_counts_as_stale_only_by_its_file_age(ledger):
    path = lock_path(ledger)
    path.parent.mkdir(parents=True)
    path.write_text("")               # e.g. a publisher that died between creating and writing it
    with pytest.raises(SmmgenError, match="another publisher \\(the lock file is unreadable\\)"), \
            acquire(ledger, STALE, T0):
        pass
    old = time.time() - STALE.total_seconds() - 60
    os.utime(path, (old, old))
    with acquire(ledger, STALE, T0):
        assert json.loads(path.read_text())["since"] == "2026-11-20T08:00:00Z"


@pytest.mark.parametrize("stale_start", [False, True])
def test_racing_publishers_never_hold_the_lock_together(ledger, stale_start):
    if stale_start:
        # Every racer finds the same stale lock: exactly the takeover race the breaker file guards.
        lock_path(ledger).parent.mkdir(parents=True)
        lock_path(ledger).write_text(json.dumps({"host": "gone", "pid": 1, "run_id": None,
                                                 "since": "2026-11-20T06:00:00Z", "token": "old"}))
    holders = 0
    most = 0
    won = 0
    count = threading.Lock()
    start = threading.Barrier(8)

    def publisher() -> None:
        nonlocal holders, most, won
        start.wait()
        try:
            with acquire(ledger, STALE, T0):
                with count:
                    holders += 1
                    won += 1
                    most = max(most, holders)
                time.sleep(0.05)
                with count:
                    holders -= 1
        except SmmgenError:
            pass

    threads = [threading.Thread(target=publisher) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1 and won >= 1
    assert not lock_path(ledger).exists()


# --- a holder that provably died, a lock dated in the future ------------------------------------------------------

HOLD = """\
import datetime as dt, os, signal, sys
from pathlib import Path
from smmgen.publish.lock import acquire
with acquire(Path(sys.argv[1]), dt.timedelta(minutes=30), dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)):
    print("held", flush=True)
    if sys.argv[2] == "kill":
        os.kill(os.getpid(), signal.SIGKILL)     # no finally runs: the lock file stays behind
    sys.stdin.read()                             # hold until the test closes stdin
"""


def _holder(ledger, how: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(ledger), how], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline() == "held\n"
    return proc


def test_a_lock_whose_holder_was_killed_on_this_host_is_taken_over_at_once(ledger):
    proc = _holder(ledger, "kill")
    assert proc.wait(timeout=30) == -signal.SIGKILL
    left = json.loads(lock_path(ledger).read_text())
    assert left["pid"] == proc.pid and left["host"] == socket.gethostname()
    # A minute later, long before the lock would count as stale by its age:
    with acquire(ledger, STALE, T0 + dt.timedelta(minutes=1)) as me:
        assert json.loads(lock_path(ledger).read_text())["token"] == me.token
    assert not lock_path(ledger).exists()


def test_a_lock_whose_holder_still_runs_on_this_host_is_not_taken_over(ledger):
    proc = _holder(ledger, "hold")
    try:
        with pytest.raises(SmmgenError, match=f"\\(pid {proc.pid}\\)"), \
                acquire(ledger, STALE, T0 + dt.timedelta(minutes=1)):
            pytest.fail("took over the lock of a running publisher")
    finally:
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    assert not lock_path(ledger).exists()


def _written_by(ledger, holder: str, since: str) -> dict:
    """The lock file a publisher left: ``holder`` "killed" (a real run on this host, killed), "alive" (this
    process), or the name of another host."""
    path = lock_path(ledger)
    path.parent.mkdir(parents=True, exist_ok=True)
    if holder == "killed":
        _holder(ledger, "kill").wait(timeout=30)
    else:
        with acquire(ledger, STALE, T0) as me:
            data = {**json.loads(path.read_text()), "token": me.token}
        if holder != "alive":
            data["host"] = holder
        path.write_text(json.dumps(data))
    data = json.loads(path.read_text())
    data["since"] = since
    path.write_text(json.dumps(data))
    return data


@pytest.mark.parametrize("holder, taken_over", [
    ("killed", True),               # provably gone: taken over although its age says nothing
    ("alive", False),
    ("another-runner", False),      # a pid on another host proves nothing
])
def test_a_lock_dated_in_the_future_is_taken_over_only_when_its_holder_provably_died(ledger, holder, taken_over):
    path = lock_path(ledger)
    left = _written_by(ledger, holder, "2099-01-01T00:00:00Z")
    later = T0 + 100 * STALE
    if taken_over:
        with acquire(ledger, STALE, later) as me:
            assert json.loads(path.read_text())["token"] == me.token
        return
    with pytest.raises(SmmgenError) as refused, acquire(ledger, STALE, later):
        pytest.fail("took over a lock dated in the future")
    message = refused.value.message
    assert message.startswith(f"{path}: publishing is locked by ") and "since 2099-01-01T00:00:00Z" in message
    assert "a time still to come" in message and f"If no publisher is running, delete {path}." in message
    assert json.loads(path.read_text())["token"] == left["token"]


@pytest.mark.parametrize("pid_space", ["pid:[1]", None], ids=["another-pid-namespace", "not-recorded"])
def test_a_dead_pid_proves_nothing_from_another_pid_namespace(ledger, pid_space):
    # E.g. a container that shares the host's name (--network host) but not its processes; or a lock written
    # before the namespace was recorded.
    left = _written_by(ledger, "killed", "2026-11-20T08:00:00Z")
    left["pid_space"] = pid_space
    lock_path(ledger).write_text(json.dumps(left))
    with pytest.raises(SmmgenError, match=f"\\(pid {left['pid']}\\)"), acquire(ledger, STALE, T0 + STALE / 2):
        pytest.fail("took over on a pid that proves nothing")
    with acquire(ledger, STALE, T0 + STALE):        # its age still frees it
        pass


def test_an_unreadable_lock_dated_in_the_future_says_so(ledger):
    path = lock_path(ledger)
    path.parent.mkdir(parents=True)
    path.write_text("")
    future = time.time() + 86400
    os.utime(path, (future, future))
    with pytest.raises(SmmgenError, match="unreadable\\), a time still to come .* delete "), \
            acquire(ledger, STALE, T0):
        pass
    assert path.exists()


# --- the takeover race, at the exact point where it happens ----------------------------------------------------------

def _stale_lock(ledger) -> None:
    lock_path(ledger).parent.mkdir(parents=True)
    lock_path(ledger).write_text(json.dumps({"host": "gone", "pid": 1, "run_id": None,
                                             "since": "2026-11-20T06:00:00Z", "token": "old"}))


def _pause_in(monkeypatch, thread_name: str, call: int, paused: threading.Event, go: threading.Event) -> None:
    """Stop ``thread_name`` right after its ``call``-th read of the lock file until ``go`` is set."""
    from smmgen.publish import lock

    read = lock._read
    calls = 0

    def reading(path):
        nonlocal calls
        text = read(path)
        if threading.current_thread().name == thread_name:
            calls += 1
            if calls == call:
                paused.set()
                assert go.wait(10)
        return text

    monkeypatch.setattr(lock, "_read", reading)


def _in_thread(ledger, name: str, outcome: dict) -> threading.Thread:
    def run() -> None:
        try:
            with acquire(ledger, STALE, T0) as me:
                outcome["held"] = me.token
        except SmmgenError as e:
            outcome["refused"] = e.message

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def test_a_publisher_that_read_the_stale_lock_before_another_took_it_over_leaves_the_new_lock(ledger,
                                                                                            monkeypatch):
    # Slow read the stale lock; Fast takes it over; then Slow, still holding the stale lock's text, tries to
    # break it: it must find the lock changed and give up, not delete Fast's.
    _stale_lock(ledger)
    paused, go, outcome = threading.Event(), threading.Event(), {}
    _pause_in(monkeypatch, "slow", 1, paused, go)
    slow = _in_thread(ledger, "slow", outcome)
    assert paused.wait(10)
    with acquire(ledger, STALE, T0) as fast:
        go.set()
        slow.join(10)
        assert json.loads(lock_path(ledger).read_text())["token"] == fast.token
    assert "held" not in outcome and "publishing is locked by " in outcome["refused"]
    assert f"(pid {os.getpid()})" in outcome["refused"]
    assert not lock_path(ledger).exists()


def test_a_publisher_meeting_another_mid_takeover_gives_up(ledger, monkeypatch):
    # First is inside the takeover (breaker file made, about to check and remove the stale lock); Second finds the
    # same stale lock then: it must not break it too.
    _stale_lock(ledger)
    paused, go, outcome = threading.Event(), threading.Event(), {}
    _pause_in(monkeypatch, "first", 2, paused, go)        # its second read: the one under the breaker file
    first = _in_thread(ledger, "first", outcome)
    assert paused.wait(10)
    assert lock_path(ledger).with_name("ledger.json.lock.break").exists()
    with pytest.raises(SmmgenError, match="taking over the stale lock of gone \\(pid 1\\)"), \
            acquire(ledger, STALE, T0):
        pytest.fail("two publishers took over the same stale lock")
    assert json.loads(lock_path(ledger).read_text())["token"] == "old"
    go.set()
    first.join(10)
    assert "refused" not in outcome and outcome["held"]
    assert not lock_path(ledger).exists() and not lock_path(ledger).with_name("ledger.json.lock.break").exists()
