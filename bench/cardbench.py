"""Card rendering alone, in one process: ``python bench/cardbench.py RENDERER CASES.json OUT_DIR``.

RENDERER is ``smmgen`` (``smmgen.cards.render_cards`` with one worker, the Open Graph target, the package's
"photo" layout for cards with a hero and "default" for the others) or ``reference`` (``bench/reference.py``).
CASES.json is a list of {"title", "lang", "hero"} (hero: an absolute path or null). Both first draw one card of
each kind and language into a scratch folder (fonts and layouts loaded, as in any build after its first
cards), then draw every case once, timed. Prints one JSON object: cards, seconds and milliseconds per card for photo (JPEG) and
flat (PNG) cards, and the total bytes written.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))


def _smmgen(cases: list[dict], out: Path) -> int:
    from smmgen.cards import DEFAULT_LAYOUT_DIR, CardRequest, render_cards

    requests = [CardRequest(target="og", layout="photo" if c["hero"] else "default", title=c["title"],
                            site_name="The Benchmark Gazette", kicker=None, date_text="5 January 2026",
                            lang=c["lang"], hero=Path(c["hero"]) if c["hero"] else None, focus=None,
                            alt="", source=f"bench/{i}.md", line=None)
                for i, c in enumerate(cases)]
    cards = render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=out, workers=1)
    return sum(card.bytes for card in cards.values())


def _reference(cases: list[dict], out: Path) -> int:
    import reference

    total = 0
    out.mkdir(parents=True, exist_ok=True)
    for i, c in enumerate(cases):
        data = reference.render(c["title"], Path(c["hero"]) if c["hero"] else None)
        (out / f"{i}.{'jpg' if c['hero'] else 'png'}").write_bytes(data)
        total += len(data)
    return total


RENDERERS = {"smmgen": _smmgen, "reference": _reference}


def measure(renderer: str, cases: list[dict], out: Path) -> dict:
    draw = RENDERERS[renderer]
    # One card of each kind and of each language first: fonts, character maps and layouts are then loaded,
    # as they are in a build after its first few cards.
    warm = [next(c for c in cases if c["hero"]) if any(c["hero"] for c in cases) else None,
            next((c for c in cases if not c["hero"]), None)]
    warm += [next(c for c in cases if c["lang"] == lang) for lang in sorted({c["lang"] for c in cases})]
    shutil.rmtree(out, ignore_errors=True)
    draw([dict(c, title=c["title"] + " ·") for c in warm if c is not None], out / "warm-up")
    result: dict = {"renderer": renderer}
    for kind, subset in (("photo_jpeg", [c for c in cases if c["hero"]]),
                         ("flat_png", [c for c in cases if not c["hero"]])):
        if not subset:
            continue
        start = time.perf_counter()
        size = draw(subset, out / kind)
        seconds = time.perf_counter() - start
        result[kind] = {"cards": len(subset), "seconds": round(seconds, 4),
                        "ms_per_card": round(1000 * seconds / len(subset), 2), "bytes": size}
    return result


def main(argv: list[str]) -> int:
    renderer, cases_path, out = argv
    cases = json.loads(Path(cases_path).read_text(encoding="utf-8"))
    print(json.dumps(measure(renderer, cases, Path(out))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
