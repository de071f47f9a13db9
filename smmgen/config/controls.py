"""Characters that no article, front-matter value or config value may hold.

Refused (with file and line, never dropped silently: the same text is on the site's own page):
- C0 controls but tab and line feed, so NUL, escape, vertical tab, form feed and a lone carriage return
  (CR LF is read as LF before this check);
- DEL and the C1 controls U+0080-U+009F (mostly text decoded in the wrong code page);
- the noncharacters U+FFFE and U+FFFF;
- lone surrogates, which front-matter escapes ("\\ud800") can make and UTF-8 cannot write.

Kept: the bidirectional marks and embeddings (U+200E/F, U+202A-E, U+2066-9), zero-width joiners and other
format characters. Right-to-left text and emoji sequences need them, and a platform shows them as it would
anywhere else, so refusing them would refuse real articles.
"""

from __future__ import annotations

import re
from typing import Any

FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")

_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x0B: "vertical tab", 0x0C: "form feed",
          0x0D: "carriage return", 0x1B: "escape", 0x7F: "DEL", 0x85: "next line"}


def describe(char: str) -> str:
    code = ord(char)
    name = _NAMES.get(code) or ("a lone surrogate" if 0xD800 <= code <= 0xDFFF else
                                "a noncharacter" if code >= 0xFFFE else "a control character")
    return f"U+{code:04X} ({name})"


def in_text(text: str, first_line: int = 1) -> tuple[int, str] | None:
    """The (line, message) of the first forbidden character in ``text``, or None."""
    found = FORBIDDEN.search(text)
    if found is None:
        return None
    start = found.start()
    line = text.count("\n", 0, start) + first_line
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    more = len(FORBIDDEN.findall(text, start + 1))
    return line, (f"{describe(found[0])} at column {column}: an invisible character that does not belong in "
                  "text; remove it" + (f" ({more} more in the file)" if more else ""))


def in_values(data: Any) -> tuple[str, str] | None:
    """The dotted key and message of the first string (key or value) in ``data`` with a forbidden character."""
    stack: list[tuple[str, Any]] = [("", data)]
    seen: set[int] = set()          # YAML aliases can make a list that holds itself
    while stack:
        key, value = stack.pop()
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, str):
            found = FORBIDDEN.search(value)
            if found:
                return key, f"contains {describe(found[0])}: an invisible character that does not belong in text"
        elif isinstance(value, dict):
            for k, v in reversed(list(value.items())):
                dotted = f"{key}.{k}" if key else str(k)
                stack.append((dotted, v))
                stack.append((dotted, k))
        elif isinstance(value, (list, tuple)):
            stack.extend((key, v) for v in reversed(value))
    return None
