"""Instagram: an image always, the caption's caps, the link as text or "link in bio"."""

from __future__ import annotations

from cut_helpers import LONG_BODY, article_text, render, write_article, write_site


def test_an_image_is_always_attached(tmp_path):
    site = write_site(tmp_path / "s", only=("instagram",))
    cut = render(site, write_article(site, article_text(summary="No hero image here.")), "instagram")
    assert [(m.target, m.role) for m in cut.media] == [("instagram", "attach")]
    assert cut.media[0].alt == "Council approves the new tram line"


def test_plain_link_mode_shows_the_readable_address(tmp_path):
    site = write_site(tmp_path / "s", only=("instagram",))
    cut = render(site, write_article(site, article_text(summary="S.", body=LONG_BODY)), "instagram")
    assert "news.example.com/2026/11/story" in cut.text and "utm_" not in cut.text
    assert "utm_source=instagram" in cut.link and cut.extra["link_mode"] == "plain"


def test_bio_link_mode_in_the_articles_language(tmp_path):
    config = 'link_mode = "bio"\nbio_text = { default = "Link in bio.", de = "Link in der Bio." }'
    site = write_site(tmp_path / "s", {"instagram": config}, only=("instagram",))
    cut = render(site, write_article(site, article_text(summary="S.", more="lang: de-AT")), "instagram")
    assert "Link in der Bio." in cut.text and "news.example.com" not in cut.text
    cut = render(site, write_article(site, article_text(summary="S.", more="lang: fr"), "b.md"), "instagram")
    assert "Link in bio." in cut.text


def test_at_most_30_hashtags(tmp_path):
    site = write_site(tmp_path / "s", only=("instagram",))
    tags = tuple(f"topic{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(40))
    cut = render(site, write_article(site, article_text(summary="S.", tags=tags)), "instagram")
    assert len(cut.tags) == 30 and not cut.errors


def test_an_override_with_too_many_hashtags_or_mentions_is_an_error(tmp_path):
    site = write_site(tmp_path / "s", only=("instagram",))
    tags = " ".join(f"#t{i}x" for i in range(31))
    mentions = " ".join(f"@user{i}" for i in range(21))
    article = write_article(site, article_text(social=f'instagram:\n  text: "{tags} {mentions}"'))
    cut = render(site, article, "instagram")
    assert cut.errors == ("instagram: 31 hashtags, at most 30 allowed",
                          "instagram: 21 mentions, at most 20 allowed")
