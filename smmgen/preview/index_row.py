"""The built-in index's row of an article (``index.html.j2``'s ``row`` macro), made in Python: the same text,
for a site whose ``index.html.j2`` is smmgen's (see ``smmgen.preview.article_page`` for why and how it is held to
the template's bytes; ``tests/test_article_page.py`` compares the two)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from smmgen.preview.article_page import escaped


class IndexRow:
    """Stands for the ``row`` macro bound as on an index page (``smmgen.preview.pages.index_row_macro``):
    called with an article's view, it gives the row as Markup."""

    name = "row"                    # what the page memo keys a row by, as the macro's name

    def __init__(self, up: str):
        self.up = escaped(up)

    def __call__(self, a: Any) -> Markup:
        out: list[str] = []
        w = out.append
        status = escaped(a.status)
        posts = a.posts
        w('<tr class="row" data-status="')
        w(status)
        w('" data-posts="*:')
        w(status)
        for p in posts:
            w(' ')
            w(escaped(p.platform))
            w(':')
            w(escaped(p.status))
            w(':')
            w(escaped(p.account_name or p.platform))
        w('">\n    <td class="col-date">')
        w(escaped(a.date_text))
        w('</td>\n    <td class="col-title">\n')
        if a.page:
            w('<a class="title-link" href="')
            w(self.up)
            w('preview/')
            w(escaped(a.page))
            w('">')
            w(escaped(a.title))
            w('</a>')
        else:
            w('<span class="title-link">')
            w(escaped(a.title))
            w('</span>')
        w('      <div class="muted small">')
        w(escaped(a.source))
        if a.lang:
            w(' · ')
            w(escaped(a.lang))
        for tag in a.tags:
            w(' · <span class="tag">')
            w(escaped(tag))
            w('</span>')
        w('</div>\n')
        if a.errors:
            w('<ul class="error-list compact">')
            for message in a.errors:
                w('<li><code>')
                w(escaped(message))
                w('</code></li>')
            w('</ul>')
        w('    </td>\n    <td class="col-posts">\n')
        page = escaped(a.page)
        for p in posts:
            w('      <a class="pchip pchip--')
            w(escaped(p.status))
            w('" data-platform="')
            w(escaped(p.platform))
            w('" data-account="')
            w(escaped(p.account_name or p.platform))
            w('" href="')
            w(self.up)
            w('preview/')
            w(page)
            w('#')
            w(escaped(p.anchor))
            w('" title="')
            w(escaped(p.look.title))
            if p.account.handle:
                w(' ')
                w(escaped(p.account.handle))
            w(': ')
            w(escaped(p.status))
            for warning in p.warnings:
                w('&#10;⚠ ')
                w(escaped(warning))
            w('"><span class="dot" style="--accent: ')
            w(escaped(p.look.accent))
            w('"></span>')
            w(escaped(p.look.title))
            w(' <span class="counter">')
            w(escaped(p.counter))
            w('</span>')
            if p.is_thread:
                w(' <span class="muted">×')
                w(escaped(len(p.parts)))
                w('</span>')
            if p.anchor != p.platform:
                w(' <span class="muted acct">')
                w(escaped(p.account.handle))
                w('</span>')
            w('</a>\n')
        w('    </td>\n    <td class="col-status"><span class="pill pill--')
        w(status)
        w('">')
        w(status)
        w('</span>')
        warnings = a.warning_count
        if warnings:
            w('<div class="muted small">')
            w(escaped(warnings))
            w(' warning')
            if warnings != 1:
                w('s')
            w('</div>')
        w('</td>\n  </tr>')
        return Markup("".join(out))
