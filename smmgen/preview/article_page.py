"""The built-in article page, made in Python: the bytes that ``article.html.j2`` (over ``base.html.j2``, with
``post.html.j2``'s mock-ups and ``preview.css``) renders, without going through Jinja.

A cold build renders every article's page, and through the templates one page cost some 2 ms of the build
process's time (a macro call per avatar, icon, meter and text run, an attribute look-up and an escape per value):
seconds at 1,000 articles, while both cores are busy. This writes the same text from the same view, value by
value in the templates' order, escaping every value as the templates' autoescaping does (article text is
untrusted). It stands in only for those four files as smmgen ships them (``shipped``): a site with its own
copy of any of them gets its pages from its templates. ``tests/test_article_page.py`` holds both to the same
bytes on varied articles, hostile titles and URLs included; a change to one of the four templates is a change
here too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import escape

from smmgen.build.layout_dirs import DEFAULTS_DIR
from smmgen.build.templates import Layouts

TEMPLATES = ("article.html.j2", "base.html.j2", "post.html.j2", "preview.css")
"""The files of ``smmgen/defaults/preview/`` whose output this module writes."""


def shipped(layouts: Layouts, names: Sequence[str] = TEMPLATES) -> bool:
    """The site overrides none of the preview's files ``names`` (a file it has of the same name is used instead
    of smmgen's)."""
    defaults = DEFAULTS_DIR.resolve()
    for name in names:
        found = layouts.find(f"preview/{name}")
        if found is None or not found.resolve().is_relative_to(defaults):
            return False
    return True


def escaped(value: Any) -> str:
    """``value`` as ``{{ value }}`` shows it with autoescaping (``markupsafe.escape``)."""
    if type(value) is str:
        if "&" in value:
            value = value.replace("&", "&amp;")
        if "<" in value:
            value = value.replace("<", "&lt;")
        if ">" in value:
            value = value.replace(">", "&gt;")
        if "'" in value:
            value = value.replace("'", "&#39;")
        if '"' in value:
            value = value.replace('"', "&#34;")
        return value
    return str(escape(value))


class ArticlePage:
    """Makes an article page as ``Renderer.render("article.html.j2", up, page="article", article=...,
    listed=..., here=..., index_page=..., data=..., site=...)`` does with the shipped templates."""

    def __init__(self, css: str, script: str, csp: str):
        self.css = css                  # ``preview.css`` as the template includes it
        self.script = script            # inlined as it is (the templates are given it as Markup)
        self.csp = csp

    def render(self, up: str, article: Any, listed: Sequence[Any], here: int, index_page: str, data: Any,
               site: Any) -> bytes:
        out: list[str] = []
        w = out.append
        # base.html.j2, with article.html.j2's blocks
        w('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" '
          'content="width=device-width, initial-scale=1">\n<meta http-equiv="Content-Security-Policy" content="')
        w(self.csp)
        w('">\n<meta name="referrer" content="no-referrer">\n<link rel="icon" href="data:,">\n<title>')
        w(escaped(article.title))
        w(' · ')
        site_name = escaped(site.name)
        w(site_name)
        w(' · smmgen preview</title>\n<style>\n')
        w(self.css)
        w('</style>\n</head>\n<body class="page-article" data-timezone="')
        w(escaped(data.timezone))
        w('">\n<header class="topbar">\n  <div class="brand"><span class="brand-mark" aria-hidden="true">◧</span> <b>')
        w(site_name)
        w('</b> <span class="muted">social preview</span></div>\n  <nav class="nav">\n    <a href="')
        eup = escaped(up)
        w(eup)
        w('preview/index.html" aria-current="page">Articles</a>\n    <a href="')
        w(eup)
        w('preview/plan.html">Content plan</a>\n  </nav>\n</header>\n')
        if data.error_count:
            w('<section class="errors-banner" role="alert">\n  <h2>')
            w(escaped(data.error_count))
            w(' error')
            if data.error_count != 1:
                w('s')
            w(': output/ was not updated</h2>\n')
            if data.error_count > len(data.errors):
                w('<p>Articles with errors are marked below; their pages show each message.</p>')
            w('  <ul class="error-list">\n')
            for message in data.errors:
                w('<li><code>')
                w(escaped(message))
                w('</code></li>')
            w('  </ul>\n</section>\n')
        w('<main class="main">\n')
        self._main(w, eup, article, listed, here, index_page)
        w('</main>\n<footer class="footer muted">Made by smmgen from the build\'s manifest: what you see here is '
          'what will be posted. Mock-ups approximate each platform\'s look.</footer>\n<script>')
        w(self.script)
        w('</script>\n</body>\n</html>')
        # As ``Renderer.stream`` ends a page: in exactly one newline.
        return ("".join(out).rstrip("\n") + "\n").encode()

    def _main(self, w: Callable[[str], Any], eup: str, article: Any, listed: Sequence[Any], here: int,
              index_page: str) -> None:
        # article.html.j2's main block
        w('<nav class="crumbs">\n  <a href="')
        w(eup)
        w('preview/')
        w(escaped(index_page))
        w('">← All articles</a>\n  <span class="spacer"></span>\n')
        if here > 0:
            newer = listed[here - 1]
            w('<a href="')
            w(eup)
            w('preview/')
            w(escaped(newer.page))
            w('" title="')
            w(escaped(newer.title))
            w('">‹ newer</a>')
        if here + 1 < len(listed):
            older = listed[here + 1]
            w('<a href="')
            w(eup)
            w('preview/')
            w(escaped(older.page))
            w('" title="')
            w(escaped(older.title))
            w('">older ›</a>')
        lang = escaped(article.lang)
        status = escaped(article.status)
        w('</nav>\n<header class="article-head">\n  <div class="muted small">')
        w(escaped(article.date_text))
        w(' · <code>')
        w(escaped(article.source))
        w('</code> · ')
        w(lang)
        w('</div>\n  <h1 lang="')
        w(lang)
        w('">')
        w(escaped(article.title))
        w(' <span class="pill pill--')
        w(status)
        w('">')
        w(status)
        w('</span></h1>\n  <p class="summary" lang="')
        w(lang)
        w('">')
        w(escaped(article.summary))
        w('</p>\n  <div class="muted small">')
        for tag in article.tags:
            w('<span class="tag">')
            w(escaped(tag))
            w('</span> ')
        w('<span class="url">')
        w(escaped(article.url))
        w('</span></div>\n  <div class="jump">\n')
        posts = article.posts
        for p in posts:
            w('<a class="pchip pchip--')
            w(escaped(p.status))
            w('" href="#')
            w(escaped(p.anchor))
            w('" data-platform="')
            w(escaped(p.platform))
            w('" data-account="')
            w(escaped(p.account_name or p.platform))
            w('"><span class="dot" style="--accent: ')
            w(escaped(p.look.accent))
            w('"></span>')
            w(escaped(p.look.title))
            w(' <span class="counter">')
            w(escaped(p.counter))
            w('</span>')
            if p.anchor != p.platform:
                w(' <span class="muted acct">')
                w(escaped(p.account.handle))
                w('</span>')
            w('</a>')
        w('  </div>\n</header>\n')
        if article.errors:
            w('<section class="errors-banner" role="alert">\n  <h2>This article has errors</h2>\n  '
              '<ul class="error-list">')
            for message in article.errors:
                w('<li><code>')
                w(escaped(message))
                w('</code></li>')
            w('</ul>\n</section>\n')
        if posts:
            w('<section class="mocks">\n')
            for post in posts:
                _mockup(w, post, eup)
                w('\n')
            w('</section>\n')
        else:
            w('<p class="muted">No platform gets a post from this article.</p>\n')


# post.html.j2's macros; ``eup`` is ``up`` escaped.

def _rich(w: Callable[[str], Any], segments: Sequence[Any]) -> None:
    for s in segments:
        if s.style:
            w('<span class="t-')
            w(escaped(s.style))
            w('">')
        kind = s.kind
        if kind == "link":
            href = escaped(s.href)
            w('<a class="t-link" href="')
            w(href)
            w('" title="')
            w(href)
            w('" rel="noopener noreferrer nofollow" target="_blank">')
            w(escaped(s.text))
            w('</a>')
        elif kind == "tag":
            w('<span class="t-tag">')
            w(escaped(s.text))
            w('</span>')
        elif kind == "mention":
            w('<span class="t-mention">')
            w(escaped(s.text))
            w('</span>')
        else:
            w(escaped(s.text))
        if s.style:
            w('</span>')


