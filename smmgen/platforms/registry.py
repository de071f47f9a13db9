"""The platform registry: built-ins in a literal dict (display order), third-party ones through the
``smmgen.platforms`` entry point group."""

from __future__ import annotations

from types import ModuleType

from smmgen.config import schema as s
from smmgen.platforms.base import COMMON_SETTINGS
from smmgen.registry import Registry

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


_REGISTRY = Registry("smmgen.platforms", BUILTINS)


def names() -> tuple[str, ...]:
    return _REGISTRY.names()


def get(name: str) -> ModuleType:
    """The platform module: it has ``SPEC`` (a PlatformSpec) and ``render(article, ctx) -> Cut``."""
    return _REGISTRY.module(name)


def settings_schema(name: str) -> dict[str, s.Field] | None:
    if name not in _REGISTRY.modules:
        return None
    return {**COMMON_SETTINGS, **get(name).SPEC.options}
