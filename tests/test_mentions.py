"""Mentions are deliberate: an @name from an article notifies no one on any platform (and `smmgen check` names
it) unless smmgen.toml's [mentions] maps it; a mapped one becomes each platform's own mention."""

from __future__ import annotations

import re
from pathlib import Path

import twitter_text
from click.testing import CliRunner
from cut_helpers import PLATFORMS, article_text, render, write_article, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.cli.main import main
from smmgen.content import mentions
from smmgen.text import measure, richtext

# twitter-text 3.1.0 (JavaScript) validMentionOrList, and Mastodon's Account::MENTION_RE (app/models/account.rb):
# the patterns that turn "@name" into a mention on X and on Mastodon.
X_MENTION = re.compile(r"(?:[^a-zA-Z0-9_!#$%&*@\uff20]|^|(?:^|[^a-zA-Z0-9_+~.-])(?:rt|RT|rT|Rt):?)"
                       r"[@\uff20]([a-zA-Z0-9_]{1,20})")
MASTODON_MENTION = re.compile(r"(?<![=/\w])@(([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@[\w.-]+\w+)?)", re.I)
# Telegram clients link "@" followed by a public username (5-32 letters, digits, "_").
TELEGRAM_MENTION = re.compile(r"@[A-Za-z0-9_]{5,32}")

SUMMARY = ("The hawk-eyed @someone spotted a bug (thanks, ＠another_one!); write to desk@news.example.com or "
           "read https://medium.com/@writer/post.")
DID = "did:plc:abcdabcdabcdabcdabcdabcd"
MAP = f"""
[mentions.someone]
x = "@someone"
mastodon = "@someone@example.social"
bluesky = "@someone.bsky.social"
bluesky_did = "{DID}"
linkedin = "@[Someone Inc](urn:li:organization:2414183)"
"""


def _site(tmp_path: Path, extra: str = ""):
    return write_site(tmp_path / "site", extra=extra)


def test_an_unmapped_name_notifies_no_one_anywhere(tmp_path):
    site = _site(tmp_path)
    article = write_article(site, article_text(title="@desk reports", summary=SUMMARY, body="Body."))
    for platform in PLATFORMS:
        cut = render(site, article, platform)
        text = cut.parts[0]
        assert "@\u2060someone" in text and "\uff20\u2060another_one" in text, (platform, text)
        assert "@\u2060desk reports" in text or platform == "instagram" and "@\u2060desk" in text
        assert not X_MENTION.search(text.replace("https://medium.com/@writer/post", "")), (platform, text)
        assert not MASTODON_MENTION.search(text.replace("https://medium.com/@writer/post", "")
                                           .replace("desk@news", "")), (platform, text)
        assert not TELEGRAM_MENTION.search(text.replace("/@writer/", "").replace("desk@news", "")), platform
        # An e-mail address and a URL are left as they are.
        assert "desk@news.example.com" in text and "https://medium.com/@writer/post" in text, platform
        for name in ("someone", "another_one", "desk"):
            assert any(w.startswith(f"@{name} is written so that it notifies no one") and f"{platform} = " in w
                       for w in cut.warnings), (platform, cut.warnings)


def test_bluesky_makes_no_mention_facet_for_an_unmapped_name(tmp_path):
    site = _site(tmp_path)
    article = write_article(site, article_text(summary="Thanks @someone.bsky.social for the tip.", tags=()))
    cut = render(site, article, "bluesky")
    assert not [f for part in cut.extra["facets"] for f in part
                if f["features"][0]["$type"] == richtext.MENTION]
    # Even a client that resolves every handle it detects finds none.
    assert not [f for f in richtext.detect_facets(cut.parts[0], resolve_handle=lambda h: DID)
                if f["features"][0]["$type"] == richtext.MENTION]


