"""The push gate: a push's token is checked before one byte of its body is read.

FastAPI reads and parses a route's body before running its dependencies, so a bearer
check in a dependency comes after the JSON parser (and after the 1 MiB body limit has
waited for the body). This ASGI layer sits outside both: it takes the token from the
headers, looks it up (once per worker: kiosks.TokenCache), limits failed authentications
per client address and pushes per kiosk (limits.SharedBucket: every worker counts
together; on PostgreSQL an unseen token's lookup takes from its kiosk's bucket in the same
statement), and only then lets the request through with `request.state.kiosk` set. A
failed lookup costs no more than checking the address's failures would, so the lookup
comes first and a good token is never held back by its neighbours' failures.

Pushes run their blocking work (here, and the transaction on a database server: app.py)
on PUSH_THREADS threads of their own, not on the 40 of the shared pool: with 64 pushes at
once on a 2-core machine, 40 threads taking turns at the interpreter's lock cost more than
they overlapped (bench/ingest.py, PostgreSQL, 2 workers, 1,000 kiosks: a kiosk's first
push went from 0.39-0.42 of the trivial endpoint's rate with 40 threads to 0.43-0.53 with
4, its next ones from 0.48-0.51 to 0.48-0.60; 2 did as well, 4 leave room for a push held
by a row lock). The dashboard's pages keep the shared pool,
so a slow report never holds a push back, nor a burst of pushes a page.

The client address is uvicorn's `scope["client"]`: behind the reverse proxy it is the
address the proxy forwards, believed only from the trusted proxy (uvicorn's
`--forwarded-allow-ips`, `FORWARDED_ALLOW_IPS`, 127.0.0.1 by default), so a client cannot
invent a new address for each try.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi.responses import JSONResponse
from sqlalchemy import Boolean, Engine, Float, bindparam, select, text, true
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers

from sync.coordinator import db, kiosks, transfers
from sync.coordinator.limits import SharedBucket, taking
from sync.coordinator.ratelimit import retry_after
from sync.coordinator.schema import kiosks as kiosks_table
from sync.coordinator.schema import transfer_keys
from sync.protocol import PATH

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Failed authentications allowed from one address: a burst, then this many a minute. A
#: kiosk with a revoked token tries a few times an hour; a sprayer is slowed to a crawl.
FAILURE_BURST = 20
FAILURES_PER_MINUTE = 10

_CHALLENGE = {"WWW-Authenticate": "Bearer"}

#: Threads a worker gives to pushes at once (more wait for one, in arrival order).
PUSH_THREADS = 4


def push_threads() -> anyio.CapacityLimiter:
    """The limiter of a worker's push threads (app.state.push_threads)."""
    return anyio.CapacityLimiter(PUSH_THREADS)


async def in_push_thread(state, work: Callable[[], T]) -> T:
    """`work()` on one of the pushes' threads (`state`: the app's state)."""
    return await anyio.to_thread.run_sync(work, limiter=state.push_threads)


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


# One statement on the reader (no queueing behind the writer of the counts), which also
# tells whether the kiosk's transfer key is kept yet. Built once: building it per lookup
# cost more than running it.
_LOOKUP = (select(kiosks_table.c.id, kiosks_table.c.name, kiosks_table.c.commune,
                  transfer_keys.c.kiosk_id.label("keyed"))
           .outerjoin(transfer_keys, transfer_keys.c.kiosk_id == kiosks_table.c.id)
           .where(kiosks_table.c.token_hash == bindparam("token_hash"),
                  kiosks_table.c.revoked_at.is_(None)))


def _lookup_taking():
    """PostgreSQL: the lookup and the found kiosk's push bucket in one statement, so a token
    the worker has not seen yet (every kiosk's first push after a restart) costs one round
    trip, as a known one does. (On SQLite the buckets live in a file of their own: limits.py.)"""
    found = _LOOKUP.cte("found")
    bucket = text(taking("SELECT CAST(:prefix AS TEXT) || CAST(found.id AS TEXT), :first, "
                         ":now, :yes FROM found")).columns(level=Float, taken=Boolean).cte("taken")
    return select(found, bucket.c.level, bucket.c.taken).join_from(found, bucket, true())


