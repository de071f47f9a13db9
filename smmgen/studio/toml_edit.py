"""Editing TOML text in place: change values where they are written, keep comments, order and spacing.

A layout saved by the studio, or TOML front matter given a new ``image_focus``, must read like the file the person
wrote: only the values that changed are rewritten (in the text, between ``=`` and the comment), keys that were
removed lose their lines, and new keys go after the last key of their table (new tables before the per-target
``[targets.…]`` overrides, or at the end). The result is parsed again and must equal the data asked for, else
``EditError``: a file is never written that says something other than what was meant.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Path_ = tuple[str | int, ...]
"""A key's place: table names, array-of-tables indexes, then the key."""

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class EditError(Exception):
    """The text cannot be edited safely into the data asked for; the message says why, for a person."""


@dataclass(frozen=True)
class Entry:
    """A ``key = value`` written in the text."""

    path: Path_
    line: int          # 0-based line of the key
    end_line: int      # 0-based line on which the value ends
    start: int         # offset of the value's first character
    end: int           # offset just past the value (before any comment)


@dataclass(frozen=True)
class Header:
    """A ``[table]`` or ``[[array.item]]`` line."""

    path: Path_
    line: int
    array: bool


@dataclass(frozen=True)
class Scan:
    entries: tuple[Entry, ...]
    headers: tuple[Header, ...]
    line_starts: tuple[int, ...]


# ----------------------------------------------------------------------------------------------------------
# Reading where things are


def scan(text: str) -> Scan:
    """Every key's value span and every table header of ``text`` (which must be valid TOML)."""
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
    entries: list[Entry] = []
    headers: list[Header] = []
    table: Path_ = ()
    counts: dict[tuple, int] = {}
    i, n = 0, len(text)
    while i < n:
        line_end = text.find("\n", i)
        line_end = n if line_end < 0 else line_end
        stripped = text[i:line_end].strip()
        if not stripped or stripped.startswith("#"):
            i = line_end + 1
            continue
        line_no = _line_of(line_starts, i)
        if stripped.startswith("["):
            array = stripped.startswith("[[")
            inner = stripped[2:] if array else stripped[1:]
            keys, rest = _keys(inner)
            path: Path_ = tuple(keys)
            if array:
                # A nested array item's place includes its parents' indexes ([[targets.instagram.rect]]).
                counts[path] = counts.get(path, -1) + 1
                path = _with_indexes(path, counts) + (counts[path],)
            else:
                path = _with_indexes(path, counts)
            headers.append(Header(path, line_no, array))
            table = path
            i = line_end + 1
            continue
        offset = i + (len(text[i:line_end]) - len(text[i:line_end].lstrip()))
        keys, rest = _keys(text[offset:line_end])
        eq = line_end - len(rest)
        assert text[eq] == "=", f"line {line_no + 1}: expected '='"
        start = eq + 1
        while text[start] in " \t":
            start += 1
        end = _value_end(text, start)
        entries.append(Entry(table + tuple(keys), line_no, _line_of(line_starts, end - 1), start, end))
        nl = text.find("\n", end)
        i = n if nl < 0 else nl + 1
    return Scan(tuple(entries), tuple(headers), tuple(line_starts))


def _with_indexes(path: tuple, counts: dict[tuple, int]) -> Path_:
    """``path`` with the current index after each prefix that names an array of tables."""
    out: list[str | int] = []
    for k in range(len(path)):
        out.append(path[k])
        if k < len(path) - 1 and path[: k + 1] in counts:
            out.append(counts[path[: k + 1]])
    return tuple(out)


