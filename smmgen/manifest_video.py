"""The manifest's video item (``kind: "video"``), checked as strictly as the image items beside it.

An entry with a video carries one item::

    {"kind": "video", "role": "attach", "target": "video-16x9", "path": "media/<sha256>.mp4", "url": ... | null,
     "mime": "video/mp4", "format": "mp4", "width", "height", "duration" (seconds), "frame_rate",
     "has_audio", "bytes", "sha256", "alt",
     "poster": {"path", "url", "width", "height", "bytes", "sha256"} | null,
     "captions": {"path", "lang", "bytes", "sha256"} | null}

Every path stays inside the output folder and names a regular file of the recorded size; the bytes are checked
against ``sha256`` when the publisher reads them (``publish.base.MediaFile.read``), as for cards.
"""

from __future__ import annotations

import re
from typing import Any

from smmgen import manifest_model as r
from smmgen.manifest_model import Captions, Media, Poster

KIND = "video"
VIDEO_KEYS = ("kind", "role", "target", "path", "url", "mime", "format", "width", "height", "duration",
              "frame_rate", "has_audio", "bytes", "sha256", "alt", "poster", "captions")
POSTER_KEYS = ("path", "url", "width", "height", "bytes", "sha256")
CAPTIONS_KEYS = ("path", "lang", "bytes", "sha256")
# The largest upload any network takes through its API is X's 512 MB; a build never writes more.
MAX_VIDEO_BYTES = 512 * 2**20
MAX_VIDEO_SIDE = 16_384
MAX_DURATION = 4 * 3600.0               # seconds; Facebook's 4 h is the longest any network takes
MAX_FRAME_RATE = 240.0
MAX_CAPTIONS_BYTES = 2**20
MAX_POSTER_BYTES = 16 * 2**20
LANG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*", re.ASCII)


def is_video(value: Any) -> bool:
    """A media item that says it is not an image (items without ``kind`` are images)."""
    return isinstance(value, dict) and "kind" in value


def check_video(value: Any, where: str, root: str, require_files: bool) -> Media:
    """``value`` as a video ``Media``, or ``Bad`` naming the first field that is wrong."""
    m = r._object(value, where)
    r._keys(m, VIDEO_KEYS, f"{where}.")
    r._choice(m.get("kind"), f"{where}.kind", (KIND,))
    role = r._choice(m.get("role"), f"{where}.role", ("attach",))
    mime = r._choice(m.get("mime"), f"{where}.mime", ("video/mp4",))
    fmt = r._choice(m.get("format"), f"{where}.format", ("mp4",))
    size = r._integer(m.get("bytes"), f"{where}.bytes", 1, MAX_VIDEO_BYTES)
    sha = _sha(m.get("sha256"), f"{where}.sha256")
    name = r._string(m.get("path"), f"{where}.path", nonempty=True)
    poster = None if m.get("poster") is None else _poster(m["poster"], f"{where}.poster", root, require_files)
    captions = None if m.get("captions") is None else _captions(m["captions"], f"{where}.captions", root,
                                                                 require_files)
    return Media(kind=KIND, role=role, target=r._string(m.get("target"), f"{where}.target", nonempty=True), name=name,
                 path=r._inside(name, f"{where}.path", root, size if require_files else None),
                 url=r._optional(r._url, m.get("url"), f"{where}.url"), mime=mime, format=fmt,
                 width=r._integer(m.get("width"), f"{where}.width", 2, MAX_VIDEO_SIDE),
                 height=r._integer(m.get("height"), f"{where}.height", 2, MAX_VIDEO_SIDE),
                 duration=_number(m.get("duration"), f"{where}.duration", MAX_DURATION),
                 frame_rate=_number(m.get("frame_rate"), f"{where}.frame_rate", MAX_FRAME_RATE),
                 has_audio=r._boolean(m.get("has_audio"), f"{where}.has_audio"), bytes=size, sha256=sha,
                 alt=r._string(m.get("alt"), f"{where}.alt"), poster=poster, captions=captions)


def _poster(value: Any, where: str, root: str, require_files: bool) -> Poster:
    m = r._object(value, where)
    r._keys(m, POSTER_KEYS, f"{where}.")
    size = r._integer(m.get("bytes"), f"{where}.bytes", 1, MAX_POSTER_BYTES)
    name = r._string(m.get("path"), f"{where}.path", nonempty=True)
    return Poster(name=name, path=r._inside(name, f"{where}.path", root, size if require_files else None),
                  url=r._optional(r._url, m.get("url"), f"{where}.url"),
                  width=r._integer(m.get("width"), f"{where}.width", 1, r.MAX_PIXELS_SIDE),
                  height=r._integer(m.get("height"), f"{where}.height", 1, r.MAX_PIXELS_SIDE),
                  bytes=size, sha256=_sha(m.get("sha256"), f"{where}.sha256"))


def _captions(value: Any, where: str, root: str, require_files: bool) -> Captions:
    m = r._object(value, where)
    r._keys(m, CAPTIONS_KEYS, f"{where}.")
    size = r._integer(m.get("bytes"), f"{where}.bytes", 1, MAX_CAPTIONS_BYTES)
    name = r._string(m.get("path"), f"{where}.path", nonempty=True)
    lang = r._string(m.get("lang"), f"{where}.lang")
    if not LANG.fullmatch(lang):
        raise r.Bad(f"{where}.lang", f'expected a language tag like "en" or "pt-BR", got {r._shown(lang)}')
    return Captions(name=name, path=r._inside(name, f"{where}.path", root, size if require_files else None),
                    lang=lang, bytes=size, sha256=_sha(m.get("sha256"), f"{where}.sha256"))


def _sha(value: Any, where: str) -> str:
    sha = r._string(value, where)
    if not r.SHA256.fullmatch(sha):
        raise r.Bad(where, f"expected 64 lowercase hex digits, got {r._shown(sha)}")
    return sha


def _number(value: Any, where: str, high: float) -> float:
    if type(value) not in (int, float) or value != value:      # no bool, no NaN
        raise r.Bad(where, f"expected a number, got {r._shown(value)}")
    if not 0 < value <= high:
        raise r.Bad(where, f"expected more than 0 and at most {high:g}, got {r._shown(value)}")
    return float(value)
