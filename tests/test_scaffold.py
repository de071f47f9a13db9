"""``smmgen new``: slugs from any title, a --slug that stays a slug, and never a file replaced."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.init.scaffold import SLUG, new_article, slugify

REPO = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.UTC)


def new(site: Path, *args: str):
    return CliRunner().invoke(main, ["new", *args, "--site", str(site)])


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.mark.parametrize("slug", ["../../x", "../x", "a/b", "/tmp/x", "Budget", "a--b", "-a", "a-", "a b",
                                  "bücher", "a\nb", ".", ""])
def test_a_slug_that_is_no_slug_is_refused_and_nothing_is_written(make_site, slug):
    before = files_under(make_site.root.parent)
    result = new(make_site.root, "Storm warning", "--slug", slug)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "--slug:" in result.output and "is not a slug: use lowercase letters, digits and single hyphens" \
        in result.output
    assert files_under(make_site.root.parent) == before


def test_the_sample_russian_slug_is_how_its_words_are_transliterated():
    article = (REPO / "content" / "2026" / "2026-11-20-naberezhnaya.md").read_text(encoding="utf-8")
    assert "slug: naberezhnaya-rekonstrukciya" in article
    assert slugify("Набережная: реконструкция") == "naberezhnaya-rekonstrukciya"
    assert slugify("Городской совет утвердил план реконструкции набережной") \
        == "gorodskoy-sovet-utverdil-plan-rekonstrukcii-naberezhnoy"


@pytest.mark.parametrize("title, slug", [
    ("Ferry strike strands travellers in Πειραιάς", "ferry-strike-strands-travellers-in-peiraias"),
    ("Ґранти для Львова та Євпаторії", "granti-dlya-lvova-ta-yevpatoriyi"),
    ("Ёлка, щука и объявление", "yolka-shchuka-i-obyavlenie"),
    ("Straße über Øresund, Łódź", "strasse-uber-oresund-lodz"),
    ("Bundesländer einigen sich auf neues Schulfinanzierungsgesetz",
     "bundeslander-einigen-sich-auf-neues-schulfinanzierungsgesetz"),
    # Cut to 60 characters at a word boundary, not inside a word.
    ("Parliament passes the 2027 budget after an all-night session in the capital",
     "parliament-passes-the-2027-budget-after-an-all-night-session"),
    ("Parliament passes the 2027 budget after an overnight marathon session",
     "parliament-passes-the-2027-budget-after-an-overnight"),
    ("新しい高速鉄道路線が来春開業へ 🚄", ""),
])
def test_titles_in_other_scripts_become_latin_slugs(title, slug):
    assert slugify(title) == slug


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_a_slug_from_any_title_is_a_valid_slug_or_nothing(title):
    slug = slugify(title)
    assert slug == "" or (SLUG.fullmatch(slug) and len(slug) <= 60)


def test_a_russian_title_gets_its_transliterated_slug(make_site):
    result = new(make_site.root, "Городской совет утвердил план реконструкции набережной", "--lang", "ru")
    assert result.exit_code == 0, result.output
    created = make_site.root / result.output.split()[-1]
    assert created.name.endswith("-gorodskoy-sovet-utverdil-plan-rekonstrukcii-naberezhnoy.md")
    assert "slug: gorodskoy-sovet-utverdil-plan-rekonstrukcii-naberezhnoy\n" in created.read_text()
    assert CliRunner().invoke(main, ["check", "--site", str(make_site.root)]).exit_code == 0


def test_titles_without_a_latin_spelling_made_in_the_same_minute_get_distinct_slugs(make_site):
    site = load_site(make_site.root)
    first = new_article(site, "新しい高速鉄道路線が来春開業へ", now=NOW)
    second = new_article(site, "台風が接近", now=NOW)
    assert (first.name, second.name) == ("2026-12-06-article.md", "2026-12-06-article-2.md")
    assert "slug: article-2\n" in second.read_text()


def test_a_slug_another_article_has_is_refused(make_site):
    make_site.article("2025/2025-01-02-storm-warning.md", "---\ntitle: Old\ndate: 2025-01-02\n---\nx\n")
    make_site.article("2025/older.md", "---\ntitle: Older\ndate: 2025-01-01\nslug: tram-vote\n---\nx\n")
    site = load_site(make_site.root)
    for title, taken_by in (("Storm warning", "2025-01-02-storm-warning.md"), ("Tram vote", "older.md")):
        before = files_under(make_site.root)
        result = new(make_site.root, title)
        assert result.exit_code == 1
        assert f"is taken by content/2025/{taken_by}; choose another --slug" in result.output
        assert files_under(make_site.root) == before
    assert new_article(site, "Storm warning", slug="storm-warning-2", now=NOW).exists()


def test_an_existing_article_is_never_replaced(make_site):
    site = load_site(make_site.root)
    path = new_article(site, "Storm warning", now=NOW)
    path.write_text("edited by hand\n")
    with pytest.raises(Exception, match="already exists; choose another --slug"):
        new_article(site, "Storm warning", now=NOW)
    assert path.read_text() == "edited by hand\n"
