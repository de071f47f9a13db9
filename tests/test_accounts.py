"""Many accounts per platform ([accounts.<name>] in smmgen.toml): which articles each takes (lang, section, tags,
path; the default account keeps the rest), the platform settings each overrides, their ids, plans, mentions and
card layouts, and the errors a wrong [accounts] table gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from smmgen.build.pipeline import build, card_requests
from smmgen.cli.main import main
from smmgen.config.accounts import accounts, entry_id, split_id
from smmgen.config.site import load_site
from smmgen.errors import ErrorList
from smmgen.manifest import joined as joined_manifest

BASE = """\
[site]
name = "Test Desk"
base_url = "https://news.example"
timezone = "UTC"

[platforms.telegram]
handle = "@desk_news"

[platforms.mastodon]
handle = "@desk@social.example"
"""

ARTICLES = {
    "2026/budget.md": ("budget", "en", "Politics", ["budget"]),
    "2026/naberezhnaya.md": ("naberezhnaya", "ru", "Город", ["город"]),
    "2026/derby.md": ("derby", "en", "Sport", ["sport", "football"]),
    "regional/north/ferry.md": ("ferry", "en", "Regional", ["transport"]),
}


def write(root: Path, config: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "smmgen.toml").write_text(BASE + config, encoding="utf-8")
    for i, (name, (slug, lang, section, tags)) in enumerate(ARTICLES.items()):
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: \"The {slug} story\"\nslug: {slug}\ndate: 2026-03-0{i + 1}T09:00:00Z\n"
                        f"lang: {lang}\nsection: {section}\ntags: {json.dumps(tags, ensure_ascii=False)}\n"
                        f"summary: \"What happened with {slug}, in one sentence for the readers.\"\n---\n\n"
                        f"The body of the {slug} story, with @someone in it.\n", encoding="utf-8")
    return root


def routes(root: Path) -> dict[str, list[str]]:
    """slug -> the ids of its cuts."""
    result = build(load_site(root), render_images=False)
    assert not result.errors, [e.message for e in result.errors]
    out: dict[str, list[str]] = {}
    for cut in result.cuts:
        out.setdefault(cut.slug, []).append(cut.id)
    return {k: sorted(v) for k, v in out.items()}


def test_without_accounts_every_platform_is_one_default_account(tmp_path):
    site = load_site(write(tmp_path, ""))
    found = accounts(site)
    assert [(a.name, a.platform, a.is_default, a.env_prefix, a.handle) for a in found] == [
        ("mastodon", "mastodon", True, "SMMGEN_MASTODON_", "@desk@social.example"),
        ("telegram", "telegram", True, "SMMGEN_TELEGRAM_", "@desk_news")]
    assert routes(tmp_path)["budget"] == ["budget@mastodon", "budget@telegram"]


@pytest.mark.parametrize("when, taken", [
    ('{ lang = ["ru"] }', {"naberezhnaya"}),
    ('{ section = ["sport"] }', {"derby"}),                     # sections compare case-insensitively
    ('{ tags = ["football", "transport"] }', {"derby", "ferry"}),   # a list is any-of
    ('{ path = ["content/regional/**"] }', {"ferry"}),
    ('{ lang = ["en"], tags = ["sport"] }', {"derby"}),          # every condition must hold
    ('{ lang = ["en"], section = ["Politics", "Regional"] }', {"budget", "ferry"}),
])
def test_an_account_takes_what_its_when_matches_and_the_default_keeps_the_rest(tmp_path, when, taken):
    write(tmp_path, f'\n[accounts.desk-extra]\nplatform = "telegram"\nhandle = "@desk_extra"\nwhen = {when}\n')
    found = routes(tmp_path)
    for slug in ("budget", "naberezhnaya", "derby", "ferry"):
        telegram = [i for i in found[slug] if "@telegram" in i]
        assert telegram == ([f"{slug}@telegram:desk-extra"] if slug in taken else [f"{slug}@telegram"]), slug
        assert f"{slug}@mastodon" in found[slug]          # other platforms are not touched


def test_overlapping_accounts_both_post_and_the_default_narrows(tmp_path):
    write(tmp_path, """
[platforms.telegram.when]
lang = ["en"]

[accounts.desk-sport]
platform = "telegram"
handle = "@desk_sport"
when = { tags = ["sport"] }

