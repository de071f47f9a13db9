"""Where a key sits in a file, so errors can say ``file:line``.

tomllib keeps no positions, so TOML is scanned line by line for table headers and ``key =`` assignments; YAML
positions come from PyYAML's composed node tree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\-"' ]+?)\s*=""")


def _key_parts(raw: str) -> list[str]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', raw)
    return [a or b or c for a, b, c in parts]


def toml_key_lines(text: str, first_line: int = 1) -> dict[str, int]:
    """Map dotted key paths to 1-based line numbers (the first place each is written)."""
    lines: dict[str, int] = {}
    table: list[str] = []
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=first_line):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header:
            table = _key_parts(header[1])
            lines.setdefault(".".join(table), number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            key = table + _key_parts(assign[1])
            lines.setdefault(".".join(key), number)
            rest = line[assign.end():]
            for quote in ('"""', "'''"):
                if rest.count(quote) == 1:
                    in_multiline = quote
    return lines


def yaml_key_lines(node, first_line: int = 1, prefix: str = "", seen: set[int] | None = None) -> dict[str, int]:
    """Map dotted key paths of a composed YAML mapping node to 1-based line numbers.

    A mapping that aliases bring in again is walked once (its keys' lines are where it is written): walked at
    every alias, nine aliases of nine aliases of ... would take longer than the universe has."""
    import yaml

    lines: dict[str, int] = {}
    seen = set() if seen is None else seen
    if not isinstance(node, yaml.MappingNode) or id(node) in seen:
        return lines
    seen.add(id(node))
    for key_node, value_node in node.value:
        key = f"{prefix}{key_node.value}"
        lines.setdefault(key, key_node.start_mark.line + first_line)
        lines.update({k: v for k, v in yaml_key_lines(value_node, first_line, key + ".", seen).items()
                      if k not in lines})
    return lines


def nearest_line(lines: Mapping[str, int], key: str) -> int | None:
    """The line of dotted ``key``, else of the nearest table holding it (``a.b.c`` -> ``a.b`` -> ``a``)."""
    parts = key.split(".")
    while parts:
        if ".".join(parts) in lines:
            return lines[".".join(parts)]
        parts.pop()
    return None
