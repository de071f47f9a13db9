"""A large site's articles, planned cuts and card requests kept on disk while the cards are drawn.

Drawing a large site's cards takes minutes, in the worker processes; the build process meanwhile writes each
article's files as its cards come in (``smmgen.build.early``), one article at a time. Held in memory, every
article's planned cuts, card requests, the article itself (without its body) and its held texts were most of
what the build process weighed while the workers drew (at 10,000 articles some 90 MB, beside two workers).
``ArticleSpill`` keeps them instead as one record per article in an unnamed temporary file (no name on disk:
nothing else can open it, and it goes when closed or when the process ends), with a packed offset and length
per article in memory; the early writer reads an article's record back when it writes it, and the build reads
them all back once drawing is over.

Only articles cut by this build's worker processes are spilled (those whose cuts the cache's records hold stay
with the cache's very objects, which ``Prepared.remember`` compares by identity), and only on a site with many
cuts (``SPILL_MIN_CUTS``): on a small one, writing and reading the records back costs more than the memory is
worth. The output is the same either way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import pathlib
import pickle
import struct
import tempfile
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from typing import IO, Any

from smmgen.build.cache import _mappingproxy  # also registers how read-only mappings are pickled
from smmgen.build.held_cuts import HeldCuts, held_again
from smmgen.build.shared_values import Shared

SPILL_MIN_CUTS = 20_000
"""Cuts at least (of the articles this build cut) on a site whose articles are spilled while the cards are drawn
(1,000 articles have some 8,000 cuts; the plan is rendered during drawing below this, see
``smmgen.build.early.PLAN_AHEAD_CUTS``)."""

_WHERE = struct.Struct("<QI")       # a record's offset and length


class ArticleSpill:
    """One record per article (``put``) in an unnamed temporary file; ``get`` reads one back. One per build."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()
        self._size = 0
        self._where: dict[str, bytes] = {}      # source -> its record's offset and length, packed

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, source: object) -> bool:
        return source in self._where

    def put(self, source: str, record: tuple) -> None:
        data = pickle.dumps(record, pickle.HIGHEST_PROTOCOL)
        self._file.write(data)
        self._where[source] = _WHERE.pack(self._size, len(data))
        self._size += len(data)

    def get(self, source: str) -> tuple:
        """The record ``put`` for ``source``, as new objects equal to those put."""
        offset, length = _WHERE.unpack(self._where[source])
        self._file.flush()
        return _Values(io.BytesIO(os.pread(self._file.fileno(), length, offset))).load()

    def close(self) -> None:
        self._file.close()
        self._where = {}

    def bytes_held(self) -> int:
        """What the records take on disk (not in memory)."""
        return self._size


def cards_asked(requests: Iterable[tuple]) -> int:
    """The number of distinct cards (equal requests are one card) that cuts with these ``requests`` ask for."""
    return len({req for reqs in requests for req in reqs})


def to_spill(cuts: Sequence[Any], held: HeldCuts) -> frozenset[str]:
    """The articles to spill while the cards are drawn: those whose texts ``held`` has (cut by this build's
    worker processes), when their cuts are ``SPILL_MIN_CUTS`` or more; else none."""
    if len(cuts) < SPILL_MIN_CUTS or len(held) == 0:
        return frozenset()
    sources = frozenset(c.source for c in cuts if c.source in held)
    if sum(1 for c in cuts if c.source in sources) < SPILL_MIN_CUTS:
        return frozenset()
    return sources


