"""URLs as twitter-text finds them (X counts each as 23) and as Mastodon's variant of it does, without compiling
twitter-text's TLD lists.

twitter-text's URL expression holds IANA's whole TLD list (about 1,600 names) as one alternation, in two places,
and Python spends about 0.1 s compiling it (Mastodon's variant, in the regex module, 0.05 s more): more than
cutting an article takes, paid again by every process that cuts one. Here the expression runs in pieces
(``Grammar``): every part except the TLD alternation is twitter-text's own pattern, compiled as it is and small,
and ``_Scan`` tries them in the order the expression's backtracking does, so it finds the same matches. The TLD
alternation becomes a set look-up:

- every ASCII TLD is letters only and must be followed by a character outside ``[0-9a-zA-Z@+-]``, so the only
  ASCII TLD that can match is the whole run of such characters where the TLD starts: one look-up in a set;
- the TLDs with non-ASCII letters (about 150) are compiled as an alternation of their own, in their order, when
  first needed. None of them can match where an ASCII one does (``_tld_list`` checks), so the order between the
  two kinds does not matter.

Such a run may hold a non-ASCII character that case-insensitive matching takes for an ASCII letter (the Kelvin
sign for "k", the long s for "s"): it is looked up as that letter. Were there a character that matched several,
``Ambiguous`` would be raised, and the caller would run twitter-text's whole expression instead.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple


def twitter_text_part(name: str) -> ModuleType:
    """A module of twitter-text-parser (``"extract_urls"``, ``"regexp.valid_domain"``, ...), imported on first use
    without running the package's ``__init__``, which also compiles its emoji patterns and imports
    ``pkg_resources``: 0.2 s that a build needing only some patterns would pay every time."""
    full = f"twitter_text.{name}"
    if full in sys.modules or "twitter_text" in sys.modules:
        return importlib.import_module(full)
    spec = importlib.util.find_spec("twitter_text")
    if spec is None:
        raise ModuleNotFoundError("twitter-text-parser is not installed", name="twitter_text")
    sys.modules["twitter_text"] = importlib.util.module_from_spec(spec)
    try:
        return importlib.import_module(full)
    finally:
        del sys.modules["twitter_text"]      # a later ``import twitter_text`` runs the package as usual


# --------------------------------------------------------------------------------------------------------
# twitter-text's TLD lists


@dataclass(frozen=True)
class TldList:
    """One of twitter-text's TLD patterns (``valid_gtld``, ``valid_cctld``), taken apart: it is
    ``head + "|".join(names) + tail``, and ``tail`` holds the look-ahead every name must be followed by."""

    names: tuple[str, ...]           # in the pattern's order (which matters: the first that matches wins)
    head: str                        # "(?:(?:"
    tail: str                        # ")(?=[^0-9a-zA-Z@+-]|$))"
    word: str                        # the class the look-ahead excludes, e.g. "[0-9a-zA-Z@+-]"


_HEAD = "(?:(?:"
_TAIL = re.compile(r"\)\(\?=\[\^([^\]\[\\]+)\]\|\$\)\)\Z")
_SPECIAL = frozenset("\\.^$*+?{}[]()|#")


@functools.lru_cache(maxsize=1)
def tld_lists() -> tuple[TldList, TldList]:
    """twitter-text's generic and country-code TLD lists, read from its source without compiling them (the
    compiled patterns are used when twitter-text's modules are loaded already)."""
    return _tld_list("valid_gtld"), _tld_list("valid_cctld")


