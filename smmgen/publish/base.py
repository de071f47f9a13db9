"""The publisher adapter interface, the values that cross it, and the secret handling every adapter shares.

Writing an adapter (one module per platform, e.g. ``smmgen/publish/x.py``)
---------------------------------------------------------------------------
The module declares::

    NAME = "x"
    ENV = ("SMMGEN_X_TOKEN",)            # every credential it reads, all from the environment
    def open(ctx: AdapterContext) -> Adapter: ...

and is listed in ``smmgen/publish/registry.py`` (third-party adapters: entry point group
``smmgen.publishers``, ``name = "package.module"``). Its non-secret settings (``[publish.x]``) are declared
in ``smmgen/config/publish_settings.py``. ``open`` reads credentials with ``ctx.secret(NAME)`` (for an account besides the
platform's default one it reads the account's variable, ``SMMGEN_TELEGRAM_RU_BOT_TOKEN`` for
``SMMGEN_TELEGRAM_BOT_TOKEN``; a missing or malformed one is an ``AuthError`` naming the variable read;
``password=True`` for one sent in a body, ``ctx.account`` for a value that is no secret, such as a handle) and
builds an ``Http`` for every call it makes; it must not touch the
network: the session is opened lazily by the first call.

The adapter object has four methods, each given plain values and returning plain values; it never prints,
never reads the clock (the run's time is ``post.now``) and never writes the ledger:

``create(post) -> Posted``
    Publish every part of ``post``. Make the call safe to repeat where the platform allows it: derive the
    record key or idempotency key from ``post.key`` (stable for one entry id and content hash). Raise
    ``MaybeDone`` (from ``Http``) when the request may have been carried out without an answer.
``find(post, since) -> Lookup``
    After a ``MaybeDone`` or a crash (an intent left in the ledger): does the post exist? ``Lookup.found``
    with the ``Posted``, ``Lookup.absent()`` only when the platform proves it is not there, otherwise
    ``Lookup.unknown(why)``. The runner never re-posts an unknown without ``--force``.
``delete(posted) -> None``
    Remove the post (all parts). Already gone is success.
``edit(posted, post) -> Posted``
    Replace the content in place, or raise ``PublishError`` saying the platform cannot.

Errors are the ``smmgen.errors`` tree: ``AuthError`` (never retried), ``RateLimited(retry_after)``,
``TransientError`` (retried within the run's budget), ``MaybeDone`` (a transient error after which the
outcome is unknown) and plain ``PublishError`` (permanent: validation, limits). ``Http`` maps HTTP
statuses and connection failures to these; an adapter adds its platform's error body through ``ErrorBody``.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from smmgen import redact
from smmgen.errors import AuthError, PublishError, TransientError
from smmgen.manifest_model import Captions, Media, Poster

if TYPE_CHECKING:
    from smmgen.manifest_model import ManifestEntry
    from smmgen.publish.http import Budget, HttpConfig

_TOKEN = re.compile(r"[\x21-\x7e]+")     # printable ASCII, no space


class MaybeDone(TransientError):
    """The request reached the server and no answer came back (timeout, dropped connection, 5xx): the post
    may exist. Retrying is safe only where the platform deduplicates; otherwise look first."""


class Secret:
    """A credential from the environment. ``repr``/``str`` show only the variable's name."""

    __slots__ = ("_value", "name")

    def __init__(self, name: str, value: str):
        self.name = name
        self._value = value
        redact.remember_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.name}=***)"

    __str__ = __repr__


