"""Memory of a drawing process: what it keeps must not grow with the number of cards it draws."""

from __future__ import annotations

import gc
import io
import sys
import weakref
from pathlib import Path

import pytest
from PIL import Image

from smmgen.cards import DEFAULT_LAYOUT_DIR, CardRequest, render_cards
from smmgen.cards.fonts import chain

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")

CJK_TITLES = ["经济会议讨论明年的预算和税收政策", "東京の新しい図書館が来月開館する予定です",
              "서울 시청 앞 광장에서 겨울 축제가 열립니다", "香港的天氣預報說明天會下大雨"]


def _mappings(path: str) -> int:
    """How many times this process maps ``path`` (each mapping's pages count in its resident memory)."""
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if line.rstrip("\n").endswith(path))


def _draw_one_photos_cards(hero: Path, out: Path) -> None:
    """Draw one article's photo cards for Instagram, Open Graph, X and VK in this process."""
    requests = [CardRequest(target=t, layout="photo", title="Council approves the budget", site_name="Site",
                            kicker="News", date_text="1 May", lang="en", hero=hero, focus=None, alt="",
                            source="content/a.md", line=None)
                for t in ("instagram", "og", "x", "vk")]
    render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=out, workers=1, companions=requests)


def test_the_cjk_collection_stays_mapped_once_whatever_sizes_titles_are_fitted_at(tmp_path: Path) -> None:
    # Titles of every length shrink to different sizes; each size is a font object, and each font object maps
    # the 32 MB collection again (2.2 MB of it resident). Only the most recent may stay open: four did.
    cjk = next(face.path for face in chain("Noto Sans", "zh") if "CJK" in face.path)
    langs = ["zh", "ja", "ko", "zh-HK"]
    requests = [CardRequest(target="og", layout="default", title=CJK_TITLES[i % 4] * (1 + i % 7),
                            site_name="站点", kicker=None, date_text=None, lang=langs[i % 4], hero=None,
                            focus=None, alt="", source=f"content/{i}.md", line=None)
                for i in range(28)]
    cards = render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR],
                         out_dir=tmp_path, workers=1)
    assert len(cards) == len(requests)
    assert _mappings(cjk) == 1


def test_noto_sans_stays_mapped_a_dozen_times_whatever_sizes_titles_are_fitted_at(tmp_path: Path) -> None:
    # The same for the Latin face: a 1,000-article build fitted its titles at 44 sizes, and each size kept its
    # own mapping of the file (0.5 MB of it resident) and 0.25 MB of FreeType's memory.
    noto = chain("Noto Sans", "en")[0].path
    words = "council budget transit levy harbour library festival weather election market".split()
    requests = [CardRequest(target=("og", "instagram")[i % 2], layout="default",
                            title=" ".join(words[(i + k) % len(words)] for k in range(1 + i % 29)),
                            site_name="The Gazette", kicker=None, date_text=None, lang="en", hero=None,
                            focus=None, alt="", source=f"content/{i}.md", line=None)
                for i in range(60)]
    cards = render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path, workers=1)
    assert len(cards) == len(requests)
    assert 0 < _mappings(noto) <= 12


def _hero(tmp_path: Path) -> Path:
    path = tmp_path / "hero.jpg"
    im = Image.linear_gradient("L").resize((2400, 1600)).convert("RGB")
    im.paste((200, 80, 40), (900, 200, 1300, 700))
    im.save(path, quality=90)
    return path


def test_a_group_lets_go_of_each_drawing_after_its_last_target(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Instagram's 1080x1350 drawing (6 MB) was held while the article's other cards were drawn and encoded.
    from smmgen.cards import batch

    hero = _hero(tmp_path)
    drawings: list[weakref.ref] = []
    alive_at_encode: list[int] = []
    real_render, real_encode = batch.render, batch.encode

    def render(*args: object, **kwargs: object) -> Image.Image:
        im = real_render(*args, **kwargs)  # type: ignore[arg-type]
        drawings.append(weakref.ref(im))
        return im

    def encode(*args: object, **kwargs: object) -> object:
        alive_at_encode.append(sum(1 for d in drawings if d() is not None))
        return real_encode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "render", render)
    monkeypatch.setattr(batch, "encode", encode)
    _draw_one_photos_cards(hero, tmp_path / "out")
    assert len(drawings) == 3                 # og and vk share one
    # Each drawing's targets one after the other (og's and vk's), instagram's (cut from the largest copy) last:
    # every drawing goes after its last encode, before the next one is drawn.
    assert alive_at_encode == [1, 1, 1, 1]


