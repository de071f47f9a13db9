"""The site side of an edit (``smmgen.build.edit``): the edited articles' share of the files ``[integration]``
writes into the site (``smmgen.build.integration``), replaced without making the rest again.

- Hugo and Jekyll: the data file lists every article's tags, keyed by ``page_key``. It is written with
  ``sort_keys`` and ``indent=1``, so a key of ``pages`` is the one line that starts with exactly two spaces and
  that key, and its value ends at the first line after it that starts with two spaces and a closing bracket:
  each edited article's value is found by its key and replaced in place (in Hugo's list, only its own item, by
  its ``source``), the rest of the file copied as it is.
- pages: the article's own page is written again, and its line in the index (found by its link, which no other
  line has) replaced.
- cards_dir: its new cards copied, and those no article shows any more deleted when they still hold what smmgen
  wrote, as the full build prunes.

Everything is made and checked before anything is written, with the full build's safety rules: nothing outside
the site, no folder that is or lies in a link leading out, a file replaced only when it is still what the record
(``.smmgen/site-files.json``) says the last build wrote, and the record kept right. When any of that is not sure,
``prepare`` returns None and the full build runs.
"""

from __future__ import annotations

import bisect
import json
import os
import posixpath
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smmgen.build import edit_index
from smmgen.build.integration import (
    RECORD,
    RECORD_HEAD,
    RECORD_TAIL,
    _refuse_links_out,
    _refuses_outside,
    _regular_size,
    _remove_empty_folders,
    _sha,
    article_page,
    data_item,
    index_line,
    index_page,
    page_key,
    page_path,
    record_line,
    write_record_lines,
)
from smmgen.errors import ConfigError
from smmgen.output_files import atomic_write
from smmgen.site_files import inside

if TYPE_CHECKING:
    from smmgen.build.edit import Edited
    from smmgen.config.site import Site


@dataclass(frozen=True)
class SitePatch:
    """What an edit changes in the site's own files, made before anything is written (``apply`` writes it)."""

    chosen: Mapping[str, str]                 # ``integration.settings``
    old: _Record                              # the record as the last build left it
    writes: dict[str, bytes]                  # path in the site -> its new bytes
    copies: dict[str, tuple[str, str]]        # path in the site -> (the card's path in output/, its sha256)
    removed: tuple[str, ...]                  # recorded cards no article shows any more


def prepare(site: Site, chosen: Mapping[str, str], edited: Sequence[Edited], removed_cards: Sequence[str],
            record_stat: Sequence[int] | None) -> SitePatch | None:
    """The edited articles' share of the site's files, or None when it cannot be replaced exactly (the full
    build then writes them, and reports what is wrong). ``record_stat``: [size, mtime_ns] of the record as the
    last build wrote it (``edit_index.site_record``)."""
    if record_stat is None or edit_index.site_record(site) != list(record_stat):
        return None
    try:
        for key in ("data_file", "pages_dir", "cards_dir"):
            if key in chosen:
                _refuse_links_out(site, chosen[key], key)
    except ConfigError:
        return None
    old = _Record.read(site)
    if old is None:
        return None
    if chosen["generator"] == "pages":
        writes = _pages(site, chosen["pages_dir"], edited, old)
    else:
        writes = _data_file(site, chosen["data_file"], chosen["generator"], edited, old)
    if writes is None:
        return None
    copies: dict[str, tuple[str, str]] = {}
    removed: list[str] = []
    if "cards_dir" in chosen:
        for one in edited:
            for card in one.cards.values():
                copies[_copy_of(chosen, card.path)] = (card.path, card.sha256)
        removed = [_copy_of(chosen, path) for path in removed_cards if old.get(_copy_of(chosen, path)) is not None]
    try:
        for folder in sorted({posixpath.dirname(relative) for relative in (*writes, *copies)}):
            _refuse_links_out(site, folder, "generator")
    except ConfigError:
        return None
    if not all(_regular_or_missing(site, relative) for relative in (*writes, *copies)):
        return None
    return SitePatch(chosen, old, writes, copies, tuple(removed))