def _avatar(w: Callable[[str], Any], account: Any, eup: str, size: str = "") -> None:
    if account.avatar:
        w('<img class="avatar ')
        w(size)
        w('" src="')
        w(eup)
        w(escaped(account.avatar))
        w('" alt="" width="48" height="48">')
    else:
        w('<span class="avatar avatar--initials ')
        w(size)
        w('" aria-hidden="true">')
        w(escaped(account.initials))
        w('</span>')


def _picture(w: Callable[[str], Any], image: Any, eup: str, cls: str) -> None:
    frame = image.frame
    w('<figure class="')
    w(cls)
    if not image.path:
        w(' is-placeholder')
    w('" style="aspect-ratio: ')
    w(escaped(frame[0]))
    w(' / ')
    w(escaped(frame[1]))
    w('">\n')
    if image.path:
        w('<img src="')
        w(eup)
        w(escaped(image.path))
        w('" alt="')
        w(escaped(image.alt))
        w('" width="')
        w(escaped(image.width))
        w('" height="')
        w(escaped(image.height))
        w('">')
    else:
        w('<span class="ph-label">card not rendered<br><small>')
        w(escaped(image.width))
        w('×')
        w(escaped(image.height))
        w(', shown at ')
        w(escaped(frame[0]))
        w(':')
        w(escaped(frame[1]))
        w('</small></span>')
    w('</figure>')


def _clip(w: Callable[[str], Any], video: Any, eup: str, cls: str) -> None:
    width, height, alt = escaped(video.width), escaped(video.height), escaped(video.alt)
    w('<figure class="')
    w(cls)
    w(' clip" style="aspect-ratio: ')
    w(width)
    w(' / ')
    w(height)
    w('" data-target="')
    w(escaped(video.target))
    w('">\n<video src="')
    w(eup)
    w(escaped(video.path))
    w('"')
    if video.poster:
        w(' poster="')
        w(eup)
        w(escaped(video.poster))
        w('"')
    w(' width="')
    w(width)
    w('" height="')
    w(height)
    w('" muted controls playsinline preload="metadata" aria-label="')
    w(alt)
    w('" title="')
    w(alt)
    w('">')
    if video.captions:
        lang = escaped(video.captions_lang)
        w('<track kind="captions" src="')
        w(eup)
        w(escaped(video.captions))
        w('" srclang="')
        w(lang)
        w('" label="')
        w(lang)
        w('">')
    w('</video>\n<span class="clip-badge" title="')
    w(escaped(video.duration))
    w(' s">')
    w(escaped(video.badge))
    w('</span>\n</figure>')


def _link_card(w: Callable[[str], Any], card: Any, look: Any, eup: str) -> None:
    url = escaped(card.url)
    w('<a class="linkcard" href="')
    w(url)
    w('" title="')
    w(url)
    w('" rel="noopener noreferrer nofollow" target="_blank">\n')
    if card.image:
        _picture(w, card.image, eup, "linkcard-img")
    w('  <span class="linkcard-meta">\n')
    name = look.name
    if name in ("facebook", "threads", "vk"):
        w('<span class="linkcard-domain">')
        w(escaped(card.domain))
        w('</span>')
    if name == "telegram":
        w('<span class="linkcard-site">')
        w(escaped(card.domain))
        w('</span>')
    if name != "x":
        w('<span class="linkcard-title">')
        w(escaped(card.title))
        w('</span>')
    if name not in ("x", "linkedin", "facebook"):
        w('<span class="linkcard-desc">')
        w(escaped(card.description))
        w('</span>')
    if name not in ("facebook", "threads", "vk", "telegram"):
        w('<span class="linkcard-domain">')
        w(escaped(card.domain))
        w('</span>')
    w('  </span>\n</a>')


def _meter(w: Callable[[str], Any], part: Any, unit_label: str) -> None:
    counter = escaped(part.counter)
    w('<div class="meter meter--')
    w(escaped(part.level))
    w('" title="')
    w(counter)
    w(' ')
    w(unit_label)
    w('">\n  <span class="counter">')
    w(counter)
    w('</span> <span class="unit">')
    w(unit_label)
    w('</span>\n  <span class="bar" aria-hidden="true"><span style="width: ')
    w(escaped(part.fill))
    w('%"></span></span>\n</div>')


