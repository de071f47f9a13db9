"""A real Bluesky PDS on loopback for the test suite, and the pytest fixtures around it.

``tests/pds/start.mjs`` runs ``@atproto/pds`` with an in-memory PLC directory, both bound to 127.0.0.1;
``tests/pds/install.sh`` installs it. Each start gets free ports and a fresh data folder, because the PLC
directory forgets every DID when it stops.

Register the fixtures with ``pytest_plugins = ["support.pds"]`` (in ``tests/conftest.py`` or a test module):
a plugin is registered once by name, so the session-scoped server starts once however many modules ask.

PYTEST_DONT_REWRITE: this module holds no assertions, and test modules import it before pytest loads it as
a plugin, which pytest would otherwise warn about.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

PDS_DIR = Path(__file__).resolve().parent.parent / "pds"
INSTALL_STAMP = PDS_DIR / "node_modules" / ".smmgen-install.sha256"
LOOPBACK = "127.0.0.1"
DEFAULT_HANDLE = "newsdesk.test"

# Base32-sortable alphabet of atproto TIDs: lexical order of the text is numeric order of the value.
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


class PdsHarnessError(RuntimeError):
    """The local PDS could not be started, stopped or used for setup."""


@dataclass(frozen=True)
class PdsServer:
    """A running local PDS: clients talk to ``pds_url``; ``public_url`` is what the PDS calls itself."""

    pds_url: str
    plc_url: str
    public_url: str
    service_did: str
    data_dir: Path
    log_path: Path
    startup_seconds: float
    process: subprocess.Popen[bytes] = field(repr=False, compare=False)


@dataclass(frozen=True)
class PdsAccount:
    """An account on the local PDS; the password is kept out of ``repr`` like any other secret."""

    pds_url: str
    handle: str
    password: str = field(repr=False)
    did: str


def make_tid(micros: int, clock_id: int = 0) -> str:
    """A valid atproto TID (record key): 53 bits of microseconds, then 10 bits of clock id, 13 characters."""
    if not 0 <= micros < 2**53:
        raise ValueError(f"micros out of range: {micros}")
    if not 0 <= clock_id < 2**10:
        raise ValueError(f"clock_id out of range: {clock_id}")
    value = (micros << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def install_stamp(lock_file: Path, node_version: str) -> str:
    """The digest tests/pds/install.sh stores after ``npm ci``: the lock file and the Node.js version."""
    lock_digest = hashlib.sha256(lock_file.read_bytes()).hexdigest()
    return hashlib.sha256(f"{lock_digest}\nnode {node_version}\n".encode()).hexdigest()


def harness_problem() -> str | None:
    """Why the local PDS cannot run here (Node.js or the installed packages missing or stale), or None."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed; run tests/pds/install.sh"
    if not (PDS_DIR / "node_modules" / "@atproto" / "pds").is_dir():
        return "tests/pds/node_modules is missing; run tests/pds/install.sh"
    version = subprocess.run(
        [node, "-p", "process.versions.node"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()
    stamp = INSTALL_STAMP.read_text().strip() if INSTALL_STAMP.is_file() else ""
    if stamp != install_stamp(PDS_DIR / "package-lock.json", version):
        return (
            "tests/pds/node_modules does not match package-lock.json and this Node.js;"
            " run tests/pds/install.sh"
        )
    return None


def _free_ports(count: int) -> list[int]:
    # All sockets stay open until every port is picked, so the ports differ from each other.
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _child_env(data_dir: Path, pds_port: int, plc_port: int) -> dict[str, str]:
    # PDS_* settings from the caller's shell would change the server under test; LOG_* pass through.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PDS_", "PLC_"))}
    env.update(
        PDS_DATA=str(data_dir),
        PDS_PORT=str(pds_port),
        PLC_PORT=str(plc_port),
        PDS_STOP_ON_STDIN_EOF="1",
    )
    return env


def _read_lines(stream, lines: queue.Queue[bytes | None]) -> None:
    for line in iter(stream.readline, b""):
        lines.put(line)
    lines.put(None)


def _log_tail(log_path: Path, limit: int = 2000) -> str:
    try:
        return log_path.read_text(errors="replace")[-limit:]
    except OSError:
        return ""


def _kill_group(process: subprocess.Popen[bytes], sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _stop_process(process: subprocess.Popen[bytes], timeout: float) -> None:
    _kill_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process, signal.SIGKILL)
        process.wait(timeout=timeout)
    finally:
        if process.stdin is not None:
            process.stdin.close()


def _start_once(workdir: Path, attempt: int, timeout: float) -> PdsServer | str:
    """One start; returns the server, or the error text when the ports were taken meanwhile."""
    pds_port, plc_port = _free_ports(2)
    data_dir = workdir / f"data-{attempt}"
    log_path = workdir / f"pds-{attempt}.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["node", "start.mjs"],
            cwd=PDS_DIR,
            env=_child_env(data_dir, pds_port, plc_port),
            stdin=subprocess.PIPE,  # closed when this process dies: the server then stops itself
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,  # its own process group, so teardown reaches every child
        )
    lines: queue.Queue[bytes | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    deadline = started + timeout
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.0))
        except queue.Empty:
            _stop_process(process, timeout=5)
            raise PdsHarnessError(
                f"local PDS not ready after {timeout:g}s; log tail:\n{_log_tail(log_path)}"
            ) from None
        if line is None:
            _stop_process(process, timeout=5)
            raise PdsHarnessError(f"local PDS exited before it was ready; log tail:\n{_log_tail(log_path)}")
        status = _parse_status(line)
        if status is None:
            continue
        if status.get("ready") is True:
            return PdsServer(
                pds_url=status["pds_url"],
                plc_url=status["plc_url"],
                public_url=status["public_url"],
                service_did=status["service_did"],
                data_dir=data_dir,
                log_path=log_path,
                startup_seconds=time.monotonic() - started,
                process=process,
            )
        _stop_process(process, timeout=5)
        error = str(status.get("error", "unknown error"))
        if "EADDRINUSE" in error:
            return error
        raise PdsHarnessError(f"local PDS failed to start: {error}\nlog tail:\n{_log_tail(log_path)}")


