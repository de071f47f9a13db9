"""The edit index (``.smmgen/cache/edit.json`` and ``edit-NN.json``): what the edit path (``smmgen.build.edit``)
needs of the last build to replace one article's share of output/ without reading the rest of the build cache.

``edit.json`` is small and read whole: the stat and sha256 of every article file (so that a file whose stat did
not change is not hashed again), the published articles in build order with where their manifest entries sit and
how many summary warnings they have, the cards more than one article shows, the manifest's stat and the
preview's own record. ``edit-NN.json`` hold one ``EditRecord`` per article (its plan values, its files and
cards; a draft's only what the others' output hangs on: its slug, URL and hero), one line each; the edit path
decodes only the lines of the articles it edits and writes back only the shards they are in.

Like the build cache, the index lives inside the site and is read by builds that hold the publisher's secrets: it
is JSON data only (``smmgen.build.cache_codec`` for the records), checked as it is read, and anything that is not
what it should be makes the edit path step aside for the full build, never a traceback, never a path outside
output/.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import logging
import os
import re
import secrets
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smmgen.build.cache_codec import CacheFormatError, Codec
from smmgen.build.cache_files import _HEADER, CACHE_DIR, FORMAT, _write, _write_text
from smmgen.build.cache_records import Stamp, stamp

log = logging.getLogger("smmgen.build.cache")

INDEX = "edit.json"
MANIFEST = "manifest.json"       # the manifest's index, and its parts' folder (``smmgen.manifest``)
PARTS = "manifest/"
SHARDS = 64
"""Records are stored in this many files, by a hash of the article's path."""
RACY_NS = 2_000_000_000
"""A file changed this close before its stat was recorded may change again without its stat showing it: such a
file is hashed again (git's "racily clean" entries)."""
_RELATIVE = re.compile(r"(cuts|og|cards)/[^\0\\]+")
PlanValue = tuple  # (publish_at, expire_at, timing, warnings the plan added)


@dataclass(frozen=True)
class EditRecord:
    """One article's share of the last build, as the edit path replaces it: a published article's outputs, or
    a draft's (``draft``) identity alone, which is all of it the output depends on (its slug may key another
    article's ids, its URL must be no other's, its hero is an input)."""

    sha: str                                  # of the article file's bytes
    slug: str                                 # also its key: only an article whose slug no other one has
    url: str
    image: str | None
    plan_reads: str                           # ``pipeline.plan_reads`` of its cuts before planning
    plan: tuple                               # per cut, the plan's (publish_at, expire_at, timing, added)
    files: tuple                              # (relative path, size, mtime_ns) of its cut texts and og snippet
    cards: tuple                              # (relative path, size, mtime_ns) of its distinct cards
    default_shown: bool = False               # ``pipeline.shows_undescribed_default``: counted in a site warning
    date: str = ""                            # the article's date (isoformat): where minimal pages list it
    draft: bool = False                       # a draft: no plan, files nor cards


@functools.cache
def _codec(zones: tuple) -> Codec:
    from smmgen.plan.schedule import Timing

    return Codec((EditRecord, Timing), zones)


def codec(site) -> Codec:
    from zoneinfo import ZoneInfo

    return _codec((site.timezone, ZoneInfo("UTC")))


def shard_of(source: str) -> int:
    return hashlib.sha256(source.encode()).digest()[1] % SHARDS


def folder(site) -> Path:
    return site.root / CACHE_DIR


def forget(site) -> None:
    """Remove the edit index (before a full build changes output/: the next edit must not trust it)."""
    (folder(site) / INDEX).unlink(missing_ok=True)


# --- the listing digest, kept up to date without listing output/ ----------------------------------------------

DIGEST_BITS = 256


def file_hash(relative: str, size: int, mtime: int) -> int:
    """One file's share of ``listing_digest``: the digest is their sum, so a file added, removed or changed
    moves it by its own share alone. A share packs four fields apart from each other, so that the sum holds
    each field's own sum: the count of files (bit 128), their sizes (bit 64) and mtimes (bit 160) exactly, and
    a CRC-32 of each file's path, size and mtime (bit 0), which tells two files that traded places apart. What
    it must notice is output/ changed by accident (a file's size or mtime moves with its bytes; its bytes are
    in the digest in no case), and a CRC is two and a half times cheaper than a sha256 for each of the 130,000
    files of a 10,000-article site."""
    return zlib.crc32(f"{relative}\0{size}\0{mtime}".encode()) | size << 64 | 1 << 128 | mtime << 160


