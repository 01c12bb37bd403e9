"""The annual report's figures as the page and the PDF both show them: one function feeds both.

`annual_figures` gathers the report, its cells (small ones hidden when asked), the month
notes ("à venir" after the extraction day, "aucune donnée" before) and the chart's points;
the dashboard's annual page renders them as HTML, reports.pdf as a PDF, and a test reads
both back and compares them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from sync.coordinator import texts

from .disclosure import NETWORK, AnnualCells, Cell, annual_cells
from .figures import AnnualReport, annual_report, category_ids, category_label


@dataclass
class AnnualFigures:
    report: AnnualReport
    cells: AnnualCells
    threshold: int | None
    today: dt.date
    month_totals: list[int]
    month_notes: list[str]  # what a month without data says instead of a figure
    current_month: int | None  # 0-11 when the year is in progress

    @property
    def year(self) -> int:
        return self.report.year

    @property
    def chart_points(self) -> list[tuple[str, int | None, str]]:
        """(short month, visits or None, note): None where the month has no data."""
        return [(texts.MONTHS_SHORT[i], self.month_totals[i]
                 if self.report.months_reported[i] or self.month_totals[i] else None,
                 self.month_notes[i]) for i in range(12)]

    def category_rows(self) -> list[tuple[str, Cell, Cell, float | None]]:
        """(label, this year, last year, change), the total last."""
        year_row = self.cells.months[NETWORK]
        rows = [(category_label(c), year_row[c], self.cells.previous_categories[c],
                 self.cells.change(year_row[c], self.cells.previous_categories[c]))
                for c in category_ids()]
        total, prev = year_row["total"], self.cells.previous_categories["total"]
        return rows + [(texts.TOTAL, total, prev, self.cells.change(total, prev))]

    def month_rows(self) -> list[tuple[str, Cell | str, Cell, float | None]]:
        """(month, this year's Cell or its note, last year, change or None), as the page."""
        rows = []
        for i, name in enumerate(texts.MONTHS):
            cur, prev = self.cells.months[name]["total"], self.cells.previous[name]["n"]
            reported = self.report.months_reported[i]
            shown: Cell | str = cur if reported or cur.value else self.month_notes[i]
            change = (self.cells.change(cur, prev) if reported and i != self.current_month
                      else None)
            rows.append((name, shown, prev, change))
        return rows

    def commune_rows(self) -> list[tuple[str, Cell, Cell, float | None]]:
        """(commune, this year, last year, change), the total last; empty without data."""
        if not self.report.communes:
            return []
        rows = []
        for name in [*self.report.communes, NETWORK]:
            cur, prev = self.cells.communes[name]["cur"], self.cells.communes[name]["prev"]
            rows.append((texts.TOTAL if name is NETWORK else name, cur, prev,
                         self.cells.change(cur, prev)))
        return rows


def annual_figures(engine: Engine, year: int, commune: str | None, threshold: int | None,
                   today: dt.date) -> AnnualFigures:
    report = annual_report(engine, year, commune or None)
    month_totals = [sum(m.values()) for m in report.months]
    notes = [texts.TO_COME if dt.date(year, i + 1, 1) > today else texts.NO_DATA_SHORT
             for i in range(12)]
    return AnnualFigures(report, annual_cells(report, threshold), threshold, today,
                         month_totals, notes, today.month - 1 if today.year == year else None)
