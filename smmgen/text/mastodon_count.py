"""Mastodon's status length: graphemes, each URL with a scheme as ``url_length``, ``@user@domain`` as ``@user``.

A port of Mastodon's validator (app/validators/status_length_validator.rb) with its URL and mention rules.
"""

from __future__ import annotations

import functools
import re

import regex

from smmgen.text import twitter_urls
from smmgen.text.grapheme import safe_grapheme_len
from smmgen.text.twitter_urls import twitter_text_part
from smmgen.text.url_runs import found_in_runs, runs

# Mastodon counts like twitter-text's extractor with its own overrides (config/initializers/
# twitter_regex.rb): a URL needs a scheme, its path may hold any non-space character except <>()?, and a
# fixed set of punctuation cannot end it.
_MASTODON_SCHEMES = r"(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"
_UCHARS = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)
_MASTODON_USERNAME = r"[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*"
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"  # Ruby's [[:word:]]
_MASTODON_MENTION = regex.compile(
    rf"(?<![=/]|{_WORD})@((?i:{_MASTODON_USERNAME})(?:@{_WORD}+(?:[.-]+{_WORD}+)*)?)"
)
_LATIN_ACCENTS = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    "\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
# A mention followed by one of these is not a mention (twitter-text's end_mention_match).
_END_MENTION = regex.compile(f"[@\uff20{_LATIN_ACCENTS}]|://")
_BLANK = regex.compile(r"\p{White_Space}*")
_ASCII_SPACE_CHARS = "\t\n\x0b\x0c\r \x85"
_SCHEME_RUNS = runs(_ASCII_SPACE_CHARS, "://")
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG_LENGTH = 40
_MAX_DOMAIN_LENGTH = 253


def _mastodon_tail() -> str:
    """Port, path (group ``path``) and query of Mastodon's URL expression."""
    balanced_parens = twitter_urls.pattern_text("valid_url_balanced_parens")
    path_char = r"[^\p{White_Space}<>()?]"
    balanced = rf"\((?:{path_char}+|(?:{path_char}*\({path_char}+\){path_char}*))\)"
    # Mastodon redefines the ending characters before it redefines the balanced parentheses, so this one
    # alternative keeps twitter-text's original definition.
    ending = r"""(?:[^\p{White_Space}()?!*"'「」<>;:=,.$%\[\]~&|@]|""" + balanced_parens + ")"
    path = rf"(?:(?:{path_char}*(?:{balanced}{path_char}*)*{ending})|(?:{path_char}+/))"
    query = rf"[a-z0-9!?*'();:&=+$/%#\[\]\-_.,~|@^{_UCHARS}]"
    query_end = rf"[a-z0-9_&=#/\-{_UCHARS}]"
    return rf"(?::[0-9]+)?(?P<path>/{path}*)?(?:\?{query}*{query_end})?"


@functools.lru_cache(maxsize=1)
def _mastodon_url() -> regex.Pattern[str]:
    """Mastodon's whole URL expression, twitter-text's TLD lists and all (slow to compile: see
    ``twitter_urls``); groups: 1 the character before, 2 the URL, 3 the scheme, 4 the domain."""
    valid_domain = twitter_text_part("regexp.valid_domain").valid_domain
    valid_url_preceding_chars = twitter_text_part("regexp.valid_url_preceding_chars").valid_url_preceding_chars
    return regex.compile(
        f"({valid_url_preceding_chars.pattern})(({_MASTODON_SCHEMES})?({valid_domain.pattern}){_mastodon_tail()})",
        regex.IGNORECASE,
    )


@functools.lru_cache(maxsize=1)
def _mastodon_grammar() -> twitter_urls.Grammar:
    """The same expression in pieces, run without compiling the TLD lists."""
    return twitter_urls.grammar(regex, _MASTODON_SCHEMES, _mastodon_tail())


