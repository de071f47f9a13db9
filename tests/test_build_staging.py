"""A build that stops on errors, or is killed, writes nothing to output/: new cards wait in .smmgen/staging/ and
move into output/cards only when the build succeeds."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from smmgen.build.cache import BuildCache, fingerprint
from smmgen.cli.main import main
from smmgen.config.site import load_site

REPO = Path(__file__).resolve().parent.parent
BROKEN = "---\ntitle: [unclosed\n---\n"


def run(site: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--site", str(site)], catch_exceptions=False)


def listing(root: Path) -> dict[str, tuple]:
    """Every file and folder under ``root`` (hidden ones too), with size and sha256 for files."""
    if not root.exists():
        return {}
    out: dict[str, tuple] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_dir():
            out[relative] = ("folder",)
        else:
            data = path.read_bytes()
            out[relative] = (len(data), hashlib.sha256(data).hexdigest())
    return out


def staging(site: Path) -> Path:
    return site / ".smmgen" / "staging"


def retitle(site: Path, word: str) -> None:
    """Change every article's title, so that each needs new cards."""
    for path in sorted((site / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("title: \"", f"title: \"{word} ", 1), encoding="utf-8")


def cold_output(site: Path, tmp_path: Path) -> dict[str, tuple]:
    """output/ as a build of a fresh copy of the site's inputs, without any cache, writes it."""
    copy = tmp_path / "cold"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".smmgen"))
    assert run(copy, "build", "--no-cache", "--workers", "1").exit_code == 0
    return listing(copy / "output")


def test_a_failed_first_build_leaves_no_output_and_the_fix_builds_as_a_cold_build(sample_site, tmp_path):
    broken = sample_site / "content" / "2026" / "broken.md"
    broken.write_text(BROKEN)
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 1, result.output
    assert "content/2026/broken.md:2:" in result.output
    assert listing(sample_site / "output") == {}
    # The good articles' cards were drawn: kept outside output/ for the next try.
    kept = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (staging(sample_site) / "cards").iterdir()}
    assert kept and all(name.endswith((".jpg", ".png")) for name in kept)

    broken.unlink()
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert not staging(sample_site).exists()
    # The staged cards were moved into output/cards, not drawn again.
    cards = sample_site / "output" / "cards"
    assert {name: ((cards / name).stat().st_ino, (cards / name).stat().st_mtime_ns) for name in kept} == kept
    assert listing(sample_site / "output") == cold_output(sample_site, tmp_path)


def test_a_failed_build_leaves_the_last_output_byte_for_byte(sample_site, tmp_path):
    assert run(sample_site, "build", "--workers", "1").exit_code == 0
    before = listing(sample_site / "output")
    retitle(sample_site, "Update:")                    # every good article now needs new cards
    (sample_site / "content" / "2026" / "broken.md").write_text(BROKEN)
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 1, result.output
    assert listing(sample_site / "output") == before

    # The cache knows only cards in output/cards: none of those that stayed staged.
    site = load_site(sample_site)
    cache = BuildCache.load(site, fingerprint(site))
    assert cache.cards
    assert all((site.output_dir / card.path).is_file() for card in cache.cards.values())

    (sample_site / "content" / "2026" / "broken.md").unlink()
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert not staging(sample_site).exists()
    assert listing(sample_site / "output") == cold_output(sample_site, tmp_path)


def test_a_failed_build_without_the_cache_writes_nothing_either(sample_site):
    assert run(sample_site, "build", "--no-cache", "--workers", "1").exit_code == 0
    before = listing(sample_site / "output")
    retitle(sample_site, "Update:")
    (sample_site / "content" / "2026" / "broken.md").write_text(BROKEN)
    assert run(sample_site, "build", "--no-cache", "--workers", "1").exit_code == 1
    assert run(sample_site, "preview", "--workers", "1").exit_code == 1
    assert listing(sample_site / "output") == before


def test_check_writes_nothing(sample_site):
    before = listing(sample_site)
    result = run(sample_site, "check")
    assert result.exit_code == 0, result.output
    assert listing(sample_site) == before
    # Nor after a build, with an article edited since (its cards are not drawn: check draws none).
    assert run(sample_site, "build", "--workers", "1").exit_code == 0
    retitle(sample_site, "Edited:")
    before = listing(sample_site)
    result = run(sample_site, "check")
    assert result.exit_code == 0, result.output
    assert listing(sample_site) == before


def test_a_killed_build_leaves_output_intact_and_the_next_build_clears_the_staging(sample_site, tmp_path):
    # Enough articles that drawing takes a while (seconds after the first card): the build is killed when its first
    # cards are staged.
    source = (sample_site / "content" / "2026" / "2026-11-22-gallery-east-wing.md").read_text(encoding="utf-8")
    for n in range(16):
        text = source.replace("title: \"", f"title: \"Part {n}: ", 1)
        text = text.replace("date: 2026-11-22T10:00", f"date: 2027-{1 + n // 28:02d}-{1 + n % 28:02d}T10:00", 1)
        (sample_site / "content" / "2026" / f"extra-{n:02d}.md").write_text(text, encoding="utf-8")
    assert run(sample_site, "build", "--workers", "1").exit_code == 0
    before = listing(sample_site / "output")
    retitle(sample_site, "Killed:")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "smmgen", "build", "--workers", "1", "--site", str(sample_site)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cards = staging(sample_site) / "cards"
    deadline = time.monotonic() + 120
    try:
        while not (cards.is_dir() and any(p.suffix in (".jpg", ".png") for p in cards.iterdir())):
            assert proc.poll() is None, "the build ended before a card was staged"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        assert proc.poll() is None, "the build ended before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert listing(sample_site / "output") == before
    assert staging(sample_site).exists()

    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert not staging(sample_site).exists()
    assert listing(sample_site / "output") == cold_output(sample_site, tmp_path)


