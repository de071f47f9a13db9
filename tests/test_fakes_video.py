"""The contract fakes refuse what the networks refuse in a video upload, so an adapter that strays from the
flow fails its tests: segments out of order, a status before finalize, a post naming media that is not
processed or unknown, parts of the wrong size or ETags out of order, files over the size and duration caps."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import requests
from fakes.linkedin import FakeLinkedIn
from fakes.mastodon import FakeMastodon
from fakes.telegram import FakeTelegram
from fakes.video import probe_problem
from fakes.x import FakeX
from PIL import Image
from support.videos import mp4

CLIP = mp4()


@pytest.fixture
def x() -> Iterator[FakeX]:
    with FakeX() as fake:
        yield fake  # type: ignore[misc]


def x_call(fake: FakeX, method: str, path: str, **kw) -> requests.Response:
    return requests.request(method, fake.url + path, headers={"Authorization": f"Bearer {fake.bearer}"},
                            timeout=10, **kw)


def x_init(fake: FakeX, total: int = len(CLIP)) -> str:
    answer = x_call(fake, "POST", "/2/media/upload/initialize",
                    json={"media_type": "video/mp4", "total_bytes": total, "media_category": "tweet_video"})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["id"]


def x_append(fake: FakeX, media_id: str, index: int, chunk: bytes) -> requests.Response:
    return x_call(fake, "POST", f"/2/media/upload/{media_id}/append", data={"segment_index": str(index)},
                  files={"media": ("c", chunk, "application/octet-stream")})


def test_x_segments_in_order_and_finalize_before_status(x: FakeX) -> None:
    media_id = x_init(x)
    half = len(CLIP) // 2
    assert x_append(x, media_id, 1, CLIP[half:]).status_code == 400            # 1 before 0
    status = x_call(x, "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id})
    assert status.status_code == 400 and "not finalized" in status.text
    assert x_append(x, media_id, 0, CLIP[:half]).status_code == 204
    early = x_call(x, "POST", f"/2/media/upload/{media_id}/finalize")
    assert early.status_code == 400 and f"received {half} of {len(CLIP)} bytes" in early.text
    assert x_append(x, media_id, 1, CLIP[half:]).status_code == 204
    assert x_call(x, "POST", f"/2/media/upload/{media_id}/finalize").json()["data"]["processing_info"] == {
        "state": "succeeded", "progress_percent": 100}
    assert x_append(x, media_id, 2, b"more").status_code == 400                 # after finalize


def test_x_refuses_big_segments_and_posts_naming_unprocessed_or_unknown_media(x: FakeX) -> None:
    big = x_init(x, total=6 * 1024 * 1024)
    assert x_append(x, big, 0, bytes(5 * 1024 * 1024 + 1)).status_code == 400
    x.video_polls = 2
    media_id = x_init(x)
    assert x_append(x, media_id, 0, CLIP).status_code == 204
    assert x_call(x, "POST", f"/2/media/upload/{media_id}/finalize").json()["data"]["processing_info"]["state"] \
        == "pending"
    tweet = {"text": "The bridge", "media": {"media_ids": [media_id]}}
    refused = x_call(x, "POST", "/2/tweets", json=tweet)
    assert refused.status_code == 400 and "not ready" in refused.text
    assert x_call(x, "POST", "/2/tweets", json={"text": "x", "media": {"media_ids": ["12345"]}}).status_code == 400
    for _ in range(2):
        x_call(x, "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id})
    assert x_call(x, "POST", "/2/tweets", json=tweet).status_code == 201


def test_x_processing_refuses_a_clip_over_140_seconds_or_not_h264() -> None:
    assert probe_problem(CLIP, (0.5, 140.0)) is None
    assert probe_problem(CLIP, (2.0, 140.0)) == "duration 1.0 s is outside 2-140 s"
    assert probe_problem(mp4(codec="mpeg4")) == "video codec mpeg4 is not H.264"
    assert probe_problem(CLIP, fps=(23.0, 60.0)) == "frame rate 10 is outside 23-60"
    assert (probe_problem(b"not a video") or "").startswith("not a video file")


def test_linkedin_parts_etags_and_availability() -> None:
    with FakeLinkedIn() as fake:
        fake.part_bytes = 40_000
        headers = {"Authorization": f"Bearer {fake.token}", "LinkedIn-Version": "202605",
                   "X-Restli-Protocol-Version": "2.0.0"}
        data = CLIP + bytes(80_000)
        init = requests.post(f"{fake.url}/rest/videos", params={"action": "initializeUpload"}, headers=headers,
                             json={"initializeUploadRequest": {"owner": fake.author, "fileSizeBytes": len(data)}},
                             timeout=10).json()["value"]
        parts = init["uploadInstructions"]
        assert len(parts) == -(-len(data) // 40_000)
        wrong = requests.put(parts[0]["uploadUrl"], data=data[:10], headers=headers, timeout=10)
        assert wrong.status_code == 400
        etags = [requests.put(p["uploadUrl"], data=data[p["firstByte"]:p["lastByte"] + 1], headers=headers,
                              timeout=10).headers["etag"] for p in parts]
        finalize = {"video": init["video"], "uploadToken": init["uploadToken"]}
        swapped = requests.post(f"{fake.url}/rest/videos", params={"action": "finalizeUpload"}, headers=headers,
                                json={"finalizeUploadRequest": {**finalize, "uploadedPartIds": etags[::-1]}},
                                timeout=10)
        assert swapped.status_code == 400
        assert requests.post(f"{fake.url}/rest/videos", params={"action": "finalizeUpload"}, headers=headers,
                             json={"finalizeUploadRequest": {**finalize, "uploadedPartIds": etags}},
                             timeout=10).status_code == 200
        post = {"author": fake.author, "commentary": "The bridge", "visibility": "PUBLIC",
                "distribution": {"feedDistribution": "MAIN_FEED"}, "lifecycleState": "PUBLISHED",
                "content": {"media": {"id": init["video"]}}}
        early = requests.post(f"{fake.url}/rest/posts", json=post, headers=headers, timeout=10)
        assert early.status_code == 422 and "PROCESSING" in early.text
        small = requests.post(f"{fake.url}/rest/videos", params={"action": "initializeUpload"}, headers=headers,
                              json={"initializeUploadRequest": {"owner": fake.author, "fileSizeBytes": 1000}},
                              timeout=10)
        assert small.status_code == 422


def test_mastodon_refuses_a_status_with_a_video_still_processing() -> None:
    with FakeMastodon() as fake:
        headers = {"Authorization": f"Bearer {fake.token}"}
        media = requests.post(f"{fake.url}/api/v2/media", headers=headers, timeout=10,
                              files={"file": ("v.mp4", CLIP, "video/mp4")})
        assert media.status_code == 202 and media.json()["url"] is None
        status = requests.post(f"{fake.url}/api/v1/statuses", headers=headers, timeout=10,
                               json={"status": "The bridge", "media_ids": [media.json()["id"]]})
        assert status.status_code == 422 and "not finished processing" in status.text
        big = FakeMastodon(video_size_limit=1000)
        assert big._upload_video(CLIP, "", None).status == 422


def test_telegram_caps_the_video_and_the_thumbnail() -> None:
    with FakeTelegram() as fake:
        url = f"{fake.url}/bot{fake.token}/sendVideo"
        huge = io.BytesIO()
        Image.new("RGB", (640, 360)).save(huge, format="JPEG")
        answer = requests.post(url, data={"chat_id": fake.channel, "thumbnail": "attach://t"}, timeout=10,
                               files={"video": ("v.mp4", CLIP, "video/mp4"), "t": ("t.jpg", huge.getvalue(), "image/jpeg")})
        assert answer.status_code == 400 and "wrong thumbnail" in answer.text
        answer = requests.post(url, data={"chat_id": fake.channel}, timeout=30,
                               files={"video": ("v.mp4", bytes(50 * 1024 * 1024 + 1), "video/mp4")})
        assert answer.status_code == 413
        assert requests.post(url, data={"chat_id": fake.channel, "duration": "1"}, timeout=10,
                             files={"video": ("v.mp4", CLIP, "video/mp4")}).json()["ok"] is True
