"""The video cases of every network, for the publisher tests: how each network's flow is driven (the request
that makes the post, one that uploads, the processing status poll, the fake's switches for slow and failed
processing), what its refusals say, and a manifest entry with a video shaped as its cut writes it.

Bluesky runs on the real local PDS (``support.publishing``); the other eight on their fakes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fakes.cardhost import CardHost

from smmgen.platforms.linkedin import commentary
from support.fake_platforms import NEW_PLATFORMS, open_platform
from support.publishing import Harness, entry, open_harness
from support.videos import video_item

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
    limited: str | None = None                 # Fault.match of an upload request a rate limit hits (default: upload)

    @property
    def throttled(self) -> str:
        return self.limited or self.upload


def _set(**values: Any) -> Callable[[Any], None]:
    def apply(fake: Any) -> None:
        for k, v in values.items():
            setattr(fake, k, v)
    return apply


CASES: dict[str, Case] = {
    # The PDS stores the blob as it is; the AppView's video service (not part of a PDS) transcodes it later.
    "bluesky": Case(post="com.atproto.repo.createRecord", upload="com.atproto.repo.uploadBlob", status="",
                    delay=None, fail=None, failed_text="", too_big={"duration": 181.0},
                    too_big_text="the video is 181 s; Bluesky takes 180 s"),
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
               extra=lambda e: {"attachments": [e["link"]]}, limited="/method/video.save"),
    # The Bot API has no processing step to wait for, and no way to look a channel's messages up.
    "telegram": Case(post="/sendVideo", upload="/sendVideo", status="", delay=None, fail=None, failed_text="",
                     too_big={"padded_to": 50 * 1024 * 1024 + 1},
                     too_big_text="is 52,428,801 bytes; the Bot API takes videos up to 52,428,800",
                     lost_answer="unknown"),
}


FAKE_CASES = tuple(sorted(name for name in CASES if name != "bluesky"))


def open_video_harness(name: str, request: pytest.FixtureRequest) -> Iterator[tuple[Harness, Case]]:
    """The network's server (its fake, or the real PDS) with the settings to reach it, and its case."""
    opened = open_platform(name) if name in NEW_PLATFORMS else open_harness(name, request)
    yield from ((h, CASES[name]) for h in opened)


@pytest.fixture
def media_host() -> Iterator[CardHost]:
    """Serves output/media/ under [site] media_base_url, for the networks that fetch the video themselves."""
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
