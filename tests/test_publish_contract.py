"""One contract for every publisher adapter, run against each platform's server (the real local PDS for
Bluesky, the fakes for the eight others): success puts id and URL in the ledger, a wrong credential is
AuthError, a rate limit is RateLimited with the wait the platform states, 5xx and timeouts are transient, a dry
run sends nothing, a missing credential names its variable, an account reads only its own variables (never the
default account's), and no secret shows in a repr, an error, a log line or the ledger.

The table runs every network twice where a post with a video takes steps a card post does not: success, a rate
limit and a 5xx during the upload, and a dry run that names the video and sends nothing (``VIDEO_ROWS``).

Where the platforms differ, the harness says what to expect: Meta answers a bad token with HTTP 400 (code
190), VK with an error in a 200; Meta's throttling waits are whole minutes, VK's code 6 is a second, LinkedIn's
daily limit resets at midnight UTC."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakes.cardhost import CardHost
from fakes.server import Fault

from smmgen.config.site import load_site
from smmgen.errors import AuthError, PublishError, RateLimited
from smmgen.publish import registry, runner
from smmgen.publish.base import AdapterContext, Post
from smmgen.publish.http import Budget, HttpConfig

# The harness fixtures come in as plugins; their helpers are imported by name below, so they are marked for
# assertion rewriting first, as pytest does for every plugin it loads itself.
pytest.register_assert_rewrite("support.publishing", "support.fake_platforms", "support.video_cases")
pytest_plugins = ["support.publishing", "support.fake_platforms", "support.video_cases"]

from support.fake_platforms import NEW_PLATFORMS, open_platform, platform_entry
from support.fake_platforms import URLS as NEW_URLS
from support.publishing import PLATFORMS, T0, Harness, card, entry, ledger, open_harness, run, write_manifest
from support.video_cases import CASES, open_video_harness, video_entry
from support.videos import write_video_manifest

URLS = {"bluesky": "https://bsky.app/profile/did:plc:", "mastodon": "https://social.example/@courier/",
        "telegram": "https://t.me/courier_news/", **NEW_URLS}
# Where a post with a video lives, where that differs from a post with a card.
VIDEO_URLS = {**URLS, "x": "https://x.com/NorthbridgeNews/status/",
              "facebook": "https://www.facebook.com/104955112233445/videos/",
              "instagram": "https://www.instagram.com/p/", "threads": "https://www.threads.net/@courier/post/",
              "linkedin": "https://www.linkedin.com/feed/update/urn:li:share:", "vk": "https://vk.com/wall-229100100_"}
TEXT = "Budget passes 31–12 after a long night — read more"
READ_TIMEOUT = 1.5       # the local PDS answers in well under this; a delayed request waits longer


@dataclass
class Contract:
    """One row of the table: a network's server, credentials and settings, and what it is asked to post."""

    h: Harness
    kind: str                                   # "card" or "video"
    entry: Callable[[Path], dict]               # a manifest entry shaped as the network's cut writes it
    write: Callable[[Path, Sequence[dict]], Path]
    fault_at: str                               # Fault.match of the request a rate limit or a 5xx hits
    url: str                                    # how the posted status's URL starts
    host: CardHost | None = None                # serves the files a network fetches by URL

    def hosts_seen(self) -> list:
        """Every request the file hosts got (a dry run must send none)."""
        hosts = [self.host, self.h.cards]
        return [request for host in hosts if host is not None for request in host.seen]


def _row(kind: str, name: str) -> pytest.ParameterSet:
    marks = [pytest.mark.slow] if name == "bluesky" else []
    return pytest.param((kind, name), marks=marks, id=name if kind == "card" else f"{name}-video")


CARD_ROWS = [_row("card", name) for name in (*PLATFORMS, *NEW_PLATFORMS)]
VIDEO_ROWS = [_row("video", name) for name in sorted(CASES)]
every_network = pytest.mark.parametrize("contract", CARD_ROWS, indirect=True)
cards_and_videos = pytest.mark.parametrize("contract", CARD_ROWS + VIDEO_ROWS, indirect=True)


@pytest.fixture
def contract(request: pytest.FixtureRequest) -> Iterator[Contract]:
    """The row's network: its server, credentials and settings, and the post it is given."""
    kind, name = request.param
    if kind == "video":
        host = request.getfixturevalue("media_host")
        for h, case in open_video_harness(name, request):
            yield Contract(h, kind, lambda site: video_entry(h, case, site, host), write_video_manifest,
                           case.throttled, VIDEO_URLS[name], host)
        return
    opened = open_platform(name) if name in NEW_PLATFORMS else open_harness(name, request)
    for h in opened:
        yield Contract(h, kind, lambda site: one_entry(h, site), write_manifest, h.create, URLS[name])


