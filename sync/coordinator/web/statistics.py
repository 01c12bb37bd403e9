"""The statistics page (`/`): one period's figures for the network or one commune."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync.coordinator import equipment, manual, reports, texts
from sync.coordinator.app import EngineDep

from . import stats_file
from .charts import bar_chart, month_chart
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


def parse_period(params, day: dt.date) -> tuple[reports.Period, dict]:
    """The period asked in the query string (default: the quarter of `day`, today)."""
    kind = params.get("periode") or "trimestre"
    values = {
        "periode": kind,
        "mois": params.get("mois") or f"{day:%Y-%m}",
        "trimestre": params.get("trimestre") or reports.quarter_of(day),
        "annee": params.get("annee") or str(day.year),
        "du": params.get("du") or f"{day.replace(day=1):%Y-%m-%d}",
        "au": params.get("au") or f"{day:%Y-%m-%d}",
    }
    try:
        if kind == "mois":
            period = reports.parse_month(values["mois"])
        elif kind == "trimestre":
            period = reports.quarter_period(values["trimestre"])
        elif kind == "annee":
            period = reports.year_period(reports.parse_year(values["annee"]))
        elif kind == "plage":
            period = reports.range_period(reports.parse_day(values["du"]),
                                          reports.parse_day(values["au"]))
        else:
            raise reports.ReportError(texts.UNKNOWN_PERIOD_KIND.format(kind=kind))
    except reports.ReportError as exc:
        raise BadForm(texts.PERIOD_REFUSED.format(reason=exc.fr)) from None
    return period, values


def _silences(coverage) -> list[str]:
    """One sentence per silent kiosk (expected.py), for the alert above the figures."""
    lines = []
    for c in coverage:
        if c.days.silent:
            wording = texts.SILENT if c.days.hours_known else texts.SILENT_NO_HOURS
            name = c.kiosk.name if c.kiosk.name == c.kiosk.commune \
                else f"{c.kiosk.name} ({c.kiosk.commune})"
            lines.append(wording.format(kiosk=name, days=c.days.silent_days,
                                        first=c.days.silent_from, last=c.days.silent_until))
    return lines


def _months(stats: reports.PeriodStats, day) -> list[tuple]:
    period = stats.period
    several_years = period.start.year != period.end.year
    months = []
    for first, visits in stats.months:
        label = texts.MONTHS_SHORT[first.month - 1] if len(stats.months) > 1 \
            else texts.MONTHS[first.month - 1]
        label += f" {first.year}" if several_years or len(stats.months) == 1 else ""
        note = texts.TO_COME if first > day else texts.NO_DATA_SHORT
        months.append((label, visits, note))
    return months


@router.get("/", response_class=HTMLResponse)
def statistics(request: Request, user: CurrentUser, engine: EngineDep):
    day = today(request)
    period, values = parse_period(request.query_params, day)
    commune = allowed_commune(user, engine, request.query_params.get("commune") or "")
    stats = reports.period_stats(engine, period, commune or None)
    totals = stats.category_totals
    months = _months(stats, day)
    coverage = stats.coverage(day)
    query = {k: v for k, v in values.items() if k == "periode" or k == values["periode"]
             or (values["periode"] == "plage" and k in ("du", "au"))}
    return page(request, "stats.html", {
        "period": period,
        "values": values,
        "communes": visible_communes(user, engine),
        "commune": commune,
        "totals": totals,
        "total": sum(totals.values()),
        "has_data": bool(stats.day_totals) or bool(stats.total),
        "by_commune": stats.by_commune,
        "months": months,
        "month_chart": month_chart(months) if months else None,
        "weekdays": stats.weekdays,
        "weekday_chart": bar_chart("Visites par jour de la semaine",
                                   [(d, n) for d, n, _ in stats.weekdays], width=560),
        "coverage": coverage,
        "silences": _silences(coverage),
        "hours_unknown": [c.kiosk.name for c in coverage if not c.days.hours_known],
        "reported_days": sum(c.days_with_visits + c.days_zero for c in coverage),
        "zero_days": sum(c.days_zero for c in coverage),
        "no_data_days": sum(c.days_no_data for c in coverage),
        "closed_days": sum(c.days.closed for c in coverage),
        "as_of": stats_file.as_of_note(period, day),
        "download": urlencode({**query, "commune": commune}),
        "quarter": reports.quarter_of(period.start),
        "hand": manual.hand_figures(engine, period, commune or None), "hand_rule": manual.RULE,
        "flags": equipment.flags(engine, day) if user.is_admin else [],
        "startup_days": equipment.STARTUP_DAYS, "warranty_months": equipment.WARRANTY_MONTHS,
        "extras": reports.extras.section(engine, period.start, period.end, commune or None),
    })


@router.get("/statistiques/export")
def statistics_file(request: Request, user: CurrentUser, engine: EngineDep):
    """The page's figures as a file: the same period and commune (XLSX, or CSV)."""
    day = today(request)
    period, _values = parse_period(request.query_params, day)
    commune = allowed_commune(user, engine, request.query_params.get("commune") or "")
    fmt = request.query_params.get("format") or "xlsx"
    if fmt not in ("csv", "xlsx"):
        raise BadForm(texts.BAD_FORMAT)
    stats = reports.period_stats(engine, period, commune or None)
    name = stats_file.file_name(stats, commune, fmt)
    if fmt == "csv":
        return download(stats_file.stats_csv(stats, commune, day), name,
                        "text/csv; charset=utf-8")
    return download(reports.workbook_bytes(stats_file.stats_workbook(stats, commune, day)),
                    name, reports.XLSX_TYPE)
