"""The built-in article page made without Jinja (``smmgen.preview.article_page``): the very bytes the templates
render, on arbitrary views (hostile text, every layout and branch) and on real builds; a site's own template
still renders its pages."""

from __future__ import annotations

import dataclasses
import string
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen.build.pipeline import build
from smmgen.build.templates import Layouts
from smmgen.config.site import load_site
from smmgen.preview import pages
from smmgen.preview.looks import LOOKS, look_for
from smmgen.preview.model import Account, ArticleView, Clip, Image, LinkCard, Part, Post, PreviewData
from smmgen.preview.pages import Renderer, render_pages

RISKY = string.ascii_letters + string.digits + " <>&\"'#@:/._-=()…é中🙂\n"
text = st.text(alphabet=RISKY, max_size=24)
# Text that the post's styling turns into links, tags, mentions (and, in Telegram's HTML mode, styles).
post_text = st.lists(st.one_of(text, st.sampled_from([
    "https://news.example/a?b=1&c=<2>", "http://x.example/\"q'", "#tag", "#Ünïcode_1", "@someone",
    "@desk@social.example", "<b>bold</b>", "<i>it</i> <a href=\"https://t.example/?a&b\">link</a>", "<code>x</code>",
    "javascript:alert(1)", "&amp; &lt;", " www.example.org ",
])), max_size=6).map("".join)
looks = st.sampled_from([*LOOKS.values(), look_for("newnet", "New <Net>")])


@st.composite
def images(draw, placeholder_ok=True):
    path = draw(st.one_of(st.none(), text.map(lambda t: f"cards/{t}.jpg"))) if placeholder_ok else "cards/a.jpg"
    width, height = draw(st.integers(1, 3000)), draw(st.integers(1, 3000))
    frame = draw(st.sampled_from([(width, height), (2, 1), (191, 100), (4, 5), (1200, 630)]))
    return Image(path=path, width=width, height=height, alt=draw(text), frame=frame)


@st.composite
def posts(draw):
    look = draw(looks)
    parts = tuple(Part(draw(post_text), length, limit, draw(st.sampled_from(["ok", "near", "over"])), look,
                       draw(st.booleans()))
                  for length, limit in draw(st.lists(st.tuples(st.integers(0, 600), st.integers(0, 500)),
                                                     min_size=1, max_size=3)))
    video = draw(st.one_of(st.none(), st.builds(
        Clip, path=text, poster=st.one_of(st.none(), text), captions=st.one_of(st.none(), text),
        captions_lang=text, width=st.integers(1, 2000), height=st.integers(1, 2000),
        duration=st.floats(0, 5000, allow_nan=False), alt=text, target=text)))
    card = draw(st.one_of(st.none(), st.builds(LinkCard, url=text, domain=text, title=text, description=text,
                                               image=images())))
    account_name = draw(st.sampled_from(["", look.name, "night<desk>"]))
    return Post(
        id=draw(text), platform=look.name if look.name != "generic" else "newnet", look=look,
        account=Account(display_name=draw(text), handle=draw(st.sampled_from(["", "@desk", "@a&b<c>"])),
                        avatar=draw(st.sampled_from([None, "preview/avatars/x.png", "preview/avatars/\"q'.png"])),
                        initials=draw(text)),
        parts=parts, unit=draw(text), unit_label=draw(text), attached=draw(st.one_of(st.none(), images())),
        card=card, card_part=draw(st.integers(0, 3)), warnings=tuple(draw(st.lists(text, max_size=2))),
        errors=tuple(draw(st.lists(text, max_size=2))), status=draw(st.sampled_from(["ok", "warning", "error"])),
        publish_at=draw(text), expire_at=draw(st.one_of(st.none(), text)), publish_iso=draw(text),
        expire_iso=draw(st.one_of(st.none(), text)), date_text=draw(text), lang=draw(text),
        hold=draw(st.one_of(st.none(), text)), video=video, account_name=account_name)


@st.composite
def pages_of(draw):
    shown = tuple(draw(st.lists(posts(), max_size=4)))
    article = ArticleView(
        slug="a", source=draw(text), title=draw(text), summary=draw(text), url=draw(text), lang=draw(text),
        tags=tuple(draw(st.lists(text, max_size=3))), date_text=draw(text), date_iso="2026-11-20T10:00:00Z",
        errors=tuple(draw(st.lists(text, max_size=2))), status=draw(st.sampled_from(["ok", "warning", "error"])),
        page=draw(text), make_posts=lambda: shown)
    count = draw(st.integers(1, 4))
    here = draw(st.integers(0, count - 1))
    listed = [article if n == here else SimpleNamespace(page=draw(text), title=draw(text)) for n in range(count)]
    errors = tuple(draw(st.lists(text, max_size=2)))
    data = PreviewData(site_name="", timezone=draw(text), platforms=(), articles=(), errors=errors,
                       error_count=draw(st.integers(0, 3)), avatars={})
    return {"article": article, "listed": listed, "here": here, "index_page": draw(text), "data": data,
            "site": SimpleNamespace(name=draw(text))}


