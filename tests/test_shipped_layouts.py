"""The shipped text layouts made in Python (``smmgen.platforms.shipped_layouts``): each gives its template's text on
arbitrary values, an article cut with them gets the very cuts Jinja makes from copies of the same files, and a
site's own layout is still rendered by Jinja."""

from __future__ import annotations

import dataclasses
import shutil
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.build.layout_dirs import DEFAULTS_DIR
from smmgen.build.pipeline import cut_article
from smmgen.build.templates import Layouts
from smmgen.config.site import load_site
from smmgen.content.reading import load_article
from smmgen.platforms import composing
from smmgen.platforms.shipped_layouts import LAYOUTS, plain
from smmgen.text import measure

LAYOUTS_JINJA = Layouts(None)
text = st.text(alphabet=string.ascii_letters + " \n\t<>&\"'#@é中🙂", max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(LAYOUTS)), st.fixed_dictionaries({
    "title": text, "excerpt": text, "link": text, "hashtags": text, "url": text, "summary": text, "body": text,
    "link_mode": st.sampled_from(["bio", "plain", ""]), "bio_text": text,
    "escape": st.sampled_from([composing._identity, measure.telegram_html_escape])}))
def test_each_shipped_layout_made_in_python_is_its_templates_text(name, values):
    template = LAYOUTS_JINJA.text.get_template(name)
    made = plain(template, values)
    assert made is not None
    values = {**values, "article": None, "site": None, "platform": None, "tags": (), "display_url": str}
    assert made(values) == composing._rendering(template)(values)


def test_a_layout_lacking_a_value_it_reads_or_a_sites_own_is_left_to_jinja(tmp_path):
    template = LAYOUTS_JINJA.text.get_template("instagram.txt.j2")
    assert plain(template, {"title", "excerpt", "link", "hashtags"}) is None        # no link_mode, bio_text
    own = tmp_path / "layouts"
    own.mkdir()
    shutil.copy(DEFAULTS_DIR / "x.txt.j2", own / "x.txt.j2")
    copied = Layouts(own).text.get_template("x.txt.j2")
    assert plain(copied, {"title", "excerpt", "link", "hashtags"}) is None


def test_articles_cut_with_the_python_layouts_get_jinjas_cuts(make_site, tmp_path, monkeypatch):
    from test_preview_pages import enable_platforms

    make_site.config("""
        [site]
        name = "Test Desk"
        base_url = "https://news.example"
        timezone = "Europe/Berlin"

        [mentions.someone]
        mastodon = "@someone@example.social"

        [platforms.mastodon]
        handle = "@desk@social.example"

        [platforms.instagram]
        link_mode = "bio"
        bio_text = "Link <in> bio & more."
        """)
    make_site.article("long.md", "---\ntitle: \"Fish & <chips> 'now' @someone\"\ndate: 2026-11-20T10:00:00+01:00\n"
                      "tags: [city, \"<t>\", food]\nsummary: \"A summary @else with #tag & a link "
                      "https://x.example/?a=1&b=2\"\n---\n" + "A longer body sentence with @someone in it. " * 60)
    make_site.article("thread.md", "---\ntitle: A thread\ndate: 2026-11-21T10:00:00+01:00\nsocial:\n  x:\n"
                      "    thread: true\n---\n" + "Part of a long story that goes on. " * 80)
    make_site.article("short.md", "---\ntitle: Short\ndate: 2026-11-22T10:00:00+01:00\n---\nBody.\n")
    platforms = enable_platforms(make_site.root)
    assert {"x", "telegram", "instagram", "linkedin"} <= set(platforms)
    site = load_site(make_site.root)
    jinja_renders: list[str] = []
    rendering = composing._rendering

    def counted(layout):
        jinja_renders.append(layout.name)
        return rendering(layout)

    monkeypatch.setattr(composing, "_rendering", counted)
    articles = [load_article(path, site) for path in sorted((make_site.root / "content").glob("*.md"))]
    made = [cut_article(a, site, Layouts(site.layouts_dir, root=site.root)) for a in articles]
    assert jinja_renders == []                  # every layout was smmgen's own
    copies = tmp_path / "copies"
    copies.mkdir()
    for name in LAYOUTS:
        shutil.copy(DEFAULTS_DIR / name, copies / name)
    jinja = [cut_article(a, dataclasses.replace(site, layouts_dir=copies), Layouts(copies)) for a in articles]
    assert len(jinja_renders) >= len(platforms) * len(articles) - 1     # (the authored text renders none)
    assert made == jinja
    assert any(len(c.parts) > 1 for cuts, _ in made for c in cuts)      # a thread was cut
