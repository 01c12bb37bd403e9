"""The network's figures: queries over the counts, the quarterly table, the annual report.

Pure functions over an SQLAlchemy engine; the dashboard pages and the CLI both use them, so a
number on screen and the same number in an export come from one place. Only aggregate
counts exist in the database: nothing here can show a person.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from kiosk import catalogue as catalogue_mod
from kiosk.periods import parse_quarter

from .schema import counts, day_revisions, kiosks

FORMATS = ("json", "csv", "xlsx")
NETWORK = "Réseau (toutes les communes)"
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
MONTHS_SHORT_FR = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
SECONDARY_MARK = "s"  # the usual mark of "secret statistique" in French public tables


class ReportError(ValueError):
    """A bad report request (period, format, output); the message is one plain sentence."""


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def quarter_period(text: str) -> Period:
    try:
        start, end = parse_quarter(text)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    year, q = text.strip().split("-Q")
    return Period(start, end, f"{q}{'er' if q == '1' else 'e'} trimestre {year}")


def month_period(year: int, month: int) -> Period:
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        raise ReportError(f"{year}-{month:02d} is not a month like 2026-11")
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return Period(start, end, f"{MONTHS_FR[month - 1]} {year}")


def year_period(year: int) -> Period:
    if not 2000 <= year <= 2999:
        raise ReportError(f"{year} is not a year between 2000 and 2999")
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), f"année {year}")


def range_period(start: dt.date, end: dt.date) -> Period:
    if end < start:
        raise ReportError("the end of the range comes before its start")
    if (end - start).days > 366 * 10:
        raise ReportError("a range covers at most ten years")
    return Period(start, end, f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}")


# --------------------------------------------------------------------------- catalogue


def category_ids() -> tuple[str, ...]:
    return catalogue_mod.load().ids


def category_label(category_id: str) -> str:
    try:
        return catalogue_mod.load().get(category_id).label["fr"]
    except KeyError:
        return category_id


def category_heading(category_id: str) -> str:
    """The label without its examples, for a column heading."""
    return category_label(category_id).split(" (")[0].split(" :")[0]


def category_thematique(category_id: str) -> str:
    """The national thématiques (La Coop de la médiation numérique) this category maps to."""
    try:
        names = catalogue_mod.load().get(category_id).coop_thematiques
    except KeyError:
        return ""
    return " / ".join(names) if names else "—"


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class KioskInfo:
    id: int
    name: str
    commune: str
    created_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_contact_at: dt.datetime | None
    clock_skew_s: float | None
    clock_trusted: bool | None


def list_kiosks(engine: Engine) -> list[KioskInfo]:
    """Every kiosk, revoked ones included, by commune then name."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                kiosks.c.id, kiosks.c.name, kiosks.c.commune, kiosks.c.created_at,
                kiosks.c.revoked_at, kiosks.c.last_contact_at, kiosks.c.clock_skew_s,
                kiosks.c.clock_trusted,
            ).order_by(kiosks.c.commune, kiosks.c.name)
        ).all()  # fmt: skip
    return [KioskInfo(*row) for row in rows]


def list_communes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(kiosks.c.commune).distinct().order_by(kiosks.c.commune))
        return [row[0] for row in rows]