_SVG = ('<svg class="icon" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" '
        'stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">')
_ICONS = {
    "reply": _SVG + '<path d="M4 5h16v11H9l-5 4z"/></svg>',
    "repost": _SVG + '<path d="M7 7h11v5M18 7l-3-3M17 17H6v-5M6 17l3 3"/></svg>',
    "like": _SVG + '<path d="M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z"/></svg>',
    "share": _SVG + '<path d="M12 4v12M7 9l5-5 5 5M5 20h14"/></svg>',
}


def _actions(w: Callable[[str], Any], look: Any) -> None:
    i = _ICONS
    if look.layout == "page":
        w('<div class="actions" aria-hidden="true">\n<span>' + i["like"] + ' Like</span><span>' + i["reply"]
          + ' Comment</span><span>' + i["repost"] + ' ' + ("Repost" if look.name == "linkedin" else "Share")
          + '</span>\n</div>')
    else:
        w('<div class="actions" aria-hidden="true">\n<span>' + i["reply"] + '</span><span>' + i["repost"]
          + '</span><span>' + i["like"] + '</span><span>' + i["share"] + '</span></div>')


def _name_line(w: Callable[[str], Any], post: Any) -> None:
    w('<span class="name">')
    w(escaped(post.account.display_name))
    w('</span>')
    if post.account.handle:
        w(' <span class="handle">')
        w(escaped(post.account.handle))
        w('</span>')
    w(' <span class="time">· ')
    w(escaped(post.date_text))
    w('</span>')


def _first_media(w: Callable[[str], Any], post: Any, eup: str, cls: str) -> None:
    if post.video:
        _clip(w, post.video, eup, cls)
    elif post.attached:
        _picture(w, post.attached, eup, cls)


def _attached_and_foot(w: Callable[[str], Any], post: Any, part: Any, n: int, look: Any, eup: str,
                       unit_label: str, indent: str) -> None:
    """What follows a page or feed post's text: the first part's media, the link card on its part, the actions
    and the meter (the shipped ``post.html.j2``'s two layouts differ only in indent)."""
    if n == 0:
        _first_media(w, post, eup, "attached")
    if post.card and n == post.card_part:
        _link_card(w, post.card, look, eup)
    w(indent)
    _actions(w, look)
    w('\n' + indent)
    _meter(w, part, unit_label)


