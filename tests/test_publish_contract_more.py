"""The shared adapter contract (tests/test_publish_contract.py) for X, Facebook, Instagram, Threads, LinkedIn and
VK, each against its fake: success puts id and URL in the ledger, a wrong token is AuthError, a rate limit is
RateLimited with the wait the platform states, 5xx and timeouts are transient, a dry run sends nothing, a
missing credential names its variable, and no secret shows in a repr, an error, a log line or the ledger.

Where the platforms differ, the harness says what to expect: Meta answers a bad token with HTTP 400 (code
190), VK with an error in a 200; Meta's throttling waits are whole minutes, VK's code 6 is a second, LinkedIn's
daily limit resets at midnight UTC."""

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

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms")
pytest_plugins = ["support.fake_platforms"]

from support.fake_platforms import URLS, PlatformHarness, platform_entry
from support.publishing import T0, ledger, run, write_manifest

TEXT = "Budget passes 31–12 after a long night — read more"


def one_entry(h: PlatformHarness, site: Path, slug: str = "budget-vote") -> dict:
    return platform_entry(h, site, slug, TEXT)


def adapter_for(h: PlatformHarness, site: Path, *, env: dict | None = None, budget: float = 0.0):
    config = HttpConfig(connect_timeout=1.0, read_timeout=0.5, max_attempts=1, backoff=0.01, retry_budget=budget,
                        media_wait=5.0)
    ctx = AdapterContext(name=h.name, settings=runner.platform_settings(h.name, load_site(site).publish),
                         platform_options={}, env=h.env if env is None else env, http=config, budget=Budget(budget))
    return registry.open_adapter(ctx)


def test_success_records_remote_id_and_url(platform: PlatformHarness, tmp_path: Path) -> None:
    site = platform.site(tmp_path)
    e = one_entry(platform, site)
    write_manifest(site, [e])
    events = run(site, T0, platform.env)
    assert [(ev.entry_id, ev.outcome) for ev in events] == [(e["id"], "posted")], events
    record = ledger(site)[e["id"]]
    assert record["state"] == "posted"
    assert record["remote_id"] and record["url"].startswith(URLS[platform.name])
    assert record["posted_at"] == "2026-03-02T06:00:00Z" and record["content_hash"] == e["content_hash"]
    assert record["entry"] is None and record["attempts"] == 1
    assert platform.live_texts() == [e["text"]]


def test_wrong_credentials_are_an_auth_error(platform: PlatformHarness, tmp_path: Path) -> None:
    site = platform.site(tmp_path)
    e = one_entry(platform, site)
    write_manifest(site, [e])
    wrong = {k: "wrong-" + v for k, v in platform.env.items()}
    adapter = adapter_for(platform, site, env=wrong)
    with pytest.raises(AuthError) as caught:
        adapter.create(Post.from_entry(e, site / "output", T0))
    assert not caught.value.transient
    assert caught.value.status == platform.auth_status
    events = run(site, T0, wrong)
    assert events[0].outcome == "failed"
    expected = f"HTTP {platform.auth_status}" if platform.auth_status else "VK error 5"
    assert expected in events[0].detail
    assert platform.live_texts() == []
    assert ledger(site)[e["id"]]["state"] == "pending"


def test_rate_limit_is_rate_limited_with_the_platforms_wait(platform: PlatformHarness, tmp_path: Path) -> None:
    site = platform.site(tmp_path)
    e = one_entry(platform, site)
    write_manifest(site, [e])
    platform.server.inject(Fault(platform.create, "status", platform.rate_limited(7)))
    with pytest.raises(RateLimited) as caught:
        adapter_for(platform, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.transient
    assert caught.value.retry_after == pytest.approx(platform.expected_wait(7), abs=1.5)
    assert platform.live_texts() == []


@pytest.mark.parametrize("fault", ["5xx", "timeout"])
def test_server_errors_and_timeouts_are_transient(platform: PlatformHarness, tmp_path: Path, fault: str) -> None:
    site = platform.site(tmp_path)
    e = one_entry(platform, site)
    write_manifest(site, [e])
    if fault == "5xx":
        platform.server.inject(Fault(platform.create, "status", platform.server_error()))
    else:
        platform.server.inject(Fault(platform.create, "delay", seconds=0.8))
    with pytest.raises(PublishError) as caught:
        adapter_for(platform, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.transient and not isinstance(caught.value, (AuthError, RateLimited))
    assert ("no answer within 0.5 s" if fault == "timeout" else "") in caught.value.detail
    # A delayed request lands later; a refused one never does.
    assert platform.live_texts() == ([e["text"]] if fault == "timeout" else [])


def test_dry_run_sends_nothing(platform: PlatformHarness, tmp_path: Path) -> None:
    site = platform.site(tmp_path)
    e = one_entry(platform, site)
    write_manifest(site, [e])
    events = run(site, T0, platform.env, dry_run=True)
    assert [(ev.outcome, ev.dry, ev.parts) for ev in events] == [("posted", True, (e["text"],))]
    assert events[0].media and "budget-vote.jpg" in events[0].media[0]
    assert platform.server.seen == []
    assert platform.cards is None or platform.cards.seen == []
    assert not (site / ".smmgen" / "ledger.json").exists()


def test_missing_credential_names_the_variable(platform: PlatformHarness, tmp_path: Path) -> None:
    site = platform.site(tmp_path)
    write_manifest(site, [one_entry(platform, site)])
    events = run(site, T0, {})
    assert events[0].outcome == "failed"
    assert f"environment variable {next(iter(platform.env))} is not set" in events[0].detail
    assert platform.server.seen == []


def test_no_secret_in_repr_errors_logs_or_ledger(platform: PlatformHarness, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    site = platform.site(tmp_path)
    e = one_entry(platform, site)
    write_manifest(site, [e])
    caplog.set_level(logging.DEBUG)
    adapter = adapter_for(platform, site)
    texts = [repr(adapter), str(AdapterContext(platform.name, {}, {}, platform.env, HttpConfig(), Budget(0)))]
    events = run(site, T0, platform.env)
    assert events[0].outcome == "posted"
    wrong = {k: v + "-x" for k, v in platform.env.items()}
    platform.server.inject(Fault(platform.create, "status", platform.server_error()))
    try:
        adapter_for(platform, site, env=wrong).create(Post.from_entry(e, site / "output", T0))
    except PublishError as err:
        texts += [str(err), repr(err), err.detail]
    texts += [ev.detail for ev in events]
    texts += [caplog.text, (site / ".smmgen" / "ledger.json").read_text()]
    for secret in [*platform.secrets, *wrong.values()]:
        for text in texts:
            assert secret not in text
