"""The build cache's files: each a header line, then one item a line; what each file's items must be.

Values are written by ``smmgen.build.cache_codec`` (data only, never pickle); every item is checked as it is read,
and a file that does not hold what it should is ignored with a note, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
import logging
import os
import re
import struct
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from smmgen.build.cache_codec import CacheFormatError, Codec
from smmgen.build.cache_records import ArticleRecord, BuildState, Stamp
from smmgen.build.cache_tables import FieldSpec, Tables

if TYPE_CHECKING:
    from smmgen.config.site import Site

# Notes about a file ignored are the cache's own: one logger for all of it.
log = logging.getLogger("smmgen.build.cache")

CACHE_DIR = Path(".smmgen") / "cache"
FORMAT = "10"
"""Bump when what the cache stores changes shape."""

# --- the files ---------------------------------------------------------------------------------------------------
# Each file is a header line, {"smmgen build cache": FORMAT, "env": fingerprint}, then one JSON array of items (one
# item a line, written as they come). A file whose header names another format or fingerprint is stale and
# ignored quietly; one that cannot be read or does not hold what it should is ignored with a note.

_HEADER = "smmgen build cache"


@functools.cache
def _classes(state: bool) -> tuple[type, ...]:
    if state:
        from smmgen.build.incremental import Summary

        return (BuildState, Summary)
    from smmgen.cards.model import Card, CardRequest
    from smmgen.content.article import Article, PlatformOverride, Social, VideoRef
    from smmgen.plan.schedule import Timing
    from smmgen.platforms.base import Cut, MediaRef

    # CardRequest and Card last: ``_card`` finds them there.
    return (ArticleRecord, Article, Social, PlatformOverride, VideoRef, Cut, MediaRef, Timing, CardRequest, Card)


@functools.cache
def _zoned_codec(state: bool, zones: tuple[ZoneInfo, ...]) -> Codec:
    return Codec(_classes(state), zones)


def _codec(site: Site | None, state: bool = False) -> Codec:
    """The codec of the build cache's files (``state``: of state.json, which a build with nothing to do reads
    without importing what articles and cuts are made of); reading takes the site's own time zones only."""
    zones = (site.timezone, ZoneInfo("UTC")) if site is not None else ()
    return _zoned_codec(state, zones)


def _read(site: Site, name: str, env: str, codec: Codec, take: Callable[[Any], Any]) -> list | None:
    """The items of the cache file ``name`` if it was written with this fingerprint, each as ``take`` makes it
    from what was written (``take`` raises CacheFormatError for an item that is not what it should be)."""
    found = _read_lines(site, name, env, codec, take, keep_lines=False)
    return found[0] if found is not None else None


def _current(f: IO[bytes], env: str, save: str | None = None) -> bool:
    """Reads a cache file's header line: False when the file is of another format, site or inputs (or, with
    ``save``, of another save); raises CacheFormatError when it is no build cache file."""
    try:
        head = json.loads(f.readline(4096))
    except ValueError:
        head = None
    if not (isinstance(head, dict) and isinstance(head.get(_HEADER), str)):
        raise CacheFormatError("not a build cache file")
    return head[_HEADER] == FORMAT and head.get("env") == env and (save is None or head.get("save") == save)


def _read_lines(site: Site, name: str, env: str, codec: Codec, take: Callable[[Any], Any],
                keep_lines: bool) -> tuple[list, list[str]] | None:
    """``_read``, and (with ``keep_lines``) each item's line as written, so that the next save writes an
    unchanged value's line again without encoding it."""
    path = site.root / CACHE_DIR / name
    try:
        with path.open("rb") as f:
            if not _current(f, env):
                return None                 # another format version, another site or other inputs: stale
            body = f.read().decode("utf-8", "surrogatepass")
        items = codec.loads(body)
        if type(items) is not list:
            raise CacheFormatError("not a list of items")
        try:
            items = [take(item) for item in items]
        except CacheFormatError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, OverflowError) as e:
            raise CacheFormatError(f"an item of the wrong shape ({e})") from None
        lines: list[str] = []
        if keep_lines and items:
            # One item a line (JSON escapes every newline inside a string): "[", item ",", ..., item, "]", "".
            lines = body.split("\n")[1:-2]
            lines[:-1] = [line[:-1] for line in lines[:-1]]
            if len(lines) != len(items):
                lines = []
        return items, lines
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:          # CacheFormatError and UnicodeDecodeError are ValueErrors
        log.warning("smmgen: ignored unreadable build cache %s (%s); it is made again", site.rel(path),
                    str(e)[:200])
        return None


