"""Bluesky on the real local PDS: a day of scheduled runs, the records as written (facets, link card, thread,
languages, record keys), and edits and reposts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
import requests

from smmgen.publish.base import Post
from smmgen.publish.bluesky import record_key, tid

# The harness fixtures come in as a plugin; its helpers are imported by name below, so it is marked for
# assertion rewriting first, as pytest does for every plugin it loads itself.
pytest.register_assert_rewrite("support.publishing")
pytest_plugins = ["support.publishing"]

from support.publishing import T0, Harness, card, entry, ledger, outcomes, run, write_manifest

H = dt.timedelta(hours=1)
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
DAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def records(h: Harness) -> dict[str, dict]:
    """rkey -> record value, read straight from the PDS."""
    did = _did(h)
    answer = requests.get(f"{h.server.upstream}/xrpc/com.atproto.repo.listRecords", timeout=10,
                          params={"repo": did, "collection": "app.bsky.feed.post", "limit": 100})
    answer.raise_for_status()
    return {r["uri"].rsplit("/", 1)[1]: r["value"] for r in answer.json()["records"]}


def _did(h: Harness) -> str:
    answer = requests.get(f"{h.server.upstream}/xrpc/com.atproto.identity.resolveHandle", timeout=10,
                          params={"handle": h.env["SMMGEN_BLUESKY_HANDLE"]})
    return answer.json()["did"]


@pytest.mark.slow
def test_a_day_of_scheduled_runs(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path)
    day = [
        entry("morning-brief", "bluesky", "Morning brief", publish_at=DAY + 6 * H, expire_at=DAY + 12 * H),
        entry("council-live", "bluesky", ["Council live: part one", "part two"], publish_at=DAY + 8 * H,
              expire_at=DAY + 20 * H),
        entry("budget-vote", "bluesky", "Budget passes", publish_at=DAY + 11 * H),
        entry("evening-news", "bluesky", "Evening news", publish_at=DAY + 18 * H, expire_at=DAY + 23 * H),
        entry("tomorrow", "bluesky", "Tomorrow's paper", publish_at=DAY + 29 * H),
        entry("never-shown", "bluesky", "Expired before its time", publish_at=DAY + 3 * H,
              expire_at=DAY + 4 * H + H / 2),
    ]
    write_manifest(site, day)
    for hour in [0, 5, 6, 8, 11, 12, 14, 18, 20, 23, 24]:
        now = DAY + hour * H
        events = run(site, now, bluesky.env)
        assert not [e for e in events if e.outcome in ("failed", "unknown")], events
        expected = [e["text"] for e in day if dt.datetime.fromisoformat(e["publish_at"]) <= now
                    and not (e["expire_at"] and dt.datetime.fromisoformat(e["expire_at"])
                             <= now)]
        assert sorted(bluesky.live_texts()) == sorted(expected), f"at {hour:02d}:00"
    states = {k: v["state"] for k, v in ledger(site).items()}
    assert states == {"morning-brief@bluesky": "deleted", "council-live@bluesky": "deleted",
                      "budget-vote@bluesky": "posted", "evening-news@bluesky": "deleted"}
    texts = [v["text"] for v in records(bluesky).values()]
    assert texts == ["Budget passes"]              # both parts of the thread are gone


def _span(data: bytes, facet: dict) -> str:
    return data[facet["index"]["byteStart"]:facet["index"]["byteEnd"]].decode()


@pytest.mark.slow
def test_the_record_as_written(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path)
    link = "https://courier.example/2026/03/haushalt/?utm_source=bluesky"
    shown = "courier.example/2026/03/haushalt"
    text = f"Haushalt beschlossen — Ölpreis & Straßenbahn: {shown}"
    start = len(text.encode()) - len(shown.encode())
    cut_facets = [[{"$type": "app.bsky.richtext.facet", "index": {"byteStart": start, "byteEnd": len(text.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}]}]]
    media = [card(site / "output", alt="Der Ratssaal")]
    given = entry("haushalt", "bluesky", text, link=link, media=media, lang="de",
                  extra={"facets": cut_facets, "langs": ["de", "en"],
                         "external": {"uri": link, "title": "Haushalt beschlossen", "description": "Was sich ändert"}})
    # Facets the build detected in the text (links and tags, UTF-8 offsets) are posted as the manifest gives them.
    bare_text = "Straßenbahn fährt wieder: https://courier.news/tram?x=1 #Verkehr"
    bare = entry("strassenbahn", "bluesky", bare_text, link="https://courier.news/tram?x=1", lang="de")
    write_manifest(site, [given, bare])
    events = run(site, T0, bluesky.env)
    assert outcomes(events) == {given["id"]: "posted", bare["id"]: "posted"}
    rkey = ledger(site)[given["id"]]["url"].rsplit("/", 1)[1]
    assert TID.match(rkey)
    assert rkey == record_key(Post.from_entry(given, site / "output", T0), 0)
    stored = records(bluesky)
    value = stored[rkey]
    assert value["text"] == text and value["langs"] == ["de", "en"]
    assert value["createdAt"] == "2026-03-02T06:00:00.000Z"
    assert value["facets"] == cut_facets[0] and _span(text.encode(), value["facets"][0]) == shown
    external = value["embed"]["external"]
    assert (external["uri"], external["title"], external["description"]) == (
        link, "Haushalt beschlossen", "Was sich ändert")
    assert external["thumb"]["size"] == media[0]["bytes"] and external["thumb"]["mimeType"] == "image/png"

    detected = stored[ledger(site)[bare["id"]]["url"].rsplit("/", 1)[1]]
    spans = {f["features"][0]["$type"].rsplit("#", 1)[1]: _span(bare_text.encode(), f) for f in detected["facets"]}
    assert spans == {"link": "https://courier.news/tram?x=1", "tag": "#Verkehr"}
    assert detected["langs"] == ["de"] and detected["embed"]["external"]["uri"] == "https://courier.news/tram?x=1"
    assert "thumb" not in detected["embed"]["external"]


@pytest.mark.slow
def test_the_manifests_facets_are_posted_not_what_the_text_would_give(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path)
    text = "Tram back: https://courier.news/tram #Verkehr"
    data = text.encode()
    # The build linked the tag to a search and left the bare URL alone; detection would give a link and a tag.
    start = data.index(b"#Verkehr")
    built = [[{"$type": "app.bsky.richtext.facet", "index": {"byteStart": start, "byteEnd": len(data)},
               "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://courier.news/t/verkehr"}]}]]
    given = entry("tram", "bluesky", text, link="https://courier.news/tram", extra={"facets": built})
    write_manifest(site, [given])
    assert outcomes(run(site, T0, bluesky.env)) == {given["id"]: "posted"}
    (value,) = records(bluesky).values()
    assert value["text"] == text and value["facets"] == built[0]


@pytest.mark.slow
def test_thread_edit_and_repost(bluesky: Harness, tmp_path: Path) -> None:
    site = bluesky.site(tmp_path / "site", '[platforms.bluesky]\non_change = "edit"\n')
    thread = entry("council-live", "bluesky", ["Council live, part one", "and part two"])
    write_manifest(site, [thread])
    run(site, T0, bluesky.env)
    stored = records(bluesky)
    first, second = sorted(stored)
    assert stored[second]["reply"]["root"]["uri"].endswith(first)
    assert stored[second]["reply"]["parent"]["uri"].endswith(first)
    edited = entry("council-live", "bluesky", ["Council live, part one (updated)", "and part two"])
    write_manifest(site, [edited])
    assert outcomes(run(site, T0 + H, bluesky.env)) == {thread["id"]: "edited"}
    after = records(bluesky)
    assert sorted(after) == [first, second]                   # same records, new content
    assert after[first]["text"] == "Council live, part one (updated)"
    assert after[first]["createdAt"] == stored[first]["createdAt"]
    # Repost: delete both parts, post the new version under new keys.
    (site / "smmgen.toml").write_text((site / "smmgen.toml").read_text().replace('"edit"', '"repost"'))
    write_manifest(site, [entry("council-live", "bluesky", ["Council live, final", "and part two"])])
    assert [e.outcome for e in run(site, T0 + 2 * H, bluesky.env)] == ["deleted", "posted"]
    final = records(bluesky)
    assert len(final) == 2 and not set(final) & {first, second}
    assert bluesky.live_texts() == ["Council live, final"]


def test_record_keys_are_valid_tids_stable_per_content() -> None:
    e = entry("budget-vote", "bluesky", "Budget passes")
    post = Post.from_entry(e, Path("."), T0)
    keys = [record_key(post, i) for i in range(3)]
    assert all(TID.match(k) for k in keys) and len(set(keys)) == 3 and keys == sorted(keys)
    assert keys[0] == record_key(Post.from_entry(e, Path("."), T0 + 5 * H), 0)      # not the run's time
    changed = dataclasses.replace(post, content_hash="sha256:" + "0" * 64)
    assert record_key(changed, 0) != keys[0]
    assert tid(0, 0) == "2222222222222" and tid(2**53 - 1, 1023) == "bzzzzzzzzzzzz"
