"""Fixtures for the dashboard and reports: a real coordinator app on a temporary SQLite file."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))

import dashboard_seed as seed  # noqa: E402
from dashboard_helpers import LOGIN, PASSWORD, login  # noqa: E402

from sync.coordinator import users  # noqa: E402
from sync.coordinator.app import create_app  # noqa: E402


@pytest.fixture
def app(tmp_path):
    return create_app(f"sqlite:///{tmp_path / 'coordinator.db'}", now=seed.frozen_now)


@pytest.fixture
def engine(app):
    return app.state.engine


@pytest.fixture
def network(engine):
    """Three communes: two reporting kiosks for 2025-2026, one new kiosk with two days only."""
    users.create_user(engine, LOGIN, PASSWORD)
    seed.add_kiosk(engine, "Crolles – mairie", "Crolles", dt.date(2025, 1, 1))
    seed.add_kiosk(engine, "Crolles – médiathèque", "Crolles", dt.date(2025, 3, 1))
    seed.add_kiosk(engine, "Pontcharra", "Pontcharra", dt.date(2025, 1, 1))
    seed.add_kiosk(engine, "Froges", "Froges", dt.date(2026, 9, 1))
    seed.random_days(engine, "Crolles – mairie", dt.date(2025, 1, 1), dt.date(2026, 11, 20), 1)
    seed.random_days(engine, "Crolles – médiathèque", dt.date(2025, 3, 1), dt.date(2026, 11, 20), 2)
    seed.random_days(engine, "Pontcharra", dt.date(2025, 6, 1), dt.date(2026, 11, 20), 3)
    seed.put_day(engine, "Froges", dt.date(2026, 10, 3), {"autre": 2, "imprimante_scan": 1})
    seed.put_day(engine, "Froges", dt.date(2026, 10, 10), {})  # held, nobody came
    now = seed.NOW
    seed.set_contact(engine, "Crolles – mairie", now - dt.timedelta(hours=2), skew_s=3.0)
    seed.set_contact(engine, "Crolles – médiathèque", now - dt.timedelta(days=20), skew_s=-1.5)
    seed.set_contact(engine, "Pontcharra", now - dt.timedelta(days=1), skew_s=5400.0,
                     trusted=False)
    return engine


@pytest.fixture
def client(app, network):
    with TestClient(app) as c:
        answer = login(c)
        assert answer.status_code == 303, answer.text
        yield c


@pytest.fixture
def anonymous(app, network):
    with TestClient(app) as c:
        yield c
