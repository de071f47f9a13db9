from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from conftest import MINIMAL_CONFIG
from support.loading import load_articles

from smmgen.config.site import load_site
from smmgen.content import reading
from smmgen.content.reading import load_article
from smmgen.errors import SmmgenError


def load_one(make_site, text, name="a.md"):
    path = make_site.article(name, text)
    return load_article(path, load_site(make_site.root))


def error_lines(make_site, text, name="a.md") -> list[str]:
    with pytest.raises(SmmgenError) as info:
        load_one(make_site, text, name)
    return info.value.message.splitlines()


def test_yaml_article_loads(make_site):
    a = load_one(make_site, """
        ---
        title: "Budget *passes* &amp; more"
        date: 2026-11-24 07:45:00
        tags: [politics, "public finances"]
        ---
        First **paragraph** with [a link](https://x.example).

        Second.
        """)
    assert a.title == "Budget passes & more"
    assert a.date == dt.datetime(2026, 11, 24, 6, 45, tzinfo=dt.timezone.utc)
    assert a.date.tzinfo is not None
    assert a.summary == "First paragraph with a link."
    assert a.body_text == "First paragraph with a link.\n\nSecond."
    assert a.slug == "a"
    assert a.url == "https://news.example/2026/11/a/"
    assert a.tags == ("politics", "public finances")


