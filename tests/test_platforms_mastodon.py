"""Mastodon: the server's limit in graphemes, URLs as characters_reserved_per_url, mentions as @user."""

from __future__ import annotations

from cut_helpers import LONG_BODY, article_text, render, write_article, write_site

from smmgen.text import measure


def test_the_servers_limit_and_url_length_are_used(tmp_path):
    site = write_site(tmp_path / "s", {"mastodon": "max_characters = 200\ncharacters_reserved_per_url = 40"},
                      only=("mastodon",))
    article = write_article(site, article_text(summary="Word " * 100, body=LONG_BODY))
    cut = render(site, article, "mastodon")
    assert cut.limit == 200 and cut.unit == "mastodon" and not cut.errors
    assert cut.lengths == (measure.mastodon_length(cut.text, url_length=40),)
    assert 190 <= cut.lengths[0] <= 200
    assert cut.link in cut.text


def test_a_mention_counts_only_its_username(tmp_path):
    # A mention from the article's text is one only when the site maps it ([mentions]: smmgen.content.mentions).
    site = write_site(tmp_path / "s", only=("mastodon",),
                      extra='[mentions.reporter]\nmastodon = "@reporter@a-very-long-instance-name.example.com"\n')
    summary = "Thanks to @reporter@a-very-long-instance-name.example.com for the tip."
    article = write_article(site, article_text(title="T", summary=summary, tags=()))
    cut = render(site, article, "mastodon")
    assert cut.lengths[0] == len("T\n\nThanks to @reporter for the tip.\n\n") + 23


def test_extra_carries_visibility_and_language(tmp_path):
    site = write_site(tmp_path / "s", {"mastodon": 'visibility = "unlisted"'}, only=("mastodon",))
    article = write_article(site, article_text(summary="S.", more="lang: de"))
    cut = render(site, article, "mastodon")
    assert dict(cut.extra) == {"visibility": "unlisted", "language": "de"}
    assert [(m.target, m.role) for m in cut.media] == [("og", "scraped")]


def test_hashtags_are_camel_case_and_appended_while_they_fit(tmp_path):
    site = write_site(tmp_path / "s", only=("mastodon",))
    tags = ("public finances", "Harbour City", "2026")
    article = write_article(site, article_text(summary="S.", tags=tags))
    cut = render(site, article, "mastodon")
    assert cut.text.endswith("#PublicFinances #HarbourCity")
    assert cut.tags == ("PublicFinances", "HarbourCity")


def test_a_thread_respects_a_small_server_limit(tmp_path):
    site = write_site(tmp_path / "s", {"mastodon": "max_characters = 150"}, only=("mastodon",))
    article = write_article(site, article_text(summary="Short.", body=LONG_BODY,
                                               social="mastodon:\n  thread: true"))
    cut = render(site, article, "mastodon")
    assert len(cut.parts) > 3 and all(length <= 150 for length in cut.lengths) and not cut.errors
