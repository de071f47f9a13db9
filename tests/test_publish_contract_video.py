"""The publisher contract (test_publish_contract.py) for posts with a video, on all nine networks (Bluesky on
the real local PDS, the others on their fakes): success puts the id and URL in the ledger, a rate limit during
the upload is RateLimited with the wait the network states, a 5xx during the upload is transient and posts
nothing, a dry run names the video and sends nothing, and no credential shows in an error from the upload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.cardhost import CardHost
from fakes.server import Fault

from smmgen.config.site import load_site
from smmgen.errors import AuthError, PublishError, RateLimited
from smmgen.publish import registry, runner
from smmgen.publish.base import AdapterContext, Post
from smmgen.publish.http import Budget, HttpConfig

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms", "support.video_cases")
pytest_plugins = ["support.publishing", "support.fake_platforms", "support.video_cases"]

from support.publishing import T0, Harness, ledger, run
from support.video_cases import CASES, Case, open_video_harness, video_entry
from support.videos import write_video_manifest

URLS = {"bluesky": "https://bsky.app/profile/did:plc:", "mastodon": "https://social.example/@courier/",
        "telegram": "https://t.me/courier_news/", "x": "https://x.com/NorthbridgeNews/status/",
        "facebook": "https://www.facebook.com/104955112233445/videos/", "instagram": "https://www.instagram.com/p/",
        "threads": "https://www.threads.net/@courier/post/", "linkedin": "https://www.linkedin.com/feed/update/urn:li:share:",
        "vk": "https://vk.com/wall-229100100_"}


@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.slow) if name == "bluesky" else name
                        for name in sorted(CASES)])
def network(request: pytest.FixtureRequest) -> Iterator[tuple[Harness, Case]]:
    yield from open_video_harness(request.param, request)


def adapter_for(h: Harness, site: Path):
    config = HttpConfig(connect_timeout=1.0, read_timeout=1.5, max_attempts=1, backoff=0.01, retry_budget=0.0,
                        media_wait=5.0)
    ctx = AdapterContext(name=h.name, settings=runner.platform_settings(h.name, load_site(site).publish),
                         platform_options={}, env=h.env, http=config, budget=Budget(0.0))
    return registry.open_adapter(ctx)


def one_video(h: Harness, case: Case, site: Path, host: CardHost) -> dict:
    e = video_entry(h, case, site, host)
    write_video_manifest(site, [e])
    return e


def test_success_records_remote_id_and_url(network: tuple[Harness, Case], media_host: CardHost,
                                           tmp_path: Path) -> None:
    h, case = network
    site = h.site(tmp_path)
    e = one_video(h, case, site, media_host)
    events = run(site, T0, h.env)
    assert [(ev.entry_id, ev.outcome) for ev in events] == [(e["id"], "posted")], events
    record = ledger(site)[e["id"]]
    assert record["state"] == "posted" and record["remote_id"]
    assert record["url"].startswith(URLS[h.name]), record["url"]
    assert record["entry"] is None and h.live_texts() == [e["text"]]


def test_rate_limit_during_the_upload(network: tuple[Harness, Case], media_host: CardHost, tmp_path: Path) -> None:
    h, case = network
    site = h.site(tmp_path)
    e = one_video(h, case, site, media_host)
    h.server.inject(Fault(case.throttled, "status", h.rate_limited(7)))
    with pytest.raises(RateLimited) as caught:
        adapter_for(h, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.transient
    assert caught.value.retry_after == pytest.approx(h.expected_wait(7), abs=1.5)
    assert h.live_texts() == []


def test_server_error_during_the_upload_is_transient(network: tuple[Harness, Case], media_host: CardHost,
                                                     tmp_path: Path) -> None:
    h, case = network
    site = h.site(tmp_path)
    e = one_video(h, case, site, media_host)
    h.server.inject(Fault(case.throttled, "status", h.server_error()))
    with pytest.raises(PublishError) as caught:
        adapter_for(h, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.transient and not isinstance(caught.value, (AuthError, RateLimited))
    assert h.live_texts() == []
    for secret in h.secrets:
        assert secret not in str(caught.value) and secret not in repr(caught.value)


def test_dry_run_names_the_video_and_sends_nothing(network: tuple[Harness, Case], media_host: CardHost,
                                                   tmp_path: Path) -> None:
    h, case = network
    site = h.site(tmp_path)
    e = one_video(h, case, site, media_host)
    events = run(site, T0, h.env, dry_run=True)
    assert [(ev.outcome, ev.dry) for ev in events] == [("posted", True)]
    assert events[0].media == (f"{e['media'][0]['path'].removeprefix('media/')} (attach, alt: "
                               f"{e['media'][0]['alt']!r})",)
    assert h.server.seen == [] and media_host.seen == []
    assert not (site / ".smmgen" / "ledger.json").exists()
