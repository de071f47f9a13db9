"""The local Bluesky PDS answers the calls the publisher makes, the way the real service does.

Besides proving the harness works, these tests pin the server's answers the publisher is built on: what a
duplicate record key, a bad token, a missing record, an oversized thumb and a failed swap look like.
"""

from __future__ import annotations

import io
import random

import pytest
import requests
from PIL import Image
from support.pds import PdsAccount, PdsServer, create_account, make_tid

# The fixtures come in as a plugin, registered once per session by name (tests/conftest.py may do the same).
pytest_plugins = ["support.pds"]

pytestmark = pytest.mark.slow

POST = "app.bsky.feed.post"
CREATED_AT = "2026-03-01T12:00:00.000Z"
# Fixed, well-formed record keys: each session gets a fresh PDS, and these lie far from "now", so they
# cannot meet keys other tests derive from the clock.
RKEY = make_tid(1_700_000_000_000_000, clock_id=7)
RKEY_UNUSED = make_tid(1_700_000_000_000_001, clock_id=7)


def png_bytes(size: tuple[int, int], *, noise: bool = False) -> bytes:
    """A PNG; with ``noise`` the pixels are seeded random bytes, so it barely compresses."""
    if noise:
        pixels = random.Random(20260301).randbytes(size[0] * size[1] * 3)
        image = Image.frombytes("RGB", size, pixels)
    else:
        image = Image.new("RGB", size, (200, 30, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class Client:
    """Bare XRPC calls with ``requests``, so the test sees the server's raw status codes and bodies."""

    def __init__(self, pds_url: str, did: str, access_jwt: str) -> None:
        self.base = f"{pds_url}/xrpc/"
        self.did = did
        self.auth = {"Authorization": f"Bearer {access_jwt}"}

    def call(self, method: str, body: dict, *, auth: dict | None = None) -> requests.Response:
        return requests.post(
            self.base + method,
            json={"repo": self.did, **body},
            headers=self.auth if auth is None else auth,
            timeout=30,
        )

    def upload(self, data: bytes, mime: str = "image/png") -> requests.Response:
        return requests.post(
            self.base + "com.atproto.repo.uploadBlob",
            data=data,
            headers={**self.auth, "Content-Type": mime},
            timeout=30,
        )

    def get_record(self, rkey: str, collection: str = POST) -> requests.Response:
        return requests.get(
            self.base + "com.atproto.repo.getRecord",
            params={"repo": self.did, "collection": collection, "rkey": rkey},
            timeout=30,
        )


def login(account: PdsAccount) -> Client:
    response = requests.post(
        f"{account.pds_url}/xrpc/com.atproto.server.createSession",
        json={"identifier": account.handle, "password": account.password},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["did"] == account.did
    assert body["handle"] == account.handle
    return Client(account.pds_url, body["did"], body["accessJwt"])


def error_of(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json().get("error")


def link_post(text: str, link_text: str, url: str, thumb: dict | None) -> dict:
    # Facet offsets count UTF-8 bytes, not characters.
    start = text.encode("utf-8").index(link_text.encode("utf-8"))
    end = start + len(link_text.encode("utf-8"))
    external = {"uri": url, "title": "Budget passes", "description": "What changes in 2026"}
    if thumb is not None:
        external["thumb"] = thumb
    return {
        "$type": POST,
        "text": text,
        "createdAt": CREATED_AT,
        "facets": [
            {
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        ],
        "embed": {"$type": "app.bsky.embed.external", "external": external},
    }


@pytest.fixture(scope="module")
def client(bluesky_pds_server: PdsServer) -> Client:
    # An account of its own, so the records made here never show up in the newsdesk account.
    return login(create_account(bluesky_pds_server.pds_url, "harness.test"))


def test_session_fixture_account_can_log_in(bluesky_pds: PdsAccount, bluesky_pds_server: PdsServer) -> None:
    assert bluesky_pds.handle == "newsdesk.test"
    assert bluesky_pds.did.startswith("did:plc:")
    assert bluesky_pds.password not in repr(bluesky_pds)
    assert bluesky_pds_server.pds_url.startswith("http://127.0.0.1:")
    login(bluesky_pds)


def test_post_with_link_card_round_trips(client: Client) -> None:
    thumb_png = png_bytes((64, 32))
    uploaded = client.upload(thumb_png)
    assert uploaded.status_code == 200, uploaded.text
    blob = uploaded.json()["blob"]
    assert blob["mimeType"] == "image/png"
    assert blob["size"] == len(thumb_png)

    url = "https://news.example/2026/budget"
    record = link_post(
        "Haushalt beschlossen — mehr dazu: news.example/2026/budget", "news.example/2026/budget", url, blob
    )
    created = client.call("com.atproto.repo.createRecord", {"collection": POST, "record": record})
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["uri"].startswith(f"at://{client.did}/{POST}/")
    assert body["validationStatus"] == "valid"
    rkey = body["uri"].rsplit("/", 1)[1]

    fetched = client.get_record(rkey)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["cid"] == body["cid"]
    value = fetched.json()["value"]
    assert value["facets"] == record["facets"]
    assert value["embed"]["external"]["thumb"]["ref"] == blob["ref"]

    served = requests.get(
        client.base + "com.atproto.sync.getBlob",
        params={"did": client.did, "cid": blob["ref"]["$link"]},
        timeout=30,
    )
    assert served.status_code == 200
    assert served.content == thumb_png


def test_explicit_rkey_is_kept_and_a_second_create_fails_without_overwriting(client: Client) -> None:
    first = {"$type": POST, "text": "first", "createdAt": CREATED_AT}
    created = client.call(
        "com.atproto.repo.createRecord", {"collection": POST, "rkey": RKEY, "record": first}
    )
    assert created.status_code == 200, created.text
    assert created.json()["uri"] == f"at://{client.did}/{POST}/{RKEY}"

    # The PDS has no clean "already exists" answer: the repo refuses the write and the XRPC layer turns
    # that into a 500. A publisher must not retry this as a transient error; it must look the record up.
    again = client.call(
        "com.atproto.repo.createRecord",
        {"collection": POST, "rkey": RKEY, "record": {**first, "text": "second"}},
    )
    assert error_of(again) == (500, "InternalServerError")
    kept = client.get_record(RKEY)
    assert kept.json()["cid"] == created.json()["cid"]
    assert kept.json()["value"]["text"] == "first"

    # putRecord with swapRecord null means "only if absent", and answers a clean 400 when it is not.
    swapped = client.call(
        "com.atproto.repo.putRecord",
        {"collection": POST, "rkey": RKEY, "record": {**first, "text": "second"}, "swapRecord": None},
    )
    assert error_of(swapped) == (400, "InvalidSwap")
    assert created.json()["cid"] in swapped.json()["message"]


def test_record_key_must_be_a_tid(client: Client) -> None:
    record = {"$type": POST, "text": "bad key", "createdAt": CREATED_AT}
    response = client.call(
        "com.atproto.repo.createRecord", {"collection": POST, "rkey": "post-1", "record": record}
    )
    assert error_of(response) == (400, "InvalidRequest")


def test_delete_honours_swap_and_then_the_record_is_gone(client: Client) -> None:
    rkey = make_tid(1_700_000_000_000_100, clock_id=7)
    record = {"$type": POST, "text": "to be deleted", "createdAt": CREATED_AT}
    created = client.call(
        "com.atproto.repo.createRecord", {"collection": POST, "rkey": rkey, "record": record}
    )
    assert created.status_code == 200, created.text
    other_cid = client.call(
        "com.atproto.repo.createRecord", {"collection": POST, "record": {**record, "text": "other"}}
    ).json()["cid"]

    stale = client.call(
        "com.atproto.repo.deleteRecord", {"collection": POST, "rkey": rkey, "swapRecord": other_cid}
    )
    assert error_of(stale) == (400, "InvalidSwap")
    assert client.get_record(rkey).status_code == 200

    deleted = client.call(
        "com.atproto.repo.deleteRecord",
        {"collection": POST, "rkey": rkey, "swapRecord": created.json()["cid"]},
    )
    assert deleted.status_code == 200, deleted.text
    assert error_of(client.get_record(rkey)) == (400, "RecordNotFound")

    # Deleting what is already gone succeeds, so a retried delete is harmless.
    repeated = client.call("com.atproto.repo.deleteRecord", {"collection": POST, "rkey": rkey})
    assert repeated.status_code == 200


def test_missing_record_answers_400_record_not_found(client: Client) -> None:
    response = client.get_record(RKEY_UNUSED)
    assert error_of(response) == (400, "RecordNotFound")


def test_bad_or_missing_token(client: Client) -> None:
    record = {"$type": POST, "text": "unauthorised", "createdAt": CREATED_AT}
    body = {"collection": POST, "record": record}
    # A token that does not verify is a 400, not a 401: only a missing token is a 401.
    bad = client.call("com.atproto.repo.createRecord", body, auth={"Authorization": "Bearer not-a-token"})
    assert error_of(bad) == (400, "InvalidToken")
    missing = client.call("com.atproto.repo.createRecord", body, auth={})
    assert error_of(missing) == (401, "AuthMissing")


def test_thumb_over_one_million_bytes_is_refused_at_create_record(client: Client) -> None:
    big = png_bytes((600, 600), noise=True)
    assert len(big) > 1_000_000
    uploaded = client.upload(big)
    # The upload itself is accepted (the cap there is 5 MiB); the post's lexicon limit applies on create.
    assert uploaded.status_code == 200, uploaded.text
    record = link_post(
        "Big card: news.example/big", "news.example/big", "https://news.example/big", uploaded.json()["blob"]
    )
    refused = client.call("com.atproto.repo.createRecord", {"collection": POST, "record": record})
    assert error_of(refused) == (400, "InvalidRequest")
    assert "blob too big" in refused.json()["message"]


def test_validation_is_what_enforces_the_post_limits(client: Client) -> None:
    long_post = {"$type": POST, "text": "x" * 301, "createdAt": CREATED_AT}
    checked = client.call("com.atproto.repo.createRecord", {"collection": POST, "record": long_post})
    assert error_of(checked) == (400, "InvalidRequest")
    assert "grapheme" in checked.json()["message"]
    # With validate=false the same record is stored: the publisher must never send it.
    unchecked = client.call(
        "com.atproto.repo.createRecord", {"collection": POST, "record": long_post, "validate": False}
    )
    assert unchecked.status_code == 200, unchecked.text
    assert "validationStatus" not in unchecked.json()
