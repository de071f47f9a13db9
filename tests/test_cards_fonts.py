"""Font objects of a drawing process: one per face, weight and width, set to each size in place
(``smmgen.cards.font_resize``), drawing and measuring exactly what a font opened at that size does."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from smmgen.cards import DEFAULT_LAYOUT_DIR, CardRequest, fonts, render_cards, text
from smmgen.cards.font_resize import resize

pytestmark = pytest.mark.skipif(not fonts.can_resize(), reason="fonts are opened per size in this process")


@pytest.fixture(autouse=True)
def _no_fonts_left_open() -> Iterator[None]:
    """Font objects opened here (some per size, while resizing is switched off) are closed after each test: the
    memory tests count the mappings of a font file that this process holds."""
    yield
    fonts.forget_fonts()
    text.forget()

# (language, a file name part of the face in its chain, text): every kind of face the chain has. The Noto faces
# but CJK are hinted by FreeType's auto-hinter, whose per-script data is what setting a size keeps.
SAMPLES = [
    ("en", "NotoSans[", "Budget talks stall — Ölpreis «fällt», Привет, Ελλάδα 0123 fi ffl"),
    ("ar", "Arabic", "مرحبا بالعالم ١٢٣ الميزانية"),
    ("he", "Hebrew", "שלום עולם תקציב"),
    ("ja", "CJK", "東京で予算案が可決、「反対」も"),
    ("ko", "CJK", "서울 시청 앞 광장에서"),
    ("hi", "Devanagari", "नमस्ते दुनिया बजट"),
    ("th", "Thai", "สวัสดีชาวโลก งบประมาณ"),
    ("en", "Symbols", "♈ ♉ ⚕"),
]


def _face(lang: str, part: str) -> fonts.FontFile:
    return next(face for face in fonts.chain("Noto Sans", lang) if part in Path(face.path).name)


def _drawn(font: object, text: str, lang: str, direction: str) -> tuple:
    mask, offset = font.getmask2(text, "L", direction=direction, language=lang, anchor="ls", ink=255,  # type: ignore[attr-defined]
                                 start=(0.0, 0.0))
    return Image.Image()._new(mask).tobytes(), mask.size, offset


@pytest.mark.parametrize(("lang", "part", "text"), SAMPLES, ids=[f"{lang}-{part}" for lang, part, _ in SAMPLES])
def test_a_font_set_to_another_size_draws_and_measures_as_one_opened_at_that_size(lang: str, part: str,
                                                                                  text: str) -> None:
    face = _face(lang, part)
    sizes = [*range(14, 100, 7), 200]           # titles and labels, and the size words are measured at
    random.Random(lang + part).shuffle(sizes)
    for weight in (400, 700):
        shared = fonts._open_font(face, 30, weight, 100.0)
        for size in sizes:
            fresh = fonts._open_font(face, size, weight, 100.0)
            # An object's very first text may come out a pixel wider when it has no ink (FreeType's auto-hinter
            # sets up during it), however it was opened: both have drawn one.
            _drawn(fresh, text, lang, "ltr")
            assert resize(shared, size)
            assert shared.size == size
            for direction in ("ltr", "rtl"):
                assert _drawn(shared, text, lang, direction) == _drawn(fresh, text, lang, direction), size
            assert shared.getlength(text, language=lang) == fresh.getlength(text, language=lang)
            assert shared.getbbox(text, language=lang) == fresh.getbbox(text, language=lang)
            assert shared.getmetrics() == fresh.getmetrics()


def test_titles_fitted_at_many_sizes_are_drawn_with_one_font_object_per_weight(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Every size was a font object of its own, and the first text each drew cost 7 ms of auto-hinting: a drawing
    # process of a 1,000-article build opened Noto Sans 165 times.
    opened: list[tuple[str, int, int]] = []
    real = fonts._open_font

    def counting(face: fonts.FontFile, size: int, weight: int, width: float) -> object:
        opened.append((Path(face.path).name, size, weight))
        return real(face, size, weight, width)

    fonts.forget_fonts()
    monkeypatch.setattr(fonts, "_open_font", counting)
    words = "council budget transit levy harbour library festival weather election market".split()
    requests = [CardRequest(target=("og", "instagram")[i % 2], layout="default",
                            title=" ".join(words[(i + k) % len(words)] for k in range(1 + i % 29)),
                            site_name="The Gazette", kicker="News", date_text="1 May", lang="en", hero=None,
                            focus=None, alt="", source=f"content/{i}.md", line=None)
                for i in range(40)]
    render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path, workers=1)
    weights = [weight for name, _, weight in opened if name.startswith("NotoSans[")]
    assert sorted(weights) == sorted(set(weights)) == [400, 600, 700]   # date, site name, title and kicker
    assert all(f.size in range(10, 201) for f in fonts._kept_here()[False].values())


def test_cards_drawn_with_fonts_set_to_each_size_are_the_bytes_of_fonts_opened_at_each_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    titles = ["Council approves the budget", "Ölpreis fällt weiter, Händler «besorgt» über die Zölle " * 2,
              "مجلس المدينة يوافق على الميزانية", "東京の新しい図書館が来月開館する予定です", "Короткий"]
    langs = ["en", "de", "ar", "ja", "ru"]
    requests = [CardRequest(target=target, layout="default", title=title, site_name="The Gazette",
                            kicker="Politics", date_text="1 May 2026", lang=lang, hero=None, focus=None, alt="",
                            source=f"content/{i}.md", line=None)
                for i, (title, lang) in enumerate(zip(titles, langs)) for target in ("og", "x", "instagram")]

    def drawn(out: Path) -> dict[str, bytes]:
        cards = render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=out, workers=1)
        return {req.source + req.target: (out / card.path).read_bytes() for req, card in cards.items()}

    fonts.forget_fonts()
    text.forget()                   # no text set before: each is set again, with the fonts of each way
    resized = drawn(tmp_path / "resized")
    monkeypatch.setattr(fonts, "can_resize", lambda: False)
    fonts.forget_fonts()
    text.forget()
    assert drawn(tmp_path / "per-size") == resized
