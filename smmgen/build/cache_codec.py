"""The build cache's file format: JSON that holds data only, never anything that runs.

The cache lives inside the site, where a pull request can put any file it likes, and the publish workflow builds
with every platform's secrets in its environment: reading the cache must not be able to run code, so it is not
pickled. A ``Codec`` writes and reads an allow-list of types, each a JSON value or an object with one key, its
tag:

    str, int, float, bool, None, list   as themselves
    tuple            {"t": [items]}          frozenset   {"f": [items]}
    dict             {"d": [k, v, k, v...]}  MappingProxyType  {"m": [k, v, ...]}   (keys of any allowed type)
    datetime         {"dt": "iso"} (fixed offset or naive; "dtf" with fold=1), {"dz": ["local iso", "zone", fold]}
    date             {"date": "iso"}         timedelta   {"td": [days, seconds, microseconds]}
    Path             {"p": "text"}           bytes       {"b": "base64"}
    a dataclass      {"ClassName": [its init fields in order]}; a field declared a tuple or a datetime (or None)
                     holds a plain list or ISO text there, which the class's reader turns back

Reading never imports or calls anything by a name read from the file: a tag is looked up in a fixed table, a
dataclass tag among the classes the ``Codec`` was made with, a zone among the zones it was given. Each field of
a dataclass is checked against its declared type (the outer type: a ``tuple[str, ...]`` field must hold a tuple),
so a damaged file fails to load (``CacheFormatError``) instead of handing the build a wrong value.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import operator
from collections.abc import Callable, Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo


def filler(cls: type) -> Callable[[Any, Iterable[tuple[str, Any]]], None]:
    """How a new object of the dataclass ``cls`` (``object.__new__``'s) is given its fields' values, as its
    generated ``__init__`` would, without a call per field: its ``__dict__`` updated at once, or for a class with
    slots, one slot after the other."""
    return _fill_slots if "__slots__" in cls.__dict__ else _fill_dict


def _fill_dict(made: Any, values: Iterable[tuple[str, Any]]) -> None:
    made.__dict__.update(values)


def _fill_slots(made: Any, values: Iterable[tuple[str, Any]]) -> None:
    for name, value in values:
        object.__setattr__(made, name, value)


class CacheFormatError(ValueError):
    """A file that is not what a ``Codec`` writes (damaged, foreign, or holding a type it does not know)."""


_NoneType = type(None)
_new = object.__new__
_SCALARS = (str, int, float, bool, _NoneType)
_SCALAR_SET = frozenset(_SCALARS)

# Outer types of the annotations the cached dataclasses use, by name (with ``from __future__ import annotations``
# they are strings); a name not here nor among the codec's classes is refused when the codec is made.
_ANNOTATED: dict[str, type | tuple[type, ...]] = {
    "str": str, "int": int, "float": float, "bool": bool, "None": _NoneType, "bytes": bytes,
    "tuple": tuple, "list": list, "dict": dict, "frozenset": frozenset,
    "Mapping": (dict, MappingProxyType), "Any": object, "Path": Path, "Stamp": tuple,
    "dt.datetime": dt.datetime, "dt.date": dt.date, "dt.timedelta": dt.timedelta,
}


def _outer_types(annotation: str, classes: dict[str, type]) -> tuple[type, ...]:
    """``"tuple[str, ...] | None"`` -> ``(tuple, NoneType)``."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(annotation):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(annotation[start:i])
            start = i + 1
    parts.append(annotation[start:])
    out: list[type] = []
    for part in parts:
        name = part.split("[", 1)[0].strip().strip("'\"")
        kind = classes.get(name) or _ANNOTATED.get(name)
        if kind is None:
            raise TypeError(f"cache codec: no outer type known for annotation {annotation!r}")
        out.extend(kind if isinstance(kind, tuple) else (kind,))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class _Class:
    cls: type
    tag: str
    fields: Callable[[Any], tuple]              # the instance's init fields, in order
    types: tuple[tuple[type, ...], ...]         # what each field may hold
    plain: tuple[tuple[int, str], ...]          # fields written untagged: (index, "tuple" | "datetime")
    names: tuple[str, ...]
    fill: Callable[[Any, Iterable[tuple[str, Any]]], None]     # ``filler(cls)``


# A field declared a tuple (or a datetime), maybe None, is written as a plain JSON list (an ISO string) and made a
# tuple (a datetime) again by its class's reader: tens of thousands fewer tagged objects for a large site's cache.
_PLAIN = {(tuple,): "tuple", (tuple, _NoneType): "tuple", (_NoneType, tuple): "tuple",
          (dt.datetime,): "datetime", (dt.datetime, _NoneType): "datetime", (_NoneType, dt.datetime): "datetime"}


class Codec:
    """Encodes and decodes values made of the allowed types and of ``classes`` (frozen dataclasses, tagged by
    class name). Datetimes may carry a fixed offset or a ``ZoneInfo`` (by its key); reading accepts only the
    keys of ``zones``, and gives back those very objects."""

    def __init__(self, classes: Iterable[type] = (), zones: Iterable[ZoneInfo] = ()):
        classes = tuple(classes)
        by_name = {cls.__name__: cls for cls in classes}
        if len(by_name) != len(classes):
            raise TypeError("cache codec: two classes share a name")
        self._by_type: dict[type, _Class] = {}
        self._by_tag: dict[str, _Class] = {}
        for cls in classes:
            fields = dataclasses.fields(cls)
            if any(not f.init for f in fields) or not fields or hasattr(cls, "__post_init__"):
                raise TypeError(f"cache codec: {cls.__name__} must be a plain dataclass with init fields only")
            names = tuple(f.name for f in fields)
            getter = operator.attrgetter(*names)
            types = tuple(_outer_types(str(f.type), by_name) for f in fields)
            plain = tuple((i, _PLAIN[t]) for i, t in enumerate(types) if t in _PLAIN)
            spec = _Class(cls, cls.__name__, (lambda v, g=getter: (g(v),)) if len(names) == 1 else getter,
                          types, plain, names, filler(cls))
            if spec.tag in _DECODERS:
                raise TypeError(f"cache codec: class name {spec.tag} is a built-in tag")
            self._by_type[cls] = self._by_tag[spec.tag] = spec
        self._zones = {zone.key: zone for zone in zones}
        self._json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
        self._parse = json.JSONDecoder(object_pairs_hook=self._object).decode

    # --- writing -----------------------------------------------------------------------------------------------

    def dumps(self, value: Any) -> str:
        """One line of compact JSON (no newline inside: strings escape theirs)."""
        return self._json(self.encode(value))

    def encode(self, value: Any) -> Any:
        """``value`` as plain JSON data; TypeError for a type the codec does not know."""
        kind = type(value)
        if kind in _SCALARS:
            return value
        encode = self.encode
        if kind is tuple:
            return {"t": [encode(v) for v in value]}
        spec = self._by_type.get(kind)
        if spec is not None:
            return {spec.tag: self._fields(spec, value)}
        if kind is list:
            return [encode(v) for v in value]
        if kind is dict or kind is MappingProxyType:
            return {"d" if kind is dict else "m": [x for k, v in value.items() for x in (encode(k), encode(v))]}
        if kind is dt.datetime:
            return self._datetime(value)
        if kind is frozenset:
            return {"f": [encode(v) for v in value]}
        if kind is dt.date:
            return {"date": value.isoformat()}
        if kind is dt.timedelta:
            return {"td": [value.days, value.seconds, value.microseconds]}
        if isinstance(value, Path):
            return {"p": str(value)}
        if kind is bytes:
            return {"b": base64.b64encode(value).decode("ascii")}
        raise TypeError(f"the build cache cannot store a {kind.__module__}.{kind.__qualname__}")

    def _fields(self, spec: _Class, value: Any) -> list:
        encode = self.encode
        values = spec.fields(value)
        out = [encode(v) for v in values]
        for i, kind in spec.plain:
            v = values[i]
            if v is None:
                continue
            if kind == "tuple":
                if type(v) is not tuple:
                    raise TypeError(f"{spec.tag}: a tuple field holds a {type(v).__name__}")
                out[i] = out[i]["t"]
            elif type(v) is dt.datetime and "dt" in out[i]:
                out[i] = out[i]["dt"]
        return out

    def _datetime(self, value: dt.datetime) -> Any:
        tz = value.tzinfo
        plain = "dtf" if value.fold else "dt"      # fold (which of a repeated hour) is not in the ISO text
        if tz is None:
            return {plain: value.isoformat()}
        if type(tz) is ZoneInfo and type(tz.key) is str:
            return {"dz": [value.replace(tzinfo=None).isoformat(), tz.key, value.fold]}
        if type(tz) is dt.timezone and tz.tzname(None) == dt.timezone(tz.utcoffset(None)).tzname(None):
            return {plain: value.isoformat()}      # a fixed offset without a name of its own
        raise TypeError(f"the build cache cannot store the time zone {tz!r}")

    # --- reading -----------------------------------------------------------------------------------------------

    def loads(self, text: str) -> Any:
        """What ``dumps`` wrote; CacheFormatError for anything else."""
        try:
            return self._parse(text)
        except CacheFormatError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as e:
            raise CacheFormatError(f"{type(e).__name__}: {e}") from None

    def decode(self, value: Any) -> Any:
        """What ``encode`` made, as plain JSON parsing (no hook) gives it back; CacheFormatError for anything
        else. For the few tagged values among data read by columns (``smmgen.build.cache_tables``)."""
        kind = type(value)
        if kind in _SCALARS:
            return value
        if kind is list:
            # A list of plain values (most are) is checked in one pass, not value by value.
            return value if set(map(type, value)) <= _SCALAR_SET else [self.decode(v) for v in value]
        if kind is dict and len(value) == 1:
            [(tag, payload)] = value.items()
            if type(payload) is list:
                if not set(map(type, payload)) <= _SCALAR_SET:
                    payload = [self.decode(v) for v in payload]
            else:
                payload = self.decode(payload)
            return self._object([(tag, payload)])
        raise CacheFormatError("an object without exactly one tag")

    def _object(self, pairs: list[tuple[str, Any]]) -> Any:
        # Called by the JSON parser for every object, innermost first: the payload is decoded already.
        if len(pairs) != 1:
            raise CacheFormatError("an object without exactly one tag")
        tag, payload = pairs[0]
        if type(payload) is list:
            if tag == "t":                              # the most common by far
                return tuple(payload)
            if tag == "m" and not len(payload) % 2:
                it = iter(payload)
                return MappingProxyType(dict(zip(it, it)))
        spec = self._by_tag.get(tag)
        if spec is None:
            decode = _DECODERS.get(tag)
            if decode is None:
                raise CacheFormatError(f"unknown tag {tag[:40]!r}")
            return decode(self, payload)
        if type(payload) is not list or len(payload) != len(spec.types):
            raise CacheFormatError(f"{tag}: fields of the wrong number")
        for i, kind in spec.plain:
            v = payload[i]
            if kind == "tuple":
                if type(v) is list:
                    payload[i] = tuple(v)
            elif type(v) is str:
                payload[i] = dt.datetime.fromisoformat(v)
        if not all(map(isinstance, payload, spec.types)):
            raise CacheFormatError(f"{tag}: a field of the wrong type")
        # What the generated __init__ does (these classes have no __post_init__), without a call per field.
        made = _new(spec.cls)
        spec.fill(made, zip(spec.names, payload))
        return made

    def _zone(self, key: Any) -> ZoneInfo:
        zone = self._zones.get(key) if type(key) is str else None
        if zone is None:
            raise CacheFormatError(f"a time zone this site does not use: {str(key)[:40]!r}")
        return zone


def _list(payload: Any) -> list:
    if type(payload) is not list:
        raise CacheFormatError("a tagged value without its list")
    return payload


def _str(payload: Any) -> str:
    if type(payload) is not str:
        raise CacheFormatError("a tagged value without its text")
    return payload


def _pairs(payload: Any) -> dict:
    items = _list(payload)
    if len(items) % 2:
        raise CacheFormatError("a mapping with a key and no value")
    it = iter(items)
    return dict(zip(it, it))


def _datetime(codec: Codec, payload: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(_str(payload))


def _zoned(codec: Codec, payload: Any) -> dt.datetime:
    local, key, fold = _list(payload)
    if type(fold) is not int:
        raise CacheFormatError("a fold that is not 0 or 1")
    naive = dt.datetime.fromisoformat(_str(local))
    if naive.tzinfo is not None:
        raise CacheFormatError("a zoned time with an offset of its own")
    return naive.replace(tzinfo=codec._zone(key), fold=fold)


def _timedelta(codec: Codec, payload: Any) -> dt.timedelta:
    days, seconds, micro = _list(payload)
    if not all(type(x) is int for x in (days, seconds, micro)):
        raise CacheFormatError("a timedelta that is not three integers")
    return dt.timedelta(days, seconds, micro)


_DECODERS: dict[str, Callable[[Codec, Any], Any]] = {
    "t": lambda codec, payload: tuple(_list(payload)),
    "f": lambda codec, payload: frozenset(_list(payload)),
    "d": lambda codec, payload: _pairs(payload),
    "m": lambda codec, payload: MappingProxyType(_pairs(payload)),
    "dt": _datetime,
    "dtf": lambda codec, payload: _datetime(codec, payload).replace(fold=1),
    "dz": _zoned,
    "date": lambda codec, payload: dt.date.fromisoformat(_str(payload)),
    "td": _timedelta,
    "p": lambda codec, payload: Path(_str(payload)),
    "b": lambda codec, payload: base64.b64decode(_str(payload), validate=True),
}
