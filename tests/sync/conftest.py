"""Fixtures for the sync tests: coordinators on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid

import frozen_clock
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sync_helpers import Coordinator

PG_URL = os.environ.get("KIOSK_TEST_PG_URL")
NO_PG = ("KIOSK_TEST_PG_URL is not set: run `source scripts/start-postgres.sh` first "
         "(scripts/test and CI do)")


@pytest.fixture(autouse=True)
def test_clock():
    """Every sync test's kiosk side reads the run's test clock, as its coordinator does."""
    uninstall = frozen_clock.install()
    yield frozen_clock
    uninstall()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'coordinator.db'}"


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database on the throw-away server, dropped afterwards."""
    if not PG_URL:
        pytest.skip(NO_PG)
    name = f"kiosk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request):
    """Each ingestion test runs on SQLite and on a real PostgreSQL server."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def start_coordinator(tmp_path):
    started = []

    def start(db_url: str, **env) -> Coordinator:
        coordinator = Coordinator(db_url, tmp_path / f"coordinator-{len(started)}.log", env)
        started.append(coordinator)
        return coordinator.start()

    yield start
    for coordinator in started:
        coordinator.stop()


@pytest.fixture
def coordinator(start_coordinator, db_url) -> Coordinator:
    """A running coordinator on SQLite and on PostgreSQL."""
    return start_coordinator(db_url)


@pytest.fixture
def sqlite_coordinator(start_coordinator, sqlite_url) -> Coordinator:
    return start_coordinator(sqlite_url)
