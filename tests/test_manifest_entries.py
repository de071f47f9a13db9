"""Manifest entries are made once per build and read back through the one strict loader, unchanged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.plan import cut as plan_cut
from support.publishing import T0, card, entry, write_manifest

from smmgen import manifest
from smmgen.build import article_outputs, entries, manifest_file, write
from smmgen.build.pipeline import build
from smmgen.cards.model import Card
from smmgen.config.site import load_site
from smmgen.errors import ContentError
from smmgen.manifest_model import ManifestEntry, Media, read_entry, read_manifest, thaw
from smmgen.preview import revisions
from smmgen.publish.base import Post


def test_every_entry_is_made_once_per_build_and_write(sample_site, monkeypatch):
    made: list[str] = []
    original = article_outputs.manifest_entry

    def counted(cut, article, media):
        made.append(cut.id)
        return original(cut, article, media)

    monkeypatch.setattr(article_outputs, "manifest_entry", counted)
    site = load_site(sample_site)
    result = build(site, render_images=False)
    write.write_output(result)
    assert made, "the sample site has entries"
    assert sorted(made) == sorted(set(made)), "an entry was made more than once (preview and writer)"
    assert len(made) == len(result.cuts)


def test_writer_then_loader_then_writer_gives_the_same_bytes(sample_site):
    site = load_site(sample_site)
    write.write_output(build(site))
    path = site.output_dir / "manifest.json"
    loaded = read_manifest(path, output_dir=site.output_dir)
    assert loaded.entries and all(isinstance(e, ManifestEntry) for e in loaded.entries)
    again = manifest_file.manifest_files(site, loaded.entries)
    assert again == {name: (site.output_dir / name).read_bytes() for name in again}
    assert len(again) == 1 + len(list((site.output_dir / "manifest").iterdir()))


def _as_named(media: Media) -> Media:
    """``media`` with its paths as the manifest names them (the loader resolves them inside the output folder)."""
    return dataclasses.replace(
        media, path=Path(media.name),
        poster=dataclasses.replace(media.poster, path=Path(media.poster.name)) if media.poster else None,
        captions=dataclasses.replace(media.captions, path=Path(media.captions.name)) if media.captions else None)


def _comparable(e: ManifestEntry) -> tuple:
    # ``extra`` is read-only either way: tuples in a built entry, lists in a read one.
    return (dataclasses.replace(e, extra=thaw(e.extra), media=tuple(_as_named(m) for m in e.media)),
            thaw(e.json))


def test_the_entries_the_build_makes_are_the_entries_the_loader_reads(sample_site):
    """The preview reads the build's own entries; the publisher and ``diff`` read the file: the same values."""
    site = load_site(sample_site)
    result = build(site)
    write.write_output(result)
    loaded = read_manifest(site.output_dir / "manifest.json")
    assert any(m.is_video for e in result.entries for m in e.media), "the sample site posts a video"
    assert [_comparable(e) for e in result.entries] == [_comparable(e) for e in loaded.entries]


def _strict(value, tmp_path):
    return read_entry(value, tmp_path, shown="output/manifest.json")


def test_a_bluesky_entry_without_its_facets_is_refused_naming_entry_and_field(tmp_path):
    given = entry("tram", "bluesky", ["Tram back: https://courier.news/tram", "and more"])
    assert len(_strict(given, tmp_path).extra["facets"]) == 2
    del given["extra"]["facets"]
    with pytest.raises(ContentError) as caught:
        _strict(given, tmp_path)
    assert caught.value.field == "tram@bluesky: extra.facets"
    given["extra"]["facets"] = [[]]
    with pytest.raises(ContentError, match="one list of facets per part"):
        _strict(given, tmp_path)
    given["extra"]["facets"] = [[{"index": {"byteStart": 0, "byteEnd": 999}, "features": []}], []]
    with pytest.raises(ContentError, match=r"extra\.facets\[0\]\[0\]\.index\.byteEnd"):
        _strict(given, tmp_path)


