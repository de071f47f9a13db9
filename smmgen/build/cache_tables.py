"""Many objects of the cache's classes stored by columns: one JSON list per declared field, read back without a
call per object.

The tagged encoding of ``smmgen.build.cache_codec`` has the JSON parser call back into Python for every object it
reads (a large site's article records are hundreds of thousands of them). Here every value of a class goes to
that class's table, and each field to one column, written as its declared type allows:

    text, numbers, booleans, None   as themselves
    a tuple of those                a plain list
    a datetime                      its ISO text (a zoned one, or one with fold=1, tagged as the codec writes it)
    a timedelta                     [days, seconds, microseconds]
    a Path                          its text
    a read-only mapping             its keys and values in turn, in a plain list (where they are plain values or
                                    lists of them)
    an object of a cached class     its row in that class's table (an int); a tuple of them: a list of rows
    anything else (Any, Mapping)    as the codec encodes it (tagged)

The file is parsed as plain JSON, with no hook, and each column is checked and converted by a few builtin passes
(``map(type, column)``) before the objects are made from the rows. The safety rules are the codec's: nothing is
looked up by a name read from the file, a tagged value goes through the codec's fixed tables, and every field is
checked against its declared outer type, so that a damaged file is a CacheFormatError, never a wrong value.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from smmgen.build.cache_codec import CacheFormatError, Codec, _outer_types, filler

_NoneType = type(None)
_JSON_SCALARS = frozenset({str, int, float, bool, _NoneType})
_SCALAR_NAMES = {"str": str, "int": int, "float": float, "bool": bool, "None": _NoneType}
_new = object.__new__
_iso = dt.datetime.fromisoformat
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _split(annotation: str, sep: str) -> list[str]:
    """``annotation`` split at ``sep`` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(annotation):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(annotation[start:i].strip())
            start = i + 1
    parts.append(annotation[start:].strip())
    return parts


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str           # "scalar", "tuple", "datetime", "timedelta", "path", "mapping", "row", "rows", "any"
    types: tuple[type, ...]          # the declared outer types (checked on reading)
    exact: frozenset                 # types a value may have as parsed JSON, unconverted ("scalar")
    of: str | None = None            # the class of "row" and "rows"


def _field(name: str, annotation: str, classes: dict[str, type]) -> FieldSpec:
    types = _outer_types(annotation, classes)
    parts = [p for p in _split(annotation, "|") if p != "None"]
    nullable = len(parts) < len(_split(annotation, "|"))
    if all(p in _SCALAR_NAMES for p in parts):
        exact = {_SCALAR_NAMES[p] for p in parts} | ({_NoneType} if nullable else set())
        if int in exact:
            exact.add(bool)                 # what isinstance(value, int) lets through
        return FieldSpec(name, "scalar", types, frozenset(exact))
    if len(parts) == 1:
        part = parts[0]
        if part == "dt.datetime":
            return FieldSpec(name, "datetime", types, frozenset())
        if part == "dt.timedelta":
            return FieldSpec(name, "timedelta", types, frozenset())
        if part == "Path":
            return FieldSpec(name, "path", types, frozenset())
        if part in classes:
            return FieldSpec(name, "row", types, frozenset(), part)
        if part.startswith("Mapping[str,") and part.endswith("]"):
            return FieldSpec(name, "mapping", types, frozenset())
        if part.startswith("tuple[") and part.endswith("]"):
            inner = _split(part[6:-1], ",")
            if len(inner) == 2 and inner[1] == "..." and inner[0] in classes:
                return FieldSpec(name, "rows", types, frozenset(), inner[0])
            if all(p in _SCALAR_NAMES or p == "..." for p in inner):
                return FieldSpec(name, "tuple", types, frozenset())
    return FieldSpec(name, "any", types, frozenset())


