"""The sample site's own layouts (layouts/): the Courier's Telegram and LinkedIn cuts and its card brand replace
smmgen's defaults, still keep every limit and byte budget, and without layouts/ the defaults come back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from PIL import Image

from smmgen.build import BuildResult, build
from smmgen.cards import TARGETS
from smmgen.cards.layout import RGBA, Layout, TextStyle, load_layout
from smmgen.config import load_site
from smmgen.excerpt import ELLIPSIS
from smmgen.measure import telegram_html_escape as tg_escape
from smmgen.platforms.common import display_url, lead_text
from smmgen.platforms.linkedin import commentary

# The Courier's words, by article language: the house style these layouts promise.
READ_MORE = {"en": "Read the full story", "de": "Zum ganzen Artikel", "ru": "Читать полностью", "ja": "続きを読む"}
STORY_BELOW = {"en": "Read the full story in the article below.", "de": "Den ganzen Artikel lesen Sie unten.",
               "ru": "Полный текст — по ссылке ниже.", "ja": "全文は下のリンクから。"}
COURIER_RED = (0xB3, 0x12, 0x2E)
OVERRIDDEN = {"telegram", "linkedin"}


def built(site: Path, *, images: bool = False) -> BuildResult:
    result = build(load_site(site), render_images=images, workers=1)
    assert not result.errors, [e.message for e in result.errors]
    return result


def own_text(result: BuildResult, cut) -> str | None:
    """The author's text for the cut's platform (posted as written, whatever the layout says), if any."""
    article = next(a for a in result.articles if a.slug == cut.slug)
    return article.social.override(cut.platform).text


def blocks(text: str) -> list[str]:
    return text.split("\n\n")


def is_hashtags(block: str) -> bool:
    return all(word.startswith("#") for word in block.split())


# --- text cuts ----------------------------------------------------------------------------------------------

def test_telegram_cuts_follow_the_courier_house_template(sample_site):
    result = built(sample_site)
    articles = {a.slug: a for a in result.articles}
    langs = set()
    cuts = [c for c in result.cuts if c.platform == "telegram" and own_text(result, c) is None]
    assert len(cuts) >= 10
    for cut in cuts:
        article = articles[cut.slug]
        parts = blocks(cut.text)
        link_line = f'→ <a href="{tg_escape(cut.link)}">{READ_MORE[article.lang]}</a>'
        assert parts[0] == f"<b>{tg_escape(article.title)}</b>", cut.id
        where = parts.index(link_line)
        # The excerpt sits between the headline and the link; only hashtags may follow the link.
        assert where >= 2 and parts[1].startswith(tg_escape(lead_text(article)[:20])), cut.id
        assert all(is_hashtags(p) for p in parts[where + 1:]), cut.id
        # The default's link text (the bare address) is gone; the link itself still carries the UTM tags.
        assert f">{tg_escape(display_url(cut.link, 48))}</a>" not in cut.text
        assert "utm_source=telegram" in cut.link and cut.lengths[0] <= cut.limit == 1024
        langs.add(article.lang)
    assert langs == set(READ_MORE)


def test_linkedin_cuts_point_at_the_article_card_in_the_articles_language(sample_site):
    result = built(sample_site)
    articles = {a.slug: a for a in result.articles}
    linkedin = [c for c in result.cuts if c.platform == "linkedin"]
    authored = [c for c in linkedin if own_text(result, c) is not None]
    assert authored, "the sample site should keep one LinkedIn text written by hand"
    for cut in authored:                     # the author's text goes out as written, house line or not
        assert cut.text == own_text(result, cut).strip()
        assert not any(line in cut.text for line in STORY_BELOW.values())
    for cut in (c for c in linkedin if c not in authored):
        article = articles[cut.slug]
        parts = blocks(cut.text)
        where = parts.index(STORY_BELOW[article.lang])
        assert parts[0] == article.title and where >= 2, cut.id
        assert all(is_hashtags(p) for p in parts[where + 1:]), cut.id
        assert article.url not in cut.text               # the article card carries the link, not the text
        assert cut.extra["commentary"] == commentary(cut.text)
        assert cut.lengths[0] <= cut.limit


def test_house_cuts_are_still_fitted_when_the_article_is_long(sample_site):
    config = sample_site / "smmgen.toml"
    text = config.read_text(encoding="utf-8")
    # Readability cuts far above the limits, so that fitting to the limit is what shortens the excerpt.
    for table, length in (("telegram", 3500), ("linkedin", 2900)):
        text, n = re.subn(rf"(\[platforms\.{table}\][^\[]*?excerpt_length = )\d+", rf"\g<1>{length}", text)
        assert n == 1, table
    config.write_text(text, encoding="utf-8")
    # Brackets are syntax in LinkedIn's little format: escaped, they make the commentary longer than the text.
    paragraphs = [f"Paragraph {i} (street {i}, block [{i}]): residents (of the {i}th street) told the council "
                  f"about the depot (its night shifts) and the noise (trains on the loop) before dawn." for i in range(60)]
    (sample_site / "content" / "2026" / "long-read.md").write_text(
        "---\ntitle: \"The tram depot, street by street\"\ndate: 2026-11-20T10:00:00+01:00\n"
        "summary: \"Residents of sixty streets told the council what the depot would mean for them.\"\n"
        "tags: [city, transport]\n---\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    result = built(sample_site)
    cuts = {c.platform: c for c in result.cuts if c.slug == "long-read"}

    telegram = cuts["telegram"]
    parts = blocks(telegram.text)
    assert parts[0] == "<b>The tram depot, street by street</b>"
    assert parts[-1] == f'→ <a href="{tg_escape(telegram.link)}">{READ_MORE["en"]}</a>'
    assert 700 <= telegram.lengths[0] <= 1024 and not telegram.warnings
    assert paragraphs[-1] not in telegram.text and paragraphs[0] in telegram.text

    linkedin = cuts["linkedin"]
    parts = blocks(linkedin.text)
    assert parts[0] == "The tram depot, street by street" and parts[-1] == STORY_BELOW["en"]
    assert 2500 <= linkedin.lengths[0] <= 3000 and not linkedin.warnings
    assert len(commentary(linkedin.text)) <= 3000 and paragraphs[-1] not in linkedin.text
    # Cut short somewhere: at a paragraph or sentence end, or between words with an ellipsis.
    assert parts[-2].endswith((".", ELLIPSIS))


def test_without_layouts_only_the_overridden_cuts_change_back_to_the_defaults(sample_site):
    house = {c.id: c for c in built(sample_site).cuts}
    shutil.rmtree(sample_site / "layouts")
    default = {c.id: c for c in built(sample_site).cuts}
    assert house.keys() == default.keys()
    changed = {i for i in house if house[i].parts != default[i].parts}
    assert {house[i].platform for i in changed} == OVERRIDDEN
    for cut in default.values():
        if cut.platform == "telegram" and cut.id in changed:
            # The default shows the address as the link text, and none of the Courier's words.
            assert f'<a href="{tg_escape(cut.link)}">{tg_escape(display_url(cut.link, 48))}</a>' in cut.text
            assert not any(word in cut.text for word in READ_MORE.values())
        if cut.platform == "linkedin":
            assert not any(line in cut.text for line in STORY_BELOW.values())


# --- cards --------------------------------------------------------------------------------------------------

def dhash(path: Path, size: int = 16, *, top: float = 1.0) -> int:
    """A difference hash of the card's ``top`` part (a fraction of its height): one bit per pair of neighbouring
    pixels of a small grey copy, set where the left one is brighter. Saving the same card again as JPEG at
    quality 60 flips up to 13 of its 256 bits."""
    with Image.open(path) as im:
        part = im.convert("L").crop((0, 0, im.width, round(im.height * top)))
        small = part.resize((size + 1, size), Image.Resampling.LANCZOS)
    px = small.load()
    bits = 0
    for y in range(size):
        for x in range(size):
            bits = bits << 1 | (px[x, y] > px[x + 1, y])
    return bits


def distance(a: Path, b: Path, *, top: float = 1.0) -> int:
    """How many bits of the two cards' difference hashes differ."""
    return bin(dhash(a, top=top) ^ dhash(b, top=top)).count("1")


