"""`smmgen serve` over real HTTP on 127.0.0.1: who it answers, what it serves, and how it survives bad clients.

The server runs as the command does, in a subprocess; requests are written on raw sockets where a client
library would refuse to send them (a foreign Host, a NUL in the path, a connection that never speaks).
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from pathlib import Path

import pytest
from support.serving import ServeProcess

from smmgen.preview import serve as serve_module
from smmgen.preview.serve import MAX_CONNECTIONS, REQUEST_TIMEOUT, LiveSite, Snapshot, internal_error, make_server

ARTICLE = """\
---
title: The harbour reopens
date: 2026-11-20T08:00:00+01:00
summary: Ferries run again from Monday.
---

The harbour reopens after the storm.
"""


def ask(port: int, request: bytes, timeout: float = 10) -> tuple[int | None, bytes]:
    """Send ``request`` as it is and read until the server closes: (status, whole response)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", response)
    return (int(m.group(1)) if m else None), response


def get(port: int, path: str, host: str | None = "127.0.0.1") -> tuple[int | None, bytes]:
    head = f"GET {path} HTTP/1.1\r\n" + (f"Host: {host}\r\n" if host is not None else "") + "Connection: close\r\n\r\n"
    return ask(port, head.encode("latin-1"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("serve") / "site"
    (root / "content").mkdir(parents=True)
    (root / "smmgen.toml").write_text('[site]\nname = "Harbour News"\nbase_url = "https://news.example"\n'
                                      '\n[platforms.mastodon]\nhandle = "@desk@social.example"\n', encoding="utf-8")
    (root / "content" / "harbour.md").write_text(ARTICLE, encoding="utf-8")
    # Outside output/: what no request may read, and links inside output/ that lead to it.
    outside = root.parent / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET-OUTSIDE", encoding="utf-8")
    (outside / "index.html").write_text("<p>SECRET-OUTSIDE</p>", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def server(site):
    running = ServeProcess(site)
    output = site / "output"
    (output / "leak.txt").symlink_to(site.parent / "private" / "secret.txt")
    (output / "preview" / "leak.html").symlink_to(site.parent / "private" / "index.html")
    (output / "outside").symlink_to(site.parent / "private", target_is_directory=True)
    (output / "inner").mkdir()
    (output / "inner" / "index.html").symlink_to(site.parent / "private" / "index.html")
    yield running
    running.stop()


def test_loopback_names_are_answered_with_or_without_the_port(server):
    port = server.port
    for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}", "LocalHost", "[::1]",
                 f"[::1]:{port}"):
        status, response = get(port, "/manifest.json", host)
        assert status == 200 and b'"entries"' in response, host


def test_any_other_host_is_refused_so_dns_rebinding_reads_nothing(server):
    port = server.port
    for host in ("evil.example", f"evil.example:{port}", "localhost.evil.example", "127.0.0.1.nip.io",
                 f"127.0.0.1:{port + 1}", "", None):
        for path in ("/manifest.json", "/preview/index.html", "/preview/articles/harbour.html",
                     "/__smmgen/build-id"):
            status, response = get(port, path, host)
            assert status == 403, (host, path, response[:200])
            assert b"entries" not in response and b"harbour" not in response.lower()


def test_a_nul_or_control_character_in_the_path_is_a_clean_400(server):
    for raw in (b"GET /a%00b HTTP/1.1\r\n", b"GET /preview/x%00.html HTTP/1.1\r\n", b"GET /a\x00b HTTP/1.1\r\n",
                b"HEAD /manifest.json%00 HTTP/1.1\r\n", b"GET /a%0d%0aSet-Cookie:x HTTP/1.1\r\n"):
        status, response = ask(server.port, raw + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert status == 400, (raw, response[:200])
    assert get(server.port, "/manifest.json")[0] == 200
    assert "Traceback" not in server.output()


@pytest.mark.parametrize("path", [
    "/../smmgen.toml", "/%2e%2e/smmgen.toml", "/%2E%2E/%2e%2e/private/secret.txt", "/preview/../../smmgen.toml",
    "/preview/%2e%2e/%2e%2e/smmgen.toml", "/..%2f..%2fsmmgen.toml", "/leak.txt", "/preview/leak.html",
    "/outside/secret.txt", "/outside/", "/inner/", "/preview/%2e%2e/%2e%2e/private/index.html",
])
def test_nothing_outside_output_is_served(server, path):
    status, response = get(server.port, path)
    assert status in (301, 404), (path, response[:300])
    assert b"SECRET-OUTSIDE" not in response and b"base_url" not in response


def test_an_idle_connection_is_closed_after_the_request_timeout(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=REQUEST_TIMEOUT + 10) as conn:
        started = time.monotonic()
        conn.sendall(b"GET /manifest.json HTTP/1.1\r\n")        # and never the rest
        assert conn.recv(65536) == b""
        assert time.monotonic() - started < REQUEST_TIMEOUT + 5


def test_connections_beyond_the_bound_are_turned_away_and_the_server_recovers(server):
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(MAX_CONNECTIONS)]
    try:
        # Once the server has accepted them all (each holding a thread; slower on a busy machine), a new
        # connection is turned away; well within the idle timeout that would free them.
        deadline = time.monotonic() + REQUEST_TIMEOUT - 1
        while (answer := get(server.port, "/manifest.json"))[0] != 503 and time.monotonic() < deadline:
            time.sleep(0.05)
        status, response = answer
        assert status == 503, response[:200]
    finally:
        for conn in idle:
            conn.close()
    deadline = time.monotonic() + 5
    while (status := get(server.port, "/manifest.json")[0]) != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status == 200


# --- internal errors -------------------------------------------------------------------------------------------

def test_an_internal_error_names_smmgen_frames_without_this_machines_paths(tmp_path):
    missing = tmp_path / "deep" / "folder" / "file.toml"
    try:
        from smmgen import manifest

        manifest.load(missing)
        raise AssertionError("expected an error")
    except Exception as e:      # noqa: BLE001 (any error will do: its text names an absolute path)
        lines = internal_error(e, tmp_path)
    text = "\n".join(lines)
    assert lines[0].startswith("internal error (a bug in smmgen): ")
    assert str(tmp_path) not in text and str(Path(serve_module.__file__).parent) not in text
    assert "/tmp" not in text and "Traceback" not in text
    assert any(re.fullmatch(r"  at smmgen/manifest\.py:\d+ in load", line) for line in lines), lines


def test_a_request_that_hits_a_bug_is_answered_500_with_a_short_message(make_site, caplog):
    make_site.article("harbour.md", ARTICLE)
    live = LiveSite(make_site.root, report=lambda line: None)
    # A snapshot whose page is not bytes: rendering it raises inside the handler, as a bug would.
    live.snapshot = Snapshot("x", False, (), {"preview/index.html": 42}, live.output_dir)  # type: ignore[dict-item]
    server = make_server(live, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.ERROR, logger="smmgen.preview.serve"):
            status, response = get(server.server_address[1], "/preview/index.html")
    finally:
        server.shutdown()
        server.server_close()
    assert status == 500
    assert b"Traceback" not in response and str(make_site.root).encode() not in response
    assert b"/smmgen/" not in response
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "AttributeError" in logged and "smmgen/preview/serve.py:" in logged
    assert str(Path(serve_module.__file__).parent) not in logged and str(make_site.root) not in logged


def test_a_page_hears_reload_only_when_a_later_build_changed_its_file_or_its_cards(make_site):
    make_site.article("harbour.md", ARTICLE)
    # Days apart: an article's page names its neighbours' titles, and the ferry is no neighbour of the harbour.
    for day, name in enumerate(("tram", "bridge", "ferry"), 21):
        make_site.article(f"{name}.md", ARTICLE.replace("The harbour reopens", f"The {name} is late")
                          .replace("2026-11-20", f"2026-11-{day}"))
    live = LiveSite(make_site.root, report=lambda line: None)
    server = make_server(live, 0)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    port = server.server_address[1]

    def served_build(page: str) -> str:
        status, response = get(port, f"/preview/{page}")
        assert status == 200
        return re.search(rb'data-build="([^"]+)"', response).group(1).decode()

    def answer(page: str, since: str) -> bytes:
        status, response = get(port, f"/__smmgen/changed?page=/preview/{page}&since={since}")
        assert status == 200
        return response.split(b"\r\n\r\n", 1)[1]

    try:
        pages = ("articles/harbour.html", "articles/ferry.html", "index.html")
        seen = {page: served_build(page) for page in pages}
        assert all(answer(page, seen[page]) == f"stay {seen[page]}".encode() for page in pages)

        # The harbour article's title: its page (its file and its new cards) and the index reload, the other stays.
        article = make_site.root / "content" / "harbour.md"
        article.write_text(ARTICLE.replace("The harbour reopens", "The harbour reopens at last", 1), encoding="utf-8")
        live.rebuild()
        assert answer("articles/harbour.html", seen["articles/harbour.html"]) == b"reload"
        assert answer("index.html", seen["index.html"]) == b"reload"
        stay = answer("articles/ferry.html", seen["articles/ferry.html"])
        assert stay.startswith(b"stay ") and stay != f"stay {seen['articles/ferry.html']}".encode()

        # The settings: every page, even where no output file changed.
        live.rebuild(everything=True)
        assert answer("articles/ferry.html", stay.removeprefix(b"stay ").decode()) == b"reload"
        # A build this server never made (an earlier server's): reload.
        assert answer("articles/ferry.html", "0000.1") == b"reload"
    finally:
        server.shutdown()
        server.server_close()
