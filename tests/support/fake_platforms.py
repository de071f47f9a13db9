"""Harnesses for the X, Facebook, Instagram, Threads, LinkedIn and VK fakes, in the shape of
``support.publishing.Harness``, plus what each platform's contract expects where the platforms differ (which
HTTP status a wrong token gets, how long a rate limit says to wait), and a local card host for the platforms
that fetch images from ``cards_base_url``."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fakes.cardhost import CardHost
from fakes.facebook import FakeFacebook
from fakes.instagram import FakeInstagram
from fakes.linkedin import FakeLinkedIn
from fakes.threads import FakeThreads
from fakes.vk import FakeVk
from fakes.x import FakeX
from PIL import Image

from smmgen.platforms.linkedin import commentary
from support.publishing import Harness, entry

NEW_PLATFORMS = ("x", "facebook", "instagram", "threads", "linkedin", "vk")
URLS = {"x": "https://x.com/NorthbridgeNews/status/", "facebook": "https://www.facebook.com/104955112233445/posts/",
        "instagram": "https://www.instagram.com/p/", "threads": "https://www.threads.net/@courier/post/",
        "linkedin": "https://www.linkedin.com/feed/update/urn:li:share:", "vk": "https://vk.com/wall-229100100_"}


def seconds_to_utc_midnight(now: dt.datetime) -> float:
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


@dataclass
class PlatformHarness(Harness):
    cards: CardHost | None = None
    fake: Any = None

    def site(self, folder: Path, *more: str) -> Path:
        if self.cards is not None:
            self.cards.folder = folder / "output" / "cards"
            self.cards.folder.mkdir(parents=True, exist_ok=True)
        return super().site(folder, *more)

    @property
    def cards_base_url(self) -> str | None:
        return self.cards.base_url if self.cards else None


def image_card(folder: Path, name: str, *, size: tuple[int, int] = (1080, 1350), fmt: str = "JPEG",
               role: str = "attach", alt: str = "The council chamber", base_url: str | None = None,
               color: tuple[int, int, int] = (20, 60, 120)) -> dict:
    """Write a card under ``folder/cards/`` and return its manifest media record (with its public URL)."""
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    data = out.getvalue()
    path = folder / "cards" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    ext = {"JPEG": "jpeg", "PNG": "png"}[fmt]
    return {"role": role, "target": "og", "path": f"cards/{name}", "url": f"{base_url}/{name}" if base_url else None,
            "width": size[0], "height": size[1], "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "format": ext, "alt": alt}


def platform_entry(h: PlatformHarness, site: Path, slug: str, text: str, **kw: Any) -> dict:
    """A manifest entry shaped as each platform's cut writes it (media role, extra)."""
    output = site / "output"
    media: list[dict] = []
    extra: dict[str, Any] = dict(kw.pop("extra", {}) or {})
    if h.name == "instagram":
        media = [image_card(output, f"{slug}.jpg", base_url=h.cards_base_url)]
        extra.setdefault("link_mode", "bio")
    elif h.name == "vk":
        media = [image_card(output, f"{slug}.jpg", size=(1200, 630), base_url=h.cards_base_url)]
    elif h.name == "linkedin":
        media = [image_card(output, f"{slug}.jpg", size=(1200, 630), role="link_card")]
    elif h.name == "x":
        media = [image_card(output, f"{slug}.jpg", size=(1200, 675))]
    elif h.name in ("facebook", "threads"):
        media = [image_card(output, f"{slug}.jpg", size=(1200, 630), role="scraped", base_url=h.cards_base_url)]
    e = entry(slug, h.name, text, media=kw.pop("media", media), extra=extra, **kw)
    if h.name == "linkedin":
        e = entry(slug, h.name, text, media=media, extra={
            "commentary": commentary(text),
            "article": {"source": e["link"], "title": e["article"]["title"], "description": "What happened."},
            **extra}, **kw)
    if h.name == "vk":
        e = entry(slug, h.name, text, media=media, extra={"attachments": [e["link"]], **extra}, **kw)
    return e


