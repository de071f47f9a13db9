"""One contract for every publisher adapter, run against each platform's server (the real local PDS for
Bluesky, the fakes for Mastodon and Telegram): success puts id and URL in the ledger, 401 is AuthError,
429 is RateLimited with the server's wait, 5xx and timeouts are transient, a dry run sends nothing, and no
secret shows in a repr, an error, a log line or the ledger."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fakes.server import Fault

from smmgen.config import load_site
from smmgen.errors import AuthError, PublishError, RateLimited
from smmgen.publish import registry, runner
from smmgen.publish.base import AdapterContext, Post
from smmgen.publish.http import Budget, HttpConfig

# The harness fixtures come in as a plugin; its helpers are imported by name below, so it is marked for
# assertion rewriting first, as pytest does for every plugin it loads itself.
pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, Harness, card, entry, ledger, run, write_manifest

pytestmark = pytest.mark.slow

URLS = {"bluesky": "https://bsky.app/profile/did:plc:", "mastodon": "https://social.example/@courier/",
        "telegram": "https://t.me/courier_news/"}


def one_entry(h: Harness, site: Path, slug: str = "budget-vote") -> dict:
    role = "link_card" if h.name == "bluesky" else "attach"
    media = [card(site / "output", f"{slug}.png", role=role, alt="The council chamber")]
    return entry(slug, h.name, "Budget passes 31–12 after a long night — read more", media=media)


def adapter_for(h: Harness, site: Path, *, env: dict | None = None, budget: float = 0.0):
    config = HttpConfig(connect_timeout=1.0, read_timeout=1.5, max_attempts=1, backoff=0.01, retry_budget=budget,
                        media_wait=5.0)
    ctx = AdapterContext(name=h.name, settings=runner.platform_settings(h.name, load_site(site).publish),
                         platform_options={}, env=h.env if env is None else env, http=config, budget=Budget(budget))
    return registry.open_adapter(ctx)


def test_success_records_remote_id_and_url(harness: Harness, tmp_path: Path) -> None:
    site = harness.site(tmp_path)
    e = one_entry(harness, site)
    write_manifest(site, [e])
    events = run(site, T0, harness.env)
    assert [(ev.entry_id, ev.outcome) for ev in events] == [(e["id"], "posted")]
    record = ledger(site)[e["id"]]
    assert record["state"] == "posted"
    assert record["remote_id"] and record["url"].startswith(URLS[harness.name])
    assert record["posted_at"] == "2026-03-02T06:00:00Z" and record["content_hash"] == e["content_hash"]
    assert record["entry"] is None and record["attempts"] == 1
    assert harness.live_texts() == [e["text"]]


def test_wrong_credentials_are_an_auth_error(harness: Harness, tmp_path: Path) -> None:
    site = harness.site(tmp_path)
    e = one_entry(harness, site)
    write_manifest(site, [e])
    wrong = {k: ("wrong-" + v if "HANDLE" not in k else v) for k, v in harness.env.items()}
    adapter = adapter_for(harness, site, env=wrong)
    with pytest.raises(AuthError) as caught:
        adapter.create(Post.from_entry(e, site / "output", T0))
    assert not caught.value.transient
    assert caught.value.status in (400, 401)       # the PDS answers an unknown password 401
    events = run(site, T0, wrong)
    assert events[0].outcome == "failed" and "HTTP 401" in events[0].detail
    assert harness.live_texts() == []
    assert ledger(site)[e["id"]]["state"] == "pending"


def test_rate_limit_is_rate_limited_with_the_servers_wait(harness: Harness, tmp_path: Path) -> None:
    site = harness.site(tmp_path)
    e = one_entry(harness, site)
    write_manifest(site, [e])
    harness.server.inject(Fault(harness.create, "status", harness.rate_limited(7)))
    with pytest.raises(RateLimited) as caught:
        adapter_for(harness, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.transient
    assert caught.value.retry_after == pytest.approx(7, abs=1.5)
    assert harness.live_texts() == []


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_server_errors_and_timeouts_are_transient(harness: Harness, tmp_path: Path, fault: str) -> None:
    site = harness.site(tmp_path)
    e = one_entry(harness, site)
    write_manifest(site, [e])
    if fault == "500":
        harness.server.inject(Fault(harness.create, "status", harness.server_error()))
    else:
        harness.server.inject(Fault(harness.create, "delay", seconds=2.5))
    with pytest.raises(PublishError) as caught:
        adapter_for(harness, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.transient and not isinstance(caught.value, (AuthError, RateLimited))
    expected = "no answer within 1.5 s" if fault == "timeout" else ""
    assert expected in caught.value.detail
    # A delayed request lands later; a refused one never does.
    assert harness.live_texts() == ([e["text"]] if fault == "timeout" else [])


def test_dry_run_sends_nothing(harness: Harness, tmp_path: Path) -> None:
    site = harness.site(tmp_path)
    e = one_entry(harness, site)
    write_manifest(site, [e])
    events = run(site, T0, harness.env, dry_run=True)
    assert [(ev.outcome, ev.dry, ev.parts) for ev in events] == [("posted", True, (e["text"],))]
    assert events[0].media and "budget-vote.png" in events[0].media[0]
    assert harness.server.seen == []
    assert not (site / ".smmgen" / "ledger.json").exists()


def test_missing_credential_names_the_variable(harness: Harness, tmp_path: Path) -> None:
    site = harness.site(tmp_path)
    e = one_entry(harness, site)
    write_manifest(site, [e])
    events = run(site, T0, {})
    assert events[0].outcome == "failed"
    assert "environment variable SMMGEN_" in events[0].detail and " is not set" in events[0].detail
    assert harness.server.seen == []


def test_no_secret_in_repr_errors_logs_or_ledger(harness: Harness, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    site = harness.site(tmp_path)
    e = one_entry(harness, site)
    write_manifest(site, [e])
    caplog.set_level(logging.DEBUG)
    texts = []
    adapter = adapter_for(harness, site)
    texts += [repr(adapter), repr(adapter_for), str(AdapterContext(harness.name, {}, {}, harness.env, HttpConfig(),
                                                                   Budget(0)))]
    events = run(site, T0, harness.env)
    assert events[0].outcome == "posted"
    wrong = {k: v + "-x" for k, v in harness.env.items()}
    harness.server.inject(Fault(harness.create, "status", harness.server_error()))
    try:
        adapter_for(harness, site, env=wrong).create(Post.from_entry(e, site / "output", T0))
    except PublishError as err:
        texts += [str(err), repr(err), err.detail]
    texts += [ev.detail for ev in events]
    texts += [caplog.text, (site / ".smmgen" / "ledger.json").read_text()]
    for secret in [*harness.secrets, *(v for k, v in wrong.items() if "HANDLE" not in k)]:
        for text in texts:
            assert secret not in text
