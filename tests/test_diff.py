"""`smmgen diff BASE HEAD`: what a merge does to the social accounts, as Markdown."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from smmgen import manifest
from smmgen.build import build
from smmgen.cli import main
from smmgen.config import load_site
from smmgen.diff import compare, to_markdown


def manifest_of(site_dir) -> dict:
    site = load_site(site_dir)
    result = build(site, render_images=False)
    assert result.errors == ()
    return json.loads(manifest.dumps(manifest.document(site, result.entries)))


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
    return {e["id"].split("@")[0] for e in entries}


def test_compare_sorts_entries_into_new_changed_and_deleted(base_and_head):
    base, head = base_and_head
    diff = compare(base, head)
    assert ids(diff.new) == {"late-train"}
    assert ids(c.head for c in diff.changed) == {"budget-passes"}
    assert {(d.entry["id"].split("@")[0], d.reason) for d in diff.deleted} == {
        ("gallery-east-wing", "retracted"), ("naberezhnaya-rekonstrukciya", "removed")}
    platforms = len(load_site_platforms(head))
    assert diff.unchanged == len(head["entries"]) - platforms * 3


def load_site_platforms(doc) -> set[str]:
    return {e["platform"] for e in doc["entries"]}


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
    assert f"No posts are added, changed or deleted ({len(doc['entries'])} unchanged)." in text
    assert "###" not in text


def test_a_moved_post_shows_its_old_and_new_time():
    entry = {"id": "a@x", "platform": "x", "article": {"title": "A"}, "text": "same", "parts": ["same"],
             "publish_at": "2026-11-20T07:00:00Z", "expire_at": None, "content_hash": "sha256:1", "media": [],
             "link": None, "extra": {}, "retracted": False}
    moved = dict(entry, publish_at="2026-11-20T11:30:00Z", content_hash="sha256:2")
    site = {"timezone": "Europe/Berlin"}
    text = to_markdown(compare({"site": site, "entries": [entry]}, {"site": site, "entries": [moved]}))
    assert "- goes out: Fri 2026-11-20 08:00 CET → Fri 2026-11-20 12:30 CET" in text
    assert "```diff" not in text


def test_table_cells_cannot_break_the_table_or_carry_html():
    entry = {"id": "a@x", "platform": "x", "article": {"title": "A <script>x</script> | B\nC"}, "text": "t",
             "parts": ["t"], "publish_at": "2026-11-20T07:00:00Z", "expire_at": None, "content_hash": "sha256:1",
             "media": [], "link": None, "extra": {}, "retracted": False}
    text = to_markdown(compare(None, {"entries": [entry]}))
    assert "| A &lt;script&gt;x&lt;/script&gt; \\| B C | t |" in text


def test_code_fences_outgrow_backticks_in_the_post_text():
    entry = {"id": "a@x", "platform": "x", "article": {"title": "A"}, "text": "x", "parts": ["use ``` here"],
             "publish_at": "2026-11-20T07:00:00Z", "expire_at": None, "content_hash": "sha256:1", "media": [],
             "link": None, "extra": {}, "retracted": False}
    changed = dict(entry, parts=["use ```` there"], content_hash="sha256:2")
    text = to_markdown(compare({"entries": [entry]}, {"entries": [changed]}))
    assert "`````diff\n" in text and text.count("`````") == 2


def test_cli_missing_base_means_everything_is_new_and_a_missing_head_is_an_error(tmp_path, sample_site):
    head = tmp_path / "head.json"
    head.write_bytes(manifest.dumps(manifest_of(sample_site)))
    result = CliRunner().invoke(main, ["diff", str(tmp_path / "none.json"), str(head)])
    assert result.exit_code == 0, result.output
    count = len(json.loads(head.read_text())["entries"])
    assert "No manifest on the base branch: every post is new." in result.output
    assert f"**{count} new · 0 changed · 0 to delete** · 0 unchanged" in result.output
    missing = CliRunner().invoke(main, ["diff", str(head), str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "no manifest here" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    bad = CliRunner().invoke(main, ["diff", str(broken), str(head)])
    assert bad.exit_code == 1 and "not an smmgen manifest" in bad.output


def test_a_change_to_many_posts_folds_each_diff_and_caps_the_detail():
    def entry(i: int, text: str) -> dict:
        return {"id": f"s{i:02d}@x", "platform": "x", "article": {"title": f"Story {i}"}, "text": text,
                "parts": [text], "publish_at": "2026-11-20T07:00:00Z", "expire_at": None,
                "content_hash": f"sha256:{text}", "media": [], "link": None, "extra": {}, "retracted": False}

    base = {"entries": [entry(i, "old") for i in range(55)]}
    head = {"entries": [entry(i, "new") for i in range(55)]}
    text = to_markdown(compare(base, head))
    assert text.count("<details><summary><code>s") == 50 and text.count("</details>") == 50
    assert "…and 5 more: `s50@x`, `s51@x`, `s52@x`, `s53@x`, `s54@x`" in text
