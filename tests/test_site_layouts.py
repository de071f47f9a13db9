"""The sample site's own layouts (layouts/): the Courier's Telegram and LinkedIn cuts and its card brand (its
colours and its mark) replace smmgen's defaults, still keep every limit and byte budget, and without layouts/ the
defaults come back."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from smmgen.build import staging
from smmgen.build.pipeline import BuildResult, build
from smmgen.cards import DEFAULT_LAYOUT_DIR, TARGETS
from smmgen.cards.layout import RGBA, Layout, TextStyle, load_layout
from smmgen.config.site import load_site
from smmgen.content.reading import load_article
from smmgen.platforms.composing import lead_text
from smmgen.platforms.linkedin import commentary
from smmgen.platforms.post_links import display_url
from smmgen.text.excerpt import ELLIPSIS
from smmgen.text.measure import telegram_html_escape as tg_escape

# The Courier's words, by article language: the house style these layouts promise.
READ_MORE = {"en": "Read the full story", "de": "Zum ganzen Artikel", "ru": "Читать полностью", "ja": "続きを読む"}
STORY_BELOW = {"en": "Read the full story in the article below.", "de": "Den ganzen Artikel lesen Sie unten.",
               "ru": "Полный текст — по ссылке ниже.", "ja": "全文は下のリンクから。"}
COURIER_RED = (0xB3, 0x12, 0x2E)
OVERRIDDEN = {"telegram", "linkedin"}
CARD_LAYOUTS = Path(__file__).resolve().parent.parent / "layouts" / "cards"
MARK = CARD_LAYOUTS / "courier-mark.png"


def built(site: Path, *, images: bool = False) -> BuildResult:
    loaded = load_site(site)
    result = build(loaded, render_images=images, workers=1)
    assert not result.errors, [e.message for e in result.errors]
    staging.commit(loaded, result.staged)        # new cards into output/cards, as writing the output does
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
    # As parsed, body included: the build drops an article's body once it is cut.
    articles = {a.slug: load_article(result.site.root / a.source, result.site) for a in result.articles}
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


def two_stories(site: Path) -> Path:
    """Keep one story without a photo (layout "default") and one with (layout "photo"): enough to draw each
    layout for every target the site asks for, in a fraction of the whole site's time."""
    keep = ("2026-11-15-greek-ferry.md", "2026-11-24-budget-passes.md")
    for path in (site / "content" / "2026").glob("*.md"):
        if path.name not in keep:
            path.unlink()
    return site


def test_cards_carry_the_courier_brand_and_lose_it_without_layouts(sample_site):
    two_stories(sample_site)
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


# --- the Courier's mark -------------------------------------------------------------------------------------

Rect4 = tuple[int, int, int, int]
"""(x, y, w, h) in pixels."""


def mark_box(layout: Layout) -> Rect4:
    """Where the logo lands: ``h`` tall, as wide as its aspect ratio makes it (at most ``w``), from x or right
    and y or bottom (the logo rules in smmgen/defaults/cards/README.md)."""
    logo = layout.logo
    assert logo is not None and logo.box.h is not None
    with Image.open(logo.path) as im:
        w, h = round(im.width * logo.box.h / im.height), logo.box.h
        if logo.box.w is not None and w > logo.box.w:
            w, h = logo.box.w, round(im.height * logo.box.w / im.width)
    cw, ch = layout.canvas
    x = logo.box.x if logo.box.x is not None else cw - (logo.box.right or 0) - w
    y = logo.box.y if logo.box.y is not None else ch - (logo.box.bottom or 0) - h
    return x, y, w, h


def element_boxes(layout: Layout) -> dict[str, Rect4]:
    """Every placed element's box. A kicker that sits on the title is given at its highest: the title's first
    line at the top of the title's box."""
    cw, ch = layout.canvas
    boxes = {"logo": mark_box(layout)} if layout.logo is not None else {}
    for name in ("title", "kicker", "site_name", "date"):
        style = getattr(layout, name)
        if style is None:
            continue
        x, y, w, h = style.box.resolve(cw, ch)
        if style.above_title is not None:
            y = layout.title.box.resolve(cw, ch)[1] - style.above_title - h
        boxes[name] = (x, y, w, h)
    return boxes


def intersect(a: Rect4, b: Rect4) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner: Rect4, outer: Rect4) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1]
            and inner[0] + inner[2] <= outer[0] + outer[2] and inner[1] + inner[3] <= outer[1] + outer[3])


def default_margins() -> tuple[int, int]:
    """The smallest distance smmgen's own layouts keep any element from the sides, and from the top or bottom."""
    side, upright = [], []
    for name in ("default", "photo"):
        for layout in load_layout(DEFAULT_LAYOUT_DIR / f"{name}.toml").variants.values():
            cw, ch = layout.canvas
            for element, (x, y, w, h) in element_boxes(layout).items():
                side += [x, cw - x - w]
                if element != "kicker":         # where a floating kicker lands depends on the title
                    upright += [y, ch - y - h]
    return min(side), min(upright)


