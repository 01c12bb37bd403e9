"""Dashboard routes: login, kiosks, statistics, exports. Server-rendered French pages.

Every page needs a session (signed cookie); without one it redirects to the login page.
Kiosk bearer tokens are never looked at here, so they open nothing. Every form carries a
CSRF token bound to the session.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
from pathlib import Path
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from kiosk.periods import quarter_of
from sync.coordinator import reports, tokens, users

from .charts import bar_chart, fmt_int, qr_svg

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
SESSION_COOKIE = "coordinateur_session"
SESSION_MAX_AGE_S = 8 * 3600
STALE_AFTER_DAYS = 14
SKEW_WARNING_S = 600
DEFAULT_THRESHOLD = 5
LOCAL_TZ = ZoneInfo("Europe/Paris")

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["nombre"] = fmt_int


def _pct(value) -> str:
    if value is None or value == "":
        return ""
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


templates.env.filters["pct"] = _pct
templates.env.globals["category_label"] = reports.category_label
templates.env.globals["category_heading"] = reports.category_heading
templates.env.globals["category_thematique"] = reports.category_thematique

router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    def __init__(self, path: str):
        self.path = path


class BadForm(Exception):
    """A refused form or query: shown as a page with one plain sentence."""

    def __init__(self, message: str, status: int = 400):
        self.message, self.status = message, status


def install(app: FastAPI, *, secret_key: str | None = None) -> None:
    secret = secret_key or os.environ.get("KIOSK_COORDINATOR_SECRET") or secrets.token_urlsafe(32)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=os.environ.get("KIOSK_COORDINATOR_HTTPS_ONLY", "") == "1",
    )
    app.state.login_throttle = users.LoginThrottle()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _to_login(_request: Request, exc: LoginRequired):
        return RedirectResponse(f"/connexion?suite={quote(exc.path)}", status_code=303)

    @app.exception_handler(BadForm)
    async def _bad_form(request: Request, exc: BadForm):
        return _page(request, "error.html", {"message": exc.message}, status=exc.status)


# --------------------------------------------------------------------------- helpers


def _engine(request: Request):
    return request.app.state.engine


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def _user(request: Request) -> users.User:
    """The logged-in account, or LoginRequired (also when the account has been removed)."""
    user_id = request.session.get("user_id")
    user = users.get_user(_engine(request), user_id) if isinstance(user_id, int) else None
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    return user


async def _form(request: Request) -> dict[str, str]:
    """The posted form, after checking its CSRF token against the session."""
    try:
        form = await request.form()
    except Exception:
        raise BadForm("Le formulaire envoyé est illisible.") from None
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise BadForm(
            "Le formulaire a expiré ou ne vient pas de ce site : rechargez la page et recommencez.",
            status=403,
        )
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _page(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
    user_id = request.session.get("user_id")
    context = {
        "csrf": _csrf(request),
        "login": request.session.get("login") if user_id else None,
        "path": request.url.path,
        **context,
    }
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return response


def _safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite gives naive datetimes; they are stored in UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ)


def _today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


# --------------------------------------------------------------------------- login


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request, suite: str = "/"):
    return _page(request, "login.html", {"suite": _safe_next(suite), "error": None})


@router.post("/connexion", response_class=HTMLResponse)
async def login(request: Request):
    form = await _form(request)
    login_name = form.get("login", "").strip()[:80]
    password = form.get("password", "")
    suite = _safe_next(form.get("suite"))
    address = request.client.host if request.client else "?"
    throttle: users.LoginThrottle = request.app.state.login_throttle
    wait = throttle.wait_s(login_name, address)
    if wait > 0:
        message = f"Trop d'essais : attendez {int(wait) + 1} secondes avant de réessayer."
        return _page(request, "login.html", {"suite": suite, "error": message}, status=429)
    user = users.verify_user(_engine(request), login_name, password)
    if user is None:
        throttle.failed(login_name, address)
        message = "Identifiant ou mot de passe incorrect."
        return _page(request, "login.html", {"suite": suite, "error": message}, status=401)
    throttle.succeeded(login_name, address)
    request.session.clear()  # a fresh session: nothing set before the login survives it
    request.session.update(user_id=user.id, login=user.login, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(suite, status_code=303)


@router.post("/deconnexion")
async def logout(request: Request):
    await _form(request)
    request.session.clear()
    return RedirectResponse("/connexion", status_code=303)


# --------------------------------------------------------------------------- statistics


def _parse_period(params) -> tuple[reports.Period, dict]:
    """The period asked in the query string (default: the current quarter)."""
    today = _today()
    kind = params.get("periode") or "trimestre"
    values = {
        "periode": kind,
        "mois": params.get("mois") or f"{today:%Y-%m}",
        "trimestre": params.get("trimestre") or quarter_of(today),
        "annee": params.get("annee") or str(today.year),
        "du": params.get("du") or f"{today.replace(day=1):%Y-%m-%d}",
        "au": params.get("au") or f"{today:%Y-%m-%d}",
    }
    try:
        if kind == "mois":
            match = re.fullmatch(r"(\d{4})-(\d{2})", values["mois"].strip())
            if not match:
                raise reports.ReportError(f"« {values['mois']} » n'est pas un mois (AAAA-MM)")
            period = reports.month_period(int(match.group(1)), int(match.group(2)))
        elif kind == "trimestre":
            period = reports.quarter_period(values["trimestre"])
        elif kind == "annee":
            if not values["annee"].strip().isdigit():
                raise reports.ReportError(f"« {values['annee']} » n'est pas une année")
            period = reports.year_period(int(values["annee"]))
        elif kind == "plage":
            start = dt.date.fromisoformat(values["du"].strip())
            end = dt.date.fromisoformat(values["au"].strip())
            period = reports.range_period(start, end)
        else:
            raise reports.ReportError(f"« {kind} » n'est pas un type de période connu")
    except ValueError as exc:
        raise BadForm(f"Période refusée : {exc}.") from None
    return period, values


@router.get("/", response_class=HTMLResponse)
def statistics(request: Request):
    _user(request)
    engine = _engine(request)
    period, values = _parse_period(request.query_params)
    communes = reports.list_communes(engine)
    commune = request.query_params.get("commune") or ""
    if commune and commune not in communes:
        raise BadForm(f"Aucune borne n'est enregistrée pour la commune « {commune} ».")
    stats = reports.period_stats(engine, period, commune or None)
    totals = stats.category_totals
    total = sum(totals.values())
    today = _today()
    several_years = period.start.year != period.end.year
    months = []
    for first, visits in stats.months:
        label = reports.MONTHS_SHORT_FR[first.month - 1] if len(stats.months) > 1 \
            else reports.MONTHS_FR[first.month - 1]
        label += f" {first.year}" if several_years or len(stats.months) == 1 else ""
        note = "à venir" if first > today else "aucune donnée"
        months.append((label, visits, note))
    chart_months = months if len(months) <= 36 else None
    coverage = stats.coverage(_today())
    context = {
        "period": period,
        "values": values,
        "communes": communes,
        "commune": commune,
        "totals": totals,
        "total": total,
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
        "quarter": quarter_of(period.start),
    }
    return _page(request, "stats.html", context)


# --------------------------------------------------------------------------- kiosks


def _kiosk_rows(engine) -> list[dict]:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for k in reports.list_kiosks(engine):
        last = _local(k.last_contact_at)
        days_since = (now - last).days if last else None
        warnings = []
        if k.revoked_at is None:
            if last is None:
                warnings.append("jamais contactée")
            elif days_since > STALE_AFTER_DAYS:
                warnings.append(f"aucun contact depuis plus de {STALE_AFTER_DAYS} jours")
            if k.clock_trusted is False:
                warnings.append("horloge non fiable")
            elif k.clock_skew_s is not None and abs(k.clock_skew_s) > SKEW_WARNING_S:
                warnings.append("horloge décalée de plus de 10 minutes")
        rows.append({"kiosk": k, "last": last, "days_since": days_since,
                     "revoked": _local(k.revoked_at), "warnings": warnings})
    return rows


def _skew_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    sign = "+" if seconds >= 0 else "−"
    seconds = abs(seconds)
    if seconds < 120:
        return f"{sign}{seconds:.0f} s"
    if seconds < 7200:
        return f"{sign}{seconds / 60:.0f} min"
    return f"{sign}{seconds / 3600:.1f} h".replace(".", ",")


templates.env.filters["decalage"] = _skew_text


@router.get("/bornes", response_class=HTMLResponse)
def kiosk_list(request: Request):
    _user(request)
    rows = _kiosk_rows(_engine(request))
    return _page(request, "kiosks.html", {
        "active": [r for r in rows if r["revoked"] is None],
        "revoked": [r for r in rows if r["revoked"] is not None],
        "stale_days": STALE_AFTER_DAYS,
    })


@router.get("/bornes/ajouter", response_class=HTMLResponse)
def kiosk_new_page(request: Request):
    _user(request)
    communes = reports.list_communes(_engine(request))
    return _page(request, "kiosk_new.html", {"communes": communes, "error": None, "form": {}})


@router.post("/bornes/ajouter", response_class=HTMLResponse)
async def kiosk_new(request: Request):
    _user(request)
    form = await _form(request)
    engine = _engine(request)
    name, commune = form.get("nom", "").strip(), form.get("commune", "").strip()
    try:
        token = tokens.add_kiosk(engine, name, commune)
    except tokens.KioskError as exc:
        communes = reports.list_communes(engine)
        return _page(request, "kiosk_new.html",
                     {"communes": communes, "error": f"Borne refusée : {exc}.", "form": form},
                     status=400)
    url = str(request.base_url).rstrip("/")
    payload = json.dumps({"url": url, "token": token}, separators=(",", ":"))
    return _page(request, "kiosk_created.html", {
        "name": name, "commune": commune, "token": token, "url": url, "qr": qr_svg(payload),
    })


def _kiosk_by_id(request: Request, kiosk_id: int) -> reports.KioskInfo:
    for k in reports.list_kiosks(_engine(request)):
        if k.id == kiosk_id:
            return k
    raise BadForm("Cette borne n'existe pas.", status=404)


@router.get("/bornes/{kiosk_id}/revoquer", response_class=HTMLResponse)
def kiosk_revoke_page(request: Request, kiosk_id: int):
    _user(request)
    return _page(request, "kiosk_revoke.html", {"kiosk": _kiosk_by_id(request, kiosk_id)})


@router.post("/bornes/{kiosk_id}/revoquer")
async def kiosk_revoke(request: Request, kiosk_id: int):
    _user(request)
    await _form(request)
    kiosk = _kiosk_by_id(request, kiosk_id)
    tokens.revoke_kiosk(_engine(request), kiosk.name)
    return RedirectResponse("/bornes", status_code=303)


# --------------------------------------------------------------------------- exports


def _threshold(params) -> int | None:
    """The small-cell threshold asked for, or None when suppression is off."""
    if params.get("masquer") not in ("1", "on", "oui"):
        return None
    raw = (params.get("seuil") or str(DEFAULT_THRESHOLD)).strip()
    if not raw.isdigit() or not 2 <= int(raw) <= 100:
        raise BadForm("Le seuil de masquage doit être un nombre entier entre 2 et 100.")
    return int(raw)


def _year(params) -> int:
    raw = (params.get("annee") or str(_today().year)).strip()
    if not raw.isdigit() or not 2000 <= int(raw) <= 2999:
        raise BadForm(f"« {raw} » n'est pas une année entre 2000 et 2999.")
    return int(raw)


def _download(data: bytes, filename: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/rapports", response_class=HTMLResponse)
def reports_page(request: Request):
    _user(request)
    today = _today()
    quarters = []
    year, q = today.year, (today.month - 1) // 3 + 1
    for _ in range(8):
        quarters.append(f"{year}-Q{q}")
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return _page(request, "reports.html", {
        "quarters": quarters, "years": list(range(today.year, today.year - 6, -1)),
        "communes": reports.list_communes(_engine(request)), "threshold": DEFAULT_THRESHOLD,
    })


@router.get("/rapports/trimestre")
def quarter_export(request: Request):
    _user(request)
    params = request.query_params
    quarter = (params.get("trimestre") or "").strip()
    fmt = params.get("format") or "xlsx"
    threshold = _threshold(params)
    if fmt not in ("csv", "xlsx"):
        raise BadForm("Le format doit être CSV ou XLSX.")
    try:
        table = reports.quarter_table(_engine(request), quarter, threshold)
    except reports.ReportError as exc:
        raise BadForm(f"Trimestre refusé : {exc}.") from None
    suffix = "-anonymise" if threshold else ""
    name = f"tableau-de-suivi-{table.quarter}{suffix}.{fmt}"
    if fmt == "csv":
        return _download(reports.quarter_csv(table).encode("utf-8-sig"), name,
                         "text/csv; charset=utf-8")
    return _download(reports.workbook_bytes(reports.quarter_workbook(table)), name, XLSX)


@router.get("/rapports/annuel", response_class=HTMLResponse)
def annual(request: Request):
    _user(request)
    engine = _engine(request)
    params = request.query_params
    year = _year(params)
    commune = params.get("commune") or ""
    if commune and commune not in reports.list_communes(engine):
        raise BadForm(f"Aucune borne n'est enregistrée pour la commune « {commune} ».")
    threshold = _threshold(params)
    report = reports.annual_report(engine, year, commune or None)
    if params.get("format") == "xlsx":
        suffix = "-anonymise" if threshold else ""
        name = f"bilan-annuel-{year}{suffix}.xlsx"
        return _download(reports.workbook_bytes(reports.annual_workbook(report, threshold)),
                         name, XLSX)
    month_totals = [sum(m.values()) for m in report.months]
    today = _today()
    month_notes = ["à venir" if dt.date(year, i + 1, 1) > today else "aucune donnée"
                   for i in range(12)]
    current_month = today.month - 1 if today.year == year else None
    return _page(request, "annual.html", {
        "report": report, "year": year, "commune": commune,
        "cells": reports.annual_cells(report, threshold), "NETWORK": reports.NETWORK,
        "threshold": threshold, "trend": reports.trend, "months_fr": reports.MONTHS_FR,
        "month_totals": month_totals, "month_notes": month_notes,
        "current_month": current_month,
        "chart": bar_chart(f"Visites par mois en {year}", [
            (reports.MONTHS_SHORT_FR[i], month_totals[i] if report.months_reported[i]
             or month_totals[i] else None, month_notes[i]) for i in range(12)]),
    })