@dataclass
class PeriodStats:
    """Everything the statistics page shows for one period (and optional commune)."""

    period: Period
    commune: str | None
    kiosks: dict[int, KioskInfo]
    by_kiosk: dict[int, dict[str, int]]  # kiosk id -> category -> count
    day_totals: dict[tuple[int, dt.date], int]  # (kiosk id, day) -> visits, reported days only

    @property
    def category_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(category_ids(), 0)
        for per_cat in self.by_kiosk.values():
            for cat, n in per_cat.items():
                totals[cat] = totals.get(cat, 0) + n
        return totals

    @property
    def total(self) -> int:
        return sum(self.category_totals.values())

    @property
    def by_commune(self) -> dict[str, dict[str, int]]:
        """Commune -> category -> count, for communes with at least one reported day."""
        reporting = {kid for kid, _ in self.day_totals}
        result: dict[str, dict[str, int]] = {}
        for kid in sorted(reporting | set(self.by_kiosk), key=lambda k: self.kiosks[k].commune):
            commune = self.kiosks[kid].commune
            row = result.setdefault(commune, dict.fromkeys(category_ids(), 0))
            for cat, n in self.by_kiosk.get(kid, {}).items():
                row[cat] = row.get(cat, 0) + n
        return dict(sorted(result.items()))

    @property
    def months(self) -> list[tuple[dt.date, int | None]]:
        """(first day of month, visits) for each month of the period; None = no data at all."""
        sums: dict[tuple[int, int], int] = {}
        for (_, day), n in self.day_totals.items():
            key = (day.year, day.month)
            sums[key] = sums.get(key, 0) + n
        result = []
        month = dt.date(self.period.start.year, self.period.start.month, 1)
        while month <= self.period.end:
            result.append((month, sums.get((month.year, month.month))))
            month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        return result

    @property
    def weekdays(self) -> list[tuple[str, int, int]]:
        """(weekday name, visits, reported kiosk-days) from Monday to Sunday."""
        visits = [0] * 7
        reported = [0] * 7
        for (_, day), n in self.day_totals.items():
            visits[day.weekday()] += n
            reported[day.weekday()] += 1
        return list(zip(WEEKDAYS_FR, visits, reported, strict=True))

    def coverage(self, today: dt.date | None = None) -> list[KioskCoverage]:
        """Per kiosk: days with visits, days held with zero visitors, days without data."""
        today = today or dt.date.today()
        last = min(self.period.end, today)
        per_kiosk: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for (kid, _), n in self.day_totals.items():
            per_kiosk[kid][0 if n > 0 else 1] += 1
        result = []
        for kid, info in self.kiosks.items():
            first = self.period.start
            if info.created_at is not None:
                first = max(first, info.created_at.date())
            until = last
            if info.revoked_at is not None:
                until = min(until, info.revoked_at.date())
            expected = max(0, (until - first).days + 1)
            with_visits, zero = per_kiosk.get(kid, (0, 0))
            if expected == 0 and with_visits + zero == 0:
                continue  # the kiosk did not exist (or was revoked) during the period
            no_data = max(0, expected - with_visits - zero)
            result.append(KioskCoverage(info, with_visits, zero, no_data))
        return result


@dataclass(frozen=True)
class KioskCoverage:
    kiosk: KioskInfo
    days_with_visits: int
    days_zero: int  # the kiosk reported the day, and nobody came
    days_no_data: int  # nothing received for the day: closed, switched off or offline


def _kiosk_filter(column, kiosk_ids: list[int] | None) -> list:
    # Filtering by kiosk id spares a join per count row; a commune has a handful of kiosks.
    return [] if kiosk_ids is None else [column.in_(kiosk_ids)]


def period_stats(engine: Engine, period: Period, commune: str | None = None) -> PeriodStats:
    """Three grouped queries over the period's days only, so history length does not matter.

    Per (kiosk, category) and per (kiosk, day) from `counts`, and the reported days from
    `day_revisions` (a day reported with no visitor has a revision but sums to zero).
    """
    all_kiosks = {k.id: k for k in list_kiosks(engine) if not commune or k.commune == commune}
    ids = sorted(all_kiosks) if commune else None
    in_period = [counts.c.day >= period.start, counts.c.day <= period.end]
    by_kiosk: dict[int, dict[str, int]] = defaultdict(dict)
    day_totals: dict[tuple[int, dt.date], int] = {}
    with engine.connect() as conn:
        query = (
            select(counts.c.kiosk_id, counts.c.category, func.sum(counts.c.count))
            .where(*in_period, *_kiosk_filter(counts.c.kiosk_id, ids))
            .group_by(counts.c.kiosk_id, counts.c.category)
        )
        for kid, cat, n in conn.execute(query):
            by_kiosk[kid][cat] = int(n or 0)
        query = (
            select(day_revisions.c.kiosk_id, day_revisions.c.day)
            .where(day_revisions.c.day >= period.start, day_revisions.c.day <= period.end,
                   *_kiosk_filter(day_revisions.c.kiosk_id, ids))
        )
        for kid, day in conn.execute(query):
            day_totals[(kid, day)] = 0
        query = (
            select(counts.c.kiosk_id, counts.c.day, func.sum(counts.c.count))
            .where(*in_period, *_kiosk_filter(counts.c.kiosk_id, ids))
            .group_by(counts.c.kiosk_id, counts.c.day)
        )
        for kid, day, n in conn.execute(query):
            day_totals[(kid, day)] = int(n or 0)
    known = set(all_kiosks)  # counts of a kiosk deleted from the table are not shown
    return PeriodStats(
        period, commune or None, all_kiosks,
        {k: v for k, v in by_kiosk.items() if k in known},
        {key: n for key, n in day_totals.items() if key[0] in known},
    )


