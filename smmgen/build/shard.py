"""``smmgen build --shard I/N``: one of N jobs that split a cold build's card drawing between them.

A card's file is named by the hash of what it shows, so the work splits by that content: share I of N draws
the distinct drawings whose key falls in it (``smmgen.cards.batch.in_shard``), whatever articles the other
shares see, and no two shares ever draw the same file. A shard writes only into the staging folder
(``.smmgen/staging/cards/``, ``smmgen.build.staging``) and nothing of output/: it is not a build anyone reviews.
With the shards' staging folders merged into one, a plain ``smmgen build`` finds every card there, draws none,
and moves them into output/cards as it does with the cards of a build that stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smmgen.errors import SmmgenError

if TYPE_CHECKING:
    from smmgen.build.pipeline import Progress
    from smmgen.config.site import Site

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` as (I, N); ValueError saying what is wrong unless 1 ≤ I ≤ N."""
    match = _SHARD.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not I/N: give this job's share and the number of shares, e.g. 2/4")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise ValueError(f"{text!r}: the share I must be from 1 to N={count} (e.g. --shard 1/{max(count, 1)})")
    return index, count


@dataclass(frozen=True)
class ShardReport:
    """What one shard did: its share of the site's distinct drawings, and how many of those it drew (the rest
    were there already)."""

    index: int
    count: int
    share: int          # distinct drawings in this shard's share
    total: int          # distinct drawings of the whole site
    drawn: int          # drawn by this run (share - drawn were found done)
    errors: tuple[SmmgenError, ...] = ()

    def line(self) -> str:
        return (f"shard {self.index}/{self.count}: {self.share:,} of {self.total:,} cards "
                f"(drew {self.drawn:,}, {self.share - self.drawn:,} done already) in .smmgen/staging/cards/")


def draw_shard(site: Site, index: int, count: int, *, workers: int = 1,
               progress: Progress | None = None) -> ShardReport:
    """Draw share ``index`` of ``count`` of the site's cards into the staging folder; the build's errors (an
    article that does not parse or cut, a card that cannot be drawn) come back in the report, not raised."""
    # Here, not at the top: the CLI reads --shard (``parse_shard``) on every build, a no-op one included, which
    # needs neither Jinja nor Pillow.
    from smmgen.build.pipeline import _start_worker, card_requests, make_cuts, parse_and_cut, render_cards
    from smmgen.build.templates import Layouts
    from smmgen.build.workers import Workers
    from smmgen.content.reading import read_articles

    layouts = Layouts(site.layouts_dir, root=site.root)
    # The build's own stages up to the card requests, without the cache: the requests are then exactly the
    # ones the final build will make.
    with Workers(workers, initializer=_start_worker, initargs=(site,)) as pool:
        ready = parse_and_cut(site, layouts, None, pool, {}, progress)
        pool.parsed()
        loaded = read_articles(site, reuse=ready.article, found=ready.found)
        published = [a for a in loaded.articles if not a.draft]
        cuts, cut_errors = make_cuts(published, site, layouts, ready=ready.cuts, failed=ready.failed_cuts,
                                     progress=progress)
        by_source = {a.source: a for a in published}
        requests = card_requests(cuts, by_source, site)
        drawings: dict[str, str] = {}
        _, card_errors = render_cards(requests, by_source, site, layouts, True, pool, None, progress, set(),
                                      shard=(index, count), drawings=drawings)
    mine = [what for what in drawings.values() if what != "other"]
    return ShardReport(index, count, share=len(mine), total=len(drawings),
                       drawn=sum(1 for what in mine if what == "drawn"),
                       errors=tuple(loaded.errors) + tuple(cut_errors) + tuple(card_errors))
