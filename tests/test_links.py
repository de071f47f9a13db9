from __future__ import annotations

import datetime as dt

from smmgen.config import load_site
from smmgen.links import canonical_url, with_utm


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
