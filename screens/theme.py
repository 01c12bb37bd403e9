"""Colours, fonts and icons shared by every screen (no widgets here).

Text fonts are per language (`text_font(lang)`): Kivy's SDL2 text provider has no font
fallback, so a language's font must hold every character it shows. Atkinson Hyperlegible
(Latin) for French, English, Portuguese and Spanish; Noto Sans (Latin and Cyrillic, also
Turkish's "İ", which Atkinson lacks) for Ukrainian and Turkish; Noto Sans Arabic merged with
Noto Sans for Arabic (assets/fonts/build_noto.py). `start(rtl)` and `with_icon` follow a
right-to-left language (screens/mirror.py mirrors rows).

The colour pairs that carry text or pictograms are listed in `CONTRAST_PAIRS`; a test
computes their WCAG contrast ratio and requires at least 7:1 (docs/accessibility.md).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
FONT_REGULAR = ASSETS / "fonts" / "AtkinsonHyperlegible-Regular.ttf"
FONT_BOLD = ASSETS / "fonts" / "AtkinsonHyperlegible-Bold.ttf"
ICON_FONT = ASSETS / "icons" / "materialdesignicons-webfont.ttf"
ICON_MAP = ASSETS / "icons" / "icons.json"

#: Font names registered with Kivy's LabelBase by `register_fonts`.
TEXT_FONT = "Atkinson"
ICON_FONT_NAME = "MaterialDesignIcons"
#: name -> (regular, bold) of the other text fonts.
OTHER_FONTS = {
    "NotoSansKiosk": (ASSETS / "fonts" / "NotoSansKiosk-Regular.ttf",
                      ASSETS / "fonts" / "NotoSansKiosk-Bold.ttf"),
    "NotoSansArabicKiosk": (ASSETS / "fonts" / "NotoSansArabicKiosk-Regular.ttf",
                            ASSETS / "fonts" / "NotoSansArabicKiosk-Bold.ttf"),
}
#: The text font of each language that does not use Atkinson Hyperlegible.
LANGUAGE_FONTS = {"uk": "NotoSansKiosk", "tr": "NotoSansKiosk", "ar": "NotoSansArabicKiosk"}


def text_font(lang: str) -> str:
    """The registered name of the font that draws `lang`'s texts."""
    return LANGUAGE_FONTS.get(lang, TEXT_FONT)


def font_files(lang: str) -> tuple[Path, Path]:
    """(regular, bold) TTF files of `lang`'s text font."""
    return OTHER_FONTS.get(text_font(lang), (FONT_REGULAR, FONT_BOLD))


def start(rtl: bool) -> str:
    """Where a line of text starts: the `halign` of running text."""
    return "right" if rtl else "left"


def with_icon(icon_name: str, text: str, rtl: bool) -> str:
    """Markup: a pictogram before `text` in reading order (after it, on screen, when
    right to left). `text` must already be escaped for markup."""
    glyph = f"[font={ICON_FONT_NAME}]{icon(icon_name)}[/font]"
    return f"{text} {glyph}" if rtl else f"{glyph} {text}"

# Hex colours (sRGB). Navy background, white text, warm yellow buttons with navy text.
COLOURS = {
    "background": "#0B1A30",
    "text": "#FFFFFF",
    "text_soft": "#D7E0EE",      # secondary text (examples, hints), still >= 7:1 on navy
    "card": "#FFE27A",           # category buttons
    "card_pressed": "#F2C94C",
    "card_text": "#0B1A30",
    "action": "#FFFFFF",         # secondary buttons (outlined, white fill when pressed)
    "action_text": "#0B1A30",
    "panel": "#17294A",          # framed areas on the background
    "success": "#8FE3A0",
    "warning": "#FFD08A",
    "bar": "#FFE27A",
    # The exit question ("Je pars"): green and white, never the arrival's yellow on navy.
    "exit_background": "#0D3B2E",
    "exit_card": "#FFFFFF",
    "exit_card_pressed": "#CFEFE0",
    "exit_card_text": "#0D3B2E",
}

#: (foreground, background) pairs that carry text or pictograms.
CONTRAST_PAIRS = (
    ("text", "background"),
    ("text_soft", "background"),
    ("text", "panel"),
    ("text_soft", "panel"),
    ("card_text", "card"),
    ("card_text", "card_pressed"),
    ("action_text", "action"),
    ("success", "background"),
    ("warning", "background"),
    ("warning", "panel"),
    ("success", "panel"),
    ("text", "exit_background"),
    ("exit_card_text", "exit_card"),
    ("exit_card_text", "exit_card_pressed"),
)


def rgba(name: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """A theme colour as a Kivy RGBA tuple."""
    value = COLOURS[name].lstrip("#")
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour."""
    value = hex_colour.lstrip("#")
    channels = []
    for i in (0, 2, 4):
        c = int(value[i:i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio between two hex colours (1 to 21)."""
    a, b = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@lru_cache(maxsize=1)
def _icon_codepoints() -> dict[str, str]:
    data = json.loads(ICON_MAP.read_text(encoding="utf-8"))
    return {name: chr(int(code[2:], 16)) for name, code in data.items()}


def icon(name: str) -> str:
    """The glyph of a Material Design Icon; KeyError names an icon missing from icons.json."""
    try:
        return _icon_codepoints()[name]
    except KeyError:
        raise KeyError(f"icon {name!r} is not in {ICON_MAP.name}; "
                       "add it to assets/icons/make_icon_map.py") from None


def register_fonts() -> None:
    """Register the text and icon fonts with Kivy, and its right-to-left line drawing
    (idempotent)."""
    from kivy.core.text import LabelBase

    from screens import rtl_lines

    LabelBase.register(name=TEXT_FONT, fn_regular=str(FONT_REGULAR), fn_bold=str(FONT_BOLD))
    for name, (regular, bold) in OTHER_FONTS.items():
        LabelBase.register(name=name, fn_regular=str(regular), fn_bold=str(bold))
    LabelBase.register(name=ICON_FONT_NAME, fn_regular=str(ICON_FONT))
    rtl_lines.install()
