"""Tile every card of the sample site's last build into docs/cards-contact-sheet.png.

Run `smmgen build` first, then `python docs/contact_sheet.py`.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from smmgen.manifest import joined

ROOT = Path(__file__).resolve().parent.parent
THUMB_W = 300
COLUMNS = 4
GAP = 12


def main() -> None:
    doc = joined(ROOT / "output" / "manifest.json")
    seen: dict[str, str] = {}
    for entry in sorted(doc["entries"], key=lambda e: (e["article"]["date"], e["id"]), reverse=True):
        for media in entry["media"]:
            seen.setdefault(media["path"], f'{entry["article"]["slug"]} · {media["target"]}')
    thumbs = []
    for path, label in seen.items():
        with Image.open(ROOT / "output" / path) as im:
            im = im.convert("RGB")
            im.thumbnail((THUMB_W, THUMB_W * 2))
            thumbs.append((im.copy(), label))
    rows = [thumbs[i:i + COLUMNS] for i in range(0, len(thumbs), COLUMNS)]
    heights = [max(t.height for t, _ in row) + 22 for row in rows]
    sheet = Image.new("RGB", (COLUMNS * (THUMB_W + GAP) + GAP, sum(heights) + GAP * (len(rows) + 1)), "#e8eaee")
    draw = ImageDraw.Draw(sheet)
    y = GAP
    for row, height in zip(rows, heights):
        for i, (thumb, label) in enumerate(row):
            x = GAP + i * (THUMB_W + GAP)
            sheet.paste(thumb, (x, y))
            draw.text((x, y + thumb.height + 4), label, fill="#333")
        y += height + GAP
    out = ROOT / "docs" / "cards-contact-sheet.png"
    sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG).save(out, optimize=True)
    print(f"{out.relative_to(ROOT)}: {len(thumbs)} cards")


if __name__ == "__main__":
    main()
