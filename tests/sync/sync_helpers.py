"""Helpers for the sync tests: a real coordinator subprocess, push bodies, free ports."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from sync.coordinator import db, tokens
from sync.coordinator.schema import counts, kiosks

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Coordinator:
    """`kiosk-coordinator serve` in a subprocess; kill and restart it like a real outage."""

    def __init__(self, db_url: str, log_path: Path, env: dict | None = None):
        self.db_url = db_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.engine = None

    def start(self) -> Coordinator:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sync.coordinator.cli", "serve", "--db", self.db_url,
             "--port", str(self.port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env=self.env)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"coordinator exited:\n{self.log_path.read_text()}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"coordinator did not start:\n{self.log_path.read_text()}")
        if self.engine is None:
            self.engine = db.make_engine(self.db_url)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a power cut of the server."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.engine is not None:
            self.engine.dispose()

    def add_kiosk(self, name: str = "Crolles-1", commune: str = "Crolles") -> str:
        return tokens.add_kiosk(self.engine, name, commune)

    def totals(self, name: str = "Crolles-1") -> dict[str, int]:
        """What the server holds for a kiosk, summed over installs and days, per category."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(counts.c.category, func.sum(counts.c.count))
                .join(kiosks, kiosks.c.id == counts.c.kiosk_id)
                .where(kiosks.c.name == name).group_by(counts.c.category)).all()
        return {category: int(n) for category, n in rows if n}

    def day_totals(self, name: str = "Crolles-1") -> dict[dt.date, dict[str, int]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(counts.c.day, counts.c.category, func.sum(counts.c.count))
                .join(kiosks, kiosks.c.id == counts.c.kiosk_id)
                .where(kiosks.c.name == name).group_by(counts.c.day, counts.c.category)).all()
        out: dict[dt.date, dict[str, int]] = {}
        for day, category, n in rows:
            if n:
                out.setdefault(day, {})[category] = int(n)
        return out


def push_body(day: dt.date | str, revision: int, day_counts: dict, *,
              install_id: str = "6f1c3a2e-1111-4222-8333-944455556666", **extra) -> dict:
    body = {"install_id": install_id,
            "sent_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "clock_trusted": True, "catalogue_version": "1",
            "days": [{"day": str(day), "revision": revision, "counts": day_counts}]}
    body.update(extra)
    return body


def post(coordinator: Coordinator, token: str | None, body, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if isinstance(body, dict | list):
        return requests.post(coordinator.url + "/api/v1/counts", json=body, headers=headers,
                             timeout=30, **kwargs)
    headers["Content-Type"] = "application/json"
    return requests.post(coordinator.url + "/api/v1/counts", data=body, headers=headers,
                         timeout=30, **kwargs)
