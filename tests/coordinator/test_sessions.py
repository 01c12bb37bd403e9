"""Sessions live in the database: a logout, a new password or a removed account ends them,
even for a copy of the cookie, and every worker of the service agrees."""

from __future__ import annotations

import datetime as dt

import dashboard_seed as seed
import pytest
from dashboard_helpers import LOGIN, PASSWORD, csrf_of, login
from fastapi.testclient import TestClient
from sqlalchemy import select

from sync.coordinator import sessions, users
from sync.coordinator.app import create_app
from sync.coordinator.schema import sessions as sessions_table
from sync.coordinator.web import SESSION_COOKIE


@pytest.fixture
def two_workers(tmp_path, monkeypatch):
    """Two app instances on one database with one secret, like two uvicorn workers."""
    monkeypatch.setenv("KIOSK_COORDINATOR_SECRET", "the same secret for both workers, long")
    url = f"sqlite:///{tmp_path / 'coordinator.db'}"
    first, second = create_app(url, now=seed.frozen_now), create_app(url, now=seed.frozen_now)
    users.create_user(first.state.engine, LOGIN, PASSWORD)
    with TestClient(first) as a, TestClient(second) as b:
        yield a, b


def opens_pages(client: TestClient, cookie: str) -> bool:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code in (200, 303), answer.text
    return answer.status_code == 200


def logged_in_cookie(client: TestClient) -> str:
    assert login(client).status_code == 303
    return client.cookies.get(SESSION_COOKIE)


def test_logout_ends_a_copied_cookie_on_every_worker(two_workers):
    a, b = two_workers
    cookie = logged_in_cookie(a)
    assert opens_pages(b, cookie)  # the other worker knows the session
    a.cookies.set(SESSION_COOKIE, cookie)
    csrf = csrf_of(a.get("/").text)
    assert a.post("/deconnexion", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert not opens_pages(a, cookie)
    assert not opens_pages(b, cookie)


def test_a_new_password_ends_every_session_of_the_account(two_workers):
    a, b = two_workers
    first, second = logged_in_cookie(a), logged_in_cookie(b)
    assert opens_pages(a, first) and opens_pages(b, second)
    assert users.set_password(a.app.state.engine, LOGIN, "a new long password") == 2
    assert not opens_pages(a, first)
    assert not opens_pages(b, second)


def test_a_removed_account_opens_nothing(two_workers):
    a, _ = two_workers
    cookie = logged_in_cookie(a)
    users.remove_user(a.app.state.engine, LOGIN)
    assert not opens_pages(a, cookie)
    with a.app.state.engine.connect() as conn:
        assert conn.execute(select(sessions_table)).all() == []


def test_sessions_expire_after_eight_hours_and_store_no_usable_id(engine):
    user = users.create_user(engine, "coord", "0123456789")
    start = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    session_id = sessions.open_session(engine, user.id, now=start)
    assert sessions.session_user_id(engine, session_id, now=start) == user.id
    later = start + sessions.LIFETIME - dt.timedelta(seconds=1)
    assert sessions.session_user_id(engine, session_id, now=later) == user.id
    assert sessions.session_user_id(engine, session_id, now=start + sessions.LIFETIME) is None
    assert sessions.session_user_id(engine, "not-a-session", now=start) is None
    with engine.connect() as conn:
        (stored,) = conn.execute(select(sessions_table.c.id)).one()
    assert stored != session_id and session_id not in stored  # only its hash is kept
    # an expired row goes when the next session opens
    sessions.open_session(engine, user.id, now=start + dt.timedelta(days=1))
    with engine.connect() as conn:
        assert len(conn.execute(select(sessions_table)).all()) == 1
