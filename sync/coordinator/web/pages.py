"""What every dashboard router shares: the templates and their filters, the session's user
and CSRF token, and the page and download responses with their security headers.

Every page needs a session (a signed cookie naming a session open in the database, see
sessions.py); without one `CurrentUser` sends the browser to the login page. `AdminUser` also needs the admin role (403 otherwise), and
`allowed_commune` keeps a commune reader to its commune. Kiosk bearer tokens are never looked at here, so they open nothing. Every
form carries a CSRF token bound to the session.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from sync.coordinator import reports, sessions, texts, users
from sync.coordinator.app import EngineDep
from sync.coordinator.kiosks import list_communes
from sync.coordinator.reports import hand

from .charts import fmt_int

HERE = Path(__file__).parent
LOCAL_TZ = ZoneInfo("Europe/Paris")


class LoginRequired(Exception):
    def __init__(self, path: str):
        self.path = path


class BadForm(Exception):
    """A refused form or query: shown as a page with one plain sentence."""

    def __init__(self, message: str, status: int = 400):
        self.message, self.status = message, status


# --------------------------------------------------------------------------- filters


def _pct(value) -> str:
    if value is None or value == "":
        return ""
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


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


def _hour_text(moment: dt.datetime | None) -> str:
    # The coordinator keeps contacts on the hour only: say so rather than show ":00".
    return texts.NEVER if moment is None else texts.AROUND_HOUR.format(moment=moment)


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(nombre=fmt_int, pct=_pct, decalage=_skew_text, heure=_hour_text)
templates.env.globals.update(
    category_label=reports.category_label, category_heading=reports.category_heading,
    category_thematique=reports.category_thematique,
    # An anonymised page hides a small paper tally as its files do (reports/hand.py).
    hand_shown=hand.shown, hand_block_total=hand.block_total)


# --------------------------------------------------------------------------- dependencies


def current_user(request: Request, engine: EngineDep) -> users.User:
    """The logged-in account, or LoginRequired: the cookie's session must still be open in
    the database (not logged out, no new password, account not removed, not expired)."""
    user_id = sessions.session_user_id(engine, request.session.get("sid"))
    user = users.get_user(engine, user_id) if user_id is not None else None
    if user is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    request.state.user = user  # for page(): who is logged in, what the menu offers
    return user


CurrentUser = Annotated[users.User, Depends(current_user)]


def admin_user(user: CurrentUser) -> users.User:
    """The logged-in account when it is an administrator (kiosks, tokens), else 403."""
    if not user.is_admin:
        raise BadForm(texts.ADMIN_ONLY, status=403)
    return user


AdminUser = Annotated[users.User, Depends(admin_user)]


def allowed_commune(user: users.User, engine, commune: str) -> str:
    """The commune a page shows: the one asked (checked) for administrators and readers
    ("" is the whole network); always its own for a commune reader (another one is 403)."""
    if user.role == "commune":
        if commune and commune != user.commune:
            raise BadForm(texts.NOT_YOUR_COMMUNE.format(commune=user.commune), status=403)
        return user.commune
    return known_commune(engine, commune)


def visible_communes(user: users.User, engine) -> list[str]:
    """The communes a user may choose from in a form."""
    return [user.commune] if user.role == "commune" else list_communes(engine)


def role_text(user: users.User) -> str:
    return texts.ROLE_LABELS[user.role].format(commune=user.commune)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def checked_form(request: Request) -> dict[str, str]:
    """The posted form, after checking its CSRF token against the session."""
    try:
        form = await request.form()
    except Exception:
        raise BadForm(texts.FORM_UNREADABLE) from None
    sent = form.get("csrf")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not expected or not secrets.compare_digest(sent, expected):
        raise BadForm(texts.FORM_EXPIRED, status=403)
    return {k: v for k, v in form.items() if isinstance(v, str)}


# --------------------------------------------------------------------------- responses


def page(request: Request, name: str, context: dict, status: int = 200) -> HTMLResponse:
    user = getattr(request.state, "user", None)
    context = {
        "csrf": csrf_token(request),
        "login": user.login if user else None,
        "role": role_text(user) if user else None,
        "is_admin": bool(user and user.is_admin),
        "all_communes": not (user and user.role == "commune"),
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


def download(data: bytes, filename: str, media_type: str) -> Response:
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def local(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite gives naive datetimes; they are stored in UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ)


def today(request: Request) -> dt.date:
    """Today in the network's time zone, by the app's one clock (create_app's `now`)."""
    return request.app.state.now().astimezone(LOCAL_TZ).date()


def known_commune(engine, commune: str) -> str:
    """`commune` when a kiosk is registered there ("" for the whole network), else BadForm."""
    if commune and commune not in list_communes(engine):
        raise BadForm(texts.UNKNOWN_COMMUNE.format(commune=commune))
    return commune
