"""On a database server, a worker keeps a fixed pool of connections (db.POOL_SIZE, no
overflow: each connection past it used to be opened and closed around one request). When
every one is busy longer than db.POOL_TIMEOUT_S, a push is answered 503 with Retry-After,
like a database that does not answer, and is filed once a connection is free again."""

from __future__ import annotations

import datetime as dt

import frozen_clock
from fastapi.testclient import TestClient
from sync_helpers import push_body

from sync.coordinator import app as coordinator_app
from sync.coordinator import db, tokens
from sync.protocol import PATH


def test_a_push_waits_for_a_connection_then_hears_retry_later(pg_url, monkeypatch):
    monkeypatch.setattr(db, "POOL_SIZE", 2)
    monkeypatch.setattr(db, "POOL_TIMEOUT_S", 0.5)
    engine = db.make_engine(pg_url)
    app = coordinator_app.create_app(engine=engine, now=frozen_clock.now)
    token = tokens.add_kiosk(engine, "Crolles-1", "Crolles")
    body = push_body(dt.date(2026, 11, 25), 1, {"autre": 3})
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        held = [engine.connect() for _ in range(2)]
        for conn in held:
            conn.exec_driver_sql("SELECT 1")  # checked out for real, not lazily
        busy = client.post(PATH, json=body, headers=headers)
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "2"
        assert busy.json()["detail"] == "database busy or unavailable, retry later"
        assert engine.pool.checkedout() == 2  # no connection was opened past the pool
        for conn in held:
            conn.close()
        filed = client.post(PATH, json=body, headers=headers)
        assert filed.status_code == 200, filed.text
        assert filed.json()["updated"] == 1
    engine.dispose()
