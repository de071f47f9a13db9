"""The manifest's model and its one strict loader: ``ManifestEntry`` and ``Media`` (a card or a video), read
from ``output/manifest.json`` by the publisher, the ledger and ``smmgen diff`` (``preview.revisions.read``); the
build makes the same values itself (``build.entries``) for the preview and the writer.

A leaf: it imports nothing from content, platforms, cards, templates or the publisher, so the build side and the
publisher both read manifests through it. Manifest times are parsed here only, into aware UTC datetimes;
``to_json`` gives an entry back as the build wrote it, byte for byte once laid out by ``manifest.dumps``.

The manifest is data the publisher acts on (posts, deletes, uploads the files it names), so it is read as
untrusted input against ``schemas/manifest.schema.json``: every type and required field, entry ids unique,
every media file inside the output folder after resolving symbolic links, a regular file of the size the
manifest records, and bounded sizes and depths throughout. Any problem rejects the whole file, reported as
``output/manifest.json: <entry id>: <field>: what is wrong``; the publisher sees only the frozen values below.

The same entry reader checks the copies of entries the ledger keeps for interrupted posts. Reading the JSON file
and checking single values live in ``manifest_values``.

Version 2 adds settled entries (stubs, ``Settled``): posts the ledger recorded as done with this very content
when the manifest was built. They are checked as strictly (exactly their fields, each of its type) and kept
apart from the full entries, so nothing that posts or edits can mistake one for a post to make.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from smmgen.errors import ContentError, ErrorList, SmmgenError
from smmgen.manifest_values import (  # noqa: F401 (the loader's public names are read from here too)
    Bad,
    _boolean,
    _choice,
    _frozen,
    _integer,
    _keys,
    _kind,
    _list,
    _object,
    _optional,
    _shown,
    _string,
    _strings,
    _time,
    _url,
    check_plain_json,
    field_name,
    load_json,
    thaw,
)

FORMAT = "smmgen-manifest"
VERSION = 3                 # an index of parts by month (``smmgen.manifest``)
READ_VERSIONS = (1, 2, 3)   # 2: the same entries in one file; 1: indented, and no stubs

# Far above anything a build writes (a 1,000-article site with nine platforms is a few MB; cards are well under
# the platforms' own 5-10 MB image limits), low enough that a wrong file cannot exhaust memory.
MAX_MANIFEST_BYTES = 256 * 2**20     # one file: a version 2 manifest, or one month's part
MAX_INDEX_BYTES = 16 * 2**20         # a version 3 index: a line of about 100 bytes a month
MAX_MEDIA_BYTES = 64 * 2**20
MAX_PIXELS_SIDE = 100_000
MAX_COUNT = 10_000_000          # lengths and limits
MAX_EXTRA_DEPTH = 32            # Bluesky facets, the deepest extra a platform writes, are 5 levels
MAX_REPORTED = 20               # problems listed before the rest are summarized

# <slug>@<platform>; <slug>.<lang or URL path>@<platform> where two articles share a slug (smmgen.content.article.with_keys);
# a suffix :<account> for the accounts besides the platform's default one (smmgen.config.accounts).
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)?@([a-z0-9_]+)(?::([a-z0-9]+(?:-[a-z0-9]+)*))?",
                re.ASCII)
ID_FORMS = "<slug>@<platform> or <slug>.<qualifier>@<platform>, with :<account> for an account besides the default"
SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)
CONTENT_HASH = re.compile(r"sha256:[0-9a-f]{64}", re.ASCII)
ROLES = ("link_card", "attach", "scraped")
FORMATS = ("jpeg", "png")
MIME = {"jpeg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class Poster:
    """A video's poster frame (a JPEG), resolved inside the output folder."""

    name: str
    path: Path
    url: str | None
    width: int
    height: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class Captions:
    """A video's captions (WebVTT), resolved inside the output folder."""

    name: str
    path: Path
    lang: str
    bytes: int
    sha256: str


@dataclass(frozen=True, kw_only=True)
class Media:
    """One file a manifest entry names, resolved to where it really is (inside the output folder): a card
    (``kind`` "image") or a video (``kind`` "video", with the fields after ``alt``; see ``manifest_video``)."""

    kind: str            # "image" | "video"; the manifest writes "kind" for videos only
    role: str
    target: str
    name: str            # as the manifest writes it, relative to the output folder
    path: Path           # resolved, symbolic links followed
    url: str | None
    width: int
    height: int
    bytes: int
    sha256: str
    format: str          # jpeg | png | mp4
    mime: str
    alt: str
    duration: float | None = None          # video only, from here on
    frame_rate: float | None = None
    has_audio: bool | None = None
    poster: Poster | None = None
    captions: Captions | None = None

    @property
    def is_video(self) -> bool:
        return self.kind == "video"


