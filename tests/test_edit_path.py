"""The edit path (smmgen.build.edit): an edit to a few articles replaces only their share of output/, and every
build, whichever path made it, writes the bytes of a cold ``--no-cache`` build of the same inputs."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from smmgen.build import edit_index, incremental, integration
from smmgen.config.site import load_site
from smmgen.errors import ConfigError

ARTICLE = Path("content/2026/2026-11-24-budget-passes.md")
OTHER = Path("content/2026/2026-11-17-heat-islands.md")
KEPT = {"greek-ferry", "heat-islands", "budget-passes", "rail-bridge-closed", "election-night-plan"}


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build(site: Path) -> incremental.Outcome:
    return incremental.build_site(load_site(site), workers=1)


def written(root: Path) -> dict[str, bytes]:
    """Every file of the site but the build cache: output/, and what ``[integration]`` writes into the site (its
    data file or pages, the cards it copies, the record of them)."""
    return {path: data for path, data in tree_bytes(root).items()
            if not path.startswith(".smmgen/") or path == integration.RECORD}


def assert_as_cold(site: Path, outcome: incremental.Outcome, where: Path) -> None:
    """output/, the files written into the site and the summary are those of a cold, cache-free build of the
    same inputs in another folder."""
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(site, where, ignore=shutil.ignore_patterns("output", ".smmgen"))
    for path in integration.read_record(load_site(site)):     # what the builds wrote: the cold one writes it
        (where / path).unlink(missing_ok=True)
    cold = incremental.build_site(load_site(where), workers=1, use_cache=False)
    assert not cold.errors
    assert outcome.summary == cold.summary
    mine, theirs = written(site), written(where)
    assert sorted(mine.keys() ^ theirs.keys()) == []
    assert [path for path in mine if mine[path] != theirs[path]] == []


def trimmed(site: Path) -> Path:
    """The sample site at ``site`` without its site-generator integration, and only a few articles (one of them
    a draft), which keeps the cold builds it is compared with short."""
    config = site / "smmgen.toml"
    text = config.read_text()
    config.write_text(text[:text.index("[integration]")])
    for path in (site / "content").rglob("*.md"):
        if path.name[11:-3] not in KEPT:
            path.unlink()
    return site


@pytest.fixture
def site(sample_site: Path) -> Path:
    """The sample site without its site-generator integration (``integrated`` below has it), built once."""
    trimmed(sample_site)
    outcome = build(sample_site)
    assert not outcome.errors and not outcome.edited
    assert (sample_site / ".smmgen" / "cache" / edit_index.INDEX).is_file()
    return sample_site


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def retitle(path: Path, prefix: str) -> None:
    text = path.read_text()
    path.write_text(re.sub(r"\ntitle(: | = )\"", lambda m: f"\ntitle{m[1]}\"{prefix}", text, count=1))


class Steps:
    """A step of a sequence of edits: the build after it, which ``taken`` records by name with whether the edit
    path made it, writes the bytes of a cold build; and the state it saved reports the same summary when nothing
    changes next."""

    def __init__(self, site: Path, cold: Path, taken: list[tuple[str, bool]]) -> None:
        self.site, self.cold, self.taken = site, cold, taken

    def __call__(self, name: str) -> None:
        outcome = build(self.site)
        assert not outcome.errors, outcome.errors
        self.taken.append((name, outcome.edited))
        assert_as_cold(self.site, outcome, self.cold)
        again = build(self.site)
        assert again.skipped and again.summary == outcome.summary


def test_a_sequence_of_edits_each_writes_the_bytes_of_a_cold_build(site: Path, tmp_path: Path) -> None:
    article = site / ARTICLE
    taken: list[tuple[str, bool]] = []
    step = Steps(site, tmp_path / "cold", taken)
    retitle(article, "Update 1: ")
    step("title")
    retitle(article, "Update 2: ")
    step("title again")
    edit(article, "\n---\n", "\n---\n\nA new first paragraph, longer than the old summary would have been.\n\n")
    step("body")
    edit(article, "\nsummary: \"The coalition's", "\nsummary: \"Written afresh: the coalition's")
    step("summary")
    retitle(site / OTHER, "Two at once: ")
    retitle(article, "Update 3: ")
    step("two articles")
    # What the edit path cannot reproduce exactly: the full build runs, and writes the same bytes.
    edit(article, "date: 2026-11-24T07:45:00+01:00", "date: 2026-11-24T09:45:00+01:00")
    step("date moved")
    (site / "content/2026/2026-12-01-new-article.md").write_text(
        "---\ntitle: \"A new article\"\ndate: 2026-12-01T10:00:00+01:00\n---\n\nIts body.\n")
    step("new article")
    (site / "content/2026/2026-12-01-new-article.md").unlink()
    step("article removed")
    config = site / "smmgen.toml"
    config.write_text(config.read_text().replace('name = "', 'name = "The ', 1))
    step("config")
    retitle(article, "Update 4: ")
    step("title after the config changed")
    assert build(site).skipped
    assert taken == [("title", True), ("title again", True), ("body", True), ("summary", True),
                     ("two articles", True), ("date moved", False), ("new article", False),
                     ("article removed", False), ("config", False), ("title after the config changed", True)]


def test_a_broken_article_fails_as_before_and_its_fix_builds_as_cold(site: Path, tmp_path: Path) -> None:
    article = site / ARTICLE
    good = article.read_text()
    article.write_text(good.replace("\ntitle: ", "\ntitle: [unclosed\nx: ", 1))
    before = tree_bytes(site / "output")
    outcome = build(site)
    assert outcome.errors and not outcome.edited
    assert tree_bytes(site / "output") == before
    article.write_text(good.replace("\ntitle: \"", "\ntitle: \"Fixed: ", 1))
    outcome = build(site)
    assert not outcome.errors
    assert_as_cold(site, outcome, tmp_path / "cold")
    retitle(article, "Then edited: ")
    outcome = build(site)
    assert outcome.edited
    assert_as_cold(site, outcome, tmp_path / "cold")


def test_a_changed_hero_takes_the_full_build(site: Path, tmp_path: Path) -> None:
    record = next(r for r in _records(site) if r[1]["EditRecord"][3])
    hero = Path(record[1]["EditRecord"][3])
    from PIL import Image

    with Image.open(hero) as image:
        image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(hero)
    outcome = build(site)
    assert not outcome.edited
    assert_as_cold(site, outcome, tmp_path / "cold")


def _records(site: Path) -> list:
    out = []
    for path in sorted((site / ".smmgen" / "cache").glob("edit-*.json")):
        lines = path.read_text().splitlines()[2:-1]
        out += [json.loads(line.rstrip(",")) for line in lines]
    return out


@pytest.mark.parametrize("damage", ["garbage", "preview garbage", "no preview line", "path outside", "record outside",
                                    "shards gone", "wrong types"])
def test_a_damaged_or_hostile_edit_index_takes_the_full_build(site: Path, tmp_path: Path, damage: str) -> None:
    cache = site / ".smmgen" / "cache"
    index = cache / edit_index.INDEX
    head, _, rest = index.read_text().partition("\n")
    body, _, preview = rest.partition("\n")        # the preview's record on a line of its own
    assert json.loads(preview) is not None
    data = json.loads(body)
    if damage == "garbage":
        index.write_text(head + "\n{not json")
    elif damage == "preview garbage":
        index.write_text(head + "\n" + body + "\n{not json")
    elif damage == "no preview line":
        index.write_text(head + "\n" + body)
    elif damage == "path outside":
        data["shared"] = {"cards/../../../outside.txt": 2}
        index.write_text(head + "\n" + json.dumps(data) + "\n" + preview)
    elif damage == "record outside":
        for shard in cache.glob("edit-*.json"):
            shard.write_text(shard.read_text().replace('"cuts/', '"../../cuts/'))
    elif damage == "shards gone":
        for shard in cache.glob("edit-*.json"):
            shard.unlink()
    else:
        data["order"] = [[1, "x", None, 0]]
        index.write_text(head + "\n" + json.dumps(data) + "\n" + preview)
    (site.parent / "outside.txt").write_text("keep me")
    retitle(site / ARTICLE, "Update: ")
    outcome = build(site)
    assert not outcome.errors and not outcome.edited
    assert (site.parent / "outside.txt").read_text() == "keep me"
    assert_as_cold(site, outcome, tmp_path / "cold")
    retitle(site / ARTICLE, "Again: ")         # the full build saved a sound index again
    assert build(site).edited


def test_a_build_with_nothing_to_do_never_decodes_the_previews_record(site: Path, tmp_path: Path) -> None:
    """edit.json's preview record (1.6 MB of JSON at 10,000 articles) is read by an edit only; an index saved
    by a build that did not decode it still holds it, and the next edit patches the preview with it."""
    outcome = build(site)
    assert outcome.skipped and outcome.index.data["preview"] is edit_index._UNREAD
    held = outcome.index
    held.save()                                 # as a build with nothing to do saves new stats
    assert held.data["preview"] is edit_index._UNREAD
    retitle(site / ARTICLE, "Update: ")
    outcome = incremental.build_site(load_site(site), workers=1, held_index=held)   # as ``smmgen serve`` does
    assert outcome.edited and outcome.index.data["preview"] is not edit_index._UNREAD
    assert_as_cold(site, outcome, tmp_path / "cold")


def test_a_deleted_output_file_is_made_again_by_the_next_build(site: Path, tmp_path: Path) -> None:
    retitle(site / ARTICLE, "Update: ")
    assert build(site).edited
    (site / "output" / "og" / "heat-islands.html").unlink()
    outcome = build(site)                       # nothing edited: output/ no longer what the state says
    assert not outcome.skipped and not outcome.edited
    assert_as_cold(site, outcome, tmp_path / "cold")
    assert build(site).skipped


def test_an_edit_that_changes_no_output_still_leaves_a_build_with_nothing_to_do(site: Path) -> None:
    article = site / ARTICLE
    article.write_text(article.read_text() + "\n")
    outcome = build(site)
    assert outcome.edited
    assert build(site).skipped


def test_article_files_whose_stat_is_unchanged_are_not_read_again(site: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Old enough that its recorded stat is trusted (a file changed within the same clock tick is read again).
    for path in (site / "content").rglob("*.md"):
        os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert build(site).skipped                  # the same bytes: read once more, and their stats recorded
    opened = []
    real_open = open

    def counting_open(file, *args, **kwargs):
        if str(file).endswith(".md"):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    assert build(site).skipped
    assert opened == []


def test_a_build_with_nothing_to_do_takes_the_heroes_stats_from_its_listing_of_content(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The heroes under content/ are listed with their stats (an image added counts as a change): the inputs'
    fingerprint, which holds every hero's stat, takes them from there instead of asking for each again."""
    heroes = {str(path) for path in (site / "content").rglob("*") if path.suffix.lower() in (".jpg", ".png")}
    assert heroes
    asked = []
    real_stat = os.stat

    def counting_stat(path, *args, **kwargs):
        if os.fspath(path) in heroes:
            asked.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", counting_stat)
    assert build(site).skipped
    assert asked == []
    retitle(site / ARTICLE, "Update: ")
    assert build(site).edited


