from __future__ import annotations

import pytest

from smmgen.config.site import load_site
from smmgen.errors import ConfigError, ErrorList


def errors_of(make_site, text: str) -> list[str]:
    make_site.config(text)
    with pytest.raises((ConfigError, ErrorList)) as info:
        load_site(make_site.root)
    return info.value.message.splitlines()


def test_valid_config_loads_with_defaults(make_site):
    site = load_site(make_site.root)
    assert site.name == "Test Desk"
    assert site.permalink == "/{year}/{month}/{slug}/"
    assert site.timezone.key == "Europe/Berlin"
    assert [p.name for p in site.platforms] == ["mastodon"]
    assert site.platform("mastodon").handle == "@desk@social.example"


def test_wrong_type_names_key_line_and_value(make_site):
    assert errors_of(make_site, """\
        [site]
        name = "Desk"
        base_url = "https://news.example"

        [platforms.mastodon]
        enabled = "yes"
        """) == ['smmgen.toml:6: platforms.mastodon.enabled: expected true/false, got "yes"']


def test_unknown_key_is_an_error(make_site):
    assert errors_of(make_site, """\
        [site]
        name = "Desk"
        base_url = "https://news.example"
        tmezone = "UTC"
        """) == ["smmgen.toml:4: site.tmezone: unknown key (known keys: base_url, cards_base_url, content_dir, "
                 "default_image, default_image_alt, excerpt_separator, exclude, expire_with_page, extra_front_matter, generator, "
                 "hashtag_sources, include, language, languages, layouts_dir, lowercase_urls, markdown_extensions, "
                 "media_base_url, name, output_dir, permalink, permalinks, source_dir, strict, timezone)"]


def test_unknown_platform_is_an_error(make_site):
    assert errors_of(make_site, """\
        [site]
        name = "Desk"
        base_url = "https://news.example"
        [platforms.myspace]
        handle = "x"
        """) == ["smmgen.toml:4: platforms.myspace: unknown name"]


def test_every_problem_is_reported_together(make_site):
    lines = errors_of(make_site, """\
        [site]
        base_url = "ftp://news.example"
        timezone = "Mars/Olympus"
        permalink = "/{year}/{title}/"
        """)
    assert lines == [
        "smmgen.toml:1: site.name: required but missing",
        'smmgen.toml:2: site.base_url: expected an http(s):// URL, got "ftp://news.example"',
        'smmgen.toml:3: site.timezone: unknown IANA timezone "Mars/Olympus" (e.g. "Europe/Berlin", "UTC")',
        'smmgen.toml:4: site.permalink: must start with "/" and contain {slug}, got "/{year}/{title}/"',
    ]


def test_missing_site_table(make_site):
    assert errors_of(make_site, "[utm]\nenabled = false\n") == ["smmgen.toml: site: required but missing"]


def test_broken_toml(make_site):
    lines = errors_of(make_site, '[site]\nname = "Desk\n')
    assert len(lines) == 1 and lines[0].startswith("smmgen.toml:2: site.name: not valid TOML: ")


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_site(tmp_path)
    assert info.value.message == f"smmgen.toml: not found in {tmp_path} (run smmgen in the site's folder)"


def test_non_utf8_config(make_site):
    (make_site.root / "smmgen.toml").write_bytes(b'[site]\nname = "Caf\xe9"\n')
    with pytest.raises(ConfigError) as info:
        load_site(make_site.root)
    assert info.value.message == "smmgen.toml:2: not UTF-8 text (byte 18); save the file as UTF-8"


def test_platform_option_range(make_site):
    assert errors_of(make_site, """\
        [site]
        name = "Desk"
        base_url = "https://news.example"
        [platforms.mastodon]
        max_characters = 0
        """) == ["smmgen.toml:5: platforms.mastodon.max_characters: must be at least 1, got 0"]


def test_disabled_platform_is_left_out(make_site):
    make_site.config("""\
        [site]
        name = "Desk"
        base_url = "https://news.example"
        [platforms.mastodon]
        enabled = false
        """)
    assert load_site(make_site.root).platforms == ()


def test_generator_placeholders_need_the_generator_and_are_checked_against_it(make_site):
    assert errors_of(make_site, """\
        [site]
        name = "Desk"
        base_url = "https://news.example"
        permalink = "/:year/:slug/"
        """) == ['smmgen.toml:4: site.permalink: must start with "/" and contain {slug}, got "/:year/:slug/"']
    assert errors_of(make_site, """\
        [site]
        name = "Desk"
        base_url = "https://news.example"
        generator = "hugo"
        [site.permalinks]
        posts = "/:year/:categories/:slug/"
        """) == ["smmgen.toml:6: site.permalinks.posts: unknown placeholder :categories for hugo (known: year, month, "
                 "monthname, day, weekday, weekdayname, yearday, slug, title, filename, contentbasename, "
                 "slugorfilename, slugorcontentbasename, section, sections), got \"/:year/:categories/:slug/\""]


def test_generator_rules_without_a_generator_are_an_error_not_ignored(make_site):
    assert errors_of(make_site, """\
        [site]
        name = "Desk"
        base_url = "https://news.example"
        [site.permalinks]
        posts = "/{year}/{slug}/"
        [site.languages.ja]
        prefix = "/ja"
        """) == ['smmgen.toml:5: site.permalinks.posts: needs `generator = "hugo"` or "jekyll" (whose rules these are)',
                 'smmgen.toml:7: site.languages.ja.prefix: needs `generator = "hugo"` or "jekyll" (whose rules these are)']
