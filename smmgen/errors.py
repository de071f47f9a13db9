"""The small typed tree of errors a user can see.

Every error renders as one line that names the file, the line (where known), the field and what is wrong,
e.g. ``content/2026/budget.md:4: social.publish_at: not a date: "tomorrow-ish"``.
"""

from __future__ import annotations

import click

from .redact import scrub


class SmmgenError(click.ClickException):
    """Base of every error smmgen reports to a user: one line, non-zero exit, no traceback."""

    exit_code = 1


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


class ErrorList(SmmgenError):
    """Several errors collected over a run, reported together."""

    def __init__(self, errors: list[SmmgenError]):
        self.errors = list(errors)
        super().__init__("\n".join(e.message for e in self.errors))


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
