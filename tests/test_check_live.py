"""``smmgen check --live`` against a local plain-HTTP site: each card validator problem is one
``url: tag: what`` line and a non-zero exit; a right page passes; only the articles due soon are fetched."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakes.server import Response
from fakes.sitehost import SiteHost, page
from PIL import Image

from smmgen.cli.main import main

pytest.register_assert_rewrite("support.publishing")
from support.publishing import T0, iso  # noqa: E402, I001
from support.served_site import ALLOW, article, right_page, served_site, write_manifest  # noqa: E402, I001

H = dt.timedelta(hours=1)
SITE_TABLE = '[publish.mastodon]\ninstance = "https://social.example"\n'


@pytest.fixture
def host(tmp_path: Path):
    with SiteHost(tmp_path / "site" / "output" / "cards") as server:
        yield server


def check_live(site: Path, now: dt.datetime = T0, *more: str):
    return CliRunner().invoke(main, ["check", "--live", "--site", str(site), "--now", iso(now), *more], env=ALLOW)


def image(size: tuple[int, int], *, fmt: str = "PNG", noise: bool = False) -> bytes:
    out = io.BytesIO()
    im = Image.effect_noise(size, 100).convert("RGB") if noise else Image.new("RGB", size, (10, 80, 160))
    im.save(out, format=fmt, **({"quality": 100} if fmt == "JPEG" else {}))
    return out.getvalue()


def tags(url: str, width: int, height: int, **changes: str | None) -> dict[str, str]:
    made = {"og:image": url, "og:image:width": str(width), "og:image:height": str(height),
            "og:image:alt": "The card", "twitter:card": "summary_large_image"}
    made.update(changes)
    return {k: v for k, v in made.items() if v is not None}


@pytest.fixture
def site(tmp_path: Path, host: SiteHost) -> Path:
    site = served_site(tmp_path / "site", host, SITE_TABLE)
    entries, og = article(site, host, "budget-vote", ("mastodon",))
    later, _ = article(site, host, "tram-line", ("mastodon",), publish_at=T0 + 72 * H)
    write_manifest(site, host, entries + later)
    host.pages["/budget-vote/"] = Response(200, right_page(og).body.replace(
        b"</head>", f'<link rel="canonical" href="{host.url}/budget-vote/"></head>'.encode()),
        {"Content-Type": "text/html"})
    return site


def test_a_right_page_passes_and_later_articles_are_not_fetched(site: Path, host: SiteHost) -> None:
    result = check_live(site, T0 - H)
    assert result.exit_code == 0, result.output
    assert "smmgen: 1 page(s) due within 48 h: their cards and tags are live" in result.output
    assert host.gets("/tram-line/") == 0 and host.gets("/budget-vote/") == 1
    # --within takes in the later article too (its page is missing: a 404).
    wider = check_live(site, T0 - H, "--within", "4d")
    assert wider.exit_code == 1
    assert f"{host.url}/tram-line/: page: answers HTTP 404" in wider.output


CASES = {
    # name: (image bytes, its size, tag changes, the expected problem line after the URL)
    "missing og:image": (None, (1200, 630), {"og:image": None},
                         "og:image: missing (no platform shows a picture in the link preview)"),
    "missing alt": ("plain", (1200, 630), {"og:image:alt": None}, "og:image:alt: missing"),
    "missing twitter:card": ("plain", (1200, 630), {"twitter:card": None}, "twitter:card: missing"),
    "og:image 404": (b"", (1200, 630), {}, "og:image: {img} answers HTTP 404"),
    "not an image": (b"<html>oops</html>", (1200, 630), {}, "og:image: {img} is not an image (served as text/html)"),
    "too large for Bluesky": ("noise", (1200, 630), {},
                              "og:image: {bytes} bytes, more than Bluesky's link card thumbnail takes (1,000,000)"),
    "square for X": ("plain", (800, 800), {}, "twitter:card: summary_large_image wants a 2:1 image (1.91:1 is "
                                              "accepted); og:image is 800x800 (1.00:1)"),
    "width disagrees": ("plain", (1200, 630), {"og:image:width": "1000"},
                        "og:image:width: says 1000, the image is 1200 px"),
    "height disagrees": ("plain", (1200, 630), {"og:image:height": "600"},
                         "og:image:height: says 600, the image is 630 px"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_validator_problem_is_one_line_and_fails(tmp_path: Path, host: SiteHost, case: str) -> None:
    site = served_site(tmp_path / "site", host, SITE_TABLE)
    entries, _ = article(site, host, "budget-vote", ("mastodon",))
    write_manifest(site, host, entries)
    data, size, changes, expected = CASES[case]
    img = f"{host.cards_base_url}/live.img"
    if data == "noise":
        data = image(size, fmt="JPEG", noise=True)
        assert len(data) > 1_000_000
    elif data == "plain":
        data = image(size)
    if data:
        ctype = "text/html" if data.startswith(b"<html>") else "image/png"
        host.pages["/social-cards/live.img"] = Response(200, data, {"Content-Type": ctype})
    url = f"{host.url}/budget-vote/"
    host.pages["/budget-vote/"] = page(tags(img, *size, **changes), canonical=url)
    result = check_live(site)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(url)]
    want = f"{url}: " + expected.format(img=img, bytes=f"{len(data or b''):,}")
    assert any(line.startswith(want) for line in lines), (want, lines)
    # The served image is not the article's card in the manifest, which is a problem of its own.
    others = [line for line in lines if not line.startswith(want)]
    assert all("is not the card in the manifest" in line for line in others), others
    assert "check --live:" in result.output and "problem(s) on 1 of 1 page(s) due within 48 h" in result.output


def test_a_missing_canonical_and_an_old_card_are_reported(tmp_path: Path, host: SiteHost) -> None:
    site = served_site(tmp_path / "site", host, SITE_TABLE)
    entries, og = article(site, host, "budget-vote", ("mastodon",))
    write_manifest(site, host, entries)
    host.pages["/budget-vote/"] = right_page(og)      # no <link rel=canonical>
    url = f"{host.url}/budget-vote/"
    result = check_live(site)
    assert result.exit_code == 1
    assert f'{url}: canonical: missing (<link rel="canonical" href="{url}">)' in result.output
    host.pages["/social-cards/budget-vote-og.png"] = Response(200, image((240, 126)), {"Content-Type": "image/png"})
    result = check_live(site)
    assert f"{url}: og:image: {og['url']} is not the card in the manifest" in result.output


def test_posted_entries_are_not_checked(site: Path, host: SiteHost) -> None:
    ledger = {"format": "smmgen-ledger", "version": 1, "site": host.url, "entries": {
        "budget-vote@mastodon": {"platform": "mastodon", "state": "posted",
                                 "remote_id": "1", "url": "https://social.example/@desk/1",
                                 "posted_at": iso(T0), "publish_at": iso(T0)}}}
    (site / ".smmgen").mkdir()
    (site / ".smmgen" / "ledger.json").write_text(json.dumps(ledger))
    result = check_live(site, T0 + H)
    assert result.exit_code == 0, result.output
    assert "smmgen: 0 page(s) due within 48 h" in result.output and host.seen == []


def test_build_and_plain_check_import_neither_the_preflight_nor_requests(tmp_path: Path) -> None:
    # The wall: a build (and `check` without --live) works offline and never loads the publisher's HTTP code.
    repo = Path(__file__).resolve().parents[1]
    site = tmp_path / "sample"
    for name in ("content", "layouts"):
        shutil.copytree(repo / name, site / name)
    shutil.copy(repo / "smmgen.toml", site / "smmgen.toml")
    env = {"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"}
    for command in ("build", "check"):
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "smmgen", command, "--site", str(site)],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
        assert "smmgen.build.pipeline" in modules
        assert not {m for m in modules if m.startswith(("requests", "smmgen.publish.preflight",
                                                        "smmgen.cli.live", "smmgen.publish.http"))}, command
