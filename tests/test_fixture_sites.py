"""Committed fixture sites in the shapes real sites use (tests/sites/): a multilingual Hugo site with bundles,
sections, `_index.md`, shortcodes and per-section permalinks, and a Jekyll blog with dated `_posts/`, `_drafts/`,
`defaults`, Liquid and categories. Each is set up with the real `smmgen init`, checked and built with the real
CLI, its cuts compared with golden files (tests/golden/sites/<site>/<key>/<platform>.{txt,json}), and built
with the real generator: every article URL in output/manifest.json must be a page the generator wrote.

Never edit the golden files by hand: after an intended change run
``pytest tests/test_fixture_sites.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from test_golden_cuts import meta
from test_init import require, smmgen

from smmgen.build.pipeline import build, cut_text_file
from smmgen.config.site import load_site
from smmgen.manifest import joined as joined_manifest
from smmgen.platforms import registry

SITES = Path(__file__).parent / "sites"
GOLDEN = Path(__file__).parent / "golden" / "sites"
MARKUP = ("{{", "{%", "](", "[!", "{:")

# (site, build command, the articles smmgen must find: drafts and unpublished posts left out). The Hugo site's
# regatta.md has a future publishDate: smmgen keeps it, with its posts due then.
CASES = {
    "hugo-multilingual": (["hugo", "--quiet", "--destination"], {
        "content/en/news/regatta.md",
        "content/en/news/harbour/index.md", "content/en/news/ferry-timetable.markdown",
        "content/en/news/fish-market.md", "content/en/news/app-release.md", "content/en/opinion/bike-lanes.md",
        "content/de/news/faehrplan.md", "content/de/opinion/radweg.md"}),
    "jekyll-blog": (["jekyll", "build", "--quiet", "--destination"], {
        "_posts/2026-02-10-bridge-reopens.markdown", "_posts/2026-02-12-school-budget.markdown",
        "_posts/2026-02-14-website-relaunch.markdown", "_posts/2026-02-15-farmers-market.md",
        "_posts/2026-02-18-flood-warning.markdown"}),
}


def set_up(name: str, tmp_path: Path) -> Path:
    """A copy of the fixture site with the smmgen.toml `smmgen init` writes, every platform enabled."""
    root = tmp_path / name
    shutil.copytree(SITES / name, root)
    run = smmgen("init", cwd=root)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    text = (root / "smmgen.toml").read_text(encoding="utf-8")
    # A platform init found no account for is written disabled, with an example handle as a comment.
    text = re.sub(r'enabled = false[^\n]*\n# handle = ', "handle = ", text)
    # Hugo: every section and language, not only the one folder init chose.
    text = re.sub(r'^content_dir = "content/[^"]*"', 'content_dir = "content"', text, count=1, flags=re.M)
    (root / "smmgen.toml").write_text(text, encoding="utf-8")
    assert not re.search(r"^enabled = false", text, flags=re.M)
    return root


@pytest.fixture(scope="module", params=sorted(CASES))
def site(request, tmp_path_factory) -> tuple[str, Path]:
    name = request.param
    root = set_up(name, tmp_path_factory.mktemp(name))
    checked = smmgen("check", cwd=root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = smmgen("build", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    return name, root


def test_every_article_is_found_on_all_nine_platforms(site):
    name, root = site
    loaded = load_site(root)
    assert [p.name for p in loaded.platforms] == list(registry.names())
    manifest = joined_manifest(root / "output" / "manifest.json")
    sources = {e["article"]["source"] for e in manifest["entries"]}
    assert sources == CASES[name][1]
    assert len(manifest["entries"]) == 9 * len(sources)
    if name == "hugo-multilingual":
        due = {e["publish_at"] for e in manifest["entries"] if e["article"]["source"].endswith("regatta.md")}
        assert due == {"2099-06-01T07:00:00Z"}


def test_every_cut_matches_its_golden_file(site, update_golden):
    name, root = site
    result = build(load_site(root), render_images=False)
    assert not result.errors, [e.message for e in result.errors]
    files = {}
    for cut in result.cuts:
        key = cut.id.rsplit("@", 1)[0]
        files[f"{key}/{cut.platform}.txt"] = cut_text_file(cut)
        files[f"{key}/{cut.platform}.json"] = meta(cut)
    golden = GOLDEN / name
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        for file, data in files.items():
            (golden / file).parent.mkdir(parents=True, exist_ok=True)
            (golden / file).write_bytes(data)
        return
    existing = {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(existing), "cuts added or gone: run pytest --update-golden and review"
    changed = [file for file in sorted(files) if files[file] != existing[file]]
    assert not changed, f"cuts changed: {changed}; if intended, run pytest --update-golden, review the diff"


def test_no_cut_carries_markup(site):
    _, root = site
    manifest = joined_manifest(root / "output" / "manifest.json")
    for entry in manifest["entries"]:
        for part in entry["parts"]:
            leaks = [m for m in MARKUP if m in part]
            assert not leaks, (entry["id"], leaks, part)


def generate(command: list[str], root: Path, out: Path) -> list[str]:
    built = subprocess.run([*command, str(out)], cwd=root, capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
    assert built.returncode == 0, built.stderr
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))


def page_of(url: str, base: str, out: Path) -> Path:
    assert url.startswith(base + "/"), url
    path = unquote(url.removeprefix(base)).lstrip("/")
    return out / path / "index.html" if path.endswith("/") or not path else out / path


def test_every_article_url_is_a_page_the_generator_writes(site, tmp_path):
    name, root = site
    command = CASES[name][0]
    require(command[0])
    base = load_site(root).base_url
    manifest = joined_manifest(root / "output" / "manifest.json")
    due = {e["article"]["url"]: e["publish_at"] for e in manifest["entries"]}
    pages = generate(command, root, tmp_path / "public")
    # A page with a future publishDate is not built yet (its posts are not due before it): Hugo's --buildFuture
    # shows where it will be.
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    scheduled = {url for url, when in due.items() if when > now}
    assert scheduled == ({"https://harbourtimes.example.com/2026/03/tall-ships-regatta-announced/"}
                         if name == "hugo-multilingual" else set())
    for url in sorted(set(due) - scheduled):
        assert page_of(url, base, tmp_path / "public").is_file(), (url, pages)
    if scheduled:
        for url in scheduled:
            assert not page_of(url, base, tmp_path / "public").exists()
        pages = generate([*command[:-1], "--buildFuture", command[-1]], root, tmp_path / "future")
        for url in scheduled:
            assert page_of(url, base, tmp_path / "future").is_file(), (url, pages)