@dataclass(frozen=True)
class ManifestEntry:
    """One manifest entry, checked. ``extra`` is a read-only view of a private copy (its values plain JSON, as
    the adapters send them). ``json`` is the entry as written, read-only, kept for the ledger's copy of a post
    in flight (which this reader checks again when it is read back)."""

    id: str
    platform: str
    slug: str
    title: str
    lang: str
    source: str
    retracted: bool
    parts: tuple[str, ...]
    link: str | None
    tags: tuple[str, ...]
    media: tuple[Media, ...]
    extra: Mapping[str, Any]
    content_hash: str
    publish_at: dt.datetime
    expire_at: dt.datetime | None
    json: Mapping[str, Any] = field(repr=False, compare=False)
    article_date: dt.datetime | None = None     # [publish] not_before is checked against it
    hold: str | None = None                     # why the build holds this post back: it is never posted
    account: str = ""                           # the account it goes to; the platform's name for its default
    lengths: tuple[int, ...] = ()               # each part's length in ``unit``, which the preview shows
    limit: int = 0                              # against the platform's limit
    unit: str = ""
    warnings: tuple[str, ...] = ()              # the build's warnings about this post

    def to_json(self) -> dict[str, Any]:
        """The entry as the build wrote it (plain dicts and lists), for writing it back byte for byte."""
        return thaw(self.json)


Entry = ManifestEntry   # the name the publisher's modules know it by


