"""One published article's share of the output: its planned cuts, the cards they show and its manifest entries.

An incremental build edits one article and leaves the other thousand as they were. Each article's share therefore
carries a ``key``, a hash of every input it is made from; the writer leaves the files, manifest entries and preview
parts of an article whose key is the one it wrote last time as they are, without making them again.

Entries are made once, when first asked for, and shared by the preview and the manifest writer; but not kept in
memory: kept for every article until the manifest is written, they were the largest thing the build of a big
site held. The preview asks first and drops them with the article's page; the lines the manifest will carry go
to a spool file (``EntryLines``) from which the writer copies them.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from smmgen import manifest
from smmgen.build.entries import MediaFile, VideoFile, manifest_entry
from smmgen.build.held_cuts import HeldCuts
from smmgen.content.article import Article
from smmgen.content.dates import epoch_seconds
from smmgen.manifest_model import ManifestEntry
from smmgen.platforms import Cut


class EntryLines:
    """The manifest lines (``manifest.entry_line``, before the ledger settles any) of the articles whose entries
    were made, in an unnamed temporary file, by article: the manifest writer reads each article's back once.
    One per build."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._size = 0
        # source -> where its lines start, then each line's length, packed in one bytes object: an (offset,
        # length) tuple per entry weighed a hundred bytes, 9 MB of the build process at 10,000 articles.
        self._where: dict[str, bytes] = {}

    def put(self, source: str, entries: Sequence[ManifestEntry]) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile()
        start, lengths = self._size, []
        for entry in entries:
            line = manifest.entry_line(entry.json)
            lengths.append(len(line))
            self._file.write(line)
            self._size += len(line)
        self._where[source] = struct.pack(f"<Q{len(lengths)}Q", start, *lengths)

    def take(self, source: str) -> list[bytes] | None:
        """The lines ``put`` for ``source``, forgotten here; None when there are none."""
        where = self._where.pop(source, None)
        if where is None or self._file is None:
            return None
        start, *lengths = struct.unpack(f"<{len(where) // 8}Q", where)
        if not lengths:
            return []
        self._file.flush()
        block = os.pread(self._file.fileno(), sum(lengths), start)
        lines, offset = [], 0
        for length in lengths:
            lines.append(block[offset:offset + length])
            offset += length
        return lines


@dataclass(frozen=True, slots=True)      # one per article, held until the write ends
class ArticleOutput:
    article: Article
    cuts: tuple[Cut, ...]                               # planned, in platform order; slim when ``held``
    media: tuple[tuple[MediaFile | VideoFile, ...], ...]   # each cut's cards or video
    key: str | None = None      # see ``output_key``; None when the build had no cache to compare with
    spool: EntryLines | None = field(default=None, compare=False, repr=False)
    # The texts of ``cuts`` where they are slim (``smmgen.build.held_cuts``): read back by ``whole_cuts``.
    held: HeldCuts | None = field(default=None, compare=False, repr=False)

    def whole_cuts(self) -> tuple[Cut, ...]:
        """``cuts`` with their texts, links and platform data (the article's files and entries show them)."""
        return self.held.full(self.article.source, self.cuts) if self.held is not None else self.cuts

    @property
    def entries(self) -> tuple[ManifestEntry, ...]:
        """The manifest entries of the article's cuts, in cut order; made on each call, their lines kept in
        ``spool`` for the manifest writer (``lines``), which then need not make them again."""
        made = tuple(manifest_entry(cut, self.article, media) for cut, media in zip(self.whole_cuts(), self.media))
        if self.spool is not None:
            self.spool.put(self.article.source, made)
        return made

    def lines(self) -> list[bytes]:
        """Each entry's line as ``manifest.entry_line`` writes it, in cut order: read back from the spool when the
        entries were made already (by the preview), else made now."""
        kept = self.spool.take(self.article.source) if self.spool is not None else None
        if kept is not None and len(kept) == len(self.cuts):
            return kept
        return [manifest.entry_line(e.json)
                for e in (manifest_entry(c, self.article, m) for c, m in zip(self.whole_cuts(), self.media))]


def written_line(line: bytes, entry_id: str, ledger: Mapping[str, tuple[str, str]]) -> bytes:
    """The line (``ArticleOutput.lines``) of the entry ``entry_id`` as the manifest carries it: a stub when the
    ledger settled it (``manifest.as_written``), else as it is."""
    if entry_id not in ledger:
        return line                     # no post of it settled: the common case, without decoding the line
    entry = json.loads(line)
    state = manifest.settled(entry, ledger)
    return line if state is None else manifest.entry_line(manifest.stub(entry, state))


def output_key(sha: str, hero: tuple | None, cuts: Sequence[Cut],
               media: Sequence[Sequence[MediaFile | VideoFile]]) -> str:
    """Everything an article's share of the output is made from, hashed (the site's config, layouts and code
    are in the cache's fingerprint, which drops the whole cache when they change).

    ``sha`` is the article file's hash and ``hero`` its hero image's stamp: with the fingerprint, they determine
    the article and its cuts as cut. The plan then sets each cut's times and may add warnings; a card is known
    by its file's name and hash (the rest of a ``MediaFile`` follows from the cut and the site).
    """
    planned = tuple((c.id, epoch_seconds(c.publish_at), epoch_seconds(c.expire_at), c.warnings, c.errors,
                     c.timing.hold if c.timing else None) for c in cuts)
    cards = tuple(tuple((m.path, *m.hashed()) for m in files) for files in media)
    # repr, not pickle: pickle's bytes also depend on which equal objects happen to be shared.
    return hashlib.sha256(repr((sha, hero, planned, cards)).encode()).hexdigest()
