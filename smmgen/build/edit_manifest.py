"""The edit path's share of the manifest (``smmgen.build.edit``): the edited articles' blocks of entries replaced
in their months' parts, and the index (``output/manifest.json``) naming those parts' new entry counts and hashes.

Each part is written whole and made durable before it replaces the old one, but a part is one month of the
archive (a few megabytes at 10,000 articles), not the archive. Its bytes before the first edited block are
copied (by the kernel) while the articles are parsed, cut and drawn; the blocks and the rest once they are known
(``NewManifest.write``); ``NewManifest.replace`` waits for them, puts the parts in place, then the index.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from smmgen import manifest

if TYPE_CHECKING:
    from smmgen.config.site import Site

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Block:
    """An edited article's entries: where they sat in its month's part, and their new lines."""

    month: str
    start: int
    length: int
    text: bytes
    row: int                # the article's row in the edit index's ``order``
    edited: Any             # the ``edit.Edited`` it was made from

    @property
    def entries(self) -> int:
        return _entries(self.text)


def _entries(text: bytes) -> int:
    """Entries in a block: they are joined by ",\n", which JSON never writes inside one (a newline in a string
    is escaped)."""
    return text.count(b",\n") + 1


@dataclass
class _Part:
    month: str
    relative: str
    path: Path
    was: tuple[int, int]
    first: int                          # where its first edited block starts
    tmp: Path
    entries: int = 0                    # entries added less those removed
    sha256: str = ""


class NewManifest:
    """The parts the edited articles' entries sit in, each made anew in a thread while the edit makes the rest,
    and the index that names them."""

    def __init__(self, out: Path, index_was: tuple[int, int], parts: dict[str, _Part]):
        self.out, self.index_was, self.parts = out, index_was, parts
        self._blocks: queue.SimpleQueue[list[Block] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._unchanged = False
        self._index: dict = {}
        self._thread = threading.Thread(target=self._run, name="smmgen-manifest", daemon=True)

    @classmethod
    def start(cls, site: Site, data: dict, sources: set[str]) -> NewManifest | None:
        """Begun, or None when the index or a part the edited articles (``sources``) sit in is not the file the
        last build wrote (or an edited article has no block in one): the edit path then steps aside."""
        out = site.output_dir
        known = data["manifest"]
        index_was = stat_of(out / MANIFEST)
        if index_was is None or list(index_was) != known.get(MANIFEST):
            return None
        rows = [row for row in data["order"] if row[0] in sources and row[2] > 0]
        if len(rows) != len(sources):
            return None
        parts: dict[str, _Part] = {}
        token = secrets.token_hex(4)
        for _, start, _, _, month in rows:
            part = parts.get(month)
            if part is None:
                relative = manifest.part_path(month)
                path = out / relative
                was = stat_of(path)
                if was is None or list(was) != known.get(relative):
                    return None
                part = parts[month] = _Part(month, relative, path, was, start, path.with_name(f".{path.name}.{token}.tmp"))
            part.first = min(part.first, start)
        new = cls(out, index_was, dict(sorted(parts.items())))
        new._thread.start()
        return new

    def write(self, blocks: list[Block]) -> bool:
        """Go on with ``blocks`` (in the parts this was started for; by month and start): nothing is written when
        each block already holds its new text. False when a part can no longer be read (the full build says
        why)."""
        same = True
        try:
            # The index as it was when the edit began, read now: replaced, it no longer names these parts.
            with open(self.out / MANIFEST, "rb") as f:
                if _fstat(f) != self.index_was:
                    return False
                self._index = json.loads(f.read())
            for block in blocks:
                part = self.parts[block.month]
                with open(part.path, "rb") as old:
                    old.seek(block.start)
                    was = old.read(block.length)
                same = same and was == block.text
                part.entries += block.entries - _entries(was)
        except (OSError, ValueError):
            return False
        self._unchanged = same
        self._blocks.put(None if same else blocks)
        return True

    def replace(self) -> list[tuple[str, tuple[int, int] | None, tuple[int, int] | None]] | None:
        """The new parts put in place, then the new index: (path, stat before, stat after) of each; None when
        the manifest already said this."""
        self._join()
        if self._unchanged:
            return None
        changed = []
        for part in self.parts.values():
            os.chmod(part.tmp, 0o644)
            os.replace(part.tmp, part.path)
            changed.append((part.relative, part.was, stat_of(part.path)))
        # The index last: until it is replaced, a reader finds a part whose bytes are not the ones it names,
        # and stops, rather than post a mix.
        path = self.out / MANIFEST
        doc = self._index
        by_path = {part.relative: part for part in self.parts.values()}
        listed = []
        for line in doc["parts"]:
            part = by_path.get(line["path"])
            listed.append(manifest.Part(line["path"], line["entries"], line["sha256"]) if part is None else
                          manifest.Part(part.relative, line["entries"] + part.entries, part.sha256))
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(manifest.index_bytes(doc["site"], listed))
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        changed.append((MANIFEST, self.index_was, stat_of(path)))
        return changed

    def discard(self) -> None:
        """The files made in vain (the edit stepped aside, or failed) removed; nothing once they are in place."""
        if self._thread.is_alive():
            self._blocks.put(None)
        self._thread.join()
        for part in self.parts.values():
            part.tmp.unlink(missing_ok=True)

    def _join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            files = []
            try:
                for part in self.parts.values():
                    files.append((open(part.path, "rb"), open(part.tmp, "wb")))
                    _copy(*files[-1], 0, part.first)
                    # While the articles are made: the head on disk, so that the last sync writes only the rest.
                    files[-1][1].flush()
                    os.fdatasync(files[-1][1].fileno())
                blocks = self._blocks.get()
                if blocks is None:
                    return
                for part, (old, new) in zip(self.parts.values(), files):
                    self._finish(part, old, new, [b for b in blocks if b.month == part.month])
            finally:
                for old, new in files:
                    old.close()
                    new.close()
        except BaseException as e:              # handed to the thread that waits for it
            self._error = e

    @staticmethod
    def _finish(part: _Part, old: IO[bytes], new: IO[bytes], blocks: Sequence[Block]) -> None:
        at = part.first
        for block in blocks:
            _copy(old, new, at, block.start - at)
            new.write(block.text)
            at = block.start + block.length
        _copy(old, new, at, part.was[0] - at)
        new.flush()
        os.fsync(new.fileno())                  # durable: the manifest is what the publisher acts on
        with open(part.tmp, "rb") as made:
            part.sha256 = hashlib.file_digest(made, "sha256").hexdigest()


def shift_rows(order: list[list], blocks: Sequence[Block]) -> None:
    """The edit index's rows (``[source, start, length, warnings, month]``) moved to where the edited blocks
    (by month and start) leave every article's entries."""
    edited = {block.row for block in blocks}
    moved: dict[str, list[tuple[int, int]]] = {}
    for block in blocks:
        moved.setdefault(block.month, []).append((block.start + block.length, len(block.text) - block.length))
    if any(delta for ends in moved.values() for _, delta in ends):
        for n, row in enumerate(order):
            ends = moved.get(row[4])
            if ends is not None and n not in edited:
                row[1] += sum(delta for end, delta in ends if row[1] >= end)
    shift: dict[str, int] = {}
    for block in blocks:
        row = order[block.row]
        row[1] = block.start + shift.get(block.month, 0)
        row[2] = len(block.text)
        shift[block.month] = shift.get(block.month, 0) + len(block.text) - block.length


def _copy(source: IO[bytes], target: IO[bytes], start: int, length: int) -> None:
    target.flush()
    done = 0
    try:
        while done < length:
            n = os.copy_file_range(source.fileno(), target.fileno(), length - done, start + done)
            if n == 0:
                raise EOFError
            done += n
    except (OSError, AttributeError):         # a file system (or system) without it: through memory
        source.seek(start + done)
        while done < length:
            chunk = source.read(min(length - done, 1 << 20))
            if not chunk:
                break
            target.write(chunk)
            done += len(chunk)
    except EOFError:
        pass
    if done < length:
        raise OSError(f"{source.name} was cut short while being copied")


def _fstat(f: IO[bytes]) -> tuple[int, int]:
    st = os.fstat(f.fileno())
    return (st.st_size, st.st_mtime_ns)


def stat_of(path: Path) -> tuple[int, int] | None:
    """``path``'s (size, mtime_ns), itself and not a file it links to; None when there is none."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return (st.st_size, st.st_mtime_ns)