@dataclass(frozen=True)
class Settled:
    """A settled entry (a stub): the ledger recorded its post, with this content hash, as ``state`` (posted, or
    deleted) when the build wrote the manifest. The publisher leaves it alone, or deletes it at ``expire_at``;
    anything else (the ledger no longer agrees) is reported, never posted, since the stub has no text."""

    id: str
    platform: str
    account: str
    content_hash: str
    publish_at: dt.datetime
    expire_at: dt.datetime | None
    state: str
    json: Mapping[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Manifest:
    name: str
    base_url: str
    timezone: str
    cards_base_url: str | None
    entries: tuple[ManifestEntry, ...]
    settled: tuple[Settled, ...] = ()       # version 2's stubs, apart from the entries to act on


def read_manifest(path: Path, *, shown: str | None = None, output_dir: Path | None = None,
                  require_files: bool = True) -> Manifest:
    """Read and check a manifest written by ``smmgen build``: ``path`` is the index (or a single-file manifest
    of version 1 or 2), its parts are beside it. Media paths are relative to ``output_dir`` (default: the
    manifest's folder) and must stay inside it; ``require_files=False`` (a manifest only compared, never posted)
    allows files that are not there. Raises ``ContentError`` (one problem) or ``ErrorList`` (several, one line
    each)."""
    shown = shown or str(path)
    doc = load_json(path, shown, max_bytes=MAX_MANIFEST_BYTES, missing="no manifest here; run `smmgen build` first")
    if isinstance(doc, dict) and doc.get("format") == FORMAT and doc.get("version") == 3:
        return _read_parts(doc, path, shown, output_dir or path.parent, require_files)
    return check_manifest(doc, shown, output_dir or path.parent, require_files=require_files)


def check_manifest(doc: Any, shown: str, output_dir: Path, *, require_files: bool = True) -> Manifest:
    """``read_manifest`` for a JSON value already parsed (a manifest of one file, version 1 or 2)."""
    try:
        site = _top(doc, "entries")
        if doc["version"] == 3:
            raise Bad("version", "a version 3 manifest is an index of parts: read it from its file")
        entries = doc.get("entries")
        if not isinstance(entries, list):
            raise Bad("entries", f"expected a list of entries, got {_kind(entries)}")
    except Bad as e:
        raise ContentError(shown, None, e.field, e.message) from None
    found = _Found(_real_dir(output_dir, shown), require_files)
    found.check(entries, doc["version"], shown)
    return found.manifest(site, by_id=False)


def _top(doc: Any, listed: str) -> dict:
    """The manifest's format, version and site checked (``listed``: the key of its list); the site's fields."""
    if not isinstance(doc, dict):
        raise Bad("(top)", f"expected an object, got {_kind(doc)}; not an smmgen manifest")
    if doc.get("format") != FORMAT:
        raise Bad("format", f'expected "{FORMAT}", got {_shown(doc.get("format"))}; not an smmgen manifest')
    version = doc.get("version")
    if type(version) is not int or version not in READ_VERSIONS:
        raise Bad("version", f"manifest version {_shown(version)} is not supported (this smmgen reads "
                             f"versions {', '.join(map(str, READ_VERSIONS))}); rebuild it with this smmgen "
                             "(`smmgen build`)")
    _keys(doc, ("format", "version", "site", listed), "")
    site = _object(doc.get("site"), "site")
    _keys(site, ("name", "base_url", "timezone", "cards_base_url"), "site.")
    return {"name": _string(site.get("name"), "site.name", nonempty=True),
            "base_url": _url(site.get("base_url"), "site.base_url"),
            "timezone": _string(site.get("timezone"), "site.timezone"),
            "cards_base_url": None if site.get("cards_base_url") is None
            else _url(site["cards_base_url"], "site.cards_base_url")}


def _read_parts(doc: dict, path: Path, shown: str, output_dir: Path, require_files: bool) -> Manifest:
    """A version 3 manifest: the index ``doc`` (read from ``path``) and each part it names, which must hold the
    very bytes the index records (sha256) and the entries it counts."""
    from smmgen.manifest import PART_FORMAT, PART_PATH, part_shown

    try:
        if path.stat().st_size > MAX_INDEX_BYTES:
            raise Bad("parts", f"an index of more than {MAX_INDEX_BYTES} bytes; rebuild with `smmgen build`")
        site = _top(doc, "parts")
        parts = _list(doc.get("parts"), "parts")
        listed = []
        for n, part in enumerate(parts):
            where = f"parts[{n}]"
            _keys(_object(part, where), ("entries", "path", "sha256"), f"{where}.")
            name = _string(part.get("path"), f"{where}.path")
            if PART_PATH.fullmatch(name) is None:
                raise Bad(f"{where}.path", f"{_shown(name)} is not a part's path (manifest/YYYY-MM.json)")
            if listed and name <= listed[-1][0]:
                raise Bad(f"{where}.path", f"{_shown(name)} after {_shown(listed[-1][0])}: parts are listed once "
                                           "each, by month")
            digest = _string(part.get("sha256"), f"{where}.sha256")
            if re.fullmatch(r"[0-9a-f]{64}", digest) is None:
                raise Bad(f"{where}.sha256", f"{_shown(digest)} is not a sha256 in hex")
            listed.append((name, _integer(part.get("entries"), f"{where}.entries", 1, MAX_COUNT), digest))
    except (Bad, OSError) as e:
        if isinstance(e, OSError):
            raise ContentError(shown, None, None, f"cannot read: {e.strerror}") from None
        raise ContentError(shown, None, e.field, e.message) from None
    here = _real_dir(path.parent, shown)
    found = _Found(_real_dir(output_dir, shown), require_files)
    for name, count, digest in listed:
        part_name = part_shown(shown, name)
        try:
            real = _inside(name, "path", here, None)
        except Bad as e:
            raise ContentError(shown, None, "parts", f"{name}: {e.message}") from None
        part = load_json(real, part_name, max_bytes=MAX_MANIFEST_BYTES, sha256=digest,
                         missing=f"the index {shown} names it, but it is not there; rebuild with `smmgen build`")
        try:
            if not isinstance(part, dict) or part.get("format") != PART_FORMAT or part.get("version") != 3:
                raise Bad("format", f'expected a "{PART_FORMAT}" of version 3; rebuild with `smmgen build`')
            _keys(part, ("format", "version", "period", "entries"), "")
            if part.get("period") != PART_PATH.fullmatch(name).group(1):  # type: ignore[union-attr]
                raise Bad("period", f"{_shown(part.get('period'))} is not the month of its file's name")
            entries = _list(part.get("entries"), "entries")
            if len(entries) != count:
                raise Bad("entries", f"{len(entries)} entries, the index {shown} says {count}; rebuild with "
                                     "`smmgen build`")
        except Bad as e:
            raise ContentError(part_name, None, e.field, e.message) from None
        found.check(entries, 3, part_name)
    found.raise_problems()
    return found.manifest(site)


class _Found:
    """Entries checked so far, across a manifest's parts: ids must be unique in all of them."""

    def __init__(self, root: str, require_files: bool):
        self.root, self.require_files = root, require_files
        self.checked: list[Entry] = []
        self.stubs: list[Settled] = []
        self.seen: dict[str, tuple[str, int]] = {}      # id -> where it was first: file, index
        self.problems: list[SmmgenError] = []

    def check(self, entries: list, version: int, shown: str) -> None:
        for index, value in enumerate(entries):
            if len(self.problems) > MAX_REPORTED:
                return
            label = _label(value, index)
            try:
                if isinstance(value, dict) and "settled" in value:
                    if version < 2:
                        raise Bad("settled", f"settled entries need manifest version 2, the file says {version}; "
                                             "rebuild the manifest with `smmgen build`")
                    entry: Entry | Settled = check_stub(value)
                else:
                    entry = check_entry(with_text(value) if version >= 2 else value, self.root,
                                        require_files=self.require_files)
                if entry.id in self.seen:
                    first, at = self.seen[entry.id]
                    both = f"entries {at + 1} and {index + 1}" if first == shown else \
                        f"{first}: entry {at + 1} and {shown}: entry {index + 1}"
                    raise Bad("id", f"{both} have the same id; each (article, platform) is posted once")
                self.seen[entry.id] = (shown, index)
                if isinstance(entry, Settled):
                    self.stubs.append(entry)
                else:
                    self.checked.append(entry)
            except Bad as e:
                self.problems.append(ContentError(shown, None, f"{label}: {e.field}", e.message))
                if len(self.problems) == MAX_REPORTED:
                    self.problems.append(ContentError(shown, None, None, "more problems not listed; rebuild the "
                                                                         "manifest with `smmgen build`"))
        if version < 3:
            self.raise_problems()

    def raise_problems(self) -> None:
        if self.problems:
            raise self.problems[0] if len(self.problems) == 1 else ErrorList(self.problems)

    def manifest(self, site: dict, by_id: bool = True) -> Manifest:
        """The manifest of the entries checked; ``by_id``: ordered by id across parts (one file keeps its own
        order, which a build wrote by id)."""
        if by_id:
            self.checked.sort(key=lambda e: e.id)
            self.stubs.sort(key=lambda e: e.id)
        return Manifest(**site, entries=tuple(self.checked), settled=tuple(self.stubs))


def read_entry(value: Any, output_dir: Path, *, shown: str, label: str | None = None, field_prefix: str = "",
               require_files: bool = True) -> Entry:
    """One entry on its own (a ledger's copy, a test's dict), checked as ``read_manifest`` checks each entry.
    ``require_files=False`` still keeps every media path inside ``output_dir``, but allows a file a later build
    has since removed (a copy in the ledger is only used to look a post up)."""
    try:
        return check_entry(value, _real_dir(output_dir, shown), require_files=require_files)
    except Bad as e:
        raise ContentError(shown, None, f"{label or _label(value, None)}: {field_prefix}{e.field}",
                           e.message) from None


def _real_dir(output_dir: Path, shown: str) -> str:
    try:
        return os.path.realpath(output_dir)
    except (OSError, ValueError) as e:
        raise ContentError(shown, None, None, f"cannot resolve the output folder: {e}") from None


def _label(value: Any, index: int | None) -> str:
    entry_id = value.get("id") if isinstance(value, dict) else None
    if isinstance(entry_id, str) and ID.fullmatch(entry_id):
        return entry_id
    return f"entries[{index}]" if index is not None else "entry"


# --- one entry --------------------------------------------------------------------------------------------------

ENTRY_KEYS = ("id", "platform", "article", "retracted", "text", "parts", "length", "lengths", "limit", "unit",
              "link", "tags", "media", "publish_at", "expire_at", "warnings", "extra", "content_hash")
# hold: written only when set, so other entries keep their bytes; account: missing in a manifest (or a ledger's copy
# of an entry) written before accounts existed.
OPTIONAL_ENTRY_KEYS = ("hold", "account")
ARTICLE_KEYS = ("source", "slug", "title", "url", "lang", "date", "tags")
MEDIA_KEYS = ("role", "target", "path", "url", "width", "height", "bytes", "sha256", "format", "alt")


def with_text(value: Any) -> Any:
    """An entry of version 2 or later with its ``text`` put back: the first of its parts, which the file does not repeat.
    A ``text`` in the file is refused; wrong parts are left for ``check_entry`` to name."""
    if not isinstance(value, dict):
        return value
    if "text" in value:
        raise Bad("text", "unknown field since manifest version 2 (the text is the first of parts); rebuild the manifest")
    parts = value.get("parts")
    return {**value, "text": parts[0] if isinstance(parts, list) and parts else ""}


STUB_KEYS = ("id", "platform", "account", "content_hash", "publish_at", "settled")
OPTIONAL_STUB_KEYS = ("expire_at",)
STUB_STATES = ("posted", "deleted")


def check_stub(value: dict) -> Settled:
    """A settled entry (``manifest.stub``) as a ``Settled``, or ``Bad`` naming the first field that is wrong."""
    _keys({k: v for k, v in value.items() if k not in OPTIONAL_STUB_KEYS}, STUB_KEYS, "")
    entry_id, platform, account = _identity(value)
    content_hash = _content_hash(value.get("content_hash"))
    state = _choice(value.get("settled"), "settled", STUB_STATES)
    expire_at = _time(value["expire_at"], "expire_at") if "expire_at" in value else None
    if state == "posted" and expire_at is not None:
        raise Bad("expire_at", "a post still to expire is written in full, not settled; rebuild the manifest")
    return Settled(id=entry_id, platform=platform, account=account, content_hash=content_hash,
                   publish_at=_time(value.get("publish_at"), "publish_at"), expire_at=expire_at, state=state,
                   json=_frozen(value))


def _identity(entry: dict) -> tuple[str, str, str]:
    """The entry's id, platform and account, which must agree with each other."""
    entry_id = _string(entry.get("id"), "id")
    match = ID.fullmatch(entry_id)
    if not match:
        raise Bad("id", f"expected {ID_FORMS} (lowercase letters, digits, '-'), got {_shown(entry_id)}")
    platform = _string(entry.get("platform"), "platform")
    if platform != match[1]:
        raise Bad("platform", f"{_shown(platform)} is not the platform the id names ({_shown(match[1])})")
    account = match[2] or platform
    if "account" in entry and _string(entry.get("account"), "account") != account:
        raise Bad("account", f"{_shown(entry['account'])} is not the account the id names ({_shown(account)})")
    return entry_id, platform, account


def _content_hash(value: Any) -> str:
    content_hash = _string(value, "content_hash")
    if not CONTENT_HASH.fullmatch(content_hash):
        raise Bad("content_hash", f'expected "sha256:" and 64 hex digits, got {_shown(content_hash)}')
    return content_hash


def check_entry(value: Any, root: str, *, require_files: bool) -> Entry:
    """``value`` as an ``Entry``, or ``Bad`` naming the first field that is wrong. ``root``: the real path of
    the output folder."""
    entry = _object(value, "(entry)")
    _keys({k: v for k, v in entry.items() if k not in OPTIONAL_ENTRY_KEYS}, ENTRY_KEYS, "")
    entry_id, platform, account = _identity(entry)
    article = _object(entry.get("article"), "article")
    _keys(article, ARTICLE_KEYS, "article.")
    for key in ("source", "slug", "title", "url", "lang"):
        _string(article.get(key), f"article.{key}")
    article_date = _time(article.get("date"), "article.date")
    _strings(article.get("tags"), "article.tags")
    retracted = _boolean(entry.get("retracted"), "retracted")
    parts = _strings(entry.get("parts"), "parts")
    if not parts:
        raise Bad("parts", "expected at least one part")
    if _string(entry.get("text"), "text") != parts[0]:
        raise Bad("text", "differs from the first of parts; rebuild the manifest")
    _integer(entry.get("length"), "length", 0, MAX_COUNT)
    lengths = tuple(_integer(n, f"lengths[{i}]", 0, MAX_COUNT)
                    for i, n in enumerate(_list(entry.get("lengths"), "lengths")))
    limit = _integer(entry.get("limit"), "limit", 1, MAX_COUNT)
    unit = _string(entry.get("unit"), "unit")
    link = _optional(_string, entry.get("link"), "link")
    tags = _strings(entry.get("tags"), "tags")
    media = tuple(_media(m, f"media[{i}]", root, require_files)
                  for i, m in enumerate(_list(entry.get("media"), "media")))
    if sum(m.is_video for m in media) > 1:
        raise Bad("media", "more than one video item; a post carries one video")
    publish_at = _time(entry.get("publish_at"), "publish_at")
    expire_at = _optional(_time, entry.get("expire_at"), "expire_at")
    warnings = _strings(entry.get("warnings"), "warnings")
    extra = _object(entry.get("extra"), "extra")
    check_plain_json(extra, "extra", MAX_EXTRA_DEPTH)
    _built_extra(platform, extra, parts)
    content_hash = _content_hash(entry.get("content_hash"))
    return Entry(id=entry_id, platform=platform, slug=article["slug"], title=article["title"], lang=article["lang"],
                 source=article["source"], retracted=retracted, parts=parts, link=link, tags=tags, media=media,
                 extra=MappingProxyType(copy.deepcopy(extra)), content_hash=content_hash, publish_at=publish_at,
                 expire_at=expire_at, json=_frozen(entry), article_date=article_date,
                 hold=_optional(_string, entry.get("hold"), "hold"), account=account, lengths=lengths, limit=limit,
                 unit=unit, warnings=warnings)


def _built_extra(platform: str, extra: dict, parts: tuple[str, ...]) -> None:
    """What the publisher posts as it is and only the build computes: Bluesky's facets (one list per part,
    UTF-8 offsets into it) and Telegram's parse mode (the text is HTML, escaped by the build). A manifest without
    them was not written by ``smmgen build``; the publisher never fills them in."""
    if platform == "bluesky":
        facets = _list(extra.get("facets"), "extra.facets")
        if len(facets) != len(parts):
            raise Bad("extra.facets", f"expected one list of facets per part ({len(parts)}), got {len(facets)}; "
                                      "rebuild the manifest")
        for i, (part, found) in enumerate(zip(parts, facets)):
            size = len(part.encode())
            for j, facet in enumerate(_list(found, f"extra.facets[{i}]")):
                where = f"extra.facets[{i}][{j}]"
                index = _object(_object(facet, where).get("index"), f"{where}.index")
                start = _integer(index.get("byteStart"), f"{where}.index.byteStart", 0, size)
                _integer(index.get("byteEnd"), f"{where}.index.byteEnd", start, size)
                _list(facet.get("features"), f"{where}.features")
    elif platform == "telegram":
        if extra.get("parse_mode") != "HTML":
            raise Bad("extra.parse_mode", f'expected "HTML" (the build escapes the text), got '
                                          f'{_shown(extra.get("parse_mode"))}; rebuild the manifest')


def _media(value: Any, where: str, root: str, require_files: bool) -> Any:
    from smmgen.manifest_video import check_video, is_video  # it builds on this module's checks

    if is_video(value):
        return check_video(value, where, root, require_files)
    m = _object(value, where)
    _keys(m, MEDIA_KEYS, f"{where}.")
    role = _choice(m.get("role"), f"{where}.role", ROLES)
    fmt = _choice(m.get("format"), f"{where}.format", FORMATS)
    size = _integer(m.get("bytes"), f"{where}.bytes", 1, MAX_MEDIA_BYTES)
    sha = _string(m.get("sha256"), f"{where}.sha256")
    if not SHA256.fullmatch(sha):
        raise Bad(f"{where}.sha256", f"expected 64 lowercase hex digits, got {_shown(sha)}")
    name = _string(m.get("path"), f"{where}.path", nonempty=True)
    return Media(kind="image", mime=MIME[fmt], role=role, target=_string(m.get("target"), f"{where}.target"), name=name,
                 path=_inside(name, f"{where}.path", root, size if require_files else None),
                 url=_optional(_string, m.get("url"), f"{where}.url"),
                 width=_integer(m.get("width"), f"{where}.width", 1, MAX_PIXELS_SIDE),
                 height=_integer(m.get("height"), f"{where}.height", 1, MAX_PIXELS_SIDE),
                 bytes=size, sha256=sha, format=fmt, alt=_string(m.get("alt"), f"{where}.alt"))


def _inside(name: str, where: str, root: str, size: int | None) -> Path:
    """The real path of ``name`` under ``root``; with ``size``, it must be a regular file of that size.
    Absolute paths, ``..`` out of the folder and symbolic links that lead out of it are all refused: the
    publisher uploads only what the build wrote into the output folder."""
    if "\0" in name or os.path.isabs(name) or name.startswith("\\"):
        raise Bad(where, f"{_shown(name)} must be a path relative to the output folder")
    real = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, real]) != root or real == root:
        raise Bad(where, f"{_shown(name)} is outside the output folder; the publisher reads only files the "
                         "build wrote there")
    if size is not None:
        try:
            info = os.stat(real)
        except OSError as e:
            raise Bad(where, f"{_shown(name)}: {e.strerror}; rebuild the output") from None
        if not stat.S_ISREG(info.st_mode):
            raise Bad(where, f"{_shown(name)} is not a regular file")
        if info.st_size != size:
            raise Bad(where, f"{_shown(name)} has {info.st_size} bytes, the manifest says {size}; rebuild")
    return Path(real)
