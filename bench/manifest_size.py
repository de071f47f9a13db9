"""Size of ``output/manifest.json`` of a synthetic site (``bench/sitegen.py``), and the time the publisher takes to
load it and decide (``smmgen publish --dry-run``), without and with a ledger that records the archive as posted.

    python bench/manifest_size.py --articles 10000

Cards are not drawn (``render_images=False``), as in ``bench/pages.py``. With ``--settle``, every entry of an
article older than the newest week is recorded in the site's ledger as posted with its content hash (what the
publisher's earlier runs would have left), and the manifest is written again: settled entries become stubs.
Run it with another ``PYTHONPATH`` to measure another version of smmgen on the same site.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))


def write_manifest(root: Path) -> float:
    from smmgen.build.manifest_file import write_manifest
    from smmgen.build.pipeline import build
    from smmgen.config.site import load_site

    site = load_site(root)
    result = build(site, render_images=False, workers=1)
    site.output_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write_manifest(site, result)
    return time.perf_counter() - started


def settle(root: Path) -> int:
    """Record every entry of an article dated before the newest week as posted, in the site's ledger."""
    from smmgen.manifest import joined

    doc = joined(root / "output" / "manifest.json")
    entries = [e for e in doc["entries"] if "article" in e]
    newest = max(e["article"]["date"] for e in entries)
    cutoff = (dt.datetime.fromisoformat(newest.replace("Z", "+00:00")) - dt.timedelta(days=7)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    records = {}
    for e in entries:
        if e["article"]["date"] < cutoff and not e["retracted"] and e.get("hold") is None:
            records[e["id"]] = {"platform": e["platform"], "state": "posted", "content_hash": e["content_hash"],
                                "publish_at": e["publish_at"], "posted_at": e["publish_at"],
                                "expire_at": e["expire_at"], "remote_id": "1", "url": None, "remote": {}}
    ledger = {"format": "smmgen-ledger", "version": 1, "site": doc["site"]["base_url"], "entries": records}
    (root / ".smmgen").mkdir(exist_ok=True)
    (root / ".smmgen" / "ledger.json").write_text(json.dumps(ledger, sort_keys=True, indent=2) + "\n")
    return len(records)


def dry_run(root: Path, runs: int) -> list[str]:
    """``smmgen publish --dry-run`` in a subprocess: wall and CPU seconds of each run, and the peak memory of
    the runs so far (the largest child's)."""
    import resource

    times = []
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    for _ in range(runs):
        started = time.perf_counter()
        before = os.times()
        done = subprocess.run([sys.executable, "-m", "smmgen", "publish", "--dry-run", "--no-preflight",
                               "--allow-many", "--site", str(root)], env=env, capture_output=True, text=True)
        after = os.times()
        if done.returncode not in (0, 1):
            raise SystemExit(f"publish --dry-run failed ({done.returncode}): {done.stderr[-2000:]}")
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        times.append(f"{time.perf_counter() - started:.2f} s wall, {cpu:.2f} s CPU, peak {peak} MB")
    return times


def main() -> None:
    import sitegen

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--work", type=Path, default=BENCH / ".work")
    parser.add_argument("--settle", action="store_true", help="record the archive as posted first")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = args.work / f"manifest-{args.articles}"
    if not (root / "smmgen.toml").exists():
        sitegen.generate(root, args.articles, hero_share=0.0)
    if args.settle and not (root / ".smmgen" / "ledger.json").exists():
        write_manifest(root)
        print(f"settled: {settle(root)} entries recorded as posted")
    seconds = write_manifest(root)
    out = root / "output"
    parts = sorted((out / "manifest").glob("*.json"))
    sizes = [p.stat().st_size for p in parts]
    data = b"".join(p.read_bytes() for p in parts)
    lines, stubs = data.count(b"\n"), data.count(b'"settled":')
    print(f"manifest: {len(data):,} bytes in {len(parts)} parts (largest {max(sizes, default=0):,}), index "
          f"{(out / 'manifest.json').stat().st_size:,} bytes; {lines:,} lines, {stubs:,} stubs, written in "
          f"{seconds:.2f} s")
    for line in dry_run(root, args.runs):
        print(f"publish --dry-run: {line}")


if __name__ == "__main__":
    main()
