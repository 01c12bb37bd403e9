"""Logging in and out of the dashboard: argon2 check, throttling, a fresh session."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from sync.coordinator import texts, users
from sync.coordinator.app import EngineDep

from .pages import checked_form, page, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/connexion", response_class=HTMLResponse)
def login_page(request: Request, suite: str = "/"):
    return page(request, "login.html", {"suite": safe_next(suite), "error": None})


@router.post("/connexion", response_class=HTMLResponse)
async def login(request: Request, engine: EngineDep):
    form = await checked_form(request)
    login_name = form.get("login", "").strip()[:80]
    password = form.get("password", "")
    suite = safe_next(form.get("suite"))
    address = request.client.host if request.client else "?"
    throttle: users.LoginThrottle = request.app.state.login_throttle
    wait = throttle.wait_s(login_name, address)
    if wait > 0:
        message = texts.TOO_MANY_TRIES.format(seconds=int(wait) + 1)
        return page(request, "login.html", {"suite": suite, "error": message}, status=429)
    user = users.verify_user(engine, login_name, password)
    if user is None:
        throttle.failed(login_name, address)
        message = texts.BAD_LOGIN
        return page(request, "login.html", {"suite": suite, "error": message}, status=401)
    throttle.succeeded(login_name, address)
    request.session.clear()  # a fresh session: nothing set before the login survives it
    request.session.update(user_id=user.id, login=user.login, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(suite, status_code=303)


@router.post("/deconnexion")
async def logout(request: Request):
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/connexion", status_code=303)
