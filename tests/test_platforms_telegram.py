"""Telegram: HTML parse mode escaped properly; 4096 for a message, 1024 for a photo caption."""

from __future__ import annotations

import datetime as dt

import pytest
from cut_helpers import LONG_BODY, article_text, render, write_article, write_site

from smmgen.errors import PublishError
from smmgen.platforms.text_rules import visible_html
from smmgen.publish.base import Post
from smmgen.publish.telegram import Telegram
from smmgen.text import measure


def test_text_mode_escapes_and_previews_the_link(tmp_path):
    site = write_site(tmp_path / "s", only=("telegram",))
    article = write_article(site, article_text(title="Tom & Jerry <3 \"cheese\"", summary="a < b & c > d"))
    cut = render(site, article, "telegram")
    assert cut.text.startswith("<b>Tom &amp; Jerry &lt;3 &quot;cheese&quot;</b>\n\na &lt; b &amp; c &gt; d")
    href = measure.telegram_html_escape(cut.link)
    assert f'<a href="{href}">news.example.com/2026/11/story</a>' in cut.text
    assert visible_html(cut.text).startswith('Tom & Jerry <3 "cheese"\n\na < b & c > d')
    assert cut.extra["parse_mode"] == "HTML" and cut.extra["method"] == "sendMessage"
    assert cut.extra["link_preview_options"] == {"url": cut.link, "prefer_large_media": True,
                                                 "show_above_text": False}
    assert cut.limit == 4096 and cut.unit == "utf16"
    assert cut.lengths == (measure.utf16_len(visible_html(cut.text)),)


def test_photo_mode_uses_a_caption_of_1024(tmp_path):
    config = 'mode = "photo"\nexcerpt_length = 3000'
    site = write_site(tmp_path / "s", {"telegram": config}, only=("telegram",))
    article = write_article(site, article_text(summary="S.", body=LONG_BODY * 4))
    cut = render(site, article, "telegram")
    assert cut.limit == 1024 and 900 < cut.lengths[0] <= 1024 and not cut.errors
    assert cut.extra["method"] == "sendPhoto" and "link_preview_options" not in cut.extra
    assert [(m.target, m.role) for m in cut.media] == [("telegram", "attach")]


def test_link_preview_options(tmp_path):
    site = write_site(tmp_path / "s", {"telegram": 'link_preview = "off"'}, only=("telegram",))
    cut = render(site, write_article(site, article_text(summary="S.")), "telegram")
    assert cut.extra["link_preview_options"] == {"is_disabled": True}


def test_an_override_is_plain_text_and_gets_escaped(tmp_path):
    site = write_site(tmp_path / "s", only=("telegram",))
    article = write_article(site, article_text(social='telegram:\n  text: "Fish & chips <today>"'))
    cut = render(site, article, "telegram")
    assert cut.parts == ("Fish &amp; chips &lt;today&gt;",)
    assert cut.lengths == (len("Fish & chips <today>"),)


def test_entities_are_decoded_only_as_telegram_decodes_them():
    # Bot API HTML: &lt; &gt; &amp; &quot; and numeric references; anything else is text as written.
    cases = {
        "&lt;&gt;&amp;&quot;": '<>&"',
        "&#65;&#x41;&#x1F600;&#x1f600;": "AA😀😀",
        "&copy; &nbsp; &AMP; &Lt; &apos; &mdash;": "&copy; &nbsp; &AMP; &Lt; &apos; &mdash;",
        "&#12345678; &#x0000041;": "&#12345678; &#x0000041;",       # over-long
        "&#x110000; &#1114111; &#0; &#xD800;": "&#x110000; &#1114111; &#0; &#xD800;",  # no character
        "&#X41; &#65 &amp": "&#X41; &#65 &amp",                      # counted as the longer reading
        "&&amp;amp;": "&&amp;",
    }
    for html_text, shown in cases.items():
        assert measure.telegram_html_unescape(html_text) == shown, html_text
        assert visible_html(f"<b>{html_text}</b>") == shown


def test_a_layouts_named_entities_count_as_written(tmp_path):
    site = write_site(tmp_path / "s", only=("telegram",))
    (site.root / "layouts").mkdir()
    (site.root / "layouts" / "telegram.txt.j2").write_text(
        "<b>{{ escape(title) }}</b>&nbsp;&copy;&#8239;Desk &AMP; co\n{{ escape(url) }}")
    cut = render(site, write_article(site, article_text(summary="S.")), "telegram")
    shown = f"Council approves the new tram line&nbsp;&copy;\u202fDesk &AMP; co\n{cut.link}"
    assert visible_html(cut.text) == shown
    assert cut.lengths == (measure.utf16_len(shown),)


def test_the_publisher_counts_entities_as_telegram_does():
    # The publisher's last check before sendMessage: "&copy;" is six characters there too.
    now = dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)
    text = "&copy;" * 10
    post = Post(entry_id="e", platform="telegram", parts=(text,), link=None, title="t", lang=None, tags=(),
                media=(), extra={}, content_hash="h", publish_at=now, expire_at=None, retracted=False, now=now)
    Telegram._check_length(post, text, 60, "text")
    with pytest.raises(PublishError, match="text is 60 characters"):
        Telegram._check_length(post, text, 59, "text")
