"""The preview with several accounts per platform (the sample site's courier-ru Telegram channel and courier-sport X
account): every post names its account's handle, and a select filters the index and the plan by account, in a real
browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import pytest
from conftest import sample_site_at
from test_preview_browser import Watched, browser, context  # noqa: F401 - the browser fixtures

from smmgen.build.pipeline import build, write_output
from smmgen.config.site import load_site
from smmgen.preview.model import preview_data


def build_and_write(site):
    result = build(load_site(site), workers=1)
    assert not result.errors, result.errors
    write_output(result)
    return site, result


@pytest.fixture
def built(sample_site):
    return build_and_write(sample_site)


@pytest.fixture(scope="module")
def built_once(tmp_path_factory):
    """The sample site built as ``built`` builds it, once, for the tests that only read what it wrote."""
    return build_and_write(sample_site_at(tmp_path_factory.mktemp("built") / "site"))


def test_every_post_shows_its_account_and_the_pages_offer_the_account_filter(built_once):
    site, result = built_once
    data = preview_data(result)
    assert ("courier-ru", "Telegram @courier_ru") in data.accounts
    assert ("courier-sport", "X @NorthbridgeSport") in data.accounts
    assert ("telegram", "Telegram @northbridgecourier") in data.accounts
    views = {v.slug: v for v in data.articles}
    posts = {p.id: p for p in views["naberezhnaya-rekonstrukciya"].posts}
    ru = posts["naberezhnaya-rekonstrukciya@telegram:courier-ru"]
    assert (ru.account.handle, ru.account_name, ru.anchor) == ("@courier_ru", "courier-ru", "telegram-courier-ru")
    assert posts["naberezhnaya-rekonstrukciya@vk"].anchor == "vk"
    preview = site / "output" / "preview"
    page = (preview / "articles" / "naberezhnaya-rekonstrukciya.html").read_text()
    assert 'id="telegram-courier-ru"' in page and 'data-account="courier-ru"' in page
    assert '<span class="acct" title="account courier-ru">@courier_ru</span>' in page
    # Every mock-up shows its account's handle in its header; the default's is not repeated in the bar.
    assert page.count('class="acct"') == 1 and "@northbridgecourier" not in page.split('id="vk"')[0].split(
        'id="telegram-courier-ru"')[1].split("</header>")[0]
    for name in ("index.html", "plan.html"):
        html = (preview / name).read_text()
        assert 'data-filter-select="account"' in html and '<option value="courier-sport">X @NorthbridgeSport' in html
    assert "telegram:ok:courier-ru" in (preview / "index.html").read_text()


def test_a_site_without_accounts_shows_no_account_filter(built, tmp_path):
    site, _ = built
    text = (site / "smmgen.toml").read_text()
    cut = text.index("[accounts.courier-ru]")
    (site / "smmgen.toml").write_text(text[:cut] + text[text.index("# The content plan."):])
    result = build(load_site(site), render_images=False)
    assert preview_data(result).accounts == ()


@pytest.mark.slow
def test_the_account_select_filters_the_index_and_the_plan(built_once, context):  # noqa: F811
    site, result = built_once
    w = Watched(context)
    w.page.goto((site / "output" / "preview" / "index.html").as_uri())
    assert w.page.locator("tr.row:visible").count() == len(result.articles)
    w.page.select_option("#account-filter", "courier-ru")
    assert w.page.locator("tr.row:visible").count() == 1
    assert w.page.locator("tr.row:visible .muted.small").inner_text().startswith(
        "content/2026/2026-11-20-naberezhnaya.md")
    assert "account=courier-ru" in w.page.url
    dimmed = w.page.locator("tr.row:visible .pchip.is-dim").count()
    assert dimmed == w.page.locator("tr.row:visible .pchip").count() - 1
    w.page.select_option("#account-filter", "")
    assert w.page.locator("tr.row:visible").count() == len(result.articles)

    w.page.goto((site / "output" / "preview" / "plan.html").as_uri() + "#account=courier-sport")
    assert w.page.locator("#account-filter").input_value() == "courier-sport"
    shown = w.page.locator('[data-view-panel="week"] .ev:visible')
    sport = [e for e in result.entries if e.account == "courier-sport"]
    assert shown.count() == sum(1 + bool(e.expire_at) for e in sport) > 0
    assert set(shown.evaluate_all("els => els.map(e => e.dataset.account)")) == {"courier-sport"}
    w.clean()


def test_the_pull_request_summary_shows_every_account_s_post(tmp_path):
    from test_accounts import write

    from smmgen.preview.summary import markdown_summary, md_escape

    write(tmp_path, '\n[accounts.desk-sport]\nplatform = "telegram"\nhandle = "@desk_sport"\n'
                    'when = { tags = ["sport"] }\n\n[accounts.desk-football]\nplatform = "telegram"\n'
                    'handle = "@desk_football"\nwhen = { tags = ["football"] }\n')
    result = build(load_site(tmp_path), render_images=False)
    row = next(line for line in markdown_summary(result).splitlines() if "The derby story" in line)
    telegram = row.split(" | ")[2]
    # Both accounts' posts in the Telegram column, each named (escaped) by its handle.
    assert telegram.startswith(md_escape("@desk_football") + ": ")
    assert "<br>" + md_escape("@desk_sport") + ": " in telegram