def test_the_full_decode_goes_before_instagrams_card_is_resampled_from_its_rows(tmp_path: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Instagram's portrait card is cut from the full 2400x1600 decode (15 MB), which was held through the whole
    # resize beside Pillow's intermediate rows (1080x1600, 7 MB) and the card (6 MB): drawn last, the card lets go
    # of it after the pass over columns, and the pass over rows runs without it.
    from smmgen.cards import hero as heromod

    decoded: list[weakref.ref] = []
    real_decode, real_resize = heromod.decode, Image.Image.resize
    full_alive: dict[tuple[int, int], list[bool]] = {}

    def decode(*args: object, **kwargs: object) -> Image.Image:
        im = real_decode(*args, **kwargs)  # type: ignore[arg-type]
        decoded.append(weakref.ref(im))
        return im

    def resize(self: Image.Image, size: tuple[int, int], *args: object, **kwargs: object) -> Image.Image:
        gc.collect()
        full_alive.setdefault(tuple(size), []).append(any(d() is not None and d().size == (2400, 1600)
                                                           for d in decoded))
        return real_resize(self, size, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(heromod, "decode", decode)
    monkeypatch.setattr(Image.Image, "resize", resize)
    hero = _hero(tmp_path)
    _draw_one_photos_cards(hero, tmp_path / "out")
    assert full_alive[(1080, 1600)] == [True]       # the pass over columns reads it
    assert full_alive[(1080, 1350)] == [False]      # the pass over rows runs without it


@pytest.mark.parametrize("hero_size", [(2400, 1600), (2401, 1333), (1600, 2400), (900, 700), (3000, 1000)])
def test_a_hero_handed_to_its_last_card_is_cut_into_the_same_pixels(hero_size: tuple[int, int]) -> None:
    from smmgen.cards.hero import Handed, cover

    im = Image.effect_noise(hero_size, 60).convert("RGB")
    for size in ((1080, 1350), (1200, 630), (1200, 675), (640, 800)):
        for focus in ((0.5, 0.5), (0.13, 0.9), (1.0, 0.0)):
            handed = Handed(im.copy())
            assert cover(handed, size, focus).tobytes() == cover(im, size, focus).tobytes()


def test_a_hero_decode_is_let_go_of_once_its_copies_are_made() -> None:
    # The full decode of a 2400x1600 hero (15 MB) was kept until the last card of its group was drawn, though
    # only Instagram's card is cut from it; the others come from its half-size copy.
    from smmgen.cards.hero import Decodes

    buf = io.BytesIO()
    Image.linear_gradient("L").resize((2400, 1600)).convert("RGB").save(buf, "JPEG", quality=90)
    sizes = [(1080, 1350), (1200, 630), (1200, 675)]
    decodes = Decodes(buf.getvalue(), "hero.jpg")
    full = weakref.ref(decodes.covering((1080, 1350), sizes))
    assert full() is not None and full().size == (2400, 1600)
    decodes.keep_for([((1200, 630), sizes), ((1200, 675), sizes)])
    assert full() is not None                 # the half-size copy is still to be made from it
    half = weakref.ref(decodes.covering((1200, 630), sizes))
    assert half().size == (1200, 800)
    decodes.keep_for([((1200, 675), sizes)])
    assert full() is None and half() is not None
    assert decodes.covering((1200, 675), sizes) is half()
    decodes.keep_for([])
    assert half() is None


def test_measured_words_and_scaled_emoji_stay_bounded_however_many_a_process_sees() -> None:
    # Both were kept for as long as the process drew: every word measured (16 MB at the old 65,536 words) and
    # every emoji at every size it was drawn at.
    from smmgen.cards import emoji
    from smmgen.cards.shaping import Style, _ref_width, prepare, words_of

    style = Style("Noto Sans", 700, 100.0, "en")
    for start in range(0, 9000, 300):
        words_of(prepare(" ".join(f"w{n}" for n in range(start, start + 300)), style))
    assert _ref_width.cache_info().currsize <= 1024
    faces = sorted(emoji._folder().glob("1f3*.png"))[:40]
    for side in range(20, 30):
        for path in faces:
            emoji.image(path, side)
    assert emoji.image.cache_info().currsize <= 16


def _kept_image_bytes() -> int:
    """What the images this process still refers to hold (Pillow stores 4 bytes a pixel, 1 for a mask)."""
    gc.collect()
    return sum(im.width * im.height * (1 if im.mode in ("L", "1", "P") else 4)
               for im in gc.get_objects() if isinstance(im, Image.Image))


def test_a_drawing_process_keeps_no_card_sized_background(tmp_path: Path) -> None:
    # Every gradient drawn on was kept whole, one per card size (12 MB for og, x and Instagram's 1080x1350) and
    # copied for each card; a gradient has at most 256 different rows, and only those are kept now.
    from smmgen.cards import render

    for kept in vars(render).values():   # what earlier drawings in this process left
        if hasattr(kept, "cache_clear"):
            kept.cache_clear()
    before = _kept_image_bytes()
    requests = [CardRequest(target=target, layout="default", title=f"Council approves budget {i}",
                            site_name="The Gazette", kicker="News", date_text="1 May", lang="en", hero=None,
                            focus=None, alt="", source=f"content/{i}.md", line=None)
                for i in range(3) for target in ("og", "x", "instagram")]
    cards = render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path, workers=1)
    assert len(cards) == len(requests)
    assert _kept_image_bytes() - before < 1_000_000
    assert render._gradient_rows.cache_info().currsize == 3
    kept_rows = sum(len({id(row): row for row in render._gradient_rows(size, colors, direction)}.values()) *
                    3 * size[0]
                    for size, colors, direction in _gradient_keys(requests))
    assert kept_rows < 3_000_000   # whole, the three were 12 MB
    # The PNG writer's backdrops (flat cards are PNGs) share those rows: one copy of each row in the process.
    keys = _gradient_keys(requests)
    held = _bytes_held([render._gradient_rows(*key) for key in keys] +
                       [render._gradient_backdrop(*key) for key in keys])
    assert held - kept_rows < 600_000       # the backdrops' deflated pieces (each kept its own rows: 3.6 MB)


def _gradient_keys(requests: list[CardRequest]) -> set:
    from smmgen.cards.layout import find_layout, load_layout

    layout_file = load_layout(find_layout("default", [DEFAULT_LAYOUT_DIR], source="x.md"))
    keys = set()
    for req in requests:
        layout = layout_file.for_target(req.target)
        keys.add((layout.canvas, layout.background.colors, layout.background.direction))
    return keys


def test_the_darkening_overlay_is_blended_without_a_card_sized_colour_image(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # The overlay's colour was made as a whole card (6 MB for Instagram's 1080x1350) while the hero's full decode
    # and the card were held: the moment a drawing process peaks. It is pasted a band of rows at a time.
    from smmgen.cards import render

    made: list[tuple[int, int]] = []
    real_new = Image.new

    def new(mode: str, size: tuple[int, int], *args: object, **kwargs: object) -> Image.Image:
        made.append(tuple(size))
        return real_new(mode, size, *args, **kwargs)  # type: ignore[arg-type]

    hero = _hero(tmp_path)
    requests = [CardRequest(target="instagram", layout="photo", title="Council approves the budget",
                            site_name="Site", kicker="News", date_text="1 May", lang="en", hero=hero, focus=None,
                            alt="", source="content/a.md", line=None)]
    monkeypatch.setattr(render.Image, "new", new)
    render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path / "out", workers=1,
                 companions=requests)
    monkeypatch.undo()
    assert made and max(w * h for w, h in made) <= 1080 * 256   # a band, not 1350 rows

    base = Image.linear_gradient("L").resize((1080, 1350)).convert("RGB")
    banded, whole = base.copy(), base.copy()
    stops = (0.55, 0.12, 0.25, 0.80, 0.92)
    render._darken(banded, (20, 40, 90, 200), stops)
    colour = Image.new("RGB", whole.size, (20, 40, 90))
    mask = render._ramp_mask(whole.size, "vertical").point(render._ramp(tuple(o * 200 for o in stops)))
    whole.paste(colour, (0, 0), mask)
    assert banded.tobytes() == whole.tobytes()


def _bytes_held(value: object) -> int:
    """The bytes objects ``value`` refers to (through its attributes and containers), each counted once."""
    seen: dict[int, int] = {}
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, bytes):
            seen[id(v)] = len(v)
        elif isinstance(v, (list, tuple, set)):
            todo.extend(v)
        elif isinstance(v, dict):
            todo.extend(v.keys())
            todo.extend(v.values())
        elif hasattr(v, "__dict__"):
            todo.extend(vars(v).values())
    return sum(seen.values())


