"""Per-account credentials in the adapter contract, for every publisher against its server (the fakes, and the real
local PDS for Bluesky): an account's adapter reads its own variables (its env prefix and the platform's names after
it), never the default account's, and says which variable is missing and for which account."""

from __future__ import annotations

from pathlib import Path

import pytest

from smmgen.config import load_site
from smmgen.errors import AuthError
from smmgen.publish import registry, runner
from smmgen.publish.base import AdapterContext, Post
from smmgen.publish.http import Budget, HttpConfig

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms")
pytest_plugins = ["support.publishing", "support.fake_platforms"]

from support.publishing import T0, Harness, write_manifest  # noqa: E402
from test_publish_contract import adapter_harness, one_entry  # noqa: E402, F401 - the harness fixture

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


def test_an_account_posts_with_its_own_variables(adapter_harness: Harness, tmp_path: Path) -> None:  # noqa: F811
    h = adapter_harness
    site = h.site(tmp_path)
    e = one_entry(h, site)
    write_manifest(site, [e])
    adapter = account_adapter(h, site, account_env(h))
    try:
        posted = adapter.create(Post.from_entry(e, site / "output", T0))
    finally:
        adapter.close()
    assert posted.remote_id and h.live_texts() == [e["text"]]


def test_an_account_never_falls_back_to_the_default_variables(
        adapter_harness: Harness, tmp_path: Path) -> None:  # noqa: F811
    h = adapter_harness
    site = h.site(tmp_path)
    with pytest.raises(AuthError) as caught:
        account_adapter(h, site, dict(h.env))        # only the default account's variables are set
    message = caught.value.message
    assert f"environment variable {PREFIX}" in message and " is not set (account desk-two)" in message, message
    assert not any(f"variable {name} " in message for name in h.env), message
    assert not any(secret in message for secret in h.env.values())