_LOOKUP_TAKING = _lookup_taking()


def _bucket_key(kiosk_id) -> str:
    """A kiosk's key in the push limiter (`_lookup_taking` appends the id in SQL)."""
    return f"kiosk:{kiosk_id}"


def kiosk_finder(engine: Engine, reader: Engine, bucket: SharedBucket):
    """`find(token_hash)`: the lookup a worker runs for a token it has not seen, answering
    the kiosk's row (id, name, commune, keyed; None: unknown or revoked) and the wait its
    push bucket answered when the lookup took from it too (None: not taken yet). Both run
    straight on a pooled connection (db.run_alone), once per kiosk and worker."""
    # One statement needs the kiosks and the buckets in one database server.
    if bucket.engine.dialect.name == "postgresql" and bucket.engine.url == engine.url:
        run = db.run_alone(bucket.engine, _LOOKUP_TAKING)
        prefix = bucket.key(_bucket_key(""))

        def find(token_hash: str):
            now = bucket.clock()
            rows = run({"token_hash": token_hash, "prefix": prefix, **bucket.parameters(now)})
            if not rows:
                return None, None
            *kiosk, level, taken = rows[0]
            return tuple(kiosk), bucket.answer(level, taken, now)
        return find

    run_lookup = db.run_alone(reader, _LOOKUP, writes=False)

    def find_only(token_hash: str):
        rows = run_lookup({"token_hash": token_hash})
        return (rows[0] if rows else None), None
    return find_only


def _authenticate(state, token: str) -> tuple[kiosks.Kiosk | None, float | None]:
    """The token's kiosk (None: unknown or revoked), and the wait its push bucket answered
    when the lookup took from it too (None: not taken yet)."""
    row, wait = state.find_kiosk(kiosks.hash_token(token))
    if row is None:
        return None, None
    kiosk_id, name, commune, keyed = row
    if keyed is None:
        transfers.ensure_key(state.engine, kiosk_id, token)
    return kiosks.Kiosk(kiosk_id, name, commune), wait


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
        address = (scope.get("client") or ("unknown", 0))[0]
        token = bearer_token(Headers(scope=scope))
        state = scope["app"].state
        try:  # one trip to a push thread for all of it
            answer = await in_push_thread(state, lambda: _admit(state, token, address))
        except (OperationalError, PoolTimeout) as exc:
            log.warning("database unavailable: %s", getattr(exc, "orig", exc))
            return error(503, "database busy or unavailable, retry later",
                         headers={"Retry-After": "2"})
        if isinstance(answer, JSONResponse):
            return answer
        scope.setdefault("state", {})["kiosk"] = answer
        return None


def _admit(state, token: str | None, address: str) -> kiosks.Kiosk | JSONResponse:
    """The push's kiosk, or the refusal to answer.

    A token this worker has seen needs no lookup (the push's transaction still refuses it
    if it was revoked since: kiosks.claim_kiosk). A failed authentication takes a token
    from the address's failure bucket; once it is empty the address gets 429 instead.
    """
    kiosk = state.token_cache.get(token) if token else None
    wait = None
    if kiosk is None and token is not None:
        kiosk, wait = _authenticate(state, token)
        if kiosk is not None:
            state.token_cache.put(token, kiosk)
    if kiosk is None:
        wait = state.auth_failures.acquire(address)
        if wait:
            return error(429, "too many failed authentications from this address, retry "
                              "later", headers={"Retry-After": retry_after(wait)})
        if token is None:
            return error(401, "missing bearer token (Authorization: Bearer <token>)",
                         headers=_CHALLENGE)
        return error(401, "unknown or revoked kiosk token", headers=_CHALLENGE)
    if wait is None:
        wait = state.limiter.acquire(_bucket_key(kiosk.id))
    if wait:
        return error(429, "too many pushes with this token, retry later",
                     headers={"Retry-After": retry_after(wait)})
    return kiosk