def test_a_telegram_entry_must_carry_the_builds_html(tmp_path):
    given = entry("tax", "telegram", "Tax <b>cut</b> & spending")
    assert _strict(given, tmp_path).parts == ("Tax &lt;b&gt;cut&lt;/b&gt; &amp; spending",)
    del given["extra"]["parse_mode"]
    with pytest.raises(ContentError) as caught:
        _strict(given, tmp_path)
    assert caught.value.field == "tax@telegram: extra.parse_mode"


def test_post_from_entry_fills_nothing_in(tmp_path):
    given = entry("tax", "mastodon", "Tax cut", media=[card(tmp_path, role="attach")])
    for field in ("publish_at", "media"):
        broken = json.loads(json.dumps(given))
        del broken[field]
        with pytest.raises(ContentError) as caught:
            Post.from_entry(broken, tmp_path, T0)
        assert caught.value.field == f"tax@mastodon: {field}"
    del given["media"][0]["role"]
    with pytest.raises(ContentError) as caught:
        Post.from_entry(given, tmp_path, T0)
    assert caught.value.field == "tax@mastodon: media[0].role"


def test_diff_reads_a_manifest_file_through_the_strict_loader(tmp_path):
    good = entry("tax", "telegram", "Tax cut")
    broken = entry("vote", "telegram", "Vote")
    del broken["extra"]["parse_mode"]
    path = write_manifest(tmp_path, [good])
    assert [e.id for e in revisions.read(path).entries] == ["tax@telegram"]
    path = write_manifest(tmp_path, [good, broken])
    with pytest.raises(ContentError) as caught:
        revisions.read(path)
    assert caught.value.field == "vote@telegram: extra.parse_mode"


def test_the_manifest_model_is_a_leaf_both_sides_can_import():
    code = ("import sys, smmgen.manifest_model, smmgen.manifest_video; "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('smmgen'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}).stdout.split()
    assert set(loaded) <= {"smmgen", "smmgen.errors", "smmgen.redact", "smmgen.manifest_model",
                           "smmgen.manifest_video", "smmgen.manifest_values"}, loaded


_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.text(max_size=12),
                       st.floats(allow_nan=False, allow_infinity=False),
                       st.datetimes(timezones=st.just(dt.timezone.utc)))
_json_key = st.one_of(st.text(max_size=6), st.integers(-5, 5))
_extra = st.dictionaries(_json_key, st.recursive(
    _json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
                                        st.dictionaries(_json_key, inner, max_size=3)), max_leaves=8), max_size=5)


@settings(max_examples=150, deadline=None)
@given(extra=_extra, account=st.sampled_from(["", "bluesky", "desk"]), retracted=st.booleans())
def test_the_content_hash_from_the_entrys_read_only_platform_data_is_the_plain_one(extra, account, retracted):
    cut = dataclasses.replace(plan_cut("story", "2026-11-20 07:00", "bluesky"), extra=extra, account=account,
                              parts=("first ✂ \"part\"", "zweite\n"), link="https://x.example/a?b=1")
    media = [entries.MediaFile("link_card", Card("cards/a.jpg", 1200, 630, 9000, "ab" * 32, "jpeg", "Alt «x»", "og"),
                               "https://cards.example/a.jpg")]
    assert entries.content_hash(cut, media, retracted, entries._frozen_plain(extra)) \
        == entries.content_hash(cut, media, retracted)


def test_an_entry_is_made_without_a_walk_over_its_values_in_python(sample_site, monkeypatch):
    site = load_site(sample_site)
    result = build(site, render_images=False)
    walked = []
    real = manifest._plain
    monkeypatch.setattr(manifest, "_plain", lambda value: walked.append(1) or real(value))
    made = [e for output in result.outputs for e in output.entries]
    assert made and walked == []
