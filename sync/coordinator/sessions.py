"""Dashboard sessions kept in the database, so that ending one ends it everywhere.

The signed cookie carries only a random session id; the `sessions` table holds its sha256
and the account. Each request looks it up: a logout deletes the row, a new password or a
removed account deletes all the account's rows, so an old cookie (copied, or left on a
shared computer) opens nothing from then on, whichever worker it reaches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine

from .schema import sessions, users

LIFETIME = dt.timedelta(hours=8)


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_session(engine: Engine, user_id: int, *, now: dt.datetime | None = None) -> str:
    """A new session for the account: the id to put in the cookie (random, 256 bits)."""
    now = now or _now()
    session_id = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at <= now))
        conn.execute(insert(sessions).values(id=_key(session_id), user_id=user_id,
                                             expires_at=now + LIFETIME))
    return session_id


def session_user_id(engine: Engine, session_id, *, now: dt.datetime | None = None) -> int | None:
    """The account of a live session, or None (unknown, ended or expired)."""
    if not isinstance(session_id, str) or not session_id:
        return None
    with engine.connect() as conn:
        return conn.execute(
            select(sessions.c.user_id).join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.id == _key(session_id), sessions.c.expires_at > (now or _now()))
        ).scalar()


def close_session(engine: Engine, session_id) -> None:
    """End one session (logout); an unknown id is ignored."""
    if isinstance(session_id, str) and session_id:
        with engine.begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id == _key(session_id)))


def close_all(conn: Connection, user_id: int) -> int:
    """End every session of an account (new password, removal); returns how many."""
    return conn.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount
