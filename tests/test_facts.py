"""Platform facts have one home (smmgen.facts): cutting, the checks, the plan and the adapters all read them there;
Bluesky's 3000-byte cap comes from its spec; Instagram's adapter counts its caption in the spec's unit; a platform
that requires an image refuses a cut without one."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cut_helpers import article_text, render, write_article, write_site
from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen import facts
from smmgen.build.templates import Layouts
from smmgen.config.site import load_site
from smmgen.errors import PublishError
from smmgen.platforms import bluesky, instagram
from smmgen.platforms.base import CutContext
from smmgen.platforms.finishing import finish
from smmgen.platforms.text_rules import rules_for
from smmgen.publish import registry, runner
from smmgen.publish.base import AdapterContext, Post
from smmgen.publish.http import Budget, HttpConfig
from smmgen.text import measure

pytest.register_assert_rewrite("support.publishing", "support.fake_platforms")
pytest_plugins = ["support.fake_platforms"]

from support.fake_platforms import open_platform, platform_entry  # noqa: E402
from support.publishing import T0, outcomes, run, write_manifest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

# Changes every reader's facts before any of them is imported, then reports what each reader sees.
CHANGED = textwrap.dedent("""
    import dataclasses as dc, datetime as dt, json
    from smmgen import facts
    def change(name, **fields):
        new = dc.replace(getattr(facts, name), **fields)
        setattr(facts, name, new)
        facts.PLATFORMS[new.name] = new
    L = facts.Limit
    change("BLUESKY", text=L(200, "graphemes", "test"), text_bytes=L(1000, "utf8-bytes", "test"))
    change("TELEGRAM", text=L(2000, "utf16", "test"), caption=L(500, "utf16", "test"),
           delete=facts.Window(dt.timedelta(0), dt.timedelta(hours=24), "test"))
    change("INSTAGRAM", text=L(1000, "characters", "test"), max_hashtags=L(3, "hashtags", "test"))
    change("X", budgets=(facts.Budget(2, dt.timedelta(hours=1), True, "test budget"),))
    change("FACEBOOK", schedule=facts.Window(dt.timedelta(minutes=20), dt.timedelta(days=3), "test"))

    from smmgen.platforms import bluesky, instagram, telegram
    from smmgen.platforms.text_rules import rules_for
    from smmgen.plan import expiry, slots as plan
    from smmgen.publish import facebook as fb_adapter, instagram as ig_adapter, telegram as tg_adapter
    from smmgen.video import rules as video_rules
    t0 = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    print(json.dumps({
        "bluesky_spec": [bluesky.SPEC.text_limit, bluesky.SPEC.text_max_bytes],
        "bluesky_rules": rules_for(bluesky.SPEC).check("\\U0001F468\\u200d\\U0001F469\\u200d\\U0001F467" * 60)[1],
        "telegram_spec": [telegram.SPEC.text_limit, telegram.CAPTION_LIMIT],
        "telegram_adapter": [tg_adapter.TEXT_LIMIT, tg_adapter.CAPTION_LIMIT],
        "instagram_spec": [instagram.SPEC.text_limit, instagram.SPEC.max_hashtags],
        "instagram_adapter": ig_adapter.CAPTION_MAX.value,
        "expiry": expiry.expiry_warning("telegram", t0, t0 + dt.timedelta(hours=30)),
        "plan": [w for _, w in plan._budget_warnings(
            [type("Cut", (), {"publish_at": t0 + dt.timedelta(minutes=i), "id": str(i), "parts": ("a",),
                              "platform": "x"})() for i in range(3)], dt.UTC)],
        "facebook_window": [str(w) for w in fb_adapter.SCHEDULE_WINDOW],
        "video": video_rules.RULES["bluesky"].max_seconds.value,
    }))
