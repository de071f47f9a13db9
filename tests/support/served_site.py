"""A site served by ``fakes.sitehost.SiteHost`` for the publish preflight and ``check --live`` tests: its
smmgen.toml (base_url and cards_base_url on the host, the preflight on), manifest entries of one article with its
cards in output/cards/, and the page that carries the right tags."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fakes.server import Response
from fakes.sitehost import SiteHost, page

from support.publishing import PUBLISH_TOML, T0, card, entry

# The test-only setting that lets the preflight fetch plain http from 127.0.0.1.
ALLOW = {"SMMGEN_PREFLIGHT_ALLOW_HTTP": "1"}


def served_site(folder: Path, host: SiteHost, *tables: str, publish: str = "") -> Path:
    """A site whose base_url and cards_base_url are ``host``, with its preflight on."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (f'[site]\nname = "Test Desk"\nbase_url = "{host.url}"\ncards_base_url = "{host.cards_base_url}"\n\n'
            + PUBLISH_TOML.replace("preflight = false\n", "preflight = true\n" + publish)
            + "".join("\n" + t for t in tables))
    (folder / "smmgen.toml").write_text(text)
    return folder


def article(site: Path, host: SiteHost, slug: str, platforms: tuple[str, ...], *,
            publish_at: dt.datetime = T0) -> tuple[list[dict], dict]:
    """The entries of one article on ``platforms``, and its Open Graph card (written to output/cards/)."""
    og = card(site / "output", f"{slug}-og.png", size=(1200, 630), role="scraped")
    og["url"] = f"{host.cards_base_url}/{slug}-og.png"
    url = f"{host.url}/{slug}/"
    entries = []
    for platform in platforms:
        if platform == "telegram":
            own = card(site / "output", f"{slug}-tg.png", size=(240, 135), color=(90, 20, 20), role="attach")
            media = [dict(own, target="telegram", url=f"{host.cards_base_url}/{slug}-tg.png")]
        elif platform == "instagram":
            own = card(site / "output", f"{slug}-ig.png", size=(216, 270), color=(20, 90, 20), role="attach")
            media = [dict(own, target="instagram", url=f"{host.cards_base_url}/{slug}-ig.png")]
        else:
            media = [og]
        extra = {"link_mode": "bio"} if platform == "instagram" else None
        made = entry(slug, platform, f"{slug} on {platform}", publish_at=publish_at, media=media, extra=extra,
                     link=f"{url}?utm_source={platform}")
        made["article"]["url"] = url
        entries.append(made)
    return entries, og


def write_manifest(site: Path, host: SiteHost, entries: list[dict]) -> None:
    doc = {"format": "smmgen-manifest", "version": 1,
           "site": {"name": "Test Desk", "base_url": host.url, "timezone": "UTC",
                    "cards_base_url": host.cards_base_url},
           "entries": sorted(entries, key=lambda e: e["id"])}
    (site / "output").mkdir(parents=True, exist_ok=True)
    (site / "output" / "manifest.json").write_text(json.dumps(doc, indent=2))


def right_page(og: dict) -> Response:
    return page({"og:image": og["url"], "og:image:width": str(og["width"]), "og:image:height": str(og["height"]),
                 "og:image:alt": og["alt"], "twitter:card": "summary_large_image", "twitter:image": og["url"]})
