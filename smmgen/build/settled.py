"""Which manifest entries are settled: the publisher's ledger, read as plain JSON, as ``manifest.settled`` needs it.

The build already reads the ledger for the plan (``smmgen.plan.slots.ledger_view``), which reports a ledger it
cannot read as a build error; here such a ledger settles nothing, so every entry stays in full.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from smmgen import manifest
from smmgen.errors import SmmgenError
from smmgen.site_files import read_bytes

if TYPE_CHECKING:
    from smmgen.config.site import Site

LEDGER = ".smmgen/ledger.json"      # where the plan and the publisher find it too, unless [publish] ledger says


def ledger_states(site: Site) -> dict[str, tuple[str, str]]:
    """Entry id -> (ledger state, content hash) of the posts that can settle an entry."""
    try:
        data = read_bytes(site.root / (site.publish.get("ledger") or LEDGER), site.root, SmmgenError)
        return manifest.ledger_states(json.loads(data.decode("utf-8")))
    except (OSError, SmmgenError, UnicodeDecodeError, ValueError):
        return {}