def listing_sum(files: Iterable[tuple[str, tuple[int, int]]]) -> int:
    # ``file_hash`` inlined: a large site's listing has a hundred thousand files.
    crc = zlib.crc32
    return sum(crc(f"{relative}\0{size}\0{mtime}".encode()) | size << 64 | 1 << 128 | mtime << 160
               for relative, (size, mtime) in files) % (1 << DIGEST_BITS)


def as_digest(total: int) -> str:
    return f"{total % (1 << DIGEST_BITS):064x}"


# --- the index ------------------------------------------------------------------------------------------------

@dataclass
class EditIndex:
    """edit.json as read (``data``) and the records of the articles asked for, by shard."""

    root: Path
    env: str
    data: dict
    # shard -> its lines as read (item lines only), decoded lazily; shards changed since
    _lines: dict[int, list[str]] = field(default_factory=dict)
    _changed: set[int] = field(default_factory=set)
    saved_as: Stamp | None = None             # edit.json's stat as this object read or saved it
    _encoded: dict[str, tuple[Any, str]] = field(default_factory=dict)    # part -> (its value, its JSON)

    def held(self, env: str) -> bool:
        """This index, kept in memory since it was saved, is still what ``load`` would read."""
        return self.env == env and self.saved_as is not None and stamp(self.root / INDEX) == self.saved_as

    # edit.json's parts, checked when it is read (``_valid``):
    #   inputs:   BuildState.inputs of the build it belongs to
    #   written:  time.time_ns() when the stats in it were taken
    #   files:    {absolute path of an article file: [size, mtime_ns, inode, sha256]}
    #   order:    [[source, entries offset, entries length, warnings, month], ...]: published articles with cuts,
    #             in order; their entries' block in their month's part of the manifest
    #   site_warnings: how many warnings come before the articles'
    #   default_shown: how many articles show the default image without a description (one site warning)
    #   shared:   {card path: how many articles show it} for the cards of more than one article
    #   manifest: {path in output/: [size, mtime_ns]} of the manifest's index and parts as written
    #   preview:  the preview's record (``smmgen.preview.edit``), opaque here; on a line of its own, decoded
    #             on first use (``preview``)
    #   site_record: [size, mtime_ns] of the record of files written into the site (``integration.RECORD``)
    #   names:    the token of the ``Names`` that belong to it (``NAMES``), None when there are none

    def preview(self) -> Any:
        """The preview's record, decoded on first use: 1.6 MB of JSON at 10,000 articles, which a build with
        nothing to do never reads and an edit reads while its cards are drawn. None when there is none, or when
        its text is not JSON (the edit then steps aside)."""
        value = self.data.get("preview")
        if value is _UNREAD:
            try:
                value = json.loads(self._encoded.pop("preview")[1])
            except ValueError:
                value = None
            self.data["preview"] = value
        return value

    def known_sha(self, path: str, now: Stamp) -> str | None:
        """The sha256 of the article file at ``path`` when its stat is still ``now`` as recorded."""
        known = self.data["files"].get(path)
        if known is None or tuple(known[:3]) != now or now[1] >= self.data["written"] - RACY_NS:
            return None
        return known[3]

    def restat(self, stats: dict[str, tuple[Stamp, str]], written: int) -> None:
        """Record the article files' stats anew (a build with nothing to do) when some were not as recorded:
        saved only then, so that a build with nothing to do usually writes nothing."""
        files = self.data["files"]
        if all(path in files and tuple(files[path][:3]) == st and st[1] < self.data["written"] - RACY_NS
               for path, (st, _) in stats.items()):
            return
        self.data["files"] = {path: [*st, sha] for path, (st, sha) in stats.items()}
        self.data["written"] = written
        self.save()

    def record(self, source: str, site) -> EditRecord | None:
        """The article's record, None when there is none (or it cannot be read)."""
        n = shard_of(source)
        lines = self._shard(n)
        prefix = "[" + json.dumps(source, ensure_ascii=False) + ","
        for line in lines:
            if line.startswith(prefix):
                try:
                    item = codec(site).loads(line)
                except CacheFormatError:
                    return None
                if not (type(item) is list and len(item) == 2 and item[0] == source and _valid_record(item[1])):
                    return None
                return item[1]
        return None

    def put(self, source: str, record: EditRecord, site) -> None:
        n = shard_of(source)
        lines = self._shard(n)
        prefix = "[" + json.dumps(source, ensure_ascii=False) + ","
        line = codec(site).dumps([source, record])
        for i, old in enumerate(lines):
            if old.startswith(prefix):
                lines[i] = line
                break
        else:
            lines.append(line)
        self._changed.add(n)

    def drop(self, source: str) -> None:
        n = shard_of(source)
        lines = self._shard(n)
        prefix = "[" + json.dumps(source, ensure_ascii=False) + ","
        self._lines[n] = [line for line in lines if not line.startswith(prefix)]
        self._changed.add(n)

    def _shard(self, n: int) -> list[str]:
        lines = self._lines.get(n)
        if lines is None:
            lines = self._lines[n] = _read_shard(self.root / f"edit-{n:02d}.json", self.env)
        return lines

    def encode(self, *parts: str) -> None:
        """Encode these parts of edit.json now, for ``save`` (an edit does it while its manifest is still being
        written: at 10,000 articles they are megabytes of JSON). A part must not change in place after this; one
        set anew is encoded again."""
        for part in parts:
            self._encoded[part] = (self.data[part], _dumps(self.data[part]))

    def encoded(self, part: str, value: Any, text: str) -> None:
        """Set this part of edit.json to ``value``, which ``text`` encodes (``_dumps``), made beforehand."""
        self.data[part] = value
        self._encoded[part] = (value, text)

    def save(self) -> None:
        """Write the shards changed, then edit.json."""
        for n in sorted(self._changed):
            _write(self.root / f"edit-{n:02d}.json", self.env, self._lines[n])
        self._changed.clear()
        encoded = {part: text for part, (value, text) in self._encoded.items() if self.data.get(part) is value}
        # Parts encoded for this save are let go; a part still unread keeps its text, which is its only copy.
        self._encoded = {part: pair for part, pair in self._encoded.items() if pair[0] is _UNREAD}
        _write_index(self.root / INDEX, self.env, self.data, encoded)
        self.saved_as = stamp(self.root / INDEX)


