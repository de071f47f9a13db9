"""Helpers for the publisher tests: schema-valid manifests, a site folder, and one harness per platform
(the server to fault, its credentials, and a look at what is live on it).

Bluesky runs against the real local PDS (through ``FaultProxy``), one fresh account per test; Mastodon and
Telegram against their fakes in ``tests/fakes/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import io
import itertools
import json
import os
import secrets
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests
from fakes.mastodon import FakeMastodon
from fakes.server import FakeServer, Response
from fakes.telegram import FakeTelegram
from PIL import Image

from smmgen.config.site import load_site
from smmgen.manifest import SCHEMA_PATH
from smmgen.publish import runner
from smmgen.text.richtext import detect_facets
from support.faultproxy import FaultProxy
from support.pds import create_account

PLATFORMS = ("bluesky", "mastodon", "telegram")
T0 = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
_handles = itertools.count(1)

# Short timeouts and a small budget keep the fault tests to seconds. The test sites are not served anywhere:
# their publish preflight is off (tests/test_publish_preflight.py serves one and turns it on).
PUBLISH_TOML = """\
[publish]
preflight = false
connect_timeout = 1.0
read_timeout = 1.5
max_attempts = 4
backoff = 0.05
retry_budget = 15.0
media_wait = 5.0
"""


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


def card(folder: Path, name: str = "card.png", *, size: tuple[int, int] = (240, 126),
         color: tuple[int, int, int] = (20, 60, 120), role: str = "link_card", alt: str = "A card") -> dict:
    """Write a PNG under ``folder/cards/`` and return its manifest media record."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    data = out.getvalue()
    path = folder / "cards" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"role": role, "target": "og", "path": f"cards/{name}", "url": None, "width": size[0],
            "height": size[1], "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "format": "png",
            "alt": alt}


def entry(slug: str, platform: str, parts: str | Sequence[str], *, publish_at: dt.datetime = T0,
          expire_at: dt.datetime | None = None, link: str | None = "default", media: Sequence[dict] = (),
          extra: dict | None = None, retracted: bool = False, lang: str = "en", title: str | None = None) -> dict:
    """A manifest entry as ``smmgen build`` writes it; ``content_hash`` covers what would be posted."""
    parts = [parts] if isinstance(parts, str) else list(parts)
    extra = dict(extra or {})
    # What the build computes for the publisher to post as it is: Bluesky's facets, Telegram's escaped HTML.
    if platform == "bluesky" and "facets" not in extra:
        extra["facets"] = [detect_facets(p) for p in parts]
    if platform == "telegram" and "parse_mode" not in extra:
        parts = [html.escape(p, quote=False) for p in parts]
        extra["parse_mode"] = "HTML"
    url = f"https://courier.example/2026/03/{slug}/"
    if link == "default":
        link = f"{url}?utm_source={platform}&utm_medium=social&utm_campaign={slug}"
    doc: dict[str, Any] = {
        "id": f"{slug}@{platform}", "platform": platform,
        "article": {"source": f"content/2026/{slug}.md", "slug": slug, "title": title or slug.replace("-", " ").title(),
                    "url": url, "lang": lang, "date": iso(publish_at), "tags": []},
        "retracted": retracted, "text": parts[0], "parts": parts, "length": max(len(p) for p in parts),
        "lengths": [len(p) for p in parts], "limit": 500, "unit": "graphemes", "link": link, "tags": [],
        "media": list(media), "publish_at": iso(publish_at), "expire_at": iso(expire_at), "warnings": [],
        "extra": extra,
    }
    hashed = {k: doc[k] for k in ("platform", "parts", "link", "media", "publish_at", "expire_at", "extra",
                                  "retracted")}
    doc["content_hash"] = "sha256:" + hashlib.sha256(json.dumps(hashed, sort_keys=True).encode()).hexdigest()
    return doc


def write_manifest(site_dir: Path, entries: Sequence[dict]) -> Path:
    doc = {"format": "smmgen-manifest", "version": 1,
           "site": {"name": "Test Desk", "base_url": "https://courier.example", "timezone": "UTC",
                    "cards_base_url": None},
           "entries": sorted(entries, key=lambda e: e["id"])}
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text()))
    path = site_dir / "output" / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
    return path


def write_site(site_dir: Path, *tables: str) -> Path:
    site_dir.mkdir(parents=True, exist_ok=True)
    text = '[site]\nname = "Test Desk"\nbase_url = "https://courier.example"\n\n' + PUBLISH_TOML
    text += "".join("\n" + textwrap.dedent(t) for t in tables)
    (site_dir / "smmgen.toml").write_text(text)
    return site_dir


def run(site_dir: Path, now: dt.datetime | str, env: dict[str, str], **options: Any) -> list[runner.Event]:
    """One ``smmgen publish`` through the library, as the CLI does it."""
    now = utc(now) if isinstance(now, str) else now
    return list(runner.publish(load_site(site_dir), runner.Options(now=now, **options), env=env))