[accounts.desk-football]
platform = "telegram"
handle = "@desk_football"
when = { tags = ["football"] }
""")
    found = routes(tmp_path)
    assert [i for i in found["derby"] if "@telegram" in i] == ["derby@telegram:desk-football",
                                                               "derby@telegram:desk-sport"]
    assert [i for i in found["budget"] if "@telegram" in i] == ["budget@telegram"]
    # The default account's own `when` (lang en) leaves the Russian article to no Telegram account at all.
    assert [i for i in found["naberezhnaya"] if "@telegram" in i] == []


def test_ids_name_the_account_except_the_default(tmp_path):
    assert entry_id("budget", "telegram", None) == "budget@telegram"
    assert entry_id("budget", "telegram", "telegram") == "budget@telegram"
    assert entry_id("budget.ru", "telegram", "desk-ru") == "budget.ru@telegram:desk-ru"
    assert split_id("budget.ru@telegram:desk-ru") == ("budget.ru", "telegram", "desk-ru")
    assert split_id("budget@telegram") == ("budget", "telegram", "telegram")


def test_the_manifest_names_each_entry_s_account_and_keeps_default_hashes(tmp_path):
    plain = write(tmp_path / "plain", "")
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--site", str(plain)]).exit_code == 0
    before = {e["id"]: e for e in joined_manifest(plain / "output" / "manifest.json")["entries"]}
    more = write(tmp_path / "more", '\n[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@desk_ru"\n'
                                    'when = { lang = ["ru"] }\n')
    result = runner.invoke(main, ["build", "--site", str(more)])
    assert result.exit_code == 0, result.output
    after = {e["id"]: e for e in joined_manifest(more / "output" / "manifest.json")["entries"]}
    assert set(after) - set(before) == {"naberezhnaya@telegram:desk-ru"}
    assert set(before) - set(after) == {"naberezhnaya@telegram"}
    assert after["naberezhnaya@telegram:desk-ru"]["account"] == "desk-ru"
    for entry_id_, entry in after.items():
        if entry_id_ in before:
            assert entry["account"] == entry["platform"]
            assert entry["content_hash"] == before[entry_id_]["content_hash"], entry_id_
    # The account's cut file sits next to the platform's.
    assert (more / "output" / "cuts" / "naberezhnaya" / "telegram.desk-ru.txt").is_file()
    assert not (more / "output" / "cuts" / "naberezhnaya" / "telegram.txt").exists()


def test_an_account_overrides_its_platform_s_settings(tmp_path):
    write(tmp_path, """
[accounts.regional]
platform = "mastodon"
handle = "@north@regional.example"
when = { path = ["content/regional/**"] }
max_characters = 5000
hashtags = false
layout = "mastodon-regional"
""")
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "mastodon-regional.txt.j2").write_text(
        "North desk: {{ title }}\n\n{{ excerpt }}\n\n{{ link }}{% if hashtags %}\n\n{{ hashtags }}{% endif %}\n")
    result = build(load_site(tmp_path), render_images=False)
    assert not result.errors
    cuts = {c.id: c for c in result.cuts}
    regional, default = cuts["ferry@mastodon:regional"], cuts["budget@mastodon"]
    assert (regional.limit, default.limit) == (5000, 500)
    assert regional.text.startswith("North desk: The ferry story") and not default.text.startswith("North")
    assert regional.tags == () and default.tags == ("budget",)
    assert regional.account == "regional" and default.account == "mastodon"


def test_a_card_layout_per_account_draws_its_own_card_and_shares_the_same_drawing(tmp_path):
    write(tmp_path, """
[accounts.desk-sport]
platform = "telegram"
handle = "@desk_sport"
when = { tags = ["sport"] }
card = "photo"

[accounts.desk-football]
platform = "telegram"
handle = "@desk_football"
when = { tags = ["football"] }

[accounts.desk-ball]
platform = "telegram"
handle = "@desk_ball"
when = { tags = ["football"] }
card = "default"
""")
    site = load_site(tmp_path)
    result = build(site)
    assert not result.errors, result.errors
    by_source = {a.source: a for a in result.articles}
    requests = dict(zip((c.id for c in result.cuts), card_requests(result.cuts, by_source, site)))
    sport, football, ball = (requests[f"derby@telegram:{name}"][0] for name in ("desk-sport", "desk-football",
                                                                                 "desk-ball"))
    assert (sport.layout, football.layout, ball.layout) == ("photo", "default", "default")
    files = {c.id: [m.path for m in media] for o in result.outputs for c, media in zip(o.cuts, o.media)}
    # The account's own layout is its own card; the same drawing (article, target, layout) is one file.
    assert files["derby@telegram:desk-football"] == files["derby@telegram:desk-ball"]
    assert files["derby@telegram:desk-sport"] != files["derby@telegram:desk-football"]
    assert ball is football


def test_each_account_has_its_own_plan(tmp_path):
    write(tmp_path, """
