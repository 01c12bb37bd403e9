"""Geometry of the dashboard's bar charts, drawn as inline SVG by the templates (no JS)."""

from __future__ import annotations

from dataclasses import dataclass

import qrcode
import qrcode.image.svg

from sync.coordinator import texts


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: nothing to draw (no data received, or still to come)
    x: float
    y: float
    width: float
    height: float
    text: str  # what a screen reader and a tooltip say
    note: str = ""  # shown instead of a value when value is None


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    max_value: int


def bar_chart(title: str, items: list[tuple], unit: str = "visites",
              width: int = 720, height: int = 260) -> BarChart:
    """Vertical bars scaled to the largest value.

    `items` are (label, value) or (label, None, note): a None value gets a short dashed
    placeholder and its note ("aucune donnée", "à venir") instead of a bar.
    """
    top, bottom, side = 24.0, 48.0, 8.0
    plot_h = height - top - bottom
    slots = max(1, len(items))
    slot_w = (width - 2 * side) / slots
    bar_w = max(4.0, slot_w * 0.7)
    highest = max([item[1] for item in items if item[1] is not None] + [1])
    bars = []
    for i, item in enumerate(items):
        label, value = item[0], item[1]
        note = item[2] if len(item) > 2 else texts.NO_DATA_SHORT
        x = side + i * slot_w + (slot_w - bar_w) / 2
        if value is None:
            h, text = min(plot_h, 18.0), f"{label} : {note}"
        else:
            h, text, note = plot_h * value / highest, f"{label} : {fmt_int(value)} {unit}", ""
        bars.append(Bar(label, value, x, top + plot_h - h, bar_w, h, text, note))
    return BarChart(title, width, height, top + plot_h, bars, highest)


def fmt_int(n) -> str:
    """French thousands separator (narrow no-break space); strings pass through."""
    if isinstance(n, int):
        return f"{n:,}".replace(",", "\u202f")
    return "" if n is None else str(n)


def qr_svg(data: str) -> str:
    """An inline SVG QR code of `data`, sized by CSS (the library's mm sizes removed)."""
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage,
                      error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    svg = img.to_string(encoding="unicode")
    start = svg.index("<svg")
    head_end = svg.index(">", start)
    head = svg[start:head_end]
    for attr in ("width", "height"):
        pos = head.find(f' {attr}="')
        if pos >= 0:
            end = head.index('"', pos + len(attr) + 3)
            head = head[:pos] + head[end + 1 :]
    return (head + ' role="img" aria-label="QR code de configuration de la borne" class="qr"'
            + svg[head_end:])
