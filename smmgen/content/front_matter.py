"""Split an article file into front matter and body, and parse the front matter with key positions.

YAML between ``---`` lines (Jekyll, Hugo) and TOML between ``+++`` lines (Hugo) are accepted. python-frontmatter
finds the block; the block is then parsed here so that every key keeps its line for error messages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from smmgen.config import controls
from smmgen.config.lines import toml_key_lines, yaml_key_lines
from smmgen.config.toml_text import MAX_DEPTH, key_on_line, toml_loads
from smmgen.errors import ContentError
from smmgen.site_files import OUTSIDE, inside

MAX_ARTICLE_BYTES = 2 * 1024 * 1024  # an article larger than this is a mistake (a pasted binary, a log)


@dataclass(frozen=True)
class Parsed:
    data: dict[str, Any]
    lines: dict[str, int]    # dotted key -> 1-based line in the file
    body: str
    body_line: int           # file line on which the body text (after the closing fence) starts


class _TomlHandler(BaseHandler):
    """Hugo's ``+++`` blocks, parsed with the standard library's tomllib."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps timezone-aware and never turns `on`/`yes` into booleans silently."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = node.value
    try:
        value = yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        # PyYAML drops the offset into UTC and returns a naive datetime when one was written; keep it aware.
        if isinstance(value, dt.datetime) and value.tzinfo is None and ("Z" in text or "+" in text[10:]
                                                                         or "-" in text[10:]):
            value = dt.datetime.fromisoformat(text.replace(" ", "T").replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        # Shaped like a date but no date (2026-02-30, an offset of 25 hours): the text as written, which the
        # field's own check then refuses with the field's name and line.
        return text
    return value


_NoDatesLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

_FAST_LOADER: type | None = None
if yaml.__with_libyaml__:
    class _NoDatesCLoader(yaml.CSafeLoader):
        """The same loader on libyaml's parser, about ten times faster. It reads only blocks that ``_plain``
        lets through; a block it refuses is read again with ``_NoDatesLoader``, so what is accepted and every
        error message stay those of the pure loader."""

    _NoDatesCLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
    _FAST_LOADER = _NoDatesCLoader

# Where libyaml and PyYAML's own parser disagree: tabs (libyaml takes a tab after a value that PyYAML
# refuses), line breaks, byte order marks and controls other than "\n", and the indicators of tags,
# anchors, aliases, complex keys, block scalars and directives ("%" only where a token may start: "27%" is
# text). A block with none of these is read alike by both (tests/test_front_matter_loaders.py compares them).
_NOT_PLAIN = re.compile(r"[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
                        r"|[!&*?`@|>]|(?<!\S)%")


def _plain(block: str) -> bool:
    return _NOT_PLAIN.search(block) is None


def read_article_text(path, shown: str, root, *, removed: list[tuple[int, str]] | None = None) -> str:
    """The article's text; ``root`` is the site folder, which the file (links followed) must not leave.
    ``removed``: a list to which an invisible control character is reported as ``(line, message)``, and
    which takes it out of the text, instead of an error (a generator that builds the page anyway)."""
    if inside(path, root) is None:
        raise ContentError(shown, None, None, OUTSIDE)
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            raise ContentError(shown, None, None,
                               f"file is {size / 1048576:.1f} MB; articles over "
                               f"{MAX_ARTICLE_BYTES // 1048576} MB are refused (is it really Markdown?)")
        raw = path.read_bytes()
    except OSError as e:
        raise ContentError(shown, None, None, f"cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ContentError(shown, line, None,
                           f"not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); "
                           "save the file as UTF-8") from None
    if not text.strip():
        raise ContentError(shown, None, None, "the file is empty; an article needs front matter with a title "
                                              "and a date")
    text = text.replace("\r\n", "\n")
    control = controls.in_text(text)
    if control is not None and removed is None:
        raise ContentError(shown, control[0], None, control[1])
    if control is not None:
        removed.append((control[0], control[1].replace("; remove it", "; left out")))
        text = controls.FORBIDDEN.sub("", text)
    return text


def parse(text: str, shown: str, *, duplicates: list[tuple[int, str]] | None = None) -> Parsed:
    """Parse an article's text; raises ContentError with the line of the problem. ``duplicates``: a list to
    which a YAML key written twice is reported as ``(line, message)``, the last value kept (as Ruby's YAML
    reader does for Jekyll), instead of an error."""
    handler = frontmatter.detect_format(text, [YAMLHandler(), _TomlHandler()])
    if handler is None:
        raise ContentError(shown, 1, None, "no front matter: start the file with a '---' (YAML) or '+++' (TOML) "
                                           "block holding at least title and date")
    try:
        block, body = handler.split(text)
    except ValueError:
        raise ContentError(shown, 1, None, "front matter is not closed: add the closing "
                                           f"'{'---' if isinstance(handler, YAMLHandler) else '+++'}' line") from None
    # The block keeps the rest of the opening fence's line, so its line 1 is the file's line 1.
    first = 1
    body_line = block.count("\n") + 1
    if isinstance(handler, YAMLHandler):
        data, lines = _parse_yaml(block, shown, first, duplicates)
    else:
        data, lines = _parse_toml(block, shown, first)
    if not isinstance(data, dict):
        raise ContentError(shown, first, None, "front matter must be a mapping of keys to values "
                                               f"(got {type(data).__name__})")
    return Parsed(data=data, lines=lines, body=body, body_line=body_line)


def _parse_yaml(block: str, shown: str, first: int,
                duplicates: list[tuple[int, str]] | None = None) -> tuple[Any, dict[str, int]]:
    too_deep = yaml_too_deep(block)
    if too_deep is not None:
        raise ContentError(shown, too_deep + first, None, f"front matter is nested more than {MAX_DEPTH} levels "
                                                          "deep")
    if _FAST_LOADER is not None and _plain(block):
        try:
            return _load_yaml(block, _FAST_LOADER, first, duplicates)
        except (yaml.YAMLError, UnicodeError):
            pass                # read again below: the pure loader decides, and words the error
    try:
        return _load_yaml(block, _NoDatesLoader, first, duplicates)
    except yaml.MarkedYAMLError as e:
        problem = e.problem or e.context or "unreadable"
        mark = e.problem_mark or e.context_mark
        if e.context_mark and ("end of stream" in problem or "<stream end>" in problem):
            # An unclosed quote or bracket is only noticed at the end of the block: point at where it was opened.
            mark = e.context_mark
            problem = f"{problem} {e.context}" if e.context else problem
        line = mark.line + first if mark else first
        raise ContentError(shown, line, None, f"front matter is not valid YAML: {problem}") from None
    except yaml.YAMLError as e:
        raise ContentError(shown, first, None, f"front matter is not valid YAML: {e}") from None
    except RecursionError:          # an alias inside the very mapping it names: &a {b: *a}
        raise ContentError(shown, first, None, "front matter is not valid YAML: an alias refers to a mapping "
                                               "that holds it") from None


def _load_yaml(block: str, loader_class: type, first: int,
               duplicates: list[tuple[int, str]] | None = None) -> tuple[Any, dict[str, int]]:
    """The block's data and the line of each key, from one parse."""
    loader = loader_class(block)
    try:
        node = loader.get_single_node()
        found = _refuse_duplicate_keys(node, first, duplicates is not None)
        if duplicates is not None:
            duplicates[:] = found
        # Lines first: constructing a mapping with merge keys (<<) rewrites its node.
        lines = yaml_key_lines(node, first)
        data = loader.construct_document(node) if node is not None else {}
    finally:
        loader.dispose()
    return (data if data is not None else {}), lines


def _refuse_duplicate_keys(root: yaml.Node | None, first: int, keep_last: bool = False) -> list[tuple[int, str]]:
    """A key written twice in one mapping is an error naming both lines (PyYAML keeps the last silently);
    with ``keep_last``, each is returned as ``(line, message)`` instead. Keys brought in by a merge (``<<``)
    may be overridden: that is what merging is for."""
    found: list[tuple[int, str]] = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes or not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
            continue
        keys: dict[tuple[str, str], int] = {}
        for key, value in node.value:
            stack.append(value)
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            if (key.tag, key.value) in keys:
                if keep_last:
                    found.append((key.start_mark.line + first,
                                  f"duplicate key {_quoted(key.value)}: also on line {keys[key.tag, key.value]}; "
                                  "this last value is used, as Jekyll does: keep one"))
                    continue
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {_quoted(key.value)}: also on line {keys[key.tag, key.value]}; "
                    "keep one", key.start_mark)
            keys[key.tag, key.value] = key.start_mark.line + first
    return found


def _quoted(text: str) -> str:
    return '"' + (text if len(text) <= 60 else text[:57] + "...").replace('"', '\\"') + '"'


def yaml_too_deep(block: str) -> int | None:
    """The 0-based line at which ``block`` nests more than MAX_DEPTH collections deep, or None.

    libyaml's composer recurses in C for each level and crashes the process past some ten thousand;
    PyYAML's recurses in Python. Libyaml's event parser does not recurse, so the depth is counted on its
    events, and only for a block with enough indicators to be that deep at all."""
    if sum(block.count(c) for c in "[{-?:\n") <= MAX_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(block, Loader=_FAST_LOADER or yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None                 # the parse proper reports it
    return None


def _parse_toml(block: str, shown: str, first: int) -> tuple[Any, dict[str, int]]:
    # The block starts with the rest of the opening fence's line: its line N is the file's line N + first - 1.
    data, line, message = toml_loads(block)
    if data is None:
        line = (line or 1) + first - 1
        raise ContentError(shown, line, key_on_line(toml_key_lines(block, first), line),
                           f"front matter is not valid TOML: {message}")
    return data, toml_key_lines(block, first)
