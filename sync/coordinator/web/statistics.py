"""The statistics page (`/`): one period's figures for the network or one commune."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync.coordinator import reports, texts
from sync.coordinator.app import EngineDep

from .charts import bar_chart
from .pages import BadForm, CurrentUser, allowed_commune, page, today, visible_communes

router = APIRouter(include_in_schema=False)


def parse_period(params) -> tuple[reports.Period, dict]:
    """The period asked in the query string (default: the current quarter)."""
    day = today()
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
        raise BadForm(texts.PERIOD_REFUSED.format(reason=exc)) from None
    return period, values


@router.get("/", response_class=HTMLResponse)
def statistics(request: Request, user: CurrentUser, engine: EngineDep):
    period, values = parse_period(request.query_params)
    commune = allowed_commune(user, engine, request.query_params.get("commune") or "")
    stats = reports.period_stats(engine, period, commune or None)
    totals = stats.category_totals
    day = today()
    several_years = period.start.year != period.end.year
    months = []
    for first, visits in stats.months:
        label = texts.MONTHS_SHORT[first.month - 1] if len(stats.months) > 1 \
            else texts.MONTHS[first.month - 1]
        label += f" {first.year}" if several_years or len(stats.months) == 1 else ""
        note = texts.TO_COME if first > day else texts.NO_DATA_SHORT
        months.append((label, visits, note))
    chart_months = months if len(months) <= 36 else None
    coverage = stats.coverage(day)
    return page(request, "stats.html", {
        "period": period,
        "values": values,
        "communes": visible_communes(user, engine),
        "commune": commune,
        "totals": totals,
        "total": sum(totals.values()),
        "by_commune": stats.by_commune,
        "months": months,
        "month_chart": bar_chart("Visites par mois", chart_months) if chart_months else None,
        "weekdays": stats.weekdays,
        "weekday_chart": bar_chart("Visites par jour de la semaine",
                                   [(d, n) for d, n, _ in stats.weekdays], width=560),
        "coverage": coverage,
        "reported_days": sum(c.days_with_visits + c.days_zero for c in coverage),
        "zero_days": sum(c.days_zero for c in coverage),
        "no_data_days": sum(c.days_no_data for c in coverage),
        "quarter": reports.quarter_of(period.start),
        "extras": reports.extras.section(engine, period.start, period.end, commune or None),
    })
