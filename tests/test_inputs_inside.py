"""Every input a build reads resolves inside the site folder: a link that leaves it is refused, unread.

Each test links a site file to a file outside the site that holds a secret-looking value (and front matter
that is not valid, whose error message would quote it), runs the real program and checks that the refusal
names the site's file and that the value appears nowhere: not on stdout, stderr, nor in output/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SECRET = "sk_live_51HxSECRETVALUEdoNotLeak"
REFUSED = "refused: a link to a file outside the site"

ARTICLE = """\
---
title: A fine article
date: 2026-03-01T09:00:00+01:00
---

A body that is long enough to be cut into a post for every platform.
"""


def smmgen(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "smmgen", *args, "--site", str(site)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, env=env, timeout=300)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the site with files that must never be read."""
    folder = tmp_path / "outside"
    folder.mkdir()
    # Invalid front matter that quotes the secret: a parser's error message would show it.
    (folder / "secret.md").write_text(f"---\ntitle: [{SECRET}\napi_key: {SECRET}\n---\n{SECRET}\n")
    (folder / "valid.md").write_text(ARTICLE.replace("A body", f"A body with {SECRET}"))
    (folder / "secret.txt").write_text(f"{SECRET}\n{{{{ {SECRET} }}}}\n")
    (folder / "secret.toml").write_text(f'[site]\nname = "{SECRET}"\nbase_url = [{SECRET}\n')
    return folder


def _leaks(site: Path, proc: subprocess.CompletedProcess) -> list[str]:
    found = [name for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr)) if SECRET in text]
    for path in (site / "output").rglob("*") if (site / "output").is_dir() else ():
        if path.is_file() and not path.is_symlink() and SECRET.encode() in path.read_bytes():
            found.append(str(path))
    return found


def test_an_article_linked_outside_is_refused_unread(make_site, outside: Path) -> None:
    make_site.article("2026/fine.md", ARTICLE)
    os.symlink(outside / "secret.md", make_site.root / "content" / "2026" / "leak.md")
    os.symlink(outside / "valid.md", make_site.root / "content" / "valid-leak.md")
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert f"content/2026/leak.md: {REFUSED}" in proc.stderr
    assert f"content/valid-leak.md: {REFUSED}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _leaks(make_site.root, proc) == []
    checked = smmgen(make_site.root, "check")
    assert checked.returncode == 1 and f"content/2026/leak.md: {REFUSED}" in checked.stderr
    assert _leaks(make_site.root, checked) == []


def test_a_link_inside_the_site_is_followed(make_site) -> None:
    (make_site.root / "drafts").mkdir()
    (make_site.root / "drafts" / "real.md").write_text(ARTICLE)
    os.symlink(make_site.root / "drafts" / "real.md", make_site.root / "content" / "linked.md")
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 0, proc.stderr
    assert "articles  1" in proc.stdout


def test_a_folder_of_articles_linked_outside_is_refused(make_site, outside: Path) -> None:
    make_site.article("fine.md", ARTICLE)
    os.symlink(outside, make_site.root / "content" / "more")
    (make_site.root / "content" / "listed.md").symlink_to(outside / "secret.md")
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert f"content/listed.md: {REFUSED}" in proc.stderr
    assert _leaks(make_site.root, proc) == []


def test_a_template_linked_outside_is_refused(make_site, outside: Path) -> None:
    make_site.article("fine.md", ARTICLE)
    (make_site.root / "layouts").mkdir()
    os.symlink(outside / "secret.txt", make_site.root / "layouts" / "mastodon.txt.j2")
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert f"layouts/mastodon.txt.j2: {REFUSED}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert _leaks(make_site.root, proc) == []


def test_a_card_layout_linked_outside_is_refused(make_site, outside: Path) -> None:
    make_site.article("fine.md", ARTICLE)
    (make_site.root / "layouts" / "cards").mkdir(parents=True)
    os.symlink(outside / "secret.toml", make_site.root / "layouts" / "cards" / "default.toml")
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert f"layouts/cards/default.toml: {REFUSED}" in proc.stderr
    assert _leaks(make_site.root, proc) == []


@pytest.mark.parametrize("key, line", [("family", 'family = "../../../outside/font.ttf"'),
                                       ("path", 'path = "../../../outside/logo.png"')])
