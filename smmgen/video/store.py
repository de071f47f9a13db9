"""The video stage's cache in ``.smmgen/media/``: encodes, posters and captions named by their sha256, and an
index (JSON, data only) of what each source file is and what each variant of it gave.

A source is known by its path and stamp (size, mtime): an unchanged clip is neither hashed nor probed again.
An encode is known by (source sha256, variant, encoder version): a rebuild never encodes the same thing twice,
and a different FFmpeg makes new files rather than passing off old ones. Files go into output/media/ by
hard link where the file system allows (a copy otherwise).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from smmgen.output_files import atomic_write
from smmgen.video.probe import Probe

log = logging.getLogger(__name__)

FOLDER = Path(".smmgen") / "media"
INDEX = "index.json"
FORMAT = 1


class MediaStore:
    """``root``: the site's root; the store lives in its ``.smmgen/media``."""

    def __init__(self, root: Path):
        self.folder = root / FOLDER
        self._probes: dict[str, dict[str, Any]] = {}
        self._outputs: dict[str, dict[str, Any]] = {}
        self._dirty = False
        try:
            doc = json.loads((self.folder / INDEX).read_text(encoding="utf-8"))
            if isinstance(doc, dict) and doc.get("format") == FORMAT:
                self._probes = dict(doc.get("probes") or {})
                self._outputs = dict(doc.get("outputs") or {})
        except (OSError, ValueError):
            pass                     # no index yet, or a damaged one: everything is made again

    # --- sources ------------------------------------------------------------------------------------------

    def known_source(self, path: Path) -> tuple[str, Probe] | None:
        """The sha256 and probe of ``path`` when its stamp is the one recorded."""
        record = self._probes.get(str(path))
        if not isinstance(record, dict) or record.get("stamp") != list(_stamp(path)):
            return None
        try:
            found = Probe(**record["probe"])
        except (KeyError, TypeError):
            return None
        sha = record.get("sha256")
        return (sha, found) if isinstance(sha, str) and _HEX64.fullmatch(sha) and _well_typed(found) else None

    def remember_source(self, path: Path, sha: str, probe: Probe) -> None:
        self._probes[str(path)] = {"stamp": list(_stamp(path)), "sha256": sha, "probe": dataclasses.asdict(probe)}
        self._dirty = True

    # --- outputs ------------------------------------------------------------------------------------------

    def output(self, key: str) -> dict[str, Any] | None:
        """What the variant ``key`` gave, when its file is still in the store with the bytes its name says
        (checked again whenever the file's stamp is not the one recorded: a store restored from elsewhere)."""
        record = self._outputs.get(key)
        if not isinstance(record, dict) or not all(isinstance(record.get(k), t) for k, t in _OUTPUT_TYPES.items()):
            return None
        sha = record["sha256"]
        path = self.file(sha, "mp4")
        try:
            now = list(_stamp(path))
        except OSError:
            return None
        if now[0] != record["bytes"] or not _HEX64.fullmatch(sha):
            return None
        if record.get("stamp") != now:
            if file_sha256(path) != sha:
                return None
            record = self._outputs[key] = {**record, "stamp": now}
            self._dirty = True
        return record

    def remember_output(self, key: str, record: dict[str, Any]) -> None:
        self._outputs[key] = {**record, "stamp": list(_stamp(self.file(record["sha256"], "mp4")))}
        self._dirty = True

    def file(self, sha: str, ext: str) -> Path:
        return self.folder / f"{sha}.{ext}"

    def temporary(self, ext: str) -> Path:
        self.prepare()
        return self.folder / f".new-{os.getpid()}-{id(self)}-{os.urandom(4).hex()}.{ext}"

    def adopt(self, tmp: Path, ext: str) -> tuple[str, int]:
        """Move a finished file into the store under its hash; returns (sha256, bytes)."""
        sha = file_sha256(tmp)
        size = tmp.stat().st_size
        os.replace(tmp, self.file(sha, ext))
        return sha, size

    def add_bytes(self, data: bytes, ext: str) -> tuple[str, int]:
        sha = hashlib.sha256(data).hexdigest()
        path = self.file(sha, ext)
        if not path.is_file() or path.stat().st_size != len(data):
            self.prepare()
            atomic_write(path, data, durable=False)
        return sha, len(data)

    def prepare(self) -> None:
        if self.folder.is_symlink():
            self.folder.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / ".gitignore").is_file():
            atomic_write(self.folder / ".gitignore", b"# Encoded videos (smmgen); never committed.\n*\n",
                         durable=False)

    def save(self) -> None:
        if not self._dirty:
            return
        self.prepare()
        doc = {"format": FORMAT, "probes": self._probes, "outputs": self._outputs}
        atomic_write(self.folder / INDEX, json.dumps(doc, sort_keys=True, indent=0).encode(), durable=False)
        self._dirty = False


_HEX64 = re.compile(r"[0-9a-f]{64}")
_OUTPUT_TYPES = {"sha256": str, "bytes": int, "width": int, "height": int, "duration": (int, float),
                 "frame_rate": (int, float), "has_audio": bool}


_KINDS = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


def _well_typed(probe: Probe) -> bool:
    """Every field of a probe read back from the index of the type it is declared with."""
    for f in dataclasses.fields(probe):
        value, names = getattr(probe, f.name), str(f.type).split(" | ")
        if value is None:
            if "None" not in names:
                return False
            continue
        allowed = tuple(k for name in names for k in _KINDS.get(name, ()))
        if isinstance(value, bool) != ("bool" in names) or not isinstance(value, allowed):
            return False
    return True


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def place(source: Path, target: Path) -> bool:
    """Put the store's ``source`` at ``target`` in output/ unless a file of its size is there (names are hashes);
    returns True when the file was written."""
    try:
        if target.stat().st_size == source.stat().st_size and not target.is_symlink():
            return False
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return True
