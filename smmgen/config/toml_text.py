"""TOML read with the line of its problem, and nesting bounded: for smmgen.toml, card layouts and front matter.

Python 3.11's TOMLDecodeError gives its position only inside its message ("(at line N, column M)"), and
tomllib recurses once per nested array or inline table, so a document nested a thousand deep raises
RecursionError. Both become a line and a message here.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

MAX_DEPTH = 100
"""Deepest nesting of tables and arrays (and YAML collections) accepted: real files nest a few levels."""

_POSITION = re.compile(r" \(at line (\d+), column \d+\)$")


def toml_loads(text: str) -> tuple[dict[str, Any] | None, int | None, str]:
    """tomllib's data, or None with the problem's line (1-based, in ``text``; None if unknown) and message."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message = str(e)
        found = _POSITION.search(message)
        if found:
            return None, int(found[1]), message[: found.start()]
        return None, None, message
    except RecursionError:
        return None, _toml_deep_line(text), f"nested more than {MAX_DEPTH} levels deep"
    if nesting_depth(data) > MAX_DEPTH:
        return None, _toml_deep_line(text), f"nested more than {MAX_DEPTH} levels deep"
    return data, None, ""


def _toml_deep_line(text: str) -> int | None:
    """The line on which brackets first open more than MAX_DEPTH deep (strings not told apart: a guess that
    only ever points at a line whose nesting tomllib refused)."""
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        for char in line:
            depth += (char in "[{") - (char in "]}")
            if depth > MAX_DEPTH:
                return number
    return None


def nesting_depth(value: Any) -> int:
    """How many dicts and lists deep ``value`` goes, counted without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
    return deepest


def key_on_line(lines: dict[str, int], line: int | None) -> str | None:
    """The key written on ``line`` (the deepest, for a table header and its first key), for an error there."""
    keys = [key for key, number in lines.items() if number == line]
    return max(keys, key=lambda k: k.count("."), default=None)