def test_fonts_and_logos_a_card_layout_names_stay_inside(make_site, outside: Path, key: str, line: str) -> None:
    shutil.copy(REPO / "smmgen" / "defaults" / "cards" / "logo.png", outside / "logo.png")
    (outside / "font.ttf").write_text(SECRET)
    make_site.article("fine.md", ARTICLE)
    cards = make_site.root / "layouts" / "cards"
    cards.mkdir(parents=True)
    layout = (REPO / "smmgen" / "defaults" / "cards" / "default.toml").read_text()
    if key == "family":
        layout = layout.replace("[title]\n", f"[title]\n{line}\n", 1)
    else:
        layout = layout.replace('path = "logo.png"', line, 1)
    assert line in layout
    (cards / "default.toml").write_text(layout)
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert "layouts/cards/default.toml:" in proc.stderr and REFUSED in proc.stderr
    assert _leaks(make_site.root, proc) == []


def test_a_config_linked_outside_is_refused(tmp_path: Path, outside: Path) -> None:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    os.symlink(outside / "secret.toml", site / "smmgen.toml")
    proc = smmgen(site, "build")
    assert proc.returncode == 1
    assert f"smmgen.toml: {REFUSED}" in proc.stderr
    assert _leaks(site, proc) == []


@pytest.mark.parametrize("key", ["content_dir", "layouts_dir"])
def test_content_and_layout_folders_stay_inside(make_site, outside: Path, key: str) -> None:
    config = make_site.root / "smmgen.toml"
    config.write_text(config.read_text().replace("[site]\n", f'[site]\n{key} = "../outside"\n'))
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert f'smmgen.toml:2: site.{key}: "../outside" is outside the site folder' in proc.stderr
    assert _leaks(make_site.root, proc) == []


def test_a_hero_linked_outside_is_refused(make_site, outside: Path) -> None:
    shutil.copy(REPO / "smmgen" / "defaults" / "cards" / "logo.png", outside / "hero.png")
    os.symlink(outside / "hero.png", make_site.root / "content" / "hero.png")
    make_site.article("fine.md", ARTICLE.replace("---\n\n", "image: hero.png\nimage_alt: A hero\n---\n\n"))
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert "content/fine.md:4: image:" in proc.stderr and "outside the site folder" in proc.stderr


def test_a_ledger_linked_outside_is_refused(make_site, outside: Path) -> None:
    make_site.article("fine.md", ARTICLE)
    (outside / "ledger.json").write_text('{"entries": {"x": {"state": "posted", "publish_at": "%s"}}}' % SECRET)
    (make_site.root / ".smmgen").mkdir()
    os.symlink(outside / "ledger.json", make_site.root / ".smmgen" / "ledger.json")
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert f".smmgen/ledger.json: {REFUSED}" in proc.stderr
    assert _leaks(make_site.root, proc) == []


def test_an_avatar_outside_the_site_is_refused(make_site, outside: Path) -> None:
    shutil.copy(REPO / "smmgen" / "defaults" / "cards" / "logo.png", outside / "avatar.png")
    os.symlink(outside / "avatar.png", make_site.root / "avatar.png")
    config = make_site.root / "smmgen.toml"
    config.write_text(config.read_text() + 'avatar = "avatar.png"\n')
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1
    assert 'smmgen.toml:8: platforms.mastodon.avatar: "avatar.png" is outside the site folder' in proc.stderr


@pytest.mark.parametrize("where, expected", [
    ("content/gone.md", "nowhere/gone.txt: cannot read: No such file or directory"),    # a link: its target
    ("layouts/mastodon.txt.j2", "layouts/mastodon.txt.j2: cannot read: a link to a file that does not exist"),
    ("layouts/cards/default.toml", "layouts/cards/default.toml: cannot read: No such file or directory"),
])
def test_a_dangling_link_is_reported_not_skipped(make_site, where: str, expected: str) -> None:
    make_site.article("fine.md", ARTICLE)
    link = make_site.root / where
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(make_site.root / "nowhere" / "gone.txt", link)
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert expected in proc.stderr


@pytest.mark.parametrize("where", ["content/gone.md", "layouts/mastodon.txt.j2", "layouts/cards/default.toml"])
def test_a_dangling_link_out_of_the_site_is_refused(make_site, outside: Path, where: str) -> None:
    make_site.article("fine.md", ARTICLE)
    link = make_site.root / where
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside / "not-there", link)
    proc = smmgen(make_site.root, "build")
    assert proc.returncode == 1 and f"{where}: {REFUSED}" in proc.stderr, proc.stderr[-2000:]
