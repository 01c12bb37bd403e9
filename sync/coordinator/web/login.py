"""Logging in and out of the dashboard: argon2 check, throttling, a fresh session.

The argon2 check takes 64 MiB and a good part of a second of CPU: it runs in a worker
thread, never on the event loop (which would stall every other request, /healthz and the
kiosks' pushes included), and at most ARGON2_CONCURRENCY at once, so a burst of logins
queues instead of taking every core and all the memory.
"""

from __future__ import annotations

import os
import secrets

import anyio
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sync.coordinator import sessions, texts, users
from sync.coordinator.app import EngineDep

from .pages import checked_form, page, safe_next

router = APIRouter(include_in_schema=False)

#: Password checks running at once in one process; the others wait (holding no thread).
#: Half the cores: the other half keep serving pushes and pages during a burst of logins.
ARGON2_CONCURRENCY = max(1, (os.cpu_count() or 2) // 2)


def check_limiter(app: FastAPI) -> anyio.CapacityLimiter:
    """The process's cap on concurrent password checks (made on first use)."""
    limiter = getattr(app.state, "argon2_limiter", None)
    if limiter is None:
        limiter = app.state.argon2_limiter = anyio.CapacityLimiter(ARGON2_CONCURRENCY)
    return limiter


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
    # limits.SharedLoginThrottle: in the database, so every worker holds a guesser back; its
    # calls are queries, run off the event loop.
    throttle = request.app.state.login_throttle
    wait = await run_in_threadpool(throttle.wait_s, login_name, address)
    if wait > 0:
        message = texts.TOO_MANY_TRIES.format(seconds=int(wait) + 1)
        return page(request, "login.html", {"suite": suite, "error": message}, status=429)
    # Counted as failed before the check, so parallel guesses cannot all pass wait_s()
    # first; a right password clears the count.
    await run_in_threadpool(throttle.failed, login_name, address)
    user = await anyio.to_thread.run_sync(users.verify_user, engine, login_name, password,
                                          limiter=check_limiter(request.app))
    if user is None:
        message = texts.BAD_LOGIN
        return page(request, "login.html", {"suite": suite, "error": message}, status=401)
    await run_in_threadpool(throttle.succeeded, login_name, address)
    session_id = await run_in_threadpool(sessions.open_session, engine, user.id)
    request.session.clear()  # a fresh session: nothing set before the login survives it
    request.session.update(sid=session_id, login=user.login, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(suite, status_code=303)


@router.post("/deconnexion")
async def logout(request: Request, engine: EngineDep):
    """Ends the session in the database too: a copy of the cookie opens nothing after."""
    await checked_form(request)
    await run_in_threadpool(sessions.close_session, engine, request.session.get("sid"))
    request.session.clear()
    return RedirectResponse("/connexion", status_code=303)