def pixel(path: Path, xy: tuple[int, int]) -> tuple[int, int, int]:
    with Image.open(path) as im:
        return im.convert("RGB").getpixel(xy)


def near(got: tuple[int, int, int], want: tuple[int, int, int], tolerance: int) -> bool:
    return all(abs(g - w) <= tolerance for g, w in zip(got, want))


def og_cards(result: BuildResult, site: Path) -> dict[str, Path]:
    """The Open Graph card file of each article, by slug."""
    slugs = {a.source: a.slug for a in result.articles}
    return {slugs[req.source]: site / "output" / card.path for req, card in result.cards.items()
            if req.target == "og"}


def test_every_card_of_the_sample_site_keeps_its_size_format_and_budget(sample_site):
    result = built(sample_site, images=True)
    assert {req.layout for req in result.cards} == {"default", "photo"}
    for req, card in result.cards.items():
        spec = TARGETS[req.target]
        assert card.bytes <= spec.max_bytes and card.format in spec.formats, (req.source, req.target)
        # Full size: the encoder never had to scale a Courier card down to meet the budget.
        assert (card.width, card.height) == (spec.width, spec.height), (req.source, req.target)
        assert (sample_site / "output" / card.path).stat().st_size == card.bytes
    for cut in result.cuts:
        assert not cut.errors and all(0 < n <= cut.limit for n in cut.lengths), cut.id


