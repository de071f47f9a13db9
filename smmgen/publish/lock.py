"""The publisher's lock: one publisher at a time per ledger, even when a manual run meets the scheduled one.

The workflows' ``concurrency:`` group is the first line of defence; this lock file next to the ledger
(``ledger.json.lock``) is the second, and the only one for runs outside GitHub Actions. It is created atomically
(``O_CREAT | O_EXCL``), records who holds it and since when, and is removed when the holder finishes, whatever
happens. The next publisher takes a lock over when its holder provably died (it ran on this host, and no process
has its pid any more: a run killed with SIGKILL) or when it is older than ``stale_after`` (a run that died
elsewhere). A lock dated in the future has no age: only its holder's provable death frees it, else the error says
to delete it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from smmgen.errors import SmmgenError

UTC = dt.UTC
BREAKER_STALE_SECONDS = 60     # a takeover that died half-way blocks others for at most this long


@dataclass(frozen=True)
class LockOwner:
    """Who holds the lock: shown in the error a second publisher gets."""

    host: str
    pid: int
    run_id: str | None         # GITHUB_RUN_ID when running in GitHub Actions
    since: dt.datetime         # UTC
    token: str                 # tells this holder's lock file from a later one at the same path
    pid_space: str | None = None  # whose pids ``pid`` counts in (``_pid_space``); None: not recorded

    def describe(self) -> str:
        run = f"GitHub Actions run {self.run_id} on " if self.run_id else ""
        return f"{run}{self.host} (pid {self.pid}) since {self.since.strftime('%Y-%m-%dT%H:%M:%SZ')}"

    def to_json(self) -> str:
        return json.dumps({"host": self.host, "pid": self.pid, "run_id": self.run_id,
                           "since": self.since.strftime("%Y-%m-%dT%H:%M:%SZ"), "token": self.token,
                           "pid_space": self.pid_space},
                          sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LockOwner | None:
        try:
            data = json.loads(text)
            since = dt.datetime.fromisoformat(data["since"])
            return cls(host=str(data["host"]), pid=int(data["pid"]), run_id=data.get("run_id"),
                       since=since if since.tzinfo else since.replace(tzinfo=UTC), token=str(data["token"]),
                       pid_space=str(data["pid_space"]) if data.get("pid_space") is not None else None)
        except (ValueError, KeyError, TypeError):
            return None


def lock_path(ledger_path: Path) -> Path:
    return ledger_path.with_name(ledger_path.name + ".lock")


@contextmanager
def acquire(ledger_path: Path, stale_after: dt.timedelta,
            now: dt.datetime | None = None) -> Iterator[LockOwner]:
    """Hold the ledger's lock for the ``with`` block; raise SmmgenError naming the holder when it is taken.

    ``now`` is the time written into the lock and compared with a held lock's age (default: the current time).
    """
    now = (now or dt.datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    path = lock_path(ledger_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    me = LockOwner(host=socket.gethostname(), pid=os.getpid(), run_id=os.environ.get("GITHUB_RUN_ID") or None,
                   since=now, token=secrets.token_hex(8), pid_space=_pid_space())
    holder: LockOwner | None = None
    for _attempt in range(3):
        if _create(path, me):
            break
        held_text = _read(path)
        if held_text is None:
            continue                # released in the meantime: try again
        holder = LockOwner.from_json(held_text)
        if holder is not None:
            stale = _gone(holder) or (holder.since <= now and now - holder.since >= stale_after)
        else:
            # An unreadable lock may be one being written this instant: only its file age can call it stale.
            stale = _file_age(path) >= stale_after.total_seconds()
        if not stale:
            raise SmmgenError(_held_message(path, holder, stale_after, now))
        broken = _break(path, held_text)
        if broken == "busy":
            who = holder.describe() if holder else "another publisher"
            raise SmmgenError(f"{path}: another publisher is taking over the stale lock of {who} right now; "
                              "try again in a minute.")
        # "removed": create ours next; "changed": someone took it over first, judge the new holder.
    else:
        raise SmmgenError(_held_message(path, holder, stale_after, now))
    try:
        yield me
    finally:
        # Only our own lock is removed: if it was taken over as stale, the file is someone else's now.
        if (text := _read(path)) is not None and (owner := LockOwner.from_json(text)) and owner.token == me.token:
            path.unlink(missing_ok=True)


def _create(path: Path, owner: LockOwner) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, owner.to_json().encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def _gone(holder: LockOwner) -> bool:
    """Whether the holder's process provably ended: it ran on this host, among the pids this process sees, and no
    process has its pid now. A pid taken by another process since only makes the holder look alive (the lock
    then waits for its age)."""
    if holder.host != socket.gethostname() or holder.pid_space != _pid_space() or holder.pid <= 0:
        return False
    try:
        os.kill(holder.pid, 0)         # signal 0: nothing is sent, only whether the process exists is checked
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):   # PermissionError: a process of another user has the pid
        return False
    return False


def _pid_space() -> str:
    """Which processes a pid names: on Linux, the pid namespace (a container that shares the host's name, as with
    ``--network host``, has pids of its own); elsewhere every process of the host."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _file_age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""


def _break(path: Path, seen: str) -> Literal["removed", "changed", "busy"]:
    """Remove a stale lock (whose text was ``seen``), unless another publisher got there first: "changed" when
    the lock is no longer that one, "busy" when another publisher is removing it this instant.

    Two publishers may find the same stale lock; without the breaker file, the slower one could delete the lock
    the faster one has just created. The breaker makes "is it still the stale one? then remove it" one step.
    """
    breaker = path.with_name(path.name + ".break")
    try:
        fd = os.open(breaker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            if time.time() - breaker.stat().st_mtime > BREAKER_STALE_SECONDS:
                breaker.unlink(missing_ok=True)
        except FileNotFoundError:
            pass
        return "busy"
    try:
        if _read(path) != seen:
            return "changed"
        path.unlink(missing_ok=True)
        return "removed"
    finally:
        os.close(fd)
        breaker.unlink(missing_ok=True)


def _held_message(path: Path, holder: LockOwner | None, stale_after: dt.timedelta, now: dt.datetime) -> str:
    who = holder.describe() if holder else "another publisher (the lock file is unreadable)"
    future = holder.since > now if holder is not None else _file_age(path) < 0
    if future:
        return (f"{path}: publishing is locked by {who}, a time still to come (a clock set wrong?), so the lock "
                f"never counts as stale by its age. If no publisher is running, delete {path}.")
    return (f"{path}: publishing is locked by {who}; the lock counts as stale after "
            f"{int(stale_after.total_seconds() // 60)} min. If no publisher is running, delete {path.name}.")
