"""bench/run.py --quick completes and writes results of the documented shape (timings are never asserted)."""

from __future__ import annotations

import json
import os
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


def test_the_tree_counts_a_child_that_has_not_exec_d_as_its_parents_memory_and_an_exec_d_one_as_its_own() -> None:
    """Between vfork() and exec a child runs in its parent's address space: its VmRSS is the parent's pages.
    The benchmark's tree sum counts them once; a child that has exec'd counts with its own memory."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import run as bench_run
    finally:
        sys.path.remove(str(REPO / "bench"))
    script = ("import os, subprocess, sys, time\n"
              "held = bytearray(80 * 2**20)\n"
              "for i in range(0, len(held), 4096): held[i] = 1\n"
              "if os.fork() == 0:\n    time.sleep(60)\n    os._exit(0)\n"
              "exec_d = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
              "print('ready', flush=True)\n"
              "time.sleep(60)\n")
    root = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert root.stdout.readline().strip() == "ready"
        tree = bench_run._tree(root.pid)
        assert len(tree) == 3
        own = {pid: bench_run._kb(f"/proc/{pid}/status", "VmRSS:") for pid, _ in tree}
        total, largest = bench_run._tree_rss_kb(root.pid)
        root_kb = own[root.pid]
        assert root_kb > 80 * 1024 and largest == root_kb
        # The forked copy (same command line, not exec'd) adds nothing; the exec'd interpreter adds its own few MB.
        exec_d = [kb for pid, kb in own.items() if pid != root.pid and kb < root_kb // 2]
        # (read a moment apart from the figures above: the exec'd interpreter may still be starting)
        assert len(exec_d) == 1 and root_kb + exec_d[0] - 4096 <= total <= root_kb + exec_d[0] + 4096
    finally:
        for pid, _ in bench_run._tree(root.pid)[1:]:
            os.kill(pid, 9)
        root.kill()
        root.wait()
