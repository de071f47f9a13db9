"""The build cache's files: each a header line, then one item a line; what each file's items must be.

Values are written by ``smmgen.build.cache_codec`` (data only, never pickle); every item is checked as it is read,
and a file that does not hold what it should is ignored with a note, never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from smmgen.build.cache_codec import CacheFormatError, Codec
from smmgen.build.cache_records import ArticleRecord, BuildState, Stamp

if TYPE_CHECKING:
    from smmgen.config.site import Site

# Notes about a file ignored are the cache's own: one logger for all of it.
log = logging.getLogger("smmgen.build.cache")

CACHE_DIR = Path(".smmgen") / "cache"
FORMAT = "9"
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


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    # Reading (and writing) makes hundreds of thousands of containers, none of them in a reference cycle: the
    # collector would only walk them again and again (a tenth of the load's time on a large site).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read(site: Site, name: str, env: str, codec: Codec, take: Callable[[Any], Any]) -> list | None:
    """The items of the cache file ``name`` if it was written with this fingerprint, each as ``take`` makes it
    from what was written (``take`` raises CacheFormatError for an item that is not what it should be)."""
    found = _read_lines(site, name, env, codec, take, keep_lines=False)
    return found[0] if found is not None else None


def _read_lines(site: Site, name: str, env: str, codec: Codec, take: Callable[[Any], Any],
                keep_lines: bool) -> tuple[list, list[str]] | None:
    """``_read``, and (with ``keep_lines``) each item's line as written, so that the next save writes an
    unchanged value's line again without encoding it."""
    path = site.root / CACHE_DIR / name
    try:
        with path.open("rb") as f:
            header = f.readline(4096)
            try:
                head = json.loads(header)
            except ValueError:
                head = None
            if not (isinstance(head, dict) and isinstance(head.get(_HEADER), str)):
                raise CacheFormatError("not a build cache file")
            if head[_HEADER] != FORMAT or head.get("env") != env:
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


# build.json: [section, key, value] for the dicts, [section, value] for the plan and the fragments. Tuples of
# plain values are written as lists, and the plan's UTC times as ISO text (fewer tagged objects to read).

def _plan_out(plan: tuple[str, list]) -> list:
    return [plan[0], [[_utc_out(values[0]), _utc_out(values[1]), values[2], *added] for values, added in plan[1]]]


def _utc_out(when: Any) -> Any:
    return when.isoformat() if type(when) is dt.datetime and when.tzinfo is dt.UTC and not when.fold else when


def _utc_in(when: Any) -> Any:
    return dt.datetime.fromisoformat(when) if type(when) is str else when


def _plan_in(value: Any) -> tuple[str, list]:
    from smmgen.plan.schedule import Timing

    _need(type(value) is list and len(value) == 2 and type(value[0]) is str and type(value[1]) is list, "plan")
    changes = []
    for change in value[1]:
        _need(type(change) is list and len(change) >= 3, change)
        publish_at, expire_at, timing, *added = change
        publish_at, expire_at = _utc_in(publish_at), _utc_in(expire_at)
        _need(type(publish_at) is dt.datetime and (expire_at is None or type(expire_at) is dt.datetime)
              and (timing is None or type(timing) is Timing) and all(type(w) is str for w in added), change)
        changes.append(((publish_at, expire_at, timing), tuple(added)))
    return value[0], changes


_FRAGMENTS_FILE = re.compile(r"fragments-[A-Za-z0-9_]+\.bin")


def _fragments_in(value: Any) -> tuple[str, dict[str, tuple[int, int]]]:
    # The file is opened by this name inside the cache folder: only a name a FragmentStore makes.
    _need(type(value) is list and len(value) == 2 and type(value[0]) is str
          and _FRAGMENTS_FILE.fullmatch(value[0]) is not None and type(value[1]) is dict
          and all(type(k) is str and _ints(v, 2) for k, v in value[1].items()), "fragments")
    return value[0], {k: tuple(v) for k, v in value[1].items()}


def _fragments_out(value: tuple[str, dict[str, tuple[int, int]]]) -> list:
    return [value[0], {k: list(v) for k, v in value[1].items()}]


def _card(key: Any, value: Any) -> tuple[Any, Any]:
    card, request = _classes(False)[-1], _classes(False)[-2]
    _need(type(key) is tuple and len(key) == 2 and type(key[0]) is request
          and (key[1] is None or type(key[1]) is str) and type(value) is card, key)
    return key, value


def _index(key: Any, value: Any) -> tuple[str, tuple[int, int, str]]:
    _need(type(key) is str and type(value) is list and len(value) == 3 and type(value[0]) is int
          and type(value[1]) is int and type(value[2]) is str, key)
    return key, tuple(value)


def _text(key: Any, value: Any) -> tuple[str, str]:
    _need(type(key) is str and type(value) is str, key)
    return key, value


def _entry(key: Any, value: Any) -> tuple[str, tuple[int, int]]:
    _need(type(key) is str and _ints(value, 2), key)
    return key, tuple(value)


def _hero(key: Any, value: Any) -> tuple[str, tuple[Stamp, str]]:
    _need(type(key) is str and type(value) is tuple and len(value) == 2 and _is_stamp(value[0])
          and type(value[1]) is str, key)
    return key, value


def _as_list(value: tuple) -> list:
    return list(value)


def _same(value: Any) -> Any:
    return value


# section -> (key and value as read -> as kept, value as kept -> as written, whether a value equal to the one read
# may be written as the line read: for plain numbers and text; a time or a Card may be equal and still differ)
_SECTIONS: dict[str, tuple[Callable[[Any, Any], tuple[Any, Any]], Callable[[Any], Any], bool]] = {
    "cards": (_card, _same, False),
    "index": (_index, _as_list, True),
    "pages": (_text, _same, True),
    "outputs": (_text, _same, True),
    "entries": (_entry, _as_list, True),
    "heroes": (_hero, _same, False),
}
_SCALARS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "plan": (_plan_in, _plan_out),
    "fragments": (_fragments_in, _fragments_out),
}


def _build_item(item: Any) -> tuple[str, Any, Any]:
    """An item of build.json as (section, key, value) kept; key None for the plan and the fragments."""
    _need(type(item) is list and type(item[0]) is str, item)
    if len(item) == 3:
        section = _SECTIONS.get(item[0])
        _need(section is not None, item)
        key, value = section[0](item[1], item[2])
        return item[0], key, value
    scalar = _SCALARS.get(item[0])
    _need(len(item) == 2 and scalar is not None, item)
    return item[0], None, scalar[0](item[1])
