"""The manifest in parts (``smmgen.manifest``): one file per month of the articles' dates, and an index that names
each part with its entry count and hash. An edit rewrites its month's part and the index, nothing else; a reader
takes only parts that hold the bytes the index names, inside the output folder."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import sample_site_at
from test_edit_path import ARTICLE, OTHER, assert_as_cold, build, edit, retitle
from test_edit_path import site as site  # noqa: F401 - the fixture
from test_edit_path import trimmed as edit_site

from smmgen import manifest
from smmgen.errors import ContentError, ErrorList
from smmgen.manifest_model import read_manifest

RAIL = Path("content/2026/2026-11-25-rail-bridge-closed.md")
NOVEMBER, SEPTEMBER = "date: 2026-11-17T08:30:00+01:00", "date: 2026-09-14T08:30:00+02:00"


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in (out / "manifest.json", *sorted((out / "manifest").iterdir()))}


def spread(site: Path) -> Path:
    """One article moved to September and one to the last minutes of October (UTC), which is November in the
    site's zone; built."""
    edit(site / OTHER, NOVEMBER, SEPTEMBER)
    # Europe/Berlin, the sample site's zone: 23:30 UTC on 31 October is half past midnight on 1 November there.
    edit(site / RAIL, "date: 2026-11-25T14:05:00+01:00", "date: 2026-10-31T23:30:00Z")
    outcome = build(site)
    assert not outcome.errors and not outcome.edited
    return site


@pytest.fixture
def months(site: Path) -> Path:  # noqa: F811 - the fixture it builds on
    """The edit path's sample site over two months, built (its cache is its own: edits take the edit path)."""
    return spread(site)


@pytest.fixture(scope="module")
def months_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same site built once, for the tests that only read a copy of its output."""
    return spread(edit_site(sample_site_at(tmp_path_factory.mktemp("months") / "site")))


@pytest.fixture
def output(months_built: Path, tmp_path: Path) -> Path:
    """A copy of ``months_built``'s output/ to spoil."""
    out = tmp_path / "output"
    shutil.copytree(months_built / "output", out, symlinks=True)
    return out


def test_entries_are_filed_by_the_month_of_their_articles_date_in_the_sites_zone(months: Path) -> None:
    out = months / "output"
    written = files(out)
    assert sorted(written) == ["manifest.json", "manifest/2026-09.json", "manifest/2026-11.json"]
    index = json.loads(written["manifest.json"])
    assert index["version"] == 3 and [p["path"] for p in index["parts"]] == ["manifest/2026-09.json",
                                                                             "manifest/2026-11.json"]
    loaded = read_manifest(out / "manifest.json")
    by_source: dict[str, set[str]] = {}
    for part in index["parts"]:
        data = written[part["path"]]
        assert part["sha256"] == hashlib.sha256(data).hexdigest()
        doc = json.loads(data)
        assert doc["period"] == part["path"][9:16] and len(doc["entries"]) == part["entries"]
        assert [e["id"] for e in doc["entries"]] == sorted(e["id"] for e in doc["entries"])
        for entry in doc["entries"]:
            by_source.setdefault(entry["article"]["source"], set()).add(doc["period"])
    assert by_source[OTHER.as_posix()] == {"2026-09"} and by_source[RAIL.as_posix()] == {"2026-11"}
    assert all(len(periods) == 1 for periods in by_source.values())
    # Read back: every entry once, ordered by id across the parts.
    assert [e.id for e in loaded.entries] == sorted(e["id"] for e in manifest.joined(out / "manifest.json")["entries"])
    assert len(loaded.entries) == sum(p["entries"] for p in index["parts"])


def test_an_edit_rewrites_its_months_part_and_the_index_and_nothing_else(months: Path, tmp_path: Path) -> None:
    out = months / "output"
    before = {name: (out / name).stat().st_mtime_ns for name in files(out)}
    retitle(months / OTHER, "Update: ")
    outcome = build(months)
    assert outcome.edited
    after = {name: (out / name).stat().st_mtime_ns for name in files(out)}
    assert sorted(name for name in after if after[name] != before[name]) == ["manifest.json", "manifest/2026-09.json"]
    assert_as_cold(months, outcome, tmp_path / "cold")
    # The November part, then both parts in one edit.
    retitle(months / ARTICLE, "Update: ")
    assert build(months).edited
    edit(months / ARTICLE, "Update: ", "Again: ")
    edit(months / OTHER, "Update: ", "Again: ")
    outcome = build(months)
    assert outcome.edited
    assert_as_cold(months, outcome, tmp_path / "cold")
    assert build(months).skipped


def test_an_article_moved_to_another_month_takes_the_full_build_and_leaves_no_empty_part(
        months: Path, tmp_path: Path) -> None:
    edit(months / OTHER, SEPTEMBER, NOVEMBER)
    outcome = build(months)
    assert not outcome.edited and not outcome.errors
    assert sorted(files(months / "output")) == ["manifest.json", "manifest/2026-11.json"]
    assert_as_cold(months, outcome, tmp_path / "cold")