def test_a_killed_build_with_inputs_unchanged_since_leaves_no_staging(sample_site):
    # The build killed: nothing of it reached output/ and the last build's state still holds; the next build has
    # nothing to do but still clears what the killed one staged.
    assert run(sample_site, "build", "--workers", "1").exit_code == 0
    left = staging(sample_site) / "cards"
    left.mkdir(parents=True)
    (left / "0123.png").write_bytes(b"half a card")
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert not staging(sample_site).exists()


def test_a_link_in_place_of_the_staging_folder_is_never_written_through(sample_site, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not smmgen's")
    (sample_site / ".smmgen").mkdir()
    staging(sample_site).symlink_to(elsewhere)
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert listing(elsewhere) == {"keep.txt": (12, hashlib.sha256(b"not smmgen's").hexdigest())}
    assert not staging(sample_site).exists() and not staging(sample_site).is_symlink()
    assert any((sample_site / "output" / "cards").iterdir())


def test_the_staging_folder_is_ignored_by_git(sample_site):
    (sample_site / "content" / "2026" / "broken.md").write_text(BROKEN)
    assert run(sample_site, "build", "--workers", "1").exit_code == 1
    subprocess.run(["git", "init", "-q", str(sample_site)], check=True)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=sample_site,
                            capture_output=True, text=True, check=True).stdout
    assert ".smmgen/staging" not in status
    assert any(staging(sample_site).joinpath("cards").iterdir())


def test_serve_shows_the_cards_of_a_failed_build_from_the_staging_folder(sample_site):
    import re
    import threading

    from smmgen.preview.serve import LiveSite, make_server

    (sample_site / "content" / "2026" / "broken.md").write_text(BROKEN)
    live = LiveSite(sample_site, report=lambda line: None)
    assert not live.current().ok
    server = make_server(live, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        import urllib.request

        def get(path: str) -> tuple[int, bytes]:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}{path}") as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as e:
                return e.code, b""

        status, page = get("/preview/articles/gallery-east-wing.html")
        assert status == 200
        names = set(re.findall(rb"\.\./\.\./cards/([0-9a-f]{32}\.(?:jpg|png))", page))
        assert names
        for name in names:
            staged = staging(sample_site) / "cards" / name.decode()
            assert get(f"/cards/{name.decode()}") == (200, staged.read_bytes())
        assert get("/cards/.gitignore")[0] == 404
        assert get("/cards/0123456789abcdef0123456789abcdef.png")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
    assert listing(sample_site / "output") == {}


def test_a_card_that_cannot_move_into_output_is_a_clean_error_naming_its_place_there(sample_site):
    broken = sample_site / "content" / "2026" / "broken.md"
    broken.write_text(BROKEN)
    assert run(sample_site, "build", "--workers", "1").exit_code == 1
    name = sorted(p.name for p in (staging(sample_site) / "cards").iterdir())[0]
    (sample_site / "output" / "cards" / name).mkdir(parents=True)    # in the way of the move
    broken.unlink()
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"output/cards/{name}: cannot write" in result.output


def test_a_file_in_place_of_output_cards_stops_the_write_before_anything_is_written(sample_site):
    (sample_site / "output").mkdir()
    (sample_site / "output" / "cards").write_text("not a folder")
    before = listing(sample_site / "output")
    result = run(sample_site, "build", "--workers", "1")
    assert result.exit_code == 1
    assert "output/cards: is a file where smmgen needs a folder" in result.output
    assert listing(sample_site / "output") == before


@pytest.mark.parametrize("options", [(), ("--no-cache",)], ids=["cache", "no-cache"])
def test_a_preview_template_failing_midway_leaves_the_last_output_byte_for_byte(sample_site, tmp_path, options):
    # The preview pages of the articles before the failing one are made already: none of them may replace a file
    # in output/ (each waits under a temporary name until the whole write has succeeded).
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def build() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "smmgen", "build", *options, "--workers", "1",
                               "--site", str(sample_site)], env=env, capture_output=True, text=True)

    assert build().returncode == 0
    before = listing(sample_site / "output")
    default = (REPO / "smmgen" / "defaults" / "preview" / "article.html.j2").read_text(encoding="utf-8")
    failing = '{% if article.slug == "heat-islands" %}{{ 1/0 }}{% endif %}'
    template = sample_site / "layouts" / "preview" / "article.html.j2"
    template.parent.mkdir(parents=True, exist_ok=True)
    template.write_text(default.replace("{% block main %}", "{% block main %}" + failing, 1), encoding="utf-8")
    retitle(sample_site, "Update:")
    result = build()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "layouts/preview/article.html.j2:4: preview template error: ZeroDivisionError" in result.stderr
    assert "Traceback" not in result.stderr
    assert listing(sample_site / "output") == before          # no page replaced, no temporary file left

    template.write_text(default, encoding="utf-8")
    result = build()
    assert result.returncode == 0, result.stdout + result.stderr
    assert listing(sample_site / "output") == cold_output(sample_site, tmp_path)
