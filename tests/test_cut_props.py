"""Properties of every cut, for random Unicode articles (emoji and ZWJ sequences, combining marks, RTL, CJK,
long URLs, hashtags, mentions): within the platform's limit, the link intact, no grapheme ever split.

The example counts add up to a few thousand; the file runs in well under a minute on two cores.
"""

from __future__ import annotations

import dataclasses
import re
import string
from types import MappingProxyType

import pytest
from cut_helpers import PLATFORMS, article_text, render, write_article, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smmgen.content.article import PlatformOverride, Social
from smmgen.platforms.linkedin import commentary
from smmgen.platforms.post_links import display_url
from smmgen.platforms.text_rules import visible_html
from smmgen.text import measure, richtext
from smmgen.text.excerpt import ELLIPSIS, excerpt, is_cluster_prefix, split_head, strip_clusters
from smmgen.text.thread_split import split_thread

# --- random article text ------------------------------------------------------------------------------------

EMOJI = ["👨‍👩‍👧‍👦", "👍🏽", "🇬🇷", "🏳️‍🌈", "❤️", "🚄", "🧑🏿‍🚀", "1️⃣", "🫠"]
COMBINING = ["e\u0301", "a\u0308\u0323", "क्षि", "ñ", "g̈", "\u0600\u0661", "Å"]
RTL = ["مرحبا", "שלום", "עִבְרִית", "سلام‎", "\u202eevil\u202c"]
CJK = st.text(alphabet="北部港湾地区高速鉄道路線開業見通しとなった。、「」ー한국어", min_size=1, max_size=25)
LETTERS = st.text(alphabet=st.characters(categories=("Lu", "Ll", "Lo", "Nd")), min_size=1, max_size=14)
URL = st.builds(lambda host, path: f"https://{host}.example.com/{path}",
                st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=12),
                st.text(alphabet=string.ascii_letters + string.digits + "/-_?=&.%", max_size=220))
TOKEN = st.one_of(
    LETTERS, LETTERS, LETTERS, CJK,
    st.sampled_from(EMOJI), st.sampled_from(COMBINING), st.sampled_from(RTL), URL,
    st.builds(lambda w: "#" + w, LETTERS),
    st.builds(lambda w: "@" + w + "@mastodon.social", st.text(alphabet=string.ascii_lowercase, min_size=1,
                                                               max_size=10)),
    st.sampled_from([".", ",", "!", "?", "…", "—", "(", ")", "\"", "&", "<b>", "*", "_", "\\"]),
    st.text(max_size=6),           # anything at all, control characters included
)
SEPARATOR = st.sampled_from([" ", " ", " ", " ", ". ", ", ", "\n", "", "\u3000"])


@st.composite
def texts(draw, max_tokens: int) -> str:
    tokens = draw(st.lists(TOKEN, max_size=max_tokens))
    out = []
    for token in tokens:
        out.append(token)
        out.append(draw(SEPARATOR))
    return "".join(out)


# Long runs of multi-code-point emoji: where Bluesky's 3000-byte limit binds before its 300 graphemes.
HEAVY_EMOJI = ["👨‍👩‍👧‍👦", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👩🏽‍❤️‍💋‍👨🏻", "🧑🏿‍🚀"]
HEAVY = st.lists(st.sampled_from(HEAVY_EMOJI), min_size=100, max_size=260).map(" ".join)


@st.composite
def articles(draw):
    title = " ".join(draw(texts(30)).split()) or "T"
    summary = " ".join(draw(st.one_of(texts(60), texts(60), texts(60), HEAVY)).split())
    paragraphs = draw(st.lists(texts(60), max_size=4))
    body = "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())
    tags = tuple(draw(st.lists(st.one_of(LETTERS, CJK, st.text(max_size=20)), max_size=6)))
    thread = draw(st.booleans())
    return title, summary, body, tags, thread


# --- one site for the whole module --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("props") / "site",
                      {"mastodon": "max_characters = 500", "telegram": 'mode = "photo"'})
    base = write_article(site, article_text(summary="S.", body="B."))
    return site, base


def with_text(base, title, summary, body, tags, thread):
    overrides = {name: PlatformOverride(thread=True) for name in ("x", "mastodon", "bluesky", "threads")} \
        if thread else {}
    return dataclasses.replace(base, title=title, summary=summary, body_text=body, tags=tags,
                               social=Social(overrides=MappingProxyType(overrides)))


def assert_within_limits(cut):
    assert not cut.errors, cut.errors
    for part, length in zip(cut.parts, cut.lengths):
        assert 0 < length <= cut.limit
        if cut.platform == "x":
            assert measure.measure(part, "weighted") <= 280
        elif cut.platform == "bluesky":
            assert measure.safe_grapheme_len(part) <= 300 and measure.utf8_len(part) <= 3000
        elif cut.platform == "threads":
            assert measure.threads_length(part) <= 500 and measure.count_links(part, unique=True) <= 5
        elif cut.platform == "telegram":
            assert measure.utf16_len(visible_html(part)) <= cut.limit
        elif cut.platform == "linkedin":
            assert measure.utf16_len(commentary(part)) <= 3000
        elif cut.platform == "instagram":
            assert measure.utf16_len(part) <= 2200
            assert measure.count_hashtags(part) <= 30 and measure.count_mentions(part) <= 20


