"""Arbitrary HTTP answers to each adapter's calls, from its platform's fake on 127.0.0.1: any status, headers
(waits of any size or none), bodies that are garbage bytes, JSON of the wrong shape or with fields missing or of
the wrong type, or megabytes long.

Two ways to answer: instead of doing the request (``status``: nothing happened), or after doing it
(``answer_after``: the work was done and a 2xx answer came back garbled). Whatever the answer, a run ends with
every entry posted, failed or unknown, each reported on one clean line and never by another exception; the
ledger stays readable; and after a second run with the platform answering properly again, no post exists twice.

A platform that did the work and then answers with an error ("refused", "not allowed") is not fuzzed: no client
can tell that lie from the truth, so the bodies of ``answer_after`` carry no error fields."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.server import Fault, Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms")
from support.fake_platforms import open_platform, platform_entry
from support.publishing import PUBLISH_TOML, T0, Harness, card, entry, open_harness, run, write_manifest

from smmgen.publish.ledger import Ledger

PLATFORMS = ("mastodon", "telegram", "x", "facebook", "instagram", "threads", "linkedin", "vk")
TEXT = "Budget passes 31–12 after a long night"
# Short waits, so an answer asking to wait is mostly refused by the budget and a run takes a fraction of a second.
FAST = ("[publish]\npreflight = false\nconnect_timeout = 1.0\nread_timeout = 2.0\nmax_attempts = 2\nbackoff = 0.01\n"
        "retry_budget = 0.3\nmedia_wait = 0.3\n")
OUTCOMES = {"posted", "failed", "unknown"}
HOUR = dt.timedelta(hours=1)

KEYS = ["id", "data", "result", "response", "post_id", "value", "uri", "cid", "url", "status", "status_code",
        "media_id", "permalink", "permalink_url", "username", "did", "accessJwt", "ok", "error", "errors",
        "description", "message", "parameters", "retry_after"]
ERROR_KEYS = {"error", "errors", "ok", "description", "message", "parameters", "retry_after"}
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64), st.floats(allow_nan=False),
                    st.text(max_size=30))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
                           max_leaves=12)
HUGE = [b"x" * 3_000_000, json.dumps({"data": {"id": "1" * 1_000_000}}).encode(),
        json.dumps({"error": {"message": "\n" * 500_000, "code": 1}}).encode()]
header_values = st.one_of(st.sampled_from(["0", "0.05", "-5", "1e30", "nan", "Wed, 21 Oct 2015 07:28:00 GMT",
                                           "99999999999", "2026-03-02T06:00:00Z", "application/json", "text/html",
                                           "/elsewhere", "http://127.0.0.1:9/refused"]),
                          st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=30))
headers = st.dictionaries(st.sampled_from(["Retry-After", "RateLimit-Reset", "X-RateLimit-Reset", "x-rate-limit-reset",
                                           "Content-Type", "Location", "X-Business-Use-Case-Usage", "X-App-Usage"]),
                          header_values, max_size=3)


def bodies(*, errors: bool) -> st.SearchStrategy[Any]:
    documents = json_values if errors else json_values.filter(
        lambda v: not (isinstance(v, dict) and ERROR_KEYS & v.keys()))
    return st.one_of(documents, st.binary(max_size=300), st.just(b""), st.sampled_from(HUGE))


@st.composite
def answers(draw: st.DrawFn, *, success_undone: bool = True) -> tuple[str, Response, int]:
    """(fault kind, the answer, how many times it is given). ``success_undone``: a 2xx may answer a request
    that was not carried out (a create then reads garbage where its id should be). For a delete that would be
    a lie no client can see through, as would 404 or 410 ("already gone")."""
    kind = draw(st.sampled_from(["status", "answer_after"]))
    if kind == "status":
        status = draw(st.one_of(st.sampled_from([200, 201, 204, 302, 400, 401, 403, 404, 409, 429, 500, 503]),
                                st.integers(200, 599)).filter(lambda s: success_undone or s >= 300 and s not in (404, 410)))
    else:
        status = draw(st.sampled_from([200, 201, 202, 204]))
    response = Response(status, draw(bodies(errors=kind == "status")), draw(headers))
    return kind, response, draw(st.sampled_from([1, 1, 2, 50]))


def harness(name: str, *, polls: int = 1) -> Iterator[Harness]:
    """The platform's fake; ``polls``: how often a media upload answers "still processing" first."""
    opened = open_harness(name, None) if name in ("mastodon", "telegram") else open_platform(name)  # type: ignore[arg-type]
    for h in opened:
        if hasattr(h.server, "processing_polls"):
            h.server.processing_polls = polls  # type: ignore[attr-defined]
        if hasattr(h.server, "per_second"):
            h.server.per_second = 1000  # type: ignore[attr-defined]   # VK's own limit is not what is fuzzed here
        yield h


def site_for(h: Harness, folder: Path, **kw: Any) -> tuple[Path, dict]:
    site = h.site(folder)
    toml = site / "smmgen.toml"
    toml.write_text(toml.read_text().replace(PUBLISH_TOML, FAST))
    if h.name in ("mastodon", "telegram"):
        e = entry("budget-vote", h.name, TEXT, media=[card(site / "output", "budget-vote.png", role="attach")], **kw)
    else:
        e = platform_entry(h, site, "budget-vote", TEXT, **kw)  # type: ignore[arg-type]
    write_manifest(site, [e])
    return site, e


