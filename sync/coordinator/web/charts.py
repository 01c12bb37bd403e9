"""Geometry of the dashboard's bar charts, drawn as inline SVG by the templates (no JS)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sync.coordinator import texts

#: Chart text size in SVG units; CSS keeps a chart at least MIN_SCALE of its width on
#: screen (scrolling in its box on a phone), so text never renders under 11 px.
FONT = 13.0
MIN_SCALE = 11 / FONT
CHAR_W = 0.62 * FONT  # a generous average glyph width, so estimates err on the wide side
MONTH_CHART_MAX = 60  # beyond five years a month chart is a smear: the table stays


def text_width(text: str) -> float:
    return len(text) * CHAR_W


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: nothing to draw (no data received, or still to come)
    x: float
    y: float
    width: float
    height: float
    text: str  # what a screen reader and a tooltip say
    note: str = ""  # why there is no value (shown once per run of such bars, in Note)
    show_label: bool = True  # labels are thinned so they never overlap
    show_value: bool = True  # a value wider than its slot stays in the tooltip and table


@dataclass(frozen=True)
class Note:
    x: float  # centre
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    max_value: int
    notes: list[Note] = field(default_factory=list)
    years: list[Note] = field(default_factory=list)  # year under its first month shown
    separators: list[float] = field(default_factory=list)  # x of a new year's boundary
    legend: str = ""  # for dashed bars whose note did not fit above them

    @property
    def min_width(self) -> int:
        """The narrowest on-screen width (px) that keeps the text readable."""
        return int(self.width * MIN_SCALE) + 1


def _label_step(labels: list[str], slot_w: float) -> int:
    widest = max((text_width(label) for label in labels), default=0.0) + 6
    step = 1
    while step * slot_w < widest:
        step += 1
    return step


def bar_chart(title: str, items: list[tuple], unit: str = "visites",
              width: int = 720, height: int = 270, years: list[str] | None = None
              ) -> BarChart:
    """Vertical bars scaled to the largest value.

    `items` are (label, value) or (label, value, note): a None value gets a short dashed
    placeholder; a run of them with the same note gets that note once ("aucune donnée",
    "à venir") when it fits above the run, else the legend explains the dashes. Labels are
    thinned to one every `step` slots so none overlaps; `years` (one per item, for month
    charts over several years) adds a second line with the year and a separator.
    """
    top, bottom, side = 24.0, 52.0 if years else 36.0, 8.0
    plot_h = height - top - bottom
    slots = max(1, len(items))
    slot_w = (width - 2 * side) / slots
    bar_w = max(3.0, slot_w * 0.7)
    step = _label_step([item[0] for item in items], slot_w)
    highest = max([item[1] for item in items if item[1] is not None] + [1])
    bars = []
    for i, item in enumerate(items):
        label, value = item[0], item[1]
        note = (item[2] if len(item) > 2 else "") or texts.NO_DATA_SHORT
        x = side + i * slot_w + (slot_w - bar_w) / 2
        if value is None:
            h, text = min(plot_h, 18.0), f"{label} : {note}"
        else:
            h, text, note = plot_h * value / highest, f"{label} : {fmt_int(value)} {unit}", ""
        fits = value is None or text_width(fmt_int(value)) <= slot_w - 2
        bars.append(Bar(label, value, x, top + plot_h - h, bar_w, h, text, note,
                        show_label=i % step == 0, show_value=fits))
    notes, legend = _run_notes(bars, slot_w, side, top + plot_h - 18.0 - 6)
    chart = BarChart(title, width, height, top + plot_h, bars, highest, notes, legend=legend)
    if years:
        chart = _with_years(chart, years, slot_w, side)
    return chart


def _run_notes(bars: list[Bar], slot_w: float, side: float, y: float) -> tuple[list, str]:
    """One note per run of value-less bars sharing a note; a legend for runs too narrow."""
    notes, narrow = [], []
    i = 0
    while i < len(bars):
        if bars[i].value is not None:
            i += 1
            continue
        j = i
        while j + 1 < len(bars) and bars[j + 1].value is None and bars[j + 1].note == bars[i].note:
            j += 1
        span = (j - i + 1) * slot_w
        if text_width(bars[i].note) <= span - 4:
            notes.append(Note(side + (i + j + 1) * slot_w / 2, y, bars[i].note))
        elif bars[i].note not in narrow:
            narrow.append(bars[i].note)
        i = j + 1
    legend = ("Barres en pointillé : " + " ou ".join(narrow) + ".") if narrow else ""
    return notes, legend


def _with_years(chart: BarChart, years: list[str], slot_w: float, side: float) -> BarChart:
    """A year line under the month labels, and a separator where a year begins."""
    marks, separators = [], []
    y = chart.baseline + 36
    for i, year in enumerate(years):
        if i and year != years[i - 1]:
            separators.append(side + i * slot_w)
        if i == 0 or year != years[i - 1]:
            x = side + i * slot_w
            if marks and x - marks[-1].x < text_width(year) + 6:
                marks.pop()  # the previous year showed one month or so: the next one wins
            marks.append(Note(x + 2, y, year))
    return BarChart(chart.title, chart.width, chart.height, chart.baseline, chart.bars,
                    chart.max_value, chart.notes, marks, separators, chart.legend)


def month_chart(months: list[tuple]) -> BarChart | None:
    """The statistics page's months, (label, visits, note) with labels like "janv. 2026":
    short month names, and the years on their own line when the period spans several."""
    if len(months) > MONTH_CHART_MAX:
        return None
    labels = [label.split(" ") for label, _v, _n in months]
    several = len({parts[-1] for parts in labels if len(parts) > 1}) > 1
    if not several:
        return bar_chart("Visites par mois", months)
    items = [(parts[0], v, n) for parts, (_l, v, n) in zip(labels, months, strict=True)]
    return bar_chart("Visites par mois", items, years=[parts[-1] for parts in labels])


def fmt_int(n) -> str:
    """French thousands separator (narrow no-break space); strings pass through."""
    if isinstance(n, int):
        return f"{n:,}".replace(",", "\u202f")
    return "" if n is None else str(n)

