"""What the build cache stores about one article, and about the last build: plain frozen values that
``smmgen.build.cache_files`` writes and reads back as data."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smmgen.build.incremental import Summary
    from smmgen.content.article import Article
    from smmgen.platforms.base import Cut

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


# --- what is stored ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleRecord:
    """An article as parsed from one file's bytes, and its cuts before planning."""

    sha: str                                  # of the file's bytes
    deps: tuple[tuple[str, Stamp, str | None], ...]   # other files it read (the hero): stamp, sha256 if known
    article: Article
    cuts: tuple[Cut, ...] | None              # before plan.assign; None: not made yet
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
    # The digest of output/ as written (``smmgen.build.incremental.listing_digest``): a large site's listing is
    # megabytes that a build with nothing to do would read back only to compare
    outputs: str
    summary: Summary                          # what the CLI prints
