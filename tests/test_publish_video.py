"""Every adapter's video upload flow against its contract fake (Bluesky runs on the real PDS in
test_publish_video_bluesky.py): the post carries exactly the manifest's clip; processing that takes a while is
waited for; processing that fails is a failure naming the network's state and nothing is posted; a lost answer
never makes a second post; a video over the network's limit is refused before a byte is uploaded."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fakes.cardhost import CardHost
from fakes.server import Fault

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms", "support.videos")
pytest_plugins = ["support.publishing", "support.fake_platforms"]

from support.fake_platforms import NEW_PLATFORMS, PlatformHarness, open_platform
from support.publishing import T0, Harness, entry, ledger, open_harness, outcomes, run
from support.videos import mp4, video_item, write_video_manifest

from smmgen.platforms.linkedin import commentary

TEXT = "The new bridge opens to traffic this morning"


@dataclass
class Case:
    """How one network's video flow is driven and what its refusals say."""

    post: str                                  # Fault.match of the request that makes the post
    upload: str                                # Fault.match of a request that uploads (resend-safe)
    status: str                                # Fault.match of the processing status request
    delay: Callable[[Any], None] | None        # the fake's switch: processing takes a few polls (None: no step)
    fail: Callable[[Any], None] | None         # the fake's switch: processing fails
    failed_text: str                           # the network's state, as the failure names it
    too_big: dict[str, Any] | None             # video_item() arguments the adapter refuses before upload
    too_big_text: str
    lost_answer: str = "posted"                # a post whose answer was lost: found ("posted") or "unknown"
    public: bool = False                       # the network fetches video_url: serve output/media/
    item: dict[str, Any] = field(default_factory=dict)    # video_item() arguments the network's rules need
    extra: Callable[[dict], dict] = field(default=lambda e: {})


def _set(**values: Any) -> Callable[[Any], None]:
    def apply(fake: Any) -> None:
        for k, v in values.items():
            setattr(fake, k, v)
    return apply


CASES: dict[str, Case] = {
    "x": Case(post="POST /2/tweets", upload="/append", status="GET /2/media/upload",
              delay=_set(video_polls=3, check_after_secs=0),
              fail=_set(video_polls=1, check_after_secs=0,
                        video_failure={"code": 3, "name": "InvalidMedia", "message": "Unsupported video"}),
              failed_text="could not be processed (failed): InvalidMedia Unsupported video",
              too_big={"duration": 150.0}, too_big_text="the video is 150 s; X takes 0.5 to 140 s through the API"),
    "linkedin": Case(post="POST /rest/posts", upload="PUT /upload/video/", status="GET /rest/videos/",
                     delay=_set(video_polls=3), fail=_set(video_failure="The video could not be transcoded"),
                     failed_text="could not be processed (PROCESSING_FAILED): The video could not be transcoded",
                     too_big={"duration": 1801.0}, too_big_text="the video is 1801 s; LinkedIn takes 3 to 1800 s",
                     item={"seconds": 3.0, "grown_by": 80_000},
                     extra=lambda e: {"commentary": commentary(e["text"])}),
    "mastodon": Case(post="POST /api/v1/statuses", upload="POST /api/v2/media", status="GET /api/v1/media/",
                     delay=_set(video_polls=3), fail=_set(video_failure=True),
                     failed_text="could not be processed (failed): Error processing thumbnail for uploaded media",
                     too_big={"padded_to": 103_809_025},
                     too_big_text="is 103,809,025 bytes; this instance takes videos up to 103,809,024"),
    "facebook": Case(post="/videos", upload="/videos", status="GET /v25.0/179", delay=_set(video_polls=3),
                     fail=_set(video_failure="The video could not be decoded"),
                     failed_text="could not be processed (error): The video could not be decoded",
                     too_big={"duration": 1201.0},
                     too_big_text="the video is 1201 s; a single-request upload to Facebook takes 1200 s"),
    "instagram": Case(post="/media_publish", upload="POST /v25.0/17841400000000001/media", status="GET /v25.0/179",
                      delay=_set(video_polls=3), fail=_set(video_failure="Error: Video processing failed"),
                      failed_text="the media container error: Error: Video processing failed",
                      too_big={"duration": 901.0}, too_big_text="the video is 901 s; Instagram takes Reels of 3 to "
                      "900 s", public=True, item={"seconds": 3.0, "fps": 24}),
    "threads": Case(post="/threads_publish", upload="POST /v1.0/26000000000000001/threads", status="GET /v1.0/179",
                    delay=_set(video_polls=3), fail=_set(video_failure="FAILED_PROCESSING_VIDEO"),
                    failed_text="the media container error: FAILED_PROCESSING_VIDEO",
                    too_big={"duration": 301.0}, too_big_text="the video is 301 s; Threads takes 300 s",
                    public=True, item={"fps": 24}),
    # VK processes in the background and lets the post name the video at once: nothing to wait for; its upload
    # server refuses a bad file. It takes files far larger than any manifest holds.
    "vk": Case(post="/method/wall.post", upload="/upload/video/", status="", delay=None,
               fail=_set(video_failure="the file is damaged"),
               failed_text="the upload server refused", too_big=None, too_big_text="",
               extra=lambda e: {"attachments": [e["link"]]}),
    # The Bot API has no processing step to wait for, and no way to look a channel's messages up.
    "telegram": Case(post="/sendVideo", upload="/sendVideo", status="", delay=None, fail=None, failed_text="",
                     too_big={"padded_to": 50 * 1024 * 1024 + 1},
                     too_big_text="is 52,428,801 bytes; the Bot API takes videos up to 52,428,800",
                     lost_answer="unknown"),
}


@pytest.fixture(params=sorted(CASES))
def video_harness(request: pytest.FixtureRequest) -> Iterator[tuple[Harness, Case]]:
    name = request.param
    opened = open_platform(name) if name in NEW_PLATFORMS else open_harness(name, request)
    yield from ((h, CASES[name]) for h in opened)


@pytest.fixture
def media_host() -> Iterator[CardHost]:
    host = CardHost(Path("/nonexistent")).start()
    yield host
    host.stop()


def video_entry(h: Harness, case: Case, site: Path, host: CardHost | None, slug: str = "bridge-opens",
                **item: Any) -> dict:
    """A manifest entry with a video item, shaped as the network's cut writes it."""
    output = site / "output"
    if case.public and host is not None:
        host.folder = output / "media"
        item.setdefault("media_base_url", host.base_url)
    e = entry(slug, h.name, TEXT, media=[video_item(output, **{**case.item, **item})])
    extra = case.extra(e)
    return entry(slug, h.name, TEXT, media=e["media"], extra=extra) if extra else e


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
