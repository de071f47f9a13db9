"""Right-to-left ordering of one line of text: the parts of the Unicode Bidirectional Algorithm a title needs.

A line is a sequence of grapheme clusters, each set in one font (or drawn as an emoji image). Pillow's libraqm
orders and shapes text within one call, but a line that mixes fonts is drawn as several calls, so the order of
those runs is decided here: strong types, numbers after right-to-left letters (W2, W7), neutrals between equal
strong types (N1/N2), implicit levels (I1/I2) and reversal of level runs (L2). Explicit embeddings and isolates
are not supported; their control characters are removed from the text before it gets here.
"""

from __future__ import annotations

import unicodedata

_RTL_LANGS = frozenset(["ar", "arc", "ckb", "dv", "fa", "he", "iw", "ku", "ps", "sd", "ug", "ur", "yi"])

_STRONG_R = {"R", "AL"}
_NUMBER = {"EN", "AN"}


def lang_is_rtl(lang: str) -> bool:
    return lang.lower().replace("_", "-").split("-")[0] in _RTL_LANGS


def bidi_class(cluster: str) -> str:
    """"L", "R", "EN" (a number) or "N" (neutral) for a grapheme cluster, from its first code point."""
    cls = unicodedata.bidirectional(cluster[0])
    if cls in _STRONG_R:
        return "R"
    if cls == "L":
        return "L"
    if cls in _NUMBER:
        return "EN" if cls == "EN" else "AN"
    return "N"


def paragraph_rtl(clusters: list[str], lang: str) -> bool:
    """Base direction: right-to-left for an RTL language, else the first strong character decides (P2/P3)."""
    if lang_is_rtl(lang):
        return True
    for c in clusters:
        cls = bidi_class(c)
        if cls in ("L", "R"):
            return cls == "R"
    return False


def levels(classes: list[str], rtl: bool) -> list[int]:
    """Embedding level of each cluster (even: left to right, odd: right to left)."""
    base = 1 if rtl else 0
    n = len(classes)
    resolved = list(classes)
    # W2/W7: European numbers take the type of the last strong character before them.
    last_strong = "R" if rtl else "L"
    for i, c in enumerate(resolved):
        if c in ("L", "R"):
            last_strong = c
        elif c == "EN":
            resolved[i] = "EN" if last_strong == "R" else "L"
    # N1/N2: neutrals between two strong types of one direction (numbers count as R) take it; else the base.
    def strong_dir(c: str) -> str | None:
        if c == "L":
            return "L"
        if c in ("R", "EN", "AN"):
            return "R"
        return None

    i = 0
    while i < n:
        if resolved[i] != "N":
            i += 1
            continue
        j = i
        while j < n and resolved[j] == "N":
            j += 1
        before = strong_dir(resolved[i - 1]) if i > 0 else ("R" if rtl else "L")
        after = strong_dir(resolved[j]) if j < n else ("R" if rtl else "L")
        fill = before if before == after else ("R" if rtl else "L")
        for k in range(i, j):
            resolved[k] = fill
        i = j
    out = []
    for c in resolved:
        if base == 0:
            out.append({"L": 0, "R": 1}.get(c, 2))
        else:
            out.append(1 if c == "R" else 2)
    return out


def visual_order(run_levels: list[int]) -> list[int]:
    """Indexes of runs in display order, left to right (rule L2: reverse each run of levels >= k, from the
    highest level down to the lowest odd one)."""
    order = list(range(len(run_levels)))
    if not run_levels:
        return order
    highest = max(run_levels)
    lowest_odd = min((lv for lv in run_levels if lv % 2), default=highest + 1)
    for k in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if run_levels[order[i]] >= k:
                j = i
                while j < len(order) and run_levels[order[j]] >= k:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order