def one_entry(h: Harness, site: Path, slug: str = "budget-vote") -> dict:
    """A manifest entry with a card, shaped as the platform's cut writes it."""
    if h.name in NEW_PLATFORMS:
        return platform_entry(h, site, slug, TEXT)  # type: ignore[arg-type]
    role = "link_card" if h.name == "bluesky" else "attach"
    return entry(slug, h.name, TEXT, media=[card(site / "output", f"{slug}.png", role=role, alt="The council chamber")])


def adapter_for(h: Harness, site: Path, *, env: dict | None = None, budget: float = 0.0):
    config = HttpConfig(connect_timeout=1.0, read_timeout=READ_TIMEOUT, max_attempts=1, backoff=0.01,
                        retry_budget=budget, media_wait=5.0)
    ctx = AdapterContext(name=h.name, settings=runner.platform_settings(h.name, load_site(site).publish),
                         platform_options={}, env=h.env if env is None else env, http=config, budget=Budget(budget))
    return registry.open_adapter(ctx)


def secret_env(env: dict[str, str]) -> dict[str, str]:
    """The credentials among the variables: a Bluesky handle is an account name, not a secret."""
    return {k: v for k, v in env.items() if "HANDLE" not in k}


@cards_and_videos
def test_success_records_remote_id_and_url(contract: Contract, tmp_path: Path) -> None:
    h = contract.h
    site = h.site(tmp_path)
    e = contract.entry(site)
    contract.write(site, [e])
    events = run(site, T0, h.env)
    assert [(ev.entry_id, ev.outcome) for ev in events] == [(e["id"], "posted")], events
    record = ledger(site)[e["id"]]
    assert record["state"] == "posted"
    assert record["remote_id"] and record["url"].startswith(contract.url), record["url"]
    assert record["posted_at"] == "2026-03-02T06:00:00Z" and record["content_hash"] == e["content_hash"]
    assert record["entry"] is None and record["attempts"] == 1
    assert h.live_texts() == [e["text"]]


@every_network
def test_wrong_credentials_are_an_auth_error(contract: Contract, tmp_path: Path) -> None:
    h = contract.h
    site = h.site(tmp_path)
    e = contract.entry(site)
    contract.write(site, [e])
    wrong = {**h.env, **{k: "wrong-" + v for k, v in secret_env(h.env).items()}}
    adapter = adapter_for(h, site, env=wrong)
    with pytest.raises(AuthError) as caught:
        adapter.create(Post.from_entry(e, site / "output", T0))
    assert not caught.value.transient
    assert caught.value.status == h.auth_status
    events = run(site, T0, wrong)
    assert events[0].outcome == "failed"
    expected = f"HTTP {h.auth_status}" if h.auth_status else "VK error 5"
    assert expected in events[0].detail
    assert h.live_texts() == []


