"""What Hugo and Jekyll sites write into Markdown besides Markdown, removed before the text is read.

| syntax                                       | from                    | becomes                              |
|----------------------------------------------|-------------------------|--------------------------------------|
| ``{{< x >}}``, ``{{% x %}}``, ``{{< x />}}`` | Hugo shortcodes         | nothing; a paired one keeps its inner |
|                                              |                         | text, a code one (``highlight``) not  |
| ``[text]({{< ref "x" >}})``                  | Hugo ``ref``/``relref`` | the link text                        |
| ``{% tag %}``, ``{{ value }}``               | Liquid (Jekyll)         | nothing; ``{% highlight %}``,         |
|                                              |                         | ``{% comment %}`` drop their content, |
|                                              |                         | ``{% raw %}`` keeps it                |
| ``{: .class}``, ``{#id .c key="v"}``         | kramdown, Pandoc, Hugo  | nothing                              |
| ``{::comment}...{:/comment}``                | kramdown extensions     | nothing                              |
| ``> [!NOTE]``                                | GitHub alerts           | the quote without the marker         |
| ```` ``` ```` / ``~~~`` fences                | CommonMark              | nothing (code is not post text)      |
| ``[text][ref]``, ``[ref]``, ``[ref]: <url>`` | reference links         | the link text; definitions removed   |

Everything here is Markdown in, Markdown out, and runs only where the source has the characters a construct
needs (most articles have none of them).
"""

from __future__ import annotations

import re

# Paired shortcodes and Liquid blocks whose content is code or markup, not prose: dropped with their content.
CODE_SHORTCODES = frozenset({"highlight", "code", "codeblock", "mermaid", "katex", "math", "chart", "rawhtml",
                             "raw-html", "html", "gist", "diagram", "plantuml", "asciinema", "tweet"})
CODE_LIQUID = frozenset({"highlight", "comment", "capture", "codeblock", "code", "javascript", "schema"})

# A shortcode tag: the name, then arguments up to ">}}" or "%}}", where a quoted argument may hold ">" or "%"
# and a raw string (`...`) may hold anything. ``{{</* x */>}}`` is Hugo's way of showing a shortcode as text.
_SHORTCODE = re.compile(
    r"\{\{([<%])-?\s*(?:/\*)?\s*(/?)\s*([\w.\-/]*)"
    r"""((?:"(?:[^"\\\n]|\\.)*"|`[^`]*`|[^"`])*?)"""
    r"\s*(?:\*/)?\s*/?\s*-?[>%]\}\}", re.S)
_LIQUID_TAG = re.compile(r"\{%-?\s*(\w*)((?:\"[^\"\n]*\"|'[^'\n]*'|[^\"'])*?)-?%\}", re.S)
_LIQUID_OUTPUT = re.compile(r"\{\{(?![<%])(?:\"[^\"\n]*\"|'[^'\n]*'|[^}\"']|\}(?!\}))*\}\}")

_FENCE_OPEN = re.compile(r"^[ \t]*(?:>[ \t]*)*(`{3,}|~{3,})")
_ALERT = re.compile(r"^([ \t]*>[ \t]*)\[![A-Za-z]+\][+-]?[ \t]*", re.M)
_KRAMDOWN_BLOCK = re.compile(r"\{::(comment|nomarkdown)\b[^}]*\}.*?\{:/(?:\1)?\}", re.S)
# An attribute list may run on to the paragraph's next line (kramdown reads `{:` … `}` across it).
_KRAMDOWN = re.compile(r"\{:(?:[^{}\n]|\n(?![ \t]*\n))*\}")
# kramdown's table of contents: a one-item list ("* TOC") that the {:toc} under it replaces.
_KRAMDOWN_TOC = re.compile(r"^[ \t]*(?:[*+-]|\d+\.)[ \t]+.*\n[ \t]*\{:[ \t]*toc[ \t]*\}", re.M)
# {#id .class key="value" key=value}, with or without the colon: only ids, classes and attributes inside.
_ATTRIBUTES = re.compile(
    r"""\{[ \t]*(?:(?:[#.][\w\-:]+|[\w\-:]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s}]+))[ \t]*)+\}""")
_REF_DEFINITION = re.compile(r"^[ ]{0,3}\[([^\]\n^][^\]\n]*)\]:[ \t]*(?:<[^>\n]*>|\S+)(?:[ \t]+.*)?$\n?", re.M)
# The text may be an inline image ([![alt](cover.gif)][ref], a linked picture): Markdown then drops the image;
# it may hold brackets ([[ruby-talk:367769]][1]) and run on to the paragraph's next line.
_REF_LINK = re.compile(r"(!?)\[((?:!\[[^\[\]\n]*\]\([^()\s]*\)|\[[^\[\]\n]*\]|[^\[\]\n]|\n(?![ \t]*\n))+)\]"
                       r"\[([^\[\]\n]*)\]")


