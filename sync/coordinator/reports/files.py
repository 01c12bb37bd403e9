"""The report files: CSV for French Excel, XLSX workbooks, JSON. Each writer writes to a
file object given to it; the CLI owns standard output and the dashboard its downloads.

No text cell may start a formula: a commune or kiosk named `=HYPERLINK(...)` would become a
live formula in a file that travels to funders. Every text cell goes through `cell_text`,
which puts an apostrophe before a leading formula character (OWASP's advice); numbers stay
numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine

from sync.coordinator import manual, texts
from sync.coordinator.cells import cell_text

from . import extras, hand
from .disclosure import NETWORK, annual_cells
from .evolution import Line, evolution_table
from .figures import AnnualReport, category_ids, category_label
from .periods import ReportError, normalise_quarter
from .tables import QuarterTable, quarter_json, quarter_table

FORMATS = ("json", "csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _defuse(wb: Workbook) -> Workbook:
    # One pass over every cell, so no writer can forget: openpyxl stores "=..." as a formula.
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = cell_text(cell.value)
    return wb


def write_xlsx(wb: Workbook, out: IO[bytes]) -> None:
    _defuse(wb).save(out)


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as a download's body, defused like every file."""
    buf = io.BytesIO()
    write_xlsx(wb, buf)
    return buf.getvalue()


def _percent_fr(percent: float | str | None) -> str:
    if percent is None or percent == "":
        return ""
    return f"{percent:.1f}".replace(".", ",")


def write_csv(table: QuarterTable, out: IO[str]) -> None:
    """One long table for French Excel (`;`): the network first, then each commune, with totals.

    `out` is a text file opened with newline=""; the caller adds the BOM (utf-8-sig).
    """
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def row(*values):
        writer.writerow([cell_text(v) for v in values])

    kiosk = hand.SOURCE_KIOSK
    row(*texts.CSV_HEADER)
    for sheet in table.sheets:
        if not sheet.has_data:
            row(table.quarter, sheet.title, texts.NO_DATA, "", "", "", kiosk)
            continue
        for line in sheet.rows:
            row(table.quarter, sheet.title, line.label, line.thematique, line.count,
                _percent_fr(line.percent), kiosk)
        full = "" if isinstance(sheet.total, str) or not sheet.total else "100,0"
        row(table.quarter, sheet.title, texts.TOTAL, "", sheet.total, full, kiosk)
    for line in hand.csv_rows(table.quarter, table.manual, table.threshold):
        row(*line)
    if table.manual:
        row(manual.RULE)
    network = next((texts.NETWORK_LABEL for sheet in table.sheets if sheet.network), None)
    for line in extras.csv_rows(table.extras, table.quarter, network):  # apart, after them
        row(*line)
    if table.threshold:
        writer.writerow([])
        row(texts.suppression_note(table.threshold))