def test_a_no_cache_build_between_edits_leaves_no_index_to_trust(site: Path, tmp_path: Path) -> None:
    retitle(site / ARTICLE, "Update: ")
    assert not incremental.build_site(load_site(site), workers=1, use_cache=False).errors
    retitle(site / OTHER, "Update: ")
    outcome = build(site)
    assert not outcome.edited
    assert_as_cold(site, outcome, tmp_path / "cold")


def test_serve_holds_the_edit_index_and_knows_what_an_edit_changed_without_listing_output(site: Path) -> None:
    from smmgen.preview.live import build_once

    last = build_once(site)                     # nothing to do: the index read once, and held
    assert last.ok and last.index is not None
    for n in range(2):
        retitle(site / ARTICLE, f"Update {n}: ")
        snapshot = build_once(site, held=last.cache, last=last)
        assert snapshot.ok and snapshot.index is last.index
        assert snapshot.files == incremental.output_listing(site / "output")
        assert snapshot.build_id != last.build_id
        last = snapshot
    assert build(site).skipped


def test_a_card_deleted_from_output_is_drawn_again_by_an_edit_and_the_next_build_has_nothing_to_do(
        site: Path, tmp_path: Path) -> None:
    record = next(r for r in _records(site) if r[0] == ARTICLE.as_posix())
    cards = [item["t"][0] for item in record[1]["EditRecord"][7]]
    assert cards
    for card in cards:
        (site / "output" / card).unlink()
    edit(site / ARTICLE, "\n---\n", "\n---\n\nA paragraph first.\n\n")     # the cards show the same
    outcome = build(site)
    assert outcome.edited
    assert_as_cold(site, outcome, tmp_path / "cold")
    assert build(site).skipped


