"""Manifest entries are made once per build and read back through the one strict loader, unchanged."""

from __future__ import annotations

from smmgen import manifest, write
from smmgen.build import build
from smmgen.config import load_site
from smmgen.manifest_model import ManifestEntry, read_manifest


def test_every_entry_is_made_once_per_build_and_write(sample_site, monkeypatch):
    made: list[str] = []
    original = manifest.entry

    def counted(cut, article, media):
        made.append(cut.id)
        return original(cut, article, media)

    monkeypatch.setattr(manifest, "entry", counted)
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
    written = path.read_bytes()
    loaded = read_manifest(path, output_dir=site.output_dir)
    assert loaded.entries and all(isinstance(e, ManifestEntry) for e in loaded.entries)
    again = write.dumps_manifest(site, [e.to_json() for e in loaded.entries])
    assert again == written
