"""bench/run.py --quick completes and writes results of the documented shape (timings are never asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_quick_completes_and_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--articles", "12", "--runs", "1",
         "--card-cases", "12", "--work", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads(out.read_text(encoding="utf-8"))

    assert results["articles"] == 12 and results["quick"] is True and "peers" not in results
    builds = results["builds"]
    for name in ("cold", "noop", "incremental"):
        assert builds[name]["median_s"] > 0 and len(builds[name]["runs_s"]) == 1
    assert builds["cold"]["max_rss_mb"] > 0 and builds["cold"]["tree_rss_mb"] >= builds["cold"]["max_rss_mb"]
    # PSS counts shared pages once: never above RSS (read a moment apart, so within a few MB of it).
    assert 0 < builds["cold"]["tree_pss_mb"] <= builds["cold"]["tree_rss_mb"] + 5
    # The edit of one title went through a real rebuild, and the no-op changed nothing.
    assert not re.search(r"(?<!\d)0 file\(s\) changed", builds["incremental"]["changed"][0])
    assert builds["card_bytes"]["cards"] > 0 and 0 < builds["card_bytes"]["bluesky_max_bytes"] <= 1_000_000
    cards = results["cards"]
    assert cards["cases"] == 12
    for kind in ("photo_jpeg", "flat_png"):
        assert cards[kind]["smmgen_ms"] > 0 and cards[kind]["reference_ms"] > 0 and cards[kind]["ratio"] > 0
    # The table printed is the one stored, with a row per measure.
    assert results["table"] in proc.stdout
    assert results["table"].count("\n") >= 8
    assert "against the Pillow floor" in results["table"]
    assert builds["card_bytes"]["jpeg_cards"] + builds["card_bytes"]["png_cards"] == builds["card_bytes"]["cards"]
