"""Which files are articles, as Hugo and Jekyll decide it, and front matter as real sites write it.

A Hugo-shaped and a Jekyll-shaped site are written into a temp folder; the tests assert the exact articles found,
the skipped files with their reasons as ``build`` and ``check`` print them, dates, leads and hashtags.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MINIMAL_CONFIG
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smmgen.build.pipeline import build
from smmgen.cli.main import main
from smmgen.config.site import load_site
from smmgen.content.discovery import discover
from smmgen.content.reading import load_article, read_articles
from smmgen.errors import SmmgenError
from smmgen.manifest import joined as joined_manifest

BERLIN = dt.timezone(dt.timedelta(hours=1))


def run(site: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--site", str(site)], catch_exceptions=False)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


HUGO = {
    "content/_index.md": """
        ---
        title: 2025
        ---
        The home page's list.
        """,
    "content/posts/_index.md": """
        +++
        title = "Posts"
        +++
        """,
    "content/posts/first.md": """
        ---
        title: 2025
        date: 2026-11-20T10:00:00+01:00
        slug: My-Post
        tags: [budget]
        categories: [Politics]
        summary: From the *summary*.
        hero: big.jpg
        toc_sticky: true
        ---
        The first paragraph.
        """,
    "content/posts/second.markdown": """
        ---
        title: Second
        date: 2026-11-21
        hero: other.jpg
        PublishDate: 2026-11-21
        ---
        Before the divider.

        Still the lead.
        <!--more-->
        After it.
        """,
    "content/posts/third.mdown": """
        ---
        title: A draft
        date: 2026-11-22
        draft: true
        ---
        Not yet.
        """,
    "content/posts/bundle/index.md": """
        ---
        headless: true
        ---
        Resources only.
        """,
    "content/posts/bundle/item.md": """
        ---
        title: One of the headless bundle's resources
        ---
        """,
    "content/posts/leaf/index.md": """
        ---
        title: A leaf bundle
        date: 2026-11-25
        ---
        The bundle's page.
        """,
    "content/posts/leaf/sidebar.md": "A resource of the leaf bundle, with no front matter.\n",
    "content/posts/hidden.md": """
        +++
        title = "Hidden"
        [build]
        render = "never"
        +++
        """,
    "content/posts/unlisted.md": """
        ---
        title: Unlisted
        _build: {list: never}
        ---
        """,
    "content/posts/scheduled.mkd": """
        ---
        title: Scheduled
        date: 2026-11-23T08:00:00+01:00
        publishDate: 2030-01-01T09:00:00+01:00
        ---
        Comes later.
        """,
    "content/posts/expiring.md": """
        ---
        title: Expiring
        date: 2026-11-24T08:00:00+01:00
        expirydate: 2026-12-24T08:00:00+01:00
        ---
        Gone by Christmas.
        """,
    "content/posts/README.md": "# Notes for editors, no front matter\n",
    "content/.github/ISSUE_TEMPLATE/bug.md": "---\nname: Bug\n---\nA hidden folder is no content.\n",
    "content/posts/notes.txt": "not Markdown",
    "content/posts/talk.adoc": "---\ntitle: In AsciiDoc\ndate: 2026-11-20\n---\n== A talk\n",
    "content/posts/embed.html": "<p>Served as it is: no front matter.</p>\n",
}

HUGO_CONFIG = MINIMAL_CONFIG.replace('timezone = "Europe/Berlin"\n',
                                     'timezone = "Europe/Berlin"\nexclude = ["README.md"]\n')


@pytest.fixture
def hugo(make_site):
    make_site.config(HUGO_CONFIG)
    write(make_site.root, HUGO)
    return make_site.root


def test_hugo_site_articles_are_exactly_its_pages(hugo):
    loaded = read_articles(load_site(hugo))
    assert not loaded.errors, [e.message for e in loaded.errors]
    assert sorted(a.source for a in loaded.articles) == [
        "content/posts/expiring.md", "content/posts/first.md", "content/posts/leaf/index.md",
        "content/posts/scheduled.mkd", "content/posts/second.markdown", "content/posts/third.mdown"]
    assert [a.source for a in loaded.articles if a.draft] == ["content/posts/third.mdown"]
    assert loaded.skipped == (
        ("content/_index.md", "section pages"), ("content/posts/README.md", "excluded"),
        ("content/posts/_index.md", "section pages"), ("content/posts/bundle/index.md", "headless pages"),
        ("content/posts/bundle/item.md", "bundle resources"), ("content/posts/hidden.md", "unrendered pages"),
        ("content/posts/leaf/sidebar.md", "bundle resources"), ("content/posts/talk.adoc", "pages not in Markdown"),
        ("content/posts/unlisted.md", "unrendered pages"))


def test_hugo_front_matter_as_written(hugo):
    articles = {a.source: a for a in read_articles(load_site(hugo)).articles}
    first = articles["content/posts/first.md"]
    assert first.title == "2025"                      # a number to YAML, the text to Hugo
    assert first.slug == "my-post"                    # Hugo lowercases the slug in the URL
    assert first.url == "https://news.example/2026/11/my-post/"
    assert first.summary == "From the summary."
    assert first.tags == ("budget",)                  # [site] hashtag_sources defaults to tags only
    assert first.ignored_keys == ("hero", "toc_sticky")
    second = articles["content/posts/second.markdown"]
    assert second.summary == "Before the divider. Still the lead."
    assert second.publish_date is None                # PublishDate (any case) no later than date: no wait
    assert second.date == dt.datetime(2026, 11, 21, tzinfo=BERLIN)


def test_publish_date_holds_posts_and_expiry_date_ends_them(hugo):
    result = build(load_site(hugo), render_images=False)
    assert not result.errors, [e.message for e in result.errors]
    cuts = {c.source: c for c in result.cuts}
    scheduled = cuts["content/posts/scheduled.mkd"]
    assert scheduled.publish_at == dt.datetime(2030, 1, 1, 8, tzinfo=dt.UTC)
    assert scheduled.timing.field == "publishDate" and not scheduled.timing.explicit
    assert cuts["content/posts/first.md"].expire_at is None
    assert cuts["content/posts/expiring.md"].expire_at == dt.datetime(2026, 12, 24, 7, tzinfo=dt.UTC)


def test_expire_with_page_false_keeps_posts(hugo):
    (hugo / "smmgen.toml").write_text(HUGO_CONFIG.replace("exclude =", "expire_with_page = false\nexclude ="))
    result = build(load_site(hugo), render_images=False)
    assert {c.source: c.expire_at for c in result.cuts}["content/posts/expiring.md"] is None


def test_explicit_post_time_before_publish_date_is_an_error(make_site):
    path = make_site.article("early.md", """
        ---
        title: Early
        date: 2026-11-23
        publishDate: 2030-01-01
        social:
          publish_at: 2029-12-31T09:00:00Z
        ---
        """)
    with pytest.raises(SmmgenError) as info:
        load_article(path, load_site(make_site.root))
    assert info.value.message.startswith("content/early.md:6: social.publish_at: 2029-12-31T09:00:00+00:00 is "
                                         "before publishDate 2030-01-01T00:00:00+01:00")


SKIPPED = ("2 section pages, 1 draft, 1 headless page, 2 unrendered pages, 2 bundle resources, 1 excluded, "
           "1 page not in Markdown")


def test_build_and_check_print_what_was_skipped_and_why(hugo):
    built = run(hugo, "build")
    assert built.exit_code == 0, built.output
    assert f"  articles  5 (skipped {SKIPPED})" in built.output.splitlines()
    manifest = joined_manifest(hugo / "output" / "manifest.json")
    assert sorted({e["id"].split("@")[0] for e in manifest["entries"]}) == [
        "expiring", "leaf", "my-post", "scheduled", "second"]
    again = run(hugo, "build")                        # nothing changed: the same report from the cache
    assert f"  articles  5 (skipped {SKIPPED})" in again.output.splitlines()
    checked = run(hugo, "check")
    assert checked.exit_code == 0, checked.output
    assert f"smmgen: skipped {SKIPPED}" in checked.output.splitlines()
    assert "ignored" not in checked.output


def test_check_verbose_lists_ignored_keys_once_with_counts(hugo):
    (hugo / "content" / "posts" / "fourth.md").write_text(
        "---\ntitle: Fourth\ndate: 2026-11-25\nhero: x.jpg\nsumary: a typo\n---\nBody.\n")
    checked = run(hugo, "check", "--verbose")
    assert checked.exit_code == 0, checked.output
    lines = checked.output.splitlines()
    start = lines.index("smmgen: 3 front-matter key(s) ignored (smmgen does not use them; [site] strict = true "
                        "makes them errors):")
    # Each skipped file once, with its reason, after the counts.
    assert lines[lines.index(f"smmgen: skipped {SKIPPED}") + 1:][:3] == [
        "  content/_index.md: section pages", "  content/posts/README.md: excluded",
        "  content/posts/_index.md: section pages"]
    assert "  content/posts/third.mdown: drafts" in lines
    # PublishDate is Hugo's spelling of publishDate: read, so not listed.
    assert lines[start + 1:start + 4] == [
        "  hero        3 articles",
        "  sumary      1 article (did you mean summary?)",
        "  toc_sticky  1 article",
    ]


def test_strict_site_refuses_the_unknown_keys(hugo):
    (hugo / "smmgen.toml").write_text(HUGO_CONFIG.replace("exclude =", "strict = true\nexclude ="))
    checked = run(hugo, "check")
    assert checked.exit_code != 0
    assert "content/posts/first.md:8: hero: unknown key" in checked.output
    assert "content/posts/second.markdown:4: hero: unknown key" in checked.output


JEKYLL = {
    "blog/_posts/2014-05-06-some-title.markdown": """
        ---
        layout: post
        title: Some title
        category: news
        tags: [rail]
        excerpt: The *excerpt* written out.
        ---
        The body.
        """,
    "blog/_posts/2015-01-02-unpublished.md": """
        ---
        title: Not out
        published: false
        ---
        """,
    "blog/_posts/2016-03-04-third.mkd": """
        ---
        title: Third
        date: 2016-03-05 10:00:00 +0000
        categories: city council
        ---
        Lead paragraph.

        [[end]]

        More.
        """,
    "blog/_drafts/unfinished.md": """
        ---
        title: Unfinished
        ---
        No date: Jekyll dates drafts when they are built.
        """,
}

JEKYLL_CONFIG = MINIMAL_CONFIG.replace('timezone = "Europe/Berlin"\n', '''timezone = "Europe/Berlin"
content_dir = "blog"
hashtag_sources = ["tags", "category", "categories"]
excerpt_separator = "[[end]]"
''')


@pytest.fixture
def jekyll(make_site):
    make_site.config(JEKYLL_CONFIG)
    write(make_site.root, JEKYLL)
    return make_site.root


def test_a_section_cascade_skips_the_pages_below_it(hugo):
    write(hugo, {
        "content/notes/_index.md": """
            ---
            title: Notes
            cascade:
              _build: {render: never, list: never}
            ---
            """,
        "content/notes/one.md": "---\ntitle: One\n---\nNo date: never an article.\n",
        "content/notes/deep/two.md": "---\ntitle: Two\n---\n",
        "content/wip/_index.md": "+++\ntitle = 'WIP'\n[[cascade]]\ndraft = true\n+++\n",
        "content/wip/three.md": "---\ntitle: Three\n---\n",
        "content/some/_index.md": "---\ntitle: Some\ncascade: [{_target: {path: /some/x}, headless: true}]\n---\n",
        "content/some/four.md": "---\ntitle: Four\ndate: 2026-11-26\n---\n",
    })
    loaded = read_articles(load_site(hugo))
    assert not loaded.errors, [e.message for e in loaded.errors]
    skipped = dict(loaded.skipped)
    assert skipped["content/notes/one.md"] == skipped["content/notes/deep/two.md"] == "unrendered pages"
    assert skipped["content/wip/three.md"] == "drafts"
    assert "content/some/four.md" in {a.source for a in loaded.articles}      # a targeted cascade: left alone


def test_jekyll_site_posts_dates_leads_and_hashtags(jekyll):
    loaded = read_articles(load_site(jekyll))
    assert not loaded.errors, [e.message for e in loaded.errors]
    articles = {a.source: a for a in loaded.articles}
    assert sorted(articles) == ["blog/_posts/2014-05-06-some-title.markdown",
                                "blog/_posts/2015-01-02-unpublished.md", "blog/_posts/2016-03-04-third.mkd"]
    assert loaded.skipped == (("blog/_drafts/unfinished.md", "drafts"),)
    first = articles["blog/_posts/2014-05-06-some-title.markdown"]
    # The date from the file name, at midnight in the site's time zone (CEST in May).
    assert first.date == dt.datetime(2014, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert first.slug == "some-title"
    assert first.summary == "The excerpt written out."
    assert first.tags == ("rail", "news")
    assert articles["blog/_posts/2015-01-02-unpublished.md"].draft
    third = articles["blog/_posts/2016-03-04-third.mkd"]
    assert third.date == dt.datetime(2016, 3, 5, 10, tzinfo=dt.UTC)   # date: wins over the file name
    assert third.summary == "Lead paragraph."
    assert third.tags == ("city", "council")          # Jekyll's categories: a list separated by spaces


def test_jekyll_check_and_build_count_drafts(jekyll):
    checked = run(jekyll, "check")
    assert checked.exit_code == 0, checked.output
    assert "smmgen: 2 articles, 2 cuts: all within their limits" in checked.output
    assert "smmgen: skipped 2 drafts" in checked.output.splitlines()
    built = run(jekyll, "build")
    assert "  articles  2 (skipped 2 drafts)" in built.output.splitlines()


@pytest.mark.parametrize("generator, tags", [
    ("jekyll", ("rail", "news", "city", "council")),     # Jekyll splits a string on spaces: two of each
    ("hugo", ("rail news", "city council")),             # Hugo reads a string as one
])
def test_a_string_of_tags_is_split_as_the_generator_splits_it(make_site, generator, tags):
    make_site.config(MINIMAL_CONFIG.replace('timezone = "Europe/Berlin"\n', f'''timezone = "Europe/Berlin"
generator = "{generator}"
hashtag_sources = ["tags", "categories"]
'''))
    path = make_site.article("posts/a.md", "---\ntitle: A\ndate: 2026-01-10\ntags: rail news\n"
                                            "categories: city council\n---\nText.\n")
    assert load_article(path, load_site(make_site.root)).tags == tags


def test_urls_take_the_slug_as_written_and_the_date_from_publish_date_or_the_file_name(make_site):
    def site_with(generator: str, extra: str = ""):
        make_site.config(MINIMAL_CONFIG.replace('timezone = "Europe/Berlin"\n', f'''timezone = "Europe/Berlin"
generator = "{generator}"
{extra}
[site.permalinks]
posts = "/:year/:month/:day/:slug/"
'''))
        return load_site(make_site.root)

    hugo = site_with("hugo", "lowercase_urls = false")
    upper = load_article(make_site.article("posts/a.md", "---\ntitle: A\nslug: My-Post\npublishDate: 2026-03-04\n"
                                                          "---\nText.\n"), hugo)
    assert (upper.url, upper.slug, upper.key) == ("https://news.example/2026/03/04/My-Post/", "my-post", "my-post")
    jekyll = site_with("jekyll")
    dated = load_article(make_site.article("_posts/2026-05-06-hello.md", "---\ntitle: Hello\n---\nText.\n"), jekyll)
    assert dated.url == "https://news.example/2026/05/06/hello/"


def test_hashtag_sources_default_to_tags_only(jekyll):
    (jekyll / "smmgen.toml").write_text(JEKYLL_CONFIG.replace('hashtag_sources = ["tags", "category", '
                                                              '"categories"]\n', ""))
    articles = {a.slug: a for a in read_articles(load_site(jekyll)).articles}
    assert articles["some-title"].tags == ("rail",)
    assert articles["third"].tags == ()


def test_a_file_name_that_is_no_date_is_an_error(make_site):
    make_site.article("_posts/2014-13-45-typo.md", "---\ntitle: T\n---\n")
    errors = read_articles(load_site(make_site.root)).errors
    assert [e.message for e in errors] == [
        "content/_posts/2014-13-45-typo.md:1: date: the file name starts with 2014-13-45, which is no date; set "
        "`date:` or rename the file"]


def test_title_written_as_a_date_is_its_text(make_site):
    path = make_site.article("a.md", "---\ntitle: 2025-01-01\ndate: 2026-11-24\n---\n")
    assert load_article(path, load_site(make_site.root)).title == "2025-01-01"


def test_include_and_markdown_extensions_choose_the_files(make_site):
    text = MINIMAL_CONFIG.replace('timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\n'
                                  'markdown_extensions = ["md", ".Markdown"]\ninclude = ["posts/**"]\n')
    make_site.config(text)
    for name in ("posts/a.md", "posts/deep/b.markdown", "posts/c.mkd", "pages/d.md"):
        make_site.article(name, "---\ntitle: T\ndate: 2026-11-24\n---\n")
    site = load_site(make_site.root)
    found = discover(site.content_dir, site.content_rules)
    assert [p.relative_to(site.content_dir).as_posix() for p in found.paths] == ["posts/a.md",
                                                                              "posts/deep/b.markdown"]
    assert [(p.relative_to(site.content_dir).as_posix(), r) for p, r in found.skipped] == [("pages/d.md",
                                                                                          "excluded")]


@pytest.mark.parametrize(("line", "message"), [
    ('hashtag_sources = ["tags", "labels"]',
     'smmgen.toml:5: site.hashtag_sources: item 2: expected one of tags, categories, category, keywords, series, '
     'got "labels"'),
    ('markdown_extensions = ["md", "mark down"]',
     'smmgen.toml:5: site.markdown_extensions: item 2: expected a file extension such as "md" or "markdown", got '
     '"mark down"'),
    ('markdown_extensions = []',
     "smmgen.toml:5: site.markdown_extensions: name at least one extension (e.g. \"md\")"),
    ('exclude = ["../secrets/*"]',
     'smmgen.toml:5: site.exclude: item 1: a pattern relative to content_dir, e.g. "drafts/**" or "**/README.md", '
     'got "../secrets/*"'),
    ("strict = 1", "smmgen.toml:5: site.strict: expected true/false, got 1"),
])
def test_site_keys_are_validated(make_site, line, message):
    make_site.config(MINIMAL_CONFIG.replace('timezone = "Europe/Berlin"\n', f'timezone = "Europe/Berlin"\n{line}\n'))
    with pytest.raises(SmmgenError) as info:
        load_site(make_site.root)
    assert info.value.message == message


def test_a_cached_build_sees_edits_to_every_kind_of_article_file(hugo):
    assert run(hugo, "build").exit_code == 0
    second = hugo / "content" / "posts" / "second.markdown"
    second.write_text(second.read_text().replace("title: Second", "title: Second, edited"))
    edited = run(hugo, "build")
    assert not re.search(r"(?<!\d)0 file\(s\) changed", edited.output), edited.output
    cut = (hugo / "output" / "cuts" / "second" / "mastodon.txt").read_text(encoding="utf-8")
    assert "Second, edited" in cut
    leaf = hugo / "content" / "posts" / "leaf" / "index.md"
    leaf.write_text(leaf.read_text().replace("date: 2026-11-25", "date: 2026-11-25\nheadless: true"))
    rebuilt = run(hugo, "build")
    assert f"  articles  4 (skipped {SKIPPED.replace('1 headless page', '2 headless pages')})" \
        in rebuilt.output.splitlines()


def test_extra_front_matter_keys_are_known_and_never_hide_a_key_smmgen_reads(make_site):
    make_site.config(MINIMAL_CONFIG.replace('timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\n'
                                            'extra_front_matter = ["publishDate", "title", "hero"]\n'))
    path = make_site.article("a.md", "---\ntitle: 2025\ndate: 2026-11-24\npublishDate: 2030-01-01\nhero: x\n---\n")
    article = load_article(path, load_site(make_site.root))
    assert article.title == "2025"
    assert article.publish_date == dt.datetime(2030, 1, 1, tzinfo=BERLIN)
    assert article.ignored_keys == ()                 # listed: known, not reported as ignored


_NAMES = st.sampled_from(["index", "_index", "post", "2014-05-06-post", "README", "notes"])
_SUFFIXES = st.sampled_from([".md", ".markdown", ".mdown", ".mkd", ".MD", ".adoc", ".jpg", ".txt"])
_FOLDERS = st.lists(st.sampled_from(["posts", "_drafts", "bundle", "deep", "_posts"]), max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.tuples(_FOLDERS, _NAMES, _SUFFIXES), min_size=1, max_size=12),
       exclude=st.sampled_from([(), ("README.md",), ("deep/**",)]))
def test_every_page_file_is_found_or_skipped_once(tmp_path_factory, files, exclude):
    """Never silently: each Markdown (or other markup) file is an article or skipped with a reason, exactly once."""
    from smmgen.config.site import ContentRules

    content = tmp_path_factory.mktemp("site") / "content"
    expected = set()
    for folders, name, suffix in files:
        path = content.joinpath(*folders, name + suffix)
        if path.parent.exists() and not path.parent.is_dir():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\ntitle: T\n---\n")
        if suffix.lower() in {".md", ".markdown", ".mdown", ".mkd", ".adoc"}:
            expected.add(path)
    found = discover(content, ContentRules(exclude=exclude))
    skipped = [p for p, _ in found.skipped]
    assert sorted(found.paths + skipped) == sorted(expected)
    assert len(set(found.paths + skipped)) == len(found.paths) + len(skipped)
    inner = ["/".join(p.relative_to(content).parts) for p in found.paths]
    assert inner == sorted(inner)
    assert not any(p.name.startswith("_index.") for p in found.paths)
    assert not any("_drafts" in p.relative_to(content).parts for p in found.paths)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.tuples(_FOLDERS, _NAMES, _SUFFIXES), min_size=1, max_size=12),
       exclude=st.sampled_from([(), ("README.md",), ("deep/**",)]), cascade=st.booleans())
@example(files=[(["posts"], "_index", ".md"), (["posts", "deep"], "post", ".md"), (["bundle"], "index", ".md"),
                (["bundle"], "post", ".md"), (["posts"], "post", ".md")], exclude=(), cascade=True)
def test_a_file_alone_comes_and_goes_without_changing_what_any_other_file_is(tmp_path_factory, files, exclude,
                                                                           cascade):
    """``alone``: such a file is an article, and without it every other file is found or skipped as before (the
    edit path adds and removes drafts' files on that word)."""
    from smmgen.config.site import ContentRules
    from smmgen.content.discovery import alone

    rules = ContentRules(exclude=exclude)
    root = tmp_path_factory.mktemp("site")
    content = root / "content"
    written = []
    for folders, name, suffix in files:
        path = content.joinpath(*folders, name + suffix)
        if path.parent.exists() and not path.parent.is_dir() or path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        cascaded = "cascade:\n  draft: true\n" if cascade and name == "_index" else ""
        path.write_text(f"---\ntitle: T\n{cascaded}---\n")
        written.append(path)
    whole = discover(content, rules, root)
    for path in written:
        if not alone(content, path, rules, root):
            continue
        assert path in whole.paths
        data = path.read_bytes()
        path.unlink()
        try:
            without = discover(content, rules, root)
            assert alone(content, path, rules, root)     # the same answer once it is gone (a file removed)
        finally:
            path.write_bytes(data)
        assert without.paths == [p for p in whole.paths if p != path]
        assert without.skipped == whole.skipped