class Tables:
    """The column layout of ``codec``'s classes, for writing (``writer``) and reading (``read``) their tables."""

    def __init__(self, codec: Codec):
        self.codec = codec
        self.classes = {spec.tag: spec.cls for spec in codec._by_tag.values()}
        self.fields = {tag: tuple(_field(f.name, str(f.type), self.classes) for f in fields(cls))
                       for tag, cls in self.classes.items()}
        # A class's table is read after the tables its rows point into.
        order: list[str] = []

        def visit(tag: str, path: tuple[str, ...]) -> None:
            if tag in order:
                return
            if tag in path:
                raise TypeError(f"cache tables: {tag} refers to itself")
            for f in self.fields[tag]:
                if f.of is not None:
                    visit(f.of, (*path, tag))
            order.append(tag)

        for tag in self.classes:
            visit(tag, ())
        self.order = tuple(order)

    def writer(self) -> TableWriter:
        return TableWriter(self)

    def read(self, data: Any, side: list | tuple = (), rows: dict[str, list] | None = None) -> dict[str, list]:
        """The objects of each class, by tag, from what ``TableWriter.dump`` wrote (as parsed JSON), and the
        values its cells refer to (``TableWriter.side``, as ``Codec.loads`` reads them). ``rows``: filled with
        each object's field values in order, by tag."""
        if type(data) is not dict or not data.keys() <= set(self.order):
            raise CacheFormatError("tables of classes this cache does not store")
        made: dict[str, list] = {}
        try:
            for tag in self.order:
                table = data.get(tag)
                if table is not None:
                    made[tag] = self._read_table(tag, table, made, side, rows)
        except CacheFormatError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as e:
            raise CacheFormatError(f"a table of the wrong shape ({type(e).__name__}: {str(e)[:80]})") from None
        return made

    def _read_table(self, tag: str, table: Any, made: dict[str, list], side: list | tuple = (),
                    keep: dict[str, list] | None = None) -> list:
        specs = self.fields[tag]
        if type(table) is not list or len(table) != 2 or type(table[0]) is not int or type(table[1]) is not list \
                or len(table[1]) != len(specs):
            raise CacheFormatError(f"{tag}: a table of the wrong shape")
        n, columns = table
        out = []
        for spec, column in zip(specs, columns):
            if type(column) is not list or len(column) != n:
                raise CacheFormatError(f"{tag}.{spec.name}: a column of the wrong length")
            out.append(self.column(tag, spec, column, made, side))
        cls = self.classes[tag]
        names = tuple(spec.name for spec in specs)
        if keep is not None:
            keep[tag] = list(zip(*out))
        rows = []
        fill = filler(cls)
        for row in zip(*out):
            # What the generated __init__ does (the codec's classes have no __post_init__), without a call a field.
            obj = _new(cls)
            fill(obj, zip(names, row))
            rows.append(obj)
        return rows

    def column(self, tag: str, spec: FieldSpec, column: list, made: dict[str, list],
               side: list | tuple = ()) -> list:
        kind = spec.kind
        found = set(map(type, column))
        if kind == "scalar":
            if found <= spec.exact:
                return column
        elif kind == "tuple":
            if found <= {list, _NoneType} and set(map(type, itertools.chain.from_iterable(
                    filter(None, column)))) <= _JSON_SCALARS:
                return [None if v is None else tuple(v) for v in column] if _NoneType in found \
                    else list(map(tuple, column))
        elif kind == "datetime":
            if found == {str}:
                return list(map(_iso, column))
            if found <= {str, _NoneType}:
                return [None if v is None else _iso(v) for v in column]
        elif kind == "timedelta":
            if found <= {list, _NoneType}:
                given = [v for v in column if v is not None]
                if all(len(v) == 3 for v in given) and set(map(type, itertools.chain.from_iterable(given))) <= {int}:
                    return [None if v is None else dt.timedelta(*v) for v in column]
        elif kind == "path":
            if found <= {str, _NoneType}:
                paths: dict[str, Path] = {}         # one object a path: a hero is named by several cards
                return [None if v is None else paths.get(v) or paths.setdefault(v, Path(v)) for v in column]
        elif kind == "row":
            rows = made.get(spec.of)  # type: ignore[arg-type]
            if found <= {int, _NoneType} and (rows is not None or found <= {_NoneType}):
                if rows is None:
                    return list(column)     # every value None, or none at all (a plan of no cuts)
                return [None if v is None else rows[v] for v in column] if _NoneType in found \
                    else list(map(rows.__getitem__, column))  # type: ignore[union-attr]
            raise CacheFormatError(f"{tag}.{spec.name}: not rows of {spec.of}")
        elif kind == "rows":
            rows = made.get(spec.of, [])  # type: ignore[arg-type]
            if found <= {list, _NoneType} and set(map(type, itertools.chain.from_iterable(
                    filter(None, column)))) <= {int}:
                get = rows.__getitem__
                return [None if v is None else tuple(map(get, v)) for v in column]
            raise CacheFormatError(f"{tag}.{spec.name}: not rows of {spec.of}")
        elif kind == "mapping":
            # A read-only mapping of plain values and lists of them (most are) as its keys and values in turn; any
            # other one put aside.
            if found <= {list, dict}:
                given = [v for v in column if type(v) is list]
                inside = set(map(type, itertools.chain.from_iterable(given)))
                if list in inside:
                    inside.remove(list)
                    inside.update(map(type, itertools.chain.from_iterable(
                        x for v in given for x in v if type(x) is list)))
                if inside <= _JSON_SCALARS:
                    if any(map((1).__and__, map(len, given))):
                        raise CacheFormatError(f"{tag}.{spec.name}: a key without its value")
                    values = [MappingProxyType(dict(zip(v[::2], v[1::2]))) if type(v) is list else _aside(v, side)
                              for v in column]
                    if len(given) < len(column) and not all(isinstance(v, spec.types) for v in values):
                        raise CacheFormatError(f"{tag}.{spec.name}: a value of the wrong type")
                    return values
        elif found <= _JSON_SCALARS:
            if object in spec.types or all(isinstance(v, spec.types) for v in column):
                return column
            raise CacheFormatError(f"{tag}.{spec.name}: a value of the wrong type")
        # The general way: a value the writer put aside (``TableWriter.side``) is taken from there as decoded, each
        # other one converted alone; then every one is checked.
        convert = _CONVERT.get(kind, _same)
        values = [_aside(v, side) if type(v) is dict else convert(v) for v in column]
        types = spec.types
        if object not in types and not all(isinstance(v, types) for v in values):
            raise CacheFormatError(f"{tag}.{spec.name}: a value of the wrong type")
        return values


