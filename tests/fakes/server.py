"""A small threaded HTTP server on 127.0.0.1 for the platform fakes, with one-shot fault injection.

A fake subclasses ``FakeServer`` and implements ``handle(request) -> Response`` (called under ``lock``, so
the fake's state changes one request at a time). Faults are matched against ``"METHOD /path"`` and fire
``times`` times:

``status``      answer with the fault's response, without handling the request
``delay``       wait ``seconds`` (past the client's timeout), then handle it: the work lands late
``drop_after``  handle the request, then close the connection without an answer
``kill_after``  handle it, SIGKILL the process ``pid()`` names, then close the connection
``answer_after`` handle it, then answer with the fault's response instead (the work done, the answer garbled)
"""

from __future__ import annotations

import datetime as dt
import email.parser
import email.policy
import json
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_path: str
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def params(self) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
        """Fields and files from JSON, urlencoded or multipart bodies (and the query string)."""
        fields: dict[str, Any] = {k: v[-1] for k, v in self.query.items()}
        files: dict[str, tuple[str, bytes, str]] = {}
        ctype = self.header("content-type") or ""
        if ctype.startswith("application/json"):
            data = self.json()
            if isinstance(data, dict):
                fields.update(data)
        elif ctype.startswith("application/x-www-form-urlencoded"):
            fields.update({k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()})
        elif ctype.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + self.body)
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                if part.get_filename() is not None:
                    files[name] = (part.get_filename(), payload, part.get_content_type())
                else:
                    fields[name] = payload.decode()
        return fields, files


@dataclass
class Response:
    status: int = 200
    body: Any = None                   # dict/list -> JSON; bytes as they are; None -> empty
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, (bytes, bytearray)):
            return bytes(self.body), headers
        if self.body is None:
            return b"", headers
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return json.dumps(self.body).encode(), headers


@dataclass
class Fault:
    match: str
    kind: str                                      # status | delay | drop_after | kill_after | answer_after
    response: Response | None = None
    seconds: float = 0.0
    pid: Callable[[], int | None] | None = None
    times: int = 1


class FakeServer:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.seen: list[Request] = []
        self.clock: dt.datetime | None = None      # None: the real time
        self._inflight = 0
        self._cond = threading.Condition()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def now(self) -> dt.datetime:
        return self.clock or dt.datetime.now(dt.UTC)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until no request is being handled (a delayed one has landed)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("fake server still busy")
                self._cond.wait(left)

    def requests_to(self, needle: str) -> list[Request]:
        with self.lock:
            return [r for r in self.seen if needle in f"{r.method} {r.path}"]

    # --- for subclasses --------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def dispatch(self, request: Request) -> Response:
        with self.lock:
            return self.handle(request)

    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            self.seen.append(request)
            for fault in self.faults:
                if fault.times > 0 and fault.match in f"{request.method} {request.path}":
                    fault.times -= 1
                    return fault
        return None

    def _enter(self) -> None:
        with self._cond:
            self._inflight += 1

    def _leave(self) -> None:
        with self._cond:
            self._inflight -= 1
            self._cond.notify_all()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, every answer after the first on a
    # kept-alive connection waits for the client's delayed ACK (40-200 ms).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        fake: FakeServer = self.server.fake  # type: ignore[attr-defined]
        fake._enter()
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Request(method=self.command, path=parts.path, query=parse_qs(parts.query),
                              raw_path=self.path, headers={k.lower(): v for k, v in self.headers.items()},
                              body=body)
            fault = fake._take_fault(request)
            if fault is not None and fault.kind == "status":
                self._send(fault.response or Response(500))
                return
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.seconds)
            response = fake.dispatch(request)
            if fault is not None and fault.kind == "answer_after":
                response = fault.response or Response(500)
            if fault is not None and fault.kind in ("drop_after", "kill_after"):
                if fault.kind == "kill_after" and fault.pid is not None:
                    pid = fault.pid()
                    if pid:
                        os.kill(pid, signal.SIGKILL)
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self._send(response)
        finally:
            fake._leave()

    def _send(self, response: Response) -> None:
        body, headers = response.encoded()
        try:
            self.send_response(response.status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True    # the client gave up (a timeout): the work was done all the same
