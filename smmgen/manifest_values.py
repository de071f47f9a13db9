"""The manifest's value checks, shared by the strict loader (``manifest_model``), its video items
(``manifest_video``) and the ledger: reading a JSON file that may be hostile, and checking one value at a time.

A leaf: it imports only ``errors``. Every check raises ``Bad`` naming the field (a dotted path) and what is wrong;
the loader adds the file and the entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from smmgen.errors import ContentError

UTC_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)


class Bad(Exception):
    """One problem at ``field`` (a dotted path inside the entry, or the top level)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


# --- reading the file -----------------------------------------------------------------------------------------

def load_json(path: Path, shown: str, *, max_bytes: int, missing: str | None, sha256: str | None = None) -> Any:
    """The JSON value in ``path``, which must be a regular file of at most ``max_bytes`` (and with ``sha256``,
    hold bytes of that hash). Every way it can be wrong (not there, a device or folder, too big, other bytes,
    not UTF-8, not JSON, nested too deep, a number out of range, a key twice) is a ``ContentError`` naming
    ``shown``; ``missing`` says what to do when there is no file (None: raise ``FileNotFoundError``)."""
    try:
        # O_NONBLOCK: a FIFO named as the file must not hang the run before it is found not to be a file.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if missing is None:
            raise
        raise ContentError(shown, None, None, missing) from None
    except (OSError, ValueError) as e:
        raise ContentError(shown, None, None, f"cannot read: {getattr(e, 'strerror', None) or e}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ContentError(shown, None, None, "not a regular file")
        if info.st_size > max_bytes:
            raise ContentError(shown, None, None, f"{info.st_size} bytes, more than the {max_bytes} allowed")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise ContentError(shown, None, None, f"cannot read: {e.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise ContentError(shown, None, None, f"more than the {max_bytes} bytes allowed")
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ContentError(shown, None, None, "not the bytes the manifest's index names (its sha256 differs): "
                                              "a part changed after the build; rebuild with `smmgen build`")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ContentError(shown, line, None, f"not UTF-8 text (byte {e.start})") from None
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as e:
        raise ContentError(shown, e.lineno, None, f"not valid JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise ContentError(shown, None, None, "not valid JSON: nested too deeply") from None
    except ValueError as e:      # a number out of range, a key twice
        raise ContentError(shown, None, None, f"not valid JSON: {e}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"the number {text[:20]}{'...' if len(text) > 20 else ''} is out of range")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JSON keeps the last of two equal keys; which one the build meant cannot be known.
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {json.dumps(key)[:60]} appears twice in one object")
            seen.add(key)
    return out


# --- values ------------------------------------------------------------------------------------------------------

def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        text = json.dumps(value[:60])
        return text if len(value) <= 60 else text[:-1] + '..."'
    if isinstance(value, (dict, list)) or value is None or isinstance(value, bool):
        return _kind(value)
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _keys(value: dict, known: tuple[str, ...], prefix: str) -> None:
    for key in known:
        if key not in value:
            raise Bad(f"{prefix}{key}", "required but missing")
    for key in value:
        if key not in known:
            raise Bad(f"{prefix}{field_name(key)}", "unknown field (smmgen writes no such field)")


def field_name(key: str) -> str:
    """A key as a field name in an error: escaped (a control character must not break the line), shortened."""
    text = json.dumps(key)[1:-1]
    return text if len(text) <= 40 else text[:37] + "..."


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise Bad(where, f"expected an object, got {_kind(value)}")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise Bad(where, f"expected a list, got {_kind(value)}")
    return value


def _string(value: Any, where: str, *, nonempty: bool = False) -> str:
    if not isinstance(value, str):
        raise Bad(where, f"expected a string, got {_kind(value)}")
    if nonempty and not value.strip():
        raise Bad(where, "must not be empty")
    _encodable(value, where)
    return value


def _encodable(text: str, where: str) -> None:
    # JSON allows "\ud800"; it cannot be sent or written back as UTF-8.
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise Bad(where, "contains a lone surrogate (\\ud800-\\udfff), which is not text") from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    return tuple(_string(v, f"{where}[{i}]") for i, v in enumerate(_list(value, where)))


def _boolean(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise Bad(where, f"expected true or false, got {_kind(value)}")
    return value


def _integer(value: Any, where: str, low: int, high: int) -> int:
    if type(value) is not int:
        raise Bad(where, f"expected a whole number, got {_shown(value)}")
    if not low <= value <= high:
        raise Bad(where, f"expected {low} to {high}, got {_shown(value)}")
    return value


def _choice(value: Any, where: str, options: tuple[str, ...]) -> str:
    if value not in options or not isinstance(value, str):
        raise Bad(where, f"expected one of {', '.join(options)}, got {_shown(value)}")
    return value


def _url(value: Any, where: str) -> str:
    text = _string(value, where)
    if not re.match(r"https?://[^\s/]+", text, re.ASCII):
        raise Bad(where, f"expected an http(s):// URL, got {_shown(text)}")
    return text


def _time(value: Any, where: str) -> dt.datetime:
    text = _string(value, where)
    if UTC_TIME.fullmatch(text):
        try:
            # The pattern fixed every field's place; strptime took a third of loading a large manifest.
            return dt.datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]),
                               int(text[14:16]), int(text[17:19]), tzinfo=dt.UTC)
        except ValueError:
            pass
    raise Bad(where, f"expected a UTC time like 2026-03-01T08:00:00Z, got {_shown(text)}")


def _optional(check: Callable[[Any, str], Any], value: Any, where: str) -> Any:
    return None if value is None else check(value, where)


def check_plain_json(value: Any, where: str, max_depth: int) -> None:
    """Free-form JSON (``extra``, a ledger's ``remote``): bounded depth, text that is text. Walked without
    recursion; ``Bad`` names the first problem."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > max_depth:
            raise Bad(path, f"nested more than {max_depth} levels deep")
        if isinstance(item, str):
            _encodable(item, path)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _encodable(key, path)
                stack.append((inner, f"{path}.{field_name(key)}", depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}[{i}]", depth + 1) for i, inner in enumerate(item))


def _frozen(value: Any) -> Any:
    """A read-only copy: objects as mappings that cannot change, lists as tuples (depth is bounded above)."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """``_frozen`` undone: plain dicts and lists again, for writing JSON."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value