def _both(renderer: Renderer, up: str, values: dict) -> tuple[bytes, bytes]:
    """(the templates' page, the page made without them)"""
    jinja = b"".join(renderer.stream("article.html.j2", up, page="article", **values))
    return jinja, renderer.render("article.html.j2", up, page="article", **values)


RENDERER = Renderer(Layouts(None))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages_of(), st.sampled_from(["../../", "<up>&\"/"]))
def test_a_page_made_without_jinja_is_the_templates_page_byte_for_byte(values, up):
    assert RENDERER._article_page is not None
    jinja, made = _both(RENDERER, up, values)
    assert made == jinja


def test_every_page_of_a_built_site_with_every_platform_and_hostile_text_is_the_templates_page(make_site):
    from test_preview_pages import with_every_platform

    make_site.article("x.md", """
        ---
        title: "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt; & 'q'"
        date: 2026-11-20T10:00:00+01:00
        tags: ["<script>alert(3)</script>", "\\"><img src=x onerror=alert(4)>"]
        summary: "Fish & chips <b>now</b> \\"quoted\\""
        ---
        Body with a link https://news.example/a?b=1&c=2 and #topic and @someone.
        """)
    make_site.article("y.md", "---\ntitle: Plain\ndate: 2026-11-19T10:00:00+01:00\n---\nBody.\n")
    make_site.article("broken.md", "---\ntitle: [unclosed\n---\nBody.\n")       # the errors banner
    result = with_every_platform(build(load_site(make_site.root), render_images=False))
    compared = []
    original = Renderer.render

    def render(self, name, up, **values):
        made = original(self, name, up, **values)
        if name == "article.html.j2":
            compared.append(made == b"".join(self.stream(name, up, **values)))
        return made

    pages.Renderer.render = render
    try:
        files = render_pages(result)
    finally:
        pages.Renderer.render = original
    assert compared == [True, True]
    assert "&lt;script&gt;alert(1)" in files["preview/articles/x.html"].decode()


def test_a_site_with_its_own_mockup_template_gets_its_pages_from_its_templates(make_site):
    from smmgen.build.layout_dirs import DEFAULTS_DIR

    make_site.article("a.md", "---\ntitle: One story\ndate: 2026-11-20T10:00:00+01:00\n---\nBody.\n")
    own = make_site.root / "layouts" / "preview" / "post.html.j2"
    own.parent.mkdir(parents=True)
    shipped = (DEFAULTS_DIR / "preview" / "post.html.j2").read_text(encoding="utf-8")
    own.write_text(shipped.replace('<header class="mock-bar">', '<header class="mock-bar house">'), encoding="utf-8")
    site = load_site(make_site.root)
    assert Renderer(Layouts(site.layouts_dir, root=site.root))._article_page is None
    page = render_pages(build(site, render_images=False))["preview/articles/a.html"].decode()
    assert '<header class="mock-bar house">' in page


def test_a_cold_build_renders_no_article_page_through_jinja(make_site, monkeypatch):
    from smmgen.build.incremental import build_site

    for n in range(3):
        make_site.article(f"a{n}.md", f"---\ntitle: Story {n}\ndate: 2026-11-2{n}T10:00:00+01:00\n---\nBody.\n")
    streamed: list[str] = []
    original = Renderer.stream

    def stream(self, name, up, **values):
        streamed.append(name)
        return original(self, name, up, **values)

    monkeypatch.setattr(Renderer, "stream", stream)
    build_site(load_site(make_site.root), workers=1)
    assert (make_site.root / "output" / "preview" / "articles" / "a0.html").is_file()
    assert "article.html.j2" not in streamed and "index.html.j2" in streamed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages_of())
def test_an_index_row_made_without_jinja_is_the_templates_row(values):
    from smmgen.preview.index_row import IndexRow
    from smmgen.preview.pages import index_row_macro, template_row_macro

    data, site = values["data"], values["site"]
    row = index_row_macro(RENDERER, data, {"data": data, "site": site})
    assert isinstance(row, IndexRow)
    view = values["article"]
    if values["here"] % 2:              # an article that could not be read: no page
        view = dataclasses.replace(view, page=None)
    assert str(row(view)) == str(template_row_macro(RENDERER, data, {"data": data, "site": site})(view))


