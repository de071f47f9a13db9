"""The publish manifest (``output/manifest.json``): everything a publisher needs, and nothing it must compute.

Format ``smmgen-manifest`` version 1, documented by ``schemas/manifest.schema.json``. Entries are sorted by id
and keys are sorted, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smmgen.cards.model import Card
from smmgen.content.article import Article
from smmgen.platforms import Cut

FORMAT = "smmgen-manifest"
VERSION = 1
SCHEMA_PATH = Path(__file__).parent / "schemas" / "manifest.schema.json"


@dataclass(frozen=True)
class MediaFile:
    """A rendered card as a post shows it: the card file (``cards.model.Card``, which holds its path, size,
    hash, format, alt text and target), the role it plays in the post and its public URL."""

    role: str
    card: Card
    url: str | None     # public URL under cards_base_url, when configured

    @property
    def path(self) -> str:
        """Relative to the output dir."""
        return self.card.path

    @property
    def sha256(self) -> str:
        return self.card.sha256

    @property
    def alt(self) -> str:
        return self.card.alt

    def to_json(self) -> dict[str, Any]:
        c = self.card
        return {"role": self.role, "target": c.target, "path": c.path, "url": self.url, "width": c.width,
                "height": c.height, "bytes": c.bytes, "sha256": c.sha256, "format": c.format, "alt": c.alt}

    def hashed(self) -> list[Any]:
        """What of it the content hash covers."""
        return [self.role, self.card.sha256, self.card.alt]


@dataclass(frozen=True)
class VideoFile:
    """A video as the manifest records it (``kind: "video"``): an encode of the article's clip, or the clip as it
    is, with its poster and captions (``smmgen.video``)."""

    target: str         # the variant: video-16x9, video-9x16, video-source ...
    path: str           # relative to the output dir: media/<sha256>.mp4
    url: str | None     # under [site] media_base_url, when configured
    width: int
    height: int
    duration: float     # seconds, 3 decimals
    frame_rate: float
    has_audio: bool
    bytes: int
    sha256: str
    alt: str
    poster: Mapping[str, Any] | None = None      # {path, url, width, height, bytes, sha256}
    captions: Mapping[str, Any] | None = None    # {path, lang, bytes, sha256}
    trim: tuple[float, float | None] | None = None
    role: str = "attach"

    def to_json(self) -> dict[str, Any]:
        made = {"kind": "video", "role": self.role, "target": self.target, "path": self.path, "url": self.url,
                "mime": "video/mp4", "format": "mp4", "width": self.width, "height": self.height,
                "duration": self.duration, "frame_rate": self.frame_rate, "has_audio": self.has_audio,
                "bytes": self.bytes, "sha256": self.sha256, "alt": self.alt,
                "poster": dict(self.poster) if self.poster else None,
                "captions": dict(self.captions) if self.captions else None}
        return made

    def hashed(self) -> list[Any]:
        return [self.role, self.sha256, self.alt, "video", self.poster["sha256"] if self.poster else None,
                self.captions["sha256"] if self.captions else None,
                self.captions["lang"] if self.captions else None, list(self.trim) if self.trim else None]


def iso(when: dt.datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_hash(cut: Cut, media: Sequence[MediaFile | VideoFile], retracted: bool) -> str:
    """A hash of everything that would be posted, so a publisher can tell new from changed from unchanged.

    A default account's hash leaves the account out: it is the hash every entry had before accounts existed, so
    a site upgraded with a ledger sees no post as changed."""
    payload = {
        "platform": cut.platform,
        "parts": list(cut.parts),
        "link": cut.link,
        "media": [m.hashed() for m in media],
        "publish_at": iso(cut.publish_at),
        "expire_at": iso(cut.expire_at),
        "extra": cut.extra,
        "retracted": retracted,
    }
    if cut.account and cut.account != cut.platform:
        payload["account"] = cut.account
    return "sha256:" + hashlib.sha256(canonical_json(payload)).hexdigest()


def entry(cut: Cut, article: Article, media: Sequence[MediaFile | VideoFile]) -> dict[str, Any]:
    made = {
        "id": cut.id,
        "platform": cut.platform,
        "account": cut.account or cut.platform,
        "article": {
            "source": article.source,
            "slug": article.slug,
            "title": article.title,
            "url": article.url,
            "lang": article.lang,
            "date": iso(article.date),
            "tags": list(article.tags),
        },
        "retracted": article.retracted,
        "text": cut.text,
        "parts": list(cut.parts),
        "length": max(cut.lengths) if cut.lengths else 0,
        "lengths": list(cut.lengths),
        "limit": cut.limit,
        "unit": cut.unit,
        "link": cut.link,
        "tags": list(cut.tags),
        "media": [m.to_json() for m in media],
        "publish_at": iso(cut.publish_at),
        "expire_at": iso(cut.expire_at),
        "warnings": list(cut.warnings),
        "extra": _plain(cut.extra),
        "content_hash": content_hash(cut, media, article.retracted),
    }
    hold = cut.timing.hold if cut.timing is not None else None
    if hold is not None:
        made["hold"] = hold      # only when set: every other entry keeps its bytes
    return made


def document(site, entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "site": {
            "name": site.name,
            "base_url": site.base_url,
            "timezone": site.timezone.key,
            "cards_base_url": site.cards_base_url,
        },
        "entries": sorted(entries, key=lambda e: e["id"]),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return iso(value)
    return value


def canonical_json(value: Any) -> bytes:
    return json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def dumps(doc: Mapping[str, Any]) -> bytes:
    """``json.dumps(_plain(doc), sort_keys=True, ensure_ascii=False, indent=2)`` and a newline, byte for byte."""
    return (layout(doc) + "\n").encode()


def layout(value: Any, level: int = 0) -> str:
    """``value`` as ``dumps`` lays it out, nested ``level`` deep (its inner lines indented for that depth, its
    first line not). The standard library indents in pure Python, one generator per container: for a manifest
    of thousands of entries this takes a third of the time."""
    out: list[str] = []
    _layout(value, level, out.append)
    return "".join(out)


_string = json.encoder.encode_basestring   # ensure_ascii=False, as dumps asks (the C version where built)


def _layout(value: Any, level: int, out) -> None:
    if isinstance(value, str):
        out(_string(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(int.__repr__(value))
    elif isinstance(value, float):
        out("NaN" if value != value else "Infinity" if value == _INF else "-Infinity" if value == -_INF
            else float.__repr__(value))
    elif isinstance(value, Mapping):
        if not value:
            out("{}")
            return
        inner = ",\n" + "  " * (level + 1)
        lead = "{" + inner[1:]
        for key, item in sorted(((str(k), v) for k, v in value.items()), key=_first):
            out(lead + _string(key) + ": ")
            lead = inner
            _layout(item, level + 1, out)
        out("\n" + "  " * level + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out("[]")
            return
        inner = ",\n" + "  " * (level + 1)
        lead = "[" + inner[1:]
        for item in value:
            out(lead)
            lead = inner
            _layout(item, level + 1, out)
        out("\n" + "  " * level + "]")
    elif isinstance(value, dt.datetime):
        out(_string(iso(value)))
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_INF = float("inf")


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def load(path: Path) -> dict[str, Any]:
    """Read a manifest written by ``smmgen build`` through the one strict loader (``manifest_model``; its files
    need not be there: a manifest read here is compared, not posted) and give it back as the JSON the build
    wrote. Raises ``ContentError`` naming the entry and field for anything else."""
    from smmgen.manifest_model import read_manifest, thaw

    checked = read_manifest(path, require_files=False)
    return {"format": FORMAT, "version": VERSION,
            "site": {"name": checked.name, "base_url": checked.base_url, "timezone": checked.timezone,
                     "cards_base_url": checked.cards_base_url},
            "entries": [thaw(e.json) for e in checked.entries]}
