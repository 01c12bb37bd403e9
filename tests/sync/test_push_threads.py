"""A worker runs the blocking work of pushes on gate.PUSH_THREADS threads of their own: a
burst of pushes never takes more (the others wait their turn and are filed), and the rest of
the app, here /healthz, still answers while every push thread is busy."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import frozen_clock
import pytest
from fastapi.testclient import TestClient
from polling import poll_until
from sync_helpers import push_body

from sync.coordinator import app as coordinator_app
from sync.coordinator import db, gate, ingest, tokens
from sync.protocol import PATH

PUSHES = 3 * gate.PUSH_THREADS


@pytest.mark.parametrize("step", ["gate", "transaction"])
def test_a_burst_of_pushes_takes_only_the_push_threads(db_url, step, monkeypatch):
    engine = db.make_engine(db_url)
    if step == "transaction" and engine.dialect.name == "sqlite":
        pytest.skip("on SQLite the transaction runs on the group-commit thread")
    app = coordinator_app.create_app(engine=engine, now=frozen_clock.now)
    token = tokens.add_kiosk(engine, "Crolles-1", "Crolles")
    body = push_body(dt.date(2026, 11, 25), 1, {"autre": 3})
    inside, peak, lock, release = 0, 0, threading.Lock(), threading.Event()
    module, name = (gate, "_admit") if step == "gate" else (ingest, "ingest")
    real = getattr(module, name)

    def held(*args, **kwargs):
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        try:
            assert release.wait(60), "never released"
            return real(*args, **kwargs)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(module, name, held)
    with TestClient(app) as client, ThreadPoolExecutor(PUSHES) as pool:
        answers = [pool.submit(client.post, PATH, json=body,
                               headers={"Authorization": f"Bearer {token}"})
                   for _ in range(PUSHES)]
        try:
            poll_until(lambda: inside >= gate.PUSH_THREADS, what="every push thread busy")
            assert client.get("/healthz").status_code == 200
            assert peak == gate.PUSH_THREADS  # the other pushes wait for a thread
        finally:
            release.set()
        statuses = [answer.result(60).status_code for answer in answers]
    assert statuses == [200] * PUSHES
    assert peak == gate.PUSH_THREADS
    engine.dispose()
