"""Threads: 500 (emoji as UTF-8 bytes), at most 5 links, one topic tag instead of hashtags."""

from __future__ import annotations

from cut_helpers import LONG_BODY, article_text, render, write_article, write_site

from smmgen.text import measure


def test_emoji_count_their_bytes(tmp_path):
    site = write_site(tmp_path / "s", only=("threads",))
    article = write_article(site, article_text(title="🏆 " * 200, summary="S.", tags=()))
    cut = render(site, article, "threads")
    assert not cut.errors and cut.unit == "threads" and cut.limit == 500
    assert cut.lengths[0] == measure.threads_length(cut.text) <= 500
    assert cut.text.count("🏆") < 125                  # 4 bytes each: far fewer than 500 fit


def test_no_hashtags_in_the_text_but_one_topic_tag(tmp_path):
    site = write_site(tmp_path / "s", only=("threads",))
    article = write_article(site, article_text(summary="S.", tags=("public finances", "budget")))
    cut = render(site, article, "threads")
    assert "#" not in cut.text
    assert cut.extra["topic_tag"] == "public finances" and cut.tags == ("public finances",)


def test_hashtags_off_means_no_topic_tag(tmp_path):
    site = write_site(tmp_path / "s", {"threads": "hashtags = false"}, only=("threads",))
    cut = render(site, write_article(site, article_text(summary="S.")), "threads")
    assert "topic_tag" not in cut.extra and cut.tags == ()


def test_more_than_five_links_in_an_override_is_an_error(tmp_path):
    site = write_site(tmp_path / "s", only=("threads",))
    links = " ".join(f"https://site{i}.example.com/" for i in range(6))
    article = write_article(site, article_text(social=f'threads:\n  text: "Links: {links}"'))
    cut = render(site, article, "threads")
    assert cut.errors == ("threads: 6 links, at most 5 allowed",)


def test_a_generated_post_never_carries_more_than_five_links(tmp_path):
    site = write_site(tmp_path / "s", only=("threads",))
    summary = " ".join(f"see https://site{i}.example.com/" for i in range(8))
    cut = render(site, write_article(site, article_text(summary=summary)), "threads")
    assert not cut.errors
    assert measure.count_links(cut.text, unique=True) <= 5 and cut.link in cut.text


def test_thread(tmp_path):
    site = write_site(tmp_path / "s", only=("threads",))
    article = write_article(site, article_text(summary="S.", body=LONG_BODY * 2,
                                               social="threads:\n  thread: true"))
    cut = render(site, article, "threads")
    assert len(cut.parts) > 1 and all(length <= 500 for length in cut.lengths)