def _write(path: Path, env: str, lines: Iterable[str]) -> None:
    """Write the items' ``lines`` (``Codec.dumps`` of each) to ``path``, replacing it whole; one item at a time,
    so memory holds one item's JSON and not the whole cache's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps({_HEADER: FORMAT, "env": env}).encode() + b"\n[")
            sep = b"\n"
            for line in lines:
                f.write(sep + line.encode("utf-8", "surrogatepass"))
                sep = b",\n"
            f.write(b"\n]\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- what each file's items must be ------------------------------------------------------------------------------

def _need(ok: bool, item: Any) -> None:
    if not ok:
        text = repr(item)
        raise CacheFormatError(f"an item of the wrong shape: {text if len(text) <= 80 else text[:77] + '...'}")


def _is_stamp(value: Any) -> bool:
    return type(value) is tuple and len(value) == 3 and all(type(x) is int for x in value)


def _ints(value: Any, n: int) -> bool:
    return type(value) in (tuple, list) and len(value) == n and all(type(x) is int for x in value)


def _article_item(item: Any) -> tuple[str, ArticleRecord]:
    """articles-NN.json: [source, its record]."""
    from smmgen.content.article import Article
    from smmgen.platforms.base import Cut

    _need(type(item) is list and len(item) == 2 and type(item[0]) is str and type(item[1]) is ArticleRecord, item)
    record = item[1]
    _need(isinstance(record.article, Article) and record.article.source == item[0]
          and (record.cuts is None or all(type(c) is Cut for c in record.cuts))
          and all(type(d) is tuple and len(d) == 3 and type(d[0]) is str and _is_stamp(d[1])
                  and (d[2] is None or type(d[2]) is str) for d in record.deps), item)
    return item[0], record


def _state_item(item: Any) -> BuildState:
    """state.json: [the state]."""
    from smmgen.build.incremental import Summary

    _need(type(item) is list and len(item) == 1 and type(item[0]) is BuildState, item)
    state = item[0]
    _need(type(state.summary) is Summary and all(type(r) is str for r in state.read)
          and type(state.outputs) is str,
          item)
    return state



# --- files of columns (smmgen.build.cache_tables) ----------------------------------------------------------------
# A header line as above, then one JSON value, parsed without a hook. The article records' files, and build.json's
# sections, each in a file of its own (``build-<section>.json``; the output index in INDEX_BUCKETS files by a hash
# of the path, the cards in CARD_BUCKETS files by a hash of their article) that a save writes again only when its
# section changed. build.json, written last, names the save
# each section file must come from: a file left by a save that did not finish is not mixed with another save's.

INDEX_BUCKETS = 64
CARD_BUCKETS = 16
SECTIONS = ("heroes", "pages", "outputs", "entries", "plan", "fragments")


@functools.cache
def _tables(zones: tuple[ZoneInfo, ...]) -> Tables:
    return Tables(_zoned_codec(False, zones))


def _table_codec(site: Site | None) -> Tables:
    return _tables((site.timezone, ZoneInfo("UTC")) if site is not None else ())


def index_bucket(relative: str) -> int:
    return zlib.crc32(relative.encode("utf-8", "surrogatepass")) % INDEX_BUCKETS


def index_file(n: int) -> str:
    return f"index-{n:02d}.json"


def cards_bucket(source: str) -> int:
    return zlib.crc32(source.encode("utf-8", "surrogatepass")) % CARD_BUCKETS


def cards_file(n: int) -> str:
    return f"build-cards-{n:02d}.json"


def section_file(section: str) -> str:
    return f"build-{section}.json"


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _write_data(path: Path, env: str, data: Any, save: str | None = None, side: list | None = None) -> None:
    """Write ``data`` (plain JSON data) to ``path`` after its header, and on a line of its own the values put aside
    (``TableWriter.side``), replacing the file whole."""
    head = {_HEADER: FORMAT, "env": env} if save is None else {_HEADER: FORMAT, "env": env, "save": save}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(json.dumps(head).encode() + b"\n")
            _write_text(f, _dumps(data))
            f.write(b"\n")
            if side:
                # JSON escapes every newline inside a string: the file's lines are its parts.
                _write_text(f, _dumps(side))
                f.write(b"\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


CHUNK = 1 << 20
"""Characters of a section's JSON encoded at a time: the text and its bytes whole were two copies of the largest
section (the plan's at 10,000 articles: megabytes) where one and a chunk do."""


def _write_text(f: IO[bytes], text: str) -> None:
    # Each character is encoded on its own (a lone surrogate too, with surrogatepass): cutting anywhere is safe.
    for start in range(0, len(text), CHUNK):
        f.write(text[start:start + CHUNK].encode("utf-8", "surrogatepass"))


def _read_data(site: Site, name: str, env: str, take: Callable[[Any, list], Any], save: str | None = None) -> Any:
    """What ``take`` makes of the data of the cache file ``name`` and the values put aside in it, if it was
    written with this fingerprint (and, with ``save``, by that save); None for a file missing or stale, and for
    one that is not what it should be (with a note)."""
    path = site.root / CACHE_DIR / name
    try:
        with path.open("rb") as f:
            if not _current(f, env, save):
                return None        # another format, site or inputs, or another save's file: stale
            body = f.read()
        try:
            end = body.find(b"\n")
            end = len(body) if end < 0 else end
            data = json.loads(body[:end].decode("utf-8", "surrogatepass"))
            rest = body[end + 1:].decode("utf-8", "surrogatepass")
            side = _codec(site).loads(rest) if rest and not rest.isspace() else []
            if type(side) is not list:
                raise CacheFormatError("values put aside that are not a list")
            return take(data, side)
        except CacheFormatError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, OverflowError, RecursionError) as e:
            raise CacheFormatError(f"{type(e).__name__}: {str(e)[:120]}") from None
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:          # CacheFormatError and UnicodeDecodeError are ValueErrors
        log.warning("smmgen: ignored unreadable build cache %s (%s); it is made again", site.rel(path),
                    str(e)[:200])
        return None


