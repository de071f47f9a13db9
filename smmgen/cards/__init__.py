"""Card images for social posts: the Open Graph card and each platform's attached image.

``render_cards`` is the one entry point the build calls; layouts are TOML files (see ``layout.py``), fonts
come from pip packages (``fonts.py``), emoji from Twemoji (``emoji.py``).

Names are imported on first use: a build whose cards are all cached needs ``CardRequest`` and ``TARGETS``
but never Pillow.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smmgen.cards.batch import render_cards
    from smmgen.cards.model import Card, CardRequest
    from smmgen.cards.targets import TARGETS, TargetSpec

DEFAULT_LAYOUT_DIR = Path(__file__).resolve().parent.parent / "defaults" / "cards"
"""The package's own layouts; the build searches it after the site's ``layouts/cards``."""

_HOMES = {"render_cards": "batch", "Card": "model", "CardRequest": "model", "TARGETS": "targets",
          "TargetSpec": "targets"}

__all__ = ["DEFAULT_LAYOUT_DIR", "TARGETS", "Card", "CardRequest", "TargetSpec", "render_cards"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
