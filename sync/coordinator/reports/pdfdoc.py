"""What every PDF of the coordinator shares: embedded fonts, footer, headings, tables, bars.

fpdf2's core fonts cannot encode ’ œ « »: the PDFs embed Atkinson Hyperlegible (the kiosk's
font, OFL, assets/fonts), with a 13 KB cut of DejaVu Sans (fonts/) as fallback for the few
glyphs it lacks, above all the narrow no-break space of French numbers (1 234) and
punctuation. Charts are drawn with fpdf2's own rectangles and text: no image, no browser.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

import assets

FONT = "atkinson"
FALLBACK = "dejavu-fallback"
_ATKINSON = Path(assets.__file__).parent / "fonts"
_FALLBACK = Path(__file__).parent / "fonts" / "DejaVuSans-Fallback.ttf"

INK = (20, 33, 61)  # the dashboard's dark blue
BAR = (31, 78, 140)
BAR_BEFORE = (170, 182, 198)
RULE = (200, 208, 218)
HEAD_FILL = (221, 231, 240)
NNBSP = "\u202f"


def fmt_int(value) -> str:
    """French thousands separator (narrow no-break space), as on the dashboard."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", NNBSP)
    return "" if value is None else str(value)


def fmt_change(change: float | None) -> str:
    if change is None:
        return "—"
    text = f"{change:+.1f}".replace(".", ",").replace("-", "−")
    return f"{text}{NNBSP}%"


class Document(FPDF):
    """A4 portrait, French, fonts embedded; footer: `footer_text`, extraction date, page n/N."""

    def __init__(self, title: str, footer_text: str, extracted: dt.date | None):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text, self.extracted = footer_text, extracted
        self.add_font(FONT, "", str(_ATKINSON / "AtkinsonHyperlegible-Regular.ttf"))
        self.add_font(FONT, "B", str(_ATKINSON / "AtkinsonHyperlegible-Bold.ttf"))
        self.add_font(FALLBACK, "", str(_FALLBACK))
        self.set_fallback_fonts([FALLBACK], exact_match=False)
        self.set_title(title)
        self.set_lang("fr-FR")
        self.set_creator("permanence-kiosk")
        self.set_author("Réseau Réussite Numérique")
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_text_color(*INK)
        self.set_draw_color(*RULE)
        self.set_font(FONT, size=11)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8.5)
        left = self.footer_text
        if self.extracted:
            left += f" — Extrait le {self.extracted:%d/%m/%Y}"
        self.cell(0, 5, left, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} sur {{nb}}", align="R")
        self.set_font(FONT, size=11)

    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font(FONT, "B", 18)
        self.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FONT, "", 12)
            self.multi_cell(0, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.set_font(FONT, size=11)

    def heading(self, text: str, need_mm: float = 40) -> None:
        """A section heading, on a new page when fewer than `need_mm` would follow it."""
        if self.get_y() + need_mm > self.page_break_trigger:
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 14)
        self.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)
        self.set_font(FONT, size=11)

    def paragraph(self, text: str, size: float = 11, height: float = 5.5) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, height, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=11)

    def grid(self, header: list[str], rows: list[list[str]], widths: tuple[float, ...],
             numeric_from: int = 1, bold_last: bool = False, size: float = 10) -> None:
        """A table with a shaded heading repeated on each page; columns from `numeric_from`
        on are right-aligned figures."""
        self.set_font(FONT, size=size)
        aligns = tuple("LEFT" if i < numeric_from else "RIGHT" for i in range(len(widths)))
        with self.table(col_widths=widths, text_align=aligns, line_height=5.2,
                        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
                        padding=1.2, first_row_as_headings=True) as table:
            bold = FontFace(emphasis="BOLD")
            for n, line in enumerate([header, *rows]):
                row = table.row()
                for value in line:
                    row.cell(value, style=bold if bold_last and n == len(rows) else None)
        self.ln(2)
        self.set_font(FONT, size=11)

    def hbars(self, items: list[tuple[str, int | None, str]], before: list[int | None] | None = None,
              legend: tuple[str, str] | None = None, row_h: float = 6.5) -> None:
        """Horizontal bars, one row per item (label, value, note when value is None), each
        labelled with its figure; `before` adds last year's as a thinner grey bar beneath."""
        label_w, value_w = 34.0, 22.0
        plot_w = self.epw - label_w - value_w
        highest = max([v for _, v, _ in items if v] + [v for v in (before or []) if v] + [1])
        need = row_h * len(items) + (10 if legend else 2)
        if self.get_y() + need > self.page_break_trigger:
            self.add_page()
        if legend:
            self._legend(legend)
        self.set_font(FONT, size=9.5)
        for i, (label, value, note) in enumerate(items):
            y = self.get_y()
            self.set_xy(self.l_margin, y)
            self.cell(label_w - 2, row_h, self._fit(label, label_w - 3), align="R")
            x0 = self.l_margin + label_w
            if value is None:
                self.set_xy(x0, y)
                self.set_text_color(95, 105, 120)
                self.cell(plot_w, row_h * 0.6, note, align="L")
                self.set_text_color(*INK)
            else:
                width = plot_w * value / highest
                self.set_fill_color(*BAR)
                self.rect(x0, y + 0.8, max(width, 0.3), row_h * 0.5, style="F")
                self.set_xy(x0 + width + 1.5, y)
                self.cell(value_w, row_h * 0.6, fmt_int(value), align="L")
            if before is not None and before[i]:
                self.set_fill_color(*BAR_BEFORE)
                self.rect(x0, y + row_h * 0.6, plot_w * before[i] / highest, row_h * 0.22,
                          style="F")
            self.set_y(y + row_h)
        self.set_draw_color(*RULE)
        top = self.get_y() - row_h * len(items)
        self.line(self.l_margin + label_w, top, self.l_margin + label_w, self.get_y())
        self.ln(3)
        self.set_font(FONT, size=11)
        self.set_fill_color(255, 255, 255)  # fpdf2 tables fill with the current colour

    def _fit(self, text: str, width: float) -> str:
        """`text` cut with an ellipsis to fit `width` mm (a long commune name)."""
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def _legend(self, legend: tuple[str, str]) -> None:
        self.set_font(FONT, size=9)
        y = self.get_y()
        x = self.l_margin + 34
        for colour, text in zip((BAR, BAR_BEFORE), legend, strict=True):
            self.set_fill_color(*colour)
            self.rect(x, y + 1.5, 6, 2.5, style="F")
            self.set_xy(x + 7.5, y)
            self.cell(self.get_string_width(text) + 2, 5, text)
            x = self.get_x() + 6
        self.set_xy(self.l_margin, y + 7)

    def output_bytes(self) -> bytes:
        return bytes(self.output())
