"""The reports pages (`/rapports`): the quarterly table and the annual report, with downloads."""

from __future__ import annotations

import datetime as dt
import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync.coordinator import manual, notes, reports, texts
from sync.coordinator.app import EngineDep

from .charts import bar_chart
from .pages import (
    BadForm,
    CurrentUser,
    allowed_commune,
    download,
    page,
    today,
    visible_communes,
)

router = APIRouter(include_in_schema=False)

DEFAULT_THRESHOLD = 5


def _threshold(params) -> int | None:
    """The small-cell threshold asked for, or None when suppression is off."""
    if params.get("masquer") not in ("1", "on", "oui"):
        return None
    try:
        return reports.whole_number(params.get("seuil") or str(DEFAULT_THRESHOLD), "seuil", 2, 100)
    except reports.ReportError:
        raise BadForm(texts.BAD_THRESHOLD) from None


def _year(params) -> int:
    raw = params.get("annee") or str(today().year)
    try:
        return reports.parse_year(raw)
    except reports.ReportError:
        raise BadForm(texts.BAD_YEAR.format(text=raw)) from None


@router.get("/rapports", response_class=HTMLResponse)
def reports_page(request: Request, user: CurrentUser, engine: EngineDep):
    day = today()
    quarters = []
    year, q = day.year, (day.month - 1) // 3 + 1
    for _ in range(8):
        quarters.append(f"{year}-Q{q}")
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return page(request, "reports.html", {
        "quarters": quarters, "years": list(range(day.year, day.year - 6, -1)),
        "communes": visible_communes(user, engine), "threshold": DEFAULT_THRESHOLD,
    })


@router.get("/rapports/trimestre")
def quarter_export(request: Request, user: CurrentUser, engine: EngineDep):
    params = request.query_params
    fmt = params.get("format") or "xlsx"
    threshold = _threshold(params)
    if fmt not in ("csv", "xlsx"):
        raise BadForm(texts.BAD_FORMAT)
    try:
        table = reports.quarter_table(engine, params.get("trimestre") or "", threshold,
                                      commune=user.commune if user.role == "commune" else None)
    except reports.ReportError as exc:
        raise BadForm(texts.QUARTER_REFUSED.format(reason=exc)) from None
    suffix = "-anonymise" if threshold else ""
    name = f"tableau-de-suivi-{table.quarter}{suffix}.{fmt}"
    if fmt == "csv":
        text = io.StringIO(newline="")
        reports.write_csv(table, text)
        return download(text.getvalue().encode("utf-8-sig"), name, "text/csv; charset=utf-8")
    return download(reports.workbook_bytes(reports.quarter_workbook(table)), name,
                    reports.XLSX_TYPE)


@router.get("/rapports/annuel", response_class=HTMLResponse)
def annual(request: Request, user: CurrentUser, engine: EngineDep):
    params = request.query_params
    year = _year(params)
    commune = allowed_commune(user, engine, params.get("commune") or "")
    threshold = _threshold(params)
    report = reports.annual_report(engine, year, commune or None)
    if params.get("format") == "xlsx":
        suffix = "-anonymise" if threshold else ""
        return download(reports.workbook_bytes(reports.annual_workbook(report, threshold)),
                        f"bilan-annuel-{year}{suffix}.xlsx", reports.XLSX_TYPE)
    month_totals = [sum(m.values()) for m in report.months]
    with engine.connect() as conn:
        year_notes = notes.notes_for_year(conn, year)
    if commune:
        year_notes = {c: n for c, n in year_notes.items() if c == commune}
    day = today()
    month_notes = [texts.TO_COME if dt.date(year, i + 1, 1) > day else texts.NO_DATA_SHORT
                   for i in range(12)]
    return page(request, "annual.html", {
        "report": report, "year": year, "commune": commune,
        "cells": reports.annual_cells(report, threshold), "NETWORK": reports.NETWORK,
        "threshold": threshold, "trend": reports.trend, "months_fr": texts.MONTHS,
        "month_totals": month_totals, "month_notes": month_notes,
        "current_month": day.month - 1 if day.year == year else None, "year_notes": year_notes,
        "hand": manual.hand_figures(engine, reports.year_period(year), commune or None),
        "hand_rule": manual.RULE,
        "chart": bar_chart(f"Visites par mois en {year}", [
            (texts.MONTHS_SHORT[i], month_totals[i] if report.months_reported[i]
             or month_totals[i] else None, month_notes[i]) for i in range(12)]),
    })
