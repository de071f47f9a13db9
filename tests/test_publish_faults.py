"""Fault injection on every platform's create call, asserting on the server's own state afterwards.

Faults: a 500 (nothing done), a 429 with a wait, a timeout (the request lands after the client gave up),
the connection dropped after the server committed the post, and the publisher SIGKILLed after the server
committed it and before the answer reached the ledger (then run again). Bluesky and Mastodon must end with
every due entry live exactly once; Telegram, which cannot deduplicate or look, must end with the faulted
entry reported ``unknown`` and never sent twice. The other due entry always goes out; nothing is lost.

The table below is the measured outcome: (platform, fault) -> outcome of the faulted entry, and how many
copies of it the server holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes.server import Fault

from smmgen.publish.lock import lock_path

# The harness fixtures come in as a plugin; its helpers are imported by name below, so it is marked for
# assertion rewriting first, as pytest does for every plugin it loads itself.
pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import (T0, Harness, entry, env_without_secrets, iso, ledger, outcomes, run,  # noqa: I001
                                write_manifest)

pytestmark = pytest.mark.slow

FAULTS = ("500", "429", "timeout", "drop", "sigkill")
TABLE = {
    **{("bluesky", f): ("posted", 1) for f in FAULTS},
    **{("mastodon", f): ("posted", 1) for f in FAULTS},
    ("telegram", "500"): ("unknown", 0),
    ("telegram", "429"): ("posted", 1),
    ("telegram", "timeout"): ("unknown", 1),
    ("telegram", "drop"): ("unknown", 1),
    ("telegram", "sigkill"): ("unknown", 1),
}
HOUR = 3600


def manifest(h: Harness, site: Path) -> tuple[dict, dict, dict]:
    first = entry("budget-vote", h.name, "Budget passes 31–12 after a long night", publish_at=T0.replace(hour=5))
    second = entry("tram-line", h.name, "The new tram line opens on Monday", publish_at=T0.replace(hour=5, minute=30))
    later = entry("river-festival", h.name, "River festival programme announced", publish_at=T0.replace(hour=12))
    write_manifest(site, [first, second, later])
    return first, second, later


def publish_killed(h: Harness, site: Path) -> subprocess.CompletedProcess:
    """``smmgen publish`` in its own process, SIGKILLed by the server right after it commits the post."""
    holder: dict[str, int] = {}
    h.server.inject(Fault(h.create, "kill_after", pid=lambda: holder.get("pid")))
    process = subprocess.Popen([sys.executable, "-m", "smmgen", "publish", "--site", str(site), "--now", iso(T0)],
                               env={**env_without_secrets(), **h.env}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    holder["pid"] = process.pid
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_on_create(harness: Harness, tmp_path: Path, fault: str) -> None:
    site = harness.site(tmp_path)
    first, second, later = manifest(harness, site)
    expected_outcome, expected_copies = TABLE[(harness.name, fault)]

    started = time.monotonic()
    if fault == "sigkill":
        killed = publish_killed(harness, site)
        assert killed.returncode == -9, killed.stderr.decode()
        interrupted = ledger(site)[first["id"]]
        assert interrupted["state"] == "intent" and interrupted["entry"]["id"] == first["id"]
        assert harness.live_texts().count(first["text"]) == 1      # the server has it; the ledger does not
        # The dead run's lock stays behind, but its holder provably died on this host: the next run takes it
        # over at once instead of waiting for it to go stale.
        assert lock_path(site / ".smmgen" / "ledger.json").exists()
        events = run(site, T0, harness.env)
    else:
        response = {"500": harness.server_error(), "429": harness.rate_limited(2)}.get(fault)
        kind = {"500": "status", "429": "status", "timeout": "delay", "drop": "drop_after"}[fault]
        harness.server.inject(Fault(harness.create, kind, response=response, seconds=3.0))
        events = run(site, T0, harness.env)
    elapsed = time.monotonic() - started

    live = harness.live_texts()
    assert outcomes(events)[first["id"]] == expected_outcome
    assert live.count(first["text"]) == expected_copies
    assert live.count(second["text"]) == 1 and outcomes(events)[second["id"]] == "posted"
    assert later["text"] not in live and outcomes(events)[later["id"]] == "not due"
    records = json.loads((site / ".smmgen" / "ledger.json").read_text())["entries"]
    assert records[first["id"]]["state"] == expected_outcome
    assert records[second["id"]]["state"] == "posted"
    if fault == "429":
        assert elapsed >= 1.0        # the server's wait was honoured, not hammered through

    # The next scheduled run changes nothing: no second copy, and an unknown stays unknown (and loud).
    again = run(site, T0.replace(hour=7), harness.env)
    assert harness.live_texts() == live
    assert outcomes(again).get(first["id"]) == ("unknown" if expected_outcome == "unknown" else None)


def test_telegram_unknown_is_posted_again_only_with_force(tmp_path: Path, telegram: Harness) -> None:
    site = telegram.site(tmp_path)
    first, _, _ = manifest(telegram, site)
    telegram.server.inject(Fault(telegram.create, "status", response=telegram.server_error()))
    assert outcomes(run(site, T0, telegram.env))[first["id"]] == "unknown"
    assert first["text"] not in telegram.live_texts()
    assert outcomes(run(site, T0, telegram.env))[first["id"]] == "unknown"
    forced = run(site, T0, telegram.env, force=True)
    assert outcomes(forced)[first["id"]] == "posted"
    assert telegram.live_texts().count(first["text"]) == 1
    assert ledger(site)[first["id"]]["attempts"] == 2


def test_cli_exit_code_and_summary_for_an_unknown(tmp_path: Path, telegram: Harness) -> None:
    site = telegram.site(tmp_path)
    manifest(telegram, site)
    telegram.server.inject(Fault(telegram.create, "drop_after"))
    done = subprocess.run([sys.executable, "-m", "smmgen", "publish", "--site", str(site), "--now", iso(T0)],
                          env={**env_without_secrets(), **telegram.env}, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 1
    assert "publish: 0 failed, 1 unknown" in done.stderr
    assert "budget-vote@telegram" in done.stderr and "--force" in done.stderr
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line.startswith("telegram")}
    # posted, edited, deleted, not due, skipped, failed, unknown
    assert rows["telegram"] == ["1", "0", "0", "1", "0", "0", "1"]
    assert telegram.env["SMMGEN_TELEGRAM_BOT_TOKEN"] not in done.stdout + done.stderr
