from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import sample_site_at

from smmgen.cli.main import main
from smmgen.manifest import SCHEMA_PATH
from smmgen.manifest import joined as joined_manifest

GOLDEN = Path(__file__).parent / "golden" / "manifest.json"


def run(site: Path, *args: str, env: dict | None = None):
    result = CliRunner().invoke(main, [*args, "--site", str(site)], env=env, catch_exceptions=False)
    return result


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def built(sample_site):
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    return sample_site


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    """The sample site built as ``built`` builds it, once, for the tests that only read its output."""
    site = sample_site_at(tmp_path_factory.mktemp("built") / "site")
    result = run(site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    return site


def manifest_of(site: Path) -> dict:
    return joined_manifest(site / "output" / "manifest.json")


def test_two_builds_of_the_same_inputs_are_byte_identical(built, tmp_path):
    first = tree_bytes(built / "output")
    # A second build in another folder, from scratch, with more workers: same bytes.
    other = tmp_path / "elsewhere"
    shutil.copytree(built, other, ignore=shutil.ignore_patterns("output"))
    assert run(other, "build", "--workers", "2").exit_code == 0
    assert tree_bytes(other / "output") == first
    # And a rebuild over existing output changes nothing.
    assert run(built, "build").exit_code == 0
    assert tree_bytes(built / "output") == first


def test_manifest_validates_against_its_schema(built_once):
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    out = built_once / "output"
    # Every file as written: the index and each part; and the whole, as ``smmgen diff`` gives it back.
    files = [out / "manifest.json", *sorted((out / "manifest").glob("*.json"))]
    assert len(files) > 1
    for path in files:
        jsonschema.validate(json.loads(path.read_bytes()), schema)
    jsonschema.validate(manifest_of(built_once), schema)


def test_manifest_entries_cover_every_published_article_and_platform(built_once):
    doc = manifest_of(built_once)
    ids = [e["id"] for e in doc["entries"]]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    slugs = {e["article"]["slug"] for e in doc["entries"]}
    assert "election-night-plan" not in slugs            # the draft
    assert "climate-summit-preview" in slugs             # scheduled for the future: included with its time
    future = [e for e in doc["entries"] if e["article"]["slug"] == "climate-summit-preview"]
    assert all(e["publish_at"] >= "2026-12-01T06:30:00Z" for e in future)
    for entry in doc["entries"]:
        assert entry["length"] <= entry["limit"], entry["id"]
        assert entry["link"] is None or "utm_source=" in entry["link"] or "courier.example" not in entry["link"]


def _masked(doc: dict) -> dict:
    # Image bytes depend on the Pillow and font builds; images are checked by the card tests, not byte for byte.
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)
    text = re.sub(r'"(sha256|content_hash)": "[^"]+"', r'"\1": "<hash>"', text)
    text = re.sub(r'cards/[0-9a-f]+\.(png|jpg|jpeg)', r'cards/<hash>.\1', text)
    text = re.sub(r'(social-cards/)[0-9a-f]+\.', r'\1<hash>.', text)
    text = re.sub(r'"bytes": \d+', '"bytes": 0', text)
    return json.loads(text)


def test_golden_manifest(built_once, update_golden):
    doc = _masked(manifest_of(built_once))
    if update_golden:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return
    # Never written here: a golden file made by the run it checks would vouch for whatever that run produced.
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN.name} is missing from tests/golden/: run pytest --update-golden and review it")
    assert doc == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_a_missing_golden_manifest_fails_and_is_not_written(built_once, monkeypatch, tmp_path):
    missing = tmp_path / "golden" / "manifest.json"
    monkeypatch.setattr(sys.modules[__name__], "GOLDEN", missing)
    with pytest.raises(pytest.fail.Exception, match="--update-golden"):
        test_golden_manifest(built_once, update_golden=False)
    assert not missing.exists() and not missing.parent.exists()


