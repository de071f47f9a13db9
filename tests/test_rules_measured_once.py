"""A cut measures each text once: the text fitting chose is not measured again by ``finish``, and rules made from
others (``dataclasses.replace``) remember nothing of theirs."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from smmgen.build.pipeline import cut_article
from smmgen.build.templates import Layouts
from smmgen.config.site import load_site
from smmgen.content.reading import load_article
from smmgen.platforms import x
from smmgen.platforms.text_rules import rules_for
from smmgen.text import measure


def test_each_text_of_a_cut_is_measured_once(make_site, monkeypatch):
    from test_preview_pages import enable_platforms

    make_site.article("a.md", "---\ntitle: A long story\ndate: 2026-11-20T10:00:00+01:00\ntags: [city, food]\n---\n"
                      + "A sentence of the body that goes on and on. " * 40)
    enable_platforms(make_site.root)
    site = load_site(make_site.root)
    article = load_article(make_site.root / "content" / "a.md", site)
    measured: Counter = Counter()
    plain = measure.measure

    def counted(text, unit, **opts):
        measured[text, unit, tuple(sorted(opts.items()))] += 1
        return plain(text, unit, **opts)

    monkeypatch.setattr(measure, "measure", counted)
    cuts, errors = cut_article(article, site, Layouts(site.layouts_dir, root=site.root))
    assert cuts and not errors and len(cuts) >= 5
    assert measured and max(measured.values()) == 1


def test_rules_made_from_others_start_with_nothing_measured():
    rules = rules_for(x.SPEC)
    assert rules.cost("hello https://example.com/x") == rules.length("hello https://example.com/x")
    shorter = replace(rules, limit=10)
    assert shorter._measured == {} and rules._measured
    assert shorter.check("hello https://example.com/x") == (rules.length("hello https://example.com/x"),
                                                             ["x: text is 29/10 (weighted)"])