def _tld_list(name: str) -> TldList:
    pattern = pattern_text(name)
    tail = _TAIL.search(pattern)
    if not pattern.startswith(_HEAD) or tail is None:
        raise RuntimeError(f"twitter-text-parser's {name} pattern changed shape")
    names = tuple(pattern[len(_HEAD) : tail.start()].split("|"))
    ascii_names = {tld.lower() for tld in names if tld.isascii()}
    for tld in names:
        # ASCII names are lower-case letters and digits (each is one whole run of the look-ahead's class); a
        # name with non-ASCII letters is plain text and does not start with an ASCII name ("vermögensberatung"
        # starts with "verm", which is none): no two kinds of name can match at one place.
        if tld.isascii():
            ok = tld.isalnum() and tld.islower()
        else:
            head = len(tld) - len(tld.lstrip("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
            ok = not _SPECIAL.intersection(tld) and tld[:head].lower() not in ascii_names
        if not ok:
            raise RuntimeError(f"twitter-text-parser's {name} pattern changed shape (at {tld!r})")
    return TldList(names=names, head=_HEAD, tail=tail.group(0), word=f"[{tail.group(1)}]")


@functools.lru_cache(maxsize=None)
def pattern_text(name: str) -> str:
    """The pattern of twitter-text's ``regexp/<name>.py`` as text, from the loaded module or else worked out from
    the module's source without running it: running it would compile every pattern it is made of, with
    case-insensitive classes that Python's compiler expands code point by code point (10 ms for the path)."""
    loaded = sys.modules.get(f"twitter_text.regexp.{name}")
    if loaded is not None:
        value = getattr(loaded, name)
        return value if isinstance(value, str) else value.pattern
    return _source_text(name)


def _source_text(name: str) -> str:
    # Each module is one of ``name = '...'``, ``name = re.compile('...', flags)`` or ``name = regex_supplant(
    # <either>, {'key': other, ...}, flags)``, whose '#{key}' stand for the other module's pattern; literals may
    # be concatenated with +. The flags do not matter here: a pattern's flags are lost where it is put into
    # another, and the pieces are compiled case-insensitively, as the whole expression is.
    spec = importlib.util.find_spec("twitter_text")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("twitter-text-parser is not installed", name="twitter_text")
    path = Path(spec.submodule_search_locations[0]) / "regexp" / f"{name}.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {alias.asname or alias.name: (node.module, alias.name) for node in tree.body
                if isinstance(node, ast.ImportFrom) and node.level == 1 for alias in node.names}
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == name):
            return _evaluated(node.value, imported, name)
    raise RuntimeError(f"twitter-text-parser's regexp/{name}.py changed shape")


def _evaluated(node: ast.expr, imported: dict[str, tuple[str | None, str]], name: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _evaluated(node.left, imported, name) + _evaluated(node.right, imported, name)
    if isinstance(node, ast.Call) and node.args and not node.keywords:
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr == "compile" and isinstance(func.value, ast.Name)
                and func.value.id == "re"):
            return _evaluated(node.args[0], imported, name)
        if (isinstance(func, ast.Name) and func.id == "regex_supplant" and len(node.args) >= 2
                and isinstance(node.args[1], ast.Dict)):
            parts: dict[str, str] = {}
            for key, value in zip(node.args[1].keys, node.args[1].values):
                # Each value is ``other``, imported as ``from .other import other``.
                if not (isinstance(key, ast.Constant) and isinstance(value, ast.Name)
                        and imported.get(value.id) == (value.id, value.id)):
                    raise RuntimeError(f"twitter-text-parser's regexp/{name}.py changed shape")
                parts[key.value] = pattern_text(value.id)
            template = _evaluated(node.args[0], imported, name)
            return re.sub(r"#\{(\w+)\}", lambda m: parts.get(m.group(1), ""), template)
    raise RuntimeError(f"twitter-text-parser's regexp/{name}.py changed shape")


# --------------------------------------------------------------------------------------------------------
# The expression in pieces


class Ambiguous(Exception):
    """A TLD the set look-up cannot decide as the compiled expression would (see the module docstring)."""


@dataclass(frozen=True)
class Grammar:
    """twitter-text's URL expression ``(preceding)((scheme)?(domain)tail)`` in pieces, each compiled on its own
    (case-insensitively, as the expression is) with one engine: ``re`` for twitter-text, ``regex`` for Mastodon.
    The domain is ``subdomain* domain_name (tld | punycode)``."""

    engine: Any
    preceding: Any          # the character a URL may follow; also matches nothing at the start of the text
    scheme: Any
    subdomain: Any
    domain_name: Any
    tld_word: Any           # a run of the characters no TLD may be followed by
    punycode: Any
    tail: Any               # port, path (group "path") and query
    # Where the expression may match: a character a URL may follow, then a scheme or a domain label (a domain
    # starts with a subdomain label, or with a domain name, which is one too). Found at the compiled pattern's
    # speed instead of trying the whole expression at every position.
    start: Any
    ascii_tlds: frozenset[str]
    idn_ascii_starts: frozenset[str]    # the ASCII letters (lower case) a TLD with non-ASCII letters starts with
    idn_pattern: str        # the TLDs with non-ASCII letters, as an alternation in the lists' order
    ascii_label_pattern: str    # twitter-text's ASCII domain label, for URLs without a scheme

    # Compiled on first use: most texts need neither.
    @functools.cached_property
    def idn(self) -> Any:
        return self.engine.compile(self.idn_pattern, self.engine.IGNORECASE)

    @functools.cached_property
    def ascii_label(self) -> Any:
        return self.engine.compile(self.ascii_label_pattern, self.engine.IGNORECASE)


