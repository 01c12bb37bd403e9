"""The network's reports: periods, figures, disclosure control, the quarterly table, files.

    periods     parse a quarter, month, year or range (ASCII digits only) -> Period
    figures     grouped queries: PeriodStats for a page, AnnualReport for a year
    evolution   the annual change against last year, only between comparable periods
    disclosure  hide small cells and what would give them back; NETWORK keys the total row
    tables      the quarterly table (annex 2) and the Contract's JSON rows
    files       CSV / XLSX / JSON writers onto a file object; no cell starts a formula
    extras      workshops and exit answers, apart from the visits (for every report)

The names below are the package's public face for the CLI, the dashboard and the tests.
"""

from . import extras
from .disclosure import NETWORK, SECONDARY_MARK, AnnualCells, Cell, annual_cells, suppress
from .evolution import EvolutionTable, Line, change_text, evolution_table
from .figures import (
    AnnualReport,
    KioskCoverage,
    PeriodStats,
    annual_report,
    category_heading,
    category_ids,
    category_label,
    category_thematique,
    period_stats,
    trend,
)
from .files import (
    FORMATS,
    XLSX_TYPE,
    annual_workbook,
    cell_text,
    quarter_workbook,
    workbook_bytes,
    write_csv,
    write_quarter,
    write_report,
    write_xlsx,
)
from .periods import (
    Period,
    ReportError,
    month_period,
    normalise_quarter,
    parse_day,
    parse_month,
    parse_year,
    quarter_of,
    quarter_period,
    range_period,
    whole_number,
    year_period,
)
from .tables import QuarterTable, TableRow, TableSheet, quarter_json, quarter_table

__all__ = [
    "extras",
    "FORMATS", "NETWORK", "SECONDARY_MARK", "XLSX_TYPE", "AnnualCells", "AnnualReport", "Cell",
    "KioskCoverage", "Period", "PeriodStats", "QuarterTable", "ReportError", "TableRow",
    "TableSheet", "annual_cells", "annual_report", "annual_workbook", "category_heading",
    "category_ids", "category_label", "category_thematique", "cell_text", "month_period",
    "normalise_quarter", "parse_day", "parse_month", "parse_year", "period_stats",
    "quarter_json", "quarter_of", "quarter_period", "quarter_table", "quarter_workbook",
    "range_period", "suppress", "trend", "whole_number", "workbook_bytes", "write_csv", "write_quarter",
    "write_report", "write_xlsx", "year_period",
    "EvolutionTable", "Line", "change_text", "evolution_table",
]