def _columns(data: Any, n: int, what: str) -> list[list]:
    _need(type(data) is list and len(data) == n and all(type(c) is list for c in data)
          and len({len(c) for c in data}) <= 1, what)
    return data


def _all(column: list, *kinds: type) -> bool:
    return set(map(type, column)) <= set(kinds)


# The article records: the tables of one shard's records.

def articles_out(tables: Tables, records: Iterable[ArticleRecord]) -> tuple[dict, list]:
    writer = tables.writer()
    writer.add_all(records)
    return writer.dump(), writer.side


def articles_in(tables: Tables, data: Any, side: list | tuple = ()) -> dict[str, ArticleRecord]:
    records = tables.read(data, side).get("ArticleRecord", [])
    out = {}
    for record in records:
        _need(type(record.article.source) is str
              and all(type(d) is tuple and len(d) == 3 and type(d[0]) is str and _is_stamp(d[1])
                      and (d[2] is None or type(d[2]) is str) for d in record.deps), "articles")
        out[record.article.source] = record
    return out


# build.json's sections.

# An entry of the output index (a file as written: its size, mtime_ns and sha256) is one bytes object of 48,
# not a tuple of two ints and the digest's hex text: four objects and 240 bytes a file, a hundred thousand files
# at 10,000 articles, which a cold build made one by one among the pages' short-lived objects.
_ENTRY = struct.Struct("<qq32s")
_STAT = struct.Struct("<qq")


def index_entry(size: int, mtime_ns: int, digest: str) -> bytes:
    """The output index's entry of a file of ``size`` bytes and mtime ``mtime_ns`` whose sha256 is ``digest``
    (hex)."""
    return _ENTRY.pack(size, mtime_ns, bytes.fromhex(digest))


def entry_stat(entry: bytes) -> tuple[int, int]:
    """The (size, mtime_ns) of an output index entry."""
    return _STAT.unpack_from(entry)


def entry_digest(entry: bytes) -> str:
    """The sha256 (hex) of an output index entry."""
    return entry[16:].hex()


def index_out(index: dict[str, bytes]) -> list[list]:
    # As stored since format 10: the paths, sizes, mtimes and hex digests by columns.
    if not index:
        return [[], [], [], []]
    sizes, mtimes, digests = zip(*map(_ENTRY.unpack, index.values()))
    return [list(index), list(sizes), list(mtimes), [d.hex() for d in digests]]