# --- drafts ---------------------------------------------------------------------------------------------------

DRAFT = Path("content/2026/2026-11-26-election-night-plan.md")


def test_an_edited_draft_takes_the_edit_path_and_writes_nothing_in_output(site: Path, tmp_path: Path) -> None:
    """A draft has no share of output/: its edit writes the bytes of a cold build (output/ as it was) and
    leaves a build with nothing to do, edited alone or with a published article."""
    draft = site / DRAFT
    assert "draft: true" in draft.read_text()
    before = tree_bytes(site / "output")
    retitle(draft, "Still a draft: ")
    outcome = build(site)
    assert outcome.edited and outcome.changed == 0 and not outcome.errors
    assert tree_bytes(site / "output") == before
    assert_as_cold(site, outcome, tmp_path / "cold")
    assert build(site).skipped
    edit(draft, "\n---\n", "\n---\n\nA paragraph written first.\n\n")
    retitle(site / ARTICLE, "With a draft: ")
    outcome = build(site)
    assert outcome.edited and outcome.changed > 0
    assert_as_cold(site, outcome, tmp_path / "cold")
    assert build(site).skipped
    retitle(draft, "Again: ")                   # its record was written anew by the edit
    assert build(site).edited


@pytest.mark.parametrize("change", ["published", "slug", "another article's slug", "url", "hero"])
def test_a_draft_edited_into_what_other_output_depends_on_takes_the_full_build(site: Path, tmp_path: Path,
                                                                              change: str) -> None:
    """Published (it has cuts, cards, entries and a place in the plan and the preview now), a new slug (it may
    key another article's ids), URL (it may be another's) or hero (an input): the full build, as cold."""
    draft = site / DRAFT
    if change == "published":
        edit(draft, "draft: true", "draft: false")
    elif change == "slug":
        edit(draft, "draft: true", "draft: true\nslug: election-night")
    elif change == "another article's slug":
        # Dated before it, at a URL of its own: the published article's ids would now be keyed apart from it.
        edit(draft, "draft: true", "draft: true\nslug: heat-islands\nurl: /drafts/heat-islands/")
        edit(draft, "date: 2026-11-26T08:00:00+01:00", "date: 2026-11-10T08:00:00+01:00")
    elif change == "url":
        edit(draft, "draft: true", "draft: true\nurl: /elsewhere/election-night-plan/")
    else:
        hero = next(path for path in (site / "content").rglob("*") if path.suffix.lower() in (".jpg", ".png"))
        edit(draft, "draft: true", f"draft: true\nimage: {os.path.relpath(hero, draft.parent)}\nimage_alt: A picture")
    outcome = build(site)
    assert not outcome.errors and not outcome.edited
    assert_as_cold(site, outcome, tmp_path / "cold")
    assert build(site).skipped


