"""The output index entries of new files kept on disk while the cards are drawn (``smmgen.build.spilled_index``),
and the writer that keeps them there (``smmgen.build.write.PendingWrites.inline``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.build import write
from smmgen.build.cache import BuildCache
from smmgen.build.cache_files import entry_digest
from smmgen.build.spilled_index import SpilledIndex

paths = st.text(st.characters(blacklist_categories=("Cs",)) | st.sampled_from(["/", "\ud800", "\n"]), min_size=1,
                max_size=30)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(paths, st.binary(min_size=48, max_size=48)), max_size=300))
def test_the_entries_come_back_in_order_and_a_path_has_the_entry_it_was_last_added_with(added) -> None:
    spilled = SpilledIndex()
    for relative, entry in added:
        spilled.add(relative, entry)
    assert list(spilled.items()) == added and len(spilled) == len(added)
    last = dict(added)
    for relative, entry in last.items():
        assert spilled.get(relative) == entry
    assert all(spilled.get(relative + "x") is None for relative in last if relative + "x" not in last)
    spilled.close()


def test_many_entries_and_a_long_path_across_the_reads_chunks() -> None:
    spilled = SpilledIndex()
    added = [(f"cuts/story-{i // 9:05d}/platform{i % 9}.txt", i.to_bytes(48, "little")) for i in range(40_000)]
    added.insert(20_000, ("long/" + "x" * 3_000_000, bytes(48)))
    for relative, entry in added:
        spilled.add(relative, entry)
    assert list(spilled.items()) == added
    assert spilled.get("cuts/story-01000/platform3.txt") == (9003).to_bytes(48, "little")
    assert spilled.get("cuts/story-09999/platform3.txt") is None


def test_a_new_file_put_twice_while_inline_has_its_last_bytes_and_entry(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.mkdir()
    sink = write.PendingWrites(out, BuildCache(tmp_path / "cache", "env"), ({}, set()))
    sink.inline = True
    for i in range(20):
        sink.put(out / "og" / f"story-{i}.html", b"first")
    sink.put(out / "og" / "story-3.html", b"second")
    assert not sink.index                       # kept on disk until the cards are drawn
    sink.inline = False
    assert len(sink.index) == 20 and entry_digest(sink.index["og/story-3.html"]) == hashlib.sha256(b"second").hexdigest()
    sink.commit()
    assert (out / "og" / "story-3.html").read_bytes() == b"second"
    assert sorted(p.name for p in (out / "og").iterdir()) == sorted(f"story-{i}.html" for i in range(20))


def test_a_write_discarded_while_inline_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.mkdir()
    sink = write.PendingWrites(out, BuildCache(tmp_path / "cache", "env"), ({}, set()))
    sink.inline = True
    for i in range(30):
        sink.put(out / "cuts" / f"story-{i // 3}" / f"platform{i % 3}.txt", b"text")
    sink.discard()
    assert list(out.rglob("*")) == []