def index_in(data: Any, side: list | tuple = ()) -> dict[str, bytes]:
    names, sizes, mtimes, shas = _columns(data, 4, "index")
    _need(_all(names, str) and _all(sizes, int) and _all(mtimes, int) and _all(shas, str)
          and set(map(len, shas)) <= {64}, "index")
    try:
        return dict(zip(names, map(_ENTRY.pack, sizes, mtimes, map(bytes.fromhex, shas))))
    except (ValueError, struct.error):
        _need(False, "index")
        raise


def _texts_out(values: dict[str, str]) -> list[list]:
    return [list(values), list(values.values())]


def _texts_in(data: Any, side: list | tuple = ()) -> dict[str, str]:
    keys, values = _columns(data, 2, "texts")
    _need(_all(keys, str) and _all(values, str), "texts")
    return dict(zip(keys, values))


def _entries_out(entries: Mapping[str, tuple[int, int]]) -> list[list]:
    return [list(entries), *map(list, zip(*entries.values()))] if entries else [[], [], []]


def _places_out(places: Any) -> list[list]:
    """The manifest's ``manifest_file.EntryPlaces``: its columns as they are (id, month, offset, length)."""
    if not places:
        return [[], [], [], []]
    return [list(places.ids), list(places.months), places.offsets.tolist(), places.lengths.tolist()]


def _places_in(data: Any, side: list | tuple = ()) -> Any:
    from smmgen.build.manifest_file import EntryPlaces

    ids, months, offsets, lengths = _columns(data, 4, "entries")
    _need(_all(ids, str) and _all(months, str) and _all(offsets, int) and _all(lengths, int)
          and all(a < b for a, b in zip(ids, ids[1:])) and min(offsets, default=0) >= 0
          and min(lengths, default=0) >= 0, "entries")
    places = EntryPlaces()
    places.ids, places.months = ids, [sys.intern(m) for m in months]
    places.offsets.extend(offsets)
    places.lengths.extend(lengths)
    return places


def _entries_in(data: Any, side: list | tuple = ()) -> dict[str, tuple[int, int]]:
    ids, offsets, lengths = _columns(data, 3, "entries")
    _need(_all(ids, str) and _all(offsets, int) and _all(lengths, int), "entries")
    return dict(zip(ids, zip(offsets, lengths)))


def _heroes_out(heroes: dict[str, tuple[Stamp, str]]) -> list[list]:
    stamps = [list(column) for column in zip(*(st for st, _ in heroes.values()))] or [[], [], []]
    return [list(heroes), *stamps, [sha for _, sha in heroes.values()]]


def _heroes_in(data: Any, side: list | tuple = ()) -> dict[str, tuple[Stamp, str]]:
    paths, sizes, mtimes, inodes, shas = _columns(data, 5, "heroes")
    _need(_all(paths, str) and _all(sizes, int) and _all(mtimes, int) and _all(inodes, int) and _all(shas, str),
          "heroes")
    return dict(zip(paths, zip(zip(sizes, mtimes, inodes), shas)))


def _cards_out(tables: Tables, cards: dict) -> tuple[dict, list]:
    writer = tables.writer()
    rows = [[writer.add(request), writer.add(card)] for (request, _), card in cards.items()]
    return {"tables": writer.dump(), "heroes": [hero for _, hero in cards],
            "requests": [r for r, _ in rows], "cards": [c for _, c in rows]}, writer.side


def _cards_in(tables: Tables, data: Any, side: list | tuple = ()) -> dict:
    _need(type(data) is dict and data.keys() == {"tables", "heroes", "requests", "cards"}
          and all(type(data[k]) is list for k in ("heroes", "requests", "cards")), "cards")
    rows: dict[str, list] = {}
    made = tables.read(data["tables"], side, rows)
    _need(set(made) <= {"CardRequest", "Card"} and len(data["heroes"]) == len(data["requests"]) == len(data["cards"])
          and _all(data["heroes"], str, type(None)) and _all(data["requests"], int) and _all(data["cards"], int),
          "cards")
    # A request keeps its hash, that of its fields in order (``CardRequest.__hash__``): the dict below hashes
    # every one, which the rows do in one pass instead of a call a request (where the first agrees).
    made_requests = made.get("CardRequest", [])
    if made_requests and hash(made_requests[0]) == hash(rows["CardRequest"][0]):
        for request, row in zip(made_requests, rows["CardRequest"]):
            object.__setattr__(request, "_hash", hash(row))
    requests = list(map(made_requests.__getitem__, data["requests"]))
    cards = list(map(made.get("Card", []).__getitem__, data["cards"]))
    return dict(zip(zip(requests, data["heroes"]), cards))