def load(site, env: str) -> EditIndex | None:
    """The edit index saved for this fingerprint, None when there is none or it is not what it should be."""
    root = folder(site)
    path = root / INDEX
    before = stamp(path)
    try:
        with path.open("rb") as f:
            head = json.loads(f.readline(4096))
            if not (isinstance(head, dict) and head.get(_HEADER) == FORMAT and head.get("env") == env):
                return None
            body, newline, preview = f.read().partition(b"\n")
            data = json.loads(body)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        log.warning("smmgen: ignored unreadable edit index %s (%s)", site.rel(path), str(e)[:200])
        return None
    if not (newline and isinstance(data, dict) and "preview" not in data):
        log.warning("smmgen: ignored edit index %s that does not hold what it should", site.rel(path))
        return None
    data["preview"] = _UNREAD
    if not _valid(data):
        log.warning("smmgen: ignored edit index %s that does not hold what it should", site.rel(path))
        return None
    try:
        text = preview.decode()
    except UnicodeDecodeError:
        return None
    return EditIndex(root, env, data, saved_as=before, _encoded={"preview": (_UNREAD, text)})


_UNREAD = object()          # edit.json's preview record, not decoded yet (``EditIndex.preview``)


def _read_shard(path: Path, env: str) -> list[str]:
    """A shard's item lines (see ``cache_files._write``); none when it is stale or not one."""
    try:
        text = path.read_bytes().decode("utf-8", "surrogatepass")
    except (OSError, UnicodeDecodeError):
        return []
    head, _, body = text.partition("\n")
    try:
        header = json.loads(head)
    except ValueError:
        return []
    if not (isinstance(header, dict) and header.get(_HEADER) == FORMAT and header.get("env") == env):
        return []
    lines = body.split("\n")
    if len(lines) < 2 or lines[0] != "[" or lines[-1] != "" or lines[-2] != "]":
        return []
    items = lines[1:-2]
    return [line[:-1] for line in items[:-1]] + items[-1:]


_dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def _write_index(path: Path, env: str, data: dict, encoded: dict[str, str] | None = None) -> None:
    # A part at a time (the bytes of ``json.dumps(data)``): the article files' stats and the preview's record are
    # each megabytes of text at 10,000 articles. ``encoded``: parts already encoded.
    dumps = _dumps
    encoded = encoded or {}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(tmp, "wb") as f:
            f.write(json.dumps({_HEADER: FORMAT, "env": env}).encode() + b"\n")
            sep = "{"
            for key, value in data.items():
                if key == "preview":
                    continue
                _write_text(f, f"{sep}{dumps(key)}:")
                _write_text(f, encoded[key] if key in encoded else dumps(value))
                sep = ","
            f.write(b"}" if sep == "," else b"{}")
            # The preview's record on a line of its own (JSON text holds no newline), read only when needed.
            f.write(b"\n")
            _write_text(f, encoded["preview"] if "preview" in encoded else dumps(data.get("preview")))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _int(value: Any) -> bool:
    return type(value) is int


def _valid(data: Any) -> bool:
    try:
        return (type(data) is dict and type(data.get("inputs")) is str and _int(data.get("written"))
                and _int(data.get("site_warnings")) and _int(data.get("default_shown"))
                and type(data.get("files")) is dict
                and all(type(k) is str and type(v) is list and len(v) == 4 and all(map(_int, v[:3]))
                        and type(v[3]) is str for k, v in data["files"].items())
                and type(data.get("order")) is list
                and all(type(o) is list and len(o) == 5 and type(o[0]) is str and all(map(_int, o[1:4]))
                        and min(o[1:4]) >= 0 and type(o[4]) is str for o in data["order"])
                and type(data.get("shared")) is dict
                and all(type(k) is str and _RELATIVE.fullmatch(k) and ".." not in k.split("/") and _int(v)
                        for k, v in data["shared"].items())
                and type(data.get("manifest")) is dict
                and all(type(k) is str and type(v) is list and len(v) == 2 and all(map(_int, v))
                        for k, v in data["manifest"].items())
                and "preview" in data
                and (data.get("names") is None or type(data["names"]) is str)
                and (data.get("site_record") is None or type(data["site_record"]) is list
                     and len(data["site_record"]) == 2 and all(map(_int, data["site_record"]))))
    except (TypeError, AttributeError):
        return False


def _valid_record(record: Any) -> bool:
    from smmgen.plan.schedule import Timing

    if type(record) is not EditRecord:
        return False
    files = (*record.files, *record.cards)
    return (type(record.plan) is tuple
            and all(type(p) is tuple and len(p) == 4 and type(p[0]) is dt.datetime
                    and (p[1] is None or type(p[1]) is dt.datetime) and (p[2] is None or type(p[2]) is Timing)
                    and type(p[3]) is tuple
                    and all(type(w) is str for w in p[3]) for p in record.plan)
            and type(record.default_shown) is bool and type(record.date) is str and type(record.draft) is bool
            and (not record.draft or not (record.plan or files))
            and all(type(f) is tuple and len(f) == 3 and type(f[0]) is str and _RELATIVE.fullmatch(f[0])
                    and ".." not in f[0].split("/") and _int(f[1]) and _int(f[2]) for f in files))


# --- made by a full build ---------------------------------------------------------------------------------------