def grammar(engine: Any, scheme: str, tail: str) -> Grammar:
    """The expression with ``scheme`` and ``tail`` (port, path and query, with the path as group ``path``),
    compiled with ``engine`` (the ``re`` or ``regex`` module)."""

    pattern = pattern_text

    def compile_(text: str) -> Any:
        return engine.compile(text, engine.IGNORECASE)

    lists = tld_lists()
    words = {t.word for t in lists}
    if len(words) != 1:
        raise RuntimeError("twitter-text-parser's TLD patterns changed shape")
    idn_names = [[n for n in t.names if not n.isascii()] for t in lists]
    idn = [t.head + "|".join(names) + t.tail for t, names in zip(lists, idn_names) if names]
    preceding, subdomain = pattern("valid_url_preceding_chars"), pattern("valid_subdomain")
    return Grammar(
        engine=engine,
        preceding=compile_(preceding),
        scheme=compile_(scheme),
        subdomain=compile_(subdomain),
        domain_name=compile_(pattern("valid_domain_name")),
        tld_word=compile_(words.pop() + "*"),
        punycode=compile_(pattern("valid_punycode")),
        tail=compile_(tail),
        start=compile_(f"{preceding}(?=(?:{scheme})|{subdomain})"),
        ascii_tlds=frozenset(n for t in lists for n in t.names if n.isascii()),
        idn_ascii_starts=frozenset(n[0].lower() for names in idn_names for n in names if n[0].isascii()),
        idn_pattern="|".join(idn) or "(?!)",
        ascii_label_pattern=rf"(?:[\-a-z0-9{pattern('latin_accent_chars')}]+)\.",
    )


class UrlMatch(NamedTuple):
    """One match of the expression: the URL is ``[start, end)``, its domain ``[domain, domain_end)``."""

    start: int
    domain: int             # == start when the URL has no scheme
    domain_end: int
    end: int
    path: bool              # a path follows the domain (and port)
    before: str             # the character the URL follows; "" at the start of the text


def find(g: Grammar, text: str) -> list[UrlMatch]:
    """What ``finditer`` of the whole expression finds in ``text``; raises ``Ambiguous``."""
    scan = _Scan(g, text)
    found: list[UrlMatch] = []
    i = 0
    while i < len(text):
        match = scan.match_at(i)
        if match is None:
            i = scan.next_try(i + 1)
        else:
            found.append(match)
            i = match.end
    return found


