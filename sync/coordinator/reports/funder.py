"""The quarterly XLSX as a funder reads it (issue 14): it opens on a "Synthèse" sheet.

Synthèse: communes as rows, the convention's categories as columns, totals row and column,
the permanence days held, then the previous quarter and the same quarter last year beside
it, each with a "partiel" mark when its data has holes (coverage.py says when), and the
extraction date. Then the existing sheets (the network, one per commune), then a commune x
category table for the year to date. Every figure comes from quarter_table or from the
same disclosure cube (suppress_year), so hidden cells stay hidden the same way everywhere.
Paper tallies (manual.py) come under the Synthèse (the quarter's) and the year to date (those
lying wholly between 1 January and its end), apart, with their own total (hand.py).
"""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.styles import Alignment
from sqlalchemy.engine import Engine

from sync.coordinator import manual, texts

from . import hand
from .coverage import PeriodState, opening_weekdays, period_states
from .disclosure import NETWORK, QUARTER_KEYS, SECONDARY_MARK, suppress_year
from .figures import category_heading, category_ids, commune_months, period_stats
from .files import _HEAD_FONT, _TITLE_FONT, _header, _widths, quarter_workbook
from .periods import Period, quarter_period
from .tables import QuarterTable, TableSheet, quarter_table

SUMMARY_SHEET = "Synthèse"
YEAR_SHEET = "Année en cours"
EXTRACTED = "Extrait le {day:%d/%m/%Y}"
DAYS_HELD = "Jours de permanence tenus"
DATA = "Données"
COMPLETE = "complètes"


def previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"


def last_year_quarter(quarter: str) -> str:
    return f"{int(quarter[:4]) - 1}-Q{quarter[-1]}"


def _short(quarter: str) -> str:
    return f"T{quarter[-1]} {quarter[:4]}"


def _states(engine: Engine, quarter: str, commune: str | None, opening, today
            ) -> dict[object, PeriodState]:
    states: dict[object, PeriodState] = dict(period_states(
        period_stats(engine, quarter_period(quarter), commune), opening, today))
    network = PeriodState()
    for state in states.values():
        network.add(state)
    states[NETWORK] = network
    return states


def _by_title(table: QuarterTable) -> dict[object, TableSheet]:
    return {NETWORK if s.network else s.title: s for s in table.sheets}


def funder_workbook(engine: Engine, quarter: str, today: dt.date,
                    suppress_below: int | None = None, commune: str | None = None) -> Workbook:
    """Synthèse, then the quarterly table's sheets, then the year to date."""
    table = quarter_table(engine, quarter, suppress_below, commune=commune)
    wb = quarter_workbook(table)
    before, last_year = previous_quarter(table.quarter), last_year_quarter(table.quarter)
    opening = opening_weekdays(engine)
    periods = [(table.quarter, table)] + [
        (q, quarter_table(engine, q, suppress_below, commune=commune)) for q in (before, last_year)]
    sheets = {q: _by_title(t) for q, t in periods}
    states = {q: _states(engine, q, commune, opening, today) for q, _ in periods}
    ws = wb.create_sheet(SUMMARY_SHEET, 0)
    _summary(ws, table, sheets, states, today)
    _year_to_date(wb.create_sheet(YEAR_SHEET), engine, table, suppress_below, commune, today)
    wb.active = 0
    return wb