def test_a_backdrop_keeps_each_different_row_of_its_gradient_once() -> None:
    # A flat card's backdrop kept every row of its gradient (2.3 MB for og's 1200x630) beside the pieces it
    # deflates; a gradient has at most 256 different rows.
    from smmgen.cards import render
    from smmgen.cards.encode import Backdrop, png

    colors = ((10, 20, 36, 255), (19, 42, 76, 255), (29, 66, 117, 255))
    gradient = render._ramp_mask((1200, 630), "diagonal").point(list(range(256))).convert("RGB")
    backdrop = Backdrop(gradient)
    assert _bytes_held(backdrop) <= 256 * 1200 * 3
    drawn = render._gradient((1200, 630), colors, "diagonal")
    with Image.open(io.BytesIO(png(drawn, backdrop=Backdrop(drawn)))) as back:
        assert back.tobytes() == drawn.tobytes()


def test_a_drawing_process_keeps_the_titles_of_the_last_two_articles_only() -> None:
    # A title is set in two widths (og's and Instagram's boxes) for its article's cards, drawn one after the other;
    # eight kept titles held up to 0.6 MB of masks each, for articles already done.
    from smmgen.cards import text
    from smmgen.cards.shaping import Style

    text.forget()
    style = Style("Noto Sans", 800, 100.0, "en")
    for n in range(6):
        for width in (1056, 936):
            text.set_text(f"Article {n} makes the council vote again", style, width, 300, (76, 40), 4, 1.12)
    assert len(text._TITLES) <= 2
    text.forget()


