"""Shared fixtures: sample-site copies, tiny sites built from strings, golden-file updating."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# The real Bluesky PDS fixtures (`bluesky_pds_server`, `bluesky_pds`), one server per test session.
pytest_plugins = ["support.pds"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="Rewrite tests/golden/ from the current output instead of comparing.")


@pytest.fixture(autouse=True)
def _no_credentials_from_earlier_tests() -> None:
    """Credentials are remembered for the process (to scrub them): each test starts knowing none, as a run
    does, so a test's made-up credential (a short or common word) never masks text in another test."""
    from smmgen import redact

    redact.forget_all()


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def generated_site(root: Path, articles: int, **options: object) -> Path:
    """The benchmark's synthetic site (``bench/sitegen.py``) with ``articles`` articles, written at ``root``."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from sitegen import generate
    finally:
        sys.path.remove(str(REPO / "bench"))
    generate(root, articles, workers=1, **options)
    return root


def fresh_copy(site: Path, to: Path) -> Path:
    """A copy of ``site`` at ``to`` as a first build finds it: no output/, no build cache."""
    shutil.copytree(site, to, ignore=shutil.ignore_patterns("output", ".smmgen"))
    return to


def sample_site_at(site: Path) -> Path:
    """A copy of the repository's sample site (smmgen.toml, content/, layouts/) made at ``site``."""
    site.mkdir()
    shutil.copy(REPO / "smmgen.toml", site / "smmgen.toml")
    shutil.copytree(REPO / "content", site / "content")
    if (REPO / "layouts").is_dir():
        shutil.copytree(REPO / "layouts", site / "layouts")
    return site


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """A private copy of the repository's sample site (smmgen.toml, content/, layouts/)."""
    return sample_site_at(tmp_path / "site")


MINIMAL_CONFIG = """\
[site]
name = "Test Desk"
base_url = "https://news.example"
timezone = "Europe/Berlin"

[platforms.mastodon]
handle = "@desk@social.example"
"""


class SiteMaker:
    """Writes a small site into a temp folder: ``make.config(...)``, ``make.article(name, text)``."""

    def __init__(self, root: Path):
        self.root = root
        (root / "content").mkdir(parents=True, exist_ok=True)
        self.config(MINIMAL_CONFIG)

    def config(self, text: str) -> Path:
        path = self.root / "smmgen.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def article(self, name: str, text: str | bytes) -> Path:
        path = self.root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path


@pytest.fixture
def make_site(tmp_path: Path) -> SiteMaker:
    return SiteMaker(tmp_path / "site")