def test_drafts_made_published_and_back_and_added_and_removed_each_write_the_bytes_of_a_cold_build(
        site: Path, tmp_path: Path) -> None:
    draft = site / DRAFT
    taken: list[tuple[str, bool]] = []
    step = Steps(site, tmp_path / "cold", taken)
    edit(draft, "draft: true", "draft: false")
    step("published")
    retitle(draft, "Out now: ")
    step("published one edited")
    edit(draft, "draft: false", "draft: true")
    step("a draft again")
    retitle(draft, "Back in the drawer: ")
    step("that draft edited")
    edit(site / ARTICLE, "\ntitle:", "\ndraft: true\ntitle:")
    step("a published article made a draft")
    retitle(site / ARTICLE, "Held back: ")
    step("it, edited")
    new = site / "content/2026/2026-12-02-a-new-draft.md"
    new.write_text("---\ntitle: \"A new draft\"\ndate: 2026-12-02T10:00:00+01:00\ndraft: true\n---\n\nIts body.\n")
    step("a draft added")
    retitle(new, "Its title: ")
    step("the new draft edited")
    new.unlink()
    step("a draft removed")
    hero = next(path for path in (site / "content").rglob("*") if path.suffix.lower() in (".jpg", ".png"))
    new.write_text(f"---\ntitle: \"Another\"\ndate: 2026-12-03T10:00:00+01:00\ndraft: true\n"
                   f"image: {os.path.relpath(hero, new.parent)}\nimage_alt: A picture\n---\n\nIts body.\n")
    step("a draft with a hero added")
    retitle(new, "Its title: ")
    step("it, edited too")
    new.unlink()
    step("it, removed")
    assert [name for name, edited in taken if edited] == [
        "published one edited", "that draft edited", "it, edited", "a draft added", "the new draft edited",
        "a draft removed", "a draft with a hero added", "it, edited too", "it, removed"]


def draft_in_bundle(site: Path, name: str, title: str) -> Path:
    """A draft ``name`` in a new folder content/2026/bundle, which is returned."""
    folder = site / "content/2026/bundle"
    folder.mkdir()
    (folder / name).write_text(f"---\ntitle: \"{title}\"\ndate: 2026-12-01T10:00:00+01:00\ndraft: true\n---\n\nBody.\n")
    return folder


@pytest.mark.parametrize("added", ["another article's slug", "another article's URL", "a bundle's index",
                                   "in a bundle", "a section page", "below a cascade", "published", "excluded"])
def test_a_new_file_that_changes_what_other_files_are_takes_the_full_build(site: Path, tmp_path: Path,
                                                                         added: str) -> None:
    """A new draft keyed against another article, at its URL, or a file whose coming changes what other files
    are (a bundle's index turns its folder's other files into resources; a section page's cascade makes drafts
    of the pages below it): the full build, as cold."""
    folder = site / "content/2026"
    name = "2026-12-02-a-new-draft.md"
    extra = ""
    if added == "another article's slug":
        extra = "slug: heat-islands\nurl: /drafts/heat-islands/\n"
    elif added == "another article's URL":
        extra = "url: https://courier.example.com/2026/11/heat-islands/\n"
    elif added == "a bundle's index":
        folder = draft_in_bundle(site, "2026-12-01-inside.md", "Inside")
        assert build(site).edited               # a new draft in a new folder: no other file's fate hangs on it
        name = "index.md"
    elif added == "in a bundle":
        folder = draft_in_bundle(site, "index.md", "A bundle")
        assert not build(site).errors
    elif added == "a section page":
        name = "_index.md"
        extra = "cascade:\n  draft: true\n"
    elif added == "below a cascade":
        folder = site / "content/2026/section"
        folder.mkdir()
        (folder / "_index.md").write_text("---\ntitle: \"A section\"\ncascade:\n  headless: true\n---\n")
        assert not build(site).errors
    elif added == "published":
        extra = "draft: false\n"
    else:
        config = site / "smmgen.toml"
        config.write_text(config.read_text().replace("[site]\n", "[site]\nexclude = [\"2026/*-a-new-*\"]\n", 1))
        assert not build(site).errors
    draft = "" if added == "published" else "draft: true\n"
    (folder / name).write_text(f"---\ntitle: \"A new one\"\ndate: 2026-12-02T10:00:00+01:00\n{draft}{extra}---\n\n"
                               "Its body.\n")
    outcome = build(site)
    assert not outcome.edited
    if added == "another article's URL":
        assert [e.field for e in outcome.errors] == ["url"]     # as the full build says
        return
    assert not outcome.errors
    assert_as_cold(site, outcome, tmp_path / "cold")
    assert build(site).skipped


def test_a_removed_draft_whose_folder_s_other_files_hang_on_it_takes_the_full_build(site: Path,
                                                                                   tmp_path: Path) -> None:
    """A leaf bundle's index removed, a draft: the other Markdown files of its folder were its resources and are
    articles now."""
    folder = site / "content/2026/bundle"
    folder.mkdir()
    (folder / "index.md").write_text("---\ntitle: \"A bundle\"\ndate: 2026-12-01T10:00:00+01:00\ndraft: true\n"
                                     "---\n\nBody.\n")
    (folder / "2026-12-01-inside.md").write_text("---\ntitle: \"Inside\"\ndate: 2026-12-01T10:00:00+01:00\n---\n\n"
                                                 "Body.\n")
    assert not build(site).errors
    (folder / "index.md").unlink()
    outcome = build(site)
    assert not outcome.errors and not outcome.edited
    assert outcome.summary.articles == 5
    assert_as_cold(site, outcome, tmp_path / "cold")


# --- sites with [integration] and a default image without alt text ---------------------------------------------

@pytest.fixture
def integrated(sample_site: Path) -> Path:
    """The sample site as shipped: its [integration] writes a minimal page per article and an index into
    output/site/ and copies the cards to output/site/social-cards/."""
    for path in (sample_site / "content").rglob("*.md"):
        if path.name[11:-3] not in KEPT:
            path.unlink()
    outcome = build(sample_site)
    assert not outcome.errors and not outcome.edited
    return sample_site


