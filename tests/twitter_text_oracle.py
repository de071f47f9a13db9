"""twitter-text's JavaScript ``extractUrlsWithIndices`` (twitter/twitter-text 3.1.0, ``extractUrlsWithIndices.js``
and ``lib/idna.js``), written out plainly over the Python port's own patterns: the oracle for which URLs X finds.

The two libraries share their patterns and differ in one check: the port asks Python's IDNA 2003 codec whether a
domain has a punycode form, which refuses a label mixing right-to-left letters with others (``العربية—a``); the
JavaScript library only checks each label's punycode length. ``tests/vectors/twitter_text_js_urls.json`` holds
what the JavaScript library itself gives for such texts.
"""

from __future__ import annotations

import importlib
import re
from unittest import mock

import twitter_text
from twitter_text.regexp.extract_url import extract_url
from twitter_text.regexp.invalid_url_without_protocol_preceding_chars import (
    invalid_url_without_protocol_preceding_chars,
)
from twitter_text.regexp.valid_ascii_domain import valid_ascii_domain
from twitter_text.regexp.valid_tco_url import valid_tco_url

_parse_tweet = importlib.import_module("twitter_text.parse_tweet")
_SEPARATORS = re.compile("[.\u3002\uff0e\uff61]")  # punycode.js regexSeparators


def _punycode_to_ascii(label: str) -> str:
    """punycode.js ``toASCII``: each part between separators, ``xn--`` + its punycode when it is not ASCII (a
    domain label holds no '@', which the function treats apart)."""
    parts = _SEPARATORS.sub(".", label).split(".")
    return ".".join("xn--" + p.encode("punycode").decode("ascii") if re.search("[^\0-\x7f]", p) else p
                    for p in parts)


def _idna_to_ascii(domain: str) -> str | None:
    if domain[:4] == "xn--" and not valid_ascii_domain.search(domain):
        return None
    for label in domain.split("."):
        if not 1 <= len(_punycode_to_ascii(label)) <= 63:
            return None
    return domain


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _is_valid_url(url: str, protocol: str, domain: str) -> bool:
    encoded = _idna_to_ascii(domain)
    if not encoded:
        return False
    return len(protocol) + _utf16(url) + len(encoded) - len(domain) <= 4096


def extract_urls_with_indices(text: str) -> list[dict]:
    if not text or "." not in text:
        return []
    urls: list[dict] = []
    for m in extract_url.finditer(text):
        before, url, protocol, domain, path = m.group(2), m.group(3), m.group(4), m.group(5), m.group(7)
        end = m.end()
        start = end - len(url)
        if not _is_valid_url(url, protocol or "https://", domain):
            continue
        if not protocol:
            if invalid_url_without_protocol_preceding_chars.match(before or ""):
                continue
            last = None
            for ascii_domain in valid_ascii_domain.finditer(domain):
                last = {"url": ascii_domain.group(0),
                        "indices": [start + ascii_domain.start(), start + ascii_domain.end()]}
                urls.append(last)
            if last is None:
                continue
            if path:
                last["url"] = url.replace(domain, last["url"])
                last["indices"][1] = end
        else:
            tco = valid_tco_url.search(url)
            if tco:
                if tco.group(1) and len(tco.group(1)) > 40:
                    continue
                url = tco.group(0)
                end = start + len(url)
            urls.append({"url": url, "indices": [start, end]})
    return urls


def url_spans(text: str) -> list[tuple[int, int]]:
    return [(u["indices"][0], u["indices"][1]) for u in extract_urls_with_indices(text)]


def parse_tweet(text: str) -> twitter_text.ParsedResult:
    """The Python port's ``parse_tweet`` with these URLs: its emoji and weights, twitter-text's links."""
    with mock.patch.object(_parse_tweet, "extract_urls_with_indices", extract_urls_with_indices):
        return _parse_tweet.parse_tweet(text)
