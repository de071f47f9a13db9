"""Whose ledger it is, and how much one run may delete because articles left the manifest: a ledger of another
site is refused instead of deleting that site's posts; a ledger from before ledgers named their site is adopted
with a note; more removed articles than [publish] removal_limit / removal_share stop the run before anything
is deleted, until --force-delete."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from smmgen.cli.main import main
from smmgen.errors import SmmgenError

pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, Harness, entry, iso, outcomes, run, write_manifest, write_site  # noqa: I001

H = dt.timedelta(hours=1)


def stories(n: int, platform: str = "mastodon") -> list[dict]:
    return [entry(f"story-{i}", platform, f"Story {i}") for i in range(n)]


def test_a_ledger_of_another_site_is_refused_and_deletes_nothing(tmp_path: Path, mastodon: Harness) -> None:
    first = mastodon.site(tmp_path / "first")
    write_manifest(first, stories(2))
    run(first, T0, mastodon.env)
    assert len(mastodon.live_texts()) == 2
    # Another site, publishing to the same account, handed the first site's ledger.
    other = write_site(tmp_path / "other", mastodon.table)
    text = (other / "smmgen.toml").read_text().replace("https://courier.example", "https://gazette.example")
    (other / "smmgen.toml").write_text(text)
    manifest = write_manifest(other, [entry("tram-line", "mastodon", "Tram line opens")])
    manifest.write_text(manifest.read_text().replace("https://courier.example\"", "https://gazette.example\""))
    shutil.copytree(first / ".smmgen", other / ".smmgen")
    before = (other / ".smmgen" / "ledger.json").read_bytes()
    with pytest.raises(SmmgenError) as caught:
        run(other, T0 + H, mastodon.env)
    assert caught.value.message.startswith(
        ".smmgen/ledger.json: site: this ledger belongs to https://courier.example, not to https://gazette.example")
    assert 'set "site" in the ledger to https://gazette.example' in caught.value.message
    assert len(mastodon.live_texts()) == 2
    assert (other / ".smmgen" / "ledger.json").read_bytes() == before


def test_a_ledger_without_a_site_is_adopted_with_a_note(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path)
    write_manifest(site, stories(1))
    run(site, T0, mastodon.env)
    path = site / ".smmgen" / "ledger.json"
    doc = json.loads(path.read_text())
    assert doc["site"] == "https://courier.example"
    del doc["site"]                         # as an older smmgen wrote it
    path.write_text(json.dumps(doc))
    dry = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0 + H), "--dry-run"],
                             env=mastodon.env)
    assert dry.exit_code == 0 and "the ledger named no site" in dry.output and "a real run records" in dry.output
    assert "site" not in json.loads(path.read_text())
    events = run(site, T0 + H, mastodon.env)
    assert [(e.entry_id, e.outcome) for e in events] == [(".smmgen/ledger.json", "warning")]
    assert "it is https://courier.example's from now on" in events[0].detail
    assert json.loads(path.read_text())["site"] == "https://courier.example"
    assert run(site, T0 + 2 * H, mastodon.env) == []


def test_many_removed_articles_stop_the_run_until_forced(tmp_path: Path, mastodon: Harness,
                                                         telegram: Harness) -> None:
    site = write_site(tmp_path / "site", mastodon.table, telegram.table)
    both = stories(10) + stories(10, "telegram")
    env = {**mastodon.env, **telegram.env}
    write_manifest(site, both)
    run(site, T0, env)
    # Six of ten articles gone at once (on both platforms): more than 3, and more than 10 % of 10.
    kept = [e for e in both if int(e["id"].split("-")[1].split("@")[0]) >= 6]
    write_manifest(site, kept + [entry("new-story", "mastodon", "New story", publish_at=T0 + H)])
    before = (site / ".smmgen" / "ledger.json").read_bytes()
    with pytest.raises(SmmgenError) as caught:
        run(site, T0 + H, env)
    assert caught.value.message.startswith(
        "publish: 6 of 10 articles with live posts are gone from the manifest (story-0, story-1, story-2, "
        "story-3, story-4 and 1 more); deleting their 12 posts is more than one run may do")
    assert "run again with --force-delete" in caught.value.message
    assert len(mastodon.live_texts()) == 10 and len(telegram.live_texts()) == 10   # nothing deleted, nothing posted
    assert (site / ".smmgen" / "ledger.json").read_bytes() == before
    result = CliRunner().invoke(main, ["publish", "--site", str(site), "--now", iso(T0 + H), "--dry-run"], env=env)
    assert result.exit_code == 1 and "removal_limit = 3" in result.output
    events = run(site, T0 + H, env, force_delete=True)
    assert sorted(e.entry_id for e in events if e.outcome == "deleted") == sorted(
        e["id"] for e in both if e not in kept)
    assert outcomes(events)["new-story@mastodon"] == "posted"
    assert len(mastodon.live_texts()) == 5 and len(telegram.live_texts()) == 4


@pytest.mark.parametrize("table, stops", [("removal_limit = 6\n", False), ("removal_limit = 0\nremoval_share = 0.6\n",
                                                                             False),
                                          ("removal_limit = 0\nremoval_share = 0.5\n", True)])
def test_the_removal_limit_is_configurable(tmp_path: Path, mastodon: Harness, table: str, stops: bool) -> None:
    site = mastodon.site(tmp_path / "site")
    write_manifest(site, stories(10))
    run(site, T0, mastodon.env)
    toml = (site / "smmgen.toml").read_text().replace("[publish]\n", "[publish]\n" + table, 1)
    (site / "smmgen.toml").write_text(toml)
    write_manifest(site, stories(10)[6:])
    if stops:
        with pytest.raises(SmmgenError, match="removal_limit = 0, removal_share = 0.5"):
            run(site, T0 + H, mastodon.env)
        assert len(mastodon.live_texts()) == 10
    else:
        assert list(outcomes(run(site, T0 + H, mastodon.env)).values()) == ["deleted"] * 6
        assert len(mastodon.live_texts()) == 4


def test_a_few_removed_articles_are_deleted_as_before(tmp_path: Path, mastodon: Harness) -> None:
    site = mastodon.site(tmp_path / "site")
    write_manifest(site, stories(4))
    run(site, T0, mastodon.env)
    write_manifest(site, stories(4)[3:])
    assert outcomes(run(site, T0 + H, mastodon.env)) == {f"story-{i}@mastodon": "deleted" for i in range(3)}
