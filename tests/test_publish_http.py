"""The HTTP layer's rules: what a server's wait means, backoff within the budget, which errors repeat."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest
from fakes.server import FakeServer, Fault, Request, Response

from smmgen.errors import AuthError, PublishError, RateLimited, TransientError
from smmgen.publish.base import MaybeDone, Secret
from smmgen.publish.http import Budget, Http, HttpConfig, retry_after, scrub

NOW = 1_772_000_000.0
ISO_IN_20_S = dt.datetime.fromtimestamp(NOW + 20, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.mark.parametrize("headers, wait", [
    ({"Retry-After": "7"}, 7),
    ({"Retry-After": email.utils.formatdate(NOW + 30, usegmt=True)}, 30),
    ({"RateLimit-Reset": str(int(NOW + 12))}, 12),                 # Bluesky: a Unix time
    ({"RateLimit-Reset": "5"}, 5),                                  # IETF draft: seconds
    ({"X-RateLimit-Reset": ISO_IN_20_S}, 20),                       # Mastodon: ISO 8601
    ({"Retry-After": "soon"}, None),
    ({}, None),
])
def test_retry_after_reads_every_header_form(headers: dict, wait: float | None) -> None:
    got = retry_after(headers, now=NOW)
    assert got == (None if wait is None else pytest.approx(max(0.0, wait), abs=0.01))


def test_budget_refuses_a_wait_it_cannot_afford() -> None:
    slept = []
    budget = Budget(10, sleep=slept.append, clock=lambda: 0.0)
    assert budget.wait(4) and not budget.wait(11) and slept == [4]


class Flaky(FakeServer):
    def handle(self, request: Request) -> Response:
        return Response(200, {"ok": True})


def http(server: FakeServer, budget: float = 5.0, **config) -> Http:
    settings = {"connect_timeout": 1.0, "read_timeout": 0.5, "max_attempts": 3, "backoff": 0.01, **config}
    return Http("test", server.url, HttpConfig(**settings), Budget(budget),
                secrets=[Secret("SMMGEN_TEST_TOKEN", "s3cr3t-token-value")])


def test_transient_errors_are_retried_and_auth_errors_are_not() -> None:
    with Flaky() as server:
        server.inject(Fault("GET /a", "status", Response(503, {"error": "busy"})))
        server.inject(Fault("GET /a", "status", Response(429, {"error": "slow"}, {"Retry-After": "0"})))
        assert http(server).call("GET", "a", resend=True).json() == {"ok": True}
        assert len(server.requests_to("GET /a")) == 3
        server.inject(Fault("GET /b", "status", Response(401, {"error": "bad token"}), times=5))
        with pytest.raises(AuthError):
            http(server).call("GET", "b", resend=True)
        assert len(server.requests_to("GET /b")) == 1
        server.inject(Fault("GET /c", "status", Response(422, {"error": "too long"}), times=5))
        with pytest.raises(PublishError) as caught:
            http(server).call("GET", "c", resend=True)
        assert not caught.value.transient and caught.value.detail == "too long"


def test_a_request_that_may_have_been_done_is_not_resent_unless_safe() -> None:
    with Flaky() as server:
        server.inject(Fault("POST /create", "drop_after", times=1))
        with pytest.raises(MaybeDone, match="connection lost"):
            http(server).call("POST", "create", resend=False)
        assert len(server.requests_to("POST /create")) == 1
        server.inject(Fault("POST /create", "drop_after", times=1))
        assert http(server).call("POST", "create", resend=True).status_code == 200
        # A 429 proves nothing was done: retried even when resending is not safe.
        server.inject(Fault("POST /once", "status", Response(429, None, {"Retry-After": "0"})))
        assert http(server).call("POST", "once", resend=False).status_code == 200


def test_a_wait_beyond_the_budget_gives_up_at_once() -> None:
    with Flaky() as server:
        server.inject(Fault("GET /a", "status", Response(429, None, {"Retry-After": "600"})))
        with pytest.raises(RateLimited) as caught:
            http(server, budget=5).call("GET", "a", resend=True)
        assert caught.value.retry_after == pytest.approx(600)
        assert len(server.requests_to("GET /a")) == 1


def test_refused_connection_is_transient_and_not_sent() -> None:
    with Flaky() as server:
        url = server.url                            # nothing listens there once it stopped
    client = Http("test", url, HttpConfig(connect_timeout=0.5, max_attempts=1), Budget(0))
    with pytest.raises(TransientError) as caught:
        client.call("POST", "x", resend=False)
    assert not isinstance(caught.value, MaybeDone) and "Connection refused" in caught.value.detail


def test_secrets_are_scrubbed_from_repr_and_messages() -> None:
    with Flaky() as server:
        client = Http("test", f"{server.url}/bots3cr3t-token-value", HttpConfig(), Budget(0),
                      secrets=[Secret("SMMGEN_TEST_TOKEN", "s3cr3t-token-value")])
        assert "s3cr3t" not in repr(client)
        assert scrub("url /bots3cr3t-token-value/send") == "url /bot***/send"
        assert repr(Secret("SMMGEN_TEST_TOKEN", "s3cr3t-token-value")) == "Secret(SMMGEN_TEST_TOKEN=***)"
