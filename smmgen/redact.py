"""Credentials kept out of every text smmgen shows or stores: error messages, log lines, the ledger.

A platform that echoes a credential back rarely echoes it as it was sent:

=====================  ==============================================================================
JSON                   quotes and backslashes escaped; non-ASCII as ``\\u00e9`` or ``\\u00E9`` or raw;
                       PHP-backed APIs also write ``/`` as ``\\/``
URLs and forms         percent-encoded (``quote``, ``quote_plus``, requests' ``requote_uri``), upper or
                       lower-case hex, once or twice (a redirect to a URL that carries one)
base64                 the credential alone, or after ``user:`` (Basic auth) or any other prefix: the
                       part of the encoding that depends only on the credential, at each of the three
                       byte offsets, in the standard and the URL-safe alphabet
HTML                   ``&quot;``, ``&#x27;``/``&#39;``, ``&amp;``, ``&lt;``, ``&gt;``
``repr``               Python's escaping in an exception's message, of the text or of its UTF-8 bytes
wrong charset          UTF-8 bytes shown as Latin-1 (requests' default for a ``text/*`` body)
Unicode forms          NFC, NFD, NFKC
=====================  ==============================================================================

``remember_secret`` derives all of these once per credential; ``scrub`` replaces every one of them with ``***``;
``summary`` makes a server's text safe to store: on one line without control characters, scrubbed, bounded,
in that order, so neither joining lines nor truncation can leave a credential, or half of one, behind.

Standard library only: errors.py scrubs every publish error's message through this module, and the build
imports errors.py.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import unicodedata
from urllib.parse import quote, quote_plus

MASK = "***"
WITHHELD = "[withheld: it contained a credential]"
# requests.utils.requote_uri keeps these as they are (and "%" before two hex digits).
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"
_MIN_BASE64 = 6          # shorter base64 runs of a credential's bits are too common to mask
_PERCENT = re.compile(r"%[0-9A-F]{2}")
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-f]{4}")

_remembered: set[str] = set()
_patterns: list[re.Pattern[str]] = []      # one per credential: all its forms, longest first
_longest = 0                               # characters of the longest form
_factory_installed = False


def remember_secret(secret: str) -> None:
    """Scrub ``secret``, in every form a server or a library may show it, from now on in this process."""
    global _longest
    if not secret or secret in _remembered:
        return
    _remembered.add(secret)
    forms = sorted(_forms(secret), key=lambda v: (-len(v), v))
    _patterns.append(re.compile("|".join(re.escape(v) for v in forms)))
    _longest = max(_longest, len(forms[0]))
    _install_log_scrubbing()


def forget_all() -> None:
    """Forget every credential remembered so far: a test process outlives many runs, each of which starts, as
    a process does, knowing none."""
    global _longest
    _remembered.clear()
    _patterns.clear()
    _longest = 0


def scrub(text: str) -> str:
    """``text`` with every remembered credential, in any of its forms, replaced by ``***``.

    The matches of all credentials are found in the same text and masked together: masking one first could
    break up a longer credential that contains it and leave the rest of that one in view."""
    if not _patterns or not text:
        return text
    for _ in range(3):
        spans = sorted((m.start(), m.end()) for pattern in _patterns for m in pattern.finditer(text))
        if not spans:
            return text
        text = _masked(text, spans)
        # A mask next to what remains can only form a credential again if the credential holds "*".
    return WITHHELD if any(pattern.search(text) for pattern in _patterns) else text


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        if start >= pos:
            out += [text[pos:start], MASK]
            pos = end
        else:                     # overlaps the mask before it: widen that one
            pos = max(pos, end)
    out.append(text[pos:])
    return "".join(out)


def summary(text: str, limit: int = 300) -> str:
    """A server's text as it may be stored and shown: on one line without control characters, scrubbed
    (every credential's forms include their one-line forms), then cut to ``limit`` characters."""
    head = 4 * limit + 4 * _longest
    if len(text) > head:
        # Only the start of a long text can be kept. A credential cut where it is taken leaves a part of
        # itself at the end that is no longer recognisable: the end of what is taken goes too.
        text = scrub(one_line(text[:head]))[: -3 * _longest or None]
    text = scrub(one_line(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: str) -> str:
    """Whitespace runs (line breaks included) as one space; other control characters dropped."""
    return "".join(c for c in " ".join(text.split()) if unicodedata.category(c) != "Cc")


# --- the forms of one credential -----------------------------------------------------------------------

def _forms(secret: str) -> set[str]:
    bases = {secret, unicodedata.normalize("NFC", secret), unicodedata.normalize("NFD", secret),
             unicodedata.normalize("NFKC", secret)}
    bases |= {b.encode("utf-8").decode("latin-1") for b in set(bases)}
    forms: set[str] = set()
    for base in bases:
        forms |= _escaped(base)
        forms |= _base64(base.encode("utf-8"))
    # Second level: a percent-encoded form inside JSON or HTML, a JSON-escaped one inside HTML.
    forms |= {v.replace("/", "\\/") for v in forms} | {html.escape(v) for v in forms}
    forms |= {one_line(v) for v in forms}
    return {v for v in forms if v and v != MASK}


def _escaped(text: str) -> set[str]:
    ascii_json = json.dumps(text)[1:-1]
    forms = {text, ascii_json, _UNICODE_ESCAPE.sub(lambda m: "\\u" + m.group()[2:].upper(), ascii_json),
             json.dumps(text, ensure_ascii=False)[1:-1], repr(text)[1:-1], repr(text.encode("utf-8"))[2:-1],
             html.escape(text), html.escape(text, quote=False), html.escape(text).replace("&#x27;", "&#39;")}
    percent = {quote(text, safe=""), quote(text), quote_plus(text), quote(text, safe=_URI_SAFE)}
    percent |= {quote(p, safe="") for p in set(percent)}
    forms |= percent | {_PERCENT.sub(lambda m: m.group().lower(), p) for p in percent}
    return forms


def _base64(data: bytes) -> set[str]:
    """The base64 characters that depend only on ``data``, wherever it starts in the encoded bytes."""
    forms = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode("ascii")
        start, end = -(-8 * offset // 6), 8 * (offset + len(data)) // 6
        core = encoded[start:end]
        if len(core) >= _MIN_BASE64:
            urlsafe = core.replace("+", "-").replace("/", "_")
            forms |= {core, urlsafe, quote(core, safe="")}
    return forms


# --- log lines ---------------------------------------------------------------------------------------------

def _install_log_scrubbing() -> None:
    """Every log record made in this process is scrubbed when it is made, whichever library logs it (urllib3
    logs request lines with a token in the path or query, oauthlib its signing parameters): a filter on
    named loggers would miss the records of their children."""
    global _factory_installed
    if _factory_installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:          # a malformed record: logging reports it when it is emitted
            return record
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and _patterns:
            # Handlers print exc_text when it is set: the traceback, with the exception's message, scrubbed.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True
