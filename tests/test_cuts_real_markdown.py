"""Cuts of articles written for Hugo and Jekyll sites: no platform shows shortcodes, Liquid, code or table cells,
the lead is the first paragraph of prose, and `smmgen check` warns (naming the article and the platform) when
something that looks like template syntax is still in a cut."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from cut_helpers import PLATFORMS, article_text, render, write_article, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_markup_dialects import HUGO_POST, JEKYLL_POST, PIECES

from smmgen.cli.main import main
from smmgen.content import dialects

SYNTAX = ("{{", "}}", "{%", "%}", "[!", "{:", "{#", "func main", "puts", "| North", "Route", "Raw HTML")


def test_no_platform_shows_the_markup_of_a_hugo_or_jekyll_post(tmp_path: Path):
    site = write_site(tmp_path / "site")
    for name, body in (("hugo.md", HUGO_POST), ("jekyll.md", JEKYLL_POST.split("---\n", 2)[2])):
        article = write_article(site, article_text(title="Harbour bridge opens", body=body), name)
        for platform in PLATFORMS:
            cut = render(site, article, platform)
            text = "\n".join(cut.parts)
            assert not [s for s in SYNTAX if s in text], (name, platform, text)
            assert not [w for w in cut.warnings if "template" in w], (name, platform, cut.warnings)
            assert "TL;DR" not in text and "About the Series" not in text
        assert article.summary.startswith(("The council opened", "This is part three"))


def test_check_warns_about_template_syntax_left_in_a_cut(make_site):
    make_site.config("""\
        [site]
        name = "Desk"
        base_url = "https://news.example.com"
        timezone = "UTC"
        [platforms.x]
        [platforms.facebook]
        """)
    # An unclosed shortcode is not recognised as one: it would go out as written.
    make_site.article("broken.md", article_text(
        title="Harbour bridge opens", summary="The bridge opens {{< sidenote on Monday.", body="Text."))
    out = CliRunner().invoke(main, ["check", "--site", str(make_site.root)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    for platform in ("x", "facebook"):
        assert any(line.startswith(f"content/broken.md: warning: {platform}: the text holds template or attribute "
                                   'syntax ("bridge opens {{< sidenote on Monday")') for line in out.output.splitlines()), \
            out.output


# A summary is one line: the block constructs (an alert, a fence) are not what it can hold.
INLINE = [p for p in PIECES if "\n" not in p]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=8),
       st.lists(st.sampled_from(INLINE), max_size=2))
def test_no_cut_of_any_mix_holds_template_syntax(tmp_path: Path, body, summary):
    site = write_site(tmp_path / "site")
    text = article_text(title="Harbour {{< param year >}} bridge opens",
                        summary=" ".join(summary) or None,
                        body="The lead paragraph.\n\n" + "\n\n".join(body))
    article = write_article(site, text)
    for platform in PLATFORMS:
        cut = render(site, article, platform)
        assert not [p for p in cut.parts if dialects.leftover(p)], (platform, cut.parts)
        assert not [w for w in cut.warnings if "template" in w], (platform, cut.warnings)
