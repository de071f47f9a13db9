from __future__ import annotations

import datetime as dt

import pytest
from cut_helpers import article_text, render, write_article, write_site

from smmgen.config.site import load_site
from smmgen.content.links import canonical_url, with_utm
from smmgen.platforms.post_links import untagged_link


def site_with(make_site, utm: str = ""):
    make_site.config(f"""\
        [site]
        name = "Desk"
        base_url = "https://news.example/"
        permalink = "/{{section}}/{{year}}/{{month}}/{{day}}/{{slug}}/"
        {utm}
        """)
    return load_site(make_site.root)


def test_canonical_url_from_permalink(make_site):
    site = site_with(make_site)
    when = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.timezone.utc)
    assert canonical_url(site, slug="budget", date=when, section="Public Finance") == \
        "https://news.example/public-finance/2026/03/05/budget/"
    # No section: the empty path segment disappears instead of leaving "//".
    assert canonical_url(site, slug="budget", date=when) == "https://news.example/2026/03/05/budget/"


def test_default_utm_is_added_in_a_fixed_order(make_site):
    site = site_with(make_site)
    assert with_utm("https://news.example/a/", platform="bluesky", slug="a", site=site) == \
        "https://news.example/a/?utm_source=bluesky&utm_medium=social&utm_campaign=a"


def test_existing_query_and_fragment_are_kept(make_site):
    site = site_with(make_site)
    assert with_utm("https://news.example/a/?page=2#ratings", platform="x", slug="a", site=site) == \
        "https://news.example/a/?page=2&utm_source=x&utm_medium=social&utm_campaign=a#ratings"


def test_never_added_twice(make_site):
    site = site_with(make_site)
    once = with_utm("https://news.example/a/", platform="x", slug="a", site=site)
    assert with_utm(once, platform="x", slug="a", site=site) == once
    tagged = "https://news.example/a/?utm_source=newsletter"
    assert with_utm(tagged, platform="x", slug="a", site=site) == tagged


def test_foreign_urls_are_untouched(make_site):
    site = site_with(make_site)
    for url in ("https://other.example/a/", "https://news.example.evil.test/a/", "https://sub.news.example/a/"):
        assert with_utm(url, platform="x", slug="a", site=site) == url


def test_policy_is_configurable(make_site):
    site = site_with(make_site, """
        [utm]
        source = "sm-{platform}"
        medium = "organic"
        campaign = "desk"
        content = "{slug}"
        hosts = ["amp.news.example"]
        """)
    assert with_utm("https://amp.news.example/a/", platform="vk", slug="a", site=site) == \
        "https://amp.news.example/a/?utm_source=sm-vk&utm_medium=organic&utm_campaign=desk&utm_content=a"


def test_utm_can_be_switched_off(make_site):
    site = site_with(make_site, "[utm]\nenabled = false\n")
    assert with_utm("https://news.example/a/", platform="x", slug="a", site=site) == "https://news.example/a/"


def test_untagged_links_to_the_article_are_found():
    url = "https://news.example.com/2026/11/story/"
    tagged = url + "?utm_source=x&utm_medium=social"
    assert untagged_link(f"Read {url} now", url) == url
    assert untagged_link(url, url) == url and untagged_link(url[8:], url, with_scheme=False) == url[8:]
    assert untagged_link(f"mail:{url}", url) == url and untagged_link(f"x{url}", url) is None
    assert untagged_link(f"Read https://web.example/{url[8:]}", url) is None      # another site's path
    assert untagged_link("Read https://news.example.com/2026/11/story.", url) == "https://news.example.com/2026/11/story"
    assert untagged_link(f"Read {url}?ref=mail", url) == url + "?ref=mail"
    assert untagged_link("Read https://www.NEWS.example.com/2026/11/story/ now", url) is not None
    assert untagged_link(f"Read {tagged}", url) is None
    assert untagged_link(f'<a href="{tagged.replace("&", "&amp;")}">news.example.com/2026/11/story</a>', url) is None
    assert untagged_link("Read https://news.example.com/2026/11/story-two/", url) is None   # another article
    assert untagged_link("Read news.example.com/2026/11/story", url) is None
    assert untagged_link("Read news.example.com/2026/11/story", url, with_scheme=False) == \
        "news.example.com/2026/11/story"