def test_a_part_removed_while_the_edit_runs_takes_the_full_build(months: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from smmgen.content import reading

    real_load = reading.load_article

    def load_article(path, site_):
        (months / "output" / "manifest" / "2026-09.json").unlink(missing_ok=True)
        return real_load(path, site_)

    monkeypatch.setattr(reading, "load_article", load_article)
    retitle(months / OTHER, "Update: ")
    outcome = build(months)
    monkeypatch.undo()
    assert not outcome.errors and not outcome.edited
    assert list((months / "output").rglob(".*.tmp")) == []
    assert_as_cold(months, outcome, tmp_path / "cold")


# --- what a reader refuses -----------------------------------------------------------------------------------------

def _index(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_bytes())


def _put_index(out: Path, doc: dict) -> None:
    (out / "manifest.json").write_bytes(manifest.index_bytes(doc["site"], [manifest.Part(**p) for p in doc["parts"]]))


def _rewrite_part(out: Path, name: str, data: bytes, count: int | None = None) -> None:
    """A part with other bytes, and the index naming them (and ``count`` entries), as a build would."""
    (out / name).write_bytes(data)
    doc = _index(out)
    for part in doc["parts"]:
        if part["path"] == name:
            part["sha256"] = hashlib.sha256(data).hexdigest()
            part["entries"] = part["entries"] if count is None else count
    _put_index(out, doc)


def _path_to(out: Path, value: str) -> None:
    doc = _index(out)
    doc["parts"][0]["path"] = value
    (out / "manifest.json").write_text(json.dumps(doc))


def _symlink_out(out: Path) -> None:
    outside = out.parent / "elsewhere.json"
    shutil.copyfile(out / "manifest" / "2026-09.json", outside)
    (out / "manifest" / "2026-09.json").unlink()
    (out / "manifest" / "2026-09.json").symlink_to(outside)


def _twice(out: Path) -> None:
    doc = _index(out)
    doc["parts"].append(doc["parts"][0])
    (out / "manifest.json").write_text(json.dumps(doc))


def _edited_by_hand(out: Path) -> None:
    part = out / "manifest" / "2026-09.json"
    part.write_bytes(part.read_bytes().replace(b"Researchers", b"Reporters"))


def _miscounted(out: Path) -> None:
    _rewrite_part(out, "manifest/2026-09.json", (out / "manifest" / "2026-09.json").read_bytes(), count=5)


def _moved_month(out: Path) -> None:
    name = "manifest/2026-09.json"
    _rewrite_part(out, name, (out / name).read_bytes().replace(b'"period":"2026-09"', b'"period":"2026-08"'))


def _an_entry_in_two_parts(out: Path) -> None:
    september, november = out / "manifest" / "2026-09.json", out / "manifest" / "2026-11.json"
    line = september.read_bytes().split(b"\n")[1].rstrip(b",")
    lines = november.read_bytes().split(b"\n")
    count = len(lines) - 3            # the first line, the last two
    _rewrite_part(out, "manifest/2026-11.json", b"\n".join([lines[0], line + b",", *lines[1:]]), count=count + 1)


def _missing(out: Path) -> None:
    (out / "manifest" / "2026-09.json").unlink()


def _fifo(out: Path) -> None:
    (out / "manifest" / "2026-09.json").unlink()
    os.mkfifo(out / "manifest" / "2026-09.json")


@pytest.mark.parametrize(("spoil", "expected"), [
    (lambda out: _path_to(out, "../elsewhere.json"),
     r'^output/manifest.json: parts\[0\].path: "../elsewhere.json" is not a part\'s path'),
    (lambda out: _path_to(out, "/etc/passwd"), r"^output/manifest.json: parts\[0\].path: .* is not a part's path"),
    (lambda out: _path_to(out, "manifest/2026-13.json"), r"^output/manifest.json: parts\[0\].path: .* not a part's"),
    (_twice, r"^output/manifest.json: parts\[2\].path: .* parts are listed once each, by month"),
    (_symlink_out, r"^output/manifest.json: parts: manifest/2026-09.json: .* is outside the output folder"),
    (_edited_by_hand, r"^output/manifest/2026-09.json: not the bytes the manifest's index names"),
    (_miscounted, r"^output/manifest/2026-09.json: entries: \d+ entries, the index output/manifest.json says 5"),
    (_moved_month, r'^output/manifest/2026-09.json: period: "2026-08" is not the month of its file'),
    (_an_entry_in_two_parts, r"heat-islands@\w+: id: output/manifest/2026-09.json: entry 1 and "
                             r"output/manifest/2026-11.json: entry 1 have the same id"),
    (_missing, r"^output/manifest/2026-09.json: the index output/manifest.json names it, but it is not there"),
    (_fifo, r"^output/manifest/2026-09.json: not a regular file"),
], ids=["out-of-the-folder", "absolute", "no-such-month", "twice", "linked-outside", "edited-by-hand",
        "miscounted", "another-month", "an-entry-twice", "missing", "fifo"])
def test_a_reader_takes_only_the_parts_the_index_names_as_built(output: Path, spoil, expected: str) -> None:
    read_manifest(output / "manifest.json")           # as built: read
    spoil(output)
    with pytest.raises((ContentError, ErrorList), match=expected):
        read_manifest(output / "manifest.json", shown="output/manifest.json")


def test_the_unchecked_join_never_leaves_the_manifests_folder(output: Path) -> None:
    loaded = read_manifest(output / "manifest.json")
    assert len(manifest.joined(output / "manifest.json")["entries"]) == len(loaded.entries) + len(loaded.settled)
    _symlink_out(output)
    with pytest.raises(OSError):
        manifest.joined(output / "manifest.json")
    _path_to(output, "../../etc/passwd")
    with pytest.raises(ValueError, match="not a manifest part"):
        manifest.joined(output / "manifest.json")
