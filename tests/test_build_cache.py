"""The build cache (.smmgen/cache/): a warm or incremental build writes exactly what a cold build writes."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from smmgen import manifest
from smmgen.build import cache as cache_module
from smmgen.build import incremental, manifest_file, write
from smmgen.build import pipeline as build_module
from smmgen.build.cache import stamp
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.manifest import joined as joined_manifest
from smmgen.plan import ledger_times

ARTICLE = Path("content/2026/2026-11-24-budget-passes.md")


def run(site: Path, *args: str):
    return CliRunner().invoke(main, ["build", *args, "--site", str(site)], catch_exceptions=False)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def cold_copy(site: Path, where: Path) -> dict[str, bytes]:
    """The output of a from-scratch, cache-free build of ``site``'s current inputs, in another folder."""
    shutil.copytree(site, where, ignore=shutil.ignore_patterns("output", ".smmgen"))
    result = run(where, "--no-cache", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert not (where / ".smmgen" / "cache").exists()
    return tree_bytes(where / "output")


@pytest.fixture
def warm(sample_site: Path) -> Path:
    result = run(sample_site)
    assert result.exit_code == 0, result.output
    assert (sample_site / ".smmgen" / "cache" / "build.json").is_file()
    return sample_site


@pytest.fixture
def full_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Edits take the full build: these tests are about how it reuses the cache, and the edit path
    (``smmgen.build.edit``, tests/test_edit_path.py) now takes such edits of the sample site too."""
    monkeypatch.setattr("smmgen.build.edit.edit_build", lambda *args, **kwargs: None)


def test_a_no_op_build_is_skipped_and_changes_nothing(warm: Path) -> None:
    before = tree_bytes(warm / "output")
    outcome = incremental.build_site(load_site(warm), workers=1)
    assert outcome.skipped and outcome.changed == 0 and not outcome.errors
    assert tree_bytes(warm / "output") == before
    # The skipped build reports what the full one did.
    assert outcome.summary == incremental.summarize(build_module.build(load_site(warm), workers=1))


def test_an_edited_title_rebuilds_to_the_bytes_of_a_cold_build(warm: Path, tmp_path: Path) -> None:
    path = warm / ARTICLE
    path.write_text(path.read_text().replace("Parliament passes the 2027 budget",
                                             "Parliament finally passes the 2027 budget"))
    outcome = incremental.build_site(load_site(warm), workers=1)
    assert not outcome.skipped and outcome.changed > 0
    after = tree_bytes(warm / "output")
    assert "finally passes" in after["og/budget-passes.html"].decode()
    assert after == cold_copy(warm, tmp_path / "cold")


def test_an_edit_makes_again_only_what_shows_that_article(warm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smmgen.build import article_outputs
    from smmgen.preview import model

    entries, posts = [], []
    make_entry, make_post = article_outputs.manifest_entry, model.post_view
    monkeypatch.setattr(article_outputs, "manifest_entry",
                        lambda cut, *rest: entries.append(cut.id) or make_entry(cut, *rest))
    monkeypatch.setattr(model, "post_view",
                        lambda entry, *rest: posts.append(entry.id) or make_post(entry, *rest))
    path = warm / ARTICLE
    path.write_text(path.read_text().replace("Parliament passes the 2027 budget",
                                             "Parliament finally passes the 2027 budget"))
    shown = {p.name for p in (warm / "output" / "preview" / "articles").iterdir()}
    assert not incremental.build_site(load_site(warm), workers=1).errors
    # The article's own entries and posts; and the posts of the pages beside it, which link to it by title.
    slugs = {p.split("@")[0] for p in posts}
    assert "budget-passes" in slugs and len(slugs) <= 3 < len(shown)
    assert {e.split("@")[0] for e in entries} == slugs
    # The next build has nothing to make.
    entries.clear()
    assert incremental.build_site(load_site(warm), workers=1).skipped and not entries


def test_a_moved_article_date_replans_to_the_bytes_of_a_cold_build(warm: Path, tmp_path: Path) -> None:
    path = warm / ARTICLE
    path.write_text(path.read_text().replace("date: 2026-11-24T07:45:00+01:00", "date: 2026-11-23T22:10:00+01:00"))
    assert run(warm).exit_code == 0
    assert tree_bytes(warm / "output") == cold_copy(warm, tmp_path / "cold")


def test_a_replayed_plan_equals_planning_again(warm: Path) -> None:
    site = load_site(warm)
    cache = incremental.BuildCache.load(site)
    assert cache.plan is not None
    replayed = build_module.build(site, workers=1, cache=cache)
    fresh = build_module.build(site, workers=1)
    assert replayed.cuts == fresh.cuts and replayed.entries == fresh.entries
    assert [e.json for e in replayed.entries] == [e.json for e in fresh.entries]


def test_a_replaced_hero_redraws_its_cards(warm: Path, tmp_path: Path) -> None:
    from PIL import Image

    doc = joined_manifest(warm / "output" / "manifest.json")
    old = {m["path"] for e in doc["entries"] if e["article"]["slug"] == "budget-passes" for m in e["media"]}
    hero = warm / "content" / "images" / "parliament.jpg"
    with Image.open(hero) as im:
        im.convert("L").convert("RGB").save(hero, "JPEG", quality=80)     # same name, other pixels
    assert run(warm).exit_code == 0
    doc = joined_manifest(warm / "output" / "manifest.json")
    new = {m["path"] for e in doc["entries"] if e["article"]["slug"] == "budget-passes" for m in e["media"]}
    assert new and not (old & new)
    assert tree_bytes(warm / "output") == cold_copy(warm, tmp_path / "cold")


def test_an_article_that_stops_posting_to_instagram_redraws_to_the_bytes_of_a_cold_build(sample_site: Path,
                                                                                         tmp_path: Path) -> None:
    # A 2400x1600 hero: with Instagram among its article's cards, the og card is cut from the full decode, without
    # it from a half-size one. The og request itself does not change, so the cache must not hand back the old card.
    import random

    from PIL import Image

    noise = Image.frombytes("RGB", (300, 200), random.Random(6).randbytes(300 * 200 * 3))
    noise.resize((2400, 1600), Image.BICUBIC).save(sample_site / "content" / "images" / "parliament.jpg", "JPEG",
                                                   quality=85)
    assert run(sample_site).exit_code == 0
    path = sample_site / ARTICLE
    path.write_text(path.read_text().replace("social:\n", "social:\n  platforms: [x, bluesky, facebook]\n"))
    assert run(sample_site).exit_code == 0
    assert tree_bytes(sample_site / "output") == cold_copy(sample_site, tmp_path / "cold")


def test_removed_and_added_articles_match_a_cold_build(warm: Path, tmp_path: Path) -> None:
    (warm / ARTICLE).unlink()
    (warm / "content" / "2026" / "2026-11-27-new.md").write_text(
        '---\ntitle: "A new story 🚆 with a train"\ndate: 2026-11-27T08:00:00+01:00\ntags: [transport]\n---\n\n'
        "The first paragraph of the new story.\n", encoding="utf-8")
    assert run(warm).exit_code == 0
    out = tree_bytes(warm / "output")
    assert "og/budget-passes.html" not in out and "og/new.html" in out
    assert out == cold_copy(warm, tmp_path / "cold")
    # The write's own account of output/ (no second walk of it) is what a walk finds: the next build is a no-op.
    site = load_site(warm)
    assert not (warm / "output" / "cuts" / "budget-passes").exists()
    assert incremental.load_state(site, incremental.fingerprint(site)).outputs == \
        incremental.listing_digest(incremental.output_listing(site.output_dir))
    assert incremental.build_site(site, workers=1).skipped


def test_cached_articles_are_kept_without_their_bodies_once_cut(warm: Path) -> None:
    site = load_site(warm)
    from smmgen.build.cache import BuildCache

    records = BuildCache.load(site).articles
    assert records and all(r.article.body_text == "" for r in records.values() if r.cuts is not None)
    # and a build from those records still cuts what a build from the files cuts (the bytes: the tests above)
    assert {c.id for c in build_module.build(site, cache=BuildCache.load(site)).cuts} == \
        {c.id for c in build_module.build(site).cuts}


def test_a_broken_article_is_reported_after_a_warm_build_and_fixing_it_recovers(warm: Path,
                                                                                tmp_path: Path) -> None:
    path = warm / ARTICLE
    good = path.read_text()
    before = tree_bytes(warm / "output")
    path.write_text(good.replace("date: 2026-11-24T07:45:00+01:00", "date: tomorrow-ish"))
    result = run(warm)
    assert result.exit_code == 1
    assert "2026-11-24-budget-passes.md:3: date: not a date" in result.output
    assert tree_bytes(warm / "output") == before               # nothing written
    path.write_text(good)
    assert run(warm).exit_code == 0
    assert tree_bytes(warm / "output") == before


def test_a_broken_layout_is_reported_even_when_every_cut_is_cached(warm: Path) -> None:
    layouts = warm / "layouts"
    layouts.mkdir(exist_ok=True)
    (layouts / "mastodon.txt.j2").write_text("{{ article.title }\n")
    result = run(warm)
    assert result.exit_code == 1
    assert "template error" in result.output


def test_a_changed_output_file_is_written_again(warm: Path) -> None:
    snippet = warm / "output" / "og" / "budget-passes.html"
    good = snippet.read_bytes()
    snippet.write_bytes(b"tampered\n")
    outcome = incremental.build_site(load_site(warm), workers=1)
    assert not outcome.skipped and outcome.changed == 1
    assert snippet.read_bytes() == good
    stray = warm / "output" / "cuts" / "stray.txt"
    stray.write_text("not ours")
    assert run(warm).exit_code == 0
    assert not stray.exists()


def test_a_copied_site_does_not_reuse_the_originals_cache(warm: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(warm, copy)
    outcome = incremental.build_site(load_site(copy), workers=1)
    assert not outcome.skipped
    doc = joined_manifest(copy / "output" / "manifest.json")
    assert all(str(warm) not in json.dumps(e) for e in doc["entries"])


def test_the_manifest_from_memoized_entries_is_byte_identical(warm: Path) -> None:
    site = load_site(warm)
    cache = incremental.BuildCache.load(site)
    result = build_module.build(site, workers=1, cache=cache)
    out = warm / "output"
    expected = manifest_file.manifest_files(site, result.entries)
    assert {name: (out / name).read_bytes() for name in expected} == expected
    assert sorted(p.relative_to(out).as_posix() for p in (out / "manifest").iterdir()) == \
        sorted(name for name in expected if name != "manifest.json")
    assert manifest.dumps(manifest.load(out / "manifest.json")) == \
        manifest.dumps(manifest.document(site, [e.json for e in result.entries]))
    assert len(cache.entries) == len(result.entries)
    # Every article's output is keyed as it was written.
    unchanged = {o.article.source for o in result.outputs if cache.outputs[o.article.source] == o.key}
    assert unchanged == {a.source for a in result.articles}
    # A part whose articles are all unchanged is neither read nor written: a line planted in it (and recorded
    # as written) stays, and so does the index, which names the part's hash as recorded.
    first = result.entries[0]
    relative = manifest.part_path(manifest.period(first.article_date, site.timezone))
    path = out / relative
    line = manifest_file.entry_text(first.json)
    marked = line.replace(b'"id"', b'"ID"')
    path.write_bytes(expected[relative].replace(line, marked))
    cache.wrote(relative, path, hashlib.sha256(path.read_bytes()).hexdigest())
    assert manifest_file.write_manifest(site, result, cache, unchanged)[0] == 1      # the index names the new hash
    assert marked in path.read_bytes()
    # An article whose output changed has its entries made again, in its part only.
    others = {name: (out / name).stat().st_mtime_ns for name in expected if name not in (relative, "manifest.json")}
    changed, files = manifest_file.write_manifest(site, result, cache, unchanged - {first.source})
    assert changed == 2 and sorted(files) == sorted(expected)
    assert {name: (out / name).read_bytes() for name in expected} == expected
    assert {name: (out / name).stat().st_mtime_ns for name in others} == others
    # Without a cache every entry is encoded afresh.
    path.write_bytes(expected[relative].replace(line, marked))
    assert manifest_file.write_manifest(site, result)[0] == 1
    assert {name: (out / name).read_bytes() for name in expected} == expected


def test_fast_path_constants_agree_with_their_owners() -> None:
    assert incremental.SUBDIRS == build_module.OUTPUT_SUBDIRS
    assert incremental.LEDGER == ledger_times.DEFAULT_LEDGER


def test_a_build_with_nothing_to_do_imports_neither_jinja_nor_pillow(warm: Path) -> None:
    code = ("import sys; from smmgen.config.site import load_site; from smmgen.build.incremental import build_site; "
            f"o = build_site(load_site({str(warm)!r}), workers=1); "
            "print(o.skipped, 'jinja2' in sys.modules, 'PIL' in sys.modules, 'requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False", "False", "False"]


def test_preview_pages_are_left_alone_unless_their_inputs_or_files_changed(warm: Path) -> None:
    pages = warm / "output" / "preview" / "articles"
    edited, untouched = pages / "budget-passes.html", sorted(p for p in pages.iterdir() if p.name != "budget-passes.html")
    good = edited.read_bytes()
    mtimes = {p: p.stat().st_mtime_ns for p in untouched}
    edited.write_bytes(b"tampered\n")
    assert run(warm).exit_code == 0
    assert edited.read_bytes() == good
    assert {p: p.stat().st_mtime_ns for p in untouched} == mtimes


@pytest.mark.usefixtures("full_builds")
def test_index_rows_and_plan_parts_of_unchanged_articles_are_copied_not_rendered(warm: Path, tmp_path: Path) -> None:
    cache_dir = warm / ".smmgen" / "cache"
    (blob,) = cache_dir.glob("fragments-*.bin")
    data = blob.read_bytes()
    assert data.count(b'<tr class="row"') >= 10 and b'<table class="week">' in data
    # Plant a same-length change in the stored parts: a build that copies them shows it.
    blob.write_bytes(data.replace(b'<tr class="row"', b'<tr class="ROW"'))
    path = warm / ARTICLE
    path.write_text(path.read_text().replace("Parliament passes the 2027 budget",
                                             "Parliament finally passes the 2027 budget"))
    assert run(warm).exit_code == 0
    index = (warm / "output" / "preview" / "index.html").read_text()
    assert 'class="ROW"' in index and "finally passes" in index
    # The edited article's row was rendered afresh, and the cache keeps one parts file.
    start = index.rindex("<tr ", 0, index.index("finally passes"))
    assert index.startswith('<tr class="row"', start)
    assert len(list(cache_dir.glob("fragments-*.bin"))) == 1


@pytest.mark.usefixtures("full_builds")
def test_an_edit_rewrites_only_the_shard_of_article_records_it_touched(warm: Path) -> None:
    shards = sorted((warm / ".smmgen" / "cache").glob("articles-*.json"))
    assert len(shards) == cache_module.ARTICLE_SHARDS == 64
    before = {p.name: p.stat().st_mtime_ns for p in shards}
    path = warm / ARTICLE
    path.write_text(path.read_text().replace("Parliament passes the 2027 budget",
                                             "Parliament finally passes the 2027 budget"))
    assert run(warm).exit_code == 0
    after = {p.name: p.stat().st_mtime_ns for p in sorted((warm / ".smmgen" / "cache").glob("articles-*.json"))}
    assert len([name for name in after if after[name] != before[name]]) == 1
    # What the shards hold is what the next build reuses: nothing is parsed or cut again.
    cache = incremental.BuildCache.load(load_site(warm))
    assert len(cache.articles) == len(list((warm / "content").rglob("*.md")))
    assert all(record.cuts is not None for record in cache.articles.values() if not record.article.draft)


def test_measuring_x_posts_does_not_run_twitter_texts_package_init() -> None:
    # The package's __init__ compiles its emoji patterns and imports pkg_resources (0.2 s per build); the URL
    # patterns are all a cut needs. A later plain import must still give the whole package.
    code = ("import sys; from smmgen.text.measure import x_weighted_length, mastodon_length; "
            "from smmgen.text.richtext import detect_facets; "
            "t = 'Read https://example.com/a-story and www.example.org now'; "
            "n = x_weighted_length(t); m = mastodon_length(t); f = detect_facets(t); "
            "print(n, m, 'pkg_resources' in sys.modules, 'twitter_text.parse_tweet' in sys.modules); "
            "import twitter_text; print(twitter_text.parse_tweet(t).weightedLength)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[2:4] == ["False", "False"]
    assert out[0] == out[4]             # our count agrees with the package's own


def test_a_preview_template_failing_midway_reports_its_own_error(sample_site: Path) -> None:
    # New files are being written by the writer thread when the template fails: the template's error is reported.
    from smmgen.build.cache import BuildCache
    from smmgen.errors import SmmgenError

    page = sample_site / "layouts" / "preview" / "article.html.j2"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text('{% extends "preview/base.html.j2" %}{% block main %}{{ article.title }}'
                    '{% if article.slug == "budget-passes" %}{{ article.nothing.deeper }}{% endif %}{% endblock %}',
                    encoding="utf-8")
    site = load_site(sample_site)
    cache = BuildCache.load(site)
    result = build_module.build(site, workers=1, cache=cache)
    with pytest.raises(SmmgenError, match="preview template error"):
        write.write_output(result, cache=cache)
    page.unlink()
    assert run(sample_site).exit_code == 0


def test_a_card_request_read_from_the_cache_finds_its_card(tmp_path):
    # A request keeps its hash once made; pickled with it, a request from another process (another string
    # hash seed) would sit under the wrong hash and never be found in the cache's cards.
    from smmgen.cards import CardRequest

    fields = dict(target="og", layout="default", title="Budget vote", site_name="Courier", kicker="Politics",
                  date_text="5 January 2026", lang="en", hero=None, focus=None, alt="", source="content/a.md",
                  line=None)
    made = tmp_path / "request.pickle"
    script = ("import pickle, sys; from smmgen.cards import CardRequest; r = CardRequest(**eval(sys.argv[1])); "
              "hash(r); open(sys.argv[2], 'wb').write(pickle.dumps({(r, None): 'card'}))")
    subprocess.run([sys.executable, "-c", script, repr(fields), str(made)], check=True,
                   env={**os.environ, "PYTHONHASHSEED": "1"})
    cards = pickle.loads(made.read_bytes())
    assert cards.get((CardRequest(**fields), None)) == "card"


def test_a_restored_cache_and_card_folder_draw_no_card_again(warm: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # What the action restores on a new runner: the build cache and output/cards of an earlier build, in a fresh
    # checkout (every file new: other times and inodes, no other output).
    from smmgen.cards import batch

    kept = tmp_path / "kept"
    shutil.copytree(warm / ".smmgen" / "cache", kept / "cache")
    shutil.copytree(warm / "output" / "cards", kept / "cards")
    checkout = tmp_path / "checkout"
    shutil.copytree(warm, checkout, ignore=shutil.ignore_patterns("output", ".smmgen"))
    shutil.rmtree(warm)
    shutil.copytree(checkout, warm)
    shutil.copytree(kept / "cache", warm / ".smmgen" / "cache")
    shutil.copytree(kept / "cards", warm / "output" / "cards")
    drawn, groups, cut = [], [], []
    draw, group, cut_article = batch.render, batch._run_group, build_module.cut_article
    monkeypatch.setattr(batch, "render", lambda layout, req, hero: drawn.append(req) or draw(layout, req, hero))
    monkeypatch.setattr(batch, "_run_group", lambda jobs, out: groups.append(jobs) or group(jobs, out))
    monkeypatch.setattr(build_module, "cut_article", lambda a, *rest: cut.append(a.source) or cut_article(a, *rest))
    from smmgen.cards import hero

    decoded = []
    load = hero.load
    monkeypatch.setattr(hero, "load", lambda path, *rest: decoded.append(path) or load(path, *rest))
    assert CliRunner().invoke(main, ["check", "--site", str(warm)], catch_exceptions=False).exit_code == 0
    outcome = incremental.build_site(load_site(warm), workers=1)
    assert not outcome.errors and not outcome.skipped
    # Heroes are known by their bytes: every article record and card is found as it is, none made again.
    assert drawn == [] and groups == [] and cut == [] and decoded == []
    assert tree_bytes(warm / "output") == cold_copy(warm, tmp_path / "cold")


def test_check_after_a_build_reports_what_a_check_without_cache_does_and_writes_nothing(warm: Path,
                                                                                      tmp_path: Path) -> None:
    # ``check`` reads the build cache (unchanged articles are not cut again, heroes drawn on are not decoded
    # again) and never saves it: what it reports must not depend on it.
    def check(site: Path):
        return CliRunner().invoke(main, ["check", "--site", str(site)], catch_exceptions=False)

    clean = check(warm)
    assert clean.exit_code == 0 and "all within their limits" in clean.output
    (warm / ARTICLE).write_text((warm / ARTICLE).read_text().replace("title:", "title: [unclosed", 1))
    hero = warm / "content" / "images" / "stadium.jpg"
    hero.write_bytes(hero.read_bytes()[:2000])           # a truncated JPEG: drawn on before, broken now
    kept = tree_bytes(warm / ".smmgen")
    output = tree_bytes(warm / "output")
    warm_check = check(warm)
    shutil.copytree(warm, tmp_path / "fresh", ignore=shutil.ignore_patterns("output", ".smmgen"))
    fresh_check = check(tmp_path / "fresh")
    assert warm_check.exit_code == fresh_check.exit_code == 1
    assert warm_check.output == fresh_check.output
    assert "image: stadium.jpg is truncated or corrupt" in warm_check.output
    assert f"{ARTICLE.as_posix()}:" in warm_check.output
    assert tree_bytes(warm / "output") == output
    assert {k: v for k, v in tree_bytes(warm / ".smmgen").items() if not k.startswith("cache/templates/")} == \
        {k: v for k, v in kept.items() if not k.startswith("cache/templates/")}


def test_check_after_a_build_cuts_and_decodes_nothing_again(warm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from smmgen.cards import hero

    cut, decode = [], []
    real_cut, real_load = build_module.cut_article, hero.load
    monkeypatch.setattr(build_module, "cut_article", lambda a, *rest: cut.append(a.source) or real_cut(a, *rest))
    monkeypatch.setattr(hero, "load", lambda path, *rest: decode.append(path) or real_load(path, *rest))
    result = CliRunner().invoke(main, ["check", "--site", str(warm)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert cut == [] and decode == []
    (warm / ARTICLE).write_text((warm / ARTICLE).read_text().replace("Parliament passes", "Parliament passed"))
    assert CliRunner().invoke(main, ["check", "--site", str(warm)], catch_exceptions=False).exit_code == 0
    assert cut == [ARTICLE.as_posix()] and decode == []


def test_a_cold_build_reads_no_hero_only_to_know_it(sample_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The card workers read each hero they draw on and say what they read: the build process itself reads none
    # (hashing every hero there would be seconds of serial time on a large site).
    from smmgen.build import cache as cache_module

    asked = []
    file_key = cache_module.BuildCache.file_key
    monkeypatch.setattr(cache_module.BuildCache, "file_key",
                        lambda self, path: asked.append(path) or file_key(self, path))
    assert not incremental.build_site(load_site(sample_site), workers=1).errors
    assert asked == []
    kept = cache_module.BuildCache.load(load_site(sample_site))
    hero = sample_site / "content" / "images" / "stadium.jpg"
    assert kept.heroes[str(hero)][1] == hashlib.sha256(hero.read_bytes()).hexdigest()
    assert all(dep[2] is not None for record in kept.articles.values() for dep in record.deps)


@pytest.mark.parametrize("hero", ["content/posts/trip/featured.jpg", "static/images/trip.jpg"])
def test_a_hero_that_appears_after_a_warm_build_is_used_as_in_a_cold_build(tmp_path: Path, hero: str) -> None:
    # On a generator's site a hero is looked for (a page bundle's featured image) or may be missing for now
    # (a warning): an image added later must reach the cards exactly as a cold build draws them.
    from PIL import Image

    site = tmp_path / "site"
    (site / "content" / "posts" / "trip").mkdir(parents=True)
    (site / "smmgen.toml").write_text('[site]\nname = "Trips"\nbase_url = "https://trips.example"\n'
                                      'generator = "hugo"\n[platforms.bluesky]\nhandle = "@trips.example"\n')
    front = "image: /images/trip.jpg\nimage_alt: A road\n" if hero.startswith("static") else ""
    (site / "content" / "posts" / "trip" / "index.md").write_text(
        f"---\ntitle: The trip\ndate: 2026-03-01\n{front}---\nWe went.\n")
    assert run(site).exit_code == 0
    (site / hero).parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (1200, 630), (30, 120, 200)).save(site / hero)
    result = run(site)
    assert result.exit_code == 0, result.output
    assert tree_bytes(site / "output") == cold_copy(site, tmp_path / "cold")


@pytest.mark.usefixtures("full_builds")
def test_a_held_cache_builds_edit_after_edit_to_the_bytes_of_a_cold_build(warm: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """``smmgen serve`` keeps the cache a build saved and hands it to the next build: no cache file is read
    again, and every edit still writes what a cold build writes."""
    from smmgen.build.cache import BuildCache

    outcome = incremental.build_site(load_site(warm), workers=1)     # nothing changed: the cache is read
    assert outcome.skipped and outcome.cache is None
    path = warm / ARTICLE
    path.write_text(path.read_text().replace("Parliament passes", "Parliament at last passes"))
    held = incremental.build_site(load_site(warm), workers=1).cache
    assert held is not None
    loads: list[Path] = []
    load = BuildCache.load.__func__
    monkeypatch.setattr(BuildCache, "load", classmethod(lambda cls, site, env=None: loads.append(site.root)
                                                        or load(cls, site, env)))
    for n, title in enumerate(("Parliament finally passes", "Parliament passes, in the end,")):
        path.write_text(path.read_text().replace("Parliament at last passes" if n == 0 else
                                                 "Parliament finally passes", title))
        outcome = incremental.build_site(load_site(warm), workers=1, held=held)
        assert not outcome.errors and outcome.changed > 0 and outcome.cache is held and not loads
        assert tree_bytes(warm / "output") == cold_copy(warm, tmp_path / f"cold-{n}")
    # Nothing changed: skipped, and the cache is still held.
    assert incremental.build_site(load_site(warm), workers=1, held=held).cache is held and not loads
    # Another process saved the cache meanwhile: the held one is stale and read again.
    path.write_text(path.read_text().replace("in the end,", "at the end,"))
    assert run(warm).exit_code == 0
    path.write_text(path.read_text().replace("at the end,", "in the end,"))
    loads.clear()
    outcome = incremental.build_site(load_site(warm), workers=1, held=held)
    assert outcome.cache is not held and loads == [warm]
    assert tree_bytes(warm / "output") == cold_copy(warm, tmp_path / "cold-last")


def test_the_no_op_state_holds_a_digest_of_output_not_its_listing(warm: Path) -> None:
    """A build with nothing to do reads state.json: a hash of output/'s listing, not the listing, whose size
    grows with the archive (megabytes at 10,000 articles); a file changed in output/ still makes a build."""
    state = (warm / ".smmgen" / "cache" / "state.json").read_text()
    assert "og/budget-passes.html" not in state and "manifest.json" not in state
    assert incremental.build_site(load_site(warm), workers=1).skipped
    page = warm / "output" / "og" / "budget-passes.html"
    page.write_bytes(page.read_bytes() + b" ")
    outcome = incremental.build_site(load_site(warm), workers=1)
    assert not outcome.skipped and not outcome.errors
    assert not page.read_bytes().endswith(b" ")


@pytest.mark.usefixtures("full_builds")
def test_a_held_cache_that_a_failed_write_changed_is_read_again(warm: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that stopped half-way (here: the write fails) changed the held cache without saving it: the next
    build reads the cache files again instead of trusting what memory holds."""
    from smmgen.build import pipeline
    from smmgen.build.cache import BuildCache

    path = warm / ARTICLE
    path.write_text(path.read_text().replace("Parliament passes", "Parliament at last passes"))
    held = incremental.build_site(load_site(warm), workers=1).cache
    assert held is not None
    path.write_text(path.read_text().replace("at last", "finally"))
    real_write = pipeline.write_output

    def broken(result, cache=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "write_output", broken)
    with pytest.raises(OSError):
        incremental.build_site(load_site(warm), workers=1, held=held)
    monkeypatch.setattr(pipeline, "write_output", real_write)
    loads: list[Path] = []
    load = BuildCache.load.__func__
    monkeypatch.setattr(BuildCache, "load", classmethod(lambda cls, site, env=None: loads.append(site.root)
                                                        or load(cls, site, env)))
    outcome = incremental.build_site(load_site(warm), workers=1, held=held)
    assert not outcome.errors and outcome.cache is not held and loads == [warm]
    assert tree_bytes(warm / "output") == cold_copy(warm, tmp_path / "cold")


def test_a_no_op_build_asked_to_hold_hands_back_the_cache_for_the_first_edit(warm: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """``smmgen serve`` starts with a build that usually has nothing to do: it still reads the cache then, so that
    the first edit after the start does not wait for it either."""
    from smmgen.build.cache import BuildCache

    outcome = incremental.build_site(load_site(warm), workers=1, hold=True)
    assert outcome.skipped and outcome.cache is not None
    loads: list[Path] = []
    load = BuildCache.load.__func__
    monkeypatch.setattr(BuildCache, "load", classmethod(lambda cls, site, env=None: loads.append(site.root)
                                                        or load(cls, site, env)))
    # Still nothing changed: skipped again with the same cache.
    assert incremental.build_site(load_site(warm), workers=1, held=outcome.cache, hold=True).cache is outcome.cache
    path = warm / ARTICLE
    path.write_text(path.read_text().replace("Parliament passes", "Parliament at last passes"))
    edited = incremental.build_site(load_site(warm), workers=1, held=outcome.cache, hold=True)
    assert not edited.errors and edited.cache is outcome.cache and not loads
    assert tree_bytes(warm / "output") == cold_copy(warm, tmp_path / "cold")


@pytest.mark.usefixtures("full_builds")
def test_an_edit_rewrites_only_the_cache_files_of_what_it_changed(warm: Path) -> None:
    """A save writes again only the sections (and buckets of the output index, and shards of article records) that
    changed: an edit to one article's title rewrites its shard, the index buckets of its files and the sections
    that follow every edit (manifest offsets, page keys), not the cards or the heroes."""
    cache_dir = warm / ".smmgen" / "cache"

    def stamps() -> dict[str, tuple[int, int, int]]:
        return {p.name: stamp(p) for p in cache_dir.glob("*.json")}

    before = stamps()
    path = warm / ARTICLE
    path.write_text(path.read_text().replace("Parliament passes", "Parliament at last passes"))
    assert not incremental.build_site(load_site(warm), workers=1).errors
    after = stamps()
    written = {name for name in after if after[name] != before.get(name)}
    assert {"build.json", "build-entries.json"} <= written
    assert "build-heroes.json" not in written
    assert [name for name in written if name.startswith("articles-")] == \
        [f"articles-{cache_module._shard(ARTICLE.as_posix()):02d}.json"]
    buckets = [name for name in after if name.startswith("index-")]
    assert 0 < len([name for name in written if name.startswith("index-")]) < len(buckets)
    # And nothing at all when nothing changed but the cache is read and saved again.
    site = load_site(warm)
    cache = cache_module.BuildCache.load(site)
    cache.save(cache_module.load_state(site, cache.env))
    again = stamps()
    assert {name for name in again if again[name] != after[name]} == {"build.json", "state.json"}




def test_the_digest_of_output_is_that_of_its_listing_walked_in_one_pass(tmp_path: Path) -> None:
    out = tmp_path / "output"
    (out / "cuts" / "a" / "deeper").mkdir(parents=True)
    (out / "cards").mkdir()
    (out / "cuts" / "a" / "x.txt").write_text("x")
    (out / "cuts" / "a" / "deeper" / "y.txt").write_text("yy")
    (out / "cards" / "c.png").write_bytes(b"\x89PNG")
    (out / "manifest.json").write_text("{}")
    (out / "stray.txt").write_text("not a build folder's")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "inner").mkdir(parents=True)
    (elsewhere / "inner" / "z.txt").write_text("z")
    (out / "cuts" / "linked").symlink_to(elsewhere, target_is_directory=True)    # not followed by either
    (out / "cards" / "to-a-file.png").symlink_to(out / "cards" / "c.png")        # a file, by its target's stat
    (out / "cards" / "dangling.png").symlink_to(tmp_path / "gone.png")           # passed over by both
    listed = incremental.output_listing(out)
    assert "cards/to-a-file.png" in listed and "cuts/a/deeper/y.txt" in listed and "manifest.json" in listed
    assert incremental.output_digest(out) == incremental.listing_digest(listed)
    (out / "cuts" / "a" / "x.txt").write_text("changed")
    assert incremental.output_digest(out) == incremental.listing_digest(incremental.output_listing(out))
    (out / "manifest.json").unlink()
    assert incremental.output_digest(out) == incremental.listing_digest(incremental.output_listing(out))


def test_the_listing_digest_moves_with_any_one_file_and_with_files_that_trade_places() -> None:
    base = {"cards/a.png": (1000, 1_700_000_000_000_000_000), "cards/b.png": (2000, 1_700_000_000_000_000_007),
            "cuts/x/x.txt": (10, 1_700_000_000_000_000_011)}
    digest = incremental.listing_digest(base)
    variants = [
        {**base, "cards/a.png": (1000, 1_700_000_000_000_000_001)},               # one nanosecond later
        {**base, "cards/a.png": (1001, 1_700_000_000_000_000_000)},               # a byte more
        {**base, "cards/c.png": (1, 1)},                                          # a file more
        {k: v for k, v in base.items() if k != "cuts/x/x.txt"},                   # a file less
        {**base, "cards/a.png": base["cards/b.png"], "cards/b.png": base["cards/a.png"]},   # traded places
        {"cards/a.pnG" if k == "cards/a.png" else k: v for k, v in base.items()},             # renamed
    ]
    digests = [incremental.listing_digest(v) for v in variants]
    assert digest not in digests and len(set(digests)) == len(digests)
    assert len(digest) == 64 and int(digest, 16) >= 0
