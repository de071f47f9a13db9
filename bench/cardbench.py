"""Card rendering alone, in one process: ``python bench/cardbench.py RENDERER CASES.json OUT_DIR``.

RENDERER is ``smmgen`` (``smmgen.cards.render_cards`` with one worker, the Open Graph target, the package's
"photo" layout for cards with a hero and "default" for the others) or ``reference`` (``bench/reference.py``).
CASES.json is a list of {"title", "lang", "hero"} (hero: an absolute path or null). Both first draw one card of
each kind and language into a scratch folder (fonts and layouts loaded, as in any build after its first
cards), then draw every case once, timed. Prints one JSON object: cards, seconds and milliseconds per card (wall
clock, and CPU time of the process) for photo (JPEG) and flat (PNG) cards, and the total bytes written.

``python bench/cardbench.py mix SITE [ARTICLES] [RUNS]`` measures the mix a real build draws: the card requests
``smmgen build`` makes for the first ARTICLES articles of SITE (default 150; the site is read, nothing is written
into it), drawn RUNS times (default 3) by ``render_cards`` with one worker and, as a build gives it, every request as
``companions``, each time into an empty folder. Prints the CPU time (user + system) per drawing, the median of the
runs, for all of them and for photo and flat apart.

``python bench/cardbench.py pool SITE processes|threads [ARTICLES]`` draws every card request of a build of SITE
(or of its first ARTICLES articles) with 2 worker processes, as a build does, or with 2 threads of one process:
cards per second and the peak resident memory of the process tree. Pillow lets go of the GIL while it decodes,
resizes, pastes and encodes, but not while FreeType sets text, nor does the Python around it.

``python bench/cardbench.py stages SITE [ARTICLES]`` draws the same mix once and splits its CPU time by stage: the
hero's decode and its half-size copy, the cut (crop or resize), the darkening overlay, the gradient, setting the
texts (and, within it, FreeType's rendering and measuring), drawing them, the encode and the file's write. Each is
timed with ``time.process_time`` around the call, which costs about a microsecond: cProfile, which times every
Python call, made the Python parts look many times larger than they are (a card's cache key: 0.8 ms under
cProfile, 0.05 ms without).

``python bench/cardbench.py share SITE [ARTICLES]`` draws what one of a build's two worker processes draws: the
card requests of every other one of the first ARTICLES articles (default: all), in a new process that allocates as
a worker does. Prints the requests, that process's CPU time while drawing and its peak resident memory (VmHWM).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
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
        start, cpu_start = time.perf_counter(), os.times()
        size = draw(subset, out / kind)
        seconds, cpu_end = time.perf_counter() - start, os.times()
        cpu = cpu_end.user - cpu_start.user + cpu_end.system - cpu_start.system
        result[kind] = {"cards": len(subset), "seconds": round(seconds, 4),
                        "ms_per_card": round(1000 * seconds / len(subset), 2), "bytes": size,
                        # CPU time too: on a shared machine the wall clock measures the neighbours as well.
                        "cpu_ms_per_card": round(1000 * cpu / len(subset), 2)}
    return result


def mix(site_dir: Path, articles: int = 150, runs: int = 3) -> dict:
    """CPU per drawing over the requests a build of ``site_dir`` makes for its first ``articles`` articles."""
    from smmgen.build import pipeline as buildmod
    from smmgen.cards import batch
    from smmgen.config.site import load_site

    site = load_site(site_dir)
    result = buildmod.build(site, render_images=False, workers=1)
    by_source = {a.source: a for a in result.articles}
    requests = {r for rs in buildmod.card_requests(result.cuts, by_source, site) for r in rs}
    keep = set(sorted({r.source for r in requests})[:articles])
    requests = sorted((r for r in requests if r.source in keep), key=lambda r: (r.source, r.target, r.layout))
    assert result.layouts is not None
    dirs = [d / "cards" for d in result.layouts.dirs]
    drawn = []
    real = batch.render

    def counting(layout, request, hero):  # type: ignore[no-untyped-def]
        drawn.append(request.layout)
        return real(layout, request, hero)

    batch.render = counting
    report: dict = {"articles": len(keep), "requests": len(requests)}
    try:
        for kind, subset in (("all", requests), ("photo", [r for r in requests if r.hero is not None]),
                             ("flat", [r for r in requests if r.hero is None])):
            cpu = []
            for _ in range(runs):
                drawn.clear()
                with tempfile.TemporaryDirectory() as out:
                    before = os.times()
                    batch.render_cards(subset, layout_dirs=dirs, out_dir=Path(out), workers=1, companions=requests)
                    after = os.times()
                cpu.append(after.user - before.user + after.system - before.system)
            report[kind] = {"drawings": len(drawn), "cpu_s": [round(c, 2) for c in cpu],
                            "ms_per_drawing": round(1000 * statistics.median(cpu) / max(1, len(drawn)), 2)}
    finally:
        batch.render = real
    return report


STAGES = (  # (module, attribute, stage): each call timed; nested stages are part of the stage around them
    ("smmgen.cards.hero", "decode", "hero decode"),
    ("smmgen.cards.hero:Pyramid", "covering", "hero copy (1/2, 1/4, 1/8)"),
    ("smmgen.cards.render", "cover", "cut (crop or resize)"),
    ("smmgen.cards.render", "_darken", "darkening overlay"),
    ("smmgen.cards.render", "_gradient", "gradient"),
    ("smmgen.cards.render", "_lay", "texts set"),
    ("PIL.ImageFont:FreeTypeFont", "getmask2", "  of which FreeType renders"),
    ("PIL.ImageFont:FreeTypeFont", "getlength", "  of which FreeType measures"),
    ("smmgen.cards.render", "_draw", "texts drawn"),
    ("smmgen.cards.batch", "encode", "encode"),
    ("smmgen.cards.batch", "_write", "file written"),
)


def stages(site_dir: Path, articles: int = 150) -> dict:
    """CPU time by stage of drawing the requests a build of ``site_dir`` makes for its first ``articles``
    articles, in one process (``STAGES``; the rest is the drawing's bookkeeping, keys and Python around them)."""
    import importlib
    import time

    from smmgen.cards import batch

    requests, dirs, roots = _site_requests(site_dir, articles)
    spent: dict[str, float] = dict.fromkeys((label for _, _, label in STAGES), 0.0)
    calls: dict[str, int] = dict.fromkeys(spent, 0)
    patched = []

    def timed(real, label):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                spent[label] += time.process_time() - start
                calls[label] += 1
        return call

    for where, name, label in STAGES:
        module, _, cls = where.partition(":")
        owner = importlib.import_module(module)
        owner = getattr(owner, cls) if cls else owner
        patched.append((owner, name, getattr(owner, name)))
        setattr(owner, name, timed(getattr(owner, name), label))
    try:
        with tempfile.TemporaryDirectory() as out:
            before = time.process_time()
            batch.render_cards(requests, layout_dirs=dirs, roots=roots, out_dir=Path(out), workers=1,
                               companions=requests)
            total = time.process_time() - before
    finally:
        for owner, name, real in reversed(patched):
            setattr(owner, name, real)
    return {"articles": len({r.source for r in requests}), "requests": len(requests), "cpu_s": round(total, 2),
            "stages": {label: {"cpu_s": round(spent[label], 3), "share": round(spent[label] / total, 3),
                               "calls": calls[label]} for label in spent}}


def _site_requests(site_dir: Path, articles: int | None) -> tuple[list, list[Path], list]:
    """The card requests ``smmgen build`` makes for the first ``articles`` articles of a site (all: None)."""
    from smmgen.build import pipeline as buildmod
    from smmgen.config.site import load_site

    site = load_site(site_dir)
    result = buildmod.build(site, render_images=False, workers=1)
    by_source = {a.source: a for a in result.articles}
    requests = {r for rs in buildmod.card_requests(result.cuts, by_source, site) for r in rs}
    keep = set(sorted({r.source for r in requests})[:articles])
    assert result.layouts is not None
    return (sorted((r for r in requests if r.source in keep), key=lambda r: (r.source, r.target, r.layout, r.alt)),
            [d / "cards" for d in result.layouts.dirs], list(result.layouts.roots))


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and every process below it, in MB."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def pool(site_dir: Path, articles: int | None = None, mode: str = "processes") -> dict:
    """Every card a build of ``site_dir`` draws (its first ``articles`` articles), drawn by 2 worker processes
    (as a build draws them) or by 2 threads of this process ("threads"): cards per second (wall clock) and the
    peak resident memory of this process with its workers, sampled every 0.1 s."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from smmgen.build.workers import pool as process_pool
    from smmgen.cards import batch

    requests, dirs, roots = _site_requests(site_dir, articles)
    before = _tree_rss_mb(os.getpid())
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            peak[0] = max(peak[0], _tree_rss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    executor = ThreadPoolExecutor(2) if mode == "threads" else process_pool(2)
    try:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            batch.render_cards(requests, layout_dirs=dirs, roots=roots, out_dir=Path(out), workers=2,
                               executor=lambda: executor, companions=requests)
            seconds = time.perf_counter() - start
    finally:
        executor.shutdown()
        done.set()
        sampler.join()
    return {"mode": mode, "requests": len(requests), "seconds": round(seconds, 2),
            "cards_per_s": round(len(requests) / seconds, 1), "rss_before_mb": round(before),
            "peak_tree_rss_mb": round(peak[0])}


def share(site_dir: Path, articles: int | None = None) -> dict:
    """A worker's share of a build's drawing (every other article), drawn in a new process: CPU and peak RSS."""
    import pickle
    import subprocess

    requests, dirs, roots = _site_requests(site_dir, articles)
    sources = sorted({r.source for r in requests})[::2]
    mine = [r for r in requests if r.source in set(sources)]
    with tempfile.TemporaryDirectory() as tmp:
        jobs = Path(tmp) / "requests.pickle"
        jobs.write_bytes(pickle.dumps((mine, dirs, roots, requests)))
        out = subprocess.run([sys.executable, __file__, "share-worker", str(jobs), str(Path(tmp) / "out")],
                             check=True, capture_output=True, text=True).stdout
    return {"articles": len(sources), **json.loads(out)}


def _share_worker(jobs: Path, out: Path) -> dict:
    import pickle

    from smmgen.build.workers import _allocate_in_pieces
    from smmgen.cards import batch

    _allocate_in_pieces()
    mine, dirs, roots, requests = pickle.loads(jobs.read_bytes())
    before = os.times()
    batch.render_cards(mine, layout_dirs=dirs, roots=roots, out_dir=out, workers=1, companions=requests)
    after = os.times()
    with open("/proc/self/status", encoding="ascii") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    return {"requests": len(mine), "cpu_s": round(after.user - before.user + after.system - before.system, 2),
            "peak_rss_mb": round(peak / 1024)}


def main(argv: list[str]) -> int:
    if argv and argv[0] == "share":
        print(json.dumps(share(Path(argv[1]), *(int(a) for a in argv[2:]))))
        return 0
    if argv and argv[0] == "share-worker":
        print(json.dumps(_share_worker(Path(argv[1]), Path(argv[2]))))
        return 0
    if argv and argv[0] == "stages":
        site, *rest = argv[1:]
        print(json.dumps(stages(Path(site), *(int(a) for a in rest)), indent=1))
        return 0
    if argv and argv[0] == "mix":
        site, *rest = argv[1:]
        print(json.dumps(mix(Path(site), *(int(a) for a in rest))))
        return 0
    if argv and argv[0] == "pool":
        site, mode, *rest = argv[1:]
        print(json.dumps(pool(Path(site), *(int(a) for a in rest), mode=mode)))
        return 0
    renderer, cases_path, out = argv
    cases = json.loads(Path(cases_path).read_text(encoding="utf-8"))
    print(json.dumps(measure(renderer, cases, Path(out))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
