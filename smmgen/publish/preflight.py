"""Publish preflight: nothing is posted before its article page is live and shows its card.

Platforms build a link preview from the article page's Open Graph tags when the post goes out (and cache it
for days); Instagram and Threads fetch the card from its public URL. A post sent while the site's deploy is
still running shows a 404 or the old card to every reader. So before each create, per entry:

- a post that carries a link (all but Instagram with ``link_mode = "bio"``): the article URL answers 200 over
  HTTPS after at most ``MAX_REDIRECTS`` redirects, and its ``og:image`` serves the article's Open Graph card
  (the manifest's ``og`` target card, by sha256). An article with no og card in the manifest (no platform
  asked for one, so ``output/og/`` names no image either) needs only the 200;
- every card the entry names by URL (media ``url`` under ``cards_base_url``) answers 200 with the manifest's
  bytes (Instagram's adapter checks its card again right before Meta fetches it). A video's copy under
  ``media_base_url`` is left to the adapters that fetch it, which check it byte for byte.

Anything else (a 404 or 5xx, no connection, no or another og:image, other bytes) is a reason to wait, not a
failure: the runner reports ``wait: page not live yet (<reason>)`` and a later run posts the entry.

Polite and bounded: one ``requests`` session without cookies, the [publish] connect/read timeouts and a total
time per fetch, one connection per host at a time (the runner is sequential and the pool holds one),
``Accept-Encoding: identity`` so a body's size is what is read, pages read up to ``</head>`` (at most
``PAGE_MAX`` bytes), images up to ``IMAGE_MAX``, a User-Agent naming smmgen and its version, only http(s) URLs
on the site's own hosts (``base_url`` and ``cards_base_url``), and each URL fetched once per run.

HTTPS is required. ``SMMGEN_PREFLIGHT_ALLOW_HTTP=1`` allows plain http as well: for tests against a local
server on 127.0.0.1 only, never for a real site.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from smmgen import __version__
from smmgen.publish.http import HttpConfig, _reason
from smmgen.publish.manifest_reader import Entry, Media

ALLOW_HTTP_ENV = "SMMGEN_PREFLIGHT_ALLOW_HTTP"     # test-only: plain http to a local test server
USER_AGENT = f"smmgen/{__version__} (+publish preflight)"
MAX_REDIRECTS = 5
PAGE_MAX = 512 * 1024            # a <head> is a few KB; a page whose head runs past this is read no further
IMAGE_MAX = 10_000_001           # above the largest card any target makes (Telegram's 10 MB)
_REDIRECTS = (301, 302, 303, 307, 308)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def allow_http(env: Mapping[str, str]) -> bool:
    """The test-only setting: plain http allowed besides https."""
    return env.get(ALLOW_HTTP_ENV, "") == "1"


@dataclass(frozen=True)
class Fetched:
    """One URL as fetched: ``status`` None and ``problem`` set when there was no usable answer."""

    url: str
    final: str                   # after redirects
    status: int | None
    body: bytes = b""
    content_type: str = ""
    truncated: bool = False      # the body was longer than the cap: ``body`` holds only the start
    problem: str | None = None

    def failure(self) -> str | None:
        """Why this is no 200, naming the URL, or None."""
        why = self.why()
        if why is None:
            return None
        return f"{self.url}: {why}" if self.problem else f"{self.url} {why}"

    def why(self) -> str | None:
        """``failure`` without the URL."""
        if self.problem:
            return self.problem
        if self.status != 200:
            return ("" if self.final == self.url else f"(redirected to {self.final}) ") + f"answers HTTP {self.status}"
        return None


class Fetcher:
    """GETs on the site's own hosts, each URL once per run (see the module docstring for the bounds)."""

    def __init__(self, origins: Iterable[str | None], config: HttpConfig, *, http_allowed: bool = False):
        self.schemes = ("https", "http") if http_allowed else ("https",)
        self.hosts = {o for o in (_origin(u) for u in origins if u) if o is not None}
        self.config = config
        self.requests = 0        # requests sent, redirects included
        self._cache: dict[tuple[str, bool], Fetched] = {}
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
        self._session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))   # never stored, never sent
        pool = HTTPAdapter(pool_connections=4, pool_maxsize=1, pool_block=True, max_retries=0)
        self._session.mount("https://", pool)
        self._session.mount("http://", pool)

    def close(self) -> None:
        self._session.close()

    def page(self, url: str) -> Fetched:
        """An HTML page, read up to its ``</head>``."""
        return self._cached(url, page=True)

    def image(self, url: str) -> Fetched:
        return self._cached(url, page=False)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, or None."""
        parts = urlsplit(url)
        if parts.scheme not in self.schemes:
            need = "https" + (" or http" if "http" in self.schemes else "")
            return f"not {need} (preflight fetches only over HTTPS)"
        if _origin(url) not in self.hosts:
            return f"{parts.hostname or 'no host'} is not one of the site's hosts (base_url, cards_base_url)"
        return None

    def _cached(self, url: str, *, page: bool) -> Fetched:
        key = (url, page)
        if key not in self._cache:
            self._cache[key] = self._fetch(url, page=page)
        return self._cache[key]

    def _fetch(self, url: str, *, page: bool) -> Fetched:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            refused = self.refusal(current)
            if refused:
                return Fetched(url, current, None, problem=refused if current == url
                               else f"redirected to {current}, {refused}")
            try:
                self.requests += 1
                response = self._session.get(current, stream=True, allow_redirects=False,
                                             timeout=(self.config.connect_timeout, self.config.read_timeout))
            except requests.Timeout:
                return Fetched(url, current, None, problem=f"no answer within {self.config.read_timeout:g} s")
            except requests.RequestException as e:
                return Fetched(url, current, None, problem=f"cannot connect ({_reason(e)})")
            with response:
                location = response.headers.get("Location")
                if response.status_code in _REDIRECTS and location:
                    current = urljoin(current, location.strip())
                    continue
                return self._read(url, current, response, page=page)
        return Fetched(url, current, None, problem=f"more than {MAX_REDIRECTS} redirects (a redirect loop?)")

    def _read(self, url: str, final: str, response: requests.Response, *, page: bool) -> Fetched:
        cap = PAGE_MAX if page else IMAGE_MAX
        # The read timeout bounds each wait for bytes; this bounds a server that sends a trickle forever.
        deadline = time.monotonic() + self.config.connect_timeout + 2 * self.config.read_timeout
        data = bytearray()
        truncated = False
        try:
            for chunk in response.iter_content(16 * 1024):
                start = max(0, len(data) - 8)
                data += chunk
                if len(data) > cap:
                    del data[cap:]
                    truncated = True
                    break
                if page and (b"</head" in data[start:].lower() or b"<body" in data[start:].lower()):
                    break
                if time.monotonic() > deadline:
                    return Fetched(url, final, None, problem="the answer took too long to arrive")
        except requests.RequestException as e:
            return Fetched(url, final, None, problem=f"connection lost ({_reason(e)})")
        ctype = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        return Fetched(url, final, response.status_code, bytes(data), ctype, truncated)


def _origin(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.hostname.lower(), port


# --- the page's tags -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PageTags:
    """The ``<meta property|name=... content=...>`` of a page's head (the first of each, as the Open Graph
    protocol reads a repeated tag) and its ``<link rel=canonical>``."""

    meta: Mapping[str, str] = field(default_factory=dict)
    canonical: str | None = None


class _TagReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").strip().lower()
            if key and "content" in values:
                self.meta.setdefault(key, values["content"].strip())
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split() and self.canonical is None:
            self.canonical = values.get("href", "").strip() or None


def page_tags(body: bytes) -> PageTags:
    reader = _TagReader()
    reader.feed(body.decode("utf-8", errors="replace"))
    reader.close()
    return PageTags(meta=dict(reader.meta), canonical=reader.canonical)


# --- the check ---------------------------------------------------------------------------------------------------

def article_url(entry: Entry) -> str:
    return str(entry.json["article"]["url"])


def carries_link(entry: Entry) -> bool:
    """Whether the post links to the article (Instagram captions with link_mode "bio" do not)."""
    return entry.link is not None and entry.extra.get("link_mode") != "bio"


def og_cards(entries: Sequence[Entry]) -> dict[str, dict[str, Media]]:
    """Per article (its source file), its Open Graph cards by sha256: the cards of the ``og`` target that its
    entries name. Almost always one; a platform with its own card layout makes another, and the page's
    og:image is then one of them."""
    cards: dict[str, dict[str, Media]] = {}
    for entry in entries:
        for media in entry.media:
            if media.target == "og":
                cards.setdefault(entry.source, {})[media.sha256] = media
    return cards


class Preflight:
    """The per-entry check, with each page's and card's verdict kept for the run."""

    def __init__(self, entries: Sequence[Entry], fetcher: Fetcher):
        self.fetcher = fetcher
        self._og = og_cards(entries)
        self._pages: dict[str, str | None] = {}

    def close(self) -> None:
        self.fetcher.close()

    def waiting(self, entry: Entry) -> str | None:
        """Why ``entry`` must wait (what is not live yet), or None when it may go out now."""
        if carries_link(entry):
            url = article_url(entry)
            if url not in self._pages:
                self._pages[url] = self._page(url, self._og.get(entry.source, {}))
            if self._pages[url] is not None:
                return self._pages[url]
        for media in entry.media:
            # A video's public copy (under media_base_url, of any size) is checked byte for byte by the adapters
            # that fetch it (Instagram, Threads) right before the network does.
            if media.url and not media.is_video:
                problem = self._card(media)
                if problem is not None:
                    return problem
        return None

    def _page(self, url: str, cards: Mapping[str, Media]) -> str | None:
        page = self.fetcher.page(url)
        failure = page.failure()
        if failure is not None:
            return failure
        if not cards:
            return None
        image = page_tags(page.body).meta.get("og:image")
        if not image:
            return f"{url} has no og:image"
        image_url = urljoin(page.final, image)
        fetched = self.fetcher.image(image_url)
        failure = fetched.failure()
        if failure is not None:
            return f"og:image {failure}"
        if fetched.truncated or hashlib.sha256(fetched.body).hexdigest() not in cards:
            name = ", ".join(sorted(m.name for m in cards.values()))
            return f"og:image {image_url} is not the card in the manifest ({name}); an older card?"
        return None

    def _card(self, media: Media) -> str | None:
        assert media.url is not None
        fetched = self.fetcher.image(media.url)
        failure = fetched.failure()
        if failure is not None:
            return f"card {failure}"
        if fetched.truncated or hashlib.sha256(fetched.body).hexdigest() != media.sha256:
            return f"card {media.url} serves other bytes than {media.name} in the manifest (an older upload?)"
        return None


def open_preflight(entries: Sequence[Entry], origins: Iterable[str | None], config: HttpConfig,
                   env: Mapping[str, str]) -> Preflight:
    return Preflight(entries, Fetcher(origins, config, http_allowed=allow_http(env)))
