"""smmgen.text.twitter_urls finds what twitter-text (tests/twitter_text_oracle.py) and Mastodon's compiled URL
expression find, and the other first-use shortcuts of smmgen.text.measure agree with what they stand in for."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from twitter_text_oracle import url_spans as _twitter_text

from smmgen.text import grapheme as gr
from smmgen.text import mastodon_count as mc
from smmgen.text import measure as m
from smmgen.text import twitter_urls as tu
from smmgen.text import x_weight as xw

TLDS = [name for tlds in tu.tld_lists() for name in tlds.names]
# Non-ASCII characters that case-insensitive matching takes for ASCII letters, and characters that are
# neither ASCII nor in a TLD but sit close to them (Turkish, German, Greek final sigma).
LOOKALIKES = ["\u212a", "\u017f", "\u0131", "\u0130", "\u212b", "ö", "Ö", "ß", "ς", "Σ"]

# fmt: off
SCHEMES = ["http://", "https://", "HTTPS://", "hTtP://", "ftp://", "gemini://", "dat://", "ipfs://", "ssb://", "://"]
DOMAINS = ["example.com", "sub.example.co.uk", "EXAMPLE.COM", "www.example.org", "t.co", "bit.ly", "a.b",
           "ex_ample.com", "ex-ample.com", "-bad-.com", "bad-.com", "xn--p1ai", "xn--80ak6aa92e.com", "пример.рф",
           "ПРИМЕР.РФ", "例子.中国", "例子.中國", "müller.de", "münchen.vermögensberatung", "a.vermögensberater",
           "嘉里大酒店", "x.嘉里", "x.嘉里大酒店", "1.2.3.4", "localhost", "example.onion", "example.co.jp",
           "example.com.", "a..com", "x" * 64 + ".com", "ευ.ευ", "test.ΕΛ", "example.\u212az", "example.\u017fk",
           "xn--ü.de", "xn--ü", "ا—a.co", "عربي.ευ"]
PATHS = ["", "/", "/path", "/a/b.html", "/a(b)c", "/(x)", "/a_(b_(c))", "/@user/", "/@user", "?q=1&r=2", "?q=",
         ":8080", ":8080/x", "#frag", "/search?q=a+b#top", "/~tilde", "/ünïcödé", "/кириллица", "/%20", "/a-",
         "/a.", "?", "/" + "a" * 41, "/abc", "/x?y=(z)", "/「括弧」"]
AROUND = [" ", "  ", "\n", "\t", "\u3000", "\u00a0", "\u200e", "\u202a", ".", ",", "!", "?", ")", "(", ":", ";",
          "'", '"', "…", "-", "_", "/", "@", "＠", "#", "＃", "$", "&", "=", "[", "]", "<", ">", "*", "~",
          "a", "Z", "7", "é", "東", "京", "ж", "😀", "\ufeff", "\ufffe", "العربية", "—", "،", "עברית"]
OTHER = ["user@example.com", "@alice", "@alice@mastodon.social", "#news", "$AAPL", "e.g.", "3.5%", "i.e.",
         "т.е.", "Dr.Smith", "t.co/abc", "https://t.co/abc123", "https://t.co/" + "a" * 41, "...", "..com",
         "see:", "www.", "vermögensberatung", "VERMÖGENSBERATER"]
# fmt: on

url_like = st.builds(lambda s, d, p: s + d + p,
                     st.sampled_from(["", *SCHEMES]), st.sampled_from(DOMAINS), st.sampled_from(PATHS))
built_domain = st.builds(
    lambda labels, tld, upper: ".".join(labels + [tld.upper() if upper else tld]),
    st.lists(st.sampled_from(["a", "example", "ex-ample", "ex_ample", "müller", "東京", "ж", "x" * 70, "xn--abc"]),
             min_size=0, max_size=3),
    st.sampled_from(TLDS),
    st.booleans(),
)
with_lookalike = st.builds(lambda tld, i, ch: tld[:i] + ch + tld[i + 1:] if tld else ch,
                           st.sampled_from(TLDS), st.integers(0, 5), st.sampled_from(LOOKALIKES))
filler = st.one_of(st.sampled_from(AROUND + OTHER + SCHEMES + PATHS), st.text(max_size=3))
framed = st.builds(lambda before, url, after: before + url + after,
                   st.one_of(st.sampled_from(["", " ", "\n", "("]), filler),
                   st.one_of(url_like, built_domain, with_lookalike), filler)
texts = st.lists(st.one_of(framed, filler), max_size=8).map("".join)

CHECK = settings(max_examples=600, deadline=None)


def _mastodon_matches(text: str) -> list[tuple[int, int, bool, str]]:
    return [(*x.span(2), x.group(3) is not None, x.group(4)) for x in mc._mastodon_url().finditer(text)]


@CHECK
@given(texts)
def test_x_urls_are_twitter_texts(text: str) -> None:
    # Without the fallback: the pieces alone must decide every text.
    fast = tu._x_url_spans(text) if "." in text else []
    assert fast == _twitter_text(text)
    assert tu.x_url_spans(text) == fast


@CHECK
@given(texts)
def test_mastodon_matches_are_its_expressions(text: str) -> None:
    found = [(x.start, x.end, x.domain > x.start, text[x.domain : x.domain_end])
             for x in tu.find(mc._mastodon_grammar(), text)]
    assert found == _mastodon_matches(text)


@CHECK
@given(st.lists(st.sampled_from(["", "www.", "sub.", "müller.", "ex_ample.", "-", "."]), max_size=3).map("".join),
       st.sampled_from(TLDS), st.sampled_from(["", ".", "-x", "x", "ö", ".com", "@", ".de.uk"]))
def test_ascii_domains_are_twitter_texts(head: str, tld: str, tail: str) -> None:
    # What twitter-text keeps of a URL without a scheme.
    domain = head + "example." + tld + tail
    valid_ascii_domain = tu.twitter_text_part("regexp.valid_ascii_domain").valid_ascii_domain
    expected = [x.span() for x in valid_ascii_domain.finditer(domain)]
    assert tu._Scan(tu.x_grammar(), domain).ascii_domains() == expected


@pytest.mark.parametrize("engine", [re, regex], ids=["re", "regex"])
def test_every_lookalike_letter_in_a_tld_counts_as_the_expression_counts_it(engine) -> None:
    # Every character the TLD look-ahead's class holds beyond ASCII, put in place of the letter it stands for.
    word = engine.compile(tu.tld_lists()[0].word, engine.IGNORECASE)
    others = [ch for ch in map(chr, range(0x80, 0x110000)) if word.fullmatch(ch)]
    assert others, "expected the Kelvin sign and the long s at least"
    grammar = tu.x_grammar() if engine is re else mc._mastodon_grammar()
    for ch in others:
        letter = tu._ascii_letter(engine, ch)
        for tld in [t for t in TLDS if t.isascii() and letter in t][:5] or ["com"]:
            text = "see https://example." + tld.replace(letter, ch, 1) + "/x and example." + tld.replace(letter, ch)
            if engine is re:
                assert tu._x_url_spans(text) == _twitter_text(text), (ch, tld)
            else:
                found = [(x.start, x.end, x.domain > x.start, text[x.domain : x.domain_end])
                         for x in tu.find(grammar, text)]
                assert found == _mastodon_matches(text), (ch, tld)


@pytest.mark.parametrize("engine", [re, regex], ids=["re", "regex"])
def test_no_ascii_or_tld_class_character_starts_a_non_ascii_tld(engine) -> None:
    # _Scan tries the non-ASCII TLDs only after a non-ASCII character (or an ASCII letter one of them starts
    # with): that skips nothing only if these characters never match such a TLD's first letter.
    word = engine.compile(tu.tld_lists()[0].word, engine.IGNORECASE)
    in_class = [ch for ch in map(chr, range(0x110000)) if word.fullmatch(ch)]
    firsts = {name[0] for name in TLDS if not name[0].isascii()}
    for first in firsts:
        pattern = engine.compile(engine.escape(first), engine.IGNORECASE)
        assert not [ch for ch in map(chr, range(0x80)) if pattern.fullmatch(ch)], first
        assert not [ch for ch in in_class if pattern.fullmatch(ch)], first


def test_patterns_read_from_source_are_the_modules_own() -> None:
    folder = Path(tu.twitter_text_part("regexp").__file__).parent
    names = sorted(p.stem for p in folder.glob("*.py") if p.stem not in ("__init__", "emoji"))
    assert "extract_url" in names and "valid_gtld" in names
    for name in names:
        value = getattr(tu.twitter_text_part(f"regexp.{name}"), name)
        assert tu._source_text(name) == (value if isinstance(value, str) else value.pattern), name
    generic, country = tu.tld_lists()
    assert "com" in generic.names and "de" in country.names and "рф" in country.names
    assert generic.tail == country.tail == ")(?=[^0-9a-zA-Z@+-]|$))"


def test_an_undecidable_tld_falls_back_to_twitter_text(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "see example.com and https://t.co/abc"

    def undecided(*args: object) -> list[tuple[int, int]]:
        raise tu.Ambiguous("test")

    monkeypatch.setattr(tu, "_x_url_spans", undecided)
    assert tu.x_url_spans(text) == _twitter_text(text) == [(4, 15), (20, 36)]


def test_measuring_a_post_compiles_no_tld_list() -> None:
    # The point of twitter_urls: a process that measures posts never compiles twitter-text's TLD alternations.
    code = (
        "import sys; from smmgen.text import measure, richtext\n"
        "t = 'Read https://example.com/a and www.example.org, пример.рф and https://t.co/x @a@b.social 😀'\n"
        "print(measure.x_weighted_length(t), measure.mastodon_length(t), measure.x_count(t).weighted_length,\n"
        "      len(richtext.detect_facets(t)))\n"
        "print([n for n in sys.modules if n.split('.')[-1] in\n"
        "       ('valid_gtld', 'valid_cctld', 'valid_domain', 'extract_url', 'valid_ascii_domain', 'markdown')])\n"
        "import twitter_text; print(twitter_text.parse_tweet(t).weightedLength)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    counts, loaded, reference = out.splitlines()
    assert loaded == "[]"
    assert counts.split()[0] == counts.split()[2] == reference


# --------------------------------------------------------------------------------------------------------
# Other first-use shortcuts


def test_joining_class_and_table_find_the_same_characters() -> None:
    finder = gr._JoiningFinder()
    everything = "".join(map(chr, range(0x10000)))
    by_class = {ch for ch in everything if finder.found_in(ch)}
    assert finder._table is None                   # one character at a time stays within the class's budget
    by_table = set(gr._may_join().findall(everything))
    assert by_class == by_table
    assert finder.found_in("\U0001f600") and not finder.found_in("Größe")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_joining_finder_answers_alike_before_and_after_building_the_table(texts: list[str]) -> None:
    finder = gr._JoiningFinder()
    finder._left = sum(map(len, texts)) // 2       # builds the table halfway
    assert [finder.found_in(t) for t in texts] == [gr._may_join().search(t) is not None for t in texts]


def test_every_emoji_starts_where_the_quick_check_looks() -> None:
    table = xw._emoji_table()
    missed = [seq for seq in table.sequences if not xw._MAY_START_EMOJI.match(seq)]
    assert missed == []
    assert xw._MAY_START_EMOJI.search("Größe 3,5 € — «Привет» 東京") is None


def test_plain_articles_do_not_import_markdown() -> None:
    code = (
        "import sys, json; from smmgen.content import markup\n"
        "plain = markup.to_plain_text('A plain paragraph.\\n\\nAnother one, with https://example.com/x.')\n"
        "before = 'markdown' in sys.modules\n"
        "rich = markup.to_plain_text('Some *emphasis* and [a link](https://example.com).')\n"
        "print(json.dumps([plain, before, rich]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    plain, imported_before, rich = json.loads(out)
    assert imported_before is False
    assert plain == "A plain paragraph.\n\nAnother one, with https://example.com/x."
    assert rich == "Some emphasis and a link."


def test_mastodon_is_not_affected_by_twitter_texts_two_readings():
    # Mastodon counts graphemes, not twitter-text's emoji, and only URLs with a scheme: a domain glued to other
    # text without one ("العربية—a.co.") is plain text there, whatever X makes of it.
    assert m.mastodon_length("🧑🏽\u200d🤝\u200d🧑🏻") == 1
    glued = "العربية—a.co. and x—example.com"
    assert m.x_urls(glued) == [(8, 12), (20, 31)]
    assert m.mastodon_length(glued) == m.safe_grapheme_len(glued)
