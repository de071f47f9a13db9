"""Bluesky video on the real local PDS: the clip goes up as a blob, the post carries an ``app.bsky.embed.video``
(video, alt, aspectRatio, captions) that the PDS validates against the lexicon, and reading the record back
gives exactly that; a lost answer after the upload never makes a second post; limits refuse before upload.
With ``video_service`` set, a fake of Bluesky's video service stores the blob in the real PDS with the service
token the PDS issued."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fakes.bsky_video import FakeVideoService
from fakes.server import Fault

from smmgen.errors import PublishError
from smmgen.publish.base import Post

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, Harness, entry, ledger, outcomes, run, write_site
from support.videos import CAPTIONS, mp4, video_item, write_video_manifest

pytestmark = pytest.mark.slow


def get_record(h: Harness, uri: str) -> dict:
    did, _, rkey = uri.removeprefix("at://").split("/")
    answer = requests.get(f"{h.server.upstream}/xrpc/com.atproto.repo.getRecord", timeout=10,
                          params={"repo": did, "collection": "app.bsky.feed.post", "rkey": rkey})
    answer.raise_for_status()
    return answer.json()


def get_blob(h: Harness, did: str, cid: str) -> requests.Response:
    answer = requests.get(f"{h.server.upstream}/xrpc/com.atproto.sync.getBlob", timeout=10,
                          params={"did": did, "cid": cid})
    answer.raise_for_status()
    return answer


def test_video_post_is_accepted_and_read_back(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path)
    item = video_item(site / "output", width=320, height=180)
    e = entry("bridge-opens", "bluesky", "The new bridge opens to traffic", media=[item])
    write_video_manifest(site, [e])
    events = run(site, T0, bluesky.env)
    assert outcomes(events) == {e["id"]: "posted"}, events
    record = ledger(site)[e["id"]]
    got = get_record(bluesky, record["remote_id"])
    embed = got["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.video"
    assert embed["aspectRatio"] == {"width": 320, "height": 180}
    assert embed["alt"] == item["alt"]
    assert embed["video"]["mimeType"] == "video/mp4" and embed["video"]["size"] == item["bytes"]
    did = record["remote"]["did"]
    blob = get_blob(bluesky, did, embed["video"]["ref"]["$link"])
    assert blob.content == mp4(320, 180)
    [caption] = embed["captions"]
    assert caption["lang"] == "en" and caption["file"]["mimeType"] == "text/vtt"
    assert get_blob(bluesky, did, caption["file"]["ref"]["$link"]).content == CAPTIONS.encode()
    assert bluesky.live_texts() == [e["text"]]


def test_portrait_video_without_captions(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path)
    item = video_item(site / "output", width=180, height=320, audio=False, captions=False, target="video-9x16")
    e = entry("bridge-vertical", "bluesky", "The bridge, from the river", media=[item])
    write_video_manifest(site, [e])
    assert outcomes(run(site, T0, bluesky.env)) == {e["id"]: "posted"}
    embed = get_record(bluesky, ledger(site)[e["id"]]["remote_id"])["value"]["embed"]
    assert embed["aspectRatio"] == {"width": 180, "height": 320} and "captions" not in embed


def test_lost_answer_after_the_post_never_duplicates_it(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path)
    e = entry("bridge-opens", "bluesky", "The new bridge opens", media=[video_item(site / "output")])
    write_video_manifest(site, [e])
    # The record is written, the answer lost; the uploads before it are repeated harmlessly if need be.
    bluesky.server.inject(Fault("com.atproto.repo.createRecord", "drop_after"))
    bluesky.server.inject(Fault("com.atproto.repo.uploadBlob", "drop_after"))
    events = run(site, T0, bluesky.env)
    assert outcomes(events) == {e["id"]: "posted"}, events
    assert run(site, T0, bluesky.env) == []
    assert bluesky.live_texts() == [e["text"]]
    assert len(bluesky.server.requests_to("uploadBlob")) >= 3     # video twice (one answer lost), captions


def test_too_long_is_refused_before_upload(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path)
    e = entry("long-cut", "bluesky", "The whole council session",
              media=[video_item(site / "output", duration=181.0)])
    write_video_manifest(site, [e])
    events = run(site, T0, bluesky.env)
    assert outcomes(events) == {e["id"]: "failed"}
    assert "the video is 181 s; Bluesky takes 180 s" in events[0].detail
    assert bluesky.server.requests_to("uploadBlob") == [] and bluesky.live_texts() == []


def test_a_changed_video_file_is_never_sent(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path)
    item = video_item(site / "output")
    e = entry("bridge-opens", "bluesky", "The new bridge opens", media=[item])
    write_video_manifest(site, [e])
    path = site / "output" / item["path"]
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    video = Post.from_entry(e, site / "output", T0).video
    assert video is not None
    with pytest.raises(PublishError) as caught:
        video.read("bluesky", e["id"])
    assert "differs from the manifest's sha256" in str(caught.value)
    events = run(site, T0, bluesky.env)
    assert outcomes(events) == {e["id"]: "failed"}
    assert bluesky.server.requests_to("uploadBlob") == []


@pytest.fixture
def video_service(bluesky: Harness, request: pytest.FixtureRequest) -> Iterator[FakeVideoService]:
    server = request.getfixturevalue("bluesky_pds_server")
    with FakeVideoService(server.pds_url, server.service_did) as service:
        yield service  # type: ignore[misc]


def test_through_the_video_service(bluesky: Harness, video_service: FakeVideoService, tmp_path: Path) -> None:
    """With video_service set, the service gets the file with a token the PDS issued for uploadBlob, stores the
    blob in the PDS, and the post names that blob once the job has completed."""
    site = write_site(tmp_path, bluesky.table + f'video_service = "{video_service.url}"\n')
    item = video_item(site / "output")
    e = entry("bridge-opens", "bluesky", "The new bridge opens", media=[item])
    write_video_manifest(site, [e])
    video_service.video_polls = 2
    events = run(site, T0, bluesky.env)
    assert outcomes(events) == {e["id"]: "posted"}, events
    embed = get_record(bluesky, ledger(site)[e["id"]]["remote_id"])["value"]["embed"]
    [job] = video_service.jobs.values()
    assert embed["video"] == job["blob"] and embed["aspectRatio"] == {"width": 320, "height": 180}
    assert get_blob(bluesky, ledger(site)[e["id"]]["remote"]["did"], embed["video"]["ref"]["$link"]).content == mp4()
    assert len(video_service.requests_to("getJobStatus")) == 3
    assert len(bluesky.server.requests_to("uploadBlob")) == 1      # the captions; the video went to the service


def test_a_failed_video_job_is_named_and_nothing_posted(bluesky: Harness, video_service: FakeVideoService,
                                                       tmp_path: Path) -> None:
    site = write_site(tmp_path, bluesky.table + f'video_service = "{video_service.url}"\n')
    e = entry("bridge-opens", "bluesky", "The new bridge opens", media=[video_item(site / "output")])
    write_video_manifest(site, [e])
    video_service.video_failure = "Video is too dark"
    events = run(site, T0, bluesky.env)
    assert outcomes(events) == {e["id"]: "failed"}
    assert "could not be processed (JOB_STATE_FAILED): InvalidVideo Video is too dark" in events[0].detail
    assert bluesky.live_texts() == []


def test_an_upload_repeated_after_a_lost_answer_meets_its_job(bluesky: Harness, video_service: FakeVideoService,
                                                              tmp_path: Path) -> None:
    site = write_site(tmp_path, bluesky.table + f'video_service = "{video_service.url}"\n')
    e = entry("bridge-opens", "bluesky", "The new bridge opens", media=[video_item(site / "output")])
    write_video_manifest(site, [e])
    video_service.inject(Fault("uploadVideo", "drop_after"))
    assert outcomes(run(site, T0, bluesky.env)) == {e["id"]: "posted"}
    assert len(video_service.requests_to("uploadVideo")) == 2 and len(video_service.jobs) == 1
    assert bluesky.live_texts() == [e["text"]]


def test_an_edit_keeps_the_video_embed(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path, '[platforms.bluesky]\non_change = "edit"\n')
    item = video_item(site / "output")
    e = entry("bridge-opens", "bluesky", "The new bridge opens", media=[item])
    write_video_manifest(site, [e])
    assert outcomes(run(site, T0, bluesky.env)) == {e["id"]: "posted"}
    edited = entry("bridge-opens", "bluesky", "The new bridge is open", media=[item])
    write_video_manifest(site, [edited])
    assert outcomes(run(site, T0, bluesky.env)) == {e["id"]: "edited"}
    value = get_record(bluesky, ledger(site)[e["id"]]["remote_id"])["value"]
    assert value["text"] == "The new bridge is open" and value["embed"]["$type"] == "app.bsky.embed.video"
    assert bluesky.live_texts() == ["The new bridge is open"]