class _Scan:
    """The expression tried at positions of one text, in the order its backtracking takes: each choice it can
    go back on (the character before, the optional scheme, how many subdomain labels) from the first alternative
    to the last. What a domain or a TLD starting at a position gives is remembered, so that a text of many
    labels is not scanned again from each of them."""

    def __init__(self, g: Grammar, text: str):
        self.g = g
        self.text = text
        self._domains: dict[int, int | None] = {}
        self._ascii_domains: dict[int, int | None] = {}
        self._tlds: dict[int, int | None] = {}

    def next_try(self, at: int) -> int:
        """The first position from ``at`` on where the expression may match (``Grammar.start``), or the end."""
        found = self.g.start.search(self.text, at)
        return len(self.text) if found is None else found.start()

    def match_at(self, i: int) -> UrlMatch | None:
        before = self.g.preceding.match(self.text, i)
        if before is not None and before.end() > i:
            found = self._url(i + 1, self.text[i])
            if found is not None:
                return found
        return self._url(0, "") if i == 0 else None        # the "^" alternative

    def _url(self, start: int, before: str) -> UrlMatch | None:
        scheme = self.g.scheme.match(self.text, start)
        if scheme is not None:
            end = self._domain_end(scheme.end())
            if end is not None:
                return self._finish(start, scheme.end(), end, before)
        end = self._domain_end(start)
        return None if end is None else self._finish(start, start, end, before)

    def _finish(self, start: int, domain: int, domain_end: int, before: str) -> UrlMatch:
        tail = self.g.tail.match(self.text, domain_end)       # all optional: it always matches
        return UrlMatch(start, domain, domain_end, tail.end(), tail.group("path") is not None, before)

    def _domain_end(self, start: int) -> int | None:
        # A label runs to the next '.', which no label character is: each one matches in one way or not at all.
        # So "subdomain*" takes every label that follows, then gives them back one at a time, and the domain
        # name is tried at the last label first: what a domain at ``start`` gives is what one at the next label
        # gives, else the domain name at ``start``.
        return self._backwards(start, self._domains, self._subdomain_end, self._domain_name_at)

    def _subdomain_end(self, at: int) -> int | None:
        label = self.g.subdomain.match(self.text, at)
        return None if label is None else label.end()

    def _domain_name_at(self, at: int) -> int | None:
        name = self.g.domain_name.match(self.text, at)
        return None if name is None else self.tld_end(name.end())

    @staticmethod
    def _backwards(start: int, known: dict[int, int | None], next_label: Callable[[int], int | None],
                   here: Callable[[int], int | None]) -> int | None:
        """``here`` tried at the last of the labels that follow one another from ``start``, then at each one
        before it, back to ``start``: the first answer that is not None. Remembered in ``known`` for every
        label passed, without recursion (a text may hold thousands of labels)."""
        chain: list[int] = []
        at: int | None = start
        while at is not None and at not in known:
            chain.append(at)
            at = next_label(at)
        found = known[at] if at is not None else None
        for label in reversed(chain):
            if found is None:
                found = here(label)
            known[label] = found
        return found

    def tld_end(self, at: int) -> int | None:
        """Where ``(?:gtld|cctld|punycode)`` matched at ``at`` ends, or None."""
        if at not in self._tlds:
            self._tlds[at] = self._tld_end(at)
        return self._tlds[at]

    def _tld_end(self, at: int) -> int | None:
        text = self.text
        end = self.g.tld_word.match(text, at).end()
        if end > at:
            word = text[at:end]
            if not word.isascii():
                word = "".join(ch if ch.isascii() else _ascii_letter(self.g.engine, ch) for ch in word)
            if word.lower() in self.g.ascii_tlds:
                return end
        if at < len(text) and (not text[at].isascii() or text[at].lower() in self.g.idn_ascii_starts):
            idn = self.g.idn.match(text, at)
            if idn is not None:
                return idn.end()
        puny = self.g.punycode.match(text, at)
        return None if puny is None else puny.end()

    def ascii_domains(self) -> list[tuple[int, int]]:
        """What ``finditer`` of twitter-text's ``valid_ascii_domain`` finds in the text (a URL's domain)."""
        found: list[tuple[int, int]] = []
        i = 0
        while i < len(self.text):
            end = self._ascii_domain_at(i)
            if end is None:
                i += 1
            else:
                found.append((i, end))
                i = end
        return found

    def _ascii_domain_at(self, start: int) -> int | None:
        # "(?:label\.)+ tld": every label that follows, then given back one at a time as in _domain_end; the
        # TLD is tried after the last label first.
        label = self._ascii_label_end(start)
        return None if label is None else self._backwards(label, self._ascii_domains, self._ascii_label_end,
                                                          self.tld_end)

    def _ascii_label_end(self, at: int) -> int | None:
        label = self.g.ascii_label.match(self.text, at)
        return None if label is None else label.end()


@functools.lru_cache(maxsize=64)
def _ascii_letter(engine: Any, ch: str) -> str:
    """The lower-case ASCII letter that ``engine`` matches the non-ASCII ``ch`` with, case-insensitively (the
    Kelvin sign "K" is "k"); ``ch`` itself when it matches none (the regex module's dotless "ı" is no "i"), so
    that no ASCII name can match; raises ``Ambiguous`` when it matches several."""
    letters = [c for c in "abcdefghijklmnopqrstuvwxyz" if engine.fullmatch(c, ch, engine.IGNORECASE)]
    if len(letters) > 1:
        raise Ambiguous(ch)
    return letters[0] if letters else ch


# --------------------------------------------------------------------------------------------------------
# X: twitter-text's extract_urls_with_indices

_DEFAULT_SCHEME = "https://"
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40


@functools.lru_cache(maxsize=1)
def x_grammar() -> Grammar:
    """twitter-text's own expression (``regexp/extract_url.py``), in pieces."""
    pattern = pattern_text
    port, path = pattern("valid_port_number"), pattern("valid_url_path")
    query, query_end = pattern("valid_url_query_chars"), pattern("valid_url_query_ending_chars")
    return grammar(re, r"https?:\/\/", rf"(?::(?:{port}))?(?P<path>\/{path}*)?(?:\?{query}*{query_end})?")


