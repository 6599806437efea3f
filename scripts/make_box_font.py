"""Make static/fonts/NotoSansSymbols2-Boxes.ttf: the PDF's tick boxes, large enough to tick.

Usage: .venv/bin/python scripts/make_box_font.py NotoSansSymbols2-Regular.ttf

Keeps only the ballot box (U+2610) and ballot box with X (U+2612) of Noto Sans Symbols 2
(SIL Open Font License, no reserved font name), scales them so the box is one em high
and sits on the text's baseline, and renames the family so it is not taken for the
original. Needs fontTools (installed with the test extra).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.transformPen import TransformPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

BOXES = [0x2610, 0x2612]
SCALE = 1.4
DROP = -160  # font units: the box's bottom sits a little below the baseline, like text
FAMILY = "Noto Sans Symbols2 Boxes"
OUT = Path(__file__).resolve().parent.parent / "static" / "fonts" / "NotoSansSymbols2-Boxes.ttf"


def main(source: str) -> None:
    """Subset, scale and rename the source font into static/fonts."""
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=BOXES)
    subsetter.subset(font)
    glyphs = font.getGlyphSet()
    for name in [font.getBestCmap()[code] for code in BOXES]:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(TransformPen(pen, (SCALE, 0, 0, SCALE, 0, DROP)))
        font["glyf"][name] = pen.glyph()
        advance, bearing = font["hmtx"][name]
        font["hmtx"][name] = (round(advance * SCALE), round(bearing * SCALE))
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = FAMILY if record.nameID != 4 else f"{FAMILY} Regular"
        elif record.nameID in (3, 6):
            record.string = FAMILY.replace(" ", "") + "-Regular"
    font.save(OUT)


if __name__ == "__main__":
    main(sys.argv[1])