class Spilled:
    """The build's articles (in their order), planned cuts and card requests while the cards are drawn: those of
    the articles in the spill as their sources only, the others as they are. ``restore`` gives them all back."""

    def __init__(self, spill: ArticleSpill, articles: list, runs: list, kept: dict[str, tuple], held: HeldCuts,
                 asked: dict[str, int] | None = None, posting: tuple = ()):
        self.spill = spill
        self.held = held
        # Per article, in order: its source (spilled), or the article itself (kept: a draft, or an article whose
        # cuts the cache holds).
        self.articles = articles
        # Per run of an article's cuts, in order: its source (spilled), or (cuts, requests) kept.
        self.runs = runs
        self._kept = kept           # source -> (article, cuts, requests) of the kept articles with cuts
        # Per article with cuts, the number of distinct cards its cuts ask for (``cards_asked``): what the early
        # writer waits for.
        self.asked = asked if asked is not None else {}
        # A planned cut of each account that posts (in order of first appearance).
        self.posting = posting

    @classmethod
    def of(cls, articles: Sequence[Any], runs: Iterable[tuple[str, tuple, tuple]], spilled: Set[str],
           extra: Callable[[str], tuple | None], held: HeldCuts) -> Spilled:
        """``articles`` (every one, drafts too) and ``runs``: each article's source, planned cuts and their
        requests (in article order; ``pipeline.planned_runs``, which plans each as it is asked for), those of
        the articles in ``spilled`` put in a new spill, each with its ``extra(source)`` (``Prepared.let_go``:
        its cuts before planning and its texts from ``held``, or None), before the next run is asked for."""
        spill = ArticleSpill()
        by_source = {a.source: a for a in articles}
        kept_runs: list = []
        kept: dict[str, tuple] = {}
        counted: dict[str, int] = {}
        posting: dict[tuple[str, str], Any] = {}
        for source, own, reqs in runs:
            counted[source] = counted.get(source, 0) + cards_asked(reqs)
            for cut in own:
                if (cut.platform, cut.account) not in posting:
                    posting[(cut.platform, cut.account)] = cut
            if source in spilled and source not in spill:
                spill.put(source, (by_source[source], own, reqs, extra(source)))
                kept_runs.append(source)
            else:
                kept_runs.append((own, reqs))
                kept[source] = (by_source[source], own, reqs) if source not in kept else \
                    (by_source[source], kept[source][1] + own, kept[source][2] + reqs)
            del own, reqs
        out = []
        for article in articles:
            if article.source in spilled and not article.draft:
                if article.source not in spill:                  # an article without cuts
                    spill.put(article.source, (article, (), (), extra(article.source)))
                out.append(article.source)
            else:
                out.append(article)
        return cls(spill, out, kept_runs, kept, held, counted, tuple(posting.values()))

    def values(self, source: str) -> tuple[Any, tuple, tuple, HeldCuts]:
        """An article's (article, planned cuts, their requests, the ``HeldCuts`` with their texts), read back
        from the spill when it is there."""
        kept = self._kept.get(source)
        if kept is not None:
            return (*kept, self.held)
        article, cuts, requests, extra = self.spill.get(source)
        texts = extra[1] if extra is not None else None
        return (article, tuple(map(held_again, cuts)), requests,
                self.held.alone(source, texts) if texts is not None else self.held)

    def restore(self, cards: Mapping[Any, Any] | None = None,
                restored: Callable[[str, Any, tuple], None] | None = None) -> tuple[list, list, list, dict[str, Any]]:
        """The articles, planned cuts and requests as ``of`` was given them (equal values, new objects for the
        spilled ones, their repeated values shared again: a request that has a card is the very key ``cards``
        has) and the spilled articles' ``extra`` by source; the spill is closed. ``restored`` is told each
        spilled article with cuts as ``(source, article, cuts)``: the very objects given back, read from the
        record ``values`` read."""
        shared = Shared()
        same = {req: req for req in cards} if cards else {}
        articles = []
        extra: dict[str, Any] = {}
        planned: dict[str, tuple] = {}
        for item in self.articles:
            if isinstance(item, str):
                article, own, reqs, extra[item] = self.spill.get(item)
                articles.append(shared.article(article))
                if own:
                    one = shared.one
                    planned[item] = (tuple(shared.cut(held_again(c)) for c in own),
                                     [one(tuple(same.get(r, r) for r in asked)) for asked in reqs])
                    if restored is not None:
                        restored(item, articles[-1], planned[item][0])
            else:
                articles.append(item)
        cuts: list = []
        requests: list = []
        for run in self.runs:
            own, reqs = planned.pop(run) if isinstance(run, str) else run
            cuts.extend(own)
            requests.extend(reqs)
        self.spill.close()
        self._kept, self.asked, self.posting = {}, {}, ()
        return articles, cuts, requests, extra


class _Values(pickle.Unpickler):
    """Reads back only what a record holds: plain values, read-only mappings, dates, time zones, paths and
    smmgen's value classes. The file is this process's own and has no name; still nothing it names can run
    code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _zone_loader     # a named time zone (an article's date): pickled as its class's ``_unpickle``
        top = module.split(".")[0]
        found = super().find_class(module, name) if top in ("smmgen", "datetime", "pathlib", "zoneinfo") else None
        if (found is _mappingproxy or found in (dt.datetime, dt.date, dt.timedelta, dt.timezone)
                or found in (pathlib.PosixPath, pathlib.PurePosixPath, pathlib.WindowsPath, pathlib.PureWindowsPath)
                or found is zoneinfo.ZoneInfo._unpickle or found is zoneinfo.ZoneInfo
                or isinstance(found, type) and dataclasses.is_dataclass(found)):
            return found
        raise pickle.UnpicklingError(f"a spilled record names {module}.{name}, which is not a value")


def _zone_loader(owner: Any, name: str) -> Any:
    """``getattr`` as a record may use it: only for ``ZoneInfo._unpickle``, which pickle names as
    ``getattr(ZoneInfo, "_unpickle")``."""
    if owner is zoneinfo.ZoneInfo and name == "_unpickle":
        return zoneinfo.ZoneInfo._unpickle
    raise pickle.UnpicklingError(f"a spilled record asks for {owner!r}.{name}, which is not a value")