def _line_of(line_starts: Sequence[int], offset: int) -> int:
    lo, hi = 0, len(line_starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if line_starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _keys(s: str) -> tuple[list[str], str]:
    """A dotted key at the start of ``s`` and the rest of ``s`` from the ``=`` or ``]`` after it."""
    keys: list[str] = []
    i = 0
    while True:
        while i < len(s) and s[i] in " \t":
            i += 1
        if s[i] == '"':
            j = i + 1
            while s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            keys.append(json.loads(s[i:j + 1]))
            i = j + 1
        elif s[i] == "'":
            j = s.index("'", i + 1)
            keys.append(s[i + 1:j])
            i = j + 1
        else:
            m = re.match(r"[A-Za-z0-9_-]+", s[i:])
            assert m, f"not a key: {s!r}"
            keys.append(m.group(0))
            i += m.end()
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == ".":
            i += 1
            continue
        return keys, s[i:]


def _value_end(text: str, i: int) -> int:
    """Offset just past the value starting at ``i``: strings and brackets followed over lines, the comment
    after it not included."""
    depth, last, n = 0, i, len(text)
    while i < n:
        for quote in ('"""', "'''"):
            if text.startswith(quote, i):
                j = i + 3
                while not text.startswith(quote, j) or (quote == '"""' and _escaped(text, j)):
                    j += 1
                while text.startswith(quote[0], j + 3):     # """a"""" ends with the last three quotes
                    j += 1
                i = last = j + 3
                break
        else:
            c = text[i]
            if c in "\"'":
                j = i + 1
                while text[j] != c or (c == '"' and _escaped(text, j)):
                    j += 1
                i = last = j + 1
                continue
            if c == "#":
                nl = text.find("\n", i)
                if depth == 0 or nl < 0:
                    break
                i = nl
                continue
            if c == "\n" and depth == 0:
                break
            if c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
            if c not in " \t\r\n":
                last = i + 1
            i += 1
    return last


def _escaped(text: str, j: int) -> bool:
    backslashes = 0
    while text[j - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


# ----------------------------------------------------------------------------------------------------------
# Writing values


def format_value(v: Any) -> str:
    """``v`` as a person writes it in TOML: inline arrays and tables, basic strings."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise EditError(f"not a finite number: {v}")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(v, list):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{format_key(k)} = {format_value(x)}" for k, x in v.items()) + " }"
    raise EditError(f"cannot write a {type(v).__name__} in TOML")


def format_key(k: str) -> str:
    return k if BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def same_value(a: Any, b: Any) -> bool:
    """Equal as TOML values: 1 and 1.0 are the same number, true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def leaves(data: dict[str, Any], inline: set[Path_] = frozenset(), prefix: Path_ = ()) -> dict[Path_, Any]:
    """Every value that is no table, by its path; arrays of tables by index. A path in ``inline`` is a leaf
    even when its value is a table (an inline table in the text)."""
    out: dict[Path_, Any] = {}
    for k, v in data.items():
        path = prefix + (k,)
        if path not in inline and isinstance(v, dict):
            out.update(leaves(v, inline, path))
        elif path not in inline and isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for i, item in enumerate(v):
                out.update(leaves(item, inline, path + (i,)))
        else:
            out[path] = v
    return out


Rank = Callable[[Path_], tuple]
"""Sort key of a path for new keys and tables: the order a person writes them in (the schema's)."""


def _no_rank(path: Path_) -> tuple:
    return ()


def dumps(data: dict[str, Any], rank: Rank = _no_rank) -> str:
    """``data`` as a fresh TOML document: top-level keys, then tables in ``rank`` order."""
    return update("", data, rank)


def update(text: str, data: dict[str, Any], rank: Rank = _no_rank, *, first_section: str | None = None) -> str:
    """``text`` changed to say ``data``: values rewritten in place, removed keys' lines deleted, new keys after
    their table's last key, new tables before the first header starting with ``first_section``'s table
    (``targets``: base tables before the per-target ones) or at the end. Raises ``EditError``."""
    try:
        old = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise EditError(f"the file is not valid TOML ({e}); fix it by hand first") from None
    found = scan(text)
    inline = {e.path for e in found.entries}
    by_path = {e.path: e for e in found.entries}
    old_leaves, new_leaves = leaves(old, inline), leaves(data, inline)
    lines = text.split("\n") if text else []
    if lines and lines[-1] == "":
        lines.pop()
    # Edits in line terms: replacement text for (first_line, last_line) spans, insertions after a line.
    replace: dict[int, tuple[int, str | None]] = {}        # first line -> (last line, new text or None)
    inserts: dict[int, list[str]] = {}                    # after line (-1: at the top) -> lines

    for path, value in old_leaves.items():
        entry = by_path[path]
        if path in new_leaves:
            if not same_value(value, new_leaves[path]):
                first = found.line_starts[entry.line]
                last_end = _line_end(text, entry.end)
                prefix, suffix = text[first:entry.start], text[entry.end:last_end]
                replace[entry.line] = (entry.end_line, prefix + format_value(new_leaves[path]) + suffix)
        else:
            replace[entry.line] = (entry.end_line, None)

    # Tables written in the text that are gone: their header, keys and the comment just above go.
    present = _table_paths(data)
    headers = list(found.headers)
    for h in headers:
        if h.path not in present:
            replace[h.line] = (h.line, None)
            above = h.line - 1
            while above >= 0 and lines[above].lstrip().startswith("#") and above not in replace:
                replace[above] = (above, None)
                above -= 1

    # New keys, by table.
    added = [p for p in new_leaves if p not in old_leaves]
    added.sort(key=rank)
    written_tables = {h.path: h for h in headers}
    new_sections: dict[Path_, list[str]] = {}
    for path in added:
        table, key = path[:-1], path[-1]
        line = f"{format_key(str(key))} = {format_value(new_leaves[path])}"
        if table == () or table in written_tables:
            after = _last_line_of_table(table, found, written_tables)
            inserts.setdefault(after, []).append(line)
        else:
            new_sections.setdefault(table, []).append(line)

    if new_sections:
        first_target = next((h.line for h in headers if first_section and h.path[:1] == (first_section,)), None)
        base, later = [], []
        for table in sorted(new_sections, key=lambda t: rank(t + ("",))):
            is_array = isinstance(table[-1], int)
            names = [str(p) for p in table if not isinstance(p, int)]
            header = f"[[{'.'.join(map(format_key, names))}]]" if is_array else f"[{'.'.join(map(format_key, names))}]"
            block = ["", header, *new_sections[table]]
            (later if first_section and table[:1] == (first_section,) else base).append(block)
        if first_target is not None:
            at = first_target - 1
            while at >= 0 and (lines[at].lstrip().startswith("#") or not lines[at].strip()):
                at -= 1       # before the comment and blank lines that introduce the first override
            for block in base:
                inserts.setdefault(at, []).extend(block)
            tail = later
        else:
            tail = base + later
        end = len(lines) - 1
        for block in tail:
            inserts.setdefault(end, []).extend(block)

    out: list[str] = list(inserts.get(-1, []))
    k = 0
    while k < len(lines):
        if k in replace:
            last, new = replace[k]
            if new is not None:
                out.extend(new.split("\n"))
            else:
                out.append(_GAP)
            for within in range(k, last + 1):
                out.extend(inserts.get(within, []))
            k = last + 1
            continue
        out.append(lines[k])
        out.extend(inserts.get(k, []))
        k += 1
    result = "\n".join(_tidy(out)).lstrip("\n") if not text else "\n".join(_tidy(out))
    if result:
        result += "\n"      # a file written by the studio ends with a newline, whatever it had
    try:
        check = tomllib.loads(result)
    except tomllib.TOMLDecodeError as e:
        raise EditError(f"the edit would not be valid TOML ({e}); edit the file by hand") from None
    if not same_value(check, data):
        raise EditError("the file is written in a way this editor cannot change safely; edit it by hand")
    return result


def _line_end(text: str, offset: int) -> int:
    nl = text.find("\n", offset)
    return len(text) if nl < 0 else nl


def _table_paths(data: dict[str, Any], prefix: Path_ = ()) -> set[Path_]:
    out: set[Path_] = set()
    for k, v in data.items():
        if isinstance(v, dict):
            out.add(prefix + (k,))
            out |= _table_paths(v, prefix + (k,))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for i, item in enumerate(v):
                out.add(prefix + (k, i))
                out |= _table_paths(item, prefix + (k, i))
    return out


def _last_line_of_table(table: Path_, found: Scan, headers: dict[Path_, Header]) -> int:
    """The line after which a new key of ``table`` goes: its last key's, else its header's (top level: the last
    key before the first header, else before the first header's introducing comments)."""
    own = [e.end_line for e in found.entries if e.path[:-1] == table
           and (table != () or not found.headers or e.line < found.headers[0].line)]
    if own:
        return max(own)
    if table == ():
        return -1
    return headers[table].line


_GAP = object()
"""Where lines were deleted: the blank lines on either side of it become one."""


def _tidy(lines: list) -> list[str]:
    """The lines without the deletion marks, and without a doubled blank line where a deletion left one (or
    a blank line where it left one at the start or the end of the text); other lines are kept as they are."""
    out: list[str] = []
    at_gap = False
    for line in lines:
        if line is _GAP:
            at_gap = True
            continue
        if at_gap and not line.strip() and (not out or not out[-1].strip()):
            continue
        at_gap = at_gap and not line.strip()
        out.append(line)
    if at_gap:
        while out and not out[-1].strip():
            out.pop()
    return out
