"""Sizes of the preview pages of a synthetic site (``bench/sitegen.py``): the largest page and the total.

    python bench/pages.py --articles 10000

Cards are not drawn (``render_images=False``): a page then names a placeholder instead of a card's path, which
changes its size by a few bytes per post; what is measured is how the pages split, not the cards.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))


def measure(root: Path) -> dict:
    from smmgen.build.pipeline import build
    from smmgen.config.site import load_site
    from smmgen.preview.pages import iter_pages

    site = load_site(root)
    result = build(site, render_images=False, workers=1)
    started = time.perf_counter()
    sizes = {}
    for relative, data in iter_pages(result):
        sizes[relative] = len(data) if isinstance(data, bytes) else sum(len(b) for b in data)
    largest = max(sizes, key=sizes.__getitem__)
    return {"pages": len(sizes), "total_bytes": sum(sizes.values()), "largest": largest,
            "largest_bytes": sizes[largest], "render_seconds": round(time.perf_counter() - started, 2),
            "top": sorted(sizes.items(), key=lambda kv: -kv[1])[:5]}


def main() -> None:
    import sitegen

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=BENCH / ".work")
    args = parser.parse_args()
    root = args.work / f"pages-{args.articles}"
    if not (root / "smmgen.toml").exists():
        sitegen.generate(root, args.articles, hero_share=0.0)
    for key, value in measure(root).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
