"""The annual report's figures as the page and the PDF both show them: one function feeds both.

`annual_figures` gathers the report, its cells (small ones hidden when asked) and its
Évolution table (evolution.py: each line's figures, notes, change or the reason for none);
the dashboard's annual page renders them as HTML, reports.pdf as a PDF, and a test reads
both back and compares them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from sync.coordinator import texts

from .disclosure import AnnualCells, annual_cells
from .evolution import EvolutionTable, Line, evolution_table
from .figures import AnnualReport, annual_report


@dataclass
class AnnualFigures:
    report: AnnualReport
    cells: AnnualCells
    threshold: int | None
    today: dt.date
    table: EvolutionTable  # every line the page shows, with its change or why none
    current_month: int | None  # 0-11 when the year is in progress

    @property
    def year(self) -> int:
        return self.report.year

    @property
    def chart_points(self) -> list[tuple[str, int | None, str]]:
        """(short month, visits or None, note): None where the month shows a note."""
        return [(texts.MONTHS_SHORT[i], line.current if isinstance(line.current, int) else None,
                 line.current if isinstance(line.current, str) else "")
                for i, line in enumerate(self.table.months)]

    def category_rows(self) -> list[Line]:
        """One line per category, the total last."""
        return self.table.categories

    def month_rows(self) -> list[Line]:
        return self.table.months

    def commune_rows(self) -> list[Line]:
        """One line per commune, the total last; empty without data."""
        return self.table.communes if self.report.communes else []

    def commune_values(self) -> list[tuple[str, int, int]]:
        """(commune, this year, last year) as plain numbers, for a chart (no total)."""
        return [(name, self.cells.communes[name]["cur"].value,
                 self.cells.communes[name]["prev"].value) for name in self.report.communes]

    def reasons(self, lines: list[Line]) -> list[str]:
        """The distinct reasons the lines give no change, in order."""
        return list(dict.fromkeys(line.reason for line in lines if line.reason))


def annual_figures(engine: Engine, year: int, commune: str | None, threshold: int | None,
                   today: dt.date) -> AnnualFigures:
    report = annual_report(engine, year, commune or None, today=today)
    cells = annual_cells(report, threshold)
    return AnnualFigures(report, cells, threshold, today, evolution_table(report, cells),
                         today.month - 1 if today.year == year else None)
