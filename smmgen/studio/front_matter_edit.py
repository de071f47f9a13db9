"""Setting one key of an article's front matter, and changing nothing else in the file, byte for byte.

The studio writes ``image_focus: [x, y]`` and the card layout (``card: name``, or ``layout`` inside a ``card``
mapping or ``[card]`` table where the article has one). YAML values are found by the parser's own marks, TOML
values by ``toml_edit.scan``; only the value's characters are replaced, or one line is added: at the end of YAML
front matter, and after the last top-level key in TOML (a key after a ``[table]`` header would belong to that
table). The edited file is parsed again and must hold the same data but for that key, else ``EditError``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from smmgen.content.front_matter import parse
from smmgen.errors import SmmgenError
from smmgen.studio.toml_edit import EditError, format_value, scan

_FENCES = {"yaml": re.compile(r"^-{3,}[ \t]*\r?$", re.M), "toml": re.compile(r"^\+{3,}[ \t]*\r?$", re.M)}
_PLAIN_YAML = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def set_key(raw: bytes, path: tuple[str, ...], value: Any, shown: str) -> bytes:
    """The article file ``raw`` with front-matter key ``path`` (("image_focus",) or ("card", "layout")) set to
    ``value``. For ("card", "layout"): a ``card: name`` already written is replaced by the name, a ``card``
    mapping or table gets ``layout``, and without either ``card: name`` is added."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EditError(f"{shown} is not UTF-8 text") from None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    kind = "yaml" if body.startswith("---") else "toml" if body.startswith("+++") else None
    if kind is None:
        raise EditError(f"{shown} has no front matter block to edit")
    opening = _FENCES[kind].match(body)
    if opening is None:
        raise EditError(f"{shown}: the front matter's first line is not a plain '---' or '+++' fence")
    start = opening.end() + 1
    closing = _FENCES[kind].search(body, start)
    if closing is None:
        raise EditError(f"{shown}: the front matter is not closed")
    block = body[start:closing.start()]
    newline = "\r\n" if "\r\n" in block or body[opening.end():opening.end() + 1] == "\r" else "\n"
    edited = (_yaml if kind == "yaml" else _toml)(block, path, value, newline)
    result = bom + body[:start] + edited + body[closing.start():]
    _check(text, result, path, value, shown)
    return result.encode("utf-8")


# ----------------------------------------------------------------------------------------------------------
# YAML