""")


def test_cutting_checks_plan_and_adapters_follow_a_changed_fact():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHANGED], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["bluesky_spec"] == [200, 1000]
    assert seen["bluesky_rules"] == ["bluesky: text is 1080/1000 (utf8-bytes)"]
    assert seen["telegram_spec"] == [2000, 500] and seen["telegram_adapter"] == [2000, 500]
    assert seen["instagram_spec"] == [1000, 3] and seen["instagram_adapter"] == 1000
    assert "older than 24 h" in seen["expiry"]
    assert seen["plan"] and "exceed the rate budget of 2 per 1 h (test budget)" in seen["plan"][0]
    assert seen["facebook_window"] == ["0:20:00", "3 days, 0:00:00"]
    assert seen["video"] == facts.BLUESKY.video.max_seconds.value


def test_every_fact_has_a_source_and_a_unit_smmgen_measures():
    for platform in facts.PLATFORMS.values():
        assert platform.text.source and measure.Unit(platform.text.unit)
        for f in dataclasses.fields(platform):
            value = getattr(platform, f.name)
            if isinstance(value, (facts.Limit, facts.Window, facts.Budget)):
                assert value.source, (platform.name, f.name)
        for budget in platform.budgets:
            assert budget.source


# --- Bluesky's byte cap ----------------------------------------------------------------------------------------

def test_bluesky_byte_cap_is_in_its_spec_and_enforced_from_it(tmp_path: Path) -> None:
    assert bluesky.SPEC.text_max_bytes == facts.BLUESKY.text_bytes.value == 3000
    # 250 graphemes fit the 300 limit, but a family emoji is 25 UTF-8 bytes: 6250 bytes.
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466"
    text = family * 250
    assert measure.safe_grapheme_len(text) == 250
    length, problems = rules_for(bluesky.SPEC).check(text)
    assert problems == ["bluesky: text is 6250/3000 (utf8-bytes)"]
    # An author's text of 150 family emoji (3750 bytes) is refused by the build.
    site = write_site(tmp_path / "s", only=("bluesky",))
    cut = render(site, write_article(site, article_text(social=f'bluesky:\n  text: "{family * 150}"')), "bluesky")
    assert "bluesky: text is 3750/3000 (utf8-bytes)" in cut.errors


# --- Instagram: the adapter counts as the spec does ------------------------------------------------------------

ASTRAL = "\U0001F600"       # one code point, two UTF-16 units


def test_instagram_spec_counts_its_caption_in_utf16():
    assert measure.measure(ASTRAL * 1100, instagram.SPEC.unit) == 2200
    assert rules_for(instagram.SPEC).check(ASTRAL * 1100)[1] == []
    assert rules_for(instagram.SPEC).check(ASTRAL * 1100 + "!")[1] == ["instagram: text is 2201/2200 (characters)"]


def adapter(h: Any, site: Path) -> Any:
    ctx = AdapterContext(name=h.name, settings=runner.platform_settings(h.name, load_site(site).publish),
                         platform_options={}, env=h.env, http=HttpConfig(max_attempts=1), budget=Budget(0))
    return registry.open_adapter(ctx)


@pytest.fixture
def instagram_harness() -> Any:
    gen = open_platform("instagram")
    yield next(gen)
    gen.close()


def test_instagram_adapter_takes_2200_utf16_units_and_refuses_one_more(instagram_harness: Any,
                                                                      tmp_path: Path) -> None:
    h = instagram_harness
    site = h.site(tmp_path)
    fits = platform_entry(h, site, "fits", ASTRAL * 1100)
    over = platform_entry(h, site, "over", ASTRAL * 1100 + "!")   # 1101 code points: len() would let it through
    write_manifest(site, [fits, over])
    with pytest.raises(PublishError, match=r"the caption is 2201 characters \(UTF-16\); Instagram takes 2200"):
        adapter(h, site).create(Post.from_entry(over, site / "output", T0))
    assert h.server.seen == []
    assert outcomes(run(site, T0, h.env))[fits["id"]] == "posted"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=80))
def test_the_publishers_plain_counting_equals_the_builds(text: str) -> None:
    for unit in ("utf16", "characters", "utf8-bytes"):
        assert facts.encoded_length(text, unit) == measure.measure(text, unit)


def test_units_that_need_the_build_are_not_counted_by_the_publisher():
    with pytest.raises(ValueError, match="counted at build time"):
        facts.encoded_length("text", "graphemes")


# --- image_required --------------------------------------------------------------------------------------------

def test_a_platform_that_requires_an_image_refuses_a_cut_without_one(tmp_path: Path) -> None:
    assert instagram.SPEC.image_required is facts.INSTAGRAM.images.required is True
    site = write_site(tmp_path / "s", only=("instagram",))
    article = write_article(site, article_text(summary="No hero image here."))
    ctx = CutContext(site=site, settings=site.platform("instagram"), layouts=Layouts(site.layouts_dir))
    cut = finish(article, instagram.SPEC, ctx, ["A caption"], link=None, media=())
    assert cut.errors == ("instagram: a post needs an image and this cut has none; give the platform a card "
                          "(card_target and card_role) or disable it",)
    rendered = render(site, article, "instagram")
    assert rendered.media and not rendered.errors


def test_the_facebook_and_vk_adapters_schedule_within_the_facts_window():
    from smmgen.publish import facebook as fb
    from smmgen.publish import vk

    assert fb.SCHEDULE_WINDOW == (dt.timedelta(minutes=10), dt.timedelta(days=30)) == facts.FACEBOOK.schedule.bounds
    assert vk.SCHEDULE_WINDOW == facts.VK.schedule.bounds


# --- no copies of the numbers ----------------------------------------------------------------------------------

READERS = ("smmgen/platforms", "smmgen/publish", "smmgen/plan/slots.py", "smmgen/plan/expiry.py", "smmgen/video/rules.py",
           "smmgen/cards/targets.py", "smmgen/cli/live.py", "smmgen/config/publish_settings.py")
# The same number meaning something else.
NOT_A_COPY = {("smmgen/video/rules.py", 4096): "LinkedIn's largest picture, 4096x2304 px",
              ("smmgen/video/rules.py", 1024): "X's largest video picture, 1280x1024 px",
              ("smmgen/cli/live.py", 4096): "X's largest card image side, 4096 px",
              ("smmgen/publish/manifest_reader.py", 10_000_000): "a bound on counts in a manifest"}


def _distinctive_figures() -> set[int]:
    """Text limits, caps and byte limits that are unlikely to mean anything else (not 300, 500, 20, 30: those
    are also HTTP statuses and sizes of our own)."""
    found: set[int] = set()
    for f in facts.PLATFORMS.values():
        limits = [f.text, f.text_bytes, f.caption, f.images.max_bytes, f.images.thumb_max_bytes]
        if f.video is not None:
            limits.append(f.video.max_bytes)
        found |= {int(x.value) for x in limits if x is not None and int(x.value) not in (300, 500)}
    return found


def test_no_reader_holds_its_own_copy_of_a_platform_figure():
    figures = _distinctive_figures()
    assert {280, 2200, 3000, 4096, 1024, 63206, 1_000_000, 2_000_000} <= figures
    copies = []
    for root in READERS:
        path = ROOT / root
        for file in sorted(path.rglob("*.py") if path.is_dir() else [path]):
            tree = ast.parse(file.read_text(encoding="utf-8"))
            # Operands of arithmetic (1024 * 1024, a timestamp's * 1_000_000) are units, not limits.
            operands = {id(side) for node in ast.walk(tree) if isinstance(node, ast.BinOp)
                        for side in (node.left, node.right)}
            rel = file.relative_to(ROOT).as_posix()
            copies += [f"{rel}:{node.lineno}: {node.value}" for node in ast.walk(tree)
                       if isinstance(node, ast.Constant) and type(node.value) is int and node.value in figures
                       and id(node) not in operands and (rel, node.value) not in NOT_A_COPY]
    assert copies == []
