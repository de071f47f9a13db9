"""Finding URLs run by run: the runs of characters between white space that may hold one.

Shared by X's and Mastodon's URL finders (``x_weight``, ``mastodon_count``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import regex


@dataclass(frozen=True)
class Runs:
    """Finds the runs of characters between white space that hold a mark, each with the one space before it.

    URLs are found run by run, for speed: no URL spans the white space, any of it may precede one, and only a
    run with the mark (a URL's '.' or '://') can hold one. The space before a run matters: it is the
    character a URL at the start of the run follows; without it, the run's first character could be taken
    for that character instead.
    """

    mark: re.Pattern[str]
    back: regex.Pattern[str]            # the run's characters before the mark
    forward: re.Pattern[str]            # the run's characters from the mark on

    def spans(self, text: str) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        end = 0
        for found in self.mark.finditer(text):
            at = found.start()
            if at < end:
                continue                # in the run found last
            start = self.back.match(text, 0, at).start()
            end = self.forward.match(text, at).end()
            out.append((max(start - 1, 0), end))
        return out


def runs(spaces: str, mark: str) -> Runs:
    """The runs between the characters of ``spaces`` (a regular expression class body) that hold ``mark``."""
    # The standard library's re scans plain classes several times faster than regex; only regex can match
    # backwards.
    return Runs(re.compile(mark), regex.compile(f"(?r)[^{spaces}]*"), re.compile(f"[^{spaces}]*"))


def found_in_runs(text: str, finder: Runs,
                  find: Callable[[str], tuple[tuple[int, int], ...]]) -> list[tuple[int, int]]:
    """The spans ``find`` gives in each run of ``text`` (``finder.spans``), as offsets into ``text``."""
    spans: list[tuple[int, int]] = []
    for start, end in finder.spans(text):
        spans.extend((start + a, start + b) for a, b in find(text[start:end]))
    return spans
