"""Right-to-left lines on Kivy's own text provider: each drawn line in display order.

Kivy's SDL2 provider draws a string left to right as given, and wraps a paragraph by
itself. The app's `tr` has already joined the Arabic letters (kiosk/rtl.py `shape`); here,
once Kivy has cut the paragraph into lines (and a markup label into spans), each piece it
draws is reordered by `kiosk.rtl.visual_line`, so the first words stay on the first line.
A piece without right-to-left letters is drawn untouched. Reordering keeps the glyphs, so
the widths Kivy measured to wrap and align still hold.
"""

from __future__ import annotations

from kiosk.rtl import visual_line


def install() -> None:
    """Wrap the provider's one drawing call (plain and markup labels share it); idempotent."""
    from kivy.core.text import Label as CoreLabel

    if getattr(CoreLabel, "_draws_rtl_lines", False):
        return
    draw = CoreLabel._render_text

    def _render_text(self, text, x, y):
        draw(self, visual_line(text), x, y)

    CoreLabel._render_text = _render_text
    CoreLabel._draws_rtl_lines = True
