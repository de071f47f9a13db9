"""Publisher adapters: built-ins in a literal dict, third-party ones through the ``smmgen.publishers`` entry
point group (``name = "package.module"``; the module follows ``smmgen/publish/base.py``)."""

from __future__ import annotations

from types import ModuleType

from smmgen.publish.base import Adapter, AdapterContext
from smmgen.publish.guard import guarded
from smmgen.registry import Registry

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


_REGISTRY = Registry("smmgen.publishers", BUILTINS)


def names() -> tuple[str, ...]:
    return _REGISTRY.names()


def module(name: str) -> ModuleType:
    """The adapter module for ``name``; KeyError when no adapter is registered for it."""
    return _REGISTRY.module(name)


def open_adapter(ctx: AdapterContext) -> Adapter:
    """The adapter for ``ctx.name``, whose calls raise nothing but ``SmmgenError`` (see ``guard``)."""
    return guarded(module(ctx.name).open(ctx))
