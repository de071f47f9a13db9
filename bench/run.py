"""smmgen benchmarks: ``python bench/run.py [--articles N] [--quick]``.

Every build is measured as a whole process (``python -m smmgen build``), the median of ``--runs`` runs:

1. cold build (empty output/ and cache) of N articles with all nine platforms;
2. no-op rebuild (nothing changed);
3. incremental rebuild after editing one article's title, and one draft's;
4. card rendering alone, per card, single process, smmgen against ``bench/reference.py`` (same titles, size
   and heroes), reported as a ratio, photo (JPEG) and flat (PNG) cards apart;
5. peak RSS of the cold build: the largest single process (``wait4``) and the whole process tree (sampled); beside
   it the tree's peak PSS (proportional set size: a page several processes share counts once in all), sampled
   less often;
6. card bytes from the cold build's manifest (Bluesky thumb, median card);
7. peers when installed (``pip install '.[bench]'``; ``npm install`` in bench/ for satori): the
   mkdocs-material social plugin and satori+resvg drawing the same titles, as ratios.

Prints a Markdown table and writes bench/results.json (``--out``). ``--quick`` is the CI smoke test: about 100
articles, and it asserts nothing about timings. The synthetic site (``sitegen.py``) is cached in bench/.work/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import sitegen  # noqa: E402  (bench/ is not a package)

TARGETS = {
    "card_ratio_photo": 1.3,        # smmgen / reference, photo background, JPEG, single process
    "peer_speedup": 2.0,            # peer time / smmgen time, at least
    "cold_1000_s": 25.0,
    "noop_s": 1.0,                  # at 1,000 and at 10,000
    "incremental_1000_s": 0.5,
    "incremental_10000_s": 0.8,
    "tree_rss_10000_mb": 400.0,     # the whole process tree
    "rss_growth": 1.5,              # tree RSS at 10,000 / at 1,000, at most
    "serve_reload_1000_s": 0.5,
    "bluesky_thumb_bytes": 1_000_000,
    "median_card_bytes": 200_000,
}


# --- running a process ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_mb: float          # largest single process of the tree (wait4, and sampled every 20 ms)
    tree_rss_mb: float         # largest sum over the tree, sampled every 20 ms
    output: str
    tree_pss_mb: float = 0.0   # largest sum of PSS over the tree, sampled every 200 ms (0: no smaps_rollup)


def _tree_pids(root: int) -> list[int]:
    """``root`` and its descendants, followed through each thread's ``children`` file."""
    return [pid for pid, _ in _tree(root)]


def _tree(root: int) -> list[tuple[int, int | None]]:
    """``root`` and its descendants, each with its parent (None for ``root``)."""
    found: list[tuple[int, int | None]] = []
    stack: list[tuple[int, int | None]] = [(root, None)]
    while stack:
        pid, parent = stack.pop()
        found.append((pid, parent))
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as f:
                    stack.extend((int(child), pid) for child in f.read().split())
            except OSError:
                continue
    return found


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def _kb(path: str, field: str) -> int | None:
    """The kB figure after ``field`` in a /proc file (None: the process is gone, 0: no such field)."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    start = text.find(field)
    return int(text[start + len(field):text.index("kB", start)]) if start >= 0 else 0


def _tree_pss_kb(root: int) -> int:
    """The proportional set size of ``root`` and its descendants together: RSS counts the pages processes share
    (the interpreter, libraries, what a forked worker has not yet written to) once in each of them."""
    return sum(_kb(f"/proc/{pid}/smaps_rollup", "\nPss:") or 0 for pid in _tree_pids(root))


def _tree_rss_kb(root: int) -> tuple[int, int]:
    """Resident memory of ``root`` and all its descendants together, and of the largest of them, from /proc
    ((0, 0) where /proc is missing). The build's own ``wait4`` gives the largest process that ended, not what
    the processes held together at one moment. The tree is followed through each thread's
    ``children`` file: reading every process's status instead costs the two cores being measured a few percent."""
    tree = _tree(root)
    sizes = [_kb(f"/proc/{pid}/status", "VmRSS:") or 0 for pid, parent in tree
             if parent is None or not _not_yet_its_own(pid, parent)]
    return sum(sizes), max(sizes, default=0)


