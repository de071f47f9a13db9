"""Each article's cut texts, held compressed between cutting and writing.

Planning, card requests, the summary, warnings and the preview's statuses read a cut's id, platform, account,
times, timing, lengths, limit, number of parts and warnings; only the article's own files, manifest entries and
the cache's record read its text, link and platform data, and they do so one article at a time. Those three
fields are most of what a cut weighs (a large site's cuts, held whole from cutting to writing, were most of what
the build process held). ``HeldCuts.put`` keeps them compressed, by article, and gives back the cuts with
stand-ins (``slim``); ``full`` gives an article's cuts back whole, equal to those ``put``.

The stand-ins are values no platform makes (a part and a link that are a NUL character, platform data with a NUL
key), so that a reader that missed ``full`` shows in the output instead of passing unnoticed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import operator
import pickle
import zlib
from collections.abc import Sequence
from types import MappingProxyType

from smmgen.build.cache import _mappingproxy  # also registers how a cut's read-only mappings are pickled
from smmgen.platforms import Cut

HELD_TEXT = "\0"
"""A slim cut's every part, and its link."""
HELD_EXTRA = MappingProxyType({"\0": True})
"""A slim cut's platform data."""
_HELD_PARTS = [(HELD_TEXT,) * n for n in range(32)]       # one stand-in tuple per number of parts
_FIELDS = tuple(f.name for f in dataclasses.fields(Cut))
_values = operator.attrgetter(*_FIELDS)


def slim(cut: Cut) -> Cut:
    """``cut`` without its text, link and platform data (the same number of parts)."""
    made = object.__new__(type(cut))
    made.__dict__.update(cut.__dict__)
    n = len(cut.parts)
    made.__dict__.update(parts=_HELD_PARTS[n] if n < len(_HELD_PARTS) else (HELD_TEXT,) * n, link=HELD_TEXT,
                         extra=HELD_EXTRA)
    return made


def is_slim(cut: Cut) -> bool:
    return cut.extra is HELD_EXTRA


def held_again(cut: Cut) -> Cut:
    """``cut`` as ``slim`` made it, when it is a slim cut's copy (unpickled: its stand-ins equal, not the same
    objects, which ``is_slim`` and ``HeldCuts.full`` look for); other cuts as they are."""
    if cut.extra is HELD_EXTRA or cut.extra != HELD_EXTRA:
        return cut
    return slim(cut)


class HeldCuts:
    """The texts, links and platform data of articles' cuts, compressed, by article source. One per build."""

    def __init__(self) -> None:
        self._held: dict[str, bytes] = {}
        # The first article's pickled texts, the dictionary the others are compressed with: one article's cuts
        # are a few kilobytes, too few for zlib to find much to repeat within them, and most of what they hold
        # (the pickle's frame, platform names, link tails, the platforms' data keys) is in every article's
        # (a third smaller than each compressed alone).
        self._zdict: bytes | None = None

    def __len__(self) -> int:
        return len(self._held)

    def __contains__(self, source: object) -> bool:
        return source in self._held

    def put(self, source: str, cuts: Sequence[Cut]) -> tuple[Cut, ...]:
        """Hold ``cuts``' texts (one article's, in their order) and return them ``slim``."""
        payload = [(c.platform, c.account, c.parts, c.link, c.extra) for c in cuts]
        self._held[source] = self._pack(pickle.dumps(payload, pickle.HIGHEST_PROTOCOL))
        return tuple(map(slim, cuts))

    def _pack(self, raw: bytes) -> bytes:
        if self._zdict is None:
            self._zdict = raw
        packer = zlib.compressobj(1, zdict=self._zdict)
        return packer.compress(raw) + packer.flush()

    def _raw(self, source: str) -> bytes:
        unpacker = zlib.decompressobj(zdict=self._zdict) if self._zdict is not None else zlib.decompressobj()
        return unpacker.decompress(self._held[source]) + unpacker.flush()

    def full(self, source: str, cuts: Sequence[Cut]) -> tuple[Cut, ...]:
        """``cuts`` (the article's as ``put`` gave them, planned or not, in the same order) whole again; cuts
        that are not slim come back as they are."""
        if not cuts or not any(map(is_slim, cuts)):
            return tuple(cuts)
        payload = _ValuesOnly(io.BytesIO(self._raw(source))).load()
        if len(payload) != len(cuts):
            raise ValueError(f"{source}: {len(cuts)} cuts, {len(payload)} held")
        out = []
        for cut, (platform, account, parts, link, extra) in zip(cuts, payload):
            if (platform, account) != (cut.platform, cut.account):
                raise ValueError(f"{source}: held cut {platform}/{account} is not {cut.platform}/{cut.account}")
            made = object.__new__(type(cut))
            # The fields read one by one: ``cut.__dict__`` would make the planned cut a dict it then keeps.
            made.__dict__.update(zip(_FIELDS, _values(cut)))
            made.__dict__.update(parts=parts, link=link, extra=extra)
            out.append(made)
        return tuple(out)

    def pop_packed(self, source: str) -> bytes | None:
        """An article's texts as held (compressed), let go of here; None when none are held."""
        return self._held.pop(source, None)

    def put_packed(self, source: str, data: bytes) -> None:
        """Hold again what ``pop_packed`` gave for ``source``."""
        self._held[source] = data

    def alone(self, source: str, data: bytes) -> HeldCuts:
        """A ``HeldCuts`` of one article's texts as ``pop_packed`` gave them (compressed with this one's
        dictionary)."""
        one = HeldCuts()
        one._zdict = self._zdict
        one._held[source] = data
        return one

    def compress_as(self, other: HeldCuts) -> None:
        """Compress with ``other``'s dictionary (before anything is put): ``take_over`` then keeps its bytes."""
        if not self._held:
            self._zdict = other._zdict

    def take_over(self, other: HeldCuts) -> None:
        """Hold what ``other`` holds for articles this one holds nothing of (a cache kept from the last build
        may still have slim cuts of articles this build did not look up)."""
        if not self._held and self._zdict is None:
            self._zdict = other._zdict
        for source, data in other._held.items():
            if source not in self._held:
                # Compressed with the other's dictionary: made again with this one's, unless it is the same.
                self._held[source] = data if other._zdict == self._zdict else self._pack(other._raw(source))

    def bytes_held(self) -> int:
        return sum(map(len, self._held.values()))


class _ValuesOnly(pickle.Unpickler):
    """Reads back only what ``put`` holds: plain values, read-only mappings, dates and smmgen's frozen value
    classes. The bytes never leave this process, and still nothing they name can run code."""

    def find_class(self, module: str, name: str) -> type:
        found = super().find_class(module, name) if module.split(".")[0] in ("smmgen", "datetime") else None
        if (found is _mappingproxy or found in (dt.datetime, dt.date, dt.timedelta, dt.timezone)
                or isinstance(found, type) and dataclasses.is_dataclass(found)):
            return found
        raise pickle.UnpicklingError(f"held cut texts name {module}.{name}, which is not a value")