def _plain_items(mapping: MappingProxyType) -> bool:
    """Its keys and values are plain values, or lists of them (the encoding in a "mapping" column)."""
    found = set(map(type, itertools.chain.from_iterable(mapping.items())))
    if list in found:
        found.remove(list)
        found.update(map(type, itertools.chain.from_iterable(v for v in mapping.values() if type(v) is list)))
    return found <= _JSON_SCALARS


def _aside(cell: dict, side: list | tuple) -> Any:
    n = cell.get("@")
    if len(cell) != 1 or type(n) is not int or not 0 <= n < len(side):
        raise CacheFormatError("a cell that names no value put aside")
    return side[n]


def _same(value: Any) -> Any:
    if type(value) not in _JSON_SCALARS:
        raise CacheFormatError("a value that is not plain")
    return value


def _plain_list(value: Any) -> list:
    if type(value) is not list or not set(map(type, value)) <= _JSON_SCALARS:
        raise CacheFormatError("a list that is not of plain values")
    return value


def _mapping(value: Any) -> Any:
    items = _plain_list(value)
    if len(items) % 2:
        raise CacheFormatError("a key without its value")
    return MappingProxyType(dict(zip(items[::2], items[1::2])))


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "tuple": lambda v: v if v is None else tuple(_plain_list(v)),
    "datetime": lambda v: _iso(v) if type(v) is str else _same(v),
    "timedelta": lambda v: v if v is None else dt.timedelta(*_plain_list(v)),
    "path": lambda v: Path(v) if type(v) is str else _same(v),
    "mapping": _mapping,
}