def _mastodon_url_entities(text: str) -> list[tuple[int, int]]:
    if "://" not in text:
        return []
    # As for X (``_Runs``), between ASCII white space: the domain pattern is slow to try at every position of
    # a long text, and Mastodon counts only URLs with a scheme.
    return found_in_runs(text, _SCHEME_RUNS, _scheme_urls_in_run)


@functools.lru_cache(maxsize=4096)
def _scheme_urls_in_run(run: str) -> tuple[tuple[int, int], ...]:
    valid_tco_url = twitter_text_part("regexp.valid_tco_url").valid_tco_url
    try:
        found = [(m.start, m.end, m.domain > m.start, run[m.domain : m.domain_end])
                 for m in twitter_urls.find(_mastodon_grammar(), run)]
    except twitter_urls.Ambiguous:
        return tuple(_scheme_urls(run, valid_tco_url))
    return tuple(_scheme_spans(run, found, valid_tco_url))


def _scheme_urls(chunk: str, valid_tco_url: re.Pattern[str]) -> list[tuple[int, int]]:
    """The URLs with a scheme Mastodon finds in ``chunk``, found with its whole expression."""
    found = [(*m.span(2), m.group(3) is not None, m.group(4)) for m in _mastodon_url().finditer(chunk)]
    return _scheme_spans(chunk, found, valid_tco_url)


def _scheme_spans(text: str, found: list[tuple[int, int, bool, str]],
                  valid_tco_url: re.Pattern[str]) -> list[tuple[int, int]]:
    """Of the expression's matches ``(start, end, has_scheme, domain)``, the spans of those Mastodon keeps."""
    spans: list[tuple[int, int]] = []
    for start, end, has_scheme, domain in found:
        if not has_scheme:
            continue  # Mastodon extracts URLs only with a scheme
        tco = valid_tco_url.match(text[start:end])
        if tco:
            if tco.group(1) and len(tco.group(1)) > _MAX_TCO_SLUG_LENGTH:
                continue
            end = start + len(tco.group(0))
        if _valid_domain_length(end - start, domain):
            spans.append((start, end))
    return spans


def _valid_domain_length(url_length: int, domain: str) -> bool:
    try:
        encoded = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return url_length + max(0, len(encoded) - len(domain)) <= _MAX_URL_LENGTH


def _mastodon_mention_entities(text: str) -> list[tuple[int, int, str]]:
    if "@" not in text and "\uff20" not in text:
        return []
    entities: list[tuple[int, int, str]] = []
    for m in _MASTODON_MENTION.finditer(text):
        if _END_MENTION.match(text, m.end()):
            continue
        name = m.group(1)
        _, _, domain = name.partition("@")
        if len(domain) > _MAX_DOMAIN_LENGTH:
            continue
        entities.append((m.start(), m.end(), "@" + name.split("@", 1)[0]))
    return entities


def mastodon_countable_text(text: str, *, url_length: int = 23) -> str:
    """The body as Mastodon counts it: each URL replaced by ``url_length`` characters, each
    ``@user@domain`` by ``@user``. Blank text counts as empty."""
    if _BLANK.fullmatch(text):
        return ""
    entities = [(s, e, "x" * url_length) for s, e in _mastodon_url_entities(text)]
    entities += _mastodon_mention_entities(text)
    entities.sort(key=lambda entity: entity[0])
    out: list[str] = []
    pos = 0
    for start, end, replacement in entities:
        if start < pos:
            continue  # overlaps the entity before it
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mastodon_length(text: str, *, url_length: int = 23, spoiler: str = "") -> int:
    """The length Mastodon's status length validator gives a status (limit: the server's
    ``configuration.statuses.max_characters``, 500 by default).

    The content warning ``spoiler`` counts too. ``url_length`` is the server's
    ``configuration.statuses.characters_reserved_per_url``. Graphemes are counted with
    ``safe_grapheme_len``, since Mastodon on Ruby 3 segments with Unicode 15.0 rules.
    """
    return safe_grapheme_len(spoiler + mastodon_countable_text(text, url_length=url_length))