@dataclass(frozen=True)
class MediaFile:
    """A file the manifest names, as an adapter reads it: the checked item (a ``manifest_model.Media``, or a
    video's ``Poster`` or ``Captions``) and ``read()``, which checks it is the file that was built. The fields
    are the item's; this only reads bytes safely."""

    item: Media | Poster | Captions

    @property
    def role(self) -> str:
        """"link_card" | "attach" | "scraped"; "poster" and "captions" for a video's own files."""
        if isinstance(self.item, Media):
            return self.item.role
        return "poster" if isinstance(self.item, Poster) else "captions"

    @property
    def mime(self) -> str:
        if isinstance(self.item, Media):
            return self.item.mime
        return "image/jpeg" if isinstance(self.item, Poster) else "text/vtt"      # what the build writes

    @property
    def alt(self) -> str:
        return self.item.alt if isinstance(self.item, Media) else ""

    @property
    def path(self) -> Path:
        return self.item.path

    @property
    def sha256(self) -> str:
        return self.item.sha256

    @property
    def url(self) -> str | None:
        """The public address under [site] cards_base_url (media_base_url), for platforms that fetch it."""
        return getattr(self.item, "url", None)

    @property
    def size(self) -> int:
        """Bytes, as the manifest records them."""
        return self.item.bytes

    def read(self, platform: str, entry_id: str) -> bytes:
        try:
            data = _read_regular(self.path, self.size)
        except OSError as e:
            raise PublishError(platform, f"cannot read {self.path.name}: {e.strerror}",
                               entry_id=entry_id) from None
        if hashlib.sha256(data).hexdigest() != self.sha256:
            # What was reviewed is what gets posted: a file changed after the build is never sent.
            raise PublishError(platform, f"{self.path.name} differs from the manifest's sha256; rebuild",
                               entry_id=entry_id)
        return data


@dataclass(frozen=True)
class VideoFile(MediaFile):
    """A video the manifest names (``kind: "video"``), with what the networks' upload calls ask for; its
    poster (a JPEG) and captions (WebVTT) are files of their own, read and checked the same way."""

    item: Media

    @property
    def target(self) -> str:
        return self.item.target

    @property
    def width(self) -> int:
        return self.item.width

    @property
    def height(self) -> int:
        return self.item.height

    @property
    def duration(self) -> float:
        """Seconds."""
        return self.item.duration or 0.0

    @property
    def frame_rate(self) -> float:
        return self.item.frame_rate or 0.0

    @property
    def has_audio(self) -> bool:
        return bool(self.item.has_audio)

    @property
    def poster(self) -> MediaFile | None:
        return None if self.item.poster is None else MediaFile(self.item.poster)

    @property
    def captions(self) -> MediaFile | None:
        return None if self.item.captions is None else MediaFile(self.item.captions)

    @property
    def captions_lang(self) -> str | None:
        return None if self.item.captions is None else self.item.captions.lang


def _read_regular(path: Path, size: int | None) -> bytes:
    """The bytes of ``path``, a regular file reached without following a link at its last step (the manifest
    reader resolved it inside the output folder); no more than ``size`` + 1 bytes are read."""
    if os.path.realpath(path) != os.fspath(path):
        # A folder on the way was replaced by a link since the manifest was read.
        raise OSError(errno.ELOOP, "no longer where the manifest reader found it")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read() if size is None else f.read(size + 1)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Post:
    """One manifest entry as the adapters see it: what to post, and the key that makes it idempotent."""

    entry_id: str
    platform: str
    parts: tuple[str, ...]
    link: str | None
    title: str
    lang: str | None
    tags: tuple[str, ...]
    media: tuple[MediaFile, ...]
    extra: Mapping[str, Any]
    content_hash: str
    publish_at: dt.datetime
    expire_at: dt.datetime | None
    retracted: bool
    now: dt.datetime     # the run's time; adapters use it for createdAt and the like
    video: VideoFile | None = None     # the entry's video; ``media`` then holds no card

    @property
    def text(self) -> str:
        return self.parts[0]

    @property
    def key(self) -> str:
        """Stable for one entry and one content: a retry of the same post carries the same key."""
        return hashlib.sha256(f"smmgen\n{self.entry_id}\n{self.content_hash}".encode()).hexdigest()

    def media_for(self, *roles: str) -> tuple[MediaFile, ...]:
        return tuple(m for m in self.media if m.role in roles)

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any], base_dir: Path, now: dt.datetime) -> Post:
        """A manifest entry as JSON, checked by the manifest's strict loader (media inside ``base_dir``): a
        missing field is an error naming the entry and the field, never a default."""
        from smmgen.manifest_model import read_entry

        return cls.of(read_entry(entry, base_dir, shown="manifest entry"), now)

    @classmethod
    def of(cls, entry: ManifestEntry, now: dt.datetime) -> Post:
        """The post of a checked manifest entry, as it is."""
        media = tuple(MediaFile(m) for m in entry.media if not m.is_video)
        video = next((VideoFile(m) for m in entry.media if m.is_video), None)
        return cls(video=video, entry_id=entry.id, platform=entry.platform, parts=entry.parts, link=entry.link,
                   title=entry.title, lang=entry.lang or None, tags=entry.tags, media=media, extra=entry.extra,
                   content_hash=entry.content_hash, publish_at=entry.publish_at, expire_at=entry.expire_at,
                   retracted=entry.retracted, now=now)


