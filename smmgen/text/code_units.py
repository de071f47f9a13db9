"""Lengths in the plain encodings: UTF-8 bytes and UTF-16 code units (see ``measure`` for which platform counts
which)."""

from __future__ import annotations


def utf8_len(text: str) -> int:
    """Length in UTF-8 bytes."""
    return len(text.encode("utf-8"))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: one per code point, two for code points above U+FFFF."""
    if text.isascii():
        return len(text)
    # The codec counts in C; surrogatepass keeps a stray surrogate countable (one unit) instead of failing.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