def apply(site: Site, patch: SitePatch) -> int:
    """Write ``patch`` (after the edit's cards are in output/); returns how many files changed."""
    record: dict[str, list | None] = {}       # path -> its new line's value, None to remove it
    changed = 0
    for relative, data in sorted(patch.writes.items()):
        changed += _write(site, relative, data)
        record[relative] = [len(data), _sha(data)]
    for relative, (card, sha) in sorted(patch.copies.items()):
        source = site.output_dir / card
        size = source.stat().st_size
        if patch.old.get(relative) == [size, sha] and _regular_size(site.root / relative) == size:
            continue                            # as smmgen wrote it: not read again (as the full build)
        changed += _write(site, relative, source.read_bytes())
        record[relative] = [size, sha]
    for relative in patch.removed:
        known = patch.old.get(relative)
        record[relative] = None
        target = site.root / relative
        # Only what smmgen wrote there and nobody changed since: anything else is the site owner's.
        if known is None or _refuses_outside(site, target) or _regular_size(target) != known[0] \
                or _sha(target.read_bytes()) != known[1]:
            continue
        target.unlink()
        changed += 1
        _remove_empty_folders(site.root, target.parent, patch.chosen)
    write_record_lines(site, patch.old.changed(record))
    return changed


def _write(site: Site, relative: str, data: bytes) -> bool:
    try:
        return atomic_write(site.root / relative, data, durable=False)
    except OSError as e:                        # as ``integration._write_all`` says it
        raise ConfigError(relative, None, f"cannot write: {e.strerror or e} (smmgen.toml [integration] puts it "
                                          "there; move what is in the way, or choose another folder)") from None


class _Record:
    """The record of the files written into the site (``integration.RECORD``) as the last build wrote it (its
    stat says so: ``edit_index.site_record``): one line per file, sorted by path (``integration.write_record``).
    A file's line is found by bisecting the lines, and an edit's few are changed in place: at 10,000 articles
    the record lists some 40,000 files."""

    def __init__(self, lines: list[str]):
        self.lines = lines

    @classmethod
    def read(cls, site: Site) -> _Record | None:
        path = site.root / RECORD
        if inside(path, site.root) is None or _regular_size(path) is None:
            return None
        try:
            text = path.read_bytes().decode()
        except (OSError, UnicodeDecodeError):
            return None
        if not (text.startswith(RECORD_HEAD) and text.endswith(RECORD_TAIL)):
            return None
        body = text[len(RECORD_HEAD):-len(RECORD_TAIL)]
        if not body:
            return cls([])
        if not body.endswith("\n"):
            return None
        return cls(body[:-1].split(",\n"))

    def get(self, path: str) -> list | None:
        """The file's [size, sha256], None when it is not recorded (or its line is not one)."""
        n, found = _find(self.lines, path)
        if not found:
            return None
        line = self.lines[n]
        try:
            known = json.loads(line[_DECODE(line, 2)[1] + 2:])
        except ValueError:
            return None
        return known if type(known) is list and len(known) == 2 else None

    def changed(self, changes: Mapping[str, list | None]) -> list[str]:
        """The lines with ``changes`` made: path -> its new [size, sha256], None to drop its line."""
        lines = list(self.lines)
        for path, known in changes.items():
            n, found = _find(lines, path)
            if known is None:
                if found:
                    del lines[n]
            elif found:
                lines[n] = record_line(path, known)
            else:
                lines.insert(n, record_line(path, known))
        return lines


_DECODE = json.JSONDecoder().raw_decode


def _find(lines: list[str], path: str) -> tuple[int, bool]:
    """Where ``path``'s line is in the record's sorted ``lines`` (or would go), and whether it is there."""
    n = bisect.bisect_left(lines, path, key=_path_of)
    return n, n < len(lines) and _path_of(lines[n]) == path


def _path_of(line: str) -> str:
    """The path of a record line (one that is not a line of the record gives "": it is never found)."""
    try:
        path = _DECODE(line, 2)[0]
    except ValueError:
        return ""
    return path if type(path) is str else ""