def calls_of(name: str) -> list[str]:
    """Every request a clean create makes on ``name``, as ``METHOD /path``."""
    for h in harness(name):
        with tempfile.TemporaryDirectory() as folder:
            site, _ = site_for(h, Path(folder))
            assert [e.outcome for e in run(site, T0, h.env)] == ["posted"]
            return sorted({f"{r.method} {r.path}" for r in h.server.seen})
    raise AssertionError("unreachable")


def delete_calls_of(name: str) -> list[str]:
    """Every request a clean delete of an expired post makes on ``name``."""
    for h in harness(name):
        with tempfile.TemporaryDirectory() as folder:
            site, _ = site_for(h, Path(folder), expire_at=T0 + HOUR)
            assert [e.outcome for e in run(site, T0, h.env)] == ["posted"]
            with h.server.lock:
                h.server.seen.clear()
            assert [e.outcome for e in run(site, T0 + 2 * HOUR, h.env)] == ["deleted"]
            return sorted({f"{r.method} {r.path}" for r in h.server.seen})
    raise AssertionError("unreachable")


CALLS: dict[str, list[str]] = {}
DELETE_CALLS: dict[str, list[str]] = {}


def clean_line(text: str) -> bool:
    return len(text) <= 1000 and not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)


def check_run(h: Harness, site: Path, e: dict, fault: Fault) -> None:
    h.server.inject(fault)
    events = run(site, T0, h.env)        # any exception but the events is a failure of the test
    assert [ev.outcome for ev in events if ev.outcome != "warning"] and {ev.outcome for ev in events} <= OUTCOMES | {
        "warning"}, events
    for ev in events:
        assert clean_line(ev.detail), ev
    ledger = Ledger.load(site / ".smmgen" / "ledger.json")
    record = ledger.get(e["id"])
    assert record is not None and (record.last_error is None or len(record.last_error) <= 300)
    # The platform answers properly again: nothing is posted twice, whatever the first run concluded.
    with h.server.lock:
        h.server.faults.clear()
    events = run(site, T0, h.env)
    assert {ev.outcome for ev in events} <= OUTCOMES | {"warning"}, events
    assert h.live_texts().count(e["text"]) <= 1, (fault, events, h.live_texts())
    Ledger.load(site / ".smmgen" / "ledger.json")


@pytest.mark.parametrize("name", PLATFORMS)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_any_answer_ends_in_a_clean_outcome_and_no_double_post(name: str, data: st.DataObject) -> None:
    if name not in CALLS:
        CALLS[name] = calls_of(name)
    call = data.draw(st.sampled_from(CALLS[name]), label="call")
    kind, response, times = data.draw(answers(), label="answer")
    # Media still processing costs the adapter a poll of a quarter second: only some examples wait for one.
    polls = data.draw(st.sampled_from([0, 0, 1]), label="processing polls")
    for h in harness(name, polls=polls):
        with tempfile.TemporaryDirectory() as folder:
            site, e = site_for(h, Path(folder))
            check_run(h, site, e, Fault(call, kind, response, times=times))


@pytest.mark.parametrize("name", PLATFORMS)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_any_answer_to_a_delete_ends_cleanly(name: str, data: st.DataObject) -> None:
    """An expired post, and any answer to its delete: the run reports it on clean lines and keeps a readable
    ledger; once the platform answers properly, the post is gone, unless an answer refused the delete for good
    (then the ledger says so and the run says to remove it by hand)."""
    if name not in DELETE_CALLS:
        DELETE_CALLS[name] = delete_calls_of(name)
    call = data.draw(st.sampled_from(DELETE_CALLS[name]), label="call")
    kind, response, times = data.draw(answers(success_undone=False), label="answer")
    for h in harness(name, polls=0):
        with tempfile.TemporaryDirectory() as folder:
            site, e = site_for(h, Path(folder), expire_at=T0 + HOUR)
            assert [ev.outcome for ev in run(site, T0, h.env)] == ["posted"]
            h.server.inject(Fault(call, kind, response, times=times))
            events = run(site, T0 + 2 * HOUR, h.env)
            assert {ev.outcome for ev in events} <= {"deleted", "failed", "warning"}, events
            assert all(clean_line(ev.detail) for ev in events), events
            Ledger.load(site / ".smmgen" / "ledger.json")
            with h.server.lock:
                h.server.faults.clear()
            run(site, T0 + 2 * HOUR, h.env)
            record = Ledger.load(site / ".smmgen" / "ledger.json").get(e["id"])
            assert record is not None
            assert e["text"] not in h.live_texts() or record.delete_refused, (record, h.live_texts())


@pytest.mark.parametrize("name", PLATFORMS)
def test_a_redirected_delete_is_not_taken_for_the_delete(name: str) -> None:
    """A delete answered with a redirect is not followed as a GET: the 404 of wherever it points would read as
    "already gone" and the post would stay up while the ledger says deleted. The run retries instead."""
    for h in harness(name, polls=0):
        with tempfile.TemporaryDirectory() as folder:
            site, e = site_for(h, Path(folder), expire_at=T0 + HOUR)
            assert [ev.outcome for ev in run(site, T0, h.env)] == ["posted"]
            for call in delete_calls_of(name):
                h.server.inject(Fault(call, "status", Response(302, None, {"Location": "/nowhere"}), times=1))
            run(site, T0 + 2 * HOUR, h.env)
            with h.server.lock:
                h.server.faults.clear()
            run(site, T0 + 2 * HOUR, h.env)
            record = Ledger.load(site / ".smmgen" / "ledger.json").get(e["id"])
            assert record is not None and record.state == "deleted"
            assert e["text"] not in h.live_texts()
