"""An edit's preview pages patched from the last full build's record (``smmgen.preview.edit``): the patched
output/preview is byte for byte what a full build of the edited site writes, and an edit the record cannot patch
exactly is refused (the full build then runs)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from smmgen.build.cache import BuildCache
from smmgen.build.pipeline import build
from smmgen.config.site import load_site
from smmgen.preview.edit import patch_pages
from smmgen.preview.pages import UNCHANGED, iter_pages

CONFIG = """\
[site]
name = "Test Desk"
base_url = "https://news.example"
timezone = "Europe/Berlin"

[platforms.mastodon]
handle = "@desk@social.example"

[platforms.bluesky]
handle = "desk.example"
"""


def write_site(root: Path, count: int = 30) -> list[Path]:
    """``count`` articles two to three days apart from August 2026: several months, several weeks."""
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "smmgen.toml").write_text(CONFIG, encoding="utf-8")
    start = dt.datetime(2026, 8, 3, 9, 30, tzinfo=dt.UTC)
    paths = []
    for n in range(count):
        when = start + dt.timedelta(days=2 * n + n % 2, hours=n % 5)
        path = root / "content" / f"{when:%Y}" / f"story-{n:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'---\ntitle: "Story {n} of the desk"\ndate: {when.isoformat()}\n'
                        f"summary: What story {n} says.\ntags: [city, t{n % 3}]\n---\n"
                        f"Body of story {n}, with a sentence or two.\n\nAnd a second paragraph.\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


def full_build(root: Path, cache_dir: Path):
    """A full build's result, its preview files as written, and the record it leaves."""
    site = load_site(root)
    result = build(site, render_images=False)
    assert not result.errors, result.errors
    memo = BuildCache(cache_dir, "test").page_memo(set())
    files = {}
    for relative, data in iter_pages(result, reuse=memo):
        assert data is not UNCHANGED
        files[relative] = data if isinstance(data, bytes) else b"".join(data)
    memo.close()
    return result, files, memo.record


def partial_of(result, sources: set[str]):
    """The build result of the changed articles only, made from a full build's own objects."""
    return dataclasses.replace(
        result, articles=tuple(a for a in result.articles if a.source in sources),
        outputs=tuple(o for o in result.outputs if o.article.source in sources),
        cuts=tuple(c for c in result.cuts if c.source in sources),
        cards={r: c for r, c in result.cards.items() if r.source in sources}, drafts=(), errors=())


def write_preview(out: Path, files: dict[str, bytes]) -> None:
    shutil.rmtree(out / "preview", ignore_errors=True)
    for relative, data in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def edited(root: Path, tmp_path: Path, change) -> tuple:
    """Build, apply ``change(paths)`` (it returns the changed paths), build again; patch the first build's
    preview with the second's changed articles. Returns (patch, patched files, second build's files)."""
    paths = write_site(root)
    first, before, record = full_build(root, tmp_path / "cache1")
    assert record is not None
    out = first.site.output_dir
    write_preview(out, before)
    changed = change(paths)
    second, truth, _ = full_build(root, tmp_path / "cache2")
    sources = {second.site.rel(p) for p in changed}
    patch = patch_pages(partial_of(second, sources), record, second.layouts)
    if patch is None:
        return None, None, truth
    patched = dict(before)
    for relative, data in patch.files:
        assert before.get(relative) != data          # only files that change are given
        patched[relative] = data
    return patch, patched, truth