def assert_link_intact(cut, article):
    text = "\n".join(cut.parts)
    if cut.platform in ("x", "mastodon", "threads", "facebook", "vk"):
        assert any(re.search(rf"(^|\n){re.escape(cut.link)}(\n|$)", part) for part in cut.parts)
    elif cut.platform == "bluesky":
        found = []
        for part, facets in zip(cut.parts, cut.extra["facets"]):
            data = part.encode("utf-8")
            for f in facets:
                if f["features"][0].get("uri") == cut.link:
                    found.append(data[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode("utf-8"))
        assert found == [display_url(cut.link, 48)]
    elif cut.platform == "telegram":
        assert f'<a href="{measure.telegram_html_escape(cut.link)}">' in text
    elif cut.platform == "linkedin":
        assert cut.extra["article"]["source"] == cut.link
    elif cut.platform == "instagram":
        assert display_url(article.url) in text


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(articles())
def test_every_cut_fits_and_keeps_its_link(world, drawn):
    site, base = world
    article = with_text(base, *drawn)
    for name in PLATFORMS:
        cut = render(site, article, name)
        assert_within_limits(cut)
        assert_link_intact(cut, article)
        if name == "bluesky":
            assert len(cut.extra["facets"]) == len(cut.parts)


# --- excerpting and splitting on their own ------------------------------------------------------------------

UNITS = [("weighted", {}), ("graphemes", {}), ("mastodon", {"url_length": 23}), ("threads", {}),
         ("utf16", {})]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts(80), st.integers(min_value=0, max_value=400), st.sampled_from(UNITS))
def test_excerpt_fits_and_never_splits_a_grapheme(text, budget, unit):
    name, opts = unit

    def size(t: str) -> int:
        return measure.measure(t, name, **opts)

    cut = excerpt(text, budget, size)
    assert size(cut) <= budget
    source = "".join(strip_clusters(measure.graphemes(text)))
    if cut == source:
        return
    body = cut.removesuffix(ELLIPSIS).rstrip()
    assert is_cluster_prefix(body, source), (body, source)
    # The cut is a prefix of whole clusters, so every cluster of it is a cluster of the source.
    assert measure.graphemes(body) == measure.graphemes(source)[: len(measure.graphemes(body))]


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts(80), st.integers(min_value=8, max_value=200))
def test_split_head_loses_nothing(text, budget):
    rest = "".join(strip_clusters(measure.graphemes(text)))
    pieces = []
    while rest:
        head, rest_after = split_head(rest, budget, len)
        if not head:
            break
        assert len(head) <= budget and is_cluster_prefix(head, rest)
        pieces.append(head)
        rest = rest_after
    if not rest:
        source = "".join(c for c in measure.graphemes(text) if not c.isspace())
        joined = "".join(c for p in pieces for c in measure.graphemes(p) if not c.isspace())
        assert joined == source


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts(120), st.sampled_from(["first", "last"]), st.integers(min_value=60, max_value=300))
def test_a_thread_keeps_every_grapheme_in_order(text, position, limit):
    link = "https://news.example.com/2026/11/story/?utm_source=x"

    def cost(t: str) -> int:
        return measure.measure(t, "weighted")

    thread = split_thread(text, limit=limit, cost=cost, link=link, link_position=position, max_parts=25)
    assert all(cost(p) <= limit for p in thread.parts)
    if thread.truncated:
        return
    bodies = []
    for i, part in enumerate(thread.parts):
        if len(thread.parts) > 1:
            part = part.removesuffix(f"{i + 1}/{len(thread.parts)}").rstrip("\n")
        if i == thread.link_part:
            part = part.replace(link, "")
        bodies.append(part)
    source = "".join(c for c in measure.graphemes(text) if not c.isspace())
    joined = "".join(c for b in bodies for c in measure.graphemes(b) if not c.isspace())
    assert joined == source


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts(40))
def test_bluesky_facets_point_at_their_text(text):
    # The facets we attach are byte ranges of the post: they must decode to whole characters.
    from smmgen.platforms.bluesky import part_facets

    link = "https://news.example.com/2026/11/story/?utm_source=bluesky"
    post = text + "\n\n" + display_url(link, 48)
    data = post.encode("utf-8")
    facets = part_facets(post, display_url(link, 48), link)
    previous_end = 0
    for f in facets:
        start, end = f["index"]["byteStart"], f["index"]["byteEnd"]
        assert previous_end <= start < end <= len(data)
        data[start:end].decode("utf-8")          # never inside a UTF-8 sequence
        previous_end = end
    assert facets[-1]["features"][0] == {"$type": richtext.LINK, "uri": link}
