"""The publisher's strict manifest reader: a manifest that names files outside output/, has the wrong types or
repeats an id is refused as a whole, with one line naming the file, the entry and the field, before anything is
sent; and through the real CLI no malformed manifest or ledger ends in a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from smmgen.errors import SmmgenError
from smmgen.publish.base import Post
from smmgen.publish.manifest_reader import read_manifest

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, Harness, card, entry, iso, run, write_manifest, write_site  # noqa: I001

REPO = Path(__file__).resolve().parents[1]


def write_raw(site: Path, entries: list[dict]) -> None:
    doc = {"format": "smmgen-manifest", "version": 1,
           "site": {"name": "Test Desk", "base_url": "https://courier.example", "timezone": "UTC",
                    "cards_base_url": None},
           "entries": entries}
    (site / "output").mkdir(parents=True, exist_ok=True)
    (site / "output" / "manifest.json").write_text(json.dumps(doc))


@pytest.mark.parametrize("where", ["relative", "absolute", "symlink"])
def test_a_media_path_outside_output_is_refused_and_nothing_is_sent(tmp_path: Path, mastodon: Harness,
                                                                    where: str) -> None:
    site = mastodon.site(tmp_path / "site")
    # A real image outside output/: the platform would take it.
    secret = card(tmp_path / "private", "secret.png", role="attach")
    secret_path = tmp_path / "private" / "cards" / "secret.png"
    inside = card(site / "output", role="attach")
    if where == "relative":
        path = "../../private/cards/secret.png"
    elif where == "absolute":
        path = str(secret_path)
    else:
        (site / "output" / "cards" / "link.png").symlink_to(secret_path)
        path = "cards/link.png"
    media = {**inside, "path": path, "bytes": secret["bytes"], "sha256": secret["sha256"]}
    write_manifest(site, [entry("budget-vote", "mastodon", "Budget passes", media=[media])])
    with pytest.raises(SmmgenError) as caught:
        run(site, T0, mastodon.env)
    assert caught.value.message.startswith("output/manifest.json: budget-vote@mastodon: media[0].path: ")
    assert ("must be a path relative to the output folder" if where == "absolute" else
            "is outside the output folder") in caught.value.message
    assert mastodon.server.seen == [] and mastodon.server.media == {}


@pytest.mark.parametrize("path, problem", [
    ("../../../../../../../../etc/passwd", "outside the output folder"),
    ("/etc/passwd", "must be a path relative to the output folder"),
    ("/dev/zero", "must be a path relative to the output folder"),
    ("cards/zero.png", "outside the output folder"),        # a link to /dev/zero
    ("cards/fifo.png", "not a regular file"),               # inside, but a FIFO
    ("cards", "not a regular file"),
    ("cards/missing.png", "No such file or directory"),
    ("", "must not be empty"),
    ("cards/a\u0000.png", "must be a path relative to the output folder"),
])
def test_media_paths_that_are_not_files_of_the_build(tmp_path: Path, path: str, problem: str) -> None:
    site = write_site(tmp_path / "site")
    media = card(site / "output", role="attach")
    (site / "output" / "cards" / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(site / "output" / "cards" / "fifo.png")
    write_raw(site, [entry("budget-vote", "mastodon", "Budget passes", media=[{**media, "path": path}])])
    with pytest.raises(SmmgenError) as caught:
        read_manifest(site / "output" / "manifest.json", shown="output/manifest.json")
    assert caught.value.message.startswith("output/manifest.json: budget-vote@mastodon: media[0].path: ")
    assert problem in caught.value.message


def test_a_media_file_of_another_size_is_refused(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    media = card(site / "output", role="attach")
    write_raw(site, [entry("budget-vote", "mastodon", "Budget passes", media=[{**media, "bytes": 10**12}])])
    with pytest.raises(SmmgenError, match=r"budget-vote@mastodon: media\[0\]\.bytes: expected 1 to 67108864"):
        read_manifest(site / "output" / "manifest.json")
    write_raw(site, [entry("budget-vote", "mastodon", "Budget passes", media=[{**media, "bytes": 7}])])
    with pytest.raises(SmmgenError, match=r"media\[0\]\.path: \"cards/card.png\" has \d+ bytes, the manifest says 7"):
        read_manifest(site / "output" / "manifest.json")


def test_parts_as_a_string_is_not_a_thread(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    bad = entry("budget-vote", "mastodon", "abc")
    bad["parts"] = "abc"
    write_raw(site, [bad])
    with pytest.raises(SmmgenError, match="^output/manifest.json: budget-vote@mastodon: parts: expected a list, "
                                          "got a string$"):
        run(site, T0, mastodon.env)
    assert mastodon.server.seen == []


def test_a_repeated_id_is_refused_not_posted_twice(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    one = entry("budget-vote", "mastodon", "Budget passes")
    write_raw(site, [one, entry("budget-vote", "mastodon", "Budget passes, again")])
    with pytest.raises(SmmgenError, match="budget-vote@mastodon: id: entries 1 and 2 have the same id"):
        run(site, T0, mastodon.env)
    assert mastodon.server.seen == [] and mastodon.live_texts() == []


def test_every_problem_is_listed_one_line_each(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site")
    a, b = entry("alpha-one", "mastodon", "A"), entry("beta-two", "mastodon", "B")
    a["retracted"] = "no"
    del b["content_hash"]
    write_raw(site, [a, b, "gamma"])
    with pytest.raises(SmmgenError) as caught:
        read_manifest(site / "output" / "manifest.json", shown="output/manifest.json")
    assert caught.value.message.splitlines() == [
        "output/manifest.json: alpha-one@mastodon: retracted: expected true or false, got a string",
        "output/manifest.json: beta-two@mastodon: content_hash: required but missing",
        "output/manifest.json: entries[2]: (entry): expected an object, got a string"]


def test_a_manifest_of_another_site_is_refused(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    write_manifest(site, [entry("budget-vote", "mastodon", "Budget passes")])
    path = site / "output" / "manifest.json"
    path.write_text(path.read_text().replace("https://courier.example\"", "https://other.example\""))
    with pytest.raises(SmmgenError, match="output/manifest.json: site.base_url: built for https://other.example"):
        run(site, T0, mastodon.env)
    assert mastodon.server.seen == []


def test_the_checked_entry_posts_as_before(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    media = card(site / "output", role="attach", alt="Chamber")
    a = entry("budget-vote", "mastodon", ["Budget passes", "More"], media=[media], expire_at=T0 + dt_hours(2))
    write_manifest(site, [a])
    manifest = read_manifest(site / "output" / "manifest.json")
    (checked,) = manifest.entries
    assert (checked.id, checked.parts, checked.publish_at, checked.expire_at) == (
        a["id"], ("Budget passes", "More"), T0, T0 + dt_hours(2))
    assert checked.media[0].path == (site / "output" / "cards" / "card.png").resolve()
    with pytest.raises(TypeError):
        checked.extra["x"] = 1          # type: ignore[index]
    assert [e.outcome for e in run(site, T0, mastodon.env)] == ["posted"]
    assert iso(T0) == a["publish_at"]


def dt_hours(n: int):
    import datetime as dt

    return dt.timedelta(hours=n)


# --- the real CLI: one clean line, non-zero exit, nothing posted -----------------------------------------------------

def _valid_doc() -> dict:
    return {"format": "smmgen-manifest", "version": 1,
            "site": {"name": "Test Desk", "base_url": "https://courier.example", "timezone": "UTC",
                     "cards_base_url": None},
            "entries": [entry("budget-vote", "mastodon", "Budget passes")]}


def _without(key: str) -> str:
    doc = _valid_doc()
    del doc["entries"][0][key]
    return json.dumps(doc)


def _with_entries(value) -> str:
    return json.dumps({**_valid_doc(), "entries": value})


def _with_field(key: str, raw: str) -> str:
    doc = _valid_doc()
    doc["entries"][0][key] = "@@"
    return json.dumps(doc).replace('"@@"', raw)


MANIFESTS = {
    "no entries": (json.dumps({k: v for k, v in _valid_doc().items() if k != "entries"}), "entries: required"),
    "entries a dict": (_with_entries({"a": 1}), "entries: expected a list of entries, got an object"),
    "entries null": (_with_entries(None), "entries: expected a list of entries, got null"),
    "entry without id": (_without("id"), "entries[0]: id: required but missing"),
    "entry without platform": (_without("platform"), "budget-vote@mastodon: platform: required but missing"),
    "entry a string": (_with_entries(["budget-vote@mastodon"]), "entries[0]: (entry): expected an object"),
    "not JSON": ('{"format": "smmgen-manifest", ', "not valid JSON"),
    "top level a list": ("[1, 2]", "(top): expected an object, got a list"),
    "deeply nested": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "huge integer": (_with_field("length", "1" * 5000), "not valid JSON: Exceeds the limit"),
    "huge float": (_with_field("length", "1e999"), "out of range"),
    "big integer": (_with_field("length", "1" + "0" * 40), "length: expected 0 to 10000000"),
    "NaN": (_with_field("length", "NaN"), "NaN is not a JSON number"),
    "not UTF-8": ("", "not UTF-8 text"),
    "lone surrogate": (_with_field("text", '"\\ud800"'), "text: contains a lone surrogate"),
    "version true": (json.dumps({**_valid_doc(), "version": True}), "version: manifest version true"),
    "a key twice": (json.dumps(_valid_doc()).replace('"version": 1', '"version": 1, "version": 1'),
                    'the key "version" appears twice'),
}


def _cli(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMMGEN_")}
    env["PYTHONPATH"] = str(REPO)
    env["SMMGEN_MASTODON_TOKEN"] = "unused"
    return subprocess.run([sys.executable, "-m", "smmgen", "publish", "--site", str(site), *args],
                          capture_output=True, text=True, env=env, timeout=60)


def _one_clean_line(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize("case", MANIFESTS)
def test_cli_malformed_manifest_is_one_clean_line(tmp_path: Path, case: str) -> None:
    site = write_site(tmp_path / "site", '[publish.mastodon]\ninstance = "http://127.0.0.1:9"\n')
    text, expected = MANIFESTS[case]
    (site / "output").mkdir()
    (site / "output" / "manifest.json").write_bytes(b'{"format": "\xff"}' if case == "not UTF-8" else text.encode())
    result = _cli(site, "--dry-run", "--now", iso(T0))
    _one_clean_line(result, "output/manifest.json:", expected)
    assert not (site / ".smmgen" / "ledger.json").exists()


LEDGERS = {
    "platform a number": ({"budget-vote@mastodon": {"platform": 5, "state": "posted"}},
                          "budget-vote@mastodon: platform: expected a platform name, got a number"),
    "entries a list": ([], "entries: expected an object of records by entry id, got a list"),
    "record a string": ({"budget-vote@mastodon": "posted"}, "budget-vote@mastodon: (record): expected an object"),
    "unknown state": ({"budget-vote@mastodon": {"platform": "mastodon", "state": "live"}},
                      'budget-vote@mastodon: state: expected one of pending, intent, posted, unknown, deleted, adopted, '
                      'got "live"'),
    "bad time": ({"budget-vote@mastodon": {"platform": "mastodon", "state": "posted", "expire_at": "soon"}},
                 'budget-vote@mastodon: expire_at: not a time: "soon"'),
    "attempts a string": ({"budget-vote@mastodon": {"platform": "mastodon", "state": "pending", "attempts": "2"}},
                          "budget-vote@mastodon: attempts: expected a whole number of attempts, got a string"),
    "remote a list": ({"budget-vote@mastodon": {"platform": "mastodon", "state": "posted", "remote": []}},
                      "budget-vote@mastodon: remote: expected an object or null, got a list"),
    "entry copy outside output": (
        {"budget-vote@mastodon": {"platform": "mastodon", "state": "intent", "intent_at": "2026-03-02T06:00:00Z",
                                  "entry": {**entry("budget-vote", "mastodon", "B"), "media": [
                                      {"role": "attach", "target": "og", "path": "../../../etc/passwd", "url": None,
                                       "width": 1, "height": 1, "bytes": 1, "sha256": "0" * 64, "format": "png",
                                       "alt": ""}]}}},
        "budget-vote@mastodon: entry.media[0].path: \"../../../etc/passwd\" is outside the output folder"),
}


@pytest.mark.parametrize("case", LEDGERS)
def test_cli_malformed_ledger_is_one_clean_line(tmp_path: Path, case: str) -> None:
    site = write_site(tmp_path / "site", '[publish.mastodon]\ninstance = "http://127.0.0.1:9"\n')
    write_manifest(site, [entry("budget-vote", "mastodon", "Budget passes")])
    records, expected = LEDGERS[case]
    (site / ".smmgen").mkdir()
    ledger = site / ".smmgen" / "ledger.json"
    ledger.write_text(json.dumps({"format": "smmgen-ledger", "version": 1, "entries": records}))
    before = ledger.read_bytes()
    for args in (["--dry-run"], []):
        result = _cli(site, *args, "--now", iso(T0))
        _one_clean_line(result, ".smmgen/ledger.json: ", expected)
        assert ledger.read_bytes() == before


@pytest.mark.parametrize("platform, field, value", [("telegram", "remote_id", "not-a-number"),
                                                    ("mastodon", "remote", {"ids": 5})])
def test_a_hand_edited_remote_fails_that_delete_cleanly(tmp_path: Path, request: pytest.FixtureRequest,
                                                        platform: str, field: str, value) -> None:
    h: Harness = request.getfixturevalue(platform)
    site = h.site(tmp_path / "site")
    a = entry("budget-vote", platform, "Budget passes", expire_at=T0 + dt_hours(1))
    write_manifest(site, [a])
    run(site, T0, h.env)
    path = site / ".smmgen" / "ledger.json"
    doc = json.loads(path.read_text())
    doc["entries"][a["id"]][field] = value
    path.write_text(json.dumps(doc))
    events = run(site, T0 + dt_hours(2), h.env)
    assert [(e.outcome, e.detail.split(": the ledger's record")[0]) for e in events] == [
        ("failed", "delete (expired 2026-03-02T07:00:00Z)")]
    assert "is not one smmgen wrote" in events[0].detail and "restore the ledger from git" in events[0].detail
    assert h.live_texts() == ["Budget passes"]
    assert json.loads(path.read_text())["entries"][a["id"]]["delete_refused"] is None     # tried again next run


def test_a_card_swapped_for_a_link_after_reading_is_not_sent(tmp_path: Path, mastodon: Harness) -> None:
    """Between reading the manifest and the upload, cards/ becomes a link to a folder outside output/."""
    site = mastodon.site(tmp_path / "site")
    media = card(site / "output", role="attach")
    write_manifest(site, [entry("budget-vote", "mastodon", "Budget passes", media=[media])])
    (checked,) = read_manifest(site / "output" / "manifest.json").entries
    post = Post.of(checked, T0)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(site / "output" / "cards", elsewhere)
    (site / "output" / "cards").symlink_to(elsewhere)
    with pytest.raises(SmmgenError, match="cannot read card.png: no longer where the manifest reader found it"):
        post.media[0].read("mastodon", post.entry_id)
    (site / "output" / "cards").unlink()
    shutil.move(elsewhere, site / "output" / "cards")
    assert post.media[0].read("mastodon", post.entry_id) == (site / "output" / "cards" / "card.png").read_bytes()