def outcomes(events: Sequence[runner.Event]) -> dict[str, str]:
    """entry id -> its last outcome in a run (warnings left out)."""
    return {e.entry_id: e.outcome for e in events if e.outcome != "warning"}


def ledger(site_dir: Path) -> dict[str, Any]:
    return json.loads((site_dir / ".smmgen" / "ledger.json").read_text())["entries"]


@dataclass
class Harness:
    name: str
    server: FakeServer                 # where faults go (a fake, or the proxy in front of the PDS)
    env: dict[str, str] = field(repr=False)
    table: str                         # the [publish.<name>] table
    create: str                        # what a create request looks like, for Fault.match
    secrets: tuple[str, ...] = field(repr=False, default=())
    _live: Any = None
    _rate_limited: Any = None
    _server_error: Any = None
    auth_status: int | None = 401              # the HTTP status a wrong credential gets (None: an error in a 200)
    expected_wait: Callable[[float], float | None] = field(default=lambda s: s, repr=False)
    cards: Any = None                          # the card host of platforms that fetch images by URL

    def live_texts(self) -> list[str]:
        """The first part of every post live on the server, oldest first."""
        self.server.settle()
        return self._live()

    def rate_limited(self, seconds: float) -> Response:
        return self._rate_limited(seconds)

    def server_error(self) -> Response:
        return self._server_error()

    def site(self, folder: Path, *more: str) -> Path:
        return write_site(folder, self.table, *more)


def _mastodon() -> Iterator[Harness]:
    fake = FakeMastodon().start()
    try:
        yield Harness("mastodon", fake, {"SMMGEN_MASTODON_TOKEN": fake.token},
                      f'[publish.mastodon]\ninstance = "https://social.example"\napi_base = "{fake.url}"\n',
                      "POST /api/v1/statuses", (fake.token,), fake.live_texts, fake.rate_limited, fake.server_error)
    finally:
        fake.stop()


def _telegram() -> Iterator[Harness]:
    fake = FakeTelegram().start()
    try:
        yield Harness("telegram", fake, {"SMMGEN_TELEGRAM_BOT_TOKEN": fake.token},
                      f'[publish.telegram]\nchat_id = "@courier_news"\napi_base = "{fake.url}"\n',
                      "/send", (fake.token,), fake.live_texts, fake.rate_limited, fake.server_error)
    finally:
        fake.stop()


def _bluesky(request: pytest.FixtureRequest) -> Iterator[Harness]:
    server = request.getfixturevalue("bluesky_pds_server")
    account = create_account(server.pds_url, f"pub{next(_handles)}-{secrets.token_hex(3)}.test")
    proxy = FaultProxy(server.pds_url).start()

    def live() -> list[str]:
        answer = requests.get(f"{server.pds_url}/xrpc/com.atproto.repo.listRecords", timeout=10,
                              params={"repo": account.did, "collection": "app.bsky.feed.post", "limit": 100})
        answer.raise_for_status()
        records = sorted(answer.json()["records"], key=lambda r: r["uri"].rsplit("/", 1)[1])
        return [r["value"]["text"] for r in records if "reply" not in r["value"]]

    def rate_limited(seconds: float) -> Response:
        reset = int(dt.datetime.now(dt.UTC).timestamp() + seconds + 0.999)
        return Response(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                        {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset),
                         "RateLimit-Policy": "3000;w=300"})

    try:
        yield Harness("bluesky", proxy,
                      {"SMMGEN_BLUESKY_HANDLE": account.handle, "SMMGEN_BLUESKY_APP_PASSWORD": account.password},
                      f'[publish.bluesky]\nservice = "{proxy.url}"\n', "com.atproto.repo.createRecord",
                      (account.password,), live, rate_limited,
                      lambda: Response(500, {"error": "InternalServerError", "message": "Internal Server Error"}))
    finally:
        proxy.stop()


def open_harness(name: str, request: pytest.FixtureRequest) -> Iterator[Harness]:
    if name == "bluesky":
        return _bluesky(request)
    return _mastodon() if name == "mastodon" else _telegram()


@pytest.fixture(params=PLATFORMS)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """Each platform in turn: a server with a fresh account and the settings to reach it."""
    yield from open_harness(request.param, request)


@pytest.fixture
def mastodon(request: pytest.FixtureRequest) -> Iterator[Harness]:
    yield from open_harness("mastodon", request)


@pytest.fixture
def telegram(request: pytest.FixtureRequest) -> Iterator[Harness]:
    yield from open_harness("telegram", request)


@pytest.fixture
def bluesky(request: pytest.FixtureRequest) -> Iterator[Harness]:
    yield from open_harness("bluesky", request)


def env_without_secrets() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SMMGEN_")}
