"""Memory of a drawing process: what it keeps must not grow with the number of cards it draws."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from smmgen.cards import DEFAULT_LAYOUT_DIR, CardRequest, render_cards
from smmgen.cards.fonts import chain

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")

CJK_TITLES = ["经济会议讨论明年的预算和税收政策", "東京の新しい図書館が来月開館する予定です",
              "서울 시청 앞 광장에서 겨울 축제가 열립니다", "香港的天氣預報說明天會下大雨"]


def _mappings(path: str) -> int:
    """How many times this process maps ``path`` (each mapping's pages count in its resident memory)."""
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if line.rstrip("\n").endswith(path))


def test_the_cjk_collection_stays_mapped_a_few_times_whatever_sizes_titles_are_fitted_at(tmp_path: Path) -> None:
    # Titles of every length shrink to different sizes; each size is a font object, and each font object maps
    # the 32 MB collection again. Only the most recent few may stay open.
    cjk = next(face.path for face in chain("Noto Sans", "zh") if "CJK" in face.path)
    langs = ["zh", "ja", "ko", "zh-HK"]
    requests = [CardRequest(target="og", layout="default", title=CJK_TITLES[i % 4] * (1 + i % 7),
                            site_name="站点", kicker=None, date_text=None, lang=langs[i % 4], hero=None,
                            focus=None, alt="", source=f"content/{i}.md", line=None)
                for i in range(28)]
    cards = render_cards(requests, layout_dirs=[DEFAULT_LAYOUT_DIR],
                         out_dir=tmp_path, workers=1)
    assert len(cards) == len(requests)
    assert 0 < _mappings(cjk) <= 4


def test_noto_sans_stays_mapped_a_dozen_times_whatever_sizes_titles_are_fitted_at(tmp_path: Path) -> None:
    # The same for the Latin face: a 1,000-article build fitted its titles at 44 sizes, and each size kept its
    # own mapping of the file (0.6 to 1 MB of it resident) and 0.4 MB of FreeType's memory.
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
