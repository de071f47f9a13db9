"""Every script a title may be in is drawn with real glyphs: no .notdef, no tofu, pixels where the title is."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops

from smmgen.cards import DEFAULT_LAYOUT_DIR, CardRequest, render_cards
from smmgen.cards import emoji as emojimod
from smmgen.cards.fonts import IGNORABLE
from smmgen.cards.text import Style, clean, prepare

BG = (20, 30, 40)
TITLE_BOX = (60, 80, 960, 400)  # x, y, w, h

PLAIN = f"""
[background]
type = "solid"
color = "#{BG[0]:02x}{BG[1]:02x}{BG[2]:02x}"

[title]
x = {TITLE_BOX[0]}
y = {TITLE_BOX[1]}
w = {TITLE_BOX[2]}
h = {TITLE_BOX[3]}
weight = 700
size = [64, 28]
max_lines = 4
color = "#ffffff"
"""

SAMPLES = {
    "latin": ("en", "Budget talks collapse as deadline nears; Ærø & Łódź façade — “quoted”"),
    "cyrillic": ("ru", "Москва утвердила бюджет: что изменится для горожан — ёлка, щука"),
    "greek": ("el", "Η Βουλή ενέκρινε τον προϋπολογισμό του 2026 — ΐ ΰ ώ"),
    "japanese": ("ja", "東京で観測史上最も早い初雪、平年より２週間早く「交通機関に影響」"),
    "chinese": ("zh-Hans", "北京发布新规：2026年起全面推行垃圾分类，市民反应积极"),
    "korean": ("ko", "서울시, 2026년 예산안 확정… 대중교통 요금 동결"),
    "arabic": ("ar", "البرلمان يقر الميزانية الجديدة لعام 2026 بعد مفاوضات طويلة"),
    "hebrew": ("he", "הכנסת אישרה את התקציב לשנת 2026 לאחר משא ומתן ארוך"),
    "emoji": ("en", "Launch 🚀 day: family 👨‍👩‍👧‍👦, thumbs 👍🏽, flag 🇯🇵, keycap 1️⃣, heart ❤️"),
}

_cmaps: dict[tuple[str, int], set[int]] = {}


def _cmap(path: str, index: int) -> set[int]:
    """The cmap read independently of the code under test."""
    if (path, index) not in _cmaps:
        with TTFont(path, fontNumber=index, lazy=True) as tt:
            _cmaps[(path, index)] = set(tt.getBestCmap())
    return _cmaps[(path, index)]


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("layouts")
    (d / "plain.toml").write_text(PLAIN, encoding="utf-8")
    return d


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_every_character_has_a_glyph_in_the_font_chosen_for_it(script: str) -> None:
    lang, title = SAMPLES[script]
    prepared = prepare(clean(title), Style("Noto Sans", 700, 100.0, lang))
    assert prepared.clusters
    for cluster in prepared.clusters:
        if cluster.emoji is not None:
            assert cluster.emoji.is_file(), cluster.text
            continue
        assert cluster.face is not None
        cmap = _cmap(cluster.face.path, cluster.face.index)
        missing = [f"U+{ord(c):04X}" for c in cluster.text if ord(c) not in IGNORABLE and ord(c) not in cmap]
        assert not missing, f"{cluster.text!r} has no glyph in {Path(cluster.face.path).name}: {missing}"


def test_emoji_sequences_are_single_images() -> None:
    prepared = prepare(clean(SAMPLES["emoji"][1]), Style("Noto Sans", 700, 100.0, "en"))
    emoji = [c.text for c in prepared.clusters if c.emoji is not None]
    assert "👨\u200d👩\u200d👧\u200d👦" in emoji  # ZWJ family: one image, not four
    assert "👍🏽" in emoji  # skin tone kept with its base
    assert "🇯🇵" in emoji and "1️⃣" in emoji and "❤️" in emoji and "🚀" in emoji
    # Text-style symbols stay text.
    assert not emojimod.wants_emoji("©") and not emojimod.wants_emoji("1")


def test_script_picks_the_right_fonts() -> None:
    def face_names(lang: str, text: str) -> set[str]:
        p = prepare(text, Style("Noto Sans", 700, 100.0, lang))
        return {Path(c.face.path).name for c in p.clusters if c.face is not None}

    assert face_names("ar", "مرحبا") == {"NotoSansArabic[wdth,wght].ttf"}
    assert face_names("he", "שלום") == {"NotoSansHebrew[wght].ttf"}
    assert face_names("ja", "東京") == {"NotoSansCJK-VF.otf.ttc"}
    assert face_names("ru", "Привет") == {"NotoSans[wdth,wght].ttf"}


def _ink_box(im: Image.Image) -> tuple[int, int, int, int] | None:
    return ImageChops.difference(im, Image.new("RGB", im.size, BG)).getbbox()


def _changed_pixels(im: Image.Image) -> int:
    diff = ImageChops.difference(im, Image.new("RGB", im.size, BG)).convert("L")
    return im.width * im.height - diff.histogram()[0]


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_title_is_drawn_inside_its_box(script: str, layouts: Path, tmp_path: Path) -> None:
    lang, title = SAMPLES[script]
    req = CardRequest("og", "plain", title, "Site", None, None, lang, None, None, "", "content/a.md", None)
    card = render_cards([req], layout_dirs=[layouts, DEFAULT_LAYOUT_DIR], out_dir=tmp_path)[req]
    im = Image.open(tmp_path / card.path).convert("RGB")
    x, y, w, h = TITLE_BOX
    if lang in ("ar", "he"):  # right-to-left cards mirror the layout
        x = im.width - x - w
    assert _changed_pixels(im.crop((x, y, x + w, y + h))) > 2000, "the title box is (nearly) empty"
    bbox = _ink_box(im)  # everything drawn, anywhere on the card
    assert bbox is not None
    assert x <= bbox[0] and y <= bbox[1] and bbox[2] <= x + w and bbox[3] <= y + h, bbox


def test_right_to_left_title_starts_at_the_right(layouts: Path, tmp_path: Path) -> None:
    def ink(lang: str, title: str) -> tuple[int, int, int, int]:
        req = CardRequest("og", "plain", title, "Site", None, None, lang, None, None, "", "a.md", None)
        card = render_cards([req], layout_dirs=[layouts], out_dir=tmp_path)[req]
        box = _ink_box(Image.open(tmp_path / card.path).convert("RGB"))
        assert box is not None
        return box

    x = TITLE_BOX[0]
    rtl = ink("he", "שלום עולם")
    ltr = ink("en", "Hello world")
    mirrored_right = 1200 - x
    assert rtl[2] >= mirrored_right - 10 and rtl[0] > 600  # hugs the right edge of the mirrored box
    assert ltr[0] <= x + 10 and ltr[2] < 600  # hugs the left edge