def x_url_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every URL twitter-text's ``extractUrlsWithIndices`` finds in ``text``: the same
    spans, in the same order. The Python port's patterns, with the JavaScript library's URL check (``_x_fits``)."""
    if "." not in text:
        return []
    try:
        return _x_url_spans(text)
    except Ambiguous:
        return _x_spans(text, _whole_expression_matches(text))


def _whole_expression_matches(text: str) -> list[UrlMatch]:
    """What ``find`` gives, found with twitter-text's whole compiled expression."""
    extract_url = twitter_text_part("regexp.extract_url").extract_url
    found = []
    for m in extract_url.finditer(text):
        start, domain_start = m.start(3), m.start(5)
        found.append(UrlMatch(start, domain_start, m.end(5), m.end(3), m.group(7) is not None, m.group(2) or ""))
    return found


@functools.lru_cache(maxsize=1)
def _x_checks() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """twitter-text's own (small) patterns for what a URL without a scheme may not follow, and for t.co links."""
    no_scheme_after = twitter_text_part("regexp.invalid_url_without_protocol_preceding_chars")
    return (no_scheme_after.invalid_url_without_protocol_preceding_chars,
            twitter_text_part("regexp.valid_tco_url").valid_tco_url)


def _x_url_spans(text: str) -> list[tuple[int, int]]:
    return _x_spans(text, find(x_grammar(), text))


def _x_spans(text: str, matches: list[UrlMatch]) -> list[tuple[int, int]]:
    """twitter-text's ``extractUrlsWithIndices`` over the expression's ``matches`` in ``text``."""
    g = x_grammar()
    no_scheme_after, tco = _x_checks()
    spans: list[tuple[int, int]] = []
    for m in matches:
        domain = text[m.domain : m.domain_end]
        scheme_length = m.domain - m.start
        if not _x_fits(g, scheme_length or len(_DEFAULT_SCHEME), text[m.start : m.end], domain):
            continue
        if not scheme_length:
            if no_scheme_after.match(m.before):
                continue
            # Without a scheme only the ASCII domains in it count; the last one keeps the path.
            found = [(m.domain + a, m.domain + b) for a, b in _Scan(g, domain).ascii_domains()]
            if found and m.path:
                found[-1] = (found[-1][0], m.end)
            spans.extend(found)
            continue
        end = m.end
        short = tco.search(text[m.start : m.end])        # anchored at the URL's start
        if short is not None:
            if short.group(1) and len(short.group(1)) > _MAX_TCO_SLUG_LENGTH:
                continue
            end = m.start + len(short.group(0))
        spans.append((m.start, end))
    return spans


# What punycode.js takes for a label separator (RFC 3490) and for a character to encode.
_JS_SEPARATORS = re.compile("[.\u3002\uff0e\uff61]")
_MAX_LABEL_LENGTH = 63


def _x_fits(g: Grammar, scheme_length: int, url: str, domain: str) -> bool:
    """Whether twitter-text takes a URL for valid (``isValidUrl`` of twitter/twitter-text's JavaScript, its
    reference implementation): every label of the domain is 1 to 63 characters once punycode-encoded, a domain that starts
    with "xn--" holds an ASCII domain, and the URL with its scheme is at most 4096 UTF-16 units long.

    The Python port checks with Python's IDNA 2003 codec instead, which also refuses a label that mixes
    right-to-left letters with others: ``العربية—a.co`` is a link ("a.co") for twitter-text and X, not for it.
    """
    if domain.startswith("xn--") and not _Scan(g, domain).ascii_domains():
        return False
    for label in domain.split("."):
        if _js_punycode_length(label) not in range(1, _MAX_LABEL_LENGTH + 1):
            return False
    return scheme_length + len(url.encode("utf-16-le", "surrogatepass")) // 2 <= _MAX_URL_LENGTH


def _js_punycode_length(label: str) -> int:
    """Length of punycode.js's ``toASCII(label)``: each part between separators, encoded when not ASCII."""
    if label.isascii():
        return len(label)
    parts = _JS_SEPARATORS.split(label)
    try:
        return len(parts) - 1 + sum(len(p) if p.isascii() else 4 + len(p.encode("punycode")) for p in parts)
    except UnicodeError:
        return 0
