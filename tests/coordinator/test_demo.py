"""The demo a commune can try in one command (`scripts/demo coordinator`): a realistic
network built straight into the database, then a real coordinator on 127.0.0.1 that the
printed login opens."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from dashboard_helpers import csrf_of, tables_of
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync.coordinator import communes, demo
from sync.coordinator.app import create_app

TODAY = dt.date(2026, 6, 15)  # a Monday
ROOT = Path(__file__).resolve().parents[2]


def rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def test_the_demo_network_is_a_year_of_six_communes_with_two_troubled_kiosks(tmp_path):
    app = create_app(f"sqlite:///{tmp_path / 'demo.db'}")
    engine = app.state.engine
    made = demo.build(engine, TODAY)
    assert made["kiosks"] == 8 and made["counts"] == 8 * made["days"]
    kiosk_communes = {r[0] for r in rows(engine, "SELECT commune FROM kiosks")}
    official = dict((name, code) for code, name in communes.referential())
    assert len(kiosk_communes) == 6 and kiosk_communes <= set(official)
    span = rows(engine, "SELECT MIN(day), MAX(day), COUNT(DISTINCT kiosk_id) FROM day_revisions")[0]
    first, last = (dt.date.fromisoformat(str(d)) for d in span[:2])
    assert first >= TODAY - dt.timedelta(days=365) and first <= TODAY - dt.timedelta(days=358)
    assert TODAY - dt.timedelta(days=7) <= last < TODAY and span[2] == 7  # up to yesterday
    silent = rows(engine, "SELECT MAX(d.day) FROM day_revisions d JOIN kiosks k ON "
                          "k.id = d.kiosk_id WHERE k.name = 'Allevard – CCAS'")[0][0]
    assert (TODAY - dt.date.fromisoformat(str(silent))).days > demo.SILENT_DAYS
    never = rows(engine, "SELECT k.last_contact_at, COUNT(d.day) FROM kiosks k LEFT JOIN "
                         "day_revisions d ON d.kiosk_id = k.id WHERE k.name LIKE '%nouvelle%' "
                         "GROUP BY k.id")
    assert never == [(None, 0)]
    # Counts fall on each permanence's opening days only, as its profile says.
    for name, hours, days in rows(engine, "SELECT p.name, p.hours, GROUP_CONCAT(d.day) FROM "
                                          "places p JOIN day_revisions d ON d.kiosk_id = "
                                          "p.kiosk_id GROUP BY p.kiosk_id"):
        open_days = set(json.loads(hours))
        weekdays = {demo.WEEKDAY_NAMES[dt.date.fromisoformat(d).weekday()]
                    for d in days.split(",")}
        assert weekdays <= open_days, name
    total = rows(engine, "SELECT SUM(count) FROM counts")[0][0]
    assert 1000 < total < 20000
    with TestClient(app) as client:
        page = client.get("/connexion")
        assert client.post("/connexion", data={"csrf": csrf_of(page.text), "login": demo.LOGIN,
                                               "password": demo.PASSWORD, "suite": "/"},
                           follow_redirects=False).status_code == 303
        kiosks_page = client.get("/bornes").text
        flagged = {r[0]: r[-2] for r in tables_of(kiosks_page)["table-bornes"][1:]}
        assert "jamais contactée" in flagged["Villard-Bonnot – mairie (nouvelle)"]
        assert "aucun contact depuis" in flagged["Allevard – CCAS"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_demo_command_serves_and_its_printed_login_opens_the_dashboard(tmp_path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sync.coordinator.demo", "--port", str(port),
         "--data", str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        printed = [process.stdout.readline() for _ in range(4)]
        address = re.search(r"(http://127\.0\.0\.1:\d+/)", printed[1]).group(1)
        login, password = re.search(r"Identifiant : (\S+)\s+Mot de passe : (\S+)",
                                    printed[2]).groups()
        assert address == f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(address + "healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, process.stderr.read() if process.poll() else ""
            time.sleep(0.2)
        session = requests.Session()
        form = session.get(address + "connexion", timeout=10)
        answer = session.post(address + "connexion", data={
            "csrf": csrf_of(form.text), "login": login, "password": password, "suite": "/"},
            timeout=30)
        assert answer.status_code == 200 and f"<strong>{login}</strong>" in answer.text
        assert "Crolles" in answer.text
    finally:
        process.terminate()
        process.wait(timeout=30)
