"""Each of the six adapters' own rules, against its fake: X's OAuth 1.0a signature and OAuth 2.0 tokens, threads
as reply chains, lookups after a lost answer; the public-card check and quotas for Instagram and Threads;
LinkedIn's headers and thumbnail; VK's photo flow, link rule, per-second limit and guid; Facebook's native
scheduling; what ``smmgen check`` says of expiries Instagram cannot honour."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from fakes.linkedin import little_text
from fakes.server import Fault
from fakes.x import signature
from requests_oauthlib import OAuth1

from smmgen.config.site import load_site
from smmgen.errors import PublishError, RateLimited
from smmgen.manifest_model import read_entry
from smmgen.publish import checks, registry, runner
from smmgen.publish.base import AdapterContext, Post
from smmgen.publish.http import Budget, HttpConfig

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms")
pytest_plugins = ["support.fake_platforms"]

from support.fake_platforms import PlatformHarness, image_card, open_platform, platform_entry
from support.publishing import T0, ledger, outcomes, run, write_manifest

H = dt.timedelta(hours=1)


@pytest.fixture
def harness_of(request: pytest.FixtureRequest) -> Iterator[Any]:
    opened: list[Iterator[PlatformHarness]] = []

    def make(name: str, **kw: Any) -> PlatformHarness:
        gen = open_platform(name, **kw)
        opened.append(gen)
        return next(gen)

    yield make
    for gen in opened:
        gen.close()


def adapter(h: PlatformHarness, site: Path, env: dict | None = None, budget: float = 5.0):
    config = HttpConfig(connect_timeout=1.0, read_timeout=1.0, max_attempts=2, backoff=0.01,
                        retry_budget=budget, media_wait=3.0)
    ctx = AdapterContext(name=h.name, settings=runner.platform_settings(h.name, load_site(site).publish),
                         platform_options={}, env=h.env if env is None else env, http=config, budget=Budget(budget))
    return registry.open_adapter(ctx)


# --- X ---------------------------------------------------------------------------------------------------------

def test_x_fake_verifies_signatures_as_the_spec_computes_them(harness_of: Any) -> None:
    # OAuth Core 1.0 Appendix A.5: the photos.example.net request and its published signature.
    params = [("file", "vacation.jpg"), ("size", "original"), ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
              ("oauth_token", "nnch734d00sl2jdk"), ("oauth_nonce", "kllo9940pd9333jh"),
              ("oauth_timestamp", "1191242096"), ("oauth_signature_method", "HMAC-SHA1"), ("oauth_version", "1.0")]
    assert signature("GET", "http://photos.example.net/photos", params, "kd94hf93k423kf44",
                     "pfkkdhi9sl3r4s00") == "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
    h = harness_of("x")
    fake = h.fake
    auth = OAuth1(fake.consumer_key, client_secret=fake.consumer_secret, resource_owner_key=fake.access_token,
                  resource_owner_secret=fake.access_secret)
    good = requests.get(f"{fake.url}/2/users/me", auth=auth, timeout=5)
    assert good.status_code == 200
    # The same signed request replayed, or sent to another query, is refused.
    replay = requests.Request("GET", f"{fake.url}/2/users/{fake.user['id']}/tweets?max_results=5", auth=auth).prepare()
    with requests.Session() as s:
        assert s.send(replay, timeout=5).status_code == 200
        assert s.send(replay, timeout=5).status_code == 401
        tampered = replay.copy()
        tampered.url = tampered.url.replace("max_results=5", "max_results=6")
        assert s.send(tampered, timeout=5).status_code == 401
    wrong_secret = OAuth1(fake.consumer_key, client_secret="not-it", resource_owner_key=fake.access_token,
                          resource_owner_secret=fake.access_secret)
    assert requests.get(f"{fake.url}/2/users/me", auth=wrong_secret, timeout=5).status_code == 401
    assert fake.auth_failures == ["nonce reused", "signature mismatch", "signature mismatch"]


def test_x_thread_with_image_and_an_oauth2_user_token(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("x")
    site = h.site(tmp_path)
    e = platform_entry(h, site, "heat-islands", ["Heat islands: a thread 1/3", "Parks cool streets 2/3",
                                                 "Read more 3/3 https://courier.example/heat/"])
    write_manifest(site, [e])
    env = {"SMMGEN_X_BEARER_TOKEN": h.fake.bearer}       # no OAuth 1.0a variables needed then
    assert outcomes(run(site, T0, env)) == {e["id"]: "posted"}
    tweets = sorted(h.fake.tweets.values(), key=lambda t: int(t["id"]))
    assert [t["text"] for t in tweets] == e["parts"]
    assert [t["reply_to"] for t in tweets] == [None, tweets[0]["id"], tweets[1]["id"]]
    (media_id,) = tweets[0]["media"]
    assert h.fake.media[media_id]["alt"] == "The council chamber"
    assert ledger(site)[e["id"]]["remote"]["ids"] == [t["id"] for t in tweets]
    assert not any((r.header("authorization") or "").startswith("OAuth") for r in h.fake.seen)


def test_x_lost_answer_is_looked_up_not_reposted(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("x")
    site = h.site(tmp_path)
    e = platform_entry(h, site, "budget-vote", "Budget & <rail> pass: https://courier.example/budget/?a=1&b=2",
                       media=[])
    write_manifest(site, [e])
    h.server.inject(Fault("POST /2/tweets", "drop_after"))
    assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
    assert h.live_texts() == [e["text"]]       # found by its text as X returns it (t.co, entities), not resent
    assert len(h.server.requests_to("POST /2/tweets")) == 1


# --- Instagram -------------------------------------------------------------------------------------------------

def test_instagram_checks_the_public_card_before_meta_fetches_it(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("instagram")
    site = h.site(tmp_path)
    e = platform_entry(h, site, "budget-vote", "Budget passes #politics")
    write_manifest(site, [e])
    h.cards.stale = True
    events = run(site, T0, h.env)
    assert events[0].outcome == "failed" and "serves other bytes" in events[0].detail
    assert h.server.requests_to("/media") == []          # Meta was never asked to fetch it
    assert [r.method for r in h.cards.seen] == ["HEAD", "GET"]
    h.cards.stale = False
    assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
    media = next(iter(h.fake.media.values()))
    assert media["bytes"] == (site / "output" / e["media"][0]["path"]).stat().st_size


@pytest.mark.parametrize("fmt, size, why", [("PNG", (1080, 1350), "only JPEG"),
                                            ("JPEG", (1080, 2000), "aspect ratios")])
def test_instagram_refuses_images_meta_would_refuse(harness_of: Any, tmp_path: Path, fmt: str, size: tuple,
                                                    why: str) -> None:
    h = harness_of("instagram")
    site = h.site(tmp_path)
    card = image_card(site / "output", "card.img", fmt=fmt, size=size, base_url=h.cards_base_url)
    e = platform_entry(h, site, "budget-vote", "Budget passes", media=[card])
    write_manifest(site, [e])
    with pytest.raises(PublishError, match=why):
        adapter(h, site).create(Post.from_entry(e, site / "output", T0))
    assert h.server.seen == []


def test_instagram_reads_its_quota_first(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("instagram", quota_total=1)
    site = h.site(tmp_path)
    a, b = (platform_entry(h, site, slug, f"{slug} #news") for slug in ("first-story", "second-story"))
    write_manifest(site, [a, b])
    events = run(site, T0, h.env)
    assert outcomes(events) == {a["id"]: "posted", b["id"]: "failed"}
    assert "published 1 of its 1 posts allowed in 24 h" in events[-1].detail
    assert len(h.server.requests_to("media_publish")) == 1


def test_instagram_login_cannot_delete_and_check_says_so(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("instagram", delete_allowed=False)
    site = h.site(tmp_path)
    e = platform_entry(h, site, "budget-vote", "Budget passes", expire_at=T0 + 6 * H)
    write_manifest(site, [e])
    assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
    events = run(site, T0 + 7 * H, h.env)
    assert outcomes(events) == {e["id"]: "failed"} and "cannot delete on instagram" in events[0].detail
    assert h.live_texts() == [e["text"]]
    loaded = load_site(site)
    checked = read_entry(e, site / "output", shown="m")
    assert [w.split(":")[0] for w in checks.warnings([checked], loaded)] == [e["id"]]
    assert "cannot delete on instagram" in checks.warnings([checked], loaded)[0]
    assert checks.warnings([checked], None) == []          # the default, Facebook Login, can delete


# --- Threads ---------------------------------------------------------------------------------------------------

def test_threads_thread_goes_out_as_replies_and_six_links_are_refused(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("threads")
    site = h.site(tmp_path)
    thread = platform_entry(h, site, "heat-islands", ["Heat 1/2", "More heat 2/2 https://courier.example/h/"],
                            extra={"topic_tag": "climate"})
    links = " ".join(f"https://courier.example/{i}/" for i in range(6))
    spam = platform_entry(h, site, "link-list", f"Six links: {links}")
    write_manifest(site, [thread, spam])
    events = run(site, T0, h.env)
    assert outcomes(events) == {thread["id"]: "posted", spam["id"]: "failed"}
    assert "6 links; Threads takes at most 5" in next(ev.detail for ev in events if ev.entry_id == spam["id"])
    posts = sorted(h.fake.media.values(), key=lambda m: int(m["id"]))
    assert [(p["text"], p["reply_to"]) for p in posts] == [("Heat 1/2", None), (thread["parts"][1], posts[0]["id"])]
    assert [c["topic_tag"] for c in h.fake.containers.values()] == ["climate", None]


def test_threads_lost_publish_answer_is_found(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("threads")
    site = h.site(tmp_path)
    e = platform_entry(h, site, "budget-vote", "Budget passes")
    write_manifest(site, [e])
    h.server.inject(Fault(h.create, "drop_after"))
    assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
    assert h.live_texts() == [e["text"]] and len(h.server.requests_to(h.create)) == 1


# --- LinkedIn --------------------------------------------------------------------------------------------------

def test_linkedin_sends_its_headers_escaped_commentary_and_thumbnail(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("linkedin")
    site = h.site(tmp_path)
    text = "Budget (2027) passes: 31–12 [final] #politics @ 6am *late*"
    e = platform_entry(h, site, "budget-vote", text)
    write_manifest(site, [e])
    assert little_text(text) != text                   # unescaped, LinkedIn would cut it short
    assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
    assert h.live_texts() == [text]
    create = h.server.requests_to("POST /rest/posts")[0]
    assert (create.header("linkedin-version"), create.header("x-restli-protocol-version")) == ("202605", "2.0.0")
    article = create.json()["content"]["article"]
    assert article["source"] == e["link"] and article["title"] and article["description"] == "What happened."
    card = (site / "output" / e["media"][0]["path"]).read_bytes()
    assert h.fake.images[article["thumbnail"]]["bytes"] == card
    record = ledger(site)[e["id"]]
    assert record["url"] == f"https://www.linkedin.com/feed/update/{record['remote_id']}/"


# --- VK --------------------------------------------------------------------------------------------------------

def test_vk_posts_photo_and_one_link_as_the_community(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("vk")
    site = h.site(tmp_path)
    e = platform_entry(h, site, "budget-vote", "Budget passes")
    two = platform_entry(h, site, "two-links", "Two links", extra={"attachments": ["https://a.example/",
                                                                                  "https://b.example/"]})
    write_manifest(site, [e, two])
    events = run(site, T0, h.env)
    assert outcomes(events) == {e["id"]: "posted", two["id"]: "failed"}
    (post,) = h.fake.posts.values()
    photo = post["attachments"][0]
    assert post["attachments"] == [photo, e["link"]] and photo.startswith(f"photo-{h.fake.group_id}_")
    assert h.fake.photos[int(photo.rsplit("_", 1)[1])]["bytes"] == e["media"][0]["bytes"]
    assert ledger(site)[e["id"]]["url"] == f"https://vk.com/wall-{h.fake.group_id}_{post['id']}"


def test_vk_waits_out_the_per_second_limit_and_guid_stops_doubles(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("vk", per_second=2)
    site = h.site(tmp_path)
    e = platform_entry(h, site, "budget-vote", "Budget passes")
    write_manifest(site, [e])
    h.server.inject(Fault("POST /method/wall.post", "drop_after"))     # posted, answer lost: sent again
    assert outcomes(run(site, T0, h.env)) == {e["id"]: "posted"}
    assert h.live_texts() == [e["text"]]
    assert len(h.server.requests_to("wall.post")) >= 2 and h.fake.limited >= 1
    guids = {r.params()[0]["guid"] for r in h.server.requests_to("wall.post")}
    assert guids == {hashlib.sha256(f"smmgen\n{e['id']}\n{e['content_hash']}".encode()).hexdigest()[:32]}


def test_vk_rate_limit_codes_are_rate_limited(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("vk")
    site = h.site(tmp_path)
    e = platform_entry(h, site, "budget-vote", "Budget passes")
    write_manifest(site, [e])
    from fakes.vk import vk_error
    h.server.inject(Fault("wall.post", "status", vk_error(9, "Flood control")))
    with pytest.raises(RateLimited) as caught:
        adapter(h, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.retry_after is None and "VK error 9" in caught.value.detail
    assert h.live_texts() == []


# --- Facebook --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ahead, scheduled", [(2 * H, True), (dt.timedelta(minutes=5), False),
                                              (dt.timedelta(days=40), False)])
def test_facebook_native_scheduling_within_its_window(harness_of: Any, tmp_path: Path, ahead: dt.timedelta,
                                                      scheduled: bool) -> None:
    h = harness_of("facebook")
    site = h.site(tmp_path)
    (site / "smmgen.toml").write_text((site / "smmgen.toml").read_text().replace(
        'graph_version = "v25.0"', 'graph_version = "v25.0"\nnative_scheduling = true'))
    e = platform_entry(h, site, "budget-vote", "Budget passes", publish_at=T0 + ahead)
    write_manifest(site, [e])
    h.fake.clock = T0
    posted = adapter(h, site).create(Post.from_entry(e, site / "output", T0))
    stored = h.fake.posts[posted.remote_id]
    assert stored["scheduled"] == (T0 + ahead if scheduled else None)
    assert posted.remote["scheduled"] is scheduled and stored["link"] == e["link"]
    adapter(h, site).delete(posted)
    adapter(h, site).delete(posted)                   # already gone: still a success
    assert h.fake.posts == {}


def test_a_publish_run_hands_posts_due_ahead_to_facebooks_scheduler(harness_of: Any, tmp_path: Path) -> None:
    h = harness_of("facebook")
    site = h.site(tmp_path)
    (site / "smmgen.toml").write_text((site / "smmgen.toml").read_text().replace(
        'graph_version = "v25.0"', 'graph_version = "v25.0"\nnative_scheduling = true'))
    soon = platform_entry(h, site, "budget-vote", "Budget passes", publish_at=T0 + 2 * H)
    later = platform_entry(h, site, "summit-preview", "Summit preview", publish_at=T0 + 40 * 24 * H)
    write_manifest(site, [soon, later])
    h.fake.clock = T0
    # Two hours ahead is inside Facebook's window: handed over now. Forty days is not: it waits for its time.
    assert outcomes(run(site, T0, h.env)) == {soon["id"]: "posted", later["id"]: "not due"}
    assert [p["scheduled"] for p in h.fake.posts.values()] == [T0 + 2 * H]
    assert ledger(site)[soon["id"]]["publish_at"] == soon["publish_at"]
    assert outcomes(run(site, T0 + H, h.env)) == {later["id"]: "not due"}    # never handed over twice
    assert len(h.fake.posts) == 1