@dataclass(frozen=True)
class Posted:
    """A post that exists on a platform. ``remote`` is the adapter's own state for later deletes and edits
    (record keys, chat id, message kind), kept in the ledger as JSON."""

    remote_id: str
    url: str | None
    remote: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lookup:
    """What ``find`` learned: the post exists (``posted``), provably does not (``absent``), or cannot tell."""

    posted: Posted | None = None
    known: bool = True
    why: str = ""

    @property
    def found(self) -> bool:
        return self.posted is not None

    @classmethod
    def absent(cls) -> Lookup:
        return cls()

    @classmethod
    def unknown(cls, why: str) -> Lookup:
        return cls(known=False, why=why)


class Adapter(Protocol):
    name: str

    def create(self, post: Post) -> Posted: ...
    def find(self, post: Post, since: dt.datetime | None) -> Lookup: ...
    def delete(self, posted: Posted) -> None: ...
    def edit(self, posted: Posted, post: Post) -> Posted: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class AdapterContext:
    """Everything ``open`` gets: ``[publish.<name>]`` settings, ``[platforms.<name>]`` options, the
    environment (for credentials), HTTP timeouts and the run's retry budget for this platform."""

    name: str
    settings: Mapping[str, Any]
    platform_options: Mapping[str, Any]
    env: Mapping[str, str] = field(repr=False)
    http: HttpConfig
    budget: Budget
    # Where the account's credentials are: an adapter asks for SMMGEN_TELEGRAM_BOT_TOKEN and gets
    # <env_prefix>BOT_TOKEN ("" : the platform's default account, SMMGEN_<NAME>_).
    env_prefix: str = ""
    account_name: str = ""           # shown in errors about a credential, for accounts besides the default

    def variable(self, variable: str) -> str:
        """The environment variable this account reads for the platform's ``variable``."""
        default = f"SMMGEN_{self.name.upper()}_"
        if self.env_prefix and variable.startswith(default):
            return self.env_prefix + variable[len(default):]
        return variable

    @property
    def whose(self) -> str:
        """`` (account courier-ru)`` for an account besides the platform's default one, else ""."""
        return f" (account {self.account_name})" if self.account_name else ""

    def _missing(self, variable: str) -> AuthError:
        return AuthError(self.name, f"environment variable {variable} is not set{self.whose}")

    def secret(self, variable: str, *, password: bool = False) -> Secret:
        """A credential from the environment. A token (sent in a header, a URL or a query) must be printable
        ASCII without spaces; a ``password`` (sent in a JSON body) may hold any character but a control
        character. A malformed one is refused here, before anything is sent, and never shown."""
        variable = self.variable(variable)
        value = self.env.get(variable, "").strip()
        if not value:
            raise self._missing(variable)
        if any(unicodedata.category(c) == "Cc" for c in value):
            raise AuthError(self.name, f"environment variable {variable} holds a line break or another control "
                            "character; set it again with the credential alone")
        if not password and not _TOKEN.fullmatch(value):
            raise AuthError(self.name, f"environment variable {variable} holds a space or a character outside "
                            "ASCII, which no token has; set it again with the token alone")
        return Secret(variable, value)

    def account(self, variable: str) -> str:
        """A required value from the environment that is not a secret (an account's handle)."""
        variable = self.variable(variable)
        value = self.env.get(variable, "").strip()
        if not value:
            raise self._missing(variable)
        if not _TOKEN.fullmatch(value):
            raise AuthError(self.name, f"environment variable {variable} holds a space or a character outside "
                            f"ASCII: {value!r}")
        return value

    def setting(self, key: str, default: Any = None) -> Any:
        value = self.settings.get(key)
        return default if value is None else value


def parse_time(value: Any) -> dt.datetime | None:
    """A manifest/ledger time (``2026-03-01T08:00:00Z``) as an aware UTC datetime."""
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC)
    parsed = dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def iso(when: dt.datetime | None) -> str | None:
    return None if when is None else when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_line(texts: Sequence[str], limit: int = 300) -> str:
    """A server's message as one line for the ledger and the terminal: credentials scrubbed, control
    characters dropped, at most ``limit`` characters (see ``redact.summary``)."""
    return redact.summary(" ".join(t for t in texts if t), limit)