# --------------------------------------------------------------------------- small cells


@dataclass
class Cell:
    value: int
    hidden: str = ""  # "" shown, "< N" primary suppression, SECONDARY_MARK complementary

    def shown(self) -> int | str:
        return self.hidden or self.value


def suppress(matrix: dict[str, dict[str, int]], threshold: int, columns=None,
             row_totals: bool = True) -> dict[str, dict[str, Cell]]:
    """Hide cells with 0 < n < threshold, then enough others that no margin reveals them.

    `matrix` is row -> column -> count (columns: the categories unless given); the returned
    table has an extra "total" column (when `row_totals`) and an extra NETWORK row holding
    the column sums, all as Cells. A row or column left with exactly one hidden cell gets its
    smallest other non-zero cell hidden too (marked SECONDARY_MARK), repeated until stable,
    so a hidden figure cannot be recovered by subtracting from a total.
    """
    columns = list(columns or category_ids())
    table: dict[str, dict[str, Cell]] = {}
    for row, values in matrix.items():
        table[row] = {c: Cell(values.get(c, 0)) for c in columns}
        if row_totals:
            table[row]["total"] = Cell(sum(values.get(c, 0) for c in columns))
    every = [*columns, "total"] if row_totals else columns
    table[NETWORK] = {c: Cell(sum(table[r][c].value for r in matrix)) for c in every}
    small = f"< {threshold}"
    for cells in table.values():
        for cell in cells.values():
            if 0 < cell.value < threshold:
                cell.hidden = small
    inner_rows = list(matrix)

    def protect(cells: list[Cell], margins: int) -> bool:
        """`cells` ends with `margins` total cells; hide an inner cell rather than a total."""
        hidden = [c for c in cells if c.hidden]
        if len(hidden) != 1:
            return False
        inner = [c for c in cells[: len(cells) - margins] if not c.hidden and c.value > 0]
        outer = [c for c in cells[len(cells) - margins :] if not c.hidden and c.value > 0]
        candidates = inner or outer
        if not candidates:
            return False  # the others are zeros: the margin equals the hidden cell, also hidden
        min(candidates, key=lambda c: c.value).hidden = SECONDARY_MARK
        return True

    changed = True
    while changed:
        changed = False
        if row_totals:
            for row in [*inner_rows, NETWORK]:  # cells of a row add up to its total
                changed |= protect([table[row][c] for c in every], 1)
        for col in every:  # rows add up to the NETWORK row
            changed |= protect([table[r][col] for r in [*inner_rows, NETWORK]], 1)
    return table


# --------------------------------------------------------------------------- quarterly table


@dataclass
class TableRow:
    category: str
    label: str
    thematique: str
    count: int | str
    percent: float | str | None  # 0..100, or "" when hidden


@dataclass
class TableSheet:
    title: str  # commune name, or NETWORK
    rows: list[TableRow]
    total: int | str
    has_data: bool


@dataclass
class QuarterTable:
    quarter: str
    period: Period
    sheets: list[TableSheet]  # NETWORK first, then communes in alphabetical order
    kiosk_rows: list[dict] = field(default_factory=list)
    threshold: int | None = None


def _sheet(title: str, cells: dict[str, Cell], has_data: bool) -> TableSheet:
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
    return TableSheet(title, rows, total_cell.shown(), has_data)


def quarter_table(engine: Engine, quarter: str, suppress_below: int | None = None) -> QuarterTable:
    """The annex 2 table for the network and for each commune with a kiosk in the quarter."""
    period = quarter_period(quarter)
    stats = period_stats(engine, period)
    matrix = stats.by_commune
    reporting = set(matrix)
    for cov in stats.coverage(today=period.end):
        matrix.setdefault(cov.kiosk.commune, dict.fromkeys(category_ids(), 0))
    matrix = dict(sorted(matrix.items()))
    table = suppress(matrix, suppress_below if suppress_below else 0)
    sheets = [_sheet(NETWORK, table[NETWORK], bool(reporting))]
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
    return QuarterTable(quarter.strip(), period, sheets, kiosk_rows, suppress_below)


