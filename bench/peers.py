"""Optional peers, measured on the same titles when they are installed: each returns a result dict, or
{"status": "not run", "reason": ...}.

- mkdocs-material's social plugin (``pip install 'mkdocs-material[imaging]'``, which needs Cairo): one MkDocs
  site with a page per title, built with the plugin and without it (both with ``concurrency: 1``, a fresh card
  cache, and Noto Sans from smmgen's font package in the plugin's font cache, since it would otherwise download
  Roboto); per card = (with - without) / pages, medians of the runs.
- satori + resvg (``npm install`` in bench/, see package.json): ``satori_cards.mjs`` in Node, timed inside the
  process like ``cardbench.py``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def _noto_sans() -> str:
    from smmgen.cards.fonts import chain

    return chain("Noto Sans", "en")[0].path


def _noto_sans_bold(work: Path) -> str:
    """A static Noto Sans Bold made from the variable font with fontTools (satori's font parser does not read
    variable fonts)."""
    path = work / "NotoSans-Bold-static.ttf"
    if not path.is_file():
        from fontTools.ttLib import TTFont
        from fontTools.varLib import instancer

        font = instancer.instantiateVariableFont(TTFont(_noto_sans()), {"wght": 700, "wdth": 100})
        font.save(path)
    return str(path)


def mkdocs_material(cases: list[dict], work: Path, runs: int) -> dict:
    try:
        import material.plugins.social  # noqa: F401
        import mkdocs  # noqa: F401
    except ImportError as e:
        return {"status": "not run", "reason": f"mkdocs-material is not installed ({e.name})"}
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError) as e:
        return {"status": "not run", "reason": f"the social plugin needs Cairo: {e}"}
    site = work / "mkdocs"
    shutil.rmtree(site, ignore_errors=True)
    (site / "docs").mkdir(parents=True)
    (site / "docs" / "index.md").write_text("# Index\n", encoding="utf-8")
    for i, case in enumerate(cases):
        title = json.dumps(case["title"], ensure_ascii=False)
        (site / "docs" / f"p{i:05d}.md").write_text(f"---\ntitle: {title}\n---\n\nText.\n", encoding="utf-8")
    fonts = site / "fonts" / "Noto Sans"
    fonts.mkdir(parents=True)
    for style in ("Bold", "Regular"):
        shutil.copy(_noto_sans_bold(work), fonts / f"{style}.ttf")

    def config(social: bool) -> Path:
        plugins = ["  - social:", "      cards: true", "      cache: true", "      cache_dir: .cache/social",
                   "      concurrency: 1", "      cards_layout_options:", "        font_family: Noto Sans"]
        text = "\n".join(["site_name: The Benchmark Gazette", "site_url: https://gazette.example/",
                          "theme:", "  name: material", "plugins:"] + (plugins if social else ["  - search"]))
        path = site / f"mkdocs-{'social' if social else 'plain'}.yml"
        path.write_text(text + "\n", encoding="utf-8")
        return path

    def run(social: bool) -> float:
        cache = site / ".cache" / "social"
        shutil.rmtree(site / ".cache", ignore_errors=True)
        if social:
            cache.mkdir(parents=True)
            shutil.copytree(site / "fonts", cache / "fonts")
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config(social)),
                               "-d", str(site / "out")], cwd=site, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed")
        return seconds

    try:
        with_social = [run(True) for _ in range(runs)]
        without = [run(False) for _ in range(runs)]
    except RuntimeError as e:
        return {"status": "not run", "reason": f"mkdocs build failed: {e}"}
    cards = len(cases)
    per_card = (statistics.median(with_social) - statistics.median(without)) / len(cases)
    return {"status": "ok", "flat_png": {"cards": cards, "ms_per_card": round(1000 * per_card, 2),
                                         "with_social_s": [round(s, 3) for s in with_social],
                                         "without_s": [round(s, 3) for s in without]}}


def satori(cases: list[dict], work: Path, runs: int) -> dict:
    node = shutil.which("node")
    if node is None:
        return {"status": "not run", "reason": "node is not installed"}
    if not (BENCH / "node_modules" / "satori").is_dir() or not (BENCH / "node_modules" / "@resvg").is_dir():
        return {"status": "not run", "reason": "satori / @resvg/resvg-js not installed (run npm install in bench/)"}
    cases_path = work / "satori-cases.json"
    cases_path.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    results = []
    for _ in range(runs):
        out = work / "satori-out"
        shutil.rmtree(out, ignore_errors=True)
        proc = subprocess.run([node, str(BENCH / "satori_cards.mjs"), str(cases_path), _noto_sans_bold(work),
                               str(out)],
                              capture_output=True, text=True, cwd=BENCH)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:] or ["failed"]
            return {"status": "not run", "reason": f"satori failed: {tail[0]}"}
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out: dict = {"status": "ok"}
    for kind in ("photo_png", "flat_png"):
        values = [r[kind]["ms_per_card"] for r in results if kind in r]
        if values:
            out[kind] = {"cards": results[0][kind]["cards"], "ms_per_card": statistics.median(values),
                         "runs_ms": values, "bytes": results[0][kind]["bytes"]}
    return out