def test_cards_carry_the_courier_brand_and_lose_it_without_layouts(sample_site):
    # Two stories are enough: one without a photo (layout "default") and one with (layout "photo").
    keep = ("2026-11-15-greek-ferry.md", "2026-11-24-budget-passes.md")
    for path in (sample_site / "content" / "2026").glob("*.md"):
        if path.name not in keep:
            path.unlink()
    house = og_cards(built(sample_site, images=True), sample_site)
    shutil.rmtree(sample_site / "layouts")
    default = og_cards(built(sample_site, images=True), sample_site)
    assert house.keys() == default.keys() == {"greek-ferry", "budget-passes"}

    plain, photo = house["greek-ferry"], house["budget-passes"]
    # No photo: the red masthead rule along the top, newsprint paper in the right margin.
    assert near(pixel(plain, (600, 4)), COURIER_RED, 2)
    assert min(pixel(plain, (1170, 300))) > 215
    # Photo: the red rule under the ink masthead band, the band dark above it.
    assert near(pixel(photo, (600, 107)), COURIER_RED, 24)
    assert max(pixel(photo, (700, 92))) < 70
    # The defaults: a dark blue card, and the photo with no red rule on it.
    assert max(pixel(default["greek-ferry"], (1170, 300))) < 90
    assert max(pixel(default["greek-ferry"], (600, 4))) < 60
    assert not near(pixel(default["budget-passes"], (600, 107)), COURIER_RED, 60)
    # Perceptually: the whole picture changes where there is no photo; with a photo, the masthead (top fifth).
    assert distance(house["greek-ferry"], default["greek-ferry"]) >= 100
    for slug in house:
        assert distance(house[slug], default[slug], top=0.2) >= 40, slug


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """The WCAG 2 contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _over(top: RGBA, under: tuple[int, int, int]) -> tuple[int, int, int]:
    alpha = top[3] / 255
    return tuple(round(alpha * t + (1 - alpha) * u) for t, u in zip(top[:3], under))  # type: ignore[return-value]


def backdrops(layout: Layout, style: TextStyle) -> list[tuple[int, int, int]] | None:
    """The colours a text element may sit on; None when that is the photo itself (only the overlay helps)."""
    if style.pill is not None:
        return [style.pill.color[:3]]
    # A photo may be anything from white to black under a band.
    under = ([c[:3] for c in layout.background.colors] if layout.background.kind != "image"
             else [(255, 255, 255), (0, 0, 0)])
    x, y, w, h = style.box.resolve(*layout.canvas)
    covered = False
    for rect in layout.rects:                       # drawn in order, each over the last
        rx, ry, rw, rh = rect.box.resolve(*layout.canvas)
        if rx <= x and ry <= y and x + w <= rx + rw and y + h <= ry + rh:
            under = [_over(rect.color, u) for u in under]
            covered = True
    return None if layout.background.kind == "image" and not covered else under


def test_card_text_stands_out_from_what_is_behind_it():
    folder = Path(__file__).resolve().parent.parent / "layouts" / "cards"
    for name in ("default", "photo"):
        for target, layout in load_layout(folder / f"{name}.toml").variants.items():
            judged = []
            for element in ("title", "kicker", "site_name", "date"):
                style = getattr(layout, element)
                colours = backdrops(layout, style)
                if colours is None:
                    continue
                judged.append(element)
                worst = min(contrast(style.color, c) for c in colours)
                assert worst >= 4.5, (name, target, element, round(worst, 2))    # WCAG AA for normal text
            # Only the photo card's title sits on the photo itself (darkened by the overlay).
            assert judged == (["kicker", "site_name", "date"] if name == "photo"
                              else ["title", "kicker", "site_name", "date"]), (name, target)