def quarter_json(engine: Engine, quarter: str) -> dict:
    """The Contract's JSON: one row per (kiosk that reported, category), zeros included."""
    table = quarter_table(engine, quarter)
    total = sum(row["count"] for row in table.kiosk_rows)
    return {"quarter": table.quarter, "rows": table.kiosk_rows, "total": total}


def _percent_fr(percent: float | str | None) -> str:
    if percent is None or percent == "":
        return ""
    return f"{percent:.1f}".replace(".", ",")


def quarter_csv(table: QuarterTable) -> str:
    """One long table for French Excel: the network first, then each commune, with totals."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        ["trimestre", "commune", "catégorie", "thématique nationale", "nombre", "%"]
    )
    for sheet in table.sheets:
        if not sheet.has_data:
            writer.writerow([table.quarter, sheet.title, "Aucune donnée reçue", "", "", ""])
            continue
        for row in sheet.rows:
            writer.writerow(
                [table.quarter, sheet.title, row.label, row.thematique, row.count,
                 _percent_fr(row.percent)]
            )  # fmt: skip
        full = "" if isinstance(sheet.total, str) or not sheet.total else "100,0"
        writer.writerow([table.quarter, sheet.title, "Total", "", sheet.total, full])
    if table.threshold:
        writer.writerow([])
        writer.writerow([_suppression_note(table.threshold)])
    return out.getvalue()


def _suppression_note(threshold: int) -> str:
    return (
        f"« < {threshold} » : moins de {threshold} visites, masqué pour protéger l'anonymat ; "
        f"« {SECONDARY_MARK} » : masqué pour qu'un total ne permette pas de le retrouver."
    )


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
        ws = wb.create_sheet(_sheet_name("Réseau" if sheet.title == NETWORK else sheet.title, used))
        ws["A1"] = f"Tableau de suivi du public — {sheet.title}"
        ws["A1"].font = _TITLE_FONT
        ws["A2"] = f"{table.period.label} ({table.quarter}), du {table.period.start:%d/%m/%Y} au {table.period.end:%d/%m/%Y}"
        _header(ws, 4, ["Catégorie", "Thématique nationale", "Nombre", "%"])
        if not sheet.has_data:
            ws["A5"] = "Aucune donnée reçue de cette commune pour ce trimestre."
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
            ws.cell(row=total_row, column=1, value="Total").font = _HEAD_FONT
            ws.cell(row=total_row, column=3, value=sheet.total).font = _HEAD_FONT
        if table.threshold:
            ws.cell(row=ws.max_row + 2, column=1, value=_suppression_note(table.threshold))
        _widths(ws, [70, 42, 12, 10])
        ws.freeze_panes = "A5"
    return wb


def write_report(
    engine: Engine, quarter: str, fmt: str = "json", out=None, suppress_below: int | None = None
) -> Path | None:
    """The quarterly table for the CLI: json, csv or xlsx, to `out` (a path) or stdout.

    JSON and CSV go to stdout when `out` is None; XLSX needs a file. Returns the path written.
    """
    if fmt not in FORMATS:
        raise ReportError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "xlsx" and out is None:
        raise ReportError("the xlsx format needs --out FILE")
    if fmt == "json":
        data: bytes | str = json.dumps(quarter_json(engine, quarter), ensure_ascii=False,
                                       indent=2) + "\n"
    else:
        table = quarter_table(engine, quarter, suppress_below)
        data = quarter_csv(table) if fmt == "csv" else workbook_bytes(quarter_workbook(table))
    if out is None:
        sys.stdout.write(data)
        return None
    target = Path(out)
    if isinstance(data, str):  # CSV for French Excel wants the BOM; JSON does not
        data = data.encode("utf-8-sig" if fmt == "csv" else "utf-8")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise ReportError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


# --------------------------------------------------------------------------- annual report


@dataclass
class AnnualReport:
    year: int
    commune: str | None
    months: list[dict[str, int]]  # 12 x category -> count
    months_reported: list[bool]  # was any day of that month reported?
    previous_months: list[int]  # 12 totals of the previous year
    communes: dict[str, tuple[int, int]]  # commune -> (this year, previous year)
    category_totals: dict[str, int]
    previous_category_totals: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.category_totals.values())

    @property
    def previous_total(self) -> int:
        return sum(self.previous_category_totals.values())


def trend(current: int, previous: int) -> float | None:
    """Change against the previous year in percent; None when there is nothing to compare."""
    if not previous:
        return None
    return round(100 * (current - previous) / previous, 1)


def annual_report(engine: Engine, year: int, commune: str | None = None) -> AnnualReport:
    """Yearly totals, month by month, per commune, against the previous year (4 queries)."""
    year_period(year)
    start, end = dt.date(year - 1, 1, 1), dt.date(year, 12, 31)
    kiosk_list = list_kiosks(engine)
    commune_of = {k.id: k.commune for k in kiosk_list}
    ids = sorted(k.id for k in kiosk_list if k.commune == commune) if commune else None
    by_kiosk = _kiosk_filter(counts.c.kiosk_id, ids)
    months = [dict.fromkeys(category_ids(), 0) for _ in range(12)]
    previous_months = [0] * 12
    cats, prev_cats = dict.fromkeys(category_ids(), 0), dict.fromkeys(category_ids(), 0)
    per_commune: dict[str, list[int]] = {}
    # Plain day ranges and GROUP BY day: no date function per row, on SQLite as on PostgreSQL.
    with engine.connect() as conn:
        query = (
            select(counts.c.day, counts.c.category, func.sum(counts.c.count))
            .where(counts.c.day >= start, counts.c.day <= end, *by_kiosk)
            .group_by(counts.c.day, counts.c.category)
        )
        for day, cat, n in conn.execute(query):
            n = int(n or 0)
            if day.year == year:
                months[day.month - 1][cat] = months[day.month - 1].get(cat, 0) + n
                cats[cat] = cats.get(cat, 0) + n
            else:
                previous_months[day.month - 1] += n
                prev_cats[cat] = prev_cats.get(cat, 0) + n
        for slot_index, which in enumerate((year, year - 1)):
            query = (
                select(counts.c.kiosk_id, func.sum(counts.c.count))
                .where(counts.c.day >= dt.date(which, 1, 1), counts.c.day <= dt.date(which, 12, 31),
                       *by_kiosk)
                .group_by(counts.c.kiosk_id)
            )
            for kid, n in conn.execute(query):
                if kid in commune_of:
                    slot = per_commune.setdefault(commune_of[kid], [0, 0])
                    slot[slot_index] += int(n or 0)
        query = select(day_revisions.c.day).where(
            day_revisions.c.day >= dt.date(year, 1, 1), day_revisions.c.day <= end,
            *_kiosk_filter(day_revisions.c.kiosk_id, ids),
        ).distinct()
        reported_months = {day.month for (day,) in conn.execute(query)}
    return AnnualReport(
        year=year,
        commune=commune or None,
        months=months,
        months_reported=[m in reported_months for m in range(1, 13)],
        previous_months=previous_months,
        communes={c: (v[0], v[1]) for c, v in sorted(per_commune.items())},
        category_totals=cats,
        previous_category_totals=prev_cats,
    )


@dataclass
class AnnualCells:
    """The annual report's figures as Cells, small ones hidden when a threshold is given."""

    months: dict[str, dict[str, Cell]]  # month name -> category/"total"; NETWORK = the year
    previous: dict[str, dict[str, Cell]]  # month name -> {"n"}; NETWORK = previous year total
    previous_categories: dict[str, Cell]  # category/"total" -> previous year's Cell
    communes: dict[str, dict[str, Cell]]  # commune -> {"cur", "prev"}; NETWORK = totals

    def change(self, current: Cell, previous: Cell) -> float | None:
        """The trend, unless one of the two figures is hidden."""
        return None if current.hidden or previous.hidden else trend(current.value, previous.value)