def test_a_hand_written_text_with_the_bare_article_url_warns(tmp_path):
    site = write_site(tmp_path / "s", only=("x", "mastodon", "bluesky", "telegram", "linkedin"))
    social = ('x:\n  text: "New: https://news.example.com/2026/11/story/"\n'
              'mastodon:\n  text: "New: news.example.com/2026/11/story"')
    article = write_article(site, article_text(summary="S.", social=social))
    x = render(site, article, "x")
    assert x.warnings == (
        "links to the article without UTM parameters (https://news.example.com/2026/11/story/), so its visits go "
        f"uncounted; link to {x.link}",)
    assert "utm_source=x" in x.link
    mastodon = render(site, article, "mastodon")
    assert [w for w in mastodon.warnings if "UTM" in w] == [
        "links to the article without UTM parameters (news.example.com/2026/11/story), so its visits go "
        f"uncounted; link to {mastodon.link}"]
    for platform in ("bluesky", "telegram", "linkedin"):       # the layouts link with UTM parameters
        assert not [w for w in render(site, article, platform).warnings if "UTM" in w], platform


def test_a_layout_that_links_the_bare_article_url_warns(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    (site.root / "layouts").mkdir()
    (site.root / "layouts" / "x.txt.j2").write_text("{{ title }} {{ article.url }}")
    cut = render(site, write_article(site, article_text(summary="S.")), "x")
    assert [w for w in cut.warnings if "UTM" in w] == [
        f"links to the article without UTM parameters ({cut.link.split('?')[0]}), so its visits go uncounted; "
        f"link to {cut.link}"]


def test_no_utm_no_warning(tmp_path):
    site = write_site(tmp_path / "s", only=("x",), extra="\n[utm]\nenabled = false\n")
    social = 'x:\n  text: "New: https://news.example.com/2026/11/story/"'
    cut = render(site, write_article(site, article_text(summary="S.", social=social)), "x")
    assert cut.link == "https://news.example.com/2026/11/story/" and cut.warnings == ()


def generator_site(make_site, extra: str):
    make_site.config(f"""\
        [site]
        name = "Desk"
        base_url = "https://news.example/"
        timezone = "Pacific/Auckland"
        {extra}
        """)
    return load_site(make_site.root)


def url_of(make_site, site, name: str, front: str) -> str:
    from smmgen.content.reading import load_article

    return load_article(make_site.article(name, f"---\n{front}\n---\nText.\n"), site).url


def test_hugo_keeps_case_when_the_site_disables_lowercasing_and_takes_url_paths_as_written(make_site):
    site = generator_site(make_site, 'generator = "hugo"\nlowercase_urls = false\n'
                                     '[site.permalinks]\nposts = "/:section/:title/"')
    assert url_of(make_site, site, "posts/a.md", "title: Big News\ndate: 2026-01-01") == \
        "https://news.example/posts/Big-News/"
    assert url_of(make_site, site, "posts/b.md", "title: B\ndate: 2026-01-01\nurl: /about-us/") == \
        "https://news.example/about-us/"
    # A section without a rule: Hugo's own, the folders then the slug or the file's name.
    assert url_of(make_site, site, "docs/guide/Setup.md", "title: S\ndate: 2026-01-01") == \
        "https://news.example/docs/guide/Setup/"


@pytest.mark.parametrize("style, expected", [
    ("none", "https://news.example/opinion/budget.html"),
    ("date", "https://news.example/opinion/2026/01/02/budget.html"),
    ("ordinal", "https://news.example/opinion/2026/002/budget.html"),
    ("/:year/:i_month/:slug", "https://news.example/2026/1/budget"),
])
def test_jekyll_styles_with_categories_and_the_site_timezone(make_site, style, expected):
    # 2026-01-01 20:00 UTC is January 2nd in Auckland, where the site is.
    site = generator_site(make_site, f'generator = "jekyll"\ncontent_dir = "."\n[site.permalinks]\nposts = "{style}"')
    path = make_site.root / "_posts" / "2026-01-01-budget.md"
    path.parent.mkdir()
    path.write_text("---\ntitle: Budget\ndate: 2026-01-01T20:00:00Z\ncategories: Opinion\n---\nText.\n")
    from smmgen.content.reading import load_article

    assert load_article(path, site).url == expected
