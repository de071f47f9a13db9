"""Writing a build to output/: cut texts, Open Graph snippets, the preview, the new cards (drawn into the staging
folder, ``smmgen.build.staging``), then the manifest, then pruning.

Files are written as they are made, one at a time, so memory does not grow with the size of the site: the
preview pages and the manifest of a 10,000-article site run to hundreds of megabytes. Each goes to a temporary
file beside its place, and all of them are renamed into place only once every one is written: a preview template
that fails on the tenth article leaves output/ as it was, not with nine new pages. The manifest goes last
(a reader never sees it pointing at files not there yet) and is streamed to a temporary file that replaces the
old one at the end.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from collections import deque
from collections.abc import ItemsView, Iterable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smmgen.build import staging
from smmgen.build.cache_files import entry_digest, entry_stat, index_entry
from smmgen.build.manifest_file import write_manifest
from smmgen.build.og import card_url, og_html, og_tags  # noqa: F401 (card_url: still importable from here)
from smmgen.build.replacement import stream_to
from smmgen.build.spilled_index import SpilledIndex
from smmgen.output_files import create, prune, survey
from smmgen.preview import iter_preview
from smmgen.preview.pages import STAGED, UNCHANGED

if TYPE_CHECKING:
    from smmgen.build.cache import BuildCache
    from smmgen.build.pipeline import BuildResult
    from smmgen.config.site import Site
    from smmgen.content.article import Article
    from smmgen.platforms import Cut

OUTPUT_SUBDIRS = ("cuts", "cards", "og", "preview", "media", "manifest")
PENDING = 64
"""New files handed to the writer thread and not yet written, at most."""


def write_output(result: BuildResult, cache: BuildCache | None = None) -> int:
    """Write output/ from a successful build; returns how many files changed. Stale files are removed.

    With ``cache``, a file whose index entry says it already holds these bytes is neither read nor written, an
    unchanged preview page is not rendered, and the files and manifest entries of an article whose output key
    (``smmgen.build.article_outputs``) is the one last written are left as they are without being made again.
    """
    site = result.site
    out = site.output_dir
    # What output/ holds, listed before anything is written (and when the build began, with a cache: cards it
    # drew since are not in it); ``survey`` refuses links that would lead a write or a deletion out of output/.
    present = cache.present if cache is not None and cache.present is not None else \
        survey(site.root, out, OUTPUT_SUBDIRS)
    if result.cards:
        # Where the staged cards go, made first: output/cards being a file stops the write before it begins.
        (out / "cards").mkdir(parents=True, exist_ok=True)
    early = getattr(result, "early", None)       # the files written while the cards were drawn, if any
    if early is not None:
        sink, memo = early.sink, early.memo
    else:
        sink = PendingWrites(out, cache, present)
        memo = cache.page_memo(sink.intact) if cache is not None else None
    same = set()
    if cache is not None:
        same = {o.article.source for o in result.outputs
                if o.key is not None and cache.outputs.get(o.article.source) == o.key}
    try:
        sink.settle()
        # The preview first: a broken template in layouts/preview/ fails the build before anything is written.
        for path, data in iter_preview(result, reuse=memo):
            sink.put(path, data)
        if memo is not None:
            memo.close()
        for path, data in _article_files(result, same, sink, early):
            sink.put(path, data)
        sink.flush()
    except BaseException:
        sink.discard()                      # the error that stopped the write is the one to report
        if early is not None:
            early.memo.abandon()
        raise
    sink.commit()
    # The cards the build drew wait in the staging folder: in place before the manifest that names them.
    staging.commit(site, result.staged)
    sink.changed += place_media(result)
    changed, manifest_files = write_manifest(site, result, cache, same)
    sink.changed += changed
    if cache is not None:
        for relative in manifest_files:
            sink.index[relative] = cache.index[relative]
        cache.index = sink.index
        cache.pages = memo.keys if memo is not None else {}
        cache.preview = memo.record if memo is not None else None
        cache.outputs = {o.article.source: o.key for o in result.outputs if o.key is not None}
    media = set(result.videos.files) if result.videos is not None else set()
    if cache is None:
        prune(out, sink.written | {out / card.path for card in result.cards.values()}
              | {out / path for path in (*manifest_files, *media)}, OUTPUT_SUBDIRS)
    else:
        cache.files = sink.finish({card.path for card in result.cards.values()} | media)
    return sink.changed


def place_media(result: BuildResult) -> int:
    """Put the build's videos, posters and captions (made in the video stage's store) into output/media/;
    returns how many were new. Their names are their hashes: one already there is the right one."""
    from smmgen.video.store import place

    if result.videos is None:
        return 0
    out = result.site.output_dir
    return sum(place(source, out / path) for path, source in sorted(result.videos.files.items()))


class PendingWrites:
    """Writes files as they come, under temporary names that ``commit`` renames into place (``discard``
    removes them), skipping those the cache's output index vouches for."""

    def __init__(self, out: Path, cache: BuildCache | None,
                 present: tuple[dict[str, tuple[int, int]], set[str]]):
        self.out = out
        self.cache = cache
        self.changed = 0
        self.written: set[Path | str] = set()
        # The output index of this write (entries as ``cache_files.index_entry`` makes them), which becomes the
        # cache's once written (``write_output``). The cache's own, of the last build, learns only what replaces a
        # file it names: a new file's entry in both was a second dict of a cold build's hundred thousand files.
        self.index: dict[str, bytes] = {}
        # What output/ holds: files by (size, mtime), and folders; files still as the output index says they
        # were written are intact.
        self.present, self.folders = (present[0], set(present[1])) if cache is not None else ({}, set())
        known = cache.index if cache is not None else {}
        self.intact = {r for r, st in self.present.items() if r in known and entry_stat(known[r]) == st}
        self._writer: ThreadPoolExecutor | None = None
        self._pending: deque[tuple[str, str, Future]] = deque()
        # Files written under temporary names, to be renamed into place once all are written. A file new to
        # output/ by its relative path alone, the very string the output index is keyed by: its temporary name
        # follows from it (``_staged``), and a record per file (a tuple, its temporary name as text) weighed two
        # hundred bytes, twenty megabytes on a cold build of 10,000 articles.
        self._new: list[str] = []
        # A file that replaces one output/ holds: (temporary file, its place, and for the output index the
        # relative path and digest, or None when already recorded).
        self._renames: list[tuple[str, Path, str | None, str]] = []
        self._made: list[str] = []      # folders made for them (in output/: relative), removed if the write fails
        self._root = os.fspath(out)
        self._token = secrets.token_hex(4)          # names this write's temporary files
        # While ``inline``: the entries of the new files written, on disk (``smmgen.build.spilled_index``).
        self._spilled: SpilledIndex | None = None

    @property
    def inline(self) -> bool:
        """New files are written by the caller's thread, not a writer's, and their entries kept on disk until
        this is set back to False (``smmgen.build.early``: while the cards are drawn)."""
        return self._spilled is not None

    @inline.setter
    def inline(self, on: bool) -> None:
        if on and self._spilled is None:
            self._spilled = SpilledIndex()
        elif not on and self._spilled is not None:
            self._unspill()

    def _unspill(self) -> None:
        """The entries kept on disk, into the output index (as if put there as written) and the new files."""
        spilled = self._spilled
        assert spilled is not None
        index, new = self.index, self._new
        for relative, entry in spilled.items():
            if relative not in index:
                new.append(relative)
            index[relative] = entry
        # (Only now: should the file fail to read back, ``discard`` still finds in it what to remove.)
        self._spilled = None
        spilled.close()

    def keep(self, relatives: Sequence[str]) -> bool:
        """Keep these files as the last build wrote them, if every one of them still is."""
        if self.cache is None or not all(r in self.intact for r in relatives):
            return False
        for relative in relatives:
            self.written.add(os.path.join(self.out, relative))
            self.index[relative] = self.cache.index[relative]
        return True

    def put(self, path: Path, data: bytes | Iterable[bytes]) -> bytes | None:
        """Write ``data`` to ``path`` (see the class); returns the output index entry of a new file written while
        ``inline``, whose entry is kept on disk until then."""
        if self.cache is None:
            self.written.add(path)          # for ``prune``; with a cache, ``finish`` knows from the index
        if data is STAGED:
            return                          # written already, and recorded (``smmgen.build.early``)
        if data is UNCHANGED and self.cache is not None:
            relative = self._relative(path)
            self.index[relative] = self.cache.index[relative]
            return
        if not isinstance(data, bytes):
            relative = self._relative(path)
            self._parent(path, relative)
            changed = stream_to(path, self.out, data, self.cache, durable=False, defer=self._renames)
            self.changed += changed
            if self.cache is not None and not changed:
                self.index[relative] = self.cache.index[relative]
            return
        if self.cache is None:
            self.changed += self._replace(path, self._relative(path), data, None, durable=True)
            return
        relative = self._relative(path)
        digest = hashlib.sha256(data).hexdigest()
        made = self.index.get(relative)
        if made is None and self._spilled is not None:
            made = self._spilled.get(relative)
        if made is not None and relative not in self.present:
            # A new file put already while the cards were drawn (``smmgen.build.early``): written again only if
            # its bytes are not these.
            if entry_digest(made) != digest:
                self._restage(path, relative, data, digest)
            return
        if relative in self.intact and entry_digest(self.cache.index[relative]) == digest:
            self.index[relative] = self.cache.index[relative]
            return
        # No fsync: the output index records size and mtime, so a write lost in a crash is noticed and redone.
        if relative not in self.present and self._spilled is not None:
            # While the cards are drawn (``smmgen.build.early``) both cores are busy drawing: a writer thread would
            # only add its hand-overs.
            tmp = self._temporary(path)
            try:
                made = self._new_file(tmp, path, relative, data)
            except BaseException:
                _unlink(tmp)                # not listed yet: a failed write leaves nothing behind
                raise
            self.changed += 1
            entry = index_entry(*made, digest)
            self._spilled.add(relative, entry)
            return entry
        if relative not in self.present:
            # A new file: created by a writer thread while this one renders the next (on a cold build, creating
            # ten thousand files is seconds of the kernel's time, which the other core can spend).
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1)
            tmp = self._temporary(path)
            self._new.append(relative)          # listed before it is made: a failed write leaves nothing behind
            self._pending.append((relative, digest, self._writer.submit(self._new_file, tmp, path, relative, data)))
            if len(self._pending) > PENDING:      # a writer that lags must not gather the site's files in memory
                self._settle(self._pending.popleft())
            return
        changed = self._replace(path, relative, data, digest, durable=False)
        self.changed += changed
        if not changed:
            self.cache.wrote(relative, path, digest)
            self.index[relative] = self.cache.index[relative]

    def _restage(self, path: Path, relative: str, data: bytes, digest: str) -> None:
        """Write a new file put already (its temporary file settled) again, with other bytes."""
        made = _create_anew(self._temporary(path), data, durable=False)
        if self._spilled is not None and relative not in self.index:
            self._spilled.add(relative, index_entry(*made, digest))
        else:
            self.index[relative] = index_entry(*made, digest)

    def _replace(self, path: Path, relative: str, data: bytes, digest: str | None, durable: bool) -> int:
        """Write ``data`` to a temporary file that is to replace ``path``, unless ``path`` holds it already;
        returns 1 when it is to change."""
        try:
            st = path.lstat()          # a link is replaced, not taken for the file it leads to
            if stat.S_ISREG(st.st_mode) and st.st_size == len(data) and path.read_bytes() == data:
                return 0
        except FileNotFoundError:
            pass
        self._parent(path, relative)
        tmp = self._temporary(path)
        # Listed before it is made: a write that fails halfway leaves nothing behind.
        self._renames.append((tmp, path, relative if digest is not None else None, digest or ""))
        _create_anew(tmp, data, durable)
        os.chmod(tmp, 0o644)
        return 1

    def _relative(self, path: Path) -> str:
        """``path``'s place in output/, as the output index names it (``path.relative_to(out).as_posix()``,
        without making Paths: ten thousand files a cold build)."""
        text = os.fspath(path)
        root = self._root
        if text.startswith(root) and text[len(root):len(root) + 1] == "/" and len(text) > len(root) + 1:
            return text[len(root) + 1:]
        return path.relative_to(self.out).as_posix()

    def _temporary(self, path: Path) -> str:
        folder, name = os.path.split(os.fspath(path))
        return os.path.join(folder, f".{name}.{self._token}.tmp")

    def _staged(self, relative: str) -> str:
        """The temporary name (``_temporary``) of the new file ``relative``."""
        folder, _, name = relative.rpartition("/")
        return os.path.join(self._root, folder, f".{name}.{self._token}.tmp")

    def _new_file(self, tmp: str, path: Path, relative: str, data: bytes) -> tuple[int, int]:
        # Its size and mtime are those of the file renamed into place: a rename keeps the inode.
        self._parent(path, relative)
        return _create_anew(tmp, data, durable=False)

    def commit(self) -> None:
        """Rename the files written into place (the whole write succeeded), recording the replacements."""
        self.inline = False
        root, staged = self._root, self._staged
        for n, relative in enumerate(self._new):
            try:
                os.replace(staged(relative), os.path.join(root, relative))
            except BaseException:
                del self._new[:n]
                self.discard()
                raise
        self._new.clear()
        for n, (tmp, path, relative, digest) in enumerate(self._renames):
            try:
                os.replace(tmp, path)
            except BaseException:
                del self._renames[:n]
                self.discard()
                raise
            if relative is not None:
                self.cache.wrote(relative, path, digest)  # type: ignore[union-attr]
                self.index[relative] = self.cache.index[relative]  # type: ignore[union-attr]
        self._renames.clear()

    def discard(self) -> None:
        """After a failed write: remove its temporary files and the folders made for them; output/ is as it
        was."""
        self.stop()
        if self._spilled is not None:
            self._new.extend(relative for relative, _ in self._spilled.items())
            self._spilled.close()
            self._spilled = None
        for tmp in [*map(self._staged, self._new), *(pending[0] for pending in self._renames)]:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        self._new.clear()
        self._renames.clear()
        for folder in sorted({os.path.join(self._root, f) for f in self._made}, key=lambda f: -f.count(os.sep)):
            try:
                os.rmdir(folder)
            except OSError:
                pass

    def settle(self) -> None:
        """Record the new files the writer thread has been handed so far, once written."""
        while self._pending:
            self._settle(self._pending.popleft())

    def flush(self) -> None:
        """Wait for the new files handed to the writer thread, and record them."""
        if self._writer is None:
            return
        try:
            while self._pending:
                self._settle(self._pending.popleft())
        finally:
            self.stop()

    def stop(self) -> None:
        """Let the writer thread finish the file it is writing and drop the rest (the write failed)."""
        if self._writer is not None:
            self._writer.shutdown(cancel_futures=True)
            self._writer = None
            self._pending.clear()

    def _settle(self, pending: tuple[str, str, Future]) -> None:
        relative, digest, made = pending
        self.changed += 1
        self.index[relative] = index_entry(*made.result(), digest)

    def finish(self, cards: set[str]) -> OutputListing:
        """Remove what output/ held before this write and no longer should (the listing taken at the start
        says what that is: no second walk of output/), and return what output/'s build folders and manifest
        now hold, by relative path with (size, mtime_ns), as ``output.listing`` would find it."""
        assert self.cache is not None
        others = {}
        for relative in cards:
            st = self.present.get(relative)
            if st is None:
                info = os.stat(os.path.join(self.out, relative))
                st = (info.st_size, info.st_mtime_ns)
            others[relative] = st
        now = OutputListing(self.index, others)
        emptied = set()
        for relative in [r for r in self.present if r not in now]:
            os.unlink(os.path.join(self.out, relative))
            emptied.add(relative.rpartition("/")[0])
        # Folders left empty, deepest first (a parent may empty only once its children are gone).
        for folder in sorted(_with_parents(emptied), key=lambda f: -f.count("/")):
            path = os.path.join(self.out, folder)
            if folder not in OUTPUT_SUBDIRS and os.path.isdir(path) and not os.listdir(path):
                os.rmdir(path)
        return now

    def _parent(self, path: Path, relative: str) -> None:
        """Make ``path``'s folder if need be, noting the folders made."""
        folder = relative.rpartition("/")[0]
        if folder in self.folders:
            return
        missing, parent, rel = [], path.parent, folder
        while not parent.is_dir():
            # Relative to output/ (the first one the very text ``folders`` keeps): a Path weighs several times more.
            missing.append(rel or os.fspath(parent))
            parent, rel = parent.parent, rel.rpartition("/")[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        self._made.extend(missing)
        self.folders.add(folder)


class OutputListing(MutableMapping):
    """What output/'s build folders and manifest hold as a write left them, by relative path with (size,
    mtime_ns): the write's output index, read through rather than copied (a tuple a file, made once the write
    ended, was 12 MB at 10,000 articles), the other files (cards, media) on the side, and the changes made since
    (``smmgen serve`` keeps it up to date with each edit)."""

    def __init__(self, index: Mapping[str, bytes], others: dict[str, tuple[int, int]]):
        self._index = index
        self._others = others
        self._gone: set[str] = set()

    def __getitem__(self, relative: str) -> tuple[int, int]:
        known = self._others.get(relative)
        if known is not None:
            return known
        if relative in self._gone:
            raise KeyError(relative)
        return entry_stat(self._index[relative])

    def __contains__(self, relative: object) -> bool:
        return relative in self._others or (relative in self._index and relative not in self._gone)

    def __setitem__(self, relative: str, value: tuple[int, int]) -> None:
        self._others[relative] = value

    def __delitem__(self, relative: str) -> None:
        if relative not in self:
            raise KeyError(relative)
        self._others.pop(relative, None)
        if relative in self._index:
            self._gone.add(relative)

    def __iter__(self) -> Iterator[str]:
        yield from self._others
        others, gone = self._others, self._gone
        for relative in self._index:
            if relative not in others and relative not in gone:
                yield relative

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def items(self) -> ItemsView[str, tuple[int, int]]:
        return _ListedItems(self)

    def _items(self) -> Iterator[tuple[str, tuple[int, int]]]:
        # Without a lookup a file (the listing digest goes through a hundred thousand of them).
        others, gone = self._others, self._gone
        yield from others.items()
        for relative, known in self._index.items():
            if relative not in others and relative not in gone:
                yield relative, entry_stat(known)


class _ListedItems(ItemsView):
    def __iter__(self) -> Iterator[tuple[str, tuple[int, int]]]:
        return self._mapping._items()


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _create_anew(tmp: str, data: bytes, durable: bool) -> tuple[int, int]:
    """``create`` a temporary file; one of the same name left by a killed write is replaced."""
    made = create(tmp, data, durable=durable)
    if made is None:
        os.unlink(tmp)
        made = create(tmp, data, durable=durable)
        if made is None:
            raise FileExistsError(tmp)
    return made


def _article_files(result: BuildResult, same: set[str], sink: PendingWrites,
                   early: Any = None) -> Iterator[tuple[Path, bytes]]:
    """Each article's cut texts and Open Graph snippet; those of an article in ``same`` (its output unchanged
    since the last write) only where the files are no longer as written, and none of an article whose files
    were written while the cards were drawn from the very values it has now (``early``: the
    ``smmgen.build.early.EarlyWrite``)."""
    out = result.site.output_dir
    og_cards: dict[str, Any] = {}
    for req, card in result.cards.items():
        if req.target == "og":
            og_cards.setdefault(req.source, card)
    by_source = {o.article.source: o for o in result.outputs}
    for article in result.articles:
        output = by_source.get(article.source)
        cuts = output.cuts if output is not None else ()
        og = f"og/{article.key}.html"
        if article.source in same and sink.keep([*(f"cuts/{c.slug}/{cut_file_name(c)}" for c in cuts), og]):
            continue
        if early is not None and early.made_from(article, cuts, og_cards.get(article.source)):
            continue
        for cut in output.whole_cuts() if output is not None else ():
            yield out / "cuts" / cut.slug / cut_file_name(cut), cut_text_file(cut)
        yield out / og, og_snippet(article, result.site, og_cards.get(article.source))


def cut_file_name(cut) -> str:
    """``<platform>.txt`` for a default account's cut, ``<platform>.<account>.txt`` for another account's."""
    if not cut.account or cut.account == cut.platform:
        return f"{cut.platform}.txt"
    return f"{cut.platform}.{cut.account}.txt"


# --- the other files -----------------------------------------------------------------------------------------------

def _with_parents(folders: set[str]) -> set[str]:
    out = set()
    for folder in folders:
        while folder and folder not in out:
            out.add(folder)
            folder = folder.rpartition("/")[0]
    return out


def cut_text_file(cut: Cut) -> bytes:
    return ("\n\n--- ✂ ---\n\n".join(cut.parts) + "\n").encode()


def og_snippet(article: Article, site: Site, card=None) -> bytes:
    """Open Graph / Twitter meta tags for the article page, so scraping platforms show our card (``card``: the
    article's og card, if it has one): ``smmgen.build.og``'s tag set, which an integrated site's data file holds too."""
    return og_html(og_tags(article, site, card)).encode()
