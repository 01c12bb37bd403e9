"""The push gate: a push's token is checked before one byte of its body is read.

FastAPI reads and parses a route's body before running its dependencies, so a bearer
check in a dependency comes after the JSON parser (and after the 1 MiB body limit has
waited for the body). This ASGI layer sits outside both: it takes the token from the
headers, limits failed authentications per client address, looks the token up (once per
worker: kiosks.TokenCache), limits pushes per kiosk (limits.SharedBucket: every worker
counts together), and only then lets the request through with `request.state.kiosk` set.

The client address is uvicorn's `scope["client"]`: behind the reverse proxy it is the
address the proxy forwards, believed only from the trusted proxy (uvicorn's
`--forwarded-allow-ips`, `FORWARDED_ALLOW_IPS`, 127.0.0.1 by default), so a client cannot
invent a new address for each try.
"""

from __future__ import annotations

import logging

from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from sync.coordinator import kiosks, transfers
from sync.coordinator.limits import SharedBucket
from sync.coordinator.ratelimit import retry_after
from sync.protocol import PATH

log = logging.getLogger(__name__)

#: Failed authentications allowed from one address: a burst, then this many a minute. A
#: kiosk with a revoked token tries a few times an hour; a sprayer is slowed to a crawl.
FAILURE_BURST = 20
FAILURES_PER_MINUTE = 10

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def error(status: int, detail: str, errors=(), headers=None) -> JSONResponse:
    """The API's one error body: `{"detail": "<one line>", "errors": [...]}`."""
    return JSONResponse({"detail": detail, "errors": list(errors)}, status_code=status,
                        headers=headers)


def failure_limiter(engine) -> SharedBucket:
    """Failed authentications per client address, counted by every worker together."""
    return SharedBucket(engine, "authfail", per_minute=FAILURES_PER_MINUTE,
                        burst=FAILURE_BURST, floor=1)


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _authenticate(engine, token: str) -> kiosks.Kiosk | None:
    with engine.connect() as conn:
        kiosk = kiosks.kiosk_for_token(conn, token)
    if kiosk is not None:
        transfers.ensure_key(engine, kiosk.id, token)
    return kiosk


class PushGate:
    """ASGI middleware guarding `POST PATH`; every other request passes untouched."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        answer = await self._refusal(scope)
        if answer is not None:
            return await answer(scope, receive, send)
        await self.app(scope, receive, send)

    async def _refusal(self, scope) -> JSONResponse | None:
        """None when the push may go on (its kiosk put in the request's state)."""
        state = scope["app"].state
        token = bearer_token(Headers(scope=scope))
        # A token this worker has seen needs no lookup, so no failure check either (the
        # push's transaction still refuses it if it was revoked since: kiosks.claim_kiosk).
        kiosk = state.token_cache.get(token) if token else None
        if kiosk is None:
            answer = await self._authenticate(state, scope, token)
            if isinstance(answer, JSONResponse):
                return answer
            kiosk = answer
        try:
            wait = await run_in_threadpool(state.limiter.acquire, f"kiosk:{kiosk.id}")
        except OperationalError as exc:
            return _busy(exc)
        if wait:
            return error(429, "too many pushes with this token, retry later",
                         headers={"Retry-After": retry_after(wait)})
        scope.setdefault("state", {})["kiosk"] = kiosk
        return None

    @staticmethod
    async def _authenticate(state, scope, token: str | None) -> kiosks.Kiosk | JSONResponse:
        """The kiosk of a token not in the cache, or the refusal to answer."""
        address = (scope.get("client") or ("unknown", 0))[0]
        failures = state.auth_failures
        try:
            wait = await run_in_threadpool(failures.wait, address)
            if wait:
                return error(429, "too many failed authentications from this address, "
                                  "retry later", headers={"Retry-After": retry_after(wait)})
            kiosk = None
            if token is not None:
                kiosk = await run_in_threadpool(_authenticate, state.engine, token)
            if kiosk is None:
                await run_in_threadpool(failures.acquire, address)
        except OperationalError as exc:
            return _busy(exc)
        if token is None:
            return error(401, "missing bearer token (Authorization: Bearer <token>)",
                         headers=_CHALLENGE)
        if kiosk is None:
            return error(401, "unknown or revoked kiosk token", headers=_CHALLENGE)
        state.token_cache.put(token, kiosk)
        return kiosk


def _busy(exc: OperationalError) -> JSONResponse:
    log.warning("database unavailable: %s", exc.orig)
    return error(503, "database busy or unavailable, retry later", headers={"Retry-After": "2"})