def annual_cells(report: AnnualReport, suppress_below: int | None = None) -> AnnualCells:
    threshold = suppress_below or 0
    months = suppress({MONTHS_FR[m]: report.months[m] for m in range(12)}, threshold)
    previous = suppress({MONTHS_FR[m]: {"n": report.previous_months[m]} for m in range(12)},
                        threshold, columns=["n"], row_totals=False)
    previous_categories = suppress({"prev": report.previous_category_totals}, threshold)["prev"]
    communes = suppress({name: {"cur": cur, "prev": prev}
                         for name, (cur, prev) in report.communes.items()},
                        threshold, columns=["cur", "prev"], row_totals=False)
    return AnnualCells(months, previous, previous_categories, communes)


def annual_workbook(report: AnnualReport, suppress_below: int | None = None) -> Workbook:
    """Bilan annuel quantitatif: summary with trend, month by month, per commune."""
    cells = annual_cells(report, suppress_below)
    year_row = cells.months[NETWORK]
    wb = Workbook()
    ws = wb.active
    ws.title = "Synthèse"
    scope = report.commune or NETWORK
    ws["A1"] = f"Bilan annuel quantitatif {report.year} — {scope}"
    ws["A1"].font = _TITLE_FONT
    _header(ws, 3, ["Catégorie", "Thématique nationale", str(report.year),
                    str(report.year - 1), "Évolution"])  # fmt: skip
    row = 4
    for cat in category_ids():
        cur, prev = year_row[cat], cells.previous_categories[cat]
        _trend_row(ws, row, [category_label(cat), category_thematique(cat), cur.shown(),
                             prev.shown()], cells.change(cur, prev))  # fmt: skip
        row += 1
    cur, prev = year_row["total"], cells.previous_categories["total"]
    _trend_row(ws, row, ["Total", "", cur.shown(), prev.shown()], cells.change(cur, prev),
               bold=True)
    _widths(ws, [70, 42, 12, 12, 12])

    ws = wb.create_sheet("Par mois")
    ws["A1"] = f"Visites par mois, {report.year} — {scope}"
    ws["A1"].font = _TITLE_FONT
    _header(ws, 3, ["Mois", *[category_label(c) for c in category_ids()], "Total",
                    f"Total {report.year - 1}", "Évolution"])  # fmt: skip
    for m in range(12):
        month, prev = cells.months[MONTHS_FR[m]], cells.previous[MONTHS_FR[m]]["n"]
        if not report.months_reported[m] and month["total"].value == 0:
            line = [MONTHS_FR[m]] + ["—"] * len(category_ids()) + ["aucune donnée", prev.shown()]
            _trend_row(ws, 4 + m, line, None)
            continue
        line = [MONTHS_FR[m]] + [month[c].shown() for c in category_ids()]
        _trend_row(ws, 4 + m, line + [month["total"].shown(), prev.shown()],
                   cells.change(month["total"], prev))
    prev = cells.previous[NETWORK]["n"]
    _trend_row(ws, 16, ["Total", *[year_row[c].shown() for c in category_ids()],
                        year_row["total"].shown(), prev.shown()],
               cells.change(year_row["total"], prev), bold=True)  # fmt: skip
    _widths(ws, [14] + [18] * len(category_ids()) + [12, 12, 12])

    ws = wb.create_sheet("Par commune")
    ws["A1"] = f"Visites par commune, {report.year}"
    ws["A1"].font = _TITLE_FONT
    _header(ws, 3, ["Commune", str(report.year), str(report.year - 1), "Évolution"])
    row = 4
    for name in report.communes:
        cur, prev = cells.communes[name]["cur"], cells.communes[name]["prev"]
        _trend_row(ws, row, [name, cur.shown(), prev.shown()], cells.change(cur, prev))
        row += 1
    cur, prev = cells.communes[NETWORK]["cur"], cells.communes[NETWORK]["prev"]
    _trend_row(ws, row, ["Total", cur.shown(), prev.shown()], cells.change(cur, prev), bold=True)
    _widths(ws, [40, 12, 12, 12])
    if suppress_below:
        for sheet in wb.worksheets:
            sheet.cell(row=sheet.max_row + 2, column=1, value=_suppression_note(suppress_below))
    return wb


def _trend_row(ws, row: int, values: list, change: float | None, bold: bool = False) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        if bold:
            cell.font = _HEAD_FONT
    cell = ws.cell(row=row, column=len(values) + 1, value=None if change is None else change / 100)
    cell.number_format = "+0.0%;-0.0%;0.0%"
    if bold:
        cell.font = _HEAD_FONT


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
