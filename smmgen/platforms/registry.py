"""The platform registry: built-ins in a literal dict (display order), third-party ones through the
``smmgen.platforms`` entry point group."""

from __future__ import annotations

import importlib
from functools import cache
from importlib.metadata import entry_points
from types import ModuleType

from .. import schema as s
from .base import COMMON_SETTINGS

BUILTINS: dict[str, str] = {
    "x": "smmgen.platforms.x",
    "mastodon": "smmgen.platforms.mastodon",
    "bluesky": "smmgen.platforms.bluesky",
    "threads": "smmgen.platforms.threads",
    "facebook": "smmgen.platforms.facebook",
    "instagram": "smmgen.platforms.instagram",
    "linkedin": "smmgen.platforms.linkedin",
    "telegram": "smmgen.platforms.telegram",
    "vk": "smmgen.platforms.vk",
}


@cache
def _modules() -> dict[str, str]:
    found = dict(BUILTINS)
    for ep in sorted(entry_points(group="smmgen.platforms"), key=lambda e: e.name):
        found.setdefault(ep.name, ep.value)
    return found


def names() -> tuple[str, ...]:
    return tuple(_modules())


@cache
def get(name: str) -> ModuleType:
    """The platform module: it has ``SPEC`` (a PlatformSpec) and ``render(article, ctx) -> Cut``."""
    return importlib.import_module(_modules()[name])


def settings_schema(name: str) -> dict[str, s.Field] | None:
    if name not in _modules():
        return None
    return {**COMMON_SETTINGS, **get(name).SPEC.options}