@cards_and_videos
def test_rate_limit_is_rate_limited_with_the_platforms_wait(contract: Contract, tmp_path: Path) -> None:
    # A post with a video: the rate limit hits its upload.
    h = contract.h
    site = h.site(tmp_path)
    e = contract.entry(site)
    contract.write(site, [e])
    h.server.inject(Fault(contract.fault_at, "status", h.rate_limited(7)))
    with pytest.raises(RateLimited) as caught:
        adapter_for(h, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.transient
    assert caught.value.retry_after == pytest.approx(h.expected_wait(7), abs=1.5)
    assert h.live_texts() == []


@pytest.mark.parametrize(("contract", "fault"), [
    *(pytest.param(row.values[0], fault, marks=row.marks, id=f"{row.id}-{fault}")
      for row in CARD_ROWS for fault in ("5xx", "timeout")),
    *(pytest.param(row.values[0], "5xx", marks=row.marks, id=row.id) for row in VIDEO_ROWS)], indirect=["contract"])
def test_server_errors_and_timeouts_are_transient(contract: Contract, tmp_path: Path, fault: str) -> None:
    # A post with a video: the 5xx hits its upload, and nothing is posted.
    h = contract.h
    site = h.site(tmp_path)
    e = contract.entry(site)
    contract.write(site, [e])
    if fault == "5xx":
        h.server.inject(Fault(contract.fault_at, "status", h.server_error()))
    else:
        h.server.inject(Fault(h.create, "delay", seconds=READ_TIMEOUT + 1.0))
    with pytest.raises(PublishError) as caught:
        adapter_for(h, site).create(Post.from_entry(e, site / "output", T0))
    assert caught.value.transient and not isinstance(caught.value, (AuthError, RateLimited))
    assert (f"no answer within {READ_TIMEOUT} s" if fault == "timeout" else "") in caught.value.detail
    # A delayed request lands later; a refused one never does.
    assert h.live_texts() == ([e["text"]] if fault == "timeout" else [])
    for secret in h.secrets:
        assert secret not in str(caught.value) and secret not in repr(caught.value)


@cards_and_videos
def test_dry_run_sends_nothing(contract: Contract, tmp_path: Path) -> None:
    h = contract.h
    site = h.site(tmp_path)
    e = contract.entry(site)
    contract.write(site, [e])
    events = run(site, T0, h.env, dry_run=True)
    assert [(ev.outcome, ev.dry, ev.parts) for ev in events] == [("posted", True, (e["text"],))]
    media = e["media"][0]
    if contract.kind == "video":     # the run names the video, its role and its alt text
        assert events[0].media == (f"{media['path'].removeprefix('media/')} (attach, alt: {media['alt']!r})",)
    else:
        assert events[0].media and media["path"].removeprefix("cards/") in events[0].media[0]
    assert h.server.seen == [] and contract.hosts_seen() == []
    assert not (site / ".smmgen" / "ledger.json").exists()


@every_network
def test_missing_credential_names_the_variable(contract: Contract, tmp_path: Path) -> None:
    h = contract.h
    site = h.site(tmp_path)
    contract.write(site, [contract.entry(site)])
    events = run(site, T0, {})
    assert events[0].outcome == "failed"
    assert f"environment variable {next(iter(h.env))} is not set" in events[0].detail
    assert h.server.seen == []


@every_network
def test_no_secret_in_repr_errors_logs_or_ledger(contract: Contract, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    h = contract.h
    site = h.site(tmp_path)
    e = contract.entry(site)
    contract.write(site, [e])
    caplog.set_level(logging.DEBUG)
    adapter = adapter_for(h, site)
    texts = [repr(adapter), str(AdapterContext(h.name, {}, {}, h.env, HttpConfig(), Budget(0)))]
    events = run(site, T0, h.env)
    assert events[0].outcome == "posted"
    wrong = {**h.env, **{k: v + "-x" for k, v in secret_env(h.env).items()}}
    h.server.inject(Fault(h.create, "status", h.server_error()))
    # A create that stopped failing would leave nothing to check: it must raise.
    with pytest.raises(PublishError) as caught:
        adapter_for(h, site, env=wrong).create(Post.from_entry(e, site / "output", T0))
    texts += [str(caught.value), repr(caught.value), caught.value.detail]
    texts += [ev.detail for ev in events]
    texts += [caplog.text, (site / ".smmgen" / "ledger.json").read_text()]
    for secret in [*h.secrets, *secret_env(wrong).values()]:
        for text in texts:
            assert secret not in text


# Per-account credentials: an account's adapter reads its own variables (its env prefix and the platform's names
# after it), never the default account's, and says which variable is missing and for which account.

PREFIX = "SMMGEN_DESK_TWO_"


def account_env(h: Harness) -> dict[str, str]:
    """The harness's credentials under the account's prefix (SMMGEN_TELEGRAM_BOT_TOKEN -> SMMGEN_DESK_TWO_BOT_TOKEN)."""
    default = f"SMMGEN_{h.name.upper()}_"
    return {PREFIX + k[len(default):]: v for k, v in h.env.items()}


def account_adapter(h: Harness, site: Path, env: dict[str, str]):
    ctx = AdapterContext(name=h.name, settings=runner.platform_settings(h.name, load_site(site).publish),
                         platform_options={}, env=env, http=HttpConfig(connect_timeout=1.0, read_timeout=1.5,
                                                                        max_attempts=1, retry_budget=0),
                         budget=Budget(0), env_prefix=PREFIX, account_name="desk-two")
    return registry.open_adapter(ctx)


@every_network
def test_an_account_posts_with_its_own_variables(contract: Contract, tmp_path: Path) -> None:
    h = contract.h
    site = h.site(tmp_path)
    e = contract.entry(site)
    contract.write(site, [e])
    adapter = account_adapter(h, site, account_env(h))
    try:
        posted = adapter.create(Post.from_entry(e, site / "output", T0))
    finally:
        adapter.close()
    assert posted.remote_id and h.live_texts() == [e["text"]]


@every_network
def test_an_account_never_falls_back_to_the_default_variables(contract: Contract, tmp_path: Path) -> None:
    h = contract.h
    site = h.site(tmp_path)
    with pytest.raises(AuthError) as caught:
        account_adapter(h, site, dict(h.env))        # only the default account's variables are set
    message = caught.value.message
    assert f"environment variable {PREFIX}" in message and " is not set (account desk-two)" in message, message
    assert not any(f"variable {name} " in message for name in h.env), message
    assert not any(secret in message for secret in h.env.values())
