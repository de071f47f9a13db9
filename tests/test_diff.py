"""`smmgen diff BASE HEAD`: what a merge does to the social accounts, as Markdown."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest
from click.testing import CliRunner
from support.entries import entry as manifest_entry

from smmgen import manifest as manifest_layout
from smmgen.build.pipeline import build
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.manifest_model import Manifest, check_manifest
from smmgen.preview.diff import compare, to_markdown


def manifest_bytes(site_dir) -> bytes:
    """The manifest the site builds to, in the one-document form of version 2."""
    site = load_site(site_dir)
    result = build(site, render_images=False)
    assert result.errors == ()
    return manifest_layout.dumps(manifest_layout.document(site, [e.json for e in result.entries]))


def manifest_of(site_dir) -> Manifest:
    """The site's manifest as ``smmgen diff`` reads it (its cards need not be there)."""
    return check_manifest(json.loads(manifest_bytes(site_dir)), "manifest.json", site_dir / "output",
                          require_files=False)


def manifest(*entries, timezone: str = "UTC") -> Manifest:
    return Manifest(name="Courier", base_url="https://example.com", timezone=timezone, cards_base_url=None,
                    entries=tuple(entries))


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def base_and_head(sample_site):
    """The sample site before and after a change: one article added, one edited, one retracted, one removed."""
    content = sample_site / "content" / "2026"
    base = manifest_of(sample_site)
    edit(content / "2026-11-24-budget-passes.md", "Parliament passes the 2027 budget",
         "Parliament finally passes the 2027 budget")
    edit(content / "2026-11-22-gallery-east-wing.md", "card: photo\n", "card: photo\nretracted: true\n")
    (content / "2026-11-20-naberezhnaya.md").unlink()
    (content / "2026-11-27-late-train.md").write_text(
        "---\ntitle: \"Night trains | return soon\"\ndate: 2026-11-27T09:00:00+01:00\n"
        "summary: \"Sleeper services come back in spring.\"\n---\n\nThe operator confirmed it.\n",
        encoding="utf-8")
    return base, manifest_of(sample_site)


def ids(entries) -> set[str]:
    return {e.id.split("@")[0] for e in entries}


def test_compare_sorts_entries_into_new_changed_and_deleted(base_and_head):
    base, head = base_and_head
    diff = compare(base, head)
    assert ids(diff.new) == {"late-train"}
    assert ids(c.head for c in diff.changed) == {"budget-passes"}
    assert {(d.entry.id.split("@")[0], d.reason) for d in diff.deleted} == {
        ("gallery-east-wing", "retracted"), ("naberezhnaya-rekonstrukciya", "removed")}
    platforms = len(load_site_platforms(head))
    assert diff.unchanged == len(head.entries) - platforms * 3


def load_site_platforms(doc: Manifest) -> set[str]:
    return {e.platform for e in doc.entries}


def test_the_markdown_lists_new_posts_with_time_and_platform_and_diffs_changed_text(base_and_head):
    base, head = base_and_head
    text = to_markdown(compare(base, head))
    assert text.startswith("## Social posts: what this merge will do\n")
    n_platforms = len(load_site_platforms(head))
    assert f"**{n_platforms} new · {n_platforms} changed · {2 * n_platforms} to delete**" in text
    # The new article goes out at its slot in the site timezone; the table cell is escaped.
    new_rows = [line for line in text.splitlines() if "Night trains" in line and line.startswith("| ")]
    assert len(new_rows) == n_platforms
    assert all(re.match(r"\| Fri 2026-11-27 \d\d:\d\d CET \| \w+ \| Night trains \\\| return soon \|", row)
               for row in new_rows)
    # Changed: a diff block with the old and new title.
    assert "-Parliament passes the 2027 budget" in text and "+Parliament finally passes the 2027 budget" in text
    assert "```diff" in text
    assert "| article retracted |" in text and "no longer in the manifest" in text


def test_identical_manifests_say_nothing_changes(sample_site):
    doc = manifest_of(sample_site)
    text = to_markdown(compare(doc, doc))
    assert f"No posts are added, changed or deleted ({len(doc.entries)} unchanged)." in text
    assert "###" not in text


