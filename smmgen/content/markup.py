"""Markdown to the plain text a social post can carry.

What Hugo and Jekyll add to Markdown (shortcodes, Liquid, attribute lists, alerts: ``smmgen.content.dialects``) is removed
first. Markdown is then rendered to HTML with Python-Markdown (the same dialect the site renders) and the HTML is
walked to text: link text kept, images, footnotes, scripts and raw HTML tags dropped, entities decoded, paragraphs
kept apart. An article's body (``prose_text``) keeps only its prose: headings, code blocks, tables and raw HTML
blocks are not something a post can quote.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser
from typing import Any

from smmgen.content.dialects import clean

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "table", "tr", "ul", "ol",
           "dl", "dt", "dd", "hr", "figure", "figcaption", "section", "article", "header", "footer"}
_SKIP = {"script", "style", "template", "iframe", "object", "svg", "noscript", "head", "title"}
# Not prose: a heading read as a sentence ("TL;DR", "About the Series"), code, a table's cells.
_NOT_PROSE = {"h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"}
# The blocks Markdown itself makes; any other block at the top level is raw HTML written into the article.
_MARKDOWN_BLOCKS = {"p", "ul", "ol", "dl", "blockquote", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"}
_VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr", "area", "base", "col", "embed", "param",
         "track"}


class _TextCollector(HTMLParser):
    def __init__(self, prose: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.prose = prose
        self.parts: list[str] = []
        self.skip_depth = 0
        self.stack: list[tuple[str, bool]] = []   # (tag, started skipping here)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br" and not self.skip_depth:
                self.parts.append("\n")
            return
        classes = (dict(attrs).get("class") or "").split()
        skipping = tag in _SKIP or "footnote" in classes or "footnote-ref" in classes
        if self.prose and (tag in _NOT_PROSE or (not self.stack and tag not in _MARKDOWN_BLOCKS)):
            skipping = True
        if tag == "sup" and any(a == "id" and (v or "").startswith("fnref") for a, v in attrs):
            skipping = True
        self.stack.append((tag, skipping))
        if skipping:
            self.skip_depth += 1
        elif tag in _BLOCKS and not self.skip_depth:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching tag; stray end tags in raw HTML are ignored.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _, skipping in self.stack[i:]:
                    if skipping:
                        self.skip_depth -= 1
                del self.stack[i:]
                break
        if tag in _BLOCKS and not self.skip_depth:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


@functools.lru_cache(maxsize=1)
def _converter() -> Any:
    # Made on first use: importing Markdown and setting up its extensions takes 0.05 s, and most articles are
    # plain paragraphs that never need it (``_plain_paragraphs``).
    import markdown

    return markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")


def to_html(source: str) -> str:
    md = _converter()
    md.reset()
    return md.convert(source)


def html_to_text(html: str, *, prose: bool = False) -> str:
    collector = _TextCollector(prose)
    collector.feed(html)
    collector.close()
    return _normalise("".join(collector.parts))


def to_plain_text(source: str) -> str:
    """Markdown source -> plain text with paragraphs separated by one blank line."""
    plain = _plain_paragraphs(source)
    return plain if plain is not None else html_to_text(to_html(clean(source)))


def prose_text(source: str) -> str:
    """An article body -> the plain text of its prose (``to_plain_text`` without headings, code blocks, tables
    and raw HTML blocks), so that its first paragraph is the lead, not a heading."""
    plain = _plain_paragraphs(source)
    return plain if plain is not None else html_to_text(to_html(clean(source)), prose=True)


def _plain_paragraphs(source: str) -> str | None:
    """The text of Markdown that is nothing but paragraphs of plain lines (``_PLAIN_LINE``, none ending in a
    space, which could make a line break), as the converter gives it; None for anything else. Most news
    articles are just that, and converting them costs more than the rest of reading them."""
    paragraphs: list[str] = []
    lines: list[str] = []
    for line in source.split("\n"):
        if not line.strip(" "):
            if lines:
                paragraphs.append("\n".join(lines))
                lines = []
        elif _PLAIN_LINE.fullmatch(line) and not line.endswith(" "):
            lines.append(" ".join(line.split()))
        else:
            return None
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def inline_text(source: str) -> str:
    """One line of Markdown (a title, a summary) -> plain text on one line."""
    if _PLAIN_LINE.fullmatch(source):
        return " ".join(source.split())      # what Markdown would give, without running it
    return " ".join(to_plain_text(source).split())


# A line in which Markdown and HTML find nothing to do: letters, digits, spaces and punctuation that is no
# Markdown or HTML syntax (no * _ ` [ ] < > & \ # | { } ~ ^ or =), starting with a letter (a line that starts
# with a digit, a space, '-', '+' or ':' could be a list, a code block or a definition).
_PLAIN_LINE = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.;:!?'\"()/%$€£+\-–—‘’“”«»„…·。、，．！？：；「」『』（）・])*")


def _normalise(text: str) -> str:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            paragraphs.append(block)
    return "\n\n".join(paragraphs)


def first_paragraph(text: str) -> str:
    return text.split("\n\n", 1)[0] if text else ""