_UTC = FieldSpec("when", "datetime", (dt.datetime,), frozenset())
_MAYBE_UTC = FieldSpec("when", "datetime", (dt.datetime, type(None)), frozenset())
_TIMING = FieldSpec("timing", "row", (object,), frozenset(), "Timing")


def _plan_out(tables: Tables, plan: tuple[str, list]) -> tuple[dict, list]:
    writer = tables.writer()
    when = _same_text(writer.encoder(_UTC))
    columns: list[list] = [[], [], [], []]
    for (publish_at, expire_at, timing), added in plan[1]:
        columns[0].append(when(publish_at))
        columns[1].append(when(expire_at))
        columns[2].append(None if timing is None else writer.add(timing))
        columns[3].append(added)       # a tuple is written as a list: not a new list per cut (90,000 at 10,000)
    return {"signature": plan[0], "tables": writer.dump(), "changes": columns}, writer.side


def _same_text(encode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``encode`` (a datetime column's), giving the very text it gave before for a UTC time equal to one it was
    given: the plan's posts share a few slot times, and a text a cell for the publish and expiry times of every cut
    was 15 MB at 10,000 articles while the plan's file is written."""
    known: dict[dt.datetime, Any] = {}

    def one(value: Any) -> Any:
        if type(value) is not dt.datetime or value.tzinfo is not dt.UTC or value.fold:
            return encode(value)
        text = known.get(value)
        if text is None:
            text = known[value] = encode(value)
        return text
    return one


def _plan_in(tables: Tables, data: Any, side: list | tuple = ()) -> tuple[str, list]:
    from smmgen.plan.schedule import Timing

    _need(type(data) is dict and data.keys() == {"signature", "tables", "changes"} and type(data["signature"]) is str,
          "plan")
    made = tables.read(data["tables"], side)
    _need(set(made) <= {"Timing"}, "plan")
    publish, expire, timing, added = _columns(data["changes"], 4, "plan")
    publish = tables.column("plan", _UTC, publish, made, side)
    expire = tables.column("plan", _MAYBE_UTC, expire, made, side)
    timing = tables.column("plan", _TIMING, timing, made, side)
    _need(all(type(t) is Timing or t is None for t in timing)
          and _all(added, list) and _all(list(itertools.chain.from_iterable(added)), str), "plan")
    return data["signature"], [((p, e, t), tuple(a)) for p, e, t, a in zip(publish, expire, timing, added)]


_FRAGMENTS_FILE = re.compile(r"fragments-[A-Za-z0-9_]+\.bin")


def _fragments_out(value: tuple[str, dict[str, tuple[int, int]]]) -> list:
    return [value[0], _entries_out(value[1])]


def _fragments_in(data: Any, side: list | tuple = ()) -> tuple[str, dict[str, tuple[int, int]]]:
    # The file is opened by this name inside the cache folder: only a name a FragmentStore makes.
    _need(type(data) is list and len(data) == 2 and type(data[0]) is str
          and _FRAGMENTS_FILE.fullmatch(data[0]) is not None, "fragments")
    return data[0], _entries_in(data[1])


def section_out(tables: Tables, section: str, value: Any) -> tuple[Any, list]:
    """A section as written: its plain data, and the values put aside (``TableWriter.side``)."""
    if section == "cards":
        return _cards_out(tables, value)
    if section == "plan":
        return _plan_out(tables, value)
    return {"heroes": _heroes_out, "pages": _texts_out, "outputs": _texts_out, "entries": _places_out,
            "fragments": _fragments_out}[section](value), []


def section_in(tables: Tables, section: str, data: Any, side: list | tuple = ()) -> Any:
    if section == "cards":
        return _cards_in(tables, data, side)
    if section == "plan":
        return _plan_in(tables, data, side)
    return {"heroes": _heroes_in, "pages": _texts_in, "outputs": _texts_in, "entries": _places_in,
            "fragments": _fragments_in}[section](data)


def build_in(data: Any, side: list | tuple = ()) -> dict[str, str]:
    """build.json: the save each section file comes from, by file name."""
    _need(type(data) is dict and all(type(k) is str and type(v) is str for k, v in data.items()), "build.json")
    return data
