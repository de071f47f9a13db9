"""The small typed tree of errors a user can see.

Every error renders as one line that names the file, the line (where known), the field and what is wrong,
e.g. ``content/2026/budget.md:4: social.publish_at: not a date: "tomorrow-ish"``.

These are plain exceptions with their fields as attributes: the library raises them without knowing about a
command line (``smmgen.cli.main.click_error`` turns one into a message and an exit code), and they pickle, so a
worker process can hand one back as a value instead of the main process meeting the problem again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from smmgen.redact import scrub


def _restore(cls: type[SmmgenError], state: dict[str, Any]) -> SmmgenError:
    """An error as pickled: its fields set as they were, without calling ``__init__`` (whose signature
    differs per class and which may format or scrub again)."""
    error = cls.__new__(cls)
    error.args = (state.get("message", ""),)
    error.__dict__.update(state)
    return error


class SmmgenError(Exception):
    """Base of every error smmgen reports to a user: one line, non-zero exit, no traceback."""

    exit_code = 1
    """The command's exit status when this error ends it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (type(self), dict(self.__dict__))

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), self.message))


def _where(path: str | None, line: int | None) -> str:
    if not path:
        return ""
    return f"{path}:{line}: " if line else f"{path}: "


class ConfigError(SmmgenError):
    """A problem in smmgen.toml (or another site-level file)."""

    def __init__(self, path: str, key: str | None, message: str, line: int | None = None):
        self.path, self.key, self.line, self.detail = path, key, line, message
        field = f"{key}: " if key else ""
        super().__init__(f"{_where(path, line)}{field}{message}")


class ContentError(SmmgenError):
    """A problem in one article: its front matter, its body, or a file it names."""

    def __init__(self, path: str, line: int | None, field: str | None, message: str):
        self.path, self.line, self.field, self.detail = path, line, field, message
        prefix = f"{field}: " if field else ""
        super().__init__(f"{_where(path, line)}{prefix}{message}")


class Errors(SmmgenError):
    """Several errors of one run, reported together (each on its own line)."""

    def __init__(self, errors: Iterable[SmmgenError]):
        self.errors = flatten(errors)
        super().__init__("\n".join(e.message for e in self.errors))


ErrorList = Errors
"""The older name of ``Errors``."""


def flatten(errors: Iterable[BaseException]) -> list[SmmgenError]:
    """Every single error in ``errors``, with each ``Errors`` replaced by the errors it holds."""
    out: list[SmmgenError] = []
    for e in errors:
        if isinstance(e, Errors):
            out.extend(flatten(e.errors))
        else:
            out.append(e)       # type: ignore[arg-type]
    return out


class PublishError(SmmgenError):
    """A platform refused or failed a request. ``transient`` errors may succeed on retry."""

    transient = False

    def __init__(self, platform: str, message: str, *, entry_id: str | None = None,
                 status: int | None = None, transient: bool | None = None):
        # Built from what a platform answered: a credential it echoed never reaches a message or the ledger.
        message = scrub(message)
        self.platform, self.entry_id, self.status, self.detail = platform, entry_id, status, message
        if transient is not None:
            self.transient = transient
        who = f"{platform}: {entry_id}: " if entry_id else f"{platform}: "
        code = f" (HTTP {status})" if status else ""
        super().__init__(f"{who}{message}{code}")


class AuthError(PublishError):
    """Credentials missing, wrong or lacking a permission. Never retried."""


class RateLimited(PublishError):
    """The platform asked us to slow down; ``retry_after`` is in seconds (None when it did not say)."""

    transient = True

    def __init__(self, platform: str, message: str, *, retry_after: float | None = None, **kw):
        self.retry_after = retry_after
        super().__init__(platform, message, **kw)


class TransientError(PublishError):
    """Connection errors, timeouts, 5xx: worth retrying."""

    transient = True
