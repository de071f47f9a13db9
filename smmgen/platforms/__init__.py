"""Platforms: one module each (spec + pure render), found through ``registry``."""

from smmgen.platforms.base import COMMON_SETTINGS, Cut, CutContext, MediaRef, PlatformSpec

__all__ = ["COMMON_SETTINGS", "Cut", "CutContext", "MediaRef", "PlatformSpec"]