def test_toml_article_with_hugo_aliases(make_site):
    (make_site.root / "content" / "pic.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    a = load_one(make_site, """
        +++
        title = "Hugo style"
        date = 2026-11-20T10:00:00Z
        description = "From *description*."
        images = ["pic.jpg"]
        image_alt = "A picture"
        author = "Someone"
        +++
        Body.
        """, name="2026-11-20-hugo-style.md")
    assert a.summary == "From description."
    assert a.image == (make_site.root / "content" / "pic.jpg").resolve()
    assert a.slug == "hugo-style"


def test_bad_date_names_file_line_and_field(make_site):
    assert error_lines(make_site, """
        ---
        title: Budget
        date: 2026-11-24
        social:
          publish_at: tomorrow-ish
        ---
        Body
        """, name="2026/budget.md") == [
        'content/2026/budget.md:5: social.publish_at: not a date: "tomorrow-ish" '
        "(write e.g. 2026-11-20T09:30:00+01:00)"]


def test_missing_title_and_wrong_types_reported_together(make_site):
    assert error_lines(make_site, """
        ---
        date: 2026-11-24
        draft: "no"
        tags: [[nested]]
        ---
        """) == [
        "content/a.md:1: title: required but missing",
        'content/a.md:3: draft: expected true/false, got "no"',
        "content/a.md:4: tags: item 1: expected a string, got a list",
    ]


UNKNOWN_KEYS = """
    ---
    title: T
    date: 2026-11-24
    author: Someone
    sumary: typo
    hero: big.jpg
    ---
    """


def test_a_sites_front_matter_schema_is_made_once_for_all_its_articles(make_site, monkeypatch):
    paths = [make_site.article(f"a{i}.md", f"---\ntitle: T{i}\ndate: 2026-11-24\n---\nBody {i}.\n") for i in range(5)]
    made = []
    real = reading.front_matter_schema
    monkeypatch.setattr(reading, "front_matter_schema", lambda site: made.append(site) or real(site))
    site = load_site(make_site.root)
    assert [load_article(p, site).title for p in paths] == [f"T{i}" for i in range(5)]
    assert len(made) == 1
    strict = dataclasses.replace(site, content_rules=dataclasses.replace(site.content_rules, strict=True))
    load_article(paths[0], strict)          # another site (here a stricter one): its own schema
    assert made == [site, strict]


def test_unknown_keys_are_ignored_and_recorded(make_site):
    a = load_one(make_site, UNKNOWN_KEYS)
    assert a.title == "T"
    assert a.ignored_keys == ("hero", "sumary")         # author is a generator key: known, not listed


def test_strict_site_makes_unknown_keys_errors_but_not_generator_keys(make_site):
    make_site.config(MINIMAL_CONFIG.replace('timezone = "Europe/Berlin"\n',
                                            'timezone = "Europe/Berlin"\nstrict = true\n'))
    lines = error_lines(make_site, UNKNOWN_KEYS)
    assert [line.split(": unknown key")[0] for line in lines] == ["content/a.md:5: sumary", "content/a.md:6: hero"]


def test_unknown_social_platform_override(make_site):
    lines = error_lines(make_site, """
        ---
        title: T
        date: 2026-11-24
        social:
          myspace:
            text: hi
        ---
        """)
    assert lines[0].startswith("content/a.md:5: social.myspace: unknown key")


def test_broken_yaml(make_site):
    assert error_lines(make_site, '---\ntitle: "unclosed\ndate: 2026-11-24\n---\nBody\n') == [
        "content/a.md:2: front matter is not valid YAML: found unexpected end of stream while scanning a quoted scalar"]


def test_no_front_matter(make_site):
    assert error_lines(make_site, "# Just markdown\n") == [
        "content/a.md:1: no front matter: start the file with a '---' (YAML) or '+++' (TOML) block holding "
        "at least title and date"]


def test_unclosed_front_matter(make_site):
    assert error_lines(make_site, "---\ntitle: T\ndate: 2026-11-24\n") == [
        "content/a.md:1: front matter is not closed: add the closing '---' line"]


def test_empty_file(make_site):
    assert error_lines(make_site, "") == [
        "content/a.md: the file is empty; an article needs front matter with a title and a date"]


def test_non_utf8(make_site):
    assert error_lines(make_site, b"---\ntitle: Caf\xe9\n---\n") == [
        "content/a.md:2: not UTF-8 text (byte 0xe9 at offset 14); save the file as UTF-8"]


def test_huge_file_is_refused_without_reading_it(make_site):
    path = make_site.article("big.md", "")
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    with pytest.raises(SmmgenError) as info:
        load_article(path, load_site(make_site.root))
    assert info.value.message == ("content/big.md: file is 50.0 MB; articles over 2 MB are refused "
                                  "(is it really Markdown?)")


def test_front_matter_that_is_not_a_mapping(make_site):
    assert error_lines(make_site, "---\n- a\n- b\n---\n") == [
        "content/a.md:1: front matter must be a mapping of keys to values (got list)"]


def test_image_requires_alt_and_must_exist_inside_site(make_site):
    (make_site.root / "content" / "pic.png").write_bytes(b"png")
    assert error_lines(make_site, "---\ntitle: T\ndate: 2026-11-24\nimage: pic.png\n---\n") == [
        "content/a.md:4: image_alt: required when an image is set: describe the picture for people who "
        "cannot see it"]
    assert error_lines(make_site, "---\ntitle: T\ndate: 2026-11-24\nimage: ../../etc/passwd\n"
                                  "image_alt: x\n---\n") == [
        'content/a.md:4: image: "../../etc/passwd" points outside the site folder; keep images inside content/']
    assert error_lines(make_site, "---\ntitle: T\ndate: 2026-11-24\nimage: gone.jpg\nimage_alt: x\n---\n") == [
        'content/a.md:4: image: "gone.jpg" not found (looked in content, content)']


def test_expiry_rules(make_site):
    assert error_lines(make_site, """
        ---
        title: T
        date: 2026-11-24T10:00:00Z
        social:
          publish_at: 2026-11-25T10:00:00Z
          expire_at: 2026-11-25T09:00:00Z
        ---
        """) == ["content/a.md:6: social.expire_at: 2026-11-25T09:00:00+00:00 is not after publish_at "
                 "2026-11-25T10:00:00+00:00"]
    assert error_lines(make_site, """
        ---
        title: T
        date: 2026-11-24T10:00:00Z
        social:
          expire_at: 2026-11-25T09:00:00Z
          expire_after: 48h
        ---
        """)[0] == "content/a.md:6: social.expire_after: set either expire_at or expire_after, not both"


def test_bad_duration(make_site):
    assert error_lines(make_site, "---\ntitle: T\ndate: 2026-11-24\nsocial:\n  expire_after: soon\n---\n") == [
        'content/a.md:5: social.expire_after: not a duration: "soon" (write e.g. "48h", "7d", "30m")']


def test_one_bad_article_does_not_hide_the_others(make_site):
    make_site.article("good.md", "---\ntitle: Good\ndate: 2026-11-24\n---\nBody\n")
    make_site.article("bad1.md", "---\ntitle: Bad\n---\n")
    make_site.article("bad2.md", "---\ndate: 2026-11-24\n---\n")
    articles, errors = load_articles(load_site(make_site.root))
    assert [a.slug for a in articles] == ["good"]
    assert [e.message for e in errors] == [
        "content/bad1.md:1: date: required but missing (or start the file name with YYYY-MM-DD-, as Jekyll's posts do)",
        "content/bad2.md:1: title: required but missing"]


def test_two_articles_at_one_url_are_an_error_naming_both(make_site):
    make_site.article("a.md", "---\ntitle: A\ndate: 2026-11-24\nslug: same\n---\n")
    make_site.article("b.md", "---\ntitle: B\ndate: 2026-11-24\nslug: same\n---\n")
    _, errors = load_articles(load_site(make_site.root))
    assert [e.message for e in errors] == [
        "content/b.md:4: slug: https://news.example/2026/11/same/ is also the URL of content/a.md; set a distinct "
        "`slug:` (or `url:`)"]


def test_one_slug_at_two_urls_is_two_articles_with_distinct_keys(make_site):
    # The same slug in two years (different URLs) and a translation: no conflict; the earliest article in the
    # site's language keeps the plain slug (its ledger entries keep matching), the others are told apart.
    make_site.article("2025/hello.md", "---\ntitle: Hello\ndate: 2025-11-24\n---\n")
    make_site.article("2026/hello.md", "---\ntitle: Hello again\ndate: 2026-11-24\n---\n")
    make_site.article("ja/hello.md", "---\ntitle: Konnichiwa\ndate: 2026-10-01\nlang: ja\nslug: hello\n"
                      "url: https://news.example/ja/hello/\n---\n")
    articles, errors = load_articles(load_site(make_site.root))
    assert not errors
    assert {a.source: a.key for a in articles} == {"content/2025/hello.md": "hello",
                                                   "content/2026/hello.md": "hello.2026-11",
                                                   "content/ja/hello.md": "hello.ja"}
    assert {a.slug for a in articles} == {"hello"}


def test_nonexistent_spring_forward_time_moves_forward(make_site):
    a = load_one(make_site, "---\ntitle: T\ndate: 2026-03-29 02:30:00\n---\n")
    # 02:30 does not exist in Berlin on that day; it becomes 03:30 CEST = 01:30 UTC.
    assert a.date.astimezone(dt.timezone.utc) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone.utc)


def hugo_site(make_site) -> None:
    make_site.config("""\
        [site]
        name = "Desk"
        base_url = "https://news.example"
        generator = "hugo"
        """)


def test_a_missing_hero_on_a_generator_site_is_a_warning_and_the_text_card(make_site):
    # Themes find images in ways smmgen cannot follow (assets pipelines, theme folders); the site builds, so
    # the article does too, with the text card and a warning. On smmgen's own site it stays an error.
    hugo_site(make_site)
    a = load_one(make_site, "---\ntitle: T\ndate: 2026-11-24\nimage: /images/gone.jpg\n---\n", "posts/a.md")
    assert a.image is None
    assert a.warnings == ('image: "/images/gone.jpg" not found (looked in content, static, ., assets); the card '
                          "is the text card",)
    assert a.url == "https://news.example/posts/a/"


def test_a_hero_outside_the_site_stays_an_error_on_a_generator_site(make_site):
    hugo_site(make_site)
    assert error_lines(make_site, "---\ntitle: T\ndate: 2026-11-24\nimage: ../../../etc/x.jpg\n---\n") == [
        'content/a.md:4: image: "../../../etc/x.jpg" points outside the site folder; keep images inside content/']


def test_ids_with_a_qualifier_are_valid_manifest_and_ledger_ids():
    from smmgen.publish.manifest_reader import ID

    for good in ("hello@x", "hello.ja@x", "hello.2026-02@bluesky", "a-b.pt-br@x"):
        assert ID.fullmatch(good), good
    for bad in ("hello.@x", ".ja@x", "hello.ja.x@x", "Hello@x", "hello/ja@x"):
        assert not ID.fullmatch(bad), bad


@pytest.mark.parametrize("front", [
    "image:\n  path: /img/hero.png\n  alt: A bridge\n",                     # jekyll-seo-tag
    "cover:\n  image: /img/hero.png\n  alt: A bridge\n  caption: Dawn\n",   # Hugo PaperMod
    "featured_image: /img/hero.png\nimage_alt: A bridge\n",
])
def test_heroes_named_the_ways_themes_name_them(make_site, front):
    hugo_site(make_site)
    from PIL import Image

    (make_site.root / "static" / "img").mkdir(parents=True)
    Image.new("RGB", (40, 20)).save(make_site.root / "static" / "img" / "hero.png")
    a = load_one(make_site, f"---\ntitle: T\ndate: 2026-11-24\n{front}---\n", "posts/a.md")
    assert a.image == make_site.root.resolve() / "static" / "img" / "hero.png"
    assert a.image_alt == "A bridge" and a.warnings == ()


def test_a_cover_without_an_image_is_no_hero(make_site):
    hugo_site(make_site)
    a = load_one(make_site, "---\ntitle: T\ndate: 2026-11-24\ncover:\n  hidden: true\n---\n", "posts/a.md")
    assert a.image is None and a.warnings == ()