def test_a_moved_post_shows_its_old_and_new_time():
    entry = manifest_entry("a@x", text="same", publish_at="2026-11-20T07:00:00Z", version="1")
    moved = manifest_entry("a@x", text="same", publish_at="2026-11-20T11:30:00Z", version="2")
    text = to_markdown(compare(manifest(entry, timezone="Europe/Berlin"), manifest(moved, timezone="Europe/Berlin")))
    assert "- goes out: Fri 2026-11-20 08:00 CET → Fri 2026-11-20 12:30 CET" in text
    assert "```diff" not in text


def test_table_cells_cannot_break_the_table_or_carry_html():
    entry = manifest_entry("a@x", title="A <script>x</script> | B\nC", text="t")
    text = to_markdown(compare(None, manifest(entry)))
    assert "| A &lt;script&gt;x&lt;/script&gt; \\| B C | t |" in text


def test_code_fences_outgrow_backticks_in_the_post_text():
    entry = manifest_entry("a@x", parts=["use ``` here"], version="1")
    changed = manifest_entry("a@x", parts=["use ```` there"], version="2")
    text = to_markdown(compare(manifest(entry), manifest(changed)))
    assert "`````diff\n" in text and text.count("`````") == 2


def test_cli_a_missing_file_is_an_error_naming_it_and_no_base_is_said_explicitly(tmp_path, sample_site,
                                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)          # no repository here: a name that is no file is no revision either
    head = tmp_path / "head.json"
    head.write_bytes(manifest_bytes(sample_site))
    count = len(json.loads(head.read_text())["entries"])
    missing = CliRunner().invoke(main, ["diff", str(tmp_path / "none.json"), str(head)])
    assert missing.exit_code == 1, missing.output
    assert f"{tmp_path / 'none.json'}" in missing.output and "neither a manifest file nor a git revision" in \
        missing.output
    assert "every post is new" not in missing.output
    new = CliRunner().invoke(main, ["diff", "--no-base", str(head)])
    assert new.exit_code == 0, new.output
    assert "No manifest on the base branch: every post is new." in new.stdout
    assert f"**{count} new · 0 changed · 0 to delete** · 0 unchanged" in new.stdout
    no_head = CliRunner().invoke(main, ["diff", str(head), str(tmp_path / "nope.json")])
    assert no_head.exit_code == 1 and "nope.json" in no_head.output
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    bad = CliRunner().invoke(main, ["diff", str(broken), str(head)])
    assert bad.exit_code == 1 and "not an smmgen manifest" in bad.output
    assert CliRunner().invoke(main, ["diff", str(head)]).exit_code == 2
    assert CliRunner().invoke(main, ["diff", "--no-base", str(head), str(head)]).exit_code == 2


# --- git revisions -------------------------------------------------------------------------------------------------

GIT_ENV = {"GIT_AUTHOR_NAME": "Editor", "GIT_AUTHOR_EMAIL": "editor@news.example", "GIT_COMMITTER_NAME": "Editor",
           "GIT_COMMITTER_EMAIL": "editor@news.example", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})
    return done.stdout.strip()


def story(make_site, name: str, title: str) -> None:
    make_site.article(f"2026/{name}.md", f"---\ntitle: {title}\ndate: 2026-11-20T08:00:00+01:00\n---\n\nBody.\n")


@pytest.fixture
def repo(make_site):
    """A repository whose site sits in a subfolder: a commit without the site, then two with it."""
    top = make_site.root
    site = top / "site"
    (top / "README.md").write_text("The newsroom.\n")
    git(top, "init", "--quiet", "--initial-branch=main")
    git(top, "add", "--all", "README.md")
    git(top, "commit", "--quiet", "-m", "No site yet")
    site.mkdir()
    (top / "smmgen.toml").rename(site / "smmgen.toml")
    (top / "content").rename(site / "content")
    make_site.root = site
    story(make_site, "harbour", "The harbour reopens")
    story(make_site, "ferries", "Ferries run again")
    git(top, "add", "--all")
    git(top, "commit", "--quiet", "-m", "The site")
    edit(site / "content" / "2026" / "harbour.md", "The harbour reopens", "The harbour reopens at last")
    story(make_site, "trains", "Night trains return")
    git(top, "add", "--all")
    git(top, "commit", "--quiet", "-m", "Edit one, add one")
    return top, site


