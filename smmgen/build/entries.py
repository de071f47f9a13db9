"""The build's manifest entries: a planned cut, its article and its cards or video made into one ``ManifestEntry``.

This is the one place a build turns its own values (``Cut``, ``Article``, ``cards.model.Card``, the video stage's
items) into the manifest's (``smmgen.manifest_model``): each entry is made once, as a frozen value, and the writer
lays out its ``json`` while the preview reads its fields. ``smmgen.manifest`` and ``smmgen.manifest_model`` stay
leaves the publisher can load without the build side.

A built entry's media name their files relative to the output folder (``Media.path`` is ``Path(name)``): the
loader resolves them when the manifest is read back, and only the publisher reads files through them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from smmgen.cards.model import Card
from smmgen.content.article import Article
from smmgen.manifest import canonical_json, iso
from smmgen.manifest_model import MIME, Captions, ManifestEntry, Media, Poster
from smmgen.platforms import Cut


@dataclass(frozen=True, slots=True)      # one per card an article shows, held until the write ends
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

    def media(self) -> Media:
        c = self.card
        return Media(kind="image", role=self.role, target=c.target, name=c.path, path=Path(c.path), url=self.url,
                     width=c.width, height=c.height, bytes=c.bytes, sha256=c.sha256, format=c.format,
                     mime=MIME[c.format], alt=c.alt)


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

    def media(self) -> Media:
        p, c = self.poster, self.captions
        poster = Poster(name=p["path"], path=Path(p["path"]), url=p["url"], width=p["width"], height=p["height"],
                        bytes=p["bytes"], sha256=p["sha256"]) if p else None
        captions = Captions(name=c["path"], path=Path(c["path"]), lang=c["lang"], bytes=c["bytes"],
                            sha256=c["sha256"]) if c else None
        return Media(kind="video", role=self.role, target=self.target, name=self.path, path=Path(self.path),
                     url=self.url, width=self.width, height=self.height, bytes=self.bytes, sha256=self.sha256,
                     format="mp4", mime="video/mp4", alt=self.alt, duration=float(self.duration),
                     frame_rate=float(self.frame_rate), has_audio=self.has_audio, poster=poster, captions=captions)


def content_hash(cut: Cut, media: Sequence[MediaFile | VideoFile], retracted: bool,
                 extra: Mapping[str, Any] | None = None) -> str:
    """A hash of everything that would be posted, so a publisher can tell new from changed from unchanged.

    A default account's hash leaves the account out: it is the hash every entry had before accounts existed, so
    a site upgraded with a ledger sees no post as changed. ``extra``: the cut's platform data as
    ``_frozen_plain`` made it, when the caller has it (its JSON is then written by the C encoder, with the same
    bytes as ``manifest.canonical_json``'s walk in Python, which was most of an entry's making)."""
    payload = {
        "platform": cut.platform,
        "parts": list(cut.parts),
        "link": cut.link,
        "media": [m.hashed() for m in media],
        "publish_at": iso(cut.publish_at),
        "expire_at": iso(cut.expire_at),
        "extra": cut.extra if extra is None else extra,
        "retracted": retracted,
    }
    if cut.account and cut.account != cut.platform:
        payload["account"] = cut.account
    if extra is None:
        return "sha256:" + hashlib.sha256(canonical_json(payload)).hexdigest()
    return "sha256:" + hashlib.sha256(frozen_json(payload)).hexdigest()


def frozen_json(value: Mapping[str, Any]) -> bytes:
    """``manifest.canonical_json`` of a value whose mappings are plain JSON with text keys (``_frozen_plain``'s
    read-only ones, or dicts) and whose times are written already, without a walk over it in Python."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_as_dict).encode()


def _as_dict(value: Any) -> dict:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def manifest_entry(cut: Cut, article: Article, media: Sequence[MediaFile | VideoFile]) -> ManifestEntry:
    """The manifest entry of a planned cut. Its ``json`` is the entry as the manifest writes it (laid out by
    ``manifest.layout``), built read-only: objects as read-only mappings, lists as tuples."""
    article_date = _whole_seconds(article.date)
    publish_at = _whole_seconds(cut.publish_at)
    expire_at = _whole_seconds(cut.expire_at)
    extra = _frozen_plain(cut.extra)
    account = cut.account or cut.platform
    parts, tags, lengths, warnings = tuple(cut.parts), tuple(cut.tags), tuple(cut.lengths), tuple(cut.warnings)
    made = {
        "id": cut.id,
        "platform": cut.platform,
        "account": account,
        "article": MappingProxyType({
            "source": article.source,
            "slug": article.slug,
            "title": article.title,
            "url": article.url,
            "lang": article.lang,
            "date": iso(article_date),
            "tags": tuple(article.tags),
        }),
        "retracted": article.retracted,
        "text": cut.text,
        "parts": parts,
        "length": max(lengths) if lengths else 0,
        "lengths": lengths,
        "limit": cut.limit,
        "unit": cut.unit,
        "link": cut.link,
        "tags": tags,
        "media": tuple(MappingProxyType(m.to_json()) for m in media),
        "publish_at": iso(publish_at),
        "expire_at": iso(expire_at),
        "warnings": warnings,
        "extra": extra,
        "content_hash": content_hash(cut, media, article.retracted, extra),
    }
    hold = cut.timing.hold if cut.timing is not None else None
    if hold is not None:
        made["hold"] = hold      # only when set: every other entry keeps its bytes
    return ManifestEntry(
        id=cut.id, platform=cut.platform, slug=article.slug, title=article.title, lang=article.lang,
        source=article.source, retracted=article.retracted, parts=parts, link=cut.link, tags=tags,
        media=tuple(m.media() for m in media), extra=extra, content_hash=made["content_hash"],
        publish_at=publish_at, expire_at=expire_at, json=MappingProxyType(made), article_date=article_date,
        hold=hold, account=account, lengths=lengths, limit=cut.limit, unit=cut.unit, warnings=warnings)


def _whole_seconds(when: dt.datetime | None) -> dt.datetime | None:
    # As the manifest writes it and its loader reads it back: UTC, to the second.
    if when is None:
        return None
    if when.tzinfo is dt.UTC and not when.microsecond:
        return when
    return when.astimezone(dt.UTC).replace(microsecond=0)


def _frozen_plain(value: Any) -> Any:
    """``value`` as read-only plain JSON (``manifest._plain``'s values, in read-only form)."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _frozen_plain(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen_plain(v) for v in value)
    if isinstance(value, dt.datetime):
        return iso(value)
    return value
