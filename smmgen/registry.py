"""Named modules found in two places: built-ins in a literal dict (in display order) and third-party ones through
an entry-point group (``name = "package.module"``), the way MkDocs registers even its own plugins. The platform
registry (``smmgen.platforms``) and the publisher registry (``smmgen.publishers``) are two of them.

A built-in name always wins over an entry point of the same name, so installing a package cannot replace how
smmgen cuts or posts for a platform it ships.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cached_property
from importlib.metadata import entry_points
from types import MappingProxyType, ModuleType


class Registry:
    """``names()`` in order (built-ins first, then entry points by name) and ``module(name)``, imported on first
    use only, so listing the names loads nothing."""

    def __init__(self, group: str, builtins: Mapping[str, str]):
        self.group = group
        self.builtins = MappingProxyType(dict(builtins))

    @cached_property
    def modules(self) -> Mapping[str, str]:
        """Name -> importable module path, read from the installed packages once per process."""
        found = dict(self.builtins)
        for ep in sorted(entry_points(group=self.group), key=lambda e: e.name):
            found.setdefault(ep.name, ep.value)
        return MappingProxyType(found)

    def names(self) -> tuple[str, ...]:
        return tuple(self.modules)

    def module(self, name: str) -> ModuleType:
        """The module registered as ``name``; KeyError when none is."""
        return importlib.import_module(self.modules[name])