def _parse_status(line: bytes) -> dict | None:
    try:
        status = json.loads(line)
    except ValueError:
        return None
    return status if isinstance(status, dict) and "ready" in status else None


def start_pds(workdir: Path, *, timeout: float = 60.0, attempts: int = 3) -> PdsServer:
    """Start the local PDS on free loopback ports with a fresh data folder under ``workdir``.

    Waits at most ``timeout`` seconds for the ready line. A port taken between picking and binding
    (another process won the race) leads to a new attempt on new ports, up to ``attempts`` in all.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    errors = []
    for attempt in range(1, attempts + 1):
        result = _start_once(workdir, attempt, timeout)
        if isinstance(result, PdsServer):
            return result
        errors.append(result)
    raise PdsHarnessError(f"local PDS found no free ports in {attempts} attempts: {errors[-1]}")


def stop_pds(server: PdsServer, *, timeout: float = 10.0) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    _stop_process(server.process, timeout)


def create_account(
    pds_url: str,
    handle: str = DEFAULT_HANDLE,
    *,
    password: str | None = None,
    timeout: float = 10.0,
) -> PdsAccount:
    """Create an account through ``com.atproto.server.createAccount`` (no invite needed locally).

    ``handle`` must end in ``.test`` and its first label needs at least 3 characters.
    """
    password = password or secrets.token_urlsafe(24)
    response = requests.post(
        f"{pds_url}/xrpc/com.atproto.server.createAccount",
        json={"handle": handle, "email": f"{handle.split('.')[0]}@example.com", "password": password},
        timeout=timeout,
    )
    if response.status_code != 200:
        raise PdsHarnessError(f"createAccount {handle}: HTTP {response.status_code} {response.text}")
    body = response.json()
    return PdsAccount(pds_url=pds_url, handle=body["handle"], password=password, did=body["did"])


def _ci_requested() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def bluesky_pds_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PdsServer]:
    """The local PDS for the whole session. Skips when it is not installed, but fails under CI."""
    problem = harness_problem()
    if problem is not None:
        if _ci_requested():
            pytest.fail(f"local Bluesky PDS unavailable under CI: {problem}", pytrace=False)
        pytest.skip(f"local Bluesky PDS unavailable: {problem}")
    server = start_pds(tmp_path_factory.mktemp("bluesky-pds"))
    try:
        yield server
    finally:
        stop_pds(server)


@pytest.fixture(scope="session")
def bluesky_pds(bluesky_pds_server: PdsServer) -> PdsAccount:
    """The ``newsdesk.test`` account on the session's local PDS."""
    return create_account(bluesky_pds_server.pds_url, DEFAULT_HANDLE)