def test_an_edit_on_a_site_with_pages_takes_the_edit_path_and_writes_the_site_s_files_of_a_cold_build(
        integrated: Path, tmp_path: Path) -> None:
    site, article = integrated, integrated / ARTICLE
    index = site / "output/site/index.html"
    taken = []

    def step(name: str) -> None:
        outcome = build(site)
        assert not outcome.errors, outcome.errors
        taken.append((name, outcome.edited))
        assert_as_cold(site, outcome, tmp_path / "cold")
        assert build(site).skipped

    retitle(article, "Update 1: ")
    step("title")
    assert "Update 1: " in index.read_text()
    retitle(site / OTHER, "Two at once: ")
    edit(article, "\nsummary: \"The coalition's", "\nsummary: \"Written afresh: the coalition's")
    step("two articles")
    edit(article, "\n---\n", "\n---\n\nA new first paragraph.\n\n")
    step("body")
    edit(article, "date: 2026-11-24T07:45:00+01:00", "date: 2026-11-24T09:45:00+01:00")
    step("date moved")                          # the index's order may move: the full build
    retitle(article, "Update 2: ")
    step("title after")
    assert taken == [("title", True), ("two articles", True), ("body", True), ("date moved", False),
                     ("title after", True)]


@pytest.mark.parametrize("changed", ["index", "record"])
def test_a_changed_page_index_or_record_takes_the_full_build(integrated: Path, tmp_path: Path, changed: str) -> None:
    if changed == "index":
        index = integrated / "output/site/index.html"
        index.write_text(index.read_text().replace("<ul>", "<ul class=\"mine\">"))
    else:
        record = integrated / integration.RECORD
        record.write_text(record.read_text().replace('": [', '": [ ', 1))
    retitle(integrated / ARTICLE, "Update: ")
    outcome = build(integrated)
    assert not outcome.edited
    assert_as_cold(integrated, outcome, tmp_path / "cold")