_TITLE_FONT = Font(bold=True, size=14)
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join("-" if ch in '[]:*?/\\' else ch for ch in name).strip("'")[:31] or "Commune"
    candidate, n = clean, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _header(ws, row: int, values: list[str]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL


def _widths(ws, widths: list[int]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def quarter_workbook(table: QuarterTable) -> Workbook:
    """One sheet for the network, then one per commune: catégorie | thématique | nombre | %."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for sheet in table.sheets:
        ws = wb.create_sheet(_sheet_name(texts.NETWORK_SHEET if sheet.network else sheet.title,
                                         used))
        ws["A1"] = texts.QUARTER_TITLE.format(scope=sheet.title)
        ws["A1"].font = _TITLE_FONT
        ws["A2"] = texts.QUARTER_SUBTITLE.format(
            label=table.period.label, quarter=table.quarter, start=table.period.start,
            end=table.period.end) + (f" — {texts.DATA_AS_OF.format(day=table.as_of)}"
                                     if table.as_of else "")
        _header(ws, 4, list(texts.QUARTER_HEADER))
        if not sheet.has_data:
            ws["A5"] = texts.NO_DATA_QUARTER
        else:
            for i, row in enumerate(sheet.rows, start=5):
                ws.cell(row=i, column=1, value=row.label)
                ws.cell(row=i, column=2, value=row.thematique)
                ws.cell(row=i, column=3, value=row.count)
                if isinstance(row.percent, float):
                    pct = ws.cell(row=i, column=4, value=row.percent / 100)
                    pct.number_format = "0.0%"
                else:
                    ws.cell(row=i, column=4, value=row.percent or None)
                if isinstance(row.count, str):
                    ws.cell(row=i, column=3).alignment = Alignment(horizontal="right")
            total_row = 5 + len(sheet.rows)
            ws.cell(row=total_row, column=1, value=texts.TOTAL).font = _HEAD_FONT
            ws.cell(row=total_row, column=3, value=sheet.total).font = _HEAD_FONT
        hand.add_xlsx_block(ws, [e for e in table.manual
                                 if sheet.network or e.commune == sheet.title], table.threshold)
        if table.threshold:
            ws.cell(row=ws.max_row + 2, column=1, value=texts.suppression_note(table.threshold))
        _widths(ws, [70, 42, 12, 10, 16])
        ws.freeze_panes = "A5"
    _extras_sheet(wb, table.extras, any(sheet.network for sheet in table.sheets))
    return wb


def _extras_sheet(wb: Workbook, section: extras.Section | None, network: bool) -> None:
    """Workshops and exit answers on a sheet of their own, apart from the visits (only when
    there is something to show: the visits' workbook keeps its sheets otherwise)."""
    if section is None or not (section.workshops or section.exits):
        return
    ws = wb.create_sheet(extras.SHEET)
    fonts = {"title": _TITLE_FONT, "head": _HEAD_FONT, "total": _HEAD_FONT}
    label = texts.NETWORK_LABEL if network else None
    for row, (values, style) in enumerate(extras.sheet_rows(section, label), start=1):
        if style == "head":
            _header(ws, row, values)
            continue
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            if style in fonts:
                cell.font = fonts[style]
    _widths(ws, [40, 70, 12, 14, 10])


def annual_workbook(report: AnnualReport, suppress_below: int | None = None) -> Workbook:
    """Bilan annuel quantitatif: summary with trend, month by month, per commune; every
    figure and change from evolution_table, like the annual page. The year's paper tallies
    come apart under the summary (hand.py), never in its totals."""
    cells = annual_cells(report, suppress_below)
    table = evolution_table(report, cells)
    year_row = cells.months[NETWORK]
    years = [str(report.year), str(report.year - 1), texts.CHANGE, texts.EVOLUTION_REASON]
    wb = Workbook()
    ws = wb.active
    ws.title = texts.SHEET_SUMMARY
    scope = report.commune or texts.NETWORK_LABEL
    ws["A1"] = texts.ANNUAL_TITLE.format(year=report.year, scope=scope)
    ws["A1"].font = _TITLE_FONT
    _header(ws, 3, [texts.CATEGORY, texts.THEMATIQUE, *years])
    for row, line in enumerate(table.categories, start=4):
        _line_row(ws, row, [line.label, line.extra], line, bold=line is table.categories[-1])
    # The year's count column; the mark goes in the text column, not under the change.
    hand.add_xlsx_block(ws, report.manual, suppress_below, mark_col=6)
    _widths(ws, [70, 42, 12, 12, 12, 40])

    ws = wb.create_sheet(texts.SHEET_MONTHS)
    ws["A1"] = texts.MONTHS_TITLE.format(year=report.year, scope=scope)
    ws["A1"].font = _TITLE_FONT
    _header(ws, 3, [texts.MONTH, *[category_label(c) for c in category_ids()], texts.TOTAL,
                    f"{texts.TOTAL} {report.year - 1}", texts.CHANGE, texts.EVOLUTION_REASON])
    for m, line in enumerate(table.months):
        month = cells.months[texts.MONTHS[m]]
        shown = [month[c].shown() for c in category_ids()] if isinstance(line.current, int) \
            or month["total"].hidden else ["—"] * len(category_ids())
        _line_row(ws, 4 + m, [line.label, *shown], line)
    total = table.categories[-1]
    _line_row(ws, 16, [texts.TOTAL, *[year_row[c].shown() for c in category_ids()]], total,
              bold=True)
    _widths(ws, [14] + [18] * len(category_ids()) + [12, 12, 12, 40])

    ws = wb.create_sheet(texts.SHEET_COMMUNES)
    ws["A1"] = texts.COMMUNES_TITLE.format(year=report.year)
    ws["A1"].font = _TITLE_FONT
    _header(ws, 3, [texts.COMMUNE, *years])
    for row, line in enumerate(table.communes, start=4):
        _line_row(ws, row, [line.label], line, bold=line is table.communes[-1])
    _widths(ws, [40, 12, 12, 12, 40])
    if suppress_below:
        for sheet in wb.worksheets:
            sheet.cell(row=sheet.max_row + 2, column=1, value=texts.suppression_note(suppress_below))
    _extras_sheet(wb, report.extras, report.commune is None)
    return wb


def _line_row(ws, row: int, labels: list, line: Line, bold: bool = False) -> None:
    """`labels`, then the line's two figures, its change (a percentage or "—") and reason."""
    values = [*labels, line.current, line.previous,
              "—" if line.change is None else line.change / 100, line.reason or None]
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        if bold:
            cell.font = _HEAD_FONT
    ws.cell(row=row, column=len(values) - 1).number_format = "+0.0%;-0.0%;0.0%"


def write_quarter(engine: Engine, quarter: str, fmt: str, out: IO,
                  suppress_below: int | None = None, today: dt.date | None = None) -> None:
    """The quarterly table in `fmt` to `out`: text for json and csv, binary for xlsx (the
    funder's workbook, extracted on `today`)."""
    _check_format(fmt, suppress_below)
    if fmt == "json":
        json.dump(quarter_json(engine, quarter), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    table = quarter_table(engine, quarter, suppress_below)
    if fmt == "csv":
        write_csv(table, out)
    else:
        from .funder import funder_workbook  # funder builds on this module

        write_xlsx(funder_workbook(engine, quarter, today or dt.date.today(), suppress_below),
                   out)


def _check_format(fmt: str, suppress_below: int | None) -> None:
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "json" and suppress_below:
        # The Contract's JSON is per kiosk and exact: it cannot hide a cell, so it is never
        # handed out as an anonymised file.
        raise ReportError("json is the exact per-kiosk table: anonymised output is csv or xlsx")


def write_report(engine: Engine, quarter: str, fmt: str, out, suppress_below: int | None = None,
                 today: dt.date | None = None) -> Path:
    """The quarterly table written to the file `out` (CSV with the BOM French Excel wants).

    The table is built before the file is opened, so a bad quarter leaves no empty file.
    """
    _check_format(fmt, suppress_below)
    normalise_quarter(quarter)
    target = Path(out)
    try:
        if fmt == "xlsx":
            with target.open("wb") as binary:
                write_quarter(engine, quarter, fmt, binary, suppress_below, today)
        else:
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
            with target.open("w", encoding=encoding, newline="") as text:
                write_quarter(engine, quarter, fmt, text, suppress_below)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
