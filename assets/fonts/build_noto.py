"""Build the shipped Noto fonts for Ukrainian, Turkish and Arabic from Debian's Noto TTFs.

    apt-get install fonts-noto-core   # or: apt-get download fonts-noto-core; dpkg-deb -x …
    .venv/bin/python assets/fonts/build_noto.py [/usr/share/fonts/truetype/noto]

Why these files: Atkinson Hyperlegible has no Cyrillic and no Turkish "İ", and Kivy's SDL2
text provider has no font fallback, so each language gets one font that holds every
character it shows. Noto Sans (x-height 536/1000, Atkinson's is 496) is the open, plain
sans closest in feel. Arabic needs Noto Sans Arabic's presentation forms (kiosk/rtl.py
shapes into them) plus Latin letters for names such as the town's: the Arabic font is Noto
Sans Arabic merged with Noto Sans. Both are subset to the scripts we show, to stay small.
The outputs are committed (the Pi has no Noto installed): NotoSansKiosk-*.ttf (Latin,
Cyrillic) and NotoSansArabicKiosk-*.ttf (Arabic, then Latin); SIL OFL 1.1 (no reserved
name), see LICENSE-OFL-Noto.txt.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger
from fontTools.merge import Options as MergeOptions
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
DEBIAN_NOTO = Path("/usr/share/fonts/truetype/noto")
#: Basic and extended Latin (Turkish, Portuguese, Spanish), Greek-free, Cyrillic, punctuation,
#: arrows, the euro sign.
LATIN_CYRILLIC = "0020-024F,0300-036F,0400-052F,1E00-1EFF,2000-206F,20AC,2100-214F,2190-21FF"
#: Arabic letters and their presentation forms, Arabic punctuation, « » and spaces.
ARABIC = "0020,00A0,00AB,00BB,0600-06FF,0750-077F,FB50-FDFF,FE70-FEFF,200C-200F,25CC"


#: (ascent, descent) of the Arabic font's line, in font units (1000 per em). Noto Sans
#: Arabic's own (1374, 738) makes every line 2.1 em tall, so texts that fit in French no
#: longer fit their buttons; letters and their dots stay within these, rare stacked marks
#: may touch the line above.
ARABIC_LINE = (1100, 450)


def set_line_metrics(font: TTFont, ascent: int, descent: int) -> None:
    """The same line height for every renderer (hhea, typo and win metrics)."""
    font["hhea"].ascent, font["hhea"].descent, font["hhea"].lineGap = ascent, -descent, 0
    os2 = font["OS/2"]
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = ascent, -descent, 0
    os2.usWinAscent, os2.usWinDescent = ascent, descent


def subset_font(source: Path, unicodes: str, target: Path) -> None:
    font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(unicodes))
    subsetter.subset(font)
    font.save(target)


def build(source_dir: Path, out_dir: Path = HERE) -> list[Path]:
    made = []
    with tempfile.TemporaryDirectory() as tmp:
        for weight in ("Regular", "Bold"):
            latin = out_dir / f"NotoSansKiosk-{weight}.ttf"
            subset_font(source_dir / f"NotoSans-{weight}.ttf", LATIN_CYRILLIC, latin)
            arabic = Path(tmp) / f"arabic-{weight}.ttf"
            subset_font(source_dir / f"NotoSansArabic-{weight}.ttf", ARABIC, arabic)
            # The first font wins where both have a character, and gives the line metrics
            # (Arabic's taller ascent and descent keep its marks inside the line).
            merged = Merger(MergeOptions(drop_tables=["vhea", "vmtx"])).merge(
                [str(arabic), str(latin)])
            set_line_metrics(merged, *ARABIC_LINE)
            target = out_dir / f"NotoSansArabicKiosk-{weight}.ttf"
            merged.save(target)
            made += [latin, target]
    return made


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEBIAN_NOTO
    if not (source / "NotoSansArabic-Regular.ttf").exists():
        print(f"no Noto fonts in {source}: install Debian's fonts-noto-core", file=sys.stderr)
        return 1
    for path in build(source):
        print(path.relative_to(HERE.parent.parent), path.stat().st_size, "bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
