"""The coordinator's web application: `POST /api/v1/counts`, `GET /healthz`, the dashboard.

Every error is a JSON body `{"detail": "<one line>", "errors": [{"field", "message"}]}`:
400 malformed JSON, 401 unknown or revoked token, 409 a 4th install id for one kiosk
(nothing filed until the coordinator resets the kiosk), 413 body over 1 MiB, 422 invalid
body or a day over the daily ceiling (naming the field), 429 too many pushes (with
Retry-After), 503 database busy. No per-request access log is written (see cli `serve`).
Bad input never produces a 500. A push's token is checked before its body is read, and
failed authentications are limited per client address (gate.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import os
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.coordinator import db, ingest, kiosks, texts
from sync.coordinator.gate import (
    PushGate,
    failure_limiter,
    in_push_thread,
    kiosk_finder,
    push_threads,
)
from sync.coordinator.gate import error as _error
from sync.coordinator.groupcommit import GroupCommitter
from sync.coordinator.limits import SharedBucket, SharedLoginThrottle, limits_engine
from sync.protocol import PATH, CountsAnswer, CountsPush, ErrorAnswer

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024

_bearer = HTTPBearer(auto_error=False, description="The kiosk's token from `add-kiosk`")
_ERRORS = {code: {"model": ErrorAnswer} for code in (400, 401, 409, 413, 422, 429, 503)}


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "[key]")]
    text_ = ""
    for part in parts:
        text_ += f"[{part}]" if part.isdigit() else (f".{part}" if text_ else part)
    return text_ or "body"


class BodyLimit:
    """Refuse a request body over `limit` bytes with 413, declared or streamed."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        def too_big():  # made only when needed: a response costs a JSON encoding
            return _error(413, f"request body over {self.limit} bytes")

        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            if length.isdigit():
                return await too_big()(scope, receive, send)
            return await _error(400, "bad Content-Length header")(scope, receive, send)
        # Read the whole body first (at most `limit` bytes), then replay it to the app:
        # an error raised while the app reads would be turned into a 400 by FastAPI.
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.limit:
                return await too_big()(scope, receive, send)
            if not message.get("more_body", False):
                break
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# Dependencies are async (they only read the request): a sync one would cost each push a
# trip through the thread pool.
async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


