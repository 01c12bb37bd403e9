"""The reports pages (`/rapports`): the quarterly table and the annual report, with downloads."""

from __future__ import annotations

import datetime as dt
import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync.coordinator import manual, notes, reports, texts
from sync.coordinator.app import EngineDep
from sync.coordinator.reports.annual_parts import annual_sections
from sync.coordinator.reports.annual_view import annual_figures
from sync.coordinator.reports.funder import funder_workbook
from sync.coordinator.reports.pdf import PDF_TYPE, annual_pdf

from . import mandate
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
router.include_router(mandate.router)  # the public mandate: a printable form, no login

DEFAULT_THRESHOLD = 5


def _threshold(params) -> int | None:
    """The small-cell threshold asked for, or None when suppression is off."""
    if params.get("masquer") not in ("1", "on", "oui"):
        return None
    try:
        return reports.whole_number(params.get("seuil") or str(DEFAULT_THRESHOLD), "seuil", 2, 100)
    except reports.ReportError:
        raise BadForm(texts.BAD_THRESHOLD) from None


def _year(params, day: dt.date) -> int:
    raw = params.get("annee") or str(day.year)
    try:
        return reports.parse_year(raw)
    except reports.ReportError:
        raise BadForm(texts.BAD_YEAR.format(text=raw)) from None


@router.get("/rapports", response_class=HTMLResponse)
def reports_page(request: Request, user: CurrentUser, engine: EngineDep):
    day = today(request)
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
                                      commune=user.commune if user.role == "commune" else None,
                                      today=today(request))
    except reports.ReportError as exc:
        raise BadForm(texts.QUARTER_REFUSED.format(reason=exc.fr)) from None
    suffix = "-anonymise" if threshold else ""
    name = f"tableau-de-suivi-{table.quarter}{suffix}.{fmt}"
    if fmt == "csv":
        text = io.StringIO(newline="")
        reports.write_csv(table, text)
        return download(text.getvalue().encode("utf-8-sig"), name, "text/csv; charset=utf-8")
    workbook = funder_workbook(engine, table.quarter, today(request), threshold,
                               commune=user.commune if user.role == "commune" else None)
    return download(reports.workbook_bytes(workbook), name, reports.XLSX_TYPE)


@router.get("/rapports/annuel", response_class=HTMLResponse)
def annual(request: Request, user: CurrentUser, engine: EngineDep):
    params = request.query_params
    year = _year(params, today(request))
    commune = allowed_commune(user, engine, params.get("commune") or "")
    threshold = _threshold(params)
    figures = annual_figures(engine, year, commune or None, threshold, today(request))
    report = figures.report
    suffix = "-anonymise" if threshold else ""
    if params.get("format") == "xlsx":
        return download(reports.workbook_bytes(reports.annual_workbook(report, threshold)),
                        f"bilan-annuel-{year}{suffix}.xlsx", reports.XLSX_TYPE)
    if params.get("format") == "pdf":
        pdf = annual_pdf(figures, annual_sections(engine, year, commune or None))
        return download(pdf, f"bilan-annuel-{year}{suffix}.pdf", PDF_TYPE)
    with engine.connect() as conn:
        year_notes = notes.notes_for_year(conn, year)
    if commune:
        year_notes = {c: n for c, n in year_notes.items() if c == commune}
    return page(request, "annual.html", {
        "report": report, "year": year, "commune": commune, "threshold": threshold,
        "table": figures.table, "change_text": reports.change_text, "cells": figures.cells,
        "year_notes": year_notes,
        "hand": manual.hand_figures(engine, reports.year_period(year), commune or None),
        "hand_rule": manual.RULE,
        "chart": bar_chart(f"Visites par mois en {year}", figures.chart_points),
    })
