"""Facebook: a readable excerpt of about excerpt_length characters, then the link."""

from __future__ import annotations

from cut_helpers import LONG_BODY, article_text, render, write_article, write_site

from smmgen.text.excerpt import ELLIPSIS


def excerpt_of(cut) -> str:
    return cut.text.split("\n\n", 1)[1].split(cut.link)[0].strip()


def test_the_excerpt_is_about_excerpt_length_and_ends_well(tmp_path):
    site = write_site(tmp_path / "s", only=("facebook",))
    article = write_article(site, article_text(summary="The short version.", body=LONG_BODY))
    cut = render(site, article, "facebook")
    text = excerpt_of(cut)
    assert 200 <= len(text) <= 400
    assert text.endswith((".", ELLIPSIS))
    assert cut.link in cut.text and cut.extra["link"] == cut.link
    assert [(m.target, m.role) for m in cut.media] == [("og", "scraped")]


def test_excerpt_length_is_configurable(tmp_path):
    site = write_site(tmp_path / "s", {"facebook": "excerpt_length = 120"}, only=("facebook",))
    article = write_article(site, article_text(summary="The short version.", body=LONG_BODY))
    assert len(excerpt_of(render(site, article, "facebook"))) <= 120


def test_a_summary_that_restates_the_lead_is_not_repeated(tmp_path):
    site = write_site(tmp_path / "s", only=("facebook",))
    lead = LONG_BODY.split("\n\n")[0]
    summary = lead.replace("on Tuesday ", "")
    article = write_article(site, article_text(summary=summary, body=LONG_BODY))
    cut = render(site, article, "facebook")
    assert cut.text.count("ending a decade of argument") == 1


def test_threads_are_not_a_facebook_thing(tmp_path):
    site = write_site(tmp_path / "s", only=("facebook",))
    article = write_article(site, article_text(summary="S.", body=LONG_BODY,
                                               social="facebook:\n  thread: true"))
    cut = render(site, article, "facebook")
    assert len(cut.parts) == 1
    assert cut.warnings == ("threads are not supported on Facebook; posted as one text",)
