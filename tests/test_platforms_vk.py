"""VK: a wall post with the card and the link attached."""

from __future__ import annotations

from cut_helpers import LONG_BODY, article_text, render, write_article, write_site


def test_the_link_is_attached_and_the_card_too(tmp_path):
    site = write_site(tmp_path / "s", only=("vk",))
    article = write_article(site, article_text(summary="S.", body=LONG_BODY, tags=("городской совет",)))
    cut = render(site, article, "vk")
    assert list(cut.extra["attachments"]) == [cut.link] and cut.link in cut.text
    assert [(m.target, m.role) for m in cut.media] == [("vk", "attach")]
    assert cut.text.endswith("#ГородскойСовет")
    assert cut.limit == 4096 and cut.unit == "characters" and not cut.errors


def test_max_characters_is_configurable(tmp_path):
    site = write_site(tmp_path / "s", {"vk": "max_characters = 300\nexcerpt_length = 2000"}, only=("vk",))
    cut = render(site, write_article(site, article_text(summary="S.", body=LONG_BODY)), "vk")
    assert cut.limit == 300 and cut.lengths[0] <= 300 and cut.link in cut.text