def _yaml(block: str, path: tuple[str, ...], value: Any, newline: str) -> str:
    try:
        root = yaml.compose(block, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        raise EditError(f"the front matter is not valid YAML: {e}") from None
    if root is None:
        return block + _yaml_line(path, value) + newline
    if not isinstance(root, yaml.MappingNode):
        raise EditError("the front matter is not a mapping of keys to values")
    top, rest = path[0], path[1:]
    node = _find(root, top)
    if node is None:
        return block + _yaml_line(path, value) + newline
    key, val = node
    if rest and isinstance(val, yaml.ScalarNode) and top == "card":
        rest = ()                               # card: name, the short form: the name is replaced
    if not rest:
        return _replace_yaml(block, key, val, _yaml_value(value))
    if not isinstance(val, yaml.MappingNode):
        raise EditError(f"{top} is neither a name nor a mapping; set {'.'.join(path)} by hand")
    inner = _find(val, rest[0])
    if inner is not None:
        return _replace_yaml(block, inner[0], inner[1], _yaml_value(value))
    if val.flow_style or not val.value:
        raise EditError(f"{top} is written inline ({{…}}); set {'.'.join(path)} by hand")
    first_key = val.value[0][0]
    indent = first_key.start_mark.column
    at = _line_end(block, _end(val))
    return block[:at] + newline + " " * indent + f"{rest[0]}: {_yaml_value(value)}" + block[at:]


def _find(mapping: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    found = [(k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == name]
    if len(found) > 1:
        raise EditError(f"{name} is written twice; keep one")
    return found[0] if found else None


def _end(node: yaml.Node) -> int:
    """Offset just past the node's own text (a block collection's last item, not the comments after it)."""
    if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return _end(last[1] if isinstance(last, tuple) else last)
    return node.end_mark.index


def _replace_yaml(block: str, key: yaml.Node, val: yaml.Node, new: str) -> str:
    if val.tag != "tag:yaml.org,2002:null" or val.start_mark.index != val.end_mark.index:
        start = val.start_mark.index
        if val.start_mark.line != key.start_mark.line:     # a block value on the lines below the key
            start = block.index(":", key.end_mark.index) + 1
            new = " " + new
        if getattr(val, "anchor", None) or block[start:start + 1] in "&*!":
            raise EditError("the value has a YAML anchor, alias or tag; edit it by hand")
        return block[:start] + new + block[_end(val):]
    # "key:" with no value: the value goes after the colon.
    colon = block.index(":", key.end_mark.index) + 1
    return block[:colon] + " " + new + block[colon:]


def _yaml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return value if _PLAIN_YAML.match(value) and value not in ("true", "false", "null", "yes", "no", "on",
                                                                    "off") else json.dumps(value)
    return format_value(value)


def _yaml_line(path: tuple[str, ...], value: Any) -> str:
    return f"{path[0]}: {_yaml_value(value)}"


def _line_end(text: str, offset: int) -> int:
    nl = text.find("\n", offset)
    if nl < 0:
        return len(text)
    return nl - 1 if nl > 0 and text[nl - 1] == "\r" else nl


# ----------------------------------------------------------------------------------------------------------
# TOML


def _toml(block: str, path: tuple[str, ...], value: Any, newline: str) -> str:
    try:
        found = scan(block)
    except (AssertionError, IndexError, ValueError):
        raise EditError("the front matter is TOML this editor cannot read safely; edit it by hand") from None
    entries = {e.path: e for e in found.entries}
    first_header = found.headers[0].line if found.headers else None
    target = path
    if path[0] == "card" and ("card",) in entries and len(path) > 1:
        target = ("card",)                      # card = "name": the name is replaced
    if target in entries:
        e = entries[target]
        new = format_value(value)
        if target == ("card",) and block[e.start] == "{":
            raise EditError('card is an inline table; write card = "name" or a [card] table')
        return block[:e.start] + new + block[e.end:]
    if len(path) > 1 and any(h.path == path[:-1] for h in found.headers):
        header = next(h for h in found.headers if h.path == path[:-1])
        own = [x.end for x in found.entries if x.path[:-1] == path[:-1]]
        at = _line_end(block, max(own)) if own else _line_end(block, found.line_starts[header.line])
        return block[:at] + newline + f"{path[-1]} = {format_value(value)}" + block[at:]
    top = [x for x in found.entries if len(x.path) == 1 and (first_header is None or x.line < first_header)]
    line = f"{path[0]} = {format_value(value)}"
    if not top:
        return line + newline + block
    at = _line_end(block, max(x.end for x in top))
    return block[:at] + newline + line + block[at:]


# ----------------------------------------------------------------------------------------------------------


def _check(before: str, after: str, path: tuple[str, ...], value: Any, shown: str) -> None:
    """The edited file parses to the old data with the one key changed; nothing else moved."""
    try:
        old = parse(before.lstrip("\ufeff").replace("\r\n", "\n"), shown).data
        new = parse(after.lstrip("\ufeff").replace("\r\n", "\n"), shown).data
    except SmmgenError as e:
        raise EditError(f"the edit would break the front matter ({e}); edit it by hand") from None
    expected = dict(old)
    if path[0] == "card" and (not isinstance(old.get("card"), dict)):
        expected["card"] = value
    elif len(path) == 2:
        expected[path[0]] = {**old[path[0]], path[1]: value}
    else:
        expected[path[0]] = value
    if new != expected:
        raise EditError(f"{shown}: the front matter is written in a way this editor cannot change safely; "
                        f"set {'.'.join(path)} by hand")