def test_a_mapped_name_is_each_platforms_mention(tmp_path):
    site = _site(tmp_path, MAP)
    article = write_article(site, article_text(summary=SUMMARY, body="Body."))
    x = render(site, article, "x").parts[0]
    assert "hawk-eyed @someone spotted" in x and X_MENTION.search(x).group(1) == "someone"
    assert "hawk-eyed @someone@example.social spotted" in render(site, article, "mastodon").parts[0]
    bluesky = render(site, article, "bluesky")
    text = bluesky.parts[0]
    start = measure.utf8_len(text[:text.index("@someone.bsky.social")])
    assert {"$type": richtext.FACET, "index": {"byteStart": start, "byteEnd": start + 20},
            "features": [{"$type": richtext.MENTION, "did": DID}]} in [_plain(f) for f in bluesky.extra["facets"][0]]
    linkedin = render(site, article, "linkedin")
    assert "hawk-eyed @[Someone Inc](urn:li:organization:2414183) spotted" in linkedin.extra["commentary"]
    # Not mapped for Threads: written so that it notifies no one there.
    assert "@\u2060someone" in render(site, article, "threads").parts[0]
    assert not any(w.startswith("@someone ") for w in render(site, article, "x").warnings)


def test_the_authors_own_text_is_posted_as_written(tmp_path):
    site = _site(tmp_path)
    article = write_article(site, article_text(social="x:\n  text: Ask @someone https://news.example.com/x"))
    cut = render(site, article, "x")
    assert cut.parts[0] == "Ask @someone https://news.example.com/x" and not any("@someone" in w for w in cut.warnings)


def test_the_word_joiner_is_counted_as_each_platform_counts_it():
    # X: outside twitter-text's weight-1 ranges, so 2 (a zero-width space would be 1 but lets a line break in).
    for text in ("@\u2060someone", "Hi @\u2060someone and ＠\u2060x."):
        assert measure.x_weighted_length(text) == twitter_text.parse_tweet(text).weightedLength
    assert measure.x_weighted_length("@\u2060someone") == measure.x_weighted_length("@someone") + 2
    assert measure.grapheme_len("@\u2060someone") == measure.grapheme_len("@someone") + 1
    assert measure.utf16_len("@\u2060someone") == 9


def test_check_names_the_article_and_the_name(make_site):
    make_site.config("""\
        [site]
        name = "Desk"
        base_url = "https://news.example.com"
        timezone = "UTC"
        [platforms.x]
        """)
    make_site.article("bug.md", article_text(summary="The hawk-eyed @someone spotted a bug.", body="Text."))
    out = CliRunner().invoke(main, ["check", "--site", str(make_site.root)], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert ("content/bug.md: warning: x: @someone is written so that it notifies no one; to mention that account, "
            'map it in smmgen.toml: [mentions.someone] x = "…"') in out.output.splitlines(), out.output


def test_the_map_is_validated_with_lines(make_site):
    make_site.config("""\
        [site]
        name = "Desk"
        base_url = "https://news.example.com"
        [mentions.someone]
        x = "@some one"
        bluesky = "@someone.bsky.social"
        myspace = "@x"
        [mentions."two words"]
        x = "@x"
        """)
    out = CliRunner().invoke(main, ["check", "--site", str(make_site.root)])
    assert out.exit_code != 0 and "Traceback" not in out.output
    lines = out.output.splitlines()
    assert 'smmgen.toml:5: mentions.someone.x: expected "@name": letters, digits and "_", at most 15, got ' \
           '"@some one"' in lines, out.output
    assert any(line.startswith("smmgen.toml:6: mentions.someone.bluesky: a Bluesky mention links its account "
                               "only by DID") for line in lines), out.output
    assert any(line.startswith("smmgen.toml:7: mentions.someone.myspace: unknown platform") for line in lines)
    assert any(line.startswith("smmgen.toml:8: mentions.two words: not a name") for line in lines), out.output


NAMES = st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True)
GLUE = st.sampled_from([" ", "(", "\n", "", "x", ".", "/", "mailto:", "https://a.example/", "—", "\u00a0"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(GLUE, st.sampled_from("@\uff20"), NAMES), min_size=1, max_size=5))
def test_written_text_never_mentions_on_x_or_mastodon(pieces):
    text = " ".join(glue + at + name for glue, at, name in pieces)
    out = mentions.written(text, "x", {})
    assert out.replace(mentions.WORD_JOINER, "") == text
    spared = re.sub(r"[a-z][a-z0-9+.-]*://\S+", "", out)
    assert not [m for m in X_MENTION.finditer(spared)], (text, out)
    assert not [m for m in MASTODON_MENTION.finditer(spared)], (text, out)


def _plain(value):
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