[plan]
slots = ["10:00"]
max_per_day = 1

[accounts.desk-ru]
platform = "telegram"
handle = "@desk_ru"
when = { lang = ["ru", "en"] }
plan = { slots = ["07:00", "08:00"], max_per_day = 2 }
""")
    result = build(load_site(tmp_path), render_images=False)
    assert not result.errors
    times = {c.id: c.publish_at.strftime("%m-%d %H:%M") for c in result.cuts}
    # The account's two slots a day; the default mastodon account keeps [plan]'s one at 10:00.
    assert times["budget@telegram:desk-ru"] == "03-02 07:00"
    assert times["naberezhnaya@telegram:desk-ru"] == "03-03 07:00"
    assert times["budget@mastodon"] == "03-01 10:00"
    assert times["naberezhnaya@mastodon"] == "03-02 10:00"
    # Its posts do not count against the default account's daily maximum, nor the other way round.
    assert times["derby@mastodon"] == "03-03 10:00" and times["derby@telegram:desk-ru"] == "03-04 07:00"


def test_an_account_maps_mentions_to_its_own_handles(tmp_path):
    write(tmp_path, """
[mentions.someone]
telegram = "@someone_global"

[accounts.desk-ru]
platform = "telegram"
handle = "@desk_ru"
when = { lang = ["ru"] }
mentions = { someone = "@someone_ru" }
excerpt_length = 3000
""")
    result = build(load_site(tmp_path), render_images=False)
    texts = {c.id: "\n".join(c.parts) for c in result.cuts}
    assert "@someone_ru" in texts["naberezhnaya@telegram:desk-ru"]
    assert "@someone_global" in texts["budget@telegram"] and "@someone_ru" not in texts["budget@telegram"]


def errors_of(tmp_path: Path, config: str) -> list[str]:
    write(tmp_path, config)
    with pytest.raises(ErrorList) as caught:
        load_site(tmp_path)
    return [e.message for e in caught.value.errors]


def line_of(config: str, text: str) -> int:
    return (BASE + config).splitlines().index(text) + 1


@pytest.mark.parametrize("config, key, message", [
    ('[accounts.desk-ru]\nplatform = "telegrm"\nhandle = "@x_desk"\n', "accounts.desk-ru.platform",
     'unknown platform "telegrm"'),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\nchat = "@x"\n', "accounts.desk-ru.chat",
     "unknown key"),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\nenv = "telegram_ru"\n',
     "accounts.desk-ru.env", 'ending in "_"'),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\nwhen = { language = ["ru"] }\n',
     "accounts.desk-ru.when.language", "unknown key"),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\nexcerpt_length = 5\n',
     "accounts.desk-ru.excerpt_length", ""),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\nplan = { slots = ["25:00"] }\n',
     "accounts.desk-ru.plan.slots", ""),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\npublish = { chat = "@x" }\n',
     "accounts.desk-ru.publish.chat", "unknown key"),
    ('[accounts.telegram]\nplatform = "telegram"\nhandle = "@x_desk"\n', "accounts.telegram",
     "name of the platform's default account"),
    ('[accounts.Desk_RU]\nplatform = "telegram"\nhandle = "@x_desk"\n', "accounts.Desk_RU",
     "lowercase letters, digits and single hyphens"),
    ('[accounts.desk-ru]\nplatform = "x"\nhandle = "@x_desk"\n', "accounts.desk-ru.platform",
     "no enabled [platforms.x] table"),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\nenv = "SMMGEN_TELEGRAM_"\n',
     "accounts.desk-ru.env", "already the prefix of account telegram"),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\nmentions = { a = "nobody" }\n',
     "accounts.desk-ru.mentions.a", "expected"),
    ('[accounts.desk-ru]\nplatform = "telegram"\n', "accounts.desk-ru.handle", "required but missing"),
    ('[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\navatar = "../x.png"\n',
     "accounts.desk-ru.avatar", "outside the site folder"),
    ('[publish.telegram]\nchat_id = "@desk_news"\n[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@x_desk"\n',
     "accounts.desk-ru.publish", 'without it its posts would go to [publish.telegram] chat_id = "@desk_news"'),
])
def test_config_errors_name_the_account_s_key_and_line(tmp_path, config, key, message):
    config = "\n" + config
    found = errors_of(tmp_path, config)
    assert len(found) == 1, found
    assert f": {key}: " in found[0] and message in found[0], found
    # The line is the key's own, or the account table's where the key is missing.
    line = int(found[0].split(":")[1])
    written = (BASE + config).splitlines()[line - 1]
    assert key.split(".")[-1] in written or written.startswith(("platform", "handle", "[accounts.")), (found, written)


def test_two_accounts_of_one_name_are_a_toml_error(tmp_path):
    write(tmp_path, '\n[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@a_desk"\n'
                    '\n[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@b_desk"\n')
    result = CliRunner().invoke(main, ["check", "--site", str(tmp_path)])
    assert result.exit_code != 0 and "smmgen.toml:" in result.output and "Traceback" not in result.output


def test_an_account_on_a_disabled_platform_is_an_error(tmp_path):
    config = '\n[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@a_desk"\n'
    write(tmp_path, config)
    text = (tmp_path / "smmgen.toml").read_text().replace('[platforms.telegram]\n', '[platforms.telegram]\n'
                                                                                      'enabled = false\n')
    (tmp_path / "smmgen.toml").write_text(text)
    with pytest.raises(ErrorList) as caught:
        load_site(tmp_path)
    assert "accounts.desk-ru.platform: telegram has no enabled [platforms.telegram] table" in caught.value.message


def test_the_merge_summary_names_the_new_account_s_posts_and_deletes_nothing(tmp_path):
    from smmgen.manifest_model import read_manifest
    from smmgen.preview.diff import compare, to_markdown

    plain = write(tmp_path / "plain", "")
    more = write(tmp_path / "more", '\n[accounts.desk-ru]\nplatform = "telegram"\nhandle = "@desk_ru"\n'
                                    'when = { lang = ["ru"] }\n')
    docs = []
    for site in (plain, more):
        assert CliRunner().invoke(main, ["build", "--site", str(site)]).exit_code == 0
        docs.append(read_manifest(site / "output" / "manifest.json"))
    diff = compare(*docs)
    assert [e.id for e in diff.new] == ["naberezhnaya@telegram:desk-ru"]
    assert diff.changed == () and diff.deleted == ()
    assert [e.id for e in diff.moved] == ["naberezhnaya@telegram"]
    text = to_markdown(diff)
    assert "| telegram · desk-ru |" in text and "Posts to delete" not in text
    assert "1 earlier post(s) stay where they went out" in text


LANGS, SECTIONS, TAGS = ["en", "ru", "pt-BR"], ["Sport", "Politics", "City"], ["sport", "budget", "tram"]


@settings(max_examples=60, deadline=None)
@given(wants=st.lists(st.tuples(st.sampled_from(["lang", "section", "tags"]), st.integers(0, 2)), max_size=4),
       lang=st.integers(0, 2), section=st.integers(0, 2), tags=st.sets(st.integers(0, 2), max_size=2))
def test_routing_never_drops_nor_doubles_a_post(tmp_path_factory, wants, lang, section, tags):
    """However accounts overlap, an article goes to its platform's default account or to the named accounts that
    match it, never both, never neither (the default has no `when` of its own here)."""
    from dataclasses import replace

    from smmgen.config.accounts import routed

    root = tmp_path_factory.mktemp("site")
    tables = "".join(
        f'\n[accounts.desk-{i}]\nplatform = "telegram"\nhandle = "@desk_{i}_x"\n'
        f'when = {{ {kind} = ["{(LANGS if kind == "lang" else SECTIONS if kind == "section" else TAGS)[n]}"] }}\n'
        for i, (kind, n) in enumerate(wants))
    write(root, tables)
    site = load_site(root)
    base = build(site, render_images=False).articles[0]
    article = replace(base, lang=LANGS[lang], section=SECTIONS[section], tags=tuple(TAGS[t] for t in sorted(tags)))
    got = [a.name for a in routed(article, site, ["telegram", "mastodon"])]
    matching = [f"desk-{i}" for i, (kind, n) in enumerate(wants)
                if (kind == "lang" and lang == n) or (kind == "section" and section == n)
                or (kind == "tags" and n in tags)]
    assert got == ["mastodon", *(sorted(matching) or ["telegram"])]
