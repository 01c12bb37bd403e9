"""The coordinator's dashboard: login, statistics, kiosks, reports. Server-rendered French
pages, one router per resource; `pages` holds what they share (templates, filters, the
session's user, CSRF, responses).

A new resource is one module with a `router` plus one line in ROUTERS.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from sync.coordinator import users

from . import (
    accounts,
    communes,
    directory,
    entries,
    equipment_pages,
    exports,
    imports,
    kiosks,
    login,
    quarter_notes,
    statistics,
    tallies,
    transfer,
)
from .pages import HERE, BadForm, LoginRequired, page

ROUTERS = (login.router, statistics.router, kiosks.router, exports.router, transfer.router,
           directory.router, entries.router, imports.router, tallies.router,
           quarter_notes.router, equipment_pages.router, communes.router, accounts.router)

SESSION_COOKIE = "coordinateur_session"
SESSION_MAX_AGE_S = 8 * 3600


def mount(app: FastAPI, *, secret_key: str | None = None) -> None:
    """Attach the dashboard to `app` (called once by create_app, before the app starts)."""
    secret = secret_key or os.environ.get("KIOSK_COORDINATOR_SECRET") or secrets.token_urlsafe(32)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=os.environ.get("KIOSK_COORDINATOR_HTTPS_ONLY", "") == "1",
    )
    if not hasattr(app.state, "login_throttle"):  # create_app shares it between workers
        app.state.login_throttle = users.LoginThrottle()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _to_login(_request: Request, exc: LoginRequired):
        return RedirectResponse(f"/connexion?suite={quote(exc.path)}", status_code=303)

    @app.exception_handler(BadForm)
    async def _bad_form(request: Request, exc: BadForm):
        return page(request, "error.html", {"message": exc.message}, status=exc.status)