@st.composite
def plans(draw):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from smmgen.preview import agenda

    platforms = draw(st.lists(st.sampled_from([*LOOKS, "newnet"]), min_size=1, max_size=4, unique=True))
    start = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    slots = []
    for n in range(draw(st.integers(0, 12))):
        platform = draw(st.sampled_from(platforms))
        publish = start + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 20)))
        expire = draw(st.one_of(st.none(), st.integers(1, 60 * 24 * 9).map(lambda m: publish + dt.timedelta(minutes=m))))
        slots.append(agenda.Slot(id=f"s{n}", platform=platform, slug="a", title=draw(text),
                                 source=draw(st.sampled_from(["content/a.md", "content/<b>.md", "gone.md"])),
                                 publish_at=publish, expire_at=expire,
                                 account=draw(st.sampled_from([platform, "", "night<desk>"]))))
    tz = ZoneInfo(draw(st.sampled_from(["Europe/Berlin", "America/St_Johns", "UTC", "Asia/Kolkata"])))
    days = agenda.days(slots, tz)
    values = {"article_pages": {"content/a.md": "articles/a.html", "content/<b>.md": "articles/\"b'.html"},
              "titles": {p: draw(text) for p in platforms if draw(st.booleans())},
              "accents": {p: draw(st.sampled_from(["#123456", "red\"<"])) for p in platforms if draw(st.booleans())},
              "handles": {a: draw(text) for a in (*platforms, "night<desk>") if draw(st.booleans())}}
    data = PreviewData(site_name="", timezone=str(tz), platforms=tuple((p, draw(text)) for p in platforms),
                       articles=(), errors=(), error_count=0, avatars={},
                       accounts=draw(st.sampled_from([(), (("night<desk>", "Night desk"),)])))
    return agenda.weeks(slots, tz, days), days, values, data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_the_plans_weeks_and_days_made_without_jinja_are_the_templates(plan):
    from smmgen.preview.pages import plan_macros, template_plan_macros

    weeks, days, values, data = plan
    site = SimpleNamespace(name="Desk")
    week_table, day_block = plan_macros(RENDERER, values, data, site)
    jinja_week, jinja_day = template_plan_macros(RENDERER, values, data, site)
    assert (week_table.name, day_block.name) == (jinja_week.name, jinja_day.name)
    by_date = {d.date: d for d in days}
    for week in weeks:                  # as the plan's parts are made: a week, then its days
        assert str(week_table(week)) == str(jinja_week(week))
        for shown in week.days:
            if shown.date in by_date:
                assert str(day_block(by_date[shown.date])) == str(jinja_day(by_date[shown.date]))
    for day in reversed(days):          # a day made without its week
        assert str(day_block(day)) == str(jinja_day(day))


def test_a_site_with_copies_of_the_shipped_templates_gets_the_same_preview_through_jinja(make_site, tmp_path):
    import shutil

    from test_preview_pages import with_every_platform

    from smmgen.build.layout_dirs import DEFAULTS_DIR
    from smmgen.preview import plan_parts

    for n in range(12):                 # some weeks apart: several plan pages
        make_site.article(f"a{n}.md", f"""
            ---
            title: "Story {n} <b>&</b> 'q'"
            date: 2026-1{n % 3}-{10 + n}T10:00:00+01:00
            tags: ["<t>", "x"]
            ---
            Body {n} with https://news.example/a?b={n}&c=2 and #topic.
            """)
    result = with_every_platform(build(load_site(make_site.root), render_images=False))
    weeks: list = []
    made_week = plan_parts.PlanParts._week

    def week(self, shown):
        weeks.append(shown.monday)
        return made_week(self, shown)

    plan_parts.PlanParts._week = week
    try:
        made = render_pages(result)
    finally:
        plan_parts.PlanParts._week = made_week
    assert weeks and any(path.startswith("preview/plan-") for path in made)
    copies = tmp_path / "layouts"
    shutil.copytree(DEFAULTS_DIR / "preview", copies / "preview")
    site = dataclasses.replace(result.site, layouts_dir=copies)
    assert Renderer(Layouts(copies))._article_page is None
    assert render_pages(dataclasses.replace(result, site=site), Layouts(copies)) == made


@settings(max_examples=150, deadline=None)
@given(post_text, looks)
def test_telegram_segments_are_the_plain_segments_of_each_run_with_its_style(shown, look):
    from smmgen.preview.text import _TelegramHTML, segments, telegram_html_segments

    parser = _TelegramHTML()
    parser.feed(shown)
    parser.close()
    expected = []
    for run, style, href in parser.runs:
        if href:
            expected.append(("link", run, href, style))
        else:
            expected += [(s.kind, s.text, s.href, style) for s in segments(run, look)]
    assert [dataclasses.astuple(s) for s in telegram_html_segments(shown, look)] == expected
