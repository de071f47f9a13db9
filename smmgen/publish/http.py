"""HTTP for the adapters: one ``requests`` session per platform, explicit timeouts on every call, and
retries of transient errors with exponential backoff and full jitter, honouring what the server says
(``Retry-After``, ``RateLimit-Reset``, ``X-RateLimit-Reset``, an adapter's body field), all within a
per-platform budget of seconds for the run.

A retry never repeats a request that may have been carried out unless the caller says that is safe
(``resend=True``: reads, deletes, creates the platform deduplicates). Otherwise ``MaybeDone`` goes back to
the runner, which looks before it posts again.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from smmgen import __version__
from smmgen.errors import AuthError, PublishError, RateLimited, TransientError
from smmgen.publish.base import MaybeDone, Secret, one_line
from smmgen.redact import remember_secret, scrub, summary

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class HttpConfig:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_attempts: int = 4
    backoff: float = 2.0            # first backoff; doubles per try, full jitter
    backoff_max: float = 120.0
    retry_budget: float = 180.0     # seconds of waiting per platform per run
    media_wait: float = 60.0        # seconds to wait for server-side media processing

    @classmethod
    def from_settings(cls, publish: dict[str, Any] | Any) -> HttpConfig:
        get = publish.get
        defaults = cls()
        return cls(
            connect_timeout=get("connect_timeout") or defaults.connect_timeout,
            read_timeout=get("read_timeout") or defaults.read_timeout,
            max_attempts=get("max_attempts") or defaults.max_attempts,
            backoff=defaults.backoff if get("backoff") is None else get("backoff"),
            retry_budget=defaults.retry_budget if get("retry_budget") is None else get("retry_budget"),
            media_wait=defaults.media_wait if get("media_wait") is None else get("media_wait"),
        )


class Budget:
    """The seconds a run may still spend waiting on one platform; shared by all its requests."""

    def __init__(self, seconds: float, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self._sleep, self._clock = sleep, clock
        self._deadline = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._deadline - self._clock())

    def wait(self, seconds: float) -> bool:
        """Sleep ``seconds`` if the budget allows it; False (and no sleep) when it does not."""
        seconds = max(0.0, seconds)
        if seconds > self.remaining():
            return False
        self._sleep(seconds)
        return True


def retry_after(headers: Any, *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After`` (seconds or an HTTP date), else
    ``RateLimit-Reset`` / ``X-RateLimit-Reset`` (seconds, a Unix time, or an ISO 8601 time)."""
    now = time.time() if now is None else now
    value = headers.get("Retry-After")
    if value:
        seconds = _seconds(value, now, http_date=True)
        if seconds is not None:
            return seconds
    for name in ("RateLimit-Reset", "X-RateLimit-Reset"):
        value = headers.get(name)
        if value:
            seconds = _seconds(value, now, http_date=False)
            if seconds is not None:
                return seconds
    return None


def _seconds(value: str, now: float, *, http_date: bool) -> float | None:
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        # Bluesky and X send a Unix time, the IETF draft and Retry-After a delta: a delta is never a billion.
        return max(0.0, number - now if number > 1e9 else number)
    try:
        when = (email.utils.parsedate_to_datetime(value) if http_date
                else dt.datetime.fromisoformat(value))
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)


# An adapter's reading of its platform's error body: the message to show, and an error class decision
# when the status alone is not enough (None: decide by status).
ErrorBody = Callable[[requests.Response], tuple[str, PublishError | None]]


def default_error_body(response: requests.Response) -> tuple[str, PublishError | None]:
    try:
        body = response.json()
    except ValueError:
        return one_line([response.text]) or response.reason or "", None
    if isinstance(body, dict):
        keys = ("error", "message", "description", "error_description")
        parts = [str(body.get(k)) for k in keys if body.get(k)]
        return one_line(parts), None
    return "", None


