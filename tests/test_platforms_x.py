"""X: 280 by twitter-text's weighted count; URLs 23; overrides as written; threads; the card image."""

from __future__ import annotations

from click.testing import CliRunner
from cut_helpers import LONG_BODY, article_text, render, write_article, write_site

from smmgen.cli.main import main
from smmgen.text import measure


def test_a_generated_post_fits_and_records_its_measure(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    article = write_article(site, article_text(summary="Word " * 120, body=LONG_BODY))
    cut = render(site, article, "x")
    assert cut.unit == "weighted" and cut.limit == 280 and not cut.errors
    assert cut.lengths == (measure.measure(cut.text, "weighted"),)
    assert 270 <= cut.lengths[0] <= 280            # the excerpt uses the room there is
    assert cut.link in cut.text and cut.text.count("…") == 1


def test_the_link_counts_23_however_long_it_is(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    # 230 ASCII characters of summary + title fit only because the ~90-character link counts 23.
    summary = "A" * 180
    article = write_article(site, article_text(title="Short title", summary=summary, tags=()))
    cut = render(site, article, "x")
    assert summary in cut.text and len(cut.link) > 60
    assert cut.lengths[0] == len("Short title") + 2 + 180 + 2 + 23


def test_emoji_and_cjk_weigh_two(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    article = write_article(site, article_text(title="新線 🚄👨‍👩‍👧", summary="", tags=()))
    cut = render(site, article, "x")
    assert cut.lengths[0] == 2 * 2 + 1 + 2 + 2 + 2 + 23   # 新線, space, 🚄, family (one emoji), \n\n, link


def test_an_override_is_used_as_written(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    text = "Tram line approved: a decade of argument ends. #transport https://news.example.com/t"
    article = write_article(site, article_text(social=f'x:\n  text: "{text}"'))
    cut = render(site, article, "x")
    assert cut.parts == (text,) and not cut.errors
    assert cut.tags == ("transport",)


def test_check_reports_an_override_over_the_limit_with_file_and_line(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    text = "Ж" * 270 + " 🚨🚨🚨🚨 done"
    write_article(site, article_text(social=f'x:\n  text: "{text}"'))
    expected = measure.measure(text, "weighted")
    assert expected > 280
    result = CliRunner().invoke(main, ["check", "--site", str(site.root)])
    assert result.exit_code == 1
    lines = (site.content_dir / "story.md").read_text().splitlines()
    line = next(number for number, text_line in enumerate(lines, 1) if "text:" in text_line)
    assert f"content/story.md:{line}: x: text is {expected}/280 (weighted)" in result.output


def test_attach_image_switches_the_media(tmp_path):
    site = write_site(tmp_path / "s", {"x": "attach_image = true"}, only=("x",))
    cut = render(site, write_article(site, article_text(summary="S.")), "x")
    assert [(m.target, m.role) for m in cut.media] == [("x", "attach")]
    site = write_site(tmp_path / "t", only=("x",))
    cut = render(site, write_article(site, article_text(summary="S.")), "x")
    assert [(m.target, m.role) for m in cut.media] == [("og", "scraped")]


def test_a_thread_has_numbered_parts_within_the_limit(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    article = write_article(site, article_text(summary="The short version.", body=LONG_BODY,
                                               social="x:\n  thread: true"))
    cut = render(site, article, "x")
    n = len(cut.parts)
    assert n >= 3 and not cut.errors
    assert all(length <= 280 for length in cut.lengths)
    assert [p.rsplit("\n\n", 1)[1] for p in cut.parts] == [f"{i}/{n}" for i in range(1, n + 1)]
    assert cut.link in cut.parts[-1] and all(cut.link not in p for p in cut.parts[:-1])
    # Nothing of the article is lost.
    for sentence in ("ending a decade of argument over the route.", "on the existing network."):
        assert any(sentence in p for p in cut.parts)


def test_thread_link_first(tmp_path):
    site = write_site(tmp_path / "s", only=("x",))
    article = write_article(site, article_text(summary="Short.", body=LONG_BODY,
                                               social="x:\n  thread: true\n  link_position: first"))
    cut = render(site, article, "x")
    assert cut.link in cut.parts[0] and all(cut.link not in p for p in cut.parts[1:])


def test_an_override_without_the_link_gets_a_warning(tmp_path):
    site = write_site(tmp_path / "s", only=("x", "linkedin"))
    social = 'x:\n  text: "No link here."\nlinkedin:\n  text: "None."'
    article = write_article(site, article_text(social=social))
    assert render(site, article, "x").warnings == ("social.x.text has no link to the article",)
    assert render(site, article, "linkedin").warnings == ()       # the card carries LinkedIn's link
    social = 'x:\n  text: "See https://news.example.com/2026/11/b/"'
    with_link = write_article(site, article_text(social=social), "b.md")
    cut = render(site, with_link, "x")
    # It links the article: no "no link" warning, but the bare URL carries no UTM parameters (tests/test_links.py).
    assert [w for w in cut.warnings if "no link" in w] == []
    assert cut.warnings == (f"links to the article without UTM parameters (https://news.example.com/2026/11/b/), "
                            f"so its visits go uncounted; link to {cut.link}",)
    social = f'x:\n  text: "See {cut.link}"'
    tagged = write_article(site, article_text(social=social), "b.md")
    assert render(site, tagged, "x").warnings == ()