def retitle(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index('title: "') + len('title: "')
    path.write_text(text[:start] + title + text[start:], encoding="utf-8")


def by_date(paths: list[Path]) -> list[Path]:
    return sorted(paths, key=lambda p: p.read_text().split("date: ", 1)[1].split("\n", 1)[0])


def assert_same(patched: dict[str, bytes], truth: dict[str, bytes]) -> None:
    assert sorted(patched) == sorted(truth)
    wrong = [relative for relative in truth if patched[relative] != truth[relative]]
    assert not wrong, wrong


@pytest.mark.parametrize("which", ["middle", "newest", "oldest", "first of a month", "last of a month"])
def test_a_title_edit_is_patched_to_the_bytes_of_a_full_build(tmp_path, which):
    def change(paths):
        ordered = by_date(paths)
        months = [p.read_text().split("date: ", 1)[1][:7] for p in ordered]
        pick = {"middle": len(ordered) // 2, "newest": len(ordered) - 1, "oldest": 0,
                "first of a month": months.index("2026-09"),
                "last of a month": len(months) - 1 - months[::-1].index("2026-09")}[which]
        retitle(ordered[pick], "Update 1: ")
        return [ordered[pick]]

    patch, patched, truth = edited(tmp_path / "site", tmp_path, change)
    assert patch is not None
    assert_same(patched, truth)
    names = {relative for relative, _ in patch.files}
    # Its page, its neighbours' pages, its month page and its week pages; nothing else.
    assert any(n.startswith("preview/articles/") for n in names)
    assert any(n.startswith("preview/index-") for n in names) and any(n.startswith("preview/plan-") for n in names)
    assert ("preview/index.html" in names) == (which == "newest")
    assert all(n.startswith("preview/articles/") or "index" in n or "plan" in n for n in names)


def test_a_summary_edit_and_a_body_edit_are_patched(tmp_path):
    def change(paths):
        ordered = by_date(paths)
        summary, body = ordered[10], ordered[20]
        summary.write_text(summary.read_text().replace("summary: What", "summary: Now what"), encoding="utf-8")
        body.write_text(body.read_text().replace("a sentence or two", "a sentence or three"), encoding="utf-8")
        return [summary, body]

    patch, patched, truth = edited(tmp_path / "site", tmp_path, change)
    assert patch is not None
    assert_same(patched, truth)


def test_two_neighbours_retitled_at_once_are_patched(tmp_path):
    def change(paths):
        ordered = by_date(paths)
        for path in ordered[14:16]:
            retitle(path, "Update 2: ")
        return ordered[14:16]

    patch, patched, truth = edited(tmp_path / "site", tmp_path, change)
    assert patch is not None
    assert_same(patched, truth)


def test_a_patch_then_another_edit_patches_from_the_new_record(tmp_path):
    root = tmp_path / "site"
    paths = by_date(write_site(root))
    first, before, record = full_build(root, tmp_path / "c1")
    out = first.site.output_dir
    write_preview(out, before)
    for n, path in enumerate([paths[12], paths[13], paths[12]]):
        retitle(path, f"Update {n}: ")
        second, truth, _ = full_build(root, tmp_path / f"c{n + 2}")
        patch = patch_pages(partial_of(second, {second.site.rel(path)}), record, second.layouts)
        assert patch is not None
        for relative, data in patch.files:
            (out / relative).write_bytes(data)
        record = patch.record
        found = {p.relative_to(out).as_posix(): p.read_bytes() for p in (out / "preview").rglob("*") if p.is_file()}
        assert_same(found, truth)


def test_an_edit_the_record_cannot_patch_is_refused(tmp_path):
    # A new date moves the article in the listing (and its posts in the plan): not patched.
    def change(paths):
        path = by_date(paths)[15]
        text = path.read_text()
        old = text.split("date: ", 1)[1].split("\n", 1)[0]
        path.write_text(text.replace(old, "2026-06-01T08:00:00+00:00"), encoding="utf-8")
        return [path]

    patch, _, _ = edited(tmp_path / "site", tmp_path, change)
    assert patch is None


def test_a_page_no_longer_as_recorded_is_refused(tmp_path):
    root = tmp_path / "site"
    paths = by_date(write_site(root))
    first, before, record = full_build(root, tmp_path / "c1")
    out = first.site.output_dir
    write_preview(out, before)
    month = next(p for p in (out / "preview").glob("index-*.html"))
    month.write_bytes(b"<p>someone else's page</p>\n")
    for path in paths:
        retitle(path, "Update 1: ")
    second, _, _ = full_build(root, tmp_path / "c2")
    assert patch_pages(partial_of(second, {second.site.rel(p) for p in paths}), record, second.layouts) is None
    assert patch_pages(partial_of(second, {second.site.rel(paths[3])}), None, second.layouts) is None


# --- the file of page parts ---------------------------------------------------------------------------------------

def parts(cache: BuildCache, made: dict[str, bytes], keys) -> dict[str, bytes]:
    from smmgen.build.page_memo import FragmentStore

    store = FragmentStore(cache)
    got = {key: store.get(key, lambda key=key: made[key]) for key in keys}
    store.close()
    return got


def test_page_parts_are_appended_to_one_file_and_compacted_when_mostly_dead(tmp_path, monkeypatch):
    from smmgen.build.page_memo import FragmentStore

    monkeypatch.setattr(FragmentStore, "SMALL", 0)
    cache = BuildCache(tmp_path / "cache", "test")
    made = {f"k{n}": f"<part {n}>".encode() * (n + 1) for n in range(40)}
    assert parts(cache, made, [f"k{n}" for n in range(20)]) == {f"k{n}": made[f"k{n}"] for n in range(20)}
    name, first = cache.fragments
    path = tmp_path / "cache" / name
    inode, size = path.stat().st_ino, path.stat().st_size
    # Most parts kept, two new: the same file, grown by the new parts only; the kept ones stay where they were.
    made["k0"] = b"never made again: the stored part is copied"
    got = parts(cache, made, [*(f"k{n}" for n in range(18)), "k30", "k31"])
    assert got["k0"] == b"<part 0>" and got["k31"] == made["k31"]
    assert cache.fragments[0] == name and path.stat().st_ino == inode
    assert path.stat().st_size == size + len(made["k30"]) + len(made["k31"])
    assert all(cache.fragments[1][f"k{n}"] == first[f"k{n}"] for n in range(18))
    # Most of the file dead: the live parts are copied to a new, smaller file, and read back from it.
    parts(cache, made, ["k1", "k31"])
    assert cache.fragments[0] != name
    compacted = tmp_path / "cache" / cache.fragments[0]
    assert compacted.stat().st_size == len(made["k1"]) + len(made["k31"])
    assert parts(cache, {}, ["k1", "k31"]) == {"k1": made["k1"], "k31": made["k31"]}


def test_a_parts_file_with_another_name_is_not_appended_to(tmp_path):
    cache = BuildCache(tmp_path / "cache", "test")
    made = {f"k{n}": f"<part {n}>".encode() for n in range(5)}
    parts(cache, made, ["k0", "k1"])
    path = tmp_path / "cache" / cache.fragments[0]
    os.link(path, tmp_path / "shared-copy.bin")
    before = path.read_bytes()
    assert parts(cache, made, ["k0", "k2"]) == {"k0": made["k0"], "k2": made["k2"]}
    assert path.read_bytes() == before and cache.fragments[0] != path.name


# --- month and week pages not made again --------------------------------------------------------------------------

def test_month_and_week_pages_an_edit_does_not_touch_are_not_made_again(tmp_path):
    from smmgen.preview.pages import render_pages

    root = tmp_path / "site"
    paths = by_date(write_site(root))
    cache = BuildCache(tmp_path / "cache", "test")
    first = build(load_site(root), render_images=False)
    memo = cache.page_memo(set())
    before = {r: d if isinstance(d, bytes) else b"".join(d) for r, d in iter_pages(first, reuse=memo)}
    memo.close()
    cache.pages = memo.keys
    parts_before = set(cache.fragments[1])
    retitle(paths[15], "Update 1: ")
    second = build(load_site(root), render_images=False)
    memo = cache.page_memo(set(before))
    given = {r: d if d is UNCHANGED or isinstance(d, bytes) else b"".join(d)
             for r, d in iter_pages(second, reuse=memo)}
    memo.close()
    kept = {r for r, d in given.items() if d is UNCHANGED}
    # The parts of the pages not made again are kept for the build that next makes them: only the edited
    # article's row, weeks and days are gone.
    assert len(parts_before - set(cache.fragments[1])) <= 8
    made = {r for r in given if r not in kept and ("index" in r or "plan" in r)}
    source = second.site.rel(paths[15])
    view = next(a for a in second.articles if a.source == source)
    month = f"preview/index-{view.date.astimezone(second.site.timezone):%Y-%m}.html"
    # Its month page and the weeks of its posts are made again; the other months and weeks are not, nor the front
    # pages (the article is neither in the newest month nor in the weeks plan.html opens on).
    assert month in made and any("plan-" in r for r in made)
    assert {"preview/index.html", "preview/plan.html"} <= kept
    assert len([r for r in kept if "index-" in r]) >= 2 and len([r for r in kept if "plan-" in r]) >= 5
    # What is kept and what is made is what a build without a memo makes.
    truth = render_pages(second)
    assert sorted(given) == sorted(truth)
    assert all((before[r] if r in kept else given[r]) == truth[r] for r in truth)


def test_a_site_with_its_own_preview_templates_leaves_no_record(tmp_path):
    from smmgen.build.layout_dirs import DEFAULTS_DIR

    root = tmp_path / "site"
    write_site(root, count=6)
    own = root / "layouts" / "preview" / "index.html.j2"
    own.parent.mkdir(parents=True)
    own.write_text((DEFAULTS_DIR / "preview" / "index.html.j2").read_text().replace("Articles", "Stories"))
    result, files, record = full_build(root, tmp_path / "cache")
    assert b"Stories" in files["preview/index.html"]
    assert record is None


@pytest.mark.parametrize("pick", [3, 16, 28])
def test_a_title_with_markup_characters_is_patched_escaped_as_a_full_build_escapes_it(tmp_path, pick):
    def change(paths):
        path = by_date(paths)[pick]
        retitle(path, "Q&A: 'it' <b>is</b> \\\"quoted\\\" 🚆 ")
        return [path]

    patch, patched, truth = edited(tmp_path / "site", tmp_path, change)
    assert patch is not None
    assert_same(patched, truth)
    # (the loader keeps a title's text, not its tags)
    assert any(b"Q&amp;A: &#39;it&#39; is &#34;quoted&#34; \xf0\x9f\x9a\x86" in data for _, data in patch.files)
