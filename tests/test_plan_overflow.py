"""A site that publishes more than its plan allows still builds: each post the plan has no slot for within its
horizon gets a warning, is held back (never posted), and is named by `check`, `plan`, the preview and the
publisher's dry run. (A 2,000-article year with one slot a day used to fail the whole build with 1,270 "no free
slot" errors; here a blackout shrinks the year to twenty days so that a hundred articles show the same.)"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from smmgen.manifest import joined as joined_manifest

REPO = Path(__file__).resolve().parents[1]
ARTICLES = 120
OPEN_DAYS = 20          # 2026-01-01 to 2026-01-20: one 09:00 slot a day, then a blackout past the horizon


def smmgen(*args: str, **secrets: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMMGEN_")} | secrets
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run([sys.executable, "-m", "smmgen", *args], capture_output=True, text=True, env=env,
                            timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def busy_site(root: Path) -> Path:
    (root / "content").mkdir(parents=True)
    (root / "smmgen.toml").write_text(
        '[site]\nname = "Test Desk"\nbase_url = "https://courier.example"\n\n'
        '[platforms.mastodon]\nhandle = "@desk@social.example"\n\n'
        '[plan]\nslots = ["09:00"]\nblackout = [{ from = 2026-01-21, until = 2027-12-31, reason = "closed" }]\n\n'
        '[publish]\npreflight = false\n\n[publish.mastodon]\ninstance = "https://social.example"\n')
    start = dt.datetime(2026, 1, 1, 6, 0)
    for i in range(ARTICLES):
        when = start + dt.timedelta(minutes=i * 230)      # about six a day, all within the open days
        (root / "content" / f"story-{i}.md").write_text(
            f"---\ntitle: Story {i}\ndate: {when.isoformat()}\n---\n\nWhat happened, in a few words.\n")
    return root


def test_posts_without_a_free_slot_are_held_with_a_warning_and_the_build_succeeds(tmp_path: Path) -> None:
    site = busy_site(tmp_path / "site")
    unplaced = ARTICLES - OPEN_DAYS

    check = smmgen("check", "--site", str(site))
    assert check.returncode == 0, check.stderr
    warned = [line for line in check.stderr.splitlines() if "no free mastodon slot within 366 days" in line]
    assert len(warned) == unplaced and all(line.endswith("it will not be posted (loosen [plan], or give it a "
                                                         "publish_at)") for line in warned)
    assert f"{unplaced} warning(s)" in check.stdout

    build = smmgen("build", "--site", str(site))
    assert build.returncode == 0, build.stderr
    entries = joined_manifest(site / "output" / "manifest.json")["entries"]
    held = [e for e in entries if "hold" in e]
    assert len(entries) == ARTICLES and len(held) == unplaced
    assert all(e["hold"].startswith("unplaced: no free mastodon slot within 366 days after ") for e in held)
    placed = sorted(e["publish_at"] for e in entries if "hold" not in e)
    assert placed == [f"{(dt.date(2026, 1, 1) + dt.timedelta(days=d)).isoformat()}T09:00:00Z"
                      for d in range(OPEN_DAYS)]
    # The latest articles are the ones left without a slot.
    assert {e["id"] for e in held} == {f"story-{i}@mastodon" for i in range(OPEN_DAYS, ARTICLES)}

    plan = smmgen("plan", "--site", str(site), "--now", "2026-01-01T00:00:00Z")
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.count("never posted: unplaced: no free mastodon slot") == unplaced

    page = (site / "output" / "preview" / "plan.html").read_text()
    assert f"Held back, never posted: {unplaced} with no free plan slot" in page
    assert page.count("; it will not be posted.</li>") == unplaced

    without = smmgen("publish", "--site", str(site), "--dry-run", "--json", "--now", "2026-01-21T00:00:00Z")
    assert without.returncode == 1 and "20 failed" in without.stderr    # the real run could not post them
    dry = smmgen("publish", "--site", str(site), "--dry-run", "--json", "--now", "2026-01-21T00:00:00Z",
                 SMMGEN_MASTODON_TOKEN="a-token-for-the-dry-run")
    assert dry.returncode == 0, dry.stderr
    actions = json.loads(dry.stdout)["actions"]
    skipped = [a for a in actions if a["action"] == "skip"]
    assert len(skipped) == unplaced and all(a["reason"].startswith("held by the build: unplaced: ")
                                            for a in skipped)
    assert sum(a["action"] == "post" for a in actions) == OPEN_DAYS