async def current_kiosk(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> kiosks.Kiosk:
    """The kiosk that gate.PushGate authenticated before the body was read (the bearer
    parameter only documents the scheme in the OpenAPI schema)."""
    kiosk = getattr(request.state, "kiosk", None)
    if kiosk is None:  # the gate guards PATH; anything else reaching here is refused
        raise HTTPException(401, "unknown or revoked kiosk token",
                            headers={"WWW-Authenticate": "Bearer"})
    return kiosk


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(db_url: str | None = None, *, engine: Engine | None = None,
               limiter: SharedBucket | None = None,
               now: Callable[[], dt.datetime] = utc_now) -> FastAPI:
    """The coordinator app on `db_url` (default: SQLite in the data dir), schema migrated.

    Everything several workers must agree on (push limits, failed authentications, login
    throttles, sessions) is kept in the database, so `serve --workers N` runs N of these.
    `now` is the one wall clock of the app (aware datetimes): the future-day check, the
    times it files, the dashboard's "today"; tests pass a frozen one."""
    engine = engine or db.make_engine(db_url)
    db.migrate(engine)
    shared = limits_engine(engine)
    app = FastAPI(title="Permanence kiosk coordinator", version="1",
                  description="Receives the anonymous per-day visit counts of the kiosks.")
    app.state.engine = engine
    app.state.now = now
    app.state.limiter = limiter or _limiter_from_env(shared)
    app.state.auth_failures = failure_limiter(shared)
    app.state.login_throttle = SharedLoginThrottle(shared)
    app.state.token_cache = kiosks.TokenCache()
    app.state.find_kiosk = kiosk_finder(engine, db.reader(engine), app.state.limiter)
    app.state.committer = (GroupCommitter(engine) if engine.dialect.name == "sqlite"
                           else None)
    app.state.daily_ceiling = ingest.daily_ceiling_from_env()
    app.state.push_threads = push_threads()
    app.add_middleware(BodyLimit)
    app.add_middleware(PushGate)  # added last, so it runs first: before the body is read

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request, exc: RequestValidationError):
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            reason = next(p for p in problems if p.get("type") == "json_invalid")
            return _error(400, f"malformed JSON body: {reason.get('ctx', {}).get('error', '')}".rstrip(": "))
        errors = [{"field": _field(p.get("loc", ())), "message": p.get("msg", "invalid")}
                  for p in problems]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return _error(422, f"invalid body: {first['field']}: {first['message']}{more}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(kiosks.TooManyInstalls)
    async def _too_many_installs(_request, _exc):
        return _error(409, texts.TOO_MANY_INSTALLS.format(n=kiosks.MAX_INSTALLS),
                      [{"field": "install_id", "message": "too many install ids"}])

    @app.exception_handler(kiosks.Revoked)
    async def _revoked(_request, exc: kiosks.Revoked):
        app.state.token_cache.drop(exc.args[0])
        return _error(401, "unknown or revoked kiosk token", headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(ingest.Refused)
    async def _refused(_request, exc: ingest.Refused):
        return _error(422, f"invalid body: {exc}",
                      [{"field": exc.field, "message": exc.message}])

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)  # every connection busy for db.POOL_TIMEOUT_S
    async def _busy(_request, exc: OperationalError | PoolTimeout):
        log.warning("database unavailable: %s", getattr(exc, "orig", exc))
        return _error(503, "database busy or unavailable, retry later",
                      headers={"Retry-After": "2"})

    @app.get("/healthz", responses={503: {"model": ErrorAnswer}})
    def healthz(engine: EngineDep):
        """200 when the service and its database answer; no authentication."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.post(PATH, response_model=CountsAnswer, responses=_ERRORS)
    async def push_counts(push: CountsPush,
                          kiosk: Annotated[kiosks.Kiosk, Depends(current_kiosk)],
                          engine: EngineDep, request: Request) -> CountsAnswer:
        """Store a kiosk's absolute per-day counts; keeps a day only for a higher revision."""
        ceiling = request.app.state.daily_ceiling
        committer = request.app.state.committer
        now = request.app.state.now()
        if committer is not None:
            return await asyncio.wrap_future(committer.submit(
                lambda conn: ingest.file_push(conn, kiosk.id, push, now, daily_ceiling=ceiling)))
        return await in_push_thread(request.app.state, lambda: ingest.ingest(
            engine, kiosk.id, push, now, daily_ceiling=ceiling))

    _mount_dashboard(app)
    return app


#: Set by `serve` for its workers: the database URL given with --db (never shown by `ps`).
SERVE_DB_ENV = "KIOSK_COORDINATOR_SERVE_DB"


def app_from_env(now: Callable[[], dt.datetime] = utc_now) -> FastAPI:
    """The app factory of `serve` (uvicorn --factory): each worker builds its own app, on
    the URL `serve` was given, else the configured one (`now`: the tests' frozen clock).

    The worker's start-up objects (modules, FastAPI's routes, SQLAlchemy's tables: about
    150,000) live as long as it does, so they are set aside from the garbage collector
    (`gc.freeze`): each full collection walked them all and held every request in flight,
    170-190 ms under load on 2 cores, twice in a 2,000-push run (the p99 of
    bench/ingest.py); it now walks what came after, about 3 ms."""
    app = create_app(os.environ.get(SERVE_DB_ENV) or None, now=now)
    gc.collect()  # start-up's garbage goes first, not into the frozen set
    gc.freeze()
    return app


def _limiter_from_env(engine: Engine) -> SharedBucket:
    # KIOSK_COORDINATOR_RATE_LIMIT: pushes a minute per token (bursts too), at least 60.
    raw = os.environ.get("KIOSK_COORDINATOR_RATE_LIMIT", "")
    if not raw:
        return SharedBucket(engine, "push")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 60:
        raise ValueError(f"KIOSK_COORDINATOR_RATE_LIMIT must be a whole number >= 60, not {raw!r}")
    return SharedBucket(engine, "push", per_minute=int(raw), burst=int(raw))


def _mount_dashboard(app: FastAPI) -> None:
    # The dashboard is a separate part (sync/coordinator/web/); the API works without it.
    try:
        from sync.coordinator import web
    except ModuleNotFoundError as exc:
        if exc.name != "sync.coordinator.web":
            raise
        log.info("dashboard not installed (sync.coordinator.web missing)")
        return
    web.mount(app)
