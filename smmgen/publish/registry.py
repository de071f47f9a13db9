"""Publisher adapters: built-ins in a literal dict, third-party ones through the ``smmgen.publishers`` entry
point group (``name = "package.module"``; the module follows ``smmgen/publish/base.py``)."""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from types import ModuleType

from .base import Adapter, AdapterContext
from .guard import guarded

BUILTINS: dict[str, str] = {
    "bluesky": "smmgen.publish.bluesky",
    "mastodon": "smmgen.publish.mastodon",
    "telegram": "smmgen.publish.telegram",
    "x": "smmgen.publish.x",
    "facebook": "smmgen.publish.facebook",
    "instagram": "smmgen.publish.instagram",
    "threads": "smmgen.publish.threads",
    "linkedin": "smmgen.publish.linkedin",
    "vk": "smmgen.publish.vk",
}


@cache
def _modules() -> dict[str, str]:
    found = dict(BUILTINS)
    for ep in sorted(entry_points(group="smmgen.publishers"), key=lambda e: e.name):
        found.setdefault(ep.name, ep.value)
    return found


def names() -> tuple[str, ...]:
    return tuple(_modules())


def module(name: str) -> ModuleType:
    """The adapter module for ``name``; KeyError when no adapter is registered for it."""
    return importlib.import_module(_modules()[name])


def open_adapter(ctx: AdapterContext) -> Adapter:
    """The adapter for ``ctx.name``, whose calls raise nothing but ``SmmgenError`` (see ``guard``)."""
    return guarded(module(ctx.name).open(ctx))


def env_vars(name: str) -> tuple[str, ...]:
    return tuple(getattr(module(name), "ENV", ()))