def test_two_revisions_are_built_from_their_committed_files_and_compared(repo):
    top, site = repo
    # Uncommitted work is no part of either revision.
    edit(site / "content" / "2026" / "ferries.md", "Ferries run again", "Ferries run again, uncommitted")
    status = git(top, "status", "--porcelain")
    result = CliRunner().invoke(main, ["diff", "--site", str(site), "HEAD~1", "HEAD"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "**1 new · 1 changed · 0 to delete** · 1 unchanged" in text
    assert "Night trains return" in text and "+The harbour reopens at last" in text and "uncommitted" not in text
    # The repository is as it was: no worktree added, nothing checked out or built in the site.
    assert git(top, "status", "--porcelain") == status
    assert len(git(top, "worktree", "list").splitlines()) == 1
    assert not (site / "output").exists() and not (site / ".smmgen").exists()


def test_a_revision_against_a_built_manifest_from_a_subfolder_of_the_site(repo, monkeypatch):
    top, site = repo
    assert CliRunner().invoke(main, ["build", "--site", str(site)]).exit_code == 0
    monkeypatch.chdir(site / "content" / "2026")          # the site is found upwards, as every command finds it
    result = CliRunner().invoke(main, ["diff", "HEAD~1", "../../output/manifest.json"])
    assert result.exit_code == 0, result.output
    assert "**1 new · 1 changed · 0 to delete** · 1 unchanged" in result.stdout


def test_a_base_revision_without_the_site_means_every_post_is_new(repo):
    top, site = repo
    result = CliRunner().invoke(main, ["diff", "--site", str(site), "main~2", "main"])
    assert result.exit_code == 0, result.output
    assert "No manifest on the base branch: every post is new." in result.stdout
    assert "**3 new · 0 changed · 0 to delete**" in result.stdout
    no_head = CliRunner().invoke(main, ["diff", "--site", str(site), "main", "main~2"])
    assert no_head.exit_code == 1 and "main~2" in no_head.output and "no smmgen.toml" in no_head.output


def test_a_name_that_is_neither_a_file_nor_a_revision_is_an_error_naming_it(repo):
    top, site = repo
    for args in (["no-such-branch", "HEAD"], ["HEAD", "no-such-branch"], ["--", "-x", "HEAD"]):
        result = CliRunner().invoke(main, ["diff", "--site", str(site), *args])
        name = args[-2] if args[-1] == "HEAD" else args[-1]
        assert result.exit_code == 1, result.output
        assert f"{name!r}: neither a manifest file nor a git revision" in result.output
        assert "Traceback" not in result.output


def test_a_base_revision_that_does_not_build_says_so(repo):
    top, site = repo
    base = git(top, "rev-parse", "HEAD")
    (site / "content" / "2026" / "harbour.md").write_text("---\ntitle: Broken\ndate: tomorrow-ish\n---\n\nB.\n")
    git(top, "commit", "--quiet", "-am", "Break it")
    result = CliRunner().invoke(main, ["diff", "--site", str(site), "HEAD", base])
    assert result.exit_code == 1
    assert "'HEAD'" not in result.output and "HEAD: the site does not build at that revision" in result.output
    assert "content/2026/harbour.md:3: date:" in result.output


def test_a_change_to_many_posts_folds_each_diff_and_caps_the_detail():
    def entry(i: int, text: str):
        return manifest_entry(f"s{i:02d}@x", title=f"Story {i}", text=text, version=text)

    base = manifest(*(entry(i, "old") for i in range(55)))
    head = manifest(*(entry(i, "new") for i in range(55)))
    text = to_markdown(compare(base, head))
    assert text.count("<details><summary><code>s") == 50 and text.count("</details>") == 50
    assert "…and 5 more: `s50@x`, `s51@x`, `s52@x`, `s53@x`, `s54@x`" in text