def _summary(ws, table: QuarterTable, sheets, states, today: dt.date) -> None:
    quarter = table.quarter
    before, last_year = previous_quarter(quarter), last_year_quarter(quarter)
    ws["A1"] = f"Synthèse par commune — {table.period.label} ({quarter})"
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = texts.QUARTER_SUBTITLE.format(label=table.period.label, quarter=quarter,
                                             start=table.period.start, end=table.period.end)
    ws["A3"] = EXTRACTED.format(day=today)
    cats = category_ids()
    _header(ws, 5, [texts.COMMUNE, *[category_heading(c) for c in cats],
                    f"{texts.TOTAL} {_short(quarter)}", DAYS_HELD, f"{DATA} {_short(quarter)}",
                    f"{texts.TOTAL} {_short(before)}", f"{DATA} {_short(before)}",
                    f"{texts.TOTAL} {_short(last_year)}", f"{DATA} {_short(last_year)}"])
    _wrap_header(ws, 5)
    rows = sorted({key for q in sheets for key in sheets[q] if key is not NETWORK})
    line = 6
    for key in [*rows, NETWORK] if NETWORK in sheets[quarter] else rows:
        current = sheets[quarter].get(key)
        values: list = [texts.TOTAL if key is NETWORK else key]
        if current is None or not current.has_data and key is not NETWORK:
            values += ["—"] * len(cats) + ["—"]
        else:
            values += [r.count for r in current.rows] + [current.total]
        state = states[quarter].get(key)
        values += [state.days_held if state else 0, _mark(state)]
        for q in (before, last_year):
            sheet = sheets[q].get(key)
            values += [sheet.total if sheet is not None and (sheet.has_data or key is NETWORK)
                       else "—", _mark(states[q].get(key))]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=line, column=col, value=value)
            if key is NETWORK:
                cell.font = _HEAD_FONT
        line += 1
    _widths(ws, [28] + [14] * len(cats) + [12, 14, 24, 12, 24, 12, 24])
    hand.add_xlsx_block(ws, table.manual, table.threshold, grid=True)  # may widen columns
    line = max(line, ws.max_row + 1)
    if table.threshold:
        ws.cell(row=line + 1, column=1, value=texts.suppression_note(table.threshold))
        line += 1
    ws.cell(row=line + 1, column=1, value=(
        "« partiel » : la période n'est pas finie, une borne a commencé pendant la période, "
        "ou un jour d'ouverture habituel n'a pas de données (un jour férié compte aussi)."))
    ws.freeze_panes = "B6"


def _wrap_header(ws, row: int) -> None:
    # Category names are long: wrapped in narrow columns, the table fits a screen's width.
    for cell in ws[row]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = 62


def _mark(state: PeriodState | None) -> str:
    if state is None:
        return "—"
    return state.mark() or COMPLETE


def _year_to_date(ws, engine: Engine, table: QuarterTable, suppress_below: int | None,
                  commune: str | None, today: dt.date) -> None:
    """Communes x categories from 1 January to the quarter's end (or the extraction day).

    With a threshold, a cell is shown only when every quarter it sums is shown in the
    disclosure cube: it then adds up published figures and reveals nothing new. Otherwise
    it is hidden ("< N" when itself small), and since a hidden quarter cell always has a
    hidden partner in its row and column, so does the hidden year-to-date cell.
    """
    year, q = int(table.quarter[:4]), int(table.quarter[-1])
    cube = suppress_year(commune_months(engine, [year])[year], suppress_below or 0)
    end = min(table.period.end, today)
    ws["A1"] = f"Année {year} à date — du 01/01/{year} au {end:%d/%m/%Y}"
    ws["A1"].font = _TITLE_FONT
    ws["A2"] = EXTRACTED.format(day=today)
    cats = [*category_ids(), "total"]
    _header(ws, 4, [texts.COMMUNE, *[category_heading(c) for c in category_ids()], texts.TOTAL])
    _wrap_header(ws, 4)
    rows = [commune] if commune else sorted(k for k in cube if k is not NETWORK)
    line = 5
    for key in [*rows, NETWORK] if not commune else rows:
        series = cube.get(key)
        values: list = [texts.TOTAL if key is NETWORK else key]
        for cat in cats:
            parts = [series[QUARTER_KEYS[i]][cat] for i in range(q)] if series else []
            value = sum(p.value for p in parts)
            if any(p.hidden for p in parts):
                small = 0 < value < (suppress_below or 0)
                values.append(f"< {suppress_below}" if small else SECONDARY_MARK)
            else:
                values.append(value)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=line, column=col, value=value)
            if key is NETWORK:
                cell.font = _HEAD_FONT
        line += 1
    year_entries = manual.entries_within(engine, Period(dt.date(year, 1, 1), end, ""), commune)
    hand.add_xlsx_block(ws, year_entries, suppress_below, grid=True)
    line = max(line, ws.max_row + 1)
    if suppress_below:
        ws.cell(row=line + 1, column=1, value=texts.suppression_note(suppress_below))
    _widths(ws, [28] + [14] * len(category_ids()) + [12])
    ws.freeze_panes = "B5"
