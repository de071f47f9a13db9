"""The build as ``smmgen build`` runs it: nothing to do when no input changed, else a build that reuses the
cache, writes output/ and records what it wrote.

"No input changed" is decided from content hashes, never from times alone: the fingerprint of smmgen, its
dependencies, the config and the layouts (``cache.fingerprint``), the bytes of every article file, the
publisher's ledger (the plan reads it), and the stat of every other file the last build read (heroes,
avatars). Even then the build is skipped only when output/ still holds exactly the files that build wrote.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from smmgen.build import edit_index, heap, staging
from smmgen.build.cache import BuildCache, BuildState, check_folder, fingerprint, load_state
from smmgen.build.edit_index import EditIndex
from smmgen.build.integration import intact, integrate
from smmgen.config.site import Site
from smmgen.content.discovery import DRAFTS
from smmgen.content.discovery import counts as skip_counts
from smmgen.errors import ConfigError, SmmgenError
from smmgen.output_files import listing, listing_sum, survey
from smmgen.site_files import inside, read_bytes

# smmgen.build.pipeline.OUTPUT_SUBDIRS and smmgen.plan.ledger_times.DEFAULT_LEDGER, without importing either (tests
# check they agree): a build with nothing to do imports neither Jinja nor Markdown nor the platforms.
SUBDIRS = ("cuts", "cards", "og", "preview", "media", "manifest")
LEDGER = ".smmgen/ledger.json"


@dataclass(frozen=True)
class Summary:
    """What the CLI reports about a build; kept in the cache so a skipped build reports the same."""

    site_name: str
    output: str                                   # output dir as shown, relative to the site
    articles: int
    drafts: int
    platforms: tuple[tuple[str, int], ...]        # enabled platforms in site order, with their cut counts
    cards: int                                    # distinct card files
    latest: tuple[dt.datetime, ...]               # per article with cuts: its last publish_at
    warnings: tuple[tuple[str, str, str], ...]    # (source, platform, warning)
    entries: int
    skipped: tuple[tuple[str, int], ...] = ()     # (reason, files) for files under content_dir that are no
                                                  # article, drafts included (smmgen.content.discovery.REASONS)

    def scheduled(self, now: dt.datetime) -> int:
        """Articles with a post not yet due at ``now``."""
        return sum(1 for when in self.latest if when > now)


@dataclass(frozen=True)
class Outcome:
    summary: Summary | None                       # None when the build failed
    changed: int                                  # files written
    errors: tuple[SmmgenError, ...]
    skipped: bool                                 # nothing changed: output/ was left as it was
    # The build cache as saved, for a process that builds the site again (``build_site``'s ``held``).
    cache: BuildCache | None = field(default=None, compare=False, repr=False)
    edited: bool = False                          # the edit path (``smmgen.build.edit``) made it
    # What the edit path changed in output/: (relative path, its new (size, mtime_ns), None when removed).
    touched: tuple[tuple[str, tuple[int, int] | None], ...] = field(default=(), compare=False, repr=False)
    # The edit index as saved, for a process that builds the site again (``build_site``'s ``held_index``).
    index: EditIndex | None = field(default=None, compare=False, repr=False)


def summarize(result) -> Summary:
    site = result.site
    counts: dict[str, int] = {}
    latest: dict[str, dt.datetime] = {}
    for cut in result.cuts:
        counts[cut.platform] = counts.get(cut.platform, 0) + 1
        if cut.source not in latest or cut.publish_at > latest[cut.source]:
            latest[cut.source] = cut.publish_at
    return Summary(
        site_name=site.name,
        output=site.rel(site.output_dir) or ".",
        articles=len(result.articles),
        drafts=len(result.drafts),
        platforms=tuple((p.name, counts.get(p.name, 0)) for p in site.platforms),
        cards=len({c.path for c in result.cards.values()}),
        latest=tuple(latest[a.source] for a in result.articles if a.source in latest),
        warnings=tuple((w.source, w.platform, w.message) for w in result.warnings),
        entries=len(result.cuts),                 # one entry per cut
        skipped=skip_counts([reason for _, reason in result.skipped] + [DRAFTS] * len(result.drafts)),
    )


def build_site(site: Site, *, workers: int | None = None, use_cache: bool = True,
               progress: Callable[[str, int, int], None] | None = None, held: BuildCache | None = None,
               hold: bool = False, held_index: EditIndex | None = None) -> Outcome:
    """Build and write output/ (see ``smmgen.build.pipeline``); with ``use_cache``, skip or reuse unchanged work.
    ``progress`` hears each stage as it goes (``smmgen.build.pipeline.Progress``). ``held``: the cache the last
    build of this site in this process saved (``Outcome.cache``), used instead of reading the cache files again
    while they are still the ones it saved (``smmgen serve`` builds again on every edit); ``hold``: hand the cache
    back even when nothing changed (read then, so that the next edit does not wait for it); ``held_index``: the
    edit index the last build saved (``Outcome.index``), the same way.

    output/ (or the cache) being a file, or a folder smmgen cannot write in, is a ConfigError naming it."""
    with writing_output(site):
        return _build_site(site, workers=workers, use_cache=use_cache, progress=progress, held=held, hold=hold,
                           held_index=held_index)


@contextmanager
def writing_output(site: Site) -> Iterator[None]:
    """Turns output/ (or the cache) being a file, or a folder smmgen cannot write in, into a ConfigError that
    names it, for any command that builds and writes."""
    if site.output_dir.exists() and not site.output_dir.is_dir():
        raise ConfigError(site.rel(site.output_dir), None, "is a file, not a folder: smmgen writes its output "
                                                           "there; move the file away")
    try:
        yield
    except OSError as e:
        problem = _unwritable(site, e)
        if problem is None:
            raise
        raise problem from None


def _unwritable(site: Site, e: OSError) -> SmmgenError | None:
    """The error to show for ``e`` when it is about a file in output/ or the build cache, else None."""
    if not isinstance(e.filename, str):
        return None
    path = Path(os.path.abspath(e.filename))
    for folder in (site.output_dir, site.root / ".smmgen"):
        if not path.is_relative_to(folder):
            continue
        # A file where a folder is needed (output/cards a file): name that file, not the one to be written in it.
        for part in (path, *path.parents):
            if part == folder.parent:
                break
            if part.exists() and not part.is_dir() and (part != path or e.errno == errno.EEXIST):
                return ConfigError(site.rel(part), None, "is a file where smmgen needs a folder; move it away")
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            path = path.parent                  # the temporary file a write goes through: name its folder
        return ConfigError(site.rel(path), None, f"cannot write: {e.strerror or e} (smmgen needs "
                                                 f"{site.rel(folder)}/ and the folders in it to be writable)")
    return None


def _build_site(site: Site, *, workers: int | None, use_cache: bool,
                progress: Callable[[str, int, int], None] | None, held: BuildCache | None,
                hold: bool = False, held_index: EditIndex | None = None) -> Outcome:
    check_folder(site)                        # the cache and the staging folder, with or without the cache
    if not use_cache:
        from smmgen.build.pipeline import build, write_output

        edit_index.forget(site)               # output/ changes behind the cache's back

        result = build(site, workers=workers, progress=progress)
        if result.errors:
            staging.keep_only(site, result.staged)
            return Outcome(None, 0, result.errors, False)
        if progress is not None:
            progress("writing", 0, 0)
        return Outcome(summarize(result), write_output(result) + integrate(result), (), False)

    env = fingerprint(site)
    if held is not None and not held.held(env):
        held = None
    state = held.state if held is not None else load_state(site, env)
    # An edit, if this is one, makes its articles in a process started now, which loads the code while this one
    # reads the edit index and finds the changed files; stopped unasked once they are none, or when the build
    # builds in full.
    helper = None
    if state is not None:
        from smmgen.build.edit import start_helper

        helper = start_helper(site)
    try:
        index = None
        if state is not None:
            index = held_index if held_index is not None and held_index.held(env) else edit_index.load(site, env)
        started = edit_index.now_ns()
        stats: dict[str, tuple[tuple[int, int, int], str]] = {}
        # Before building: an edit made meanwhile is seen next time.
        stamps: dict[str, tuple[int, int, int]] = {}
        before = _content_hashes(site, index, stats, stamps)
        others = _other_inputs(site, state.read, stamps) if state is not None else None
        del stamps
        same = state is not None and _inputs(site, env, before, state.read, others) == state.inputs
        if same and helper is not None:
            helper.stop()                   # before output/ is walked: the machine is this build's again
        if same and _unchanged(site, state):
            staging.discard(site)                     # what a build killed since left there: output/ has it all
            if held is None and hold:
                held = BuildCache.load(site, env)
                held.state = state
            if index is not None:
                index.restat(stats, started)        # files touched but not changed are not read again next time
            return Outcome(state.summary, 0, (), True, held, index=index)
        if not same and index is not None:
            from smmgen.build.edit import edit_build

            edited = edit_build(site, env, state, index, before, stats, started, others, helper)
            if edited is not None:
                outcome, index, state = edited
                if held is not None:
                    held.state = state
                    if held.files is not None:          # output/ as it now is, for ``smmgen serve``
                        for relative, now in outcome.touched:
                            if now is None:
                                held.files.pop(relative, None)
                            else:
                                held.files[relative] = now
                return replace(outcome, cache=held, index=index)
    finally:
        if helper is not None:
            helper.stop()
    # From here on output/ changes: the edit index no longer says what it holds.
    edit_index.forget(site)
    # Imported here: a build with nothing to do needs neither Jinja nor Pillow.
    from smmgen.build.pipeline import build, discard_early, write_output

    cache = held if held is not None else BuildCache.load(site, env)
    cache.saved_as = cache.files = None       # changed from here on: held again only once saved
    # One listing of output/ serves the build (are cached cards still there?) and the writer (what is intact).
    cache.present = survey(site.root, site.output_dir, SUBDIRS)
    markdown = _markdown_suffixes(site)
    hashes = {path: sha for path, sha in before
              if path.lower().endswith(markdown) and sha not in ("unreadable", "outside")}
    result = build(site, workers=workers, cache=cache, hashes=hashes, progress=progress, write_early=True)
    if result.errors:
        discard_early(result)                   # what was written while the cards were drawn goes
        # output/ is left as it was: the cards drawn stay staged for the next try, and the cache, which knows only
        # cards in output/cards, forgets them. What parsed and cut is still good for the next try.
        staging.keep_only(site, result.staged)
        cache.cards = {key: card for key, card in cache.cards.items() if card.path not in result.staged}
        cache.save(None, keep_lines=hold)
        return Outcome(None, 0, result.errors, False, cache)
    if progress is not None:
        progress("writing", 0, 0)
    changed = write_output(result, cache=cache) + integrate(result)
    read = sorted({str(a.image) for a in (*result.articles, *result.drafts) if a.image} | set(_avatars(site))
                  | set(_video_files(result.articles)))
    inputs = _inputs(site, env, before, read)
    summary = summarize(result)
    # What the write left in output/: it knows without walking output/ again.
    outputs = listing_digest(cache.files if cache.files is not None else output_listing(site.output_dir))
    # A hero looked for and not found (a warning) may appear anywhere in the site: such a build is never skipped.
    from smmgen.content.article_media import looked_for_in_vain

    looked = any(looked_for_in_vain(a) for a in (*result.articles, *result.drafts))
    heap.give_back()                    # what the write let go of: the cache's files are made in its place
    cache.save(None if looked else BuildState(inputs=inputs, read=tuple(read), outputs=outputs, summary=summary),
               keep_lines=hold)
    index = None
    if not looked:
        heap.give_back()
        index = edit_index.save_full(site, env, result, cache, stats, inputs, started, cache.preview)
    return Outcome(summary, changed, (), False, cache, index=index)


def _unchanged(site: Site, state: BuildState) -> bool:
    """output/ is as the last build, whose inputs were the same, left it."""
    # The files the site's generator reads (``smmgen.build.integration``) too: a card deleted there is copied again.
    return output_digest(site.output_dir) == state.outputs and intact(site)


def _content_hashes(site: Site, known: EditIndex | None = None,
                    stats: dict[str, tuple[tuple[int, int, int], str]] | None = None,
                    stamps: dict[str, tuple[int, int, int]] | None = None) -> list[tuple[str, str]]:
    """Every file under content/: articles by the sha256 of their bytes, other files (images) by stat, so that
    an image added where an article's relative reference would now find it counts as a change too. An article
    whose stat ``known`` recorded with its sha256 is not read again; ``stats`` gets each article read: its stat
    (taken before reading it) and sha256; ``stamps`` the stat of each other file (``_other_inputs`` takes a
    hero's from it instead of asking again)."""
    out = []
    # Below a content/ inside the site only a file that is itself a link can lead outside (one lstat, where
    # resolving every path would cost a fifth of a build with nothing to do).
    content_inside = inside(site.content_dir, site.root) is not None
    markdown = _markdown_suffixes(site)
    for entry in _files_under(os.fspath(site.content_dir)):
        path, name = entry.path, entry.name
        if not name.lower().endswith(markdown):
            try:
                st = entry.stat()
                stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
            except OSError:
                stamp = (-1, 0, 0)
            out.append((path, str(stamp)))
            if stamps is not None:
                stamps[path] = stamp
            continue
        try:
            st = entry.stat(follow_symlinks=False)      # before reading: a change meanwhile shows next time
        except OSError:
            st = None
        link = st is not None and stat.S_ISLNK(st.st_mode)
        if (not content_inside or link) and inside(path, site.root) is None:
            out.append((path, "outside"))     # never read: load_article refuses it
        else:
            try:
                if st is None or link:
                    st = os.stat(path)
                now = (st.st_size, st.st_mtime_ns, st.st_ino)
                sha = known.known_sha(path, now) if known is not None else None
                if sha is None:
                    with open(path, "rb") as f:
                        sha = hashlib.sha256(f.read()).hexdigest()
                out.append((path, sha))
                if stats is not None:
                    stats[path] = (now, sha)
            except OSError:
                out.append((path, "unreadable"))
    return out


def _files_under(top: str, out: list[os.DirEntry] | None = None) -> list[os.DirEntry]:
    """The files under ``top`` in the order ``os.walk`` (top-down, names sorted) lists them, as directory
    entries (their paths made while listing, the link test without asking the file system). Like ``os.walk``,
    a link to a folder is neither a file nor followed, and a folder that cannot be listed is passed over."""
    out = [] if out is None else out
    try:
        with os.scandir(top) as listing:
            entries = list(listing)
    except OSError:
        return out
    files, folders = [], []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        (folders if is_dir else files).append(entry)
    files.sort(key=_name)
    out += files
    folders.sort(key=_name)
    for folder in folders:
        if not folder.is_symlink():
            _files_under(folder.path, out)
    return out


def listing_key(top: str, path: str) -> tuple[tuple[int, str], ...]:
    """Where ``_files_under(top)`` lists the file ``path`` (below ``top``): sorting by this key gives its order
    (in each folder its files by name, then its folders by name)."""
    parts = path[len(top):].lstrip(os.sep).split(os.sep)
    return (*((1, part) for part in parts[:-1]), (0, parts[-1]))


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _markdown_suffixes(site: Site) -> tuple[str, ...]:
    return tuple("." + ext for ext in site.content_rules.markdown_extensions)


def _video_files(articles) -> Iterable[str]:
    """The clips, posters and captions the articles name: a changed clip is a change to build."""
    for article in articles:
        video = article.video
        if video is not None:
            yield from (str(p) for p in (video.src, video.poster, video.captions) if p is not None)


def _avatars(site: Site) -> Iterable[str]:
    for settings in site.platforms:
        avatar = settings.get("avatar")
        if avatar:
            yield str((site.root / avatar).resolve())


def _inputs(site: Site, env: str, contents: list[tuple[str, str]], read: Iterable[str],
            others: bytes | None = None) -> str:
    """The fingerprint of everything a build reads; ``others``: ``_other_inputs(site, read)`` when the caller
    has it already."""
    digest = hashlib.sha256(env.encode())
    digest.update("".join(f"{path}\0{sha}\n" for path, sha in contents).encode())
    digest.update(others if others is not None else _other_inputs(site, read))
    return digest.hexdigest()


def _other_inputs(site: Site, read: Iterable[str], stamps: Mapping[str, tuple[int, int, int]] | None = None) -> bytes:
    """What ``_inputs`` hashes besides content/: the stat of every other file read, and the ledger's bytes.
    ``stamps``: stats just taken (``_content_hashes``: the heroes under content/), by path."""
    parts = []
    stamps = stamps or {}
    for path in read:
        known = stamps.get(path)
        if known is not None:
            parts.append(f"{path}\0{known}\n")
            continue
        try:
            st = os.stat(path)
            parts.append(f"{path}\0{(st.st_size, st.st_mtime_ns, st.st_ino)}\n")
        except OSError:
            parts.append(f"{path}\0{(-1, 0, 0)}\n")
    ledger = site.root / (site.publish.get("ledger") or LEDGER)
    try:
        # A ledger linked outside the site is never read: the plan refuses it (smmgen.plan.ledger_times.published_times).
        tail = hashlib.sha256(read_bytes(ledger, site.root, SmmgenError)).digest()
    except FileNotFoundError:
        tail = b"no ledger"
    except SmmgenError:
        tail = b"outside"
    return "".join(parts).encode() + tail


def listing_digest(files: Mapping[str, tuple[int, int]]) -> str:
    """A hash of what output/ holds (``output_listing``): every file's relative path, size and mtime. It is a
    sum of one hash per file (``edit_index.file_hash``), so that the edit path can move it by the files it
    changed without listing output/."""
    return edit_index.as_digest(edit_index.listing_sum(files.items()))


def output_digest(output_dir: Path) -> str:
    """``listing_digest(output_listing(output_dir))``, without making the listing."""
    total = listing_sum(output_dir, SUBDIRS)
    try:
        st = os.stat(output_dir / "manifest.json")
        total += edit_index.file_hash("manifest.json", st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        pass
    return edit_index.as_digest(total)


def output_listing(output_dir: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every file a build writes in output/ (its build folders and the manifest), by relative
    path. The writer leaves a file whose bytes are unchanged alone, so a file whose pair differs from the last
    build's is one the build changed."""
    out, _folders = listing(output_dir, SUBDIRS)
    try:
        st = os.stat(output_dir / "manifest.json")
        out["manifest.json"] = (st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        pass
    return out