def save_full(site, env: str, result, cache, stats: dict[str, tuple[Stamp, str]], inputs: str, written: int,
              preview: Any) -> EditIndex | None:
    """Write the edit index of a full build that just wrote output/ (``cache``: its build cache as the write
    left it; ``stats``: article file -> (its stat before it was hashed, sha256); ``written``: ``time.time_ns()``
    before the stats were taken). Articles the edit path cannot replace get no record: editing one of them
    takes the full build."""
    from collections import Counter

    from smmgen.build.integration import own_pages, settings
    from smmgen.build.pipeline import shows_undescribed_default
    from smmgen.build.write import cut_file_name
    from smmgen.content.article_media import looked_for_in_vain

    root = folder(site)
    listing = cache.files
    plan = cache.plan
    if listing is None or MANIFEST not in listing:
        forget(site)
        return None
    shas = {site.rel(Path(path)): sha for path, (_, sha) in stats.items()}
    slugs = Counter(a.slug for a in (*result.articles, *result.drafts))
    # A card's article, or the set of them where several show it (a set a card and an article were 8 MB at
    # 10,000 articles); each article's cards.
    sources: dict[str, str | set[str]] = {}
    for request, card in result.cards.items():
        known = sources.get(card.path)
        if known is None:
            sources[card.path] = request.source
        elif type(known) is set:
            known.add(request.source)
        elif known != request.source:
            sources[card.path] = {known, request.source}
    cards_of: dict[str, list[str]] = {}
    for path, owners in sources.items():
        for source in (owners,) if type(owners) is str else owners:
            cards_of.setdefault(source, []).append(path)
    plan_values = plan[1] if plan is not None and len(plan[1]) == len(result.cuts) else None
    entries = cache.entries
    # On a site with minimal pages, only an article whose page is its own (the index lists it by its link).
    chosen = settings(site)
    paged = {a.source for a, _ in own_pages(result.articles, site)} \
        if chosen is not None and chosen["generator"] == "pages" else None
    order = []
    # The records go to their shards' files one shard at a time (an article's record is a kilobyte or two of
    # JSON: all of them at once were 15 MB of a 10,000-article build's process): first where each article's cuts
    # start among the build's, by shard, in build order.
    by_shard: list[list[tuple[Any, int]]] = [[] for _ in range(SHARDS)]
    start = 0
    for output in result.outputs:
        article, cuts = output.article, output.cuts
        first = start
        start += len(cuts)
        places = [entries.get(c.id, ("", -1, -1)) for c in cuts]
        month = places[0][0]
        where = sorted(place[1:] for place in places)
        contiguous = (where[0][0] >= 0 and all(place[0] == month for place in places)
                      and all(b[0] == a[0] + a[1] + 2 for a, b in zip(where, where[1:])))
        block = (where[0][0], where[-1][0] + where[-1][1] - where[0][0]) if contiguous else (0, 0)
        # The article's block in its month's part: where it starts, how long it is, its warnings, the month.
        order.append([article.source, *block, sum(len(c.warnings) for c in cuts), month])
        if plan_values is not None and contiguous:
            by_shard[shard_of(article.source)].append((output, first))
    encode = codec(site).dumps

    def records(outputs: list[tuple[Any, int]]) -> Iterator[str]:
        for output, first in outputs:
            article, cuts = output.article, output.cuts
            record = cache.articles.get(article.source)
            sha = shas.get(article.source)
            files = [f"cuts/{c.slug}/{cut_file_name(c)}" for c in cuts] + [f"og/{article.key}.html"]
            own_cards = sorted(cards_of.get(article.source, ()))
            if (record is None or sha is None or record.sha != sha
                    or record.cuts is None or len(record.cuts) != len(cuts) or not record.plan_reads
                    or article.key != article.slug or slugs[article.slug] != 1 or article.video is not None
                    or looked_for_in_vain(article) or any(f not in listing for f in (*files, *own_cards))
                    or (paged is not None and article.source not in paged)):
                continue
            yield encode([article.source, EditRecord(
                sha=sha, slug=article.slug, url=article.url, image=str(article.image) if article.image else None,
                plan_reads=record.plan_reads,
                plan=tuple((*values, tuple(added)) for values, added in plan_values[first:first + len(cuts)]),
                files=tuple((f, *listing[f]) for f in files),
                cards=tuple((c, *listing[c]) for c in own_cards),
                default_shown=shows_undescribed_default(article, site), date=article.date.isoformat())])

    drafts_by_shard: list[list[Any]] = [[] for _ in range(SHARDS)]
    for article in result.drafts:
        sha = shas.get(article.source)
        if (sha is not None and article.key == article.slug and slugs[article.slug] == 1
                and not looked_for_in_vain(article)):
            drafts_by_shard[shard_of(article.source)].append((article, sha))

    def draft_records(drafts: list[Any]) -> Iterator[str]:
        for article, sha in drafts:
            yield encode([article.source, draft_record(article, sha)])

    for n, shard in enumerate(by_shard):
        _write(root / f"edit-{n:02d}.json", env, itertools.chain(records(shard), draft_records(drafts_by_shard[n])))
    data = {
        "inputs": inputs, "written": written,
        "files": {path: [*st, sha] for path, (st, sha) in stats.items()},
        "order": order, "site_warnings": len(result.site_warnings),
        "default_shown": sum(1 for a in result.articles if shows_undescribed_default(a, site)),
        "shared": {path: len(owners) for path, owners in sources.items() if type(owners) is set},
        "manifest": {relative: list(st) for relative, st in listing.items()
                     if relative == MANIFEST or relative.startswith(PARTS)}, "preview": preview,
        "site_record": site_record(site),
        "names": save_names(site, env, Names.of(site, result)),
    }
    index = EditIndex(root, env, data)
    index.save()
    return index