def test_the_mark_sits_beside_the_name_clear_of_everything_and_inside_the_margins():
    side, upright = default_margins()
    assert (side, upright) == (64, 48)                  # if smmgen's own layouts move, look at these again
    for name in ("default", "photo"):
        for target, layout in load_layout(CARD_LAYOUTS / f"{name}.toml").variants.items():
            where = (name, target)
            assert layout.logo is not None and layout.logo.path.name == MARK.name, where
            cw, ch = layout.canvas
            boxes = element_boxes(layout)
            # A full-width band (the photo card's masthead) frames what sits on it instead of the margins.
            bands = [r.box.resolve(cw, ch) for r in layout.rects if r.box.resolve(cw, ch)[::2] == (0, cw)]
            for element, (x, y, w, h) in boxes.items():
                assert inside((x, y, w, h), (0, 0, cw, ch)), (where, element)
                assert x >= side and cw - x - w >= side, (where, element, x, cw - x - w)
                on_band = any(inside((x, y, w, h), band) for band in bands)
                assert on_band or (y >= upright and ch - y - h >= upright), (where, element, y, ch - y - h)
            names = sorted(boxes)
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    assert not intersect(boxes[a], boxes[b]), (where, a, boxes[a], b, boxes[b])
            # Beside: the name starts a little to the right of the mark, centred on the same line.
            mx, my, mw, mh = boxes["logo"]
            nx, ny, _, nh = boxes["site_name"]
            assert 8 <= nx - (mx + mw) <= 24, where
            assert abs((ny + nh / 2) - (my + mh / 2)) <= 2, where


def mark_colours() -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """The mark's two commonest opaque colours, most common first: its ground and its letters."""
    with Image.open(MARK) as im:
        counts = sorted(((n, c) for n, c in im.convert("RGBA").getcolors(1 << 16) if c[3] == 255), reverse=True)
    return counts[0][1][:3], counts[1][1][:3]


def test_the_mark_is_white_letters_on_courier_red_with_room_to_be_shown_sharp():
    ground, letters = mark_colours()
    assert ground == COURIER_RED and letters == (255, 255, 255)
    assert contrast(letters, ground) >= 4.5
    tallest = max(layout.logo.box.h for name in ("default", "photo")
                  for layout in load_layout(CARD_LAYOUTS / f"{name}.toml").variants.values() if layout.logo)
    with Image.open(MARK) as im:
        assert im.width == im.height >= 2 * tallest           # drawn at twice its size or more: never scaled up
        assert im.getpixel((0, 0))[3] == 0                    # rounded corners: the card shows through


def backdrop_of(card: Image.Image, box: Rect4) -> tuple[int, int, int]:
    """The colour just left of the mark, where the card behind it shows."""
    x, y, _, h = box
    return card.getpixel((x - 8, y + h // 2))


def rgb_pixels(im: Image.Image) -> list[tuple[int, int, int]]:
    data = im.convert("RGB").tobytes()
    return [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]  # type: ignore[misc]


def test_every_card_shows_the_mark_where_the_layout_puts_it(sample_site):
    result = built(two_stories(sample_site), images=True)
    ground, _ = mark_colours()
    seen = set()
    for req, card in result.cards.items():
        where = (req.source, req.target)
        layout = load_layout(sample_site / "layouts" / "cards" / f"{req.layout}.toml").for_target(req.target)
        box = x, y, w, h = mark_box(layout)
        with Image.open(sample_site / "output" / card.path) as im:
            drawn = im.convert("RGB")
        # The mark, scaled to its box over what is behind it, is what the card shows there: a PNG card within
        # rounding, a JPEG one within its loss around the letters (up to 7 per channel on average). The same
        # mark one pixel off is 13 or more away.
        want = Image.new("RGB", (w, h), backdrop_of(drawn, box))
        with Image.open(layout.logo.path) as mark:
            small = mark.convert("RGBA").resize((w, h), Image.Resampling.LANCZOS)
        want.paste(small, (0, 0), small)
        got = drawn.crop((x, y, x + w, y + h))
        error = sum(ImageStat.Stat(ImageChops.difference(got, want)).mean) / 3
        assert error <= 9, (*where, round(error, 2))
        pixels = rgb_pixels(got)
        red = sum(near(p, ground, 24) for p in pixels) / len(pixels)
        white = sum(min(p) >= 225 for p in pixels) / len(pixels)
        assert red >= 0.6 and white >= 0.08, (*where, red, white)
        # The red stops at the mark's edge: beside it, the gap before the name shows the card behind.
        assert not any(near(p, ground, 24) for p in rgb_pixels(drawn.crop((x + w + 2, y, x + w + 10, y + h)))), where
        seen.add((req.layout, req.target))
    assert seen >= {(layout, target) for layout in ("default", "photo") for target in ("og", "instagram")}


def media_by_entry(result: BuildResult) -> dict[str, list[tuple[str, str]]]:
    """Each manifest entry's media as (path, sha256), by entry id."""
    return {e.id: [(m.name, m.sha256) for m in e.media]
            for out in result.outputs for e in out.entries}


def test_the_site_checked_out_in_another_folder_names_its_cards_the_same(sample_site, tmp_path):
    here = two_stories(sample_site)
    there = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(here, there)
    first, second = built(here, images=True), built(there, images=True)
    media = media_by_entry(first)
    assert sum(len(files) for files in media.values()) >= 4
    assert media == media_by_entry(second)
    # Named by what they show: a different mark gives every card of the site a new name.
    with Image.open(MARK) as im:
        Image.new("RGBA", im.size, (0, 0, 0, 255)).save(there / "layouts" / "cards" / MARK.name)
    third = media_by_entry(built(there, images=True))
    old = {path for files in media.values() for path, _ in files}
    assert not old & {path for files in third.values() for path, _ in files}