def _x(api: Callable[[], FakeX] = FakeX) -> Iterator[PlatformHarness]:
    fake = api().start()
    try:
        env = {"SMMGEN_X_API_KEY": fake.consumer_key, "SMMGEN_X_API_SECRET": fake.consumer_secret,
               "SMMGEN_X_ACCESS_TOKEN": fake.access_token, "SMMGEN_X_ACCESS_SECRET": fake.access_secret}
        yield PlatformHarness("x", fake, env, f'[publish.x]\napi_base = "{fake.url}"\n', "POST /2/tweets",
                              tuple(env.values()), fake.live_texts, fake.rate_limited, fake.server_error,
                              auth_status=401, expected_wait=lambda s: s, fake=fake)
    finally:
        fake.stop()


def _graph(name: str, fake: Any, env_var: str, table: str, create: str, *,
           cards: bool = False) -> Iterator[PlatformHarness]:
    host = CardHost(Path("/nonexistent")).start() if cards else None
    fake.start()
    try:
        yield PlatformHarness(name, fake, {env_var: fake.token}, table, create, (fake.token,), fake.live_texts,
                              fake.rate_limited, fake.server_error, auth_status=400,
                              expected_wait=lambda s: 60.0 * max(1, -(-s // 60)), cards=host, fake=fake)
    finally:
        fake.stop()
        if host is not None:
            host.stop()


def _facebook() -> Iterator[PlatformHarness]:
    fake = FakeFacebook()
    yield from _graph("facebook", fake, "SMMGEN_FACEBOOK_PAGE_TOKEN",
                      f'[publish.facebook]\npage_id = "{fake.page_id}"\ngraph_version = "v25.0"\n'
                      f'api_base = "{fake.url}"\n', f"POST /v25.0/{fake.page_id}/feed")


def _instagram(**kw: Any) -> Iterator[PlatformHarness]:
    fake = FakeInstagram(**kw)
    api = "facebook_login" if fake.delete_allowed else "instagram_login"
    yield from _graph("instagram", fake, "SMMGEN_INSTAGRAM_TOKEN",
                      f'[publish.instagram]\nuser_id = "{fake.user_id}"\napi = "{api}"\ngraph_version = "v25.0"\n'
                      f'api_base = "{fake.url}"\n', f"POST /v25.0/{fake.user_id}/media_publish", cards=True)


def _threads() -> Iterator[PlatformHarness]:
    fake = FakeThreads()
    yield from _graph("threads", fake, "SMMGEN_THREADS_TOKEN",
                      f'[publish.threads]\nuser_id = "{fake.user_id}"\napi_base = "{fake.url}"\n',
                      f"POST /v1.0/{fake.user_id}/threads_publish", cards=True)


def _linkedin() -> Iterator[PlatformHarness]:
    fake = FakeLinkedIn().start()

    def wait(seconds: float) -> float:
        return seconds_to_utc_midnight(dt.datetime.now(dt.UTC))

    try:
        yield PlatformHarness("linkedin", fake, {"SMMGEN_LINKEDIN_TOKEN": fake.token},
                              f'[publish.linkedin]\nauthor = "{fake.author}"\nversion = "202605"\n'
                              f'api_base = "{fake.url}"\n', "POST /rest/posts", (fake.token,), fake.live_texts,
                              fake.rate_limited, fake.server_error, auth_status=401, expected_wait=wait, fake=fake)
    finally:
        fake.stop()


def _vk(**kw: Any) -> Iterator[PlatformHarness]:
    fake = FakeVk(**kw).start()
    try:
        yield PlatformHarness("vk", fake, {"SMMGEN_VK_TOKEN": fake.token},
                              f'[publish.vk]\ngroup_id = {fake.group_id}\napi_base = "{fake.url}"\n',
                              "POST /method/wall.post", (fake.token,), fake.live_texts, fake.rate_limited,
                              fake.server_error, auth_status=None, expected_wait=lambda s: 1.0, fake=fake)
    finally:
        fake.stop()


OPENERS: dict[str, Callable[..., Iterator[PlatformHarness]]] = {
    "x": _x, "facebook": _facebook, "instagram": _instagram, "threads": _threads, "linkedin": _linkedin, "vk": _vk}


def open_platform(name: str, **kw: Any) -> Iterator[PlatformHarness]:
    return OPENERS[name](**kw)


@pytest.fixture(params=NEW_PLATFORMS)
def platform(request: pytest.FixtureRequest) -> Iterator[PlatformHarness]:
    """Each of the six platforms in turn: its fake, credentials and settings."""
    yield from open_platform(request.param)