def clean(source: str) -> str:
    """``source`` without the constructs of the module's table; plain Markdown passes through unchanged."""
    if "```" in source or "~~~" in source:
        source = _without_fences(source)
    if "{{" in source:
        source = _without_shortcodes(source)
    if "{%" in source:
        source = _without_liquid(source)
    if "{{" in source:
        source = _LIQUID_OUTPUT.sub("", source)
    if "{" in source:
        if "{:" in source:
            source = _KRAMDOWN.sub("", _KRAMDOWN_TOC.sub("", _KRAMDOWN_BLOCK.sub("", source)))
        source = _ATTRIBUTES.sub("", source)
    if "[!" in source:
        source = _ALERT.sub(r"\1", source)
    if "]:" in source or "][" in source:
        source = _resolve_references(source)
    return source


def _without_fences(source: str) -> str:
    """Fenced code blocks removed (an unclosed fence runs to the end, as in CommonMark)."""
    out: list[str] = []
    fence = ""
    for line in source.split("\n"):
        if fence:
            stripped = line.lstrip(" \t>").rstrip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        m = _FENCE_OPEN.match(line)
        if m and not (m.group(1)[0] == "`" and "`" in line[m.end():]):
            fence = m.group(1)
            out.append("")
            continue
        out.append(line)
    return "\n".join(out)


def _without_shortcodes(source: str) -> str:
    return _without_tags(source, _SHORTCODE, CODE_SHORTCODES, closer=lambda m: m.group(2) == "/",
                         name=lambda m: m.group(3).lower(),
                         ends=lambda opened, m: m.group(2) == "/" and m.group(3).lower() == opened)


def _without_liquid(source: str) -> str:
    return _without_tags(source, _LIQUID_TAG, CODE_LIQUID, closer=lambda m: m.group(1).startswith("end"),
                         name=lambda m: m.group(1).lower(),
                         ends=lambda opened, m: m.group(1).lower() == "end" + opened)


def _without_tags(source: str, pattern: re.Pattern[str], code: frozenset[str], *, closer, name, ends) -> str:
    """Every tag of ``pattern`` removed; between an opening tag named in ``code`` and its end tag (nested ones of
    the same name counted), the content too. A code tag that is never closed loses only itself."""
    tags = list(pattern.finditer(source))
    if not tags:
        return source
    out: list[str] = []
    pos = 0
    i = 0
    while i < len(tags):
        m = tags[i]
        out.append(source[pos:m.start()])
        pos = m.end()
        opened = name(m)
        if opened in code and not closer(m) and not m.group(0).rstrip("}>%-").rstrip().endswith("/"):
            depth = 0
            for j in range(i + 1, len(tags)):
                t = tags[j]
                if ends(opened, t):
                    if depth == 0:
                        pos = t.end()
                        # A block of its own ends the paragraph; one inside a sentence leaves a space.
                        out.append("\n\n" if source.startswith("\n", m.start() - 1) or not m.start() else " ")
                        i = j
                        break
                    depth -= 1
                elif name(t) == opened and not closer(t):
                    depth += 1
        i += 1
    out.append(source[pos:])
    return "".join(out)


def _resolve_references(source: str) -> str:
    """Reference links as their text: ``[text][ref]``, ``[text][]`` and a defined ``[ref]`` alone; reference
    images and every definition removed (a definition whose URL Markdown cannot read would show as text)."""
    labels = {m.group(1).strip().casefold() for m in _REF_DEFINITION.finditer(source)}
    if labels:
        source = _REF_DEFINITION.sub("", source)
    source = _REF_LINK.sub(lambda m: "" if m.group(1) else m.group(2), source)
    if labels:
        source = re.sub(r"(?<![\]!\\])\[([^\[\]\n]+)\](?![(\[:])",
                        lambda m: m.group(1) if m.group(1).strip().casefold() in labels else m.group(0), source)
    return source


# What a post should never show: the start or end of a template tag, an alert marker, an attribute list.
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\[![A-Za-z]+\]|\{:|\{[#.][\w-]+[^{}\n]*\}")


def leftover(text: str) -> str | None:
    """The first piece of template or attribute syntax in ``text`` (with a little context), or None."""
    if "{" not in text and "}" not in text and "[!" not in text:
        return None
    m = _LEFTOVER.search(text)
    if m is None:
        return None
    start = max(0, m.start() - 20)
    if start:
        start = min(text.find(" ", start) + 1 or m.start(), m.start())      # from a word's start
    return " ".join(text[start: m.end() + 20].split())
