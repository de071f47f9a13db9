"""Settled entries: an entry whose post the ledger records as done with this very content is written as a stub,
and the publisher still edits, retracts and expires old posts. Real builds, the real publisher against the fake
Mastodon server over 127.0.0.1, real files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.entries import entry_json  # noqa: E402, I001
from support.publishing import Harness, ledger, outcomes, run, write_site  # noqa: E402

from smmgen import manifest  # noqa: E402
from smmgen.cli.main import main  # noqa: E402
from smmgen.errors import ContentError  # noqa: E402
from smmgen.manifest_model import read_manifest  # noqa: E402

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PLATFORM = '[platforms.mastodon]\nhandle = "@desk@social.example"\non_change = "edit"\n'


def article(site: Path, name: str, body: str, *front: str) -> None:
    (site / "content").mkdir(exist_ok=True)
    (site / "content" / f"{name}.md").write_text(
        "---\n" + "\n".join([f"title: {name.title()}", "date: 2026-03-02", *front]) + f"\n---\n\n{body}\n")


def build(site: Path, *more: str) -> dict[str, dict]:
    """Build; the manifest's entries by id, each as its line says it."""
    result = CliRunner().invoke(main, ["build", "--site", str(site), "--workers", "1", *more],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = site / "output"
    assert json.loads((out / "manifest.json").read_bytes())["version"] == 3
    found = {}
    for part in sorted((out / "manifest").glob("*.json")):
        lines = part.read_bytes().decode().split("\n")
        assert lines[-2] == "]}"
        found.update((e["id"], e) for e in (json.loads(line.rstrip(",")) for line in lines[1:-2]))
    return found


def manifest_bytes(site: Path) -> bytes:
    """The index and every part, one after the other."""
    out = site / "output"
    return b"".join(p.read_bytes() for p in (out / "manifest.json", *sorted((out / "manifest").glob("*.json"))))


def test_a_settled_entry_is_a_stub_and_edits_retractions_and_expiries_still_work(tmp_path: Path,
                                                                                  mastodon: Harness) -> None:
    site = write_site(tmp_path / "site", PLATFORM, mastodon.table)
    article(site, "budget", "The council passed the budget tonight.")
    article(site, "tram", "The tram line opens on Monday.", "social:", "  expire_at: 2026-03-20T12:00:00Z")
    first = build(site)
    assert all("settled" not in e for e in first.values())
    assert outcomes(run(site, NOW, mastodon.env)) == {"budget@mastodon": "posted", "tram@mastodon": "posted"}

    # Posted with this content, nothing left to do: a stub. The tram post still has its expiry to come.
    second = build(site)
    stub = second["budget@mastodon"]
    assert stub == {"id": "budget@mastodon", "platform": "mastodon", "account": "mastodon", "settled": "posted",
                    "content_hash": first["budget@mastodon"]["content_hash"],
                    "publish_at": first["budget@mastodon"]["publish_at"]}
    assert second["tram@mastodon"] == first["tram@mastodon"]
    # The incremental build wrote what a build from scratch writes.
    cached = manifest_bytes(site)
    assert build(site, "--no-cache") == second and manifest_bytes(site) == cached
    assert run(site, NOW + dt.timedelta(hours=1), mastodon.env) == []
    explained = run(site, NOW + dt.timedelta(hours=1), mastodon.env, dry_run=True, explain=True)
    assert {(e.entry_id, e.outcome, e.action) for e in explained} == {("budget@mastodon", "quiet", "skip"),
                                                                     ("tram@mastodon", "quiet", "skip")}
    assert "unchanged (settled)" in next(e.detail for e in explained if e.entry_id == "budget@mastodon")

    # An edit brings the entry back in full, and the publisher edits the post.
    article(site, "budget", "The council passed the budget after midnight.")
    third = build(site)
    assert "settled" not in third["budget@mastodon"] and "after midnight" in third["budget@mastodon"]["parts"][0]
    assert outcomes(run(site, NOW + dt.timedelta(hours=2), mastodon.env)) == {"budget@mastodon": "edited"}
    assert any("after midnight" in text for text in mastodon.live_texts())
    assert build(site)["budget@mastodon"]["settled"] == "posted"

    # The expiry deletes the tram post, which is then settled as deleted, its expiry kept.
    assert outcomes(run(site, dt.datetime(2026, 3, 20, 12, 0, tzinfo=UTC), mastodon.env)) == {
        "tram@mastodon": "deleted"}
    assert build(site)["tram@mastodon"] == {
        "id": "tram@mastodon", "platform": "mastodon", "account": "mastodon", "settled": "deleted",
        "content_hash": first["tram@mastodon"]["content_hash"], "publish_at": first["tram@mastodon"]["publish_at"],
        "expire_at": "2026-03-20T12:00:00Z"}

    # Retracting the settled budget article brings it back in full, and the post is deleted.
    article(site, "budget", "The council passed the budget after midnight.", "retracted: true")
    assert build(site)["budget@mastodon"]["retracted"] is True
    assert outcomes(run(site, dt.datetime(2026, 3, 21, tzinfo=UTC), mastodon.env)) == {"budget@mastodon": "deleted"}
    assert mastodon.live_texts() == []
    assert ledger(site)["budget@mastodon"]["state"] == "deleted"


def test_a_stub_the_ledger_no_longer_vouches_for_is_reported_not_posted(tmp_path: Path,
                                                                          mastodon: Harness) -> None:
    site = write_site(tmp_path / "site", PLATFORM, mastodon.table)
    article(site, "budget", "The council passed the budget tonight.")
    build(site)
    run(site, NOW, mastodon.env)
    assert build(site)["budget@mastodon"]["settled"] == "posted"
    saved = site / "ledger-copy.json"
    shutil.copy(site / ".smmgen" / "ledger.json", saved)
    (site / ".smmgen" / "ledger.json").unlink()           # a ledger lost after the build
    events = run(site, NOW + dt.timedelta(hours=1), mastodon.env)
    assert [(e.entry_id, e.outcome) for e in events] == [("budget@mastodon", "failed")]
    assert "settled" in events[0].detail and "rebuild the manifest" in events[0].detail
    assert len(mastodon.live_texts()) == 1                 # nothing posted again
    # A build from the ledger as it now is writes the entry in full again.
    assert "settled" not in build(site)["budget@mastodon"]


def _manifest(tmp_path: Path, entries: list, version: int = 2) -> Path:
    path = tmp_path / "manifest.json"
    # Written as they come (a hostile file need not be laid out as the build lays it out).
    path.write_text(json.dumps({"format": "smmgen-manifest", "version": version,
                                "site": {"name": "Desk", "base_url": "https://courier.example",
                                         "timezone": "UTC", "cards_base_url": None},
                                "entries": entries}))
    return path


STUB = {"id": "budget@mastodon", "platform": "mastodon", "account": "mastodon", "settled": "posted",
        "content_hash": "sha256:" + "a" * 64, "publish_at": "2026-03-02T08:00:00Z"}


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"text": "Posted again"}, "text", "unknown field"),
    ({"settled": "pending"}, "settled", "expected one of posted, deleted"),
    ({"content_hash": "sha256:xyz"}, "content_hash", "64 hex digits"),
    ({"platform": "bluesky"}, "platform", "is not the platform the id names"),
    ({"account": "other"}, "account", "is not the account the id names"),
    ({"publish_at": "tomorrow"}, "publish_at", "expected a UTC time"),
    ({"expire_at": "2026-03-09T08:00:00Z"}, "expire_at", "written in full, not settled"),
    ({"id": "Budget@mastodon"}, "id", "expected <slug>@<platform>"),
])
def test_a_hostile_stub_is_refused_naming_the_entry_and_field(tmp_path: Path, change: dict, field: str,
                                                              message: str) -> None:
    path = _manifest(tmp_path, [{**STUB, **change}])
    with pytest.raises(ContentError) as caught:
        read_manifest(path, shown="output/manifest.json")
    assert caught.value.field.endswith(field) and message in caught.value.message
    assert str(caught.value).startswith("output/manifest.json: ")