class Http:
    """Calls to one platform. ``call`` returns a response with an expected status or raises a
    ``PublishError``; the session, secrets and base URL never appear in ``repr``."""

    def __init__(self, platform: str, base_url: str, config: HttpConfig, budget: Budget, *,
                 secrets: Iterable[Secret] = (), headers: dict[str, str] | None = None,
                 error_body: ErrorBody = default_error_body,
                 jitter: Callable[[float, float], float] = random.uniform):
        self.platform = platform
        self.base_url = base_url.rstrip("/")
        self.config = config
        self.budget = budget
        self._error_body = error_body
        self._jitter = jitter
        for secret in secrets:
            remember_secret(secret.reveal())
        self._session = requests.Session()
        self._session.headers["User-Agent"] = f"smmgen/{__version__} (+publish)"
        self._session.headers.update(headers or {})

    def __repr__(self) -> str:
        return f"Http({self.platform}, {scrub(self.base_url)})"

    def add_secret(self, value: str) -> None:
        """A credential learnt at run time (a session token): scrubbed like the configured ones."""
        remember_secret(value)

    def set_header(self, name: str, value: str | None) -> None:
        if value is None:
            self._session.headers.pop(name, None)
        else:
            self._session.headers[name] = value

    def close(self) -> None:
        self._session.close()

    def call(self, method: str, path: str, *, resend: bool, ok: Iterable[int] | None = None,
             entry_id: str | None = None, **kwargs: Any) -> requests.Response:
        """Send one request, retrying transient errors within the budget.

        ``resend``: the request may be sent again after an answer was lost (a read, a delete, a create the
        platform deduplicates). Without it, only errors that prove the server did not act are retried.
        """
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"
        accepted = set(ok) if ok is not None else None
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        # A redirect is followed for reads only: requests would turn a redirected DELETE or POST into a GET of
        # wherever it points, and that answer (a 404 "already gone") would pass for the delete's own.
        kwargs.setdefault("allow_redirects", method in ("GET", "HEAD"))
        for attempt in range(1, self.config.max_attempts + 1):
            try:
                response = self._session.request(method, url, timeout=timeout, **kwargs)
            except requests.RequestException as e:
                error = self._connection_error(e, entry_id)
            else:
                log.debug("%s %s %s -> %s", self.platform, method, scrub(url), response.status_code)
                # Not response.ok: a redirect that was not followed (no Location) is no success either.
                good = (response.status_code in accepted) if accepted is not None else 200 <= response.status_code < 300
                if good:
                    return response
                error = self.error_for(response, entry_id)
            if not error.transient or (isinstance(error, MaybeDone) and not resend):
                raise error
            if attempt == self.config.max_attempts:
                raise error
            wait = getattr(error, "retry_after", None)
            if wait is None:
                wait = self._jitter(0, min(self.config.backoff_max, self.config.backoff * 2 ** (attempt - 1)))
            if not self.budget.wait(wait):
                raise error
            log.info("%s: %s; retrying in %.1f s", self.platform, error.detail, wait)
        raise AssertionError("unreachable")

    def error_for(self, response: requests.Response, entry_id: str | None = None) -> PublishError:
        try:
            message, decided = self._error_body(response)
        except Exception:          # an answer in no shape the adapter knows: the status still says enough
            message, decided = "", None
        message = summary(str(message)) or f"HTTP {response.status_code}"
        if decided is not None:
            decided.entry_id = decided.entry_id or entry_id
            return decided
        status = response.status_code
        kw = {"entry_id": entry_id, "status": status}
        if status in (401, 403):
            return AuthError(self.platform, message, **kw)
        if status == 429:
            return RateLimited(self.platform, message, retry_after=retry_after(response.headers), **kw)
        if status == 408 or status >= 500 or 200 <= status < 400:
            # A success or a redirect other than the one expected: the server may have done it all.
            return MaybeDone(self.platform, message, **kw)
        return PublishError(self.platform, message, **kw)

    def _connection_error(self, e: requests.RequestException, entry_id: str | None) -> PublishError:
        if isinstance(e, requests.ConnectTimeout) or _refused(e):
            # The request never left: sending it again cannot duplicate anything.
            return TransientError(self.platform, f"cannot connect: {_reason(e)}", entry_id=entry_id)
        if isinstance(e, requests.ReadTimeout):
            return MaybeDone(self.platform, f"no answer within {self.config.read_timeout:g} s",
                             entry_id=entry_id)
        return MaybeDone(self.platform, f"connection lost: {_reason(e)}", entry_id=entry_id)


def _refused(e: requests.RequestException) -> bool:
    reason = getattr(e.args[0], "reason", None) if e.args else None
    return isinstance(reason, (NewConnectionError, ConnectTimeoutError))


def _reason(e: BaseException) -> str:
    # requests nests urllib3's errors; the innermost one names what happened without the URL.
    inner: BaseException = e
    while True:
        nxt = getattr(inner, "reason", None) or (inner.args[-1] if inner.args and
                                                 isinstance(inner.args[-1], BaseException) else None)
        if not isinstance(nxt, BaseException) or nxt is inner:
            break
        inner = nxt
    text = scrub(str(inner))
    if "Connection(" in text or "Pool(" in text:
        # urllib3 prefixes its connection object and, for pools, the URL: keep what happened
        text = text.rsplit("): ", 1)[-1] if "): " in text else type(inner).__name__
    return one_line([text], limit=160) or type(inner).__name__
