"""LinkedIn: commentary escaped for the little text format, the article card built by us."""

from __future__ import annotations

from cut_helpers import LONG_BODY, article_text, render, write_article, write_site

from smmgen.platforms.linkedin import commentary
from smmgen.text import measure


def test_commentary_escapes_reserved_characters_but_keeps_hashtags():
    text = "Budget (2027): a *big* deal_maybe [sic] {x} <y> @z ~w | \\ #budget #PublicFinances"
    escaped = commentary(text)
    assert escaped == ("Budget \\(2027\\): a \\*big\\* deal\\_maybe \\[sic\\] \\{x\\} \\<y\\> \\@z "
                       "\\~w \\| \\\\ #budget #PublicFinances")
    assert measure.linkedin_unescape(escaped) == text


def test_a_hash_that_is_no_hashtag_is_escaped():
    assert commentary("We are #1 in C#") == "We are \\#1 in C\\#"


def test_the_cut_carries_the_card_and_the_escaped_commentary(tmp_path):
    site = write_site(tmp_path / "s", only=("linkedin",))
    article = write_article(site, article_text(title="Budget (2027) passes", summary="A *deal*.",
                                               body=LONG_BODY, tags=("public finances",)))
    cut = render(site, article, "linkedin")
    assert cut.link not in cut.text                       # the card carries the link
    assert cut.extra["article"] == {"source": cut.link, "title": "Budget (2027) passes",
                                    "description": article.summary}
    assert cut.extra["commentary"] == commentary(cut.text)
    assert cut.extra["commentary"].startswith("Budget \\(2027\\) passes")
    assert cut.text.endswith("#PublicFinances")
    # The limit is checked on what is sent: the escaped commentary.
    assert cut.lengths == (measure.utf16_len(cut.extra["commentary"]),)
    assert [(m.target, m.role) for m in cut.media] == [("og", "link_card")]


def test_an_override_is_escaped_and_measured_escaped(tmp_path):
    site = write_site(tmp_path / "s", only=("linkedin",))
    text = "(" * 1600
    article = write_article(site, article_text(social=f'linkedin:\n  text: "{text}"'))
    cut = render(site, article, "linkedin")
    assert cut.parts == (text,)
    assert cut.errors == ("linkedin: text is 3200/3000 (characters)",)
