"""Declared schemas for user-written data (smmgen.toml, front matter, card layouts).

A schema is a dict of field name -> ``Field``. ``validate`` checks a mapping against it and returns the cleaned
values plus *every* problem found, so a user sees all mistakes of a file in one run. Unknown keys are problems.

A table whose keys depend on each other (a card layout's box gives two of x, w and right) is read key by key with
a ``TableReader`` instead: the same converters, the same message for a key nothing reads, and every error a
``ConfigError`` naming file, line and key (``config_error``).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from smmgen.config.lines import nearest_line
from smmgen.errors import ConfigError

# A converter takes the raw value and returns the clean one, or raises Invalid with what was expected.
Converter = Callable[[Any], Any]


class Invalid(ValueError):
    """A value does not fit its field; the message reads after ``key: ``."""


@dataclass(frozen=True)
class Field:
    convert: Converter
    required: bool = False
    default: Any = None
    doc: str = ""


@dataclass(frozen=True)
class Problem:
    key: str          # dotted path, e.g. "platforms.x.enabled"
    message: str


@dataclass
class Result:
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def shown(value: Any) -> str:
    """How a bad value is quoted back to the user."""
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return '"' + text.replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return str(value)


def validate(data: Any, schema: Mapping[str, Field], prefix: str = "") -> Result:
    result = Result()
    if not isinstance(data, Mapping):
        result.problems.append(Problem(prefix.rstrip(".") or "(top)", f"expected a table, got {shown(data)}"))
        return result
    for key in data:
        if key not in schema:
            result.problems.append(Problem(f"{prefix}{key}", unknown_key(schema)))
    for key, spec in schema.items():
        path = f"{prefix}{key}"
        if key not in data or data[key] is None:
            if spec.required:
                result.problems.append(Problem(path, "required but missing"))
            else:
                result.values[key] = spec.default
            continue
        try:
            result.values[key] = spec.convert(data[key])
        except Invalid as e:
            result.problems.append(Problem(path, str(e)))
        except Nested as e:
            result.problems.extend(Problem(f"{path}.{p.key}", p.message) for p in e.problems)
            result.values[key] = e.values
    return result


def unknown_key(known: Iterable[str]) -> str:
    return f"unknown key (known keys: {', '.join(sorted(known)) or 'none'})"


def config_error(file: str, lines: Mapping[str, int], key: str, message: str) -> ConfigError:
    """A problem with dotted ``key`` of ``file``, at the key's line (or its nearest table's: a missing key has
    none of its own)."""
    return ConfigError(file, key, message, line=nearest_line(lines, key))


class TableReader:
    """A table read one key at a time, each value through a converter (``value``); ``done`` reports the first key
    nothing read. Errors are ``ConfigError``s at the key's line; ``written`` says under which dotted key the user
    wrote a key when it is not where it is read (a card layout's ``[targets.<name>]`` override)."""

    def __init__(self, data: Mapping[str, Any], *, file: str, lines: Mapping[str, int], prefix: str = "",
                 written: Callable[[str], str] | None = None):
        self.data, self.file, self.lines, self.prefix = data, file, lines, prefix
        self.written = written
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        """The dotted key of ``name`` as the user wrote it."""
        key = f"{self.prefix}{name}"
        return self.written(key) if self.written is not None else key

    def error(self, name: str, message: str) -> ConfigError:
        return config_error(self.file, self.lines, self.key(name), message)

    def has(self, name: str) -> bool:
        return name in self.data

    def get(self, name: str) -> Any:
        """The raw value (None if absent), counted as read."""
        self.used.add(name)
        return self.data.get(name)

    def value(self, name: str, convert: Converter, default: Any = None) -> Any:
        """The value converted, ``default`` if absent; a value the converter refuses is an error at its key."""
        raw = self.get(name)
        if raw is None:
            return default
        try:
            return convert(raw)
        except Invalid as e:
            raise self.error(name, str(e)) from None

    def table(self, name: str) -> TableReader | None:
        """A sub-table's reader (of the same kind as this one), None if absent."""
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.error(name, f"expected a table, got {shown(value)}")
        return self.child(value, f"{self.prefix}{name}.")

    def child(self, data: Mapping[str, Any], prefix: str) -> TableReader:
        """A reader of ``data`` under dotted ``prefix``, sharing this one's file, lines and settings."""
        sub = copy.copy(self)
        sub.data, sub.prefix, sub.used = data, prefix, set()
        return sub

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.error(unknown[0], unknown_key(self.used))


class Nested(Exception):
    """Raised by ``table`` converters to report problems inside a sub-table with their full key path."""

    def __init__(self, values: dict[str, Any], problems: list[Problem]):
        self.values, self.problems = values, problems


# --- converters -----------------------------------------------------------------------------------------------

def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid(f"expected true/false, got {shown(value)}")


def string(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise Invalid(f"expected a string, got {shown(value)}")


def nonempty_string(value: Any) -> str:
    text = string(value)
    if not text.strip():
        raise Invalid("must not be empty")
    return text


def integer(minimum: int | None = None, maximum: int | None = None) -> Converter:
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected a whole number, got {shown(value)}")
        if minimum is not None and value < minimum:
            raise Invalid(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise Invalid(f"must be at most {maximum}, got {value}")
        return value
    return convert


def number(minimum: float | None = None, maximum: float | None = None) -> Converter:
    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected a number, got {shown(value)}")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise Invalid(f"must be between {minimum} and {maximum}, got {value}")
        return float(value)
    return convert


def choice(*options: str) -> Converter:
    def convert(value: Any) -> str:
        if value in options:
            return value
        raise Invalid(f"expected one of {', '.join(options)}, got {shown(value)}")
    return convert


def list_of(item: Converter, max_items: int | None = None) -> Converter:
    def convert(value: Any) -> tuple:
        if not isinstance(value, (list, tuple)):
            raise Invalid(f"expected a list, got {shown(value)}")
        if max_items is not None and len(value) > max_items:
            raise Invalid(f"at most {max_items} items, got {len(value)}")
        out = []
        for i, v in enumerate(value):
            try:
                out.append(item(v))
            except Invalid as e:
                raise Invalid(f"item {i + 1}: {e}") from None
        return tuple(out)
    return convert


def table(schema: Mapping[str, Field]) -> Converter:
    def convert(value: Any) -> dict[str, Any]:
        result = validate(value, schema)
        if result.problems:
            raise Nested(result.values, result.problems)
        return result.values
    return convert


def table_of(item_schema: Callable[[str], Mapping[str, Field] | None]) -> Converter:
    """A table whose keys are names (e.g. platforms) each validated by the schema for that name."""

    def convert(value: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(value, Mapping):
            raise Invalid(f"expected a table, got {shown(value)}")
        values: dict[str, dict[str, Any]] = {}
        problems: list[Problem] = []
        for name in value:
            schema = item_schema(name)
            if schema is None:
                problems.append(Problem(name, "unknown name"))
                continue
            result = validate(value[name], schema, prefix=f"{name}.")
            values[name] = result.values
            problems.extend(result.problems)
        if problems:
            raise Nested(values, problems)
        return values
    return convert


_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d|w)\s*$")
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


# Dates and durations a site may give: wide enough for any real post, narrow enough that adding one to the
# other (an expiry, a time zone) can never run past the years Python's datetime holds (1 to 9999).
YEARS = (1000, 8999)
MAX_DURATION = dt.timedelta(days=36525)


def duration(value: Any) -> dt.timedelta:
    """``"48h"``, ``"7d"``, ``"30m"``, ``"2w"``; at most 100 years."""
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
            if seconds > MAX_DURATION.total_seconds():
                raise Invalid(f"{shown(value)} is longer than {MAX_DURATION.days // 365} years")
            return dt.timedelta(seconds=seconds)
    raise Invalid(f'not a duration: {shown(value)} (write e.g. "48h", "7d", "30m")')


def in_years(when: dt.date) -> dt.date:
    """``when`` itself, if its year is within ``YEARS``."""
    if not YEARS[0] <= when.year <= YEARS[1]:
        raise Invalid(f"{when.isoformat()} is not between the years {YEARS[0]} and {YEARS[1]}")
    return when


def url(value: Any) -> str:
    text = string(value)
    if not re.match(r"^https?://[^\s/]+", text):
        raise Invalid(f"expected an http(s):// URL, got {shown(value)}")
    return text


def clock_time(value: Any) -> dt.time:
    """``"08:00"`` wall-clock time."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value.strip()):
        hours, minutes = (int(p) for p in value.strip().split(":"))
        if hours < 24 and minutes < 60:
            return dt.time(hours, minutes)
    raise Invalid(f'not a time of day: {shown(value)} (write e.g. "08:30")')