def test_a_page_folder_linked_out_of_the_site_is_refused_by_the_full_build(integrated: Path,
                                                                           tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    shutil.move(integrated / "output/site/2026", outside)
    os.symlink(outside, integrated / "output/site/2026")
    before = tree_bytes(outside)
    retitle(integrated / ARTICLE, "Update: ")
    with pytest.raises(ConfigError, match="integration.pages_dir.*outside the site folder"):
        build(integrated)                       # the edit path stepped aside; the full build says what is wrong
    assert tree_bytes(outside) == before


@pytest.fixture(params=["hugo-multilingual", "jekyll-blog"])
def generated(request, tmp_path: Path) -> Path:
    """A Hugo or Jekyll fixture site as `smmgen init` sets it up: its tags go to the generator's data file, its
    cards to the folder it publishes; the Jekyll site shows a default image that has no alt text."""
    from test_fixture_sites import set_up

    root = set_up(request.param, tmp_path / "site")
    outcome = build(root)
    assert not outcome.errors and not outcome.edited
    return root


# Articles whose URL a new title leaves alone (a Hugo :slug without a slug of its own is made of the title).
GENERATED_EDITS = {
    "hugo-multilingual": ("content/en/news/ferry-timetable.markdown", "content/de/news/faehrplan.md"),
    "jekyll-blog": ("_posts/2026-02-12-school-budget.markdown", "_posts/2026-02-18-flood-warning.markdown"),
}


def test_an_edit_on_a_hugo_or_jekyll_site_patches_its_data_file_as_a_cold_build_writes_it(
        generated: Path, tmp_path: Path) -> None:
    site = generated
    first, second = (site / path for path in GENERATED_EDITS[site.name])
    config = load_site(site)
    data = site / integration.settings(config)["data_file"]
    taken = []

    def step(name: str) -> incremental.Outcome:
        outcome = build(site)
        assert not outcome.errors, outcome.errors
        taken.append((name, outcome.edited))
        assert_as_cold(site, outcome, tmp_path / "cold")
        assert build(site).skipped
        return outcome

    retitle(first, "Update 1: ")
    step("title")
    assert "Update 1: " in data.read_text()
    retitle(first, "Update 2: ")
    retitle(second, "Two at once: ")
    step("two articles")
    first.write_text(first.read_text() + "\nA new last paragraph.\n")
    step("body")
    if config.default_image and not config.default_image_alt:
        # The one site warning counts the articles showing the default image without a description.
        assert any(w[0] == "smmgen.toml" for w in build(site).summary.warnings)
        # The article names the default image itself, and describes it: the same picture, one article fewer.
        named = f"\nimage: {config.default_image}\nimage_alt: \"The courier's masthead\""
        edit(first, "\ntitle: ", named + "\ntitle: ")
        described = step("default image described")
        edit(first, named, "")
        step("described no more")
        assert described.summary.warnings[0][2].startswith("3 article(s) show default_image")
    assert all(edited for _, edited in taken), taken


def test_hugo_articles_of_two_languages_that_share_a_data_key_are_patched_each_in_its_own_item(
        tmp_path: Path) -> None:
    from test_fixture_sites import set_up

    site = set_up("hugo-multilingual", tmp_path / "site")
    english = site / "content/en/news/ferry-timetable.markdown"
    german = site / "content/de/news/ferry-timetable.markdown"        # the same key: news/ferry-timetable.markdown
    german.write_text(english.read_text().replace("slug: ferry-timetable", "slug: faehre-neu")
                      .replace('title: "', 'title: "Fähre: ', 1))
    assert not build(site).errors
    data = json.loads((site / "data/smmgen/og.json").read_text())
    assert len(data["pages"]["news/ferry-timetable.markdown"]) == 2
    for path, prefix in ((english, "Update: "), (german, "Neu: "), (english, "Again: ")):
        retitle(path, prefix)
        outcome = build(site)
        assert outcome.edited
        assert_as_cold(site, outcome, tmp_path / "cold")



def test_an_edit_deletes_only_the_copied_cards_that_still_hold_what_smmgen_wrote(integrated: Path,
                                                                                  tmp_path: Path) -> None:
    record = next(r for r in _records(integrated) if r[0] == ARTICLE.as_posix())
    copies = [integrated / "output/site/social-cards" / item["t"][0].removeprefix("cards/")
              for item in record[1]["EditRecord"][7]]
    assert len(copies) >= 2 and all(copy.is_file() for copy in copies)
    mine = copies[0]
    changed = b"the site owner's own picture".ljust(mine.stat().st_size, b".")
    mine.write_bytes(changed)
    retitle(integrated / ARTICLE, "Update: ")  # its cards show the title: each is drawn anew, the old ones go
    outcome = build(integrated)
    assert outcome.edited
    assert mine.read_bytes() == changed
    assert not any(copy.exists() for copy in copies[1:])
    assert mine.relative_to(integrated).as_posix() not in integration.read_record(load_site(integrated))
    mine.unlink()                               # the owner's, in output/: the cold build's copy has none
    assert_as_cold(integrated, outcome, tmp_path / "cold")


def test_a_data_file_changed_by_hand_takes_the_full_build(generated: Path, tmp_path: Path) -> None:
    data = generated / integration.settings(load_site(generated))["data_file"]
    data.write_text(data.read_text().replace('"version": 1', '"version": 1 '))
    retitle(generated / GENERATED_EDITS[generated.name][0], "Update: ")
    outcome = build(generated)
    assert not outcome.errors and not outcome.edited
    assert_as_cold(generated, outcome, tmp_path / "cold")


# --- what the edit reads and writes of the archive -----------------------------------------------------------------

def test_the_new_manifest_is_begun_before_the_edited_article_is_made_and_nothing_of_it_stays_when_the_edit_steps_aside(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit writes its month's part of the manifest whole: its bytes before the edited article's block are
    copied while the article is parsed, cut and drawn, not after."""
    from smmgen.content import reading

    out = site / "output"
    [part] = (out / "manifest").glob("*.json")
    manifest = part.read_bytes()
    first = manifest.index(b'"source":"' + ARTICLE.as_posix().encode())
    first = manifest.rindex(b"\n{", 0, first) + 1         # where the article's block of entries starts
    seen = tmp_path / "seen"          # (the article may be made in the edit's helper process: told in a file)
    real_load = reading.load_article

    def load_article(path, site_):
        if not seen.exists():                           # the edit's own parse: the copy runs meanwhile
            for _ in range(2000):
                tmp = list(part.parent.glob(f".{part.name}.*.tmp"))
                if tmp and tmp[0].stat().st_size >= first:
                    break
                time.sleep(0.005)
            tmp = list(part.parent.glob(f".{part.name}.*.tmp"))
            seen.write_text(str(len(tmp) == 1 and tmp[0].read_bytes()[:first] == manifest[:first]))
        return real_load(path, site_)

    monkeypatch.setattr(reading, "load_article", load_article)
    retitle(site / ARTICLE, "Update: ")
    outcome = build(site)
    assert outcome.edited and seen.read_text() == "True"
    assert_as_cold(site, outcome, tmp_path / "cold")
    # An edit the path cannot make (the date moved): the full build runs, and no half-made manifest stays.
    edit(site / ARTICLE, "date: 2026-11-24T07:45:00+01:00", "date: 2026-11-24T09:45:00+01:00")
    outcome = build(site)
    assert not outcome.edited
    assert list(out.glob(".*.tmp")) == list(out.glob("manifest/.*.tmp")) == []
    assert_as_cold(site, outcome, tmp_path / "cold")


def test_the_edit_encodes_the_index_s_large_parts_while_its_manifest_is_still_being_written(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 10,000 articles edit.json's article stats, manifest places and preview record are megabytes of JSON:
    the edit encodes them before it waits for its new manifest, not after."""
    from smmgen.build import edit_manifest

    encoded_after: list = []
    in_place = []
    real_replace, real_dumps = edit_manifest.NewManifest.replace, edit_index._dumps

    def replace(self):
        in_place.append(self)
        return real_replace(self)

    def dumps(value):
        if in_place:
            encoded_after.append(value)
        return real_dumps(value)

    monkeypatch.setattr(edit_manifest.NewManifest, "replace", replace)
    monkeypatch.setattr(edit_index, "_dumps", dumps)
    retitle(site / ARTICLE, "Update: ")
    outcome = build(site)
    assert outcome.edited and in_place
    index = outcome.index.data
    assert [value for value in encoded_after if any(value is index[part] for part in ("files", "order", "preview"))] == []
    assert encoded_after                        # the small parts, the manifest's new stat among them
    assert_as_cold(site, outcome, tmp_path / "cold")
    retitle(site / ARTICLE, "Again: ")          # the index saved is sound
    assert build(site).edited


def test_a_manifest_removed_while_the_edit_runs_takes_the_full_build(site: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from smmgen.content import reading

    real_load = reading.load_article

    def load_article(path, site_):
        (site / "output" / "manifest.json").unlink(missing_ok=True)
        return real_load(path, site_)

    monkeypatch.setattr(reading, "load_article", load_article)
    retitle(site / ARTICLE, "Update: ")
    outcome = build(site)
    assert not outcome.errors and not outcome.edited
    monkeypatch.undo()
    assert list((site / "output").glob(".*.tmp")) == []
    assert_as_cold(site, outcome, tmp_path / "cold")


@pytest.fixture
def single_threaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper is forked only from a process with one thread: the test runner's own threads (xdist's) do
    nothing the helper needs, so they are not counted; the build's own threads (output/ summed while the inputs
    are checked) still are."""
    import threading

    from smmgen.build import edit_helper

    runners = threading.active_count() - 1
    monkeypatch.setattr(edit_helper.threading, "active_count", lambda: len(threading.enumerate()) - runners)


def _started_helpers(monkeypatch: pytest.MonkeyPatch, *, killed: bool = False, large: bool = False) -> list:
    """The helpers the builds start, as they start them (``killed``: each killed at once; ``large``: the site's
    edit index taken for a large archive's, whose build starts its helper as it begins)."""
    import signal

    from smmgen.build import edit, edit_helper

    if large:
        monkeypatch.setattr(edit, "CUT_FIRST", 0)

    helpers: list[edit_helper.EditHelper] = []
    real = edit_helper.EditHelper.start

    def start(site, cut_first, rehearsed):
        helper = real(site, cut_first, rehearsed)
        if helper is not None:
            if killed:
                os.kill(helper.pid, signal.SIGKILL)
            helpers.append(helper)
        return helper

    monkeypatch.setattr(edit_helper.EditHelper, "start", staticmethod(start))
    return helpers


def _stopped_by(monkeypatch: pytest.MonkeyPatch, module, name: str, helpers: list) -> list[bool]:
    """Whether, each time ``module.name`` is called, every helper started so far is stopped and reaped."""
    real = getattr(module, name)
    seen: list[bool] = []

    def call(*args, **kwargs):
        seen.append(all(helper.stopped and _reaped(helper.pid) for helper in helpers))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, call)
    return seen


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _waiting_until_ready_to_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """The build asks its helper to make the articles only once it has said it can cut, which only a large
    archive's helper loads first (``edit.CUT_FIRST``): here this small site's does, and the build waits for it
    (a large archive gives it the time) instead of cutting them itself."""
    from smmgen.build import edit, edit_helper

    monkeypatch.setattr(edit, "CUT_FIRST", 0)
    monkeypatch.setattr(edit_helper.EditHelper, "ready_to_cut", waiting(edit_helper.EditHelper.ready_to_cut))


def waiting(ready_to_cut):
    """``EditHelper.ready_to_cut`` that waits (a minute at most) for the helper to say it can cut."""
    def wait(self):
        deadline = time.monotonic() + 60
        while not ready_to_cut(self) and not self.failed and time.monotonic() < deadline:
            time.sleep(0.005)
        return ready_to_cut(self)
    return wait


def _only_in(pid_test, real):
    def call(*args, **kwargs):
        assert pid_test(os.getpid()), f"{real.__name__} in the wrong process"
        return real(*args, **kwargs)
    return call


def test_an_edits_articles_are_made_in_its_helper_once_it_can_cut_with_a_cold_builds_bytes(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, single_threaded: None) -> None:
    from smmgen.build import edit, edit_helper

    made: list[tuple[int, list[str]]] = []
    real = edit_helper.EditHelper.remake

    def remake(self, changed, records, shas):
        done = real(self, changed, records, shas)
        made.append((self.pid, [one.article.source for one in done]))
        return done

    build_process = os.getpid()
    monkeypatch.setattr(edit_helper.EditHelper, "remake", remake)
    monkeypatch.setattr(edit, "_cut_again", _only_in(lambda pid: pid != build_process, edit._cut_again))
    monkeypatch.setattr(edit, "_with_cards", _only_in(lambda pid: pid != build_process, edit._with_cards))
    _waiting_until_ready_to_cut(monkeypatch)
    helpers = _started_helpers(monkeypatch)
    retitle(site / ARTICLE, "Update 1: ")
    outcome = build(site)
    assert outcome.edited
    assert [(pid, sources) for pid, sources in made] == [(helpers[0].pid, [str(ARTICLE)])]
    assert helpers[0].pid != os.getpid() and _reaped(helpers[0].pid)      # ended and reaped with the build
    assert_as_cold(site, outcome, tmp_path / "cold")


@pytest.mark.parametrize("archive", ["small", "large but not ready"])
def test_an_edit_whose_helper_cannot_cut_cuts_here_and_has_the_helper_draw_with_a_cold_builds_bytes(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, single_threaded: None, archive: str) -> None:
    from smmgen.build import edit, edit_helper

    if archive == "small":                      # the helper of a site this size loads only the card code
        assert (site / ".smmgen" / "cache" / edit_index.INDEX).stat().st_size < edit.CUT_FIRST
    else:
        monkeypatch.setattr(edit, "CUT_FIRST", 0)
        monkeypatch.setattr(edit_helper.EditHelper, "ready_to_cut", lambda self: False)

    drawn: list[tuple[int, int]] = []
    real = edit_helper.EditHelper.draw

    def draw(self, requests, **kwargs):
        cards = real(self, requests, **kwargs)
        drawn.append((self.pid, len(cards)))
        return cards

    build_process = os.getpid()
    monkeypatch.setattr(edit_helper.EditHelper, "draw", draw)
    monkeypatch.setattr(edit, "_cut_again", _only_in(lambda pid: pid == build_process, edit._cut_again))
    helpers = _started_helpers(monkeypatch)
    retitle(site / ARTICLE, "Update 1: ")
    outcome = build(site)
    assert outcome.edited
    assert drawn and all(pid == helpers[0].pid and n > 0 for pid, n in drawn)
    assert _reaped(helpers[0].pid)
    assert_as_cold(site, outcome, tmp_path / "cold")


def test_an_edit_whose_helper_died_makes_its_articles_itself(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, single_threaded: None) -> None:
    helpers = _started_helpers(monkeypatch, killed=True)
    retitle(site / ARTICLE, "Update 1: ")
    outcome = build(site)
    assert outcome.edited
    assert [helper.failed for helper in helpers] == [True]
    assert_as_cold(site, outcome, tmp_path / "cold")


def test_a_build_with_nothing_to_do_stops_its_helper_before_it_walks_output(
        site: Path, monkeypatch: pytest.MonkeyPatch, single_threaded: None) -> None:
    helpers = _started_helpers(monkeypatch, large=True)
    seen = _stopped_by(monkeypatch, incremental, "_unchanged", helpers)
    outcome = build(site)
    assert outcome.skipped
    assert len(helpers) == 1 and seen == [True]


def test_a_small_archives_build_with_nothing_to_do_forks_no_helper(
        site: Path, monkeypatch: pytest.MonkeyPatch, single_threaded: None) -> None:
    helpers = _started_helpers(monkeypatch)
    assert build(site).skipped
    assert helpers == []


def test_a_build_with_no_edit_index_forks_no_helper(
        site: Path, monkeypatch: pytest.MonkeyPatch, single_threaded: None) -> None:
    from smmgen.build import edit_index

    edit_index.forget(load_site(site))
    helpers = _started_helpers(monkeypatch)
    retitle(site / ARTICLE, "Update 1: ")
    outcome = build(site)
    assert not outcome.edited and not outcome.errors
    assert helpers == []


def test_an_edited_draft_asks_its_helper_nothing_and_stops_it_first(
        site: Path, monkeypatch: pytest.MonkeyPatch, single_threaded: None) -> None:
    from smmgen.build import edit, edit_helper

    helpers = _started_helpers(monkeypatch, large=True)
    asked: list[bool] = []
    monkeypatch.setattr(edit_helper.EditHelper, "remake", lambda *args: asked.append(True))
    stopped = _stopped_by(monkeypatch, edit, "_drafts_only", helpers)
    retitle(site / DRAFT, "Still a draft: ")
    outcome = build(site)
    assert outcome.edited
    assert asked == [] and len(helpers) == 1 and stopped == [True]


def test_an_edit_that_takes_the_full_build_stops_its_helper_before_it_builds(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, single_threaded: None) -> None:
    from smmgen.build import pipeline

    helpers = _started_helpers(monkeypatch, large=True)
    seen = _stopped_by(monkeypatch, pipeline, "build", helpers)
    edit(site / ARTICLE, "\n---\n", "\ndraft: true\n---\n")     # a published article made a draft
    outcome = build(site)
    assert not outcome.edited and not outcome.errors
    assert len(helpers) == 1 and seen == [True]
    assert _reaped(helpers[0].pid)
    assert_as_cold(site, outcome, tmp_path / "cold")


# (Its own copy of ``waiting``: importing this module would load what the command does not.)
_MADE_IN_HELPER = """
import sys, time
from smmgen.build import edit, edit_helper
edit.CUT_FIRST = 0
ready = edit_helper.EditHelper.ready_to_cut
def ready_to_cut(self):
    deadline = time.monotonic() + 60
    while not ready(self) and not self.failed and time.monotonic() < deadline:
        time.sleep(0.005)
    return ready(self)
edit_helper.EditHelper.ready_to_cut = ready_to_cut
real = edit_helper.EditHelper.remake
def remake(self, *args):
    done = real(self, *args)
    print("made in the helper:", done is not edit_helper.NOT_HERE and done is not None, file=sys.stderr)
    return done
edit_helper.EditHelper.remake = remake
from smmgen.cli.main import main
main(["build", "--site", sys.argv[1]])
"""


# The helper asked before it has loaded anything more than it must: its warm-up does nothing.
_UNWARMED = """
from smmgen.build import edit
for name in ("_load_cutting", "_markdown_converter", "_counting_rules", "_load_drawing", "_rehearse_cards"):
    setattr(edit, name, lambda *args: None)
"""


@pytest.mark.parametrize("warm", [True, False], ids=["warmed up", "asked at once"])
def test_a_fresh_build_process_takes_what_its_helper_made(site: Path, tmp_path: Path, warm: bool) -> None:
    """What passes between the build and its helper is read by processes that have loaded only what the
    command loads (the test runner has loaded every module): nothing in a request or an answer names a class
    the reader has not."""
    import subprocess
    import sys

    retitle(site / ARTICLE, "Update 1: ")
    repo = Path(__file__).resolve().parents[1]        # this smmgen, whatever else is installed: its fingerprint
    script = _MADE_IN_HELPER if warm else _UNWARMED + _MADE_IN_HELPER
    done = subprocess.run([sys.executable, "-c", script, str(site)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(repo)})
    assert done.returncode == 0, done.stderr
    assert "made in the helper: True" in done.stderr
    assert_as_cold(site, build(site), tmp_path / "cold")