class TableWriter:
    """Collects objects into their classes' tables; ``add`` gives an object's row, ``dump`` the tables as plain
    JSON data."""

    def __init__(self, tables: Tables):
        self.tables = tables
        self.codec = tables.codec
        self.side: list = []            # values with the codec's tags, which cells name by {"@": n}
        self._columns: dict[str, list[list]] = {}
        # Rows of the classes that hold no other objects of the cache (MediaRef, Timing), by their text.
        self._shared: dict[str, dict[str, int]] = {
            tag: {} for tag, specs in tables.fields.items() if all(spec.of is None for spec in specs)}
        self._encoders: dict[type, tuple[str, tuple[Callable[[Any], Any], ...], Callable[[Any], tuple]]] = {}
        for tag, specs in tables.fields.items():
            cls = tables.classes[tag]
            self._encoders[cls] = (tag, tuple(self.encoder(spec) for spec in specs),
                                   tables.codec._by_type[cls].fields)

    def add(self, obj: Any) -> int:
        found = self._encoders.get(type(obj))
        if found is None:
            raise TypeError(f"the build cache's tables cannot store a {type(obj).__qualname__}")
        tag, encoders, values = found
        columns = self._columns.get(tag)
        if columns is None:
            columns = self._columns[tag] = [[] for _ in encoders]
        row = [encode(v) for encode, v in zip(encoders, values(obj))]
        shared = self._shared.get(tag)
        if shared is not None:
            # A small value written as the same row is stored once (a cut's timing, an image's alt text): fewer
            # objects to make when reading, and equal by what is written, so no time zone is mixed up.
            key = _dumps(row)
            known = shared.get(key)
            if known is not None:
                return known
            shared[key] = len(columns[0])
        for column, value in zip(columns, row):
            column.append(value)
        return len(columns[0]) - 1

    def add_all(self, objs: Iterable[Any]) -> list[int]:
        return [self.add(obj) for obj in objs]

    def dump(self) -> dict[str, list]:
        """The tables, once every object is added; the writer lets go of them (it is done)."""
        out = {tag: [len(columns[0]), columns] for tag, columns in self._columns.items()}
        # The encoders refer back to the writer: a reference cycle, which the cache's save leaves to the collector
        # it pauses (``smmgen.build.collector``). Cut here, so that the tables go with the caller's last reference
        # to them: kept until the save ended, every file's tables were all of a large site's records at once.
        self._columns, self._shared, self._encoders = {}, {}, {}
        return out

    def encoder(self, spec: FieldSpec) -> Callable[[Any], Any]:
        """How a value of a field of this kind is written in its column; a value that needs the codec's tags is
        put aside (``side``) and its cell names it."""
        encode = self._aside
        kind = spec.kind
        if kind == "scalar":
            exact = spec.exact
            return lambda v: v if type(v) in exact else encode(v)
        if kind == "tuple":
            return lambda v: list(v) if type(v) is tuple and set(map(type, v)) <= _JSON_SCALARS else \
                v if v is None else encode(v)
        if kind == "datetime":
            codec_encode = self.codec.encode

            def datetime(v: Any) -> Any:
                if type(v) is dt.datetime and v.tzinfo is dt.UTC and not v.fold:
                    return v.isoformat()        # the cuts' times: as the codec writes them, without its tag
                out = codec_encode(v)
                return out["dt"] if type(out) is dict and "dt" in out else out if out is None else encode(v)
            return datetime
        if kind == "path":
            return lambda v: str(v) if isinstance(v, Path) else v if v is None else encode(v)
        if kind == "timedelta":
            return lambda v: [v.days, v.seconds, v.microseconds] if type(v) is dt.timedelta else \
                v if v is None else encode(v)
        if kind == "mapping":
            return lambda v: [x for kv in v.items() for x in kv] if type(v) is MappingProxyType \
                and _plain_items(v) else encode(v)
        if kind == "row":
            return lambda v: None if v is None else self.add(v)
        if kind == "rows":
            return lambda v: None if v is None else [self.add(x) for x in v]
        return lambda v: v if type(v) in _JSON_SCALARS else encode(v)

    def _aside(self, value: Any) -> dict:
        self.side.append(self.codec.encode(value))
        return {"@": len(self.side) - 1}