def _mockup(w: Callable[[str], Any], post: Any, eup: str) -> None:
    look = post.look
    status = escaped(post.status)
    accent = escaped(look.accent)
    account = post.account
    unit_label = escaped(post.unit_label)
    w('<article class="mock mock--')
    w(escaped(look.name))
    w(' layout--')
    w(escaped(look.layout))
    w(' status--')
    w(status)
    w('" id="')
    w(escaped(post.anchor))
    w('" data-platform="')
    w(escaped(post.platform))
    w('" data-account="')
    w(escaped(post.account_name or post.platform))
    w('" data-status="')
    w(status)
    w('">\n  <header class="mock-bar">\n    <span class="pf" style="--accent: ')
    w(accent)
    w('">')
    w(escaped(look.title))
    w('</span>\n')
    if post.anchor != post.platform:
        w('<span class="acct" title="account ')
        w(escaped(post.account_name))
        w('">')
        w(escaped(account.handle))
        w('</span>')
    w('    <span class="pill pill--')
    w(status)
    w('">')
    w(status)
    w('</span>\n')
    if post.is_thread:
        w('<span class="pill pill--thread">thread · ')
        w(escaped(len(post.parts)))
        w(' posts</span>')
    w('    <span class="when" title="publish_at ')
    w(escaped(post.publish_iso))
    w('">▸ ')
    w(escaped(post.publish_at))
    w('</span>\n')
    if post.expire_at:
        w('<span class="expires" title="expire_at ')
        w(escaped(post.expire_iso))
        w('">✕ expires ')
        w(escaped(post.expire_at))
        w('</span>')
    w('  </header>\n  <div class="frame" style="--accent: ')
    w(accent)
    w('" lang="')
    w(escaped(post.lang))
    w('">\n')
    layout = look.layout
    parts = post.parts
    if layout == "bubble":
        w('    <div class="tg-channel">')
        _avatar(w, account, eup, "avatar--sm")
        w(' <span><b>')
        w(escaped(account.display_name))
        w('</b><small>')
        w(escaped(account.handle or "channel"))
        w('</small></span></div>\n    <div class="tg-chat">\n')
        for n, part in enumerate(parts):
            w('      <div class="tg-bubble">\n')
            if n == 0:
                _first_media(w, post, eup, "attached")
            w('        <div class="tg-author">')
            w(escaped(account.display_name))
            w('</div>\n        <div class="text">')
            _rich(w, part.segments)
            w('</div>\n')
            if post.card and n == post.card_part:
                _link_card(w, post.card, look, eup)
            w('        <div class="tg-meta">')
            w(_ICONS["like"])
            w(' ')
            w(escaped(post.date_text))
            w('</div>\n      </div>\n      ')
            _meter(w, part, unit_label)
            w('\n')
        w('    </div>\n')
    elif layout == "photo":
        shown = escaped(account.handle or account.display_name)
        w('    <div class="ig-head">')
        _avatar(w, account, eup, "avatar--sm")
        w(' <span class="name">')
        w(shown)
        w('</span></div>\n')
        _first_media(w, post, eup, "attached ig-photo")
        w('    ')
        _actions(w, look)
        w('\n')
        for part in parts:
            w('      <div class="text ig-caption"><span class="name">')
            w(shown)
            w('</span> ')
            _rich(w, part.segments)
            w('</div>\n      ')
            _meter(w, part, unit_label)
            w('\n')
        w('    <div class="time ig-time">')
        w(escaped(post.date_text))
        w('</div>\n')
    elif layout == "page":
        for n, part in enumerate(parts):
            w('    <div class="page-post">\n      <div class="pg-head">')
            _avatar(w, account, eup)
            w('<span><span class="name">')
            w(escaped(account.display_name))
            w('</span><small class="time">')
            if account.handle:
                w(escaped(account.handle))
                w(' · ')
            w(escaped(post.date_text))
            w('</small></span></div>\n      <div class="text">')
            _rich(w, part.segments)
            w('</div>\n')
            _attached_and_foot(w, post, part, n, look, eup, unit_label, '      ')
            w('\n    </div>\n')
    else:
        last = len(parts) - 1
        for n, part in enumerate(parts):
            w('    <div class="feed-post')
            if n != last:
                w(' has-next')
            w('">\n      <div class="feed-side">')
            _avatar(w, account, eup)
            w('</div>\n      <div class="feed-main">\n        <div class="feed-head">')
            _name_line(w, post)
            w('</div>\n        <div class="text">')
            _rich(w, part.segments)
            w('</div>\n')
            _attached_and_foot(w, post, part, n, look, eup, unit_label, '        ')
            w('\n      </div>\n    </div>\n')
    w('  </div>\n')
    image = post.attached or (post.card.image if post.card else None)
    if post.errors or post.warnings or post.hold or (image and image.cropped and image.path) \
            or (post.card and not post.card.image.path):
        w('  <ul class="notes">\n')
        for message in post.errors:
            w('<li class="note note--error">')
            w(escaped(message))
            w('</li>')
        for message in post.warnings:
            w('<li class="note note--warning">')
            w(escaped(message))
            w('</li>')
        if post.hold:
            w('<li class="note note--info">Never posted: ')
            w(escaped(post.hold))
            w('</li>')
        if image and image.path and image.cropped:
            w('<li class="note note--info">')
            w(escaped(look.title))
            w(' crops this ')
            w(escaped(image.width))
            w('×')
            w(escaped(image.height))
            w(' image to ')
            w(escaped(image.frame[0]))
            w(':')
            w(escaped(image.frame[1]))
            w(': check that nothing important is cut off.</li>')
        if post.card and not post.card.image.path:
            w('<li class="note note--info">No card image in the manifest: the box shows where it would go.</li>')
        w('  </ul>\n')
    w('</article>\n')
