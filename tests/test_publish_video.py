"""Every adapter's video upload flow against its contract fake (Bluesky runs on the real PDS in
test_publish_video_bluesky.py): the post carries exactly the manifest's clip; processing that takes a while is
waited for; processing that fails is a failure naming the network's state and nothing is posted; a lost answer
never makes a second post; a video over the network's limit is refused before a byte is uploaded."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.cardhost import CardHost
from fakes.server import Fault
from PIL import Image

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms", "support.video_cases")
pytest_plugins = ["support.publishing", "support.fake_platforms", "support.video_cases"]

from support.fake_platforms import PlatformHarness, open_platform
from support.publishing import T0, Harness, entry, ledger, open_harness, outcomes, run, write_site
from support.video_cases import CASES, FAKE_CASES, TEXT, Case, open_video_harness, video_entry
from support.videos import mp4, video_item, write_video_manifest


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


def test_processing_past_media_wait_is_transient_and_the_next_run_uploads_again(media_host: CardHost,
                                                                                tmp_path: Path) -> None:
    """[publish.x] media_wait bounds the wait; the upload is repeated on the next run, the post made once."""
    for h in open_platform("x"):
        site = write_site(tmp_path, h.table + "media_wait = 0.3\n")
        e = video_entry(h, CASES["x"], site, media_host)
        write_video_manifest(site, [e])
        h.fake.video_polls, h.fake.check_after_secs = 1000, 0
        events = run(site, T0, h.env)
        assert outcomes(events) == {e["id"]: "failed"}, events
        assert "was still in_progress after 0.3 s (media_wait); the next run uploads it again" in events[0].detail
        assert ledger(site)[e["id"]]["state"] == "pending" and h.live_texts() == []
        h.fake.video_polls = 1
        assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
        assert len(h.server.requests_to("/initialize")) == 2 and h.live_texts() == [TEXT]


def test_telegram_sends_duration_size_and_a_small_thumbnail(media_host: CardHost, tmp_path: Path,
                                                            request: pytest.FixtureRequest) -> None:
    for h in open_harness("telegram", request):
        site = h.site(tmp_path)
        e = video_entry(h, CASES["telegram"], site, media_host, width=1280, height=720, seconds=2.0)
        write_video_manifest(site, [e])
        assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
        [message] = h.server.messages.values()  # type: ignore[attr-defined]
        assert message["duration"] == 2 and message["thumbnail"] is not None
        with Image.open(io.BytesIO(message["thumbnail"])) as im:
            assert im.format == "JPEG" and im.size == (320, 180)
        [sent] = h.server.requests_to("/sendVideo")
        fields, _ = sent.params()
        assert (fields["width"], fields["height"], fields["supports_streaming"]) == ("1280", "720", "true")


def test_instagram_needs_the_video_served_under_media_base_url(tmp_path: Path) -> None:
    for h in open_platform("instagram"):
        site = h.site(tmp_path)
        e = video_entry(h, CASES["instagram"], site, None)
        write_video_manifest(site, [e])
        events = run(site, T0, h.env)
        assert outcomes(events) == {e["id"]: "failed"}
        assert "has no public URL: set [site] media_base_url, publish output/media/ there" in events[0].detail
        assert h.live_texts() == []


def test_a_stale_public_copy_of_the_video_is_never_posted(media_host: CardHost, tmp_path: Path) -> None:
    for h in open_platform("threads"):
        site = h.site(tmp_path)
        e = video_entry(h, CASES["threads"], site, media_host)
        write_video_manifest(site, [e])
        media_host.stale = True
        events = run(site, T0, h.env)
        assert outcomes(events) == {e["id"]: "failed"}
        assert "serves other bytes than" in events[0].detail and "publish output/media/ again" in events[0].detail
        assert h.server.requests_to("POST /v1.0/26000000000000001/threads") == []


def test_x_processing_refuses_what_is_not_h264(media_host: CardHost, tmp_path: Path) -> None:
    """The fake decodes what it got, as X's processing does: an MPEG-4 Part 2 clip fails there, named."""
    for h in open_platform("x"):
        site = h.site(tmp_path)
        e = video_entry(h, CASES["x"], site, media_host, codec="mpeg4")
        write_video_manifest(site, [e])
        events = run(site, T0, h.env)
        assert outcomes(events) == {e["id"]: "failed"}
        assert "could not be processed (failed): InvalidMedia video codec mpeg4 is not H.264" in events[0].detail


def test_an_interrupted_video_post_is_reconciled_from_the_ledgers_copy(media_host: CardHost,
                                                                       tmp_path: Path) -> None:
    """The answer lost and the platform unreadable: the intent keeps a copy of the entry with its video item; the
    next run reads it back, looks the post up and records it, never posting it again."""
    for h in open_platform("x"):
        site = h.site(tmp_path)
        e = video_entry(h, CASES["x"], site, media_host)
        write_video_manifest(site, [e])
        h.server.inject(Fault("POST /2/tweets", "drop_after"))
        h.server.inject(Fault("/tweets", "status", h.server_error(), times=20))   # the lookup fails too
        events = run(site, T0, h.env)
        assert outcomes(events) == {e["id"]: "unknown"}, events
        record = ledger(site)[e["id"]]
        assert record["state"] == "intent" and record["entry"]["media"][0]["kind"] == "video"
        h.server.faults.clear()
        again = run(site, T0, h.env)
        assert [(ev.outcome, ev.detail) for ev in again] == [
            ("posted", "found on the platform: an interrupted run had posted it")]
        assert h.live_texts() == [TEXT] and len(h.fake.videos_posted()) == 1


def test_telegram_edits_a_video_posts_caption_and_then_its_video(media_host: CardHost, tmp_path: Path,
                                                                 request: pytest.FixtureRequest) -> None:
    for h in open_harness("telegram", request):
        site = h.site(tmp_path, '[platforms.telegram]\non_change = "edit"\n')
        first = video_entry(h, CASES["telegram"], site, media_host)
        write_video_manifest(site, [first])
        assert outcomes(run(site, T0, h.env)) == {first["id"]: "posted"}
        [message] = h.server.messages.values()  # type: ignore[attr-defined]
        worded = entry("bridge-opens", "telegram", "The bridge is open", media=first["media"])
        write_video_manifest(site, [worded])
        assert outcomes(run(site, T0, h.env)) == {first["id"]: "edited"}
        assert message["caption"] == "The bridge is open" and message["video"] == mp4()
        assert h.server.requests_to("editMessageMedia") == []
        recut = entry("bridge-opens", "telegram", "The bridge is open",
                      media=[video_item(site / "output", seconds=2.0)])
        write_video_manifest(site, [recut])
        assert outcomes(run(site, T0, h.env)) == {first["id"]: "edited"}
        assert message["video"] == mp4(seconds=2.0) and message["thumbnail"] is not None
        assert len(h.server.messages) == 1  # type: ignore[attr-defined]


def test_facebook_keeps_a_video_still_processing_as_posted(media_host: CardHost, tmp_path: Path) -> None:
    """On Facebook the upload is the post: one still processing when media_wait ends is recorded, not repeated."""
    for h in open_platform("facebook"):
        site = write_site(tmp_path, h.table + "media_wait = 0.3\n")
        e = video_entry(h, CASES["facebook"], site, media_host)
        write_video_manifest(site, [e])
        h.fake.video_polls = 1000
        assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
        assert ledger(site)[e["id"]]["remote"]["kind"] == "video"
        assert run(site, T0, h.env) == [] and len(h.fake.videos_posted()) == 1