def test_content_hash_changes_with_what_is_posted_only(built):
    before = {e["id"]: e["content_hash"] for e in manifest_of(built)["entries"]}
    path = built / "content" / "2026" / "2026-11-22-gallery-east-wing.md"
    path.write_text(path.read_text().replace("five-year restoration", "five-year renovation"))
    assert run(built, "build").exit_code == 0
    after = {e["id"]: e["content_hash"] for e in manifest_of(built)["entries"]}
    changed = sorted(i for i in before if before[i] != after[i])
    assert changed and all(i.startswith("gallery-east-wing@") for i in changed)


def test_build_with_an_invalid_article_fails_cleanly_and_keeps_old_output(built):
    old = tree_bytes(built / "output")
    (built / "content" / "2026" / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    result = run(built, "build")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "content/2026/broken.md:2: front matter is not valid YAML" in result.output
    assert tree_bytes(built / "output") == old


def test_the_program_flushes_its_report_and_exits_with_the_command_code(sample_site):
    # ``smmgen.cli.main.run`` ends the process without the interpreter's teardown: what was printed must still
    # arrive, and the exit code must be the command's.
    def program(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "smmgen", *args], cwd=sample_site, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=300)

    built = program("build", "--workers", "2")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("smmgen: built ") and "  manifest  output/manifest.json (" in built.stdout
    assert (sample_site / "output" / "manifest.json").is_file()
    (sample_site / "content" / "2026" / "broken.md").write_text("---\ntitle: [unclosed\n---\n")
    failed = program("build")
    assert failed.returncode == 1
    assert "content/2026/broken.md:2: front matter is not valid YAML" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert program("build", "--workers", "0").returncode == 2          # click's usage error
    assert program("--version").stdout.startswith("python -m smmgen, version ")


def test_check_prints_github_annotations(sample_site):
    (sample_site / "content" / "bad.md").write_text("---\ntitle: T\ndate: someday\n---\n")
    result = run(sample_site, "check", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    assert 'content/bad.md:3: date: not a date: "someday"' in result.output
    assert '::error file=content/bad.md,line=3::date: not a date: "someday"' in result.output


def test_check_passes_on_the_sample_site(sample_site):
    result = run(sample_site, "check")
    assert result.exit_code == 0, result.output
    assert "all within their limits" in result.output
    assert sorted(p.name for p in sample_site.iterdir()) == ["content", "layouts", "smmgen.toml"]   # wrote nothing


def test_new_scaffolds_an_article_that_checks(sample_site):
    result = run(sample_site, "new", "Storm warning for the coast", "--tag", "weather")
    assert result.exit_code == 0, result.output
    created = sample_site / result.output.split()[-1]
    text = created.read_text()
    assert 'title: "Storm warning for the coast"' in text and "draft: true" in text
    assert run(sample_site, "check").exit_code == 0
    again = run(sample_site, "new", "Storm warning for the coast")
    assert again.exit_code == 1 and "already exists" in again.output


def test_missing_config_is_a_clean_error(tmp_path):
    result = run(tmp_path, "build")
    assert result.exit_code == 1
    assert "smmgen.toml: not found" in result.output and "Traceback" not in result.output


def test_check_reports_a_broken_hero_image_with_its_line(sample_site):
    hero = sample_site / "content" / "images" / "stadium.jpg"
    hero.write_bytes(hero.read_bytes()[:2000])           # a truncated JPEG
    result = run(sample_site, "check")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "content/2026/2026-11-23-harbour-city-title.md:7: image: stadium.jpg is truncated or corrupt" \
        in result.output


def test_check_warns_about_expiries_telegram_cannot_honour(sample_site):
    article = sample_site / "content" / "2026" / "2026-11-24-budget-passes.md"
    article.write_text(re.sub(r"  telegram:\n    expire_after: 36h.*\n", "", article.read_text()))
    result = run(sample_site, "check")
    assert result.exit_code == 0
    assert ("content/2026/2026-11-24-budget-passes.md: warning: telegram: expires 168 h after it is posted, "
            "but Telegram bots cannot delete messages older than 48 h") in result.output
