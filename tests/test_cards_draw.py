"""Text masks and text drawing give the pixels of Pillow's own drawing calls, in every script."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from smmgen.cards.fonts import chain, font, pick
from smmgen.cards.text import Style, _render_run, draw, place, set_text

RUNS = [
    ("en", False, "Budget talks collapse as deadline nears"),
    ("en", False, "ffi fj Tj “quoted” — Ærø & Łódź"),
    ("ru", False, "Москва утвердила бюджет"),
    ("el", False, "Η Βουλή ενέκρινε τον προϋπολογισμό"),
    ("ja", False, "東京で観測史上最も早い初雪"),
    ("ar", True, "البرلمان يقر الميزانية الجديدة"),
    ("he", True, "הכנסת אישרה את התקציב"),
    ("en", False, "   "),
]


def _canvas_mask(text: str, f: ImageFont.FreeTypeFont, rtl: bool, lang: str) -> tuple[Image.Image | None, tuple]:
    """The ink of a run drawn with ImageDraw.text on a canvas with room all round, cropped: the oracle."""
    direction = "rtl" if rtl else "ltr"
    adv = f.getlength(text, direction=direction, language=lang)
    asc, desc = f.getmetrics()
    ox, oy = 2 * f.size, asc + f.size
    canvas = Image.new("L", (math.ceil(adv) + 4 * f.size, oy + desc + 2 * f.size))
    ImageDraw.Draw(canvas).text((ox, oy), text, font=f, fill=255, anchor="ls", direction=direction, language=lang)
    bbox = canvas.getbbox()
    if bbox is None:
        return None, (0, 0)
    assert 0 < bbox[0] and 0 < bbox[1] and bbox[2] < canvas.width and bbox[3] < canvas.height
    return canvas.crop(bbox), (bbox[0] - ox, bbox[1] - oy)


@pytest.mark.parametrize(("lang", "rtl", "text"), RUNS)
@pytest.mark.parametrize("size", [18, 62, 92])
def test_a_run_is_rendered_as_imagedraw_text_draws_it(lang: str, rtl: bool, text: str, size: int) -> None:
    face = pick(chain("Noto Sans", lang), text.strip()[:1] or "a")
    assert face is not None
    f = font(face, size, 700)
    piece = _render_run(text, f, rtl, lang, 7)
    mask, ink = _canvas_mask(text, f, rtl, lang)
    assert piece.x == 7 and piece.advance == round(f.getlength(text, direction="rtl" if rtl else "ltr",
                                                                 language=lang))
    if mask is None:
        assert piece.mask is None
    else:
        assert piece.mask is not None and piece.mask.mode == "L"
        assert piece.ink == ink and piece.mask.size == mask.size and piece.mask.tobytes() == mask.tobytes()


def test_text_is_drawn_with_the_pixels_of_imagedraw_bitmap() -> None:
    laid = set_text("Budget vote: 52–48, ok", Style("Noto Sans", 700, 100.0, "en"), 900, 200, (60, 30), 2, 1.1)
    assert laid is not None
    canvas = Image.linear_gradient("L").resize((1000, 240)).convert("RGB")
    origins = place(laid, (40, 20, 900, 200), align="start", valign="top", card_rtl=False)
    for color in ((255, 255, 255, 255), (232, 72, 63, 255)):
        ours = canvas.copy()
        draw(ours, laid, origins, color)
        assert ours.tobytes() == _bitmap_drawn(canvas, laid, origins, color).tobytes() != canvas.tobytes()


def test_a_text_colour_with_alpha_is_as_translucent_as_it_says() -> None:
    # ImageDraw.bitmap ignores a fill's alpha; a layout's "#a9b6cc80" must still draw at half strength: the
    # opaque drawing blended half-way back to what was under it.
    laid = set_text("Budget vote: 52–48, ok", Style("Noto Sans", 700, 100.0, "en"), 900, 200, (60, 30), 2, 1.1)
    assert laid is not None
    canvas = Image.linear_gradient("L").resize((1000, 240)).convert("RGB")
    origins = place(laid, (40, 20, 900, 200), align="start", valign="top", card_rtl=False)
    for alpha in (128, 51, 0):
        ours = canvas.copy()
        draw(ours, laid, origins, (169, 182, 204, alpha))
        expected = Image.blend(canvas, _bitmap_drawn(canvas, laid, origins, (169, 182, 204, 255)), alpha / 255)
        worst = max(abs(a - b) for a, b in zip(ours.tobytes(), expected.tobytes()))
        assert worst <= 2, (alpha, worst)
    half = canvas.copy()
    draw(half, laid, origins, (169, 182, 204, 128))
    assert half.tobytes() != canvas.tobytes()


def _bitmap_drawn(canvas: Image.Image, laid, origins, color) -> Image.Image:
    drawn = canvas.copy()
    d = ImageDraw.Draw(drawn, "RGBA")
    for line, (x0, baseline) in zip(laid.lines, origins):
        for piece in line.pieces:
            if piece.mask is not None:
                d.bitmap((x0 + piece.x + piece.ink[0], baseline + piece.ink[1]), piece.mask, fill=color)
    return drawn


def _request(target: str, layout: str = "default"):
    from smmgen.cards import CardRequest

    return CardRequest(target=target, layout=layout, title="A rehearsed headline", site_name="Site", kicker=None,
                       date_text=None, lang="en", hero=None, focus=None, alt=None, source="(rehearsal)", line=None)


def test_a_rehearsal_stops_when_told(tmp_path: Path) -> None:
    from smmgen.cards import DEFAULT_LAYOUT_DIR, render
    from smmgen.cards.batch import rehearse

    asked: list[int] = []

    def until() -> bool:
        asked.append(1)
        return len(asked) > 2

    render._gradient_rows.cache_clear()
    rehearse([_request("og"), _request("x"), _request("instagram"), _request("vk")],
             layout_dirs=[DEFAULT_LAYOUT_DIR], until=until)
    assert len(asked) == 3                      # asked before each card, and stopped at the third
    # What it is for: the two sizes drawn have their gradients made (og's 1200x630 and x's 1200x675).
    assert render._gradient_rows.cache_info().currsize == 2


def test_a_rehearsal_writes_nothing_and_passes_over_what_cannot_be_drawn(tmp_path: Path) -> None:
    import shutil

    from smmgen.cards import DEFAULT_LAYOUT_DIR
    from smmgen.cards.batch import rehearse

    layouts = tmp_path / "cards"
    shutil.copytree(DEFAULT_LAYOUT_DIR, layouts)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    rehearse([_request("og", "missing"), _request("nowhere"), _request("og")], layout_dirs=[layouts])
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