# --- every article's names, for a file added or removed ---------------------------------------------------------

NAMES = "edit-names.json"


@dataclass
class Names:
    """What an article file added or removed may collide with or change: every article's slug (another with
    the same one would key both apart) and URL (no two may share one), drafts' too, and how many of the articles
    (and accounts) read each file the build state names (``BuildState.read``: the sorted keys of ``reads``).
    Kept in a file of its own (``NAMES``), read only when an article file comes or goes."""

    slugs: set[str]
    urls: set[str]
    reads: dict[str, int]

    @classmethod
    def of(cls, site, result) -> Names:
        from smmgen.build.incremental import _avatars, _video_files

        every = (*result.articles, *result.drafts)
        reads: dict[str, int] = {}
        for path in itertools.chain((str(a.image) for a in every if a.image), _avatars(site),
                                    _video_files(result.articles)):
            reads[path] = reads.get(path, 0) + 1
        return cls({a.slug for a in every}, {a.url for a in every}, reads)

    def read(self) -> tuple[str, ...]:
        return tuple(sorted(self.reads))


def save_names(site, env: str, names: Names) -> str:
    """Write ``names``; the token that edit.json names them by (``data["names"]``)."""
    token = secrets.token_hex(8)
    _write(folder(site) / NAMES, env, [_dumps([token, sorted(names.slugs), sorted(names.urls),
                                               dict(sorted(names.reads.items()))])])
    return token


def load_names(site, env: str, token: Any) -> Names | None:
    """The names edit.json's ``token`` belongs to, None when they are not there (or not what they should be)."""
    if type(token) is not str:
        return None
    lines = _read_shard(folder(site) / NAMES, env)
    if len(lines) != 1:
        return None
    try:
        item = json.loads(lines[0])
    except ValueError:
        return None
    if not (type(item) is list and len(item) == 4 and item[0] == token and type(item[1]) is list
            and type(item[2]) is list and type(item[3]) is dict and all(type(x) is str for x in item[1] + item[2])
            and all(type(k) is str and _int(v) and v > 0 for k, v in item[3].items())):
        return None
    return Names(set(item[1]), set(item[2]), item[3])


def draft_record(article, sha: str) -> EditRecord:
    """A draft's record: what of it the output of the other articles depends on."""
    return EditRecord(sha=sha, slug=article.slug, url=article.url,
                      image=str(article.image) if article.image else None, plan_reads="", plan=(), files=(),
                      cards=(), date=article.date.isoformat(), draft=True)


def site_record(site) -> list[int] | None:
    """[size, mtime_ns] of the record of the files ``[integration]`` wrote into the site, None when there is none."""
    from smmgen.build.integration import RECORD

    try:
        st = os.lstat(site.root / RECORD)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def now_ns() -> int:
    return time.time_ns()
