"""Every adapter's video upload flow against its contract fake (Bluesky runs on the real PDS in
test_publish_video_bluesky.py): the post carries exactly the manifest's clip; processing that takes a while is
waited for; processing that fails is a failure naming the network's state and nothing is posted; a lost answer
never makes a second post; a video over the network's limit is refused before a byte is uploaded."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.cardhost import CardHost
from fakes.server import Fault

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms", "support.videos",
                               "support.video_cases")
pytest_plugins = ["support.publishing", "support.fake_platforms", "support.video_cases"]

from support.fake_platforms import PlatformHarness
from support.publishing import T0, Harness, ledger, outcomes, run
from support.video_cases import FAKE_CASES, TEXT, Case, open_video_harness, video_entry
from support.videos import mp4, write_video_manifest


@pytest.fixture(params=FAKE_CASES)
def video_harness(request: pytest.FixtureRequest) -> Iterator[tuple[Harness, Case]]:
    yield from open_video_harness(request.param, request)


def fake_of(h: Harness) -> Any:
    return h.fake if isinstance(h, PlatformHarness) else h.server


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_video_is_posted_with_its_bytes(video_harness: tuple[Harness, Case], media_host: CardHost,
                                        tmp_path: Path) -> None:
    h, case = video_harness
    site = h.site(tmp_path)
    e = video_entry(h, case, site, media_host, grown_by=9 * 2**20)     # several chunks or parts
    write_video_manifest(site, [e])
    events = run(site, T0, h.env)
    assert outcomes(events) == {e["id"]: "posted"}, events
    assert ledger(site)[e["id"]]["state"] == "posted"
    assert h.live_texts() == [TEXT]
    expected = (site / "output" / e["media"][0]["path"]).read_bytes()
    assert [sha(v) for v in fake_of(h).videos_posted()] == [sha(expected)]


def test_processing_that_takes_a_while_is_waited_for(video_harness: tuple[Harness, Case], media_host: CardHost,
                                                     tmp_path: Path) -> None:
    h, case = video_harness
    site = h.site(tmp_path)
    if case.delay is None:
        pytest.skip(f"{h.name} has no processing step")
    e = video_entry(h, case, site, media_host)
    write_video_manifest(site, [e])
    case.delay(fake_of(h))
    events = run(site, T0, h.env)
    assert outcomes(events) == {e["id"]: "posted"}, events
    assert len(h.server.requests_to(case.status)) >= 3
    assert h.live_texts() == [TEXT]


def test_processing_failure_names_the_state_and_posts_nothing(video_harness: tuple[Harness, Case],
                                                              media_host: CardHost, tmp_path: Path) -> None:
    h, case = video_harness
    site = h.site(tmp_path)
    if case.fail is None:
        pytest.skip(f"{h.name} has no processing step")
    e = video_entry(h, case, site, media_host)
    write_video_manifest(site, [e])
    case.fail(fake_of(h))
    events = run(site, T0, h.env)
    assert outcomes(events) == {e["id"]: "failed"}, events
    assert case.failed_text in events[0].detail
    assert h.live_texts() == [] and fake_of(h).videos_posted() == []
    assert ledger(site)[e["id"]]["state"] == "pending"


def test_a_lost_answer_never_duplicates_the_post(video_harness: tuple[Harness, Case], media_host: CardHost,
                                                 tmp_path: Path) -> None:
    h, case = video_harness
    site = h.site(tmp_path)
    e = video_entry(h, case, site, media_host)
    write_video_manifest(site, [e])
    if case.upload != case.post:
        h.server.inject(Fault(case.upload, "drop_after"))  # an upload step repeated: harmless
    h.server.inject(Fault(case.post, "drop_after"))        # the post made, its answer lost
    events = run(site, T0, h.env)
    assert outcomes(events) == {e["id"]: case.lost_answer}, events
    again = run(site, T0, h.env)
    assert [ev.outcome for ev in again] == ([] if case.lost_answer == "posted" else ["unknown"]), again
    assert h.live_texts() == [TEXT]
    assert len(fake_of(h).videos_posted()) == 1


def test_too_big_is_refused_before_upload(video_harness: tuple[Harness, Case], media_host: CardHost,
                                          tmp_path: Path) -> None:
    h, case = video_harness
    if case.too_big is None:
        pytest.skip(f"{h.name} takes videos larger than a manifest holds")
    site = h.site(tmp_path)
    e = video_entry(h, case, site, media_host, **case.too_big)
    write_video_manifest(site, [e])
    events = run(site, T0, h.env)
    assert outcomes(events) == {e["id"]: "failed"}, events
    assert case.too_big_text in events[0].detail
    assert h.server.requests_to(case.upload) == [] and h.live_texts() == []


def test_the_clip_is_a_real_mp4() -> None:
    assert mp4()[4:8] == b"ftyp"
