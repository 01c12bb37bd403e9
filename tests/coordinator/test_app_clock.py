"""The coordinator's one clock (create_app's `now`) decides what "the future" and "today" are."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from fastapi.testclient import TestClient

from sync.coordinator import tokens
from sync.coordinator.app import create_app


def _push(client, token, day: dt.date):
    body = {"install_id": str(uuid.uuid4()), "sent_at": "2026-03-29T01:30:00+01:00",
            "clock_trusted": True, "catalogue_version": "1",
            "days": [{"day": day.isoformat(), "revision": 1, "counts": {"autre": 1}}]}
    return client.post("/api/v1/counts", json=body, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("now, latest", [
    # 23:30 UTC on 28 March is already the 29th in Paris: tomorrow by UTC covers it.
    (dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC), dt.date(2026, 3, 29)),
    (dt.datetime(2026, 12, 31, 22, 0, tzinfo=dt.UTC), dt.date(2027, 1, 1)),
    (dt.datetime(2028, 2, 28, 12, 0, tzinfo=dt.UTC), dt.date(2028, 2, 29)),
])
def test_a_day_after_tomorrow_by_the_app_clock_is_refused(tmp_path, now, latest):
    app = create_app(f"sqlite:///{tmp_path / 'c.db'}", now=lambda: now)
    token = tokens.add_kiosk(app.state.engine, "Borne", "Crolles")
    with TestClient(app) as client:
        assert _push(client, token, latest).status_code == 200
        refused = _push(client, token, latest + dt.timedelta(days=1))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "days[0].day"
    assert "in the future" in refused.json()["detail"]


def test_the_dashboard_s_today_is_the_app_clock(tmp_path):
    from dashboard_helpers import LOGIN, PASSWORD, login

    from sync.coordinator import users

    app = create_app(f"sqlite:///{tmp_path / 'c.db'}",
                     now=lambda: dt.datetime(2031, 5, 10, 8, tzinfo=dt.UTC))
    users.create_user(app.state.engine, LOGIN, PASSWORD)
    with TestClient(app) as client:
        assert login(client).status_code == 303
        page = client.get("/rapports").text
    assert "2031-Q2" in page and "2030-Q3" in page
