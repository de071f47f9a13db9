"""``smmgen check --live``: the live pages of the articles due soon, read the way the platforms' card
validators read them, for CI after a deploy.

An article is checked when one of its manifest entries is still to be posted (not retracted, not held, not
expired, no post in the ledger yet) and due by now + ``--within`` (48 h by default): already due ones
included, since they go out on the next run. Each page is fetched with the publish preflight's fetcher (the
site's hosts only, HTTPS, bounded) and its problems are printed one per line, ``<url>: <tag>: what is wrong``:

- the page does not answer 200; ``og:image``, ``og:image:alt``, ``twitter:card`` or ``<link rel=canonical>``
  missing; the canonical URL not the article's;
- ``og:image`` not answering 200, not an image, or not the card in the manifest;
- larger than Bluesky's link card thumbnail takes (``app.bsky.embed.external`` thumb blob maxSize 1,000,000
  bytes, PLATFORMS.md [B4]);
- with ``twitter:card`` ``summary_large_image``: not 2:1 (X shows 2:1 and accepts the 1.91:1 Open Graph
  shape), smaller than 300x157 or larger than 4096x4096, or 5 MB or more (PLATFORMS.md [X7][X8]);
- ``og:image:width`` / ``og:image:height`` disagreeing with the image.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

from smmgen import facts
from smmgen.errors import SmmgenError

BLUESKY_THUMB_MAX = int(facts.BLUESKY.images.thumb_max_bytes.value)     # [B4]
X_LARGE_MAX = int(facts.X.images.card_max_bytes.value)                # "< 5 MB" [X8]
X_LARGE_MIN = (300, 157)                 # [X7]
X_LARGE_SIDE_MAX = 4096                  # [X7]
X_ASPECTS = (1.91, 2.0)                  # X's 2:1, and the 1.91:1 Open Graph shape it accepts
ASPECT_SLACK = 0.01
DEFAULT_WITHIN = dt.timedelta(hours=48)


@dataclass(frozen=True)
class Page:
    """An article page to check: its URL and the sha256 of its Open Graph cards in the manifest."""

    url: str
    cards: frozenset[str]


def pages_due(entries, ledger, now: dt.datetime, within: dt.timedelta) -> list[Page]:
    """The pages of the articles with an entry still to post by ``now + within``, in URL order."""
    from smmgen.publish.preflight import article_url, og_cards

    cards = og_cards(entries)
    due: dict[str, Page] = {}
    for entry in entries:
        record = ledger.get(entry.id)
        if record is not None and record.state not in ("pending", "intent", "unknown"):
            continue
        if entry.retracted or entry.hold is not None or entry.publish_at > now + within:
            continue
        if entry.expire_at is not None and entry.expire_at <= now:
            continue
        url = article_url(entry)
        known = due.get(url, Page(url, frozenset()))
        due[url] = Page(url, known.cards | frozenset(cards.get(entry.source, {})))
    return [due[url] for url in sorted(due)]


def page_problems(page: Page, fetcher) -> list[str]:
    """Every problem a card validator would find on ``page``, one ``url: tag: what`` line each."""
    from smmgen.publish.preflight import page_tags

    url = page.url
    fetched = fetcher.page(url)
    why = fetched.why()
    if why is not None:
        return [f"{url}: page: {why}"]
    tags = page_tags(fetched.body)
    meta = tags.meta
    problems = []
    if not meta.get("og:image:alt"):
        problems.append(f"{url}: og:image:alt: missing (screen readers and Bluesky's card get no description)")
    card = meta.get("twitter:card")
    if not card:
        problems.append(f"{url}: twitter:card: missing (X shows no large card; set summary_large_image)")
    if not tags.canonical:
        problems.append(f"{url}: canonical: missing (<link rel=\"canonical\" href=\"{url}\">)")
    elif urljoin(fetched.final, tags.canonical) != url:
        problems.append(f"{url}: canonical: points to {tags.canonical}, not the article's URL")
    image = meta.get("og:image")
    if not image:
        problems.insert(0, f"{url}: og:image: missing (no platform shows a picture in the link preview)")
        return problems
    problems += _image_problems(url, urljoin(fetched.final, image), meta, card, page.cards, fetcher)
    return problems


def _image_problems(url: str, image_url: str, meta: Mapping[str, str], card: str | None,
                    cards: frozenset[str], fetcher) -> list[str]:
    from PIL import Image, UnidentifiedImageError

    from smmgen.publish.preflight import IMAGE_MAX

    fetched = fetcher.image(image_url)
    failure = fetched.failure()
    if failure is not None:
        return [f"{url}: og:image: {failure}"]
    if fetched.truncated:
        return [f"{url}: og:image: {image_url} is more than {IMAGE_MAX - 1:,} bytes, more than any platform takes"]
    try:
        with Image.open(io.BytesIO(fetched.body)) as im:
            width, height = im.size
    except (UnidentifiedImageError, OSError, ValueError):
        return [f"{url}: og:image: {image_url} is not an image (served as {fetched.content_type or 'no type'})"]
    size = len(fetched.body)
    problems = []
    if cards and hashlib.sha256(fetched.body).hexdigest() not in cards:
        problems.append(f"{url}: og:image: {image_url} is not the card in the manifest (an older card, or the "
                        "site's deploy is not done?)")
    if size > BLUESKY_THUMB_MAX:
        problems.append(f"{url}: og:image: {size:,} bytes, more than Bluesky's link card thumbnail takes "
                        f"({BLUESKY_THUMB_MAX:,})")
    if card == "summary_large_image":
        ratio = width / height
        if not X_ASPECTS[0] - ASPECT_SLACK <= ratio <= X_ASPECTS[1] + ASPECT_SLACK:
            problems.append(f"{url}: twitter:card: summary_large_image wants a 2:1 image (1.91:1 is accepted); "
                            f"og:image is {width}x{height} ({ratio:.2f}:1)")
        if width < X_LARGE_MIN[0] or height < X_LARGE_MIN[1] or max(width, height) > X_LARGE_SIDE_MAX:
            problems.append(f"{url}: twitter:card: summary_large_image takes 300x157 to 4096x4096; og:image is "
                            f"{width}x{height}")
        if size >= X_LARGE_MAX:
            problems.append(f"{url}: twitter:card: og:image is {size:,} bytes; X takes less than 5 MB")
    for tag, actual in (("og:image:width", width), ("og:image:height", height)):
        said = meta.get(tag)
        if said is not None and said.strip() != str(actual):
            problems.append(f"{url}: {tag}: says {said}, the image is {actual} px")
    return problems


def check_live(site, *, now: dt.datetime, within: dt.timedelta, echo) -> None:
    """Check the pages due within ``within`` of ``now``; ``echo`` prints a line. Raises ``SmmgenError`` when
    any page has a problem."""
    from smmgen.publish.http import HttpConfig
    from smmgen.publish.ledger import Ledger
    from smmgen.publish.manifest_reader import read_manifest
    from smmgen.publish.preflight import Fetcher, allow_http

    manifest_path = site.output_dir / "manifest.json"
    manifest = read_manifest(manifest_path, shown=site.rel(manifest_path))
    ledger_path = site.root / ((site.publish or {}).get("ledger") or ".smmgen/ledger.json")
    ledger = Ledger.load(ledger_path, read_only=True, shown=site.rel(ledger_path))
    pages = pages_due(manifest.entries, ledger, now, within)
    fetcher = Fetcher((manifest.base_url, manifest.cards_base_url), HttpConfig.from_settings(site.publish or {}),
                      http_allowed=allow_http(os.environ))
    problems: list[str] = []
    try:
        for page in pages:
            found = page_problems(page, fetcher)
            for line in found:
                echo(line)
            problems += found
    finally:
        fetcher.close()
    hours = within.total_seconds() / 3600
    bad = len({line.split(": ", 1)[0] for line in problems})
    if problems:
        raise SmmgenError(f"check --live: {len(problems)} problem(s) on {bad} of {len(pages)} page(s) due "
                          f"within {hours:g} h")
    echo(f"smmgen: {len(pages)} page(s) due within {hours:g} h: their cards and tags are live")
