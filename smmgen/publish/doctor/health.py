"""What ``smmgen doctor`` learns about one account: ``Health`` (frozen, what the CLI prints and ``--json``
writes) and ``Report``, the builder a platform's check fills in as it goes, so that what it learnt before a
later call failed (whose token it is) is still reported."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from smmgen.errors import AuthError
from smmgen.publish.base import AdapterContext, Secret, iso

# ok: every check passed. problem: something a person must fix (the run would fail or post wrongly).
# outage: the platform could not be asked (5xx, timeout, refused connection, 429): nothing is known about the token.
# unknown: the platform answered in a way smmgen cannot read.
STATUSES = ("ok", "problem", "outage", "unknown")
SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One thing doctor found. ``code`` is stable (``auth.rejected``, ``scope.missing``...), ``message`` is for
    people; ``severity`` ``error`` makes the account's status ``problem``."""

    code: str
    message: str
    severity: str = "error"

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class Health:
    """One account's credentials as the platform sees them."""

    account: str                         # the account's name; a platform's default account is named as it
    platform: str
    status: str                          # one of STATUSES
    findings: tuple[Finding, ...] = ()
    who: str | None = None               # the remote account the credentials belong to, as the platform names it
    expires_at: dt.datetime | None = None    # when the credential stops working, where the platform says
    refreshable: bool | None = None      # can it be renewed without a person (None: the platform does not say)
    scopes: tuple[str, ...] | None = None    # granted scopes or rights, where the platform lists them
    refresh: str | None = None           # how to renew it without a person, where the platform allows that

    def to_json(self) -> dict[str, Any]:
        return {"account": self.account, "platform": self.platform, "status": self.status, "who": self.who,
                "expires_at": iso(self.expires_at), "refreshable": self.refreshable, "refresh": self.refresh,
                "scopes": list(self.scopes) if self.scopes is not None else None,
                "findings": [f.to_json() for f in self.findings]}


@dataclass
class Report:
    """The builder a platform check fills in (``who``, ``expires_at``... and findings)."""

    account: str
    platform: str
    handle: str = ""                     # the configured handle ([platforms.<name>] handle), "" when none
    who: str | None = None
    expires_at: dt.datetime | None = None
    refreshable: bool | None = None
    scopes: tuple[str, ...] | None = None
    refresh: str | None = None
    findings: list[Finding] = field(default_factory=list)
    blocked: str | None = None           # "outage" or "unknown": the check could not finish

    def error(self, code: str, message: str) -> None:
        self.findings.append(Finding(code, message, "error"))

    def warn(self, code: str, message: str) -> None:
        self.findings.append(Finding(code, message, "warning"))

    def note(self, code: str, message: str) -> None:
        self.findings.append(Finding(code, message, "info"))

    def could_not_check(self, kind: str, code: str, message: str) -> None:
        self.blocked = self.blocked or kind
        self.findings.append(Finding(code, message, "warning"))

    def health(self) -> Health:
        if any(f.severity == "error" for f in self.findings):
            status = "problem"
        else:
            status = self.blocked or "ok"
        return Health(account=self.account, platform=self.platform, status=status, findings=tuple(self.findings),
                      who=self.who, expires_at=self.expires_at, refreshable=self.refreshable, scopes=self.scopes,
                      refresh=self.refresh)


def missing(granted: set[str] | frozenset[str], needs: dict[str, str], *, covers: Any = None) -> list[str]:
    """The scopes of ``needs`` (scope -> what smmgen uses it for) not among ``granted``, as "scope (what)".
    ``covers(scope)``: the broader scopes that include ``scope`` (Mastodon's ``write`` covers
    ``write:statuses``)."""
    out = []
    for scope, why in needs.items():
        wider = set(covers(scope)) if covers else set()
        if scope not in granted and not (wider & granted):
            out.append(f"{scope} ({why})")
    return out


def optional(ctx: AdapterContext, variable: str) -> Secret | None:
    """A credential that may be absent (one that only doctor uses); one set but malformed is still refused."""
    try:
        return ctx.secret(variable)
    except AuthError as e:
        if "is not set" in e.detail:
            return None
        raise
