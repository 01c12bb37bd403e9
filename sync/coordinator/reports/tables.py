"""The quarterly table (the convention's annex 2): the network, then each commune.

Built from figures.period_stats, small cells hidden by disclosure.suppress when asked; the
files module writes it as CSV or XLSX, the CLI's `report --format json` prints quarter_json.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from sync.coordinator import manual, texts

from . import hand
from .disclosure import NETWORK, QUARTER_KEYS, Cell, suppress, suppress_year
from .extras import Section, section
from .figures import (
    category_ids,
    category_label,
    category_thematique,
    commune_months,
    period_stats,
)
from .periods import Period, normalise_quarter, quarter_period


@dataclass
class TableRow:
    category: str
    label: str
    thematique: str
    count: int | str
    percent: float | str | None  # 0..100, or "" when hidden


@dataclass
class TableSheet:
    title: str  # commune name, or the network's label
    rows: list[TableRow]
    total: int | str
    has_data: bool
    network: bool = False  # the network's sheet (its title may equal a commune's name)


@dataclass
class QuarterTable:
    quarter: str
    period: Period
    sheets: list[TableSheet]  # NETWORK first, then communes in alphabetical order
    kiosk_rows: list[dict] = field(default_factory=list)
    threshold: int | None = None
    as_of: dt.date | None = None  # the extraction day, for a quarter not over yet
    manual: list[manual.ManualEntry] = field(default_factory=list)  # shown apart, never summed
    extras: Section = field(default_factory=Section)  # workshops, exit answers: apart


def _sheet(title: str, cells: dict[str, Cell], has_data: bool, network: bool = False
           ) -> TableSheet:
    total_cell = cells["total"]
    rows = []
    for cat in category_ids():
        cell = cells[cat]
        if cell.hidden or total_cell.hidden:
            percent: float | str | None = "" if cell.hidden or total_cell.hidden else None
        else:
            percent = round(100 * cell.value / total_cell.value, 1) if total_cell.value else None
        rows.append(
            TableRow(cat, category_label(cat), category_thematique(cat), cell.shown(), percent)
        )
    return TableSheet(title, rows, total_cell.shown(), has_data, network)


def quarter_table(engine: Engine, quarter: str, suppress_below: int | None = None, *,
                  commune: str | None = None, today: dt.date | None = None) -> QuarterTable:
    """The annex 2 table for the network and for each commune with a kiosk in the quarter;
    with `commune`, that commune's sheet and kiosks only (a commune reader's export)."""
    period = quarter_period(quarter)
    stats = period_stats(engine, period, commune)
    matrix = stats.by_commune
    reporting = set(matrix)
    for cov in stats.coverage(today=period.end):
        matrix.setdefault(cov.kiosk.commune, dict.fromkeys(category_ids(), 0))
    if commune:
        matrix.setdefault(commune, dict.fromkeys(category_ids(), 0))
    matrix = dict(sorted(matrix.items()))
    if suppress_below:
        # The whole year at once, so this quarter hides what the annual report and the
        # other quarters need hidden (see disclosure.suppress_year).
        year = suppress_year(commune_months(engine, [period.start.year])[period.start.year],
                             suppress_below)
        key = QUARTER_KEYS[(period.start.month - 1) // 3]
        table = {row: year[row][key] if row in year else suppress({row: values}, 0)[row]
                 for row, values in [*matrix.items(), (NETWORK, {})]}
    else:
        table = suppress(matrix, 0)
    sheets = [] if commune else [
        _sheet(texts.NETWORK_LABEL, table[NETWORK], bool(reporting), network=True)]
    sheets += [_sheet(c, table[c], c in reporting) for c in matrix]
    reported = {kid for kid, _ in stats.day_totals} | set(stats.by_kiosk)
    kiosk_rows = []
    for kid in sorted(reported, key=lambda k: (stats.kiosks[k].commune, stats.kiosks[k].name)):
        info = stats.kiosks[kid]
        per_cat = stats.by_kiosk.get(kid, {})
        kiosk_rows += [
            {"commune": info.commune, "kiosk": info.name, "category": cat,
             "count": per_cat.get(cat, 0)}
            for cat in category_ids()
        ]  # fmt: skip
    today = today or dt.date.today()
    return QuarterTable(normalise_quarter(quarter), period, sheets, kiosk_rows, suppress_below,
                        today if period.end >= today else None,
                        manual.entries_within(engine, period, commune),
                        section(engine, period.start, period.end, commune))


def quarter_json(engine: Engine, quarter: str) -> dict:
    """The Contract's JSON: one row per (kiosk that reported, category), zeros included;
    `total` sums those rows. Figures entered by hand never enter `rows` or `total`: when the
    quarter holds some, they come apart in `manual_rows` (each with `source`: "saisie") and
    `manual_total` (hand.json_part); without any, the JSON is exactly the Contract's."""
    table = quarter_table(engine, quarter)
    total = sum(row["count"] for row in table.kiosk_rows)
    result = {"quarter": table.quarter, "rows": table.kiosk_rows, "total": total}
    return {**result, **hand.json_part(table.manual)} if table.manual else result