def _copy_of(chosen: Mapping[str, str], card: str) -> str:
    return f"{chosen['cards_dir']}/{card.removeprefix('cards/')}"


def _og_card(one: Edited) -> Any:
    """The article's og card as ``integration._og_cards`` takes it: its first og request's."""
    return next((card for req, card in one.cards.items() if req.target == "og"), None)


def _recorded(site: Site, relative: str, old: _Record) -> bytes | None:
    """The bytes of a file the last build wrote into the site, None when it is no longer what it wrote."""
    known = old.get(relative)
    path = site.root / relative
    if known is None or inside(path.parent, site.root) is None or _regular_size(path) != known[0]:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if _sha(data) == known[1] else None


def _regular_or_missing(site: Site, relative: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(site.root / relative).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False


# --- pages --------------------------------------------------------------------------------------------------------

END = b"</a></li>\n"


def _pages(site: Site, folder: str, edited: Sequence[Edited], old: _Record) -> dict[str, bytes] | None:
    """Each edited article's page and the index with their lines replaced. The edit index holds a record only
    for an article whose page is its own (``integration.own_pages``), which an edit keeping its URL and date
    keeps."""
    index = index_page(site)
    text = _recorded(site, f"{folder}/{index}", old)
    if text is None:
        return None
    out: dict[str, bytes] = {}
    for one in edited:
        article = one.article
        path = page_path(article.url, site)
        if path is None or path == index or old.get(f"{folder}/{path}") is None \
                or article.date.isoformat() != one.record.date:
            return None                         # a new date may move its line (and which article has the page)
        line = index_line(article, index, site).encode()
        head = b"\n" + line[:line.index(b'">') + 2]      # the link: escaped, no other line has it
        if text.count(head) != 1:
            return None
        start = text.index(head) + 1
        end = text.find(END, start)
        if end < 0 or b"\n" in text[start:end]:
            return None
        text = text[:start] + line + text[end + len(END) - 1:]
        out[f"{folder}/{path}"] = article_page(article, path, site, _og_card(one))
    out[f"{folder}/{index}"] = text
    return out


# --- the data file (Hugo, Jekyll) -----------------------------------------------------------------------------

def _data_file(site: Site, relative: str, generator: str, edited: Sequence[Edited],
               old: _Record) -> dict[str, bytes] | None:
    text = _recorded(site, relative, old)
    if text is None:
        return None
    close = b"\n  ]" if generator == "hugo" else b"\n  }"
    values: dict[str, tuple[int, int, Any]] = {}      # key -> (start, end, its value as read, then as it is now)
    for one in edited:
        article = one.article
        key = page_key(article, site, generator)
        if key not in values:
            head = b"\n  " + json.dumps(key, ensure_ascii=False).encode() + b": "
            if text.count(head) != 1:
                return None
            start = text.index(head) + len(head)
            end = text.find(close, start)
            if end < 0:
                return None
            end += len(close)
            if not (text.startswith(b',\n  "', end) or text.startswith(b"\n }", end)):
                return None
            try:
                value = json.loads(text[start:end])
            except ValueError:
                return None
            values[key] = (start, end, value)
        value = values[key][2]
        item = data_item(article, site, _og_card(one))
        if generator == "hugo":
            mine = [n for n, it in enumerate(value) if type(it) is dict and it.get("source") == article.source] \
                if type(value) is list else []
            if len(mine) != 1:
                return None
            value[mine[0]] = item
        elif type(value) is dict and value.get("source") == article.source:
            values[key] = (*values[key][:2], item)
        else:
            return None
    parts, at = [], 0
    for start, end, value in sorted(values.values(), key=lambda v: v[0]):
        parts += [text[at:start], _nested(value)]
        at = end
    parts.append(text[at:])
    return {relative: b"".join(parts)}


def _nested(value: Any) -> bytes:
    """``value`` as ``integration._dumps`` writes a value of ``pages``: two levels deep (strings hold no line
    break, so every line break is indentation)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).replace("\n", "\n  ").encode()