def test_a_stub_and_an_entry_with_one_id_and_a_stub_in_version_1_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="settled entries need manifest version 2"):
        read_manifest(_manifest(tmp_path, [STUB], version=1))
    with pytest.raises(ContentError, match="have the same id"):
        read_manifest(_manifest(tmp_path, [STUB, STUB]))
    loaded = read_manifest(_manifest(tmp_path, [STUB]))
    assert loaded.entries == () and [s.id for s in loaded.settled] == ["budget@mastodon"]


def test_an_unknown_manifest_version_says_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"manifest version 4 is not supported .*rebuild it with this smmgen"):
        read_manifest(_manifest(tmp_path, [], version=4))
    # Version 3 is an index of parts: one with entries in it is not one.
    with pytest.raises(ContentError, match=r"manifest.json: parts: required but missing"):
        read_manifest(_manifest(tmp_path, [], version=3))


def test_diff_reads_stubs_on_either_side(tmp_path: Path) -> None:
    from smmgen.preview.diff import compare, to_markdown

    changed = {**STUB, "id": "tram@mastodon"}
    head_tram = entry_json("tram@mastodon", title="Tram line opens", text="Trams run",
                           publish_at="2026-03-02T08:00:00Z", version="b")
    del head_tram["text"]                   # version 2 writes the text once, as the first part
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    base = read_manifest(_manifest(tmp_path / "base", [STUB, changed]), require_files=False)
    head = read_manifest(_manifest(tmp_path / "head", [head_tram]), require_files=False)
    diff = compare(base, head)
    assert [d.entry.id for d in diff.deleted] == ["budget@mastodon"] and len(diff.changed) == 1
    text = to_markdown(diff)
    assert "| mastodon | budget | no longer in the manifest" in text
    # The stub has no text: the head's text is shown whole, as what the edit will post.
    assert "the base manifest carries this post as settled, without its text" in text and "+Trams run" in text
    # With the stub on the head side, its post is unchanged when the hash is the base's.
    same = read_manifest(_manifest(tmp_path / "head", [changed]), require_files=False)
    assert compare(base, same).unchanged == 1