def _not_yet_its_own(pid: int, parent: int) -> bool:
    """A child between its start and its exec: subprocess starts children with vfork(), so until exec the child
    runs in its parent's address space and its VmRSS is the parent's own pages, not memory of its own. Counting it
    would add the parent twice for that instant (a worker replaced while the build process is large). A child still
    showing its parent's command line is in that state: every process a build starts execs a new program."""
    mine = _cmdline(pid)
    return mine is not None and mine == _cmdline(parent)


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0, 0, 0]          # whole tree, largest process, whole tree's PSS
    done = threading.Event()

    def sample() -> None:
        n = 0
        while not done.wait(0.05):
            tree, largest = _tree_rss_kb(proc.pid)
            peak[0], peak[1] = max(peak[0], tree), max(peak[1], largest)
            n += 1
            if n % 4 == 0:      # smaps_rollup walks every mapping: read it less often than status
                peak[2] = max(peak[2], _tree_pss_kb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output_chunks: list[str] = []
    reader = threading.Thread(target=lambda: output_chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    reader.join()
    output = "".join(output_chunks)
    if check and proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    return Run(seconds, max(usage.ru_maxrss, peak[1]) / 1024, max(peak[0], usage.ru_maxrss) / 1024, output,
               peak[2] / 1024)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


# --- the measurements ----------------------------------------------------------------------------------------------

def smmgen_cmd(site: Path) -> list[str]:
    return [sys.executable, "-m", "smmgen", "build", "--site", str(site)]


def clean(site: Path) -> None:
    shutil.rmtree(site / "output", ignore_errors=True)
    shutil.rmtree(site / ".smmgen", ignore_errors=True)
    # The last build's 400 MB of cards, still being written back to disk, would slow the next run down.
    os.sync()


def bench_builds(site: Path, runs: int, env: dict[str, str], only: set[str]) -> dict:
    out: dict = {}
    if "cold" in only or "noop" in only or "incremental" in only:
        cold = []
        for _ in range(runs if "cold" in only else 1):
            clean(site)
            cold.append(run(smmgen_cmd(site), site, env))
        out["cold"] = {"median_s": median([r.seconds for r in cold]), "runs_s": [round(r.seconds, 3) for r in cold],
                       "max_rss_mb": round(max(r.max_rss_mb for r in cold), 1),
                       "tree_rss_mb": round(max(r.tree_rss_mb for r in cold), 1),
                       "tree_pss_mb": round(max(r.tree_pss_mb for r in cold), 1),
                       "summary": cold[-1].output.strip().splitlines()}
    if "noop" in only:
        noop = [run(smmgen_cmd(site), site, env) for _ in range(runs)]
        out["noop"] = {"median_s": median([r.seconds for r in noop]), "runs_s": [round(r.seconds, 3) for r in noop],
                       "max_rss_mb": round(max(r.max_rss_mb for r in noop), 1)}
    if "incremental" in only:
        files = sitegen.GeneratedSite(site, 0, 0).article_files()
        out["incremental"] = edited_title(site, files[len(files) // 2], runs, env)
        # A draft is edited as often as a published article: its edit must cost no more. (From the middle too,
        # the first draft after it: a site small enough to have none skips this.)
        draft = next((path for path in files[len(files) // 2:] + files[:len(files) // 2]
                      if "\ndraft: true\n" in path.read_text(encoding="utf-8")), None)
        if draft is not None:
            out["incremental_draft"] = edited_title(site, draft, runs, env)
    out["card_bytes"] = card_bytes(site)
    return out


def card_bytes(site: Path) -> dict:
    manifest = site / "output" / "manifest.json"
    if not manifest.is_file():
        return {}
    from smmgen.manifest import joined

    doc = joined(manifest)
    sizes: dict[str, int] = {}
    bluesky = []
    for entry in doc["entries"]:
        for media in entry.get("media") or []:
            sizes[media["path"]] = media["bytes"]
            if entry["platform"] == "bluesky":
                bluesky.append(media["bytes"])
    values = sorted(sizes.values())
    jpeg = sum(1 for path in sizes if path.endswith((".jpg", ".jpeg")))
    return {"cards": len(values), "jpeg_cards": jpeg, "png_cards": len(values) - jpeg,
            "median_bytes": int(statistics.median(values)) if values else 0,
            "max_bytes": values[-1] if values else 0, "total_mb": round(sum(values) / 1e6, 1),
            "bluesky_thumbs": len(bluesky), "bluesky_max_bytes": max(bluesky, default=0)}


def bench_cards(site: Path, work: Path, runs: int, env: dict[str, str], limit: int) -> tuple[dict, list[dict]]:
    gen = sitegen.GeneratedSite(site, 0, 0)
    cases = [{"title": t, "lang": lang, "hero": hero} for t, lang, hero in sitegen.titles_and_heroes(gen)][:limit]
    cases_path = work / "cases.json"
    cases_path.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    results: dict[str, list[dict]] = {"smmgen": [], "reference": []}
    for _ in range(runs):
        for renderer in ("reference", "smmgen"):       # alternating, so drift on a busy machine hits both
            r = run([sys.executable, str(BENCH / "cardbench.py"), renderer, str(cases_path),
                     str(work / f"cards-{renderer}")], BENCH, env)
            results[renderer].append(json.loads(r.output.strip().splitlines()[-1]))
    out: dict = {"cases": len(cases)}
    for kind in ("photo_jpeg", "flat_png"):
        per = {name: median([r[kind]["ms_per_card"] for r in rs if kind in r]) for name, rs in results.items()
               if any(kind in r for r in rs)}
        if len(per) == 2:
            out[kind] = {"smmgen_ms": per["smmgen"], "reference_ms": per["reference"],
                         "ratio": round(per["smmgen"] / per["reference"], 2),
                         "cards": results["smmgen"][0][kind]["cards"],
                         "smmgen_bytes": results["smmgen"][0][kind]["bytes"],
                         "reference_bytes": results["reference"][0][kind]["bytes"]}
    return out, cases


def bench_peers(cases: list[dict], work: Path, runs: int, cards: dict, limit: int) -> dict:
    import peers

    subset = cases[:limit]
    out = {"cases": len(subset),
           "satori+resvg": peers.satori(subset, work, runs),
           "mkdocs-material social": peers.mkdocs_material([c for c in subset if not c["hero"]], work, runs)}
    for name in ("satori+resvg", "mkdocs-material social"):
        result = out[name]
        if result.get("status") != "ok":
            continue
        for peer_kind, own_kind in (("photo_png", "photo_jpeg"), ("flat_png", "flat_png")):
            if peer_kind in result and own_kind in cards:
                result[peer_kind]["smmgen_ms"] = cards[own_kind]["smmgen_ms"]
                result[peer_kind]["speedup"] = round(result[peer_kind]["ms_per_card"]
                                                     / cards[own_kind]["smmgen_ms"], 2)
    return out


# --- reporting -----------------------------------------------------------------------------------------------------

def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def edited_title(site: Path, article: Path, runs: int, env: dict[str, str]) -> dict:
    """A build after each of ``runs`` edits of ``article``'s title (restored and built again afterwards)."""
    original = article.read_text(encoding="utf-8")
    times = []
    try:
        for i in range(runs):
            article.write_text(original.replace("\ntitle: \"", f"\ntitle: \"Update {i + 1}: ", 1), encoding="utf-8")
            times.append(run(smmgen_cmd(site), site, env))
    finally:
        article.write_text(original, encoding="utf-8")
        run(smmgen_cmd(site), site, env)        # leave output/ matching the site
    return {"median_s": median([r.seconds for r in times]), "runs_s": [round(r.seconds, 3) for r in times],
            "changed": [line.strip() for r in times for line in r.output.splitlines() if "manifest" in line],
            "article": article.relative_to(site).as_posix()}


def table(results: dict) -> str:
    n = results["articles"]
    rows = [("Measure", "Result", "Target", "Verdict")]
    b = results.get("builds", {})
    at_1000 = n == 1000

    def add(name: str, value: str, target: str, ok: bool | None) -> None:
        rows.append((name, value, target, verdict(ok)))

    at_10000 = n == 10000
    if "cold" in b:
        c = b["cold"]
        add(f"cold build, {n} articles × 9 platforms", f"{c['median_s']:.1f} s (runs {c['runs_s']})",
            "≤ 25 s at 1,000", c["median_s"] <= TARGETS["cold_1000_s"] if at_1000 else None)
        floor = pillow_floor(b.get("card_bytes") or {}, results.get("cards") or {})
        if floor is not None:
            add("cold build against the Pillow floor (reference ms/card × cards, 1 process)",
                f"{c['median_s']:.1f} s vs {floor:.1f} s", "≤ the floor", c["median_s"] <= floor)
    if "noop" in b:
        add(f"no-op rebuild, {n} articles", f"{b['noop']['median_s']:.2f} s (runs {b['noop']['runs_s']})",
            "≤ 1.0 s", b["noop"]["median_s"] <= TARGETS["noop_s"])
    if "incremental" in b:
        i = b["incremental"]
        goal = {1000: TARGETS["incremental_1000_s"], 10000: TARGETS["incremental_10000_s"]}.get(n)
        add(f"incremental rebuild (one title edited), {n} articles", f"{i['median_s']:.2f} s (runs {i['runs_s']})",
            "≤ 0.5 s at 1,000, ≤ 0.8 s at 10,000", i["median_s"] <= goal if goal else None)
    if "incremental_draft" in b:
        i = b["incremental_draft"]
        goal = {1000: TARGETS["incremental_1000_s"], 10000: TARGETS["incremental_10000_s"]}.get(n)
        add(f"incremental rebuild (a draft's title edited), {n} articles",
            f"{i['median_s']:.2f} s (runs {i['runs_s']})", "≤ 0.5 s at 1,000, ≤ 0.8 s at 10,000",
            i["median_s"] <= goal if goal else None)
    if "cold" in b:
        c = b["cold"]
        add(f"peak RSS, cold build, {n} articles", f"{c['max_rss_mb']:.0f} MB largest process, "
            f"{c['tree_rss_mb']:.0f} MB whole tree (PSS {c.get('tree_pss_mb', 0):.0f} MB)",
            "≤ 400 MB whole tree at 10,000",
            c["tree_rss_mb"] <= TARGETS["tree_rss_10000_mb"] if at_10000 else None)
        smaller = results.get("compared_with") or {}
        if at_10000 and smaller.get("tree_rss_mb"):
            growth = c["tree_rss_mb"] / smaller["tree_rss_mb"]
            add("peak RSS growth, whole tree, 10,000 / 1,000", f"{growth:.2f}× ({smaller['tree_rss_mb']:.0f} MB "
                "at 1,000)", "≤ 1.5×", growth <= TARGETS["rss_growth"])
    if "serve" in results:
        r = results["serve"]
        add(f"smmgen serve: save → page reloaded, {n} articles", f"{r['median_s']:.2f} s (runs {r['runs_s']}; "
            f"server rebuilds {r['rebuild_s']} s)", "≤ 0.5 s at 1,000",
            r["median_s"] <= TARGETS["serve_reload_1000_s"] if at_1000 else None)
    cb = b.get("card_bytes") or {}
    if cb:
        add("Bluesky thumb bytes (max)", f"{cb['bluesky_max_bytes']:,} B over {cb['bluesky_thumbs']} thumbs",
            "≤ 1,000,000 B always", cb["bluesky_max_bytes"] <= TARGETS["bluesky_thumb_bytes"])
        add("card bytes (median)", f"{cb['median_bytes']:,} B over {cb['cards']} files (max {cb['max_bytes']:,})",
            "≤ 200 KB", cb["median_bytes"] <= TARGETS["median_card_bytes"])
    cards = results.get("cards", {})
    for kind, label in (("photo_jpeg", "photo background, JPEG"), ("flat_png", "flat design, PNG")):
        if kind in cards:
            k = cards[kind]
            target = "≤ 1.3× reference" if kind == "photo_jpeg" else "(no target)"
            ok = k["ratio"] <= TARGETS["card_ratio_photo"] if kind == "photo_jpeg" else None
            add(f"card render, {label}, 1 process ({k['cards']} cards)",
                f"{k['smmgen_ms']:.1f} ms/card vs reference {k['reference_ms']:.1f} ms = {k['ratio']:.2f}×",
                target, ok)
    for name, result in (results.get("peers") or {}).items():
        if not isinstance(result, dict):
            continue
        if result.get("status") != "ok":
            add(f"peer: {name}", f"not run: {result.get('reason')}", "smmgen ≥ 2× faster", None)
            continue
        for kind in ("photo_png", "flat_png"):
            if kind in result:
                k = result[kind]
                if "speedup" in k:
                    add(f"peer: {name}, {kind.replace('_', ' ')} ({k['cards']} cards)",
                        f"{k['ms_per_card']:.1f} ms/card; smmgen {k['smmgen_ms']:.1f} = {k['speedup']:.2f}× faster",
                        "smmgen ≥ 2× faster", k["speedup"] >= TARGETS["peer_speedup"])
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def pillow_floor(card_bytes: dict, cards: dict) -> float | None:
    """Seconds the single-process reference renderer would take for the cold build's cards: its ms per photo
    (JPEG) card times the JPEG cards, plus its ms per flat (PNG) card times the PNG cards."""
    if not card_bytes or "photo_jpeg" not in cards or "flat_png" not in cards:
        return None
    return (card_bytes["jpeg_cards"] * cards["photo_jpeg"]["reference_ms"]
            + card_bytes["png_cards"] * cards["flat_png"]["reference_ms"]) / 1000


# --- main ------------------------------------------------------------------------------------------------------------

def prepare_site(work: Path, articles: int, seed: int) -> Path:
    site = work / f"site-{articles}-{seed}-g{sitegen.GENERATOR_VERSION}"
    marker = site / ".generated"
    if not marker.is_file():
        started = time.perf_counter()
        gen = sitegen.generate(site, articles, seed=seed)
        marker.write_text(json.dumps({"articles": gen.articles, "heroes": gen.heroes,
                                      "seconds": round(time.perf_counter() - started, 1)}), encoding="utf-8")
    return site


def snapshot(work: Path) -> dict[str, str]:
    """Run the builds on a copy of smmgen/ taken now, so that edits to the working tree meanwhile do not
    change (or invalidate the cache of) what is measured."""
    import smmgen

    source = Path(smmgen.__file__).resolve().parent
    target = work / "snapshot"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target / "smmgen", ignore=shutil.ignore_patterns("__pycache__"))
    return {"PYTHONPATH": str(target) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=None, help="N (default 1000; 100 with --quick)")
    parser.add_argument("--quick", action="store_true", help="CI smoke test: about 100 articles, no peers")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median; default 3)")
    parser.add_argument("--only", default="cold,noop,incremental,serve,cards,peers",
                        help="comma-separated subset of cold,noop,incremental,serve,cards,peers")
    parser.add_argument("--compare", type=Path, default=None,
                        help="a results file of 1,000 articles, for the memory growth at 10,000")
    parser.add_argument("--card-cases", type=int, default=400, help="titles for the card benchmark")
    parser.add_argument("--peer-cases", type=int, default=200, help="titles for the peers")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--work", type=Path, default=BENCH / ".work", help="where sites and scratch files go")
    parser.add_argument("--snapshot", action="store_true",
                        help="measure a copy of smmgen/ taken at start (for a working tree being edited)")
    parser.add_argument("--out", type=Path, default=BENCH / "results.json")
    args = parser.parse_args(argv)
    n = args.articles or (100 if args.quick else 1000)
    only = set(args.only.split(","))
    if args.quick:
        only.discard("peers")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # Builds run the way Python runs by default, caching compiled modules: an environment that turns that off
    # (PYTHONDONTWRITEBYTECODE) would make every build compile smmgen from source again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if args.snapshot:
        env.update(snapshot(work))

    site = prepare_site(work, n, args.seed)
    results: dict = {"articles": n, "runs": args.runs, "quick": args.quick, "seed": args.seed,
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()},
                     "site": json.loads((site / ".generated").read_text(encoding="utf-8")),
                     "targets": TARGETS}
    print(f"bench: {n} articles ({results['site']['heroes']} with a hero photo), {args.runs} run(s) each",
          file=sys.stderr)
    results["builds"] = bench_builds(site, args.runs, env, only)
    if "serve" in only and not args.quick:
        import serve_reload

        results["serve"] = serve_reload.measure(site, max(args.runs, 3), env)
    if args.compare is not None:
        cold = json.loads(args.compare.read_text(encoding="utf-8")).get("builds", {}).get("cold") or {}
        results["compared_with"] = {"tree_rss_mb": cold.get("tree_rss_mb"), "file": args.compare.name}
    cases: list[dict] = []
    if "cards" in only or "peers" in only:
        results["cards"], cases = bench_cards(site, work, args.runs, env, args.card_cases)
    if "peers" in only:
        results["peers"] = bench_peers(cases, work, args.runs, results["cards"], args.peer_cases)
    results["table"] = table(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(results["table"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
