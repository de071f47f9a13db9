"""Markdown to plain text: a one-line title or summary with no Markdown or HTML in it skips the converter;
what it gives must be what the converter gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.content import dialects, markup


def converted(source: str) -> str:
    return " ".join(markup.to_plain_text(source).split())


LETTERS = "abcXYZäöüßéñçøåæłžČŠабвгдеЖЗИ東京한국αβγمرحباשלום"
SAFE = LETTERS + "0123456789 ,.;:!?'\"()/%$€£+-–—‘’“”«»„…·"
# Everything else that could matter: Markdown and HTML syntax, other white space, controls.
OTHER = "*_`[]<>&\\#|{}~^=\t\n\r\u00a0\u2028\x02\x03\u0301"


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(LETTERS), st.text(alphabet=SAFE, max_size=60))
def test_plain_lines_skip_the_converter_and_read_the_same(first, rest):
    source = first + rest
    assert markup._PLAIN_LINE.fullmatch(source)
    assert markup.inline_text(source) == converted(source)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=SAFE + OTHER, max_size=40))
def test_any_line_reads_as_the_converter_reads_it(source):
    assert markup.inline_text(source) == converted(source)


def test_lines_with_markdown_go_through_the_converter():
    for source in ("1. First", "- item", "# Heading", "a *b* c", "a_b_", "Tom &amp; Jerry", "x <b>y</b>",
                   "[link](https://example.com)", "    code", "Title\u2028more"):
        assert not markup._PLAIN_LINE.fullmatch(source)
    assert markup.inline_text("Tom &amp; Jerry") == "Tom & Jerry"
    assert markup.inline_text("a *b* c") == "a b c"


LINE = st.builds(lambda first, rest: first + rest, st.sampled_from(LETTERS + "東京。"),
                 st.text(alphabet=SAFE + "。、，！？「」（）", max_size=50))
BLANK = st.sampled_from(["", " ", "   "])


@st.composite
def bodies(draw, other: bool = False):
    pieces = st.one_of(LINE, BLANK, st.text(alphabet=SAFE + OTHER, max_size=12)) if other else \
        st.one_of(LINE, LINE, BLANK)
    return "\n".join(draw(st.lists(pieces, max_size=12)))


@settings(max_examples=400, deadline=None)
@given(bodies())
def test_paragraphs_of_plain_lines_skip_the_converter_and_read_the_same(source):
    if markup._plain_paragraphs(source) is not None:
        assert markup.to_plain_text(source) == markup.html_to_text(markup.to_html(source))


@settings(max_examples=400, deadline=None)
@given(bodies(other=True))
def test_any_body_reads_as_the_converter_reads_it(source):
    # The converter reads the source once what Hugo and Jekyll add to Markdown is removed (smmgen.content.dialects),
    # which leaves the sources the plain path takes as they are (test_markup_dialects).
    assert markup.to_plain_text(source) == markup.html_to_text(markup.to_html(dialects.clean(source)))


def test_bodies_with_markdown_go_through_the_converter():
    for source in ("Para one.\n\n- item", "Line  \nbreak", "Title\n=====", "Text\n\n    code", "a\n> quote",
                   "Term\n: definition", "x | y\n--- | ---", "Plain\u00a0line"):
        assert markup._plain_paragraphs(source) is None
    assert markup.to_plain_text("One\ntwo  three\n\n \nFour.") == "One\ntwo three\n\nFour."
