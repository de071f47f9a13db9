"""Save → page reloaded in ``smmgen serve``: ``python bench/serve_reload.py [--articles N] [--runs R]``.

Starts ``smmgen serve`` on the synthetic site of ``run.py`` (cards on: the same site, heroes included), opens one
article's preview page and an unrelated article's page in headless Chromium (Debian's, driven by Playwright),
then R times: edits the first article's title on disk and times until its open page shows the new title. The
other page must not reload (a flag set in it survives). Reports the median, each run, and the rebuild time the
server printed. ``--profile`` then profiles one such rebuild in this process (the server's ``build_once``) and
prints each stage's share. Writes bench/serve-results.json (``--out``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (bench/ is not a package)

sys.path.insert(0, str(REPO / "tests"))
from support.serving import ServeProcess  # noqa: E402  (the tests' harness: one way to run smmgen serve)

CHROMIUM = Path("/usr/bin/chromium")
GOAL_S = 0.5
MARK = "() => { window.__notReloaded = true; }"
NOT_RELOADED = "() => window.__notReloaded === true"


def pages(site: Path) -> tuple[Path, str, str, str]:
    """The article edited (its source, title and page) and an unrelated article's page, from the manifest."""
    from smmgen.manifest import joined

    entries = joined(site / "output" / "manifest.json")["entries"]
    # A settled stub (its post already out) names no article: its article's other entries do, or it is not needed.
    articles = {e["article"]["source"]: e["article"] for e in entries if "article" in e}
    sources = sorted(articles)
    edited, other = articles[sources[len(sources) // 2]], articles[sources[0]]
    return site / edited["source"], edited["title"], f"articles/{edited['slug']}.html", f"articles/{other['slug']}.html"


def measure(site: Path, runs: int, env: dict[str, str]) -> dict:
    from playwright.sync_api import sync_playwright

    source, title, edited_page, other_page = pages(site)
    original = source.read_text(encoding="utf-8")
    assert f'title: "{title}"' in original or f"title: {title}" in original, source
    server = ServeProcess(site, env=env, startup=3600)
    times, rebuilds, others_reloaded = [], [], 0
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context()
            page, other = context.new_page(), context.new_page()
            page.goto(f"{server.origin}/preview/{edited_page}")
            other.goto(f"{server.origin}/preview/{other_page}")
            other.evaluate(MARK)
            for i in range(runs):
                new_title = f"Reload {i + 1}: {title}"
                page.wait_for_timeout(1000)             # the last run's rebuild and reload are over
                started = time.perf_counter()
                source.write_text(original.replace(title, new_title, 1), encoding="utf-8")
                page.wait_for_function("t => { const h = document.querySelector('h1');"
                                       " return h !== null && h.textContent.includes(t); }",
                                       arg=new_title, timeout=60_000, polling=5)
                times.append(time.perf_counter() - started)
                rebuilds.append(float(server.wait_for(r"built in ([\d.]+)s", 60).group(1)))
            page.wait_for_timeout(1000)
            others_reloaded = 0 if other.evaluate(NOT_RELOADED) else 1
            browser.close()
    finally:
        source.write_text(original, encoding="utf-8")
        try:
            server.wait_for(r"built in", 60)
        finally:
            server.stop()
    return {"median_s": round(statistics.median(times), 3), "runs_s": [round(t, 3) for t in times],
            "rebuild_s": rebuilds, "other_page_reloaded": bool(others_reloaded),
            "edited": source.relative_to(site).as_posix()}


# The stages of a rebuild (``smmgen.build.incremental.build_site`` and what it calls), as the profile names them.
STAGES = {
    "load": "build/cache.py", "load_state": "build/cache.py", "fingerprint": "build/cache.py",
    "save": "build/cache.py", "_content_hashes": "build/incremental.py", "survey": "output_files.py",
    "build": "build/pipeline.py", "make_cuts": "build/pipeline.py", "render_cards": "build/card_stage.py",
    "write_output": "build/write.py", "write_manifest": "build/write.py", "iter_pages": "preview/pages.py",
    "output_listing": "build/incremental.py",
}


def profile(site: Path) -> dict[str, float]:
    """One rebuild after a title edit, as the server runs it (``build_once``, warm), under cProfile: the whole
    and each stage's cumulative seconds, largest first."""
    sys.path.insert(0, str(REPO))
    from smmgen.preview.serve import build_once

    source, title, _, _ = pages(site)
    original = source.read_text(encoding="utf-8")
    last = None
    try:
        # Warm, as in a running server after its first edit: imports done, the cache that build saved held.
        source.write_text(original.replace(title, f"Warming: {title}", 1), encoding="utf-8")
        last = build_once(site)
        source.write_text(original.replace(title, f"Profiled: {title}", 1), encoding="utf-8")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        last = build_once(site, held=last.cache, last=last)
        profiler.disable()
        took = time.perf_counter() - started
    finally:
        source.write_text(original, encoding="utf-8")
        build_once(site, held=last.cache if last is not None else None, last=last)
    stages = {"rebuild (whole)": round(took, 3)}
    for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in pstats.Stats(profiler).stats.items():
        module = STAGES.get(name)
        if module and Path(filename).as_posix().endswith(f"smmgen/{module}"):
            stages[f"{module}:{name}"] = round(cumulative, 3)
    return dict(sorted(stages.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--work", type=Path, default=BENCH / ".work")
    parser.add_argument("--out", type=Path, default=BENCH / "serve-results.json")
    parser.add_argument("--profile", action="store_true", help="profile one rebuild after the runs")
    args = parser.parse_args(argv)
    site = run.prepare_site(args.work.resolve(), args.articles, args.seed)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    if not (site / "output" / "manifest.json").is_file():
        subprocess.run(run.smmgen_cmd(site), cwd=site, env=env, check=True, stdout=subprocess.DEVNULL)
    result = {"articles": args.articles, "runs": args.runs, "goal_s": GOAL_S, **measure(site, args.runs, env)}
    print(f"save -> page reloaded at {args.articles} articles: median {result['median_s']}s "
          f"(runs {result['runs_s']}; server rebuilds {result['rebuild_s']}s; goal {GOAL_S}s); "
          f"unrelated page reloaded: {result['other_page_reloaded']}")
    if args.profile:
        result["profile_s"] = profile(site)
        for stage, seconds in result["profile_s"].items():
            print(f"  {seconds:7.3f}s  {stage}")
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if not result["other_page_reloaded"] else 1


if __name__ == "__main__":
    sys.exit(main())
