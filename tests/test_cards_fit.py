"""Titles fit their box by measured width: shrink first, break long words only when needed, ellipsis last."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops

from smmgen.cards import CardRequest, render_cards
from smmgen.cards.text import ELLIPSIS, Style, clean, fit, prepare

BG = (250, 250, 245)
BOX = (100, 60, 800, 300)  # x, y, w, h on the og canvas

LAYOUT = f"""
mirror_rtl = false

[background]
type = "solid"
color = "#fafaf5"

[title]
x = {BOX[0]}
y = {BOX[1]}
w = {BOX[2]}
h = {BOX[3]}
weight = 800
size = [72, 30]
max_lines = 4
color = "#111111"
"""

LATIN = Style("Noto Sans", 700, 100.0, "en")


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fit-layouts")
    (d / "box.toml").write_text(LAYOUT, encoding="utf-8")
    return d


def _render(layouts: Path, out: Path, title: str, lang: str = "en") -> Image.Image:
    req = CardRequest("og", "box", title, "Site", None, None, lang, None, None, "", "content/a.md", None)
    card = render_cards([req], layout_dirs=[layouts], out_dir=out)[req]
    return Image.open(out / card.path).convert("RGB")


def _inside_box(im: Image.Image) -> tuple[int, int, int, int]:
    bbox = ImageChops.difference(im, Image.new("RGB", im.size, BG)).getbbox()
    assert bbox is not None, "nothing drawn"
    x, y, w, h = BOX
    assert x <= bbox[0] and y <= bbox[1] and bbox[2] <= x + w and bbox[3] <= y + h, (bbox, BOX)
    return bbox


LONG_300 = ("The city council voted late on Tuesday to approve a revised budget that raises spending on "
            "public transport, schools and housing while cutting administrative costs, after months of "
            "negotiations between the coalition partners and a series of public hearings that drew record "
            "attendance from residents across all districts of town")

TITLES = {
    "one word": "Breaking",
    "300 characters": LONG_300[:300],
    "unbreakable 40": "Donaudampfschifffahrtsgesellschaftskapit",
    "unbreakable 60": "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgese",
    "cjk 120": "東京都は火曜日、公共交通と学校と住宅への支出を増やす一方で行政費を削減する改定予算案を可決した。" * 3,
    "arabic long": "وافق المجلس البلدي مساء الثلاثاء على ميزانية معدلة تزيد الإنفاق على النقل العام والمدارس "
                   "والإسكان مع خفض التكاليف الإدارية بعد أشهر من المفاوضات بين شركاء الائتلاف",
}


@pytest.mark.parametrize("name", sorted(TITLES))
def test_title_stays_inside_the_box(name: str, layouts: Path, tmp_path: Path) -> None:
    lang = "ja" if name.startswith("cjk") else "ar" if name.startswith("arabic") else "en"
    _inside_box(_render(layouts, tmp_path, TITLES[name], lang))


def test_one_word_is_set_at_the_largest_size() -> None:
    laid = fit(prepare("Breaking", LATIN), 800, 300, (72, 30), 4, 1.15)
    assert laid is not None and laid.size == 72 and len(laid.lines) == 1 and not laid.ellipsized


def test_text_shrinks_before_it_is_cut() -> None:
    # Fits at some size between max and min without an ellipsis.
    medium = "City council approves a revised budget after months of talks between the partners"
    laid = fit(prepare(medium, LATIN), 800, 300, (72, 30), 4, 1.15)
    assert laid is not None and 30 <= laid.size < 72 and not laid.ellipsized
    # One size larger would not have fitted: the largest fitting size was chosen.
    bigger = fit(prepare(medium, LATIN), 800, 300, (laid.size + 1, laid.size + 1), 4, 1.15)
    assert bigger is not None and (bigger.ellipsized or bigger.split_words)


def test_300_characters_end_with_an_ellipsis_at_the_smallest_size() -> None:
    laid = fit(prepare(LONG_300[:300], LATIN), 800, 300, (72, 30), 4, 1.15)
    assert laid is not None and laid.ellipsized and laid.size == 30 and len(laid.lines) <= 4
    assert laid.lines[-1].pieces[-1].text.endswith(ELLIPSIS)
    assert max(line.width for line in laid.lines) <= 800


def test_unbreakable_word_is_broken_between_graphemes_only_when_no_size_fits_it() -> None:
    word = "Donaudampfschifffahrtsgesellschaftskapit"
    assert len(word) == 40
    laid = fit(prepare(word, LATIN), 600, 300, (72, 30), 4, 1.15)
    assert laid is not None and not laid.ellipsized
    assert laid.split_words and len(laid.lines) >= 2  # at 30 px it is still wider than 600 px
    assert max(line.width for line in laid.lines) <= 600
    text = "".join(p.text for line in laid.lines for p in line.pieces)
    assert text == word  # nothing lost, nothing added
    # In a wider box the same word fits whole by shrinking.
    wide = fit(prepare(word, LATIN), 1100, 300, (72, 30), 4, 1.15)
    assert wide is not None and not wide.split_words and len(wide.lines) == 1


def test_entities_are_decoded_and_whitespace_collapsed() -> None:
    assert clean("Tom &amp; Jerry&#39;s &quot;show&quot;\n\t now") == "Tom & Jerry's \"show\" now"
    assert clean("a\u00a0b") == "a\u00a0b"  # a no-break space keeps its meaning
    assert clean("x\u202eevil\u202c") == "xevil"  # bidi overrides are removed


def test_japanese_lines_do_not_start_with_closing_punctuation() -> None:
    title = "東京で初雪、平年より早く。交通機関に影響「大雪警報」も発表された。"
    laid = fit(prepare(title, Style("Noto Sans", 700, 100.0, "ja")), 420, 400, (60, 60), 6, 1.2)
    assert laid is not None and len(laid.lines) > 1
    for line in laid.lines[1:]:
        assert line.pieces[0].text[0] not in "、。」）"


def test_uppercase_kickers_follow_the_language() -> None:
    assert clean("Πολιτική", upper=True, lang="el") == "ΠΟΛΙΤΙΚΗ"  # no accents on Greek capitals
    assert clean("Προϋπολογισμός", upper=True, lang="el") == "ΠΡΟΫΠΟΛΟΓΙΣΜΟΣ"  # diaeresis kept
    assert clean("istanbul", upper=True, lang="tr") == "İSTANBUL"  # dotted capital I
    assert clean("Straße", upper=True, lang="de") == "STRASSE"


def _drawn(laid) -> list:
    """What a Laid draws: every piece with its position, advance, ink offset and mask pixels."""
    if laid is None:
        return []
    return [(laid.size, laid.ascent, laid.descent, laid.line_gap, line.width, p.x, p.text, p.advance, p.ink,
             p.mask.tobytes() if p.mask is not None else None)
            for line in laid.lines for p in line.pieces]


REUSE_TITLES = [
    "Breaking",
    "Council approves the budget",
    "City council approves a revised budget after months of talks between the partners",
    LONG_300[:300],
    "Donaudampfschifffahrtsgesellschaftskapit",
    "東京で初雪、平年より早く。交通機関に影響「大雪警報」も発表された。",
]


@pytest.mark.parametrize("heights", [(393, 348), (348, 393), (453, 408), (300, 120), (120, 300), (200, 90)])
@pytest.mark.parametrize("title", REUSE_TITLES)
def test_a_text_set_for_one_box_height_serves_another_only_as_fit_would(title: str,
                                                                       heights: tuple[int, int]) -> None:
    from smmgen.cards.text import forget, set_text

    style = Style("Noto Sans", 700, 100.0, "ja" if title.startswith("東") else "en")
    first, second = heights
    forget()
    set_text(title, style, 600, first, (76, 40), 4, 1.14)
    got = set_text(title, style, 600, second, (76, 40), 4, 1.14)
    forget()
    assert _drawn(got) == _drawn(fit(prepare(title, style), 600, second, (76, 40), 4, 1.14))


def test_og_and_x_cards_set_their_title_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from smmgen.cards import text
    from smmgen.cards.text import forget, set_text

    calls = []
    real = text.fit

    def counting(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(text, "fit", counting)
    forget()
    title = "Council approves the budget after a long night"
    x = set_text(title, LATIN, 1056, 393, (76, 40), 4, 1.14)  # the default layout's title box on x (1200x675)
    og = set_text(title, LATIN, 1056, 348, (76, 40), 4, 1.14)  # and on og (1200x630)
    forget()
    assert og is x and calls == [393]


def test_each_grapheme_is_looked_up_once_per_family_language_and_face_before(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every grapheme of every text was looked up in the faces' character maps (37,000 times for the 1,232 texts
    # of a drawing process of a 1,000-article build): the same letters come back in text after text.
    from smmgen.cards import shaping

    picked: list[str] = []
    real = shaping.pick

    def counting(faces: tuple, cluster: str, prefer: object = None) -> object:
        picked.append(cluster)
        return real(faces, cluster, prefer)  # type: ignore[arg-type]

    monkeypatch.setattr(shaping, "pick", counting)
    shaping._grapheme_clusters.cache_clear()
    style = Style("Noto Sans", 700, 100.0, "en")
    first, again = prepare("banana band", style), prepare("bandana", style)
    # b (first of its text), a, n, space, b, d: each once, whatever comes after
    assert sorted(picked) == sorted("ban bd")
    shaping._grapheme_clusters.cache_clear()
    assert prepare("banana band", style) == first and prepare("bandana", style) == again
