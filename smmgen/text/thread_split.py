"""Threads (the feature): a long text split into numbered parts, each within the platform's limit.

Parts are cut at the best boundary that fits (paragraph, sentence, word; see ``excerpt``), never inside a
grapheme,
URL, hashtag or mention, and nothing of the text is lost unless the thread would exceed ``max_parts``: then
the
last part ends with an excerpt of what is left. The link back goes in the first or the last part, the hashtags
with it while they fit, and every part of a thread of two or more ends with its number (``2/5``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from smmgen.text import excerpt as ex
from smmgen.text import measure
from smmgen.text.break_places import Rank

Measure = Callable[[str], int]


@dataclass(frozen=True)
class Thread:
    parts: tuple[str, ...]
    link_part: int | None          # index of the part that carries the link
    hashtags: tuple[str, ...]      # the hashtags that fitted (without '#')
    truncated: bool                # the text did not fit in max_parts and was cut


def assemble(body: str, *, link: str | None = None, tags: str = "", number: str = "") -> str:
    """One part: its text, then the link, the hashtags and the number, each in its own paragraph."""
    return "\n\n".join(piece for piece in (body, link or "", tags, number) if piece)


def split_thread(text: str, *, limit: int, cost: Measure, link: str | None = None,
                 link_position: str = "last", hashtags: Sequence[str] = (), max_parts: int = 10,
                 numbering: str = "{i}/{n}") -> Thread:
    """Split ``text`` into parts whose ``cost`` is at most ``limit`` each.

    ``cost`` measures a whole part as the platform counts it. A text that fits in one post stays one part
    without a number.
    """
    if max_parts < 1:
        raise ValueError("max_parts must be at least 1")
    text = "".join(ex.strip_clusters(measure.graphemes(text)))
    single = assemble(text, link=link)
    if cost(single) <= limit or max_parts == 1:
        fits = cost(single) <= limit
        body = text if fits else ex.excerpt(text, limit, lambda h: cost(assemble(h, link=link)))
        part, tags = _with_hashtags(body, link, "", hashtags, limit, cost)
        return Thread((part,), 0 if link else None, tags, truncated=body != text)
    for digits in range(1, 5):
        widest = numbering.format(i=10 ** digits - 1, n=10 ** digits - 1)
        bodies, links, truncated = _split(text, limit, cost, link, link_position == "first", widest,
                                          max_parts)
        if len(bodies) < 10 ** digits:
            break
    n = len(bodies)
    link_part = next((i for i, has in enumerate(links) if has), None)
    carrier = link_part if link_part is not None else n - 1
    parts: list[str] = []
    fitted: tuple[str, ...] = ()
    for i, body in enumerate(bodies):
        number = numbering.format(i=i + 1, n=n)
        if i == carrier:
            part, fitted = _with_hashtags(body, link if links[i] else None, number, hashtags, limit, cost)
        else:
            part = assemble(body, link=link if links[i] else None, number=number)
        parts.append(part)
    return Thread(tuple(parts), link_part, fitted, truncated)


def _split(text: str, limit: int, cost: Measure, link: str | None, link_first: bool, number: str,
           max_parts: int) -> tuple[list[str], list[bool], bool]:
    bodies: list[str] = []
    links: list[bool] = []
    rest = text
    while rest:
        i = len(bodies) + 1
        final_link = link if (i == 1 or not link_first) else None
        if cost(assemble(rest, link=final_link, number=number)) <= limit:
            bodies.append(rest)
            links.append(final_link is not None)
            return bodies, links, False
        if i == max_parts:
            body = ex.excerpt(rest, limit, lambda h, lk=final_link: cost(assemble(h, link=lk, number=number)))
            bodies.append(body)
            links.append(final_link is not None)
            return bodies, links, True
        here = link if (link_first and i == 1) else None
        head, tail = ex.split_head(rest, limit, lambda h, lk=here: cost(assemble(h, link=lk, number=number)))
        if not tail and link is not None and not link_first:
            # All of it fits here, but not together with the link: end this part after a sentence so the
            # rest goes with the link, or, if that cannot be, give the link a last part of its own.
            head, tail = ex.split_head(rest, limit, lambda h: cost(assemble(h, link=link, number=number)),
                                       min_rank=Rank.SENTENCE)
            if not head:
                head, tail = rest, ""
        if not head:
            # A URL, hashtag or mention longer than a whole part cannot be kept whole anyway: cut it between
            # graphemes rather than make a part that is over the limit.
            head, tail = ex.split_head(rest, limit,
                                       lambda h, lk=here: cost(assemble(h, link=lk, number=number)),
                                       protect=False)
        if not head:
            # Not even one grapheme fits beside the link and the number: keep the text whole, so the limit
            # check reports it instead of anything being dropped silently.
            bodies.append(rest)
            links.append(here is not None)
            return bodies, links, False
        bodies.append(head)
        links.append(here is not None)
        rest = tail
    if link is not None and not any(links):
        bodies.append("")
        links.append(True)
    return bodies, links, False


def _with_hashtags(body: str, link: str | None, number: str, hashtags: Sequence[str], limit: int,
                   cost: Measure) -> tuple[str, tuple[str, ...]]:
    """The part with as many of ``hashtags`` (in order) as fit; the first that does not fit ends the list."""
    chosen: list[str] = []
    part = assemble(body, link=link, number=number)
    for tag in hashtags:
        trial = assemble(body, link=link, tags=" ".join("#" + t for t in [*chosen, tag]), number=number)
        if cost(trial) > limit:
            break
        chosen.append(tag)
        part = trial
    return part, tuple(chosen)