def test_the_text_is_written_once_as_the_first_part_and_given_back(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", PLATFORM)
    article(site, "budget", "The council passed the budget tonight.")
    [line] = build(site).values()
    path = site / "output" / "manifest.json"
    assert "text" not in line and "passed the budget" in line["parts"][0]
    [loaded] = manifest.load(path)["entries"]
    assert loaded["text"] == loaded["parts"][0]
    assert manifest.dumps(manifest.load(path)) == manifest.dumps(manifest.joined(path))
    [part] = (site / "output" / "manifest").glob("*.json")
    # A part changed by hand is refused for its bytes, before anything in it is read.
    part.write_bytes(part.read_bytes().replace(b'{"account":', b'{"text":"Something else","account":'))
    with pytest.raises(ContentError, match=r"^output/manifest/2026-0\d\.json: not the bytes the manifest's index "):
        read_manifest(path, shown="output/manifest.json")
    # The same entry in a whole (version 2) manifest: its text is refused.
    whole = site / "output" / "whole.json"
    whole.write_text(json.dumps(manifest.joined(path)))
    with pytest.raises(ContentError, match="text: unknown field since manifest version 2"):
        read_manifest(whole, shown="output/manifest.json")


def test_a_post_settled_as_deleted_but_live_by_a_restored_ledger_is_deleted_at_its_expiry(
        tmp_path: Path, mastodon: Harness) -> None:
    site = write_site(tmp_path / "site", PLATFORM, mastodon.table)
    article(site, "tram", "The tram line opens on Monday.", "social:", "  expire_at: 2026-03-20T12:00:00Z")
    build(site)
    run(site, NOW, mastodon.env)
    live = (site / ".smmgen" / "ledger.json").read_bytes()
    expired = dt.datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    assert outcomes(run(site, expired, mastodon.env)) == {"tram@mastodon": "deleted"}
    assert build(site)["tram@mastodon"]["settled"] == "deleted"
    # The post is put back (the platform restored it) and the ledger restored from before the delete.
    (site / ".smmgen" / "ledger.json").write_bytes(live)
    assert outcomes(run(site, expired + dt.timedelta(hours=1), mastodon.env)) == {"tram@mastodon": "deleted"}