def _held_by_drawing() -> int:
    """What this process holds beyond the moment tracing started: Python objects (traced) and image pixels."""
    import tracemalloc

    gc.collect()
    return tracemalloc.get_traced_memory()[0] + _kept_image_bytes()


def test_what_a_drawing_process_keeps_of_the_texts_it_set_stops_growing_after_a_few_dozen_articles(
        tmp_path: Path) -> None:
    # Each article brings its own title, kicker, date and emoji. A drawing process kept 512 set labels (their
    # masks), 256 prepared titles, 4,096 cleaned texts and 64 scaled emoji: full only after thousands of cards,
    # so a process drawing a 10,000-article site peaked 5 to 7 MB above one drawing a 1,000-article site. What
    # they keep now is full after a few dozen articles, and then holds as much for any number of articles more.
    import tracemalloc

    from smmgen.cards import text

    text.forget()
    words = "council budget transit levy harbour library festival weather election market".split()
    months = "January February March April May June July August September October November December".split()

    def requests(first: int, count: int) -> list[CardRequest]:
        return [CardRequest(target="og", layout="default",
                            title=f"{words[n % 10].title()} {words[n // 10 % 10]} {words[n // 100 % 10]} "
                                  f"vote {n} {'🎉🚀🌍'[n % 3]}",
                            site_name="The Gazette", kicker=f"{words[n % 7]} desk {n}",
                            date_text=f"{1 + n % 28} {months[n // 28 % 12]} {2000 + n // 336}", lang="en",
                            hero=None, focus=None, alt="", source=f"content/{n}.md", line=None)
                for n in range(first, first + count)]

    tracemalloc.start()
    try:
        render_cards(requests(0, 64), layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path, workers=1)
        warm = _held_by_drawing()
        render_cards(requests(64, 160), layout_dirs=[DEFAULT_LAYOUT_DIR], out_dir=tmp_path, workers=1)
        grown = _held_by_drawing() - warm
    finally:
        tracemalloc.stop()
        text.forget()
    assert grown < 300_000, f"{grown} bytes more after 160 more articles"
