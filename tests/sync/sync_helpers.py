"""Helpers for the sync tests: a real coordinator subprocess, push bodies, free ports."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import frozen_clock
import requests
from polling import poll_until
from sqlalchemy import func, select

from sync.coordinator import db, tokens
from sync.coordinator.schema import counts, kiosks

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Coordinator:
    """`kiosk-coordinator serve` in a subprocess; kill and restart it like a real outage.

    It runs on the test clock (frozen_clock.py), as the kiosk side of the tests does."""

    def __init__(self, db_url: str, log_path: Path, env: dict | None = None,
                 args: tuple[str, ...] = ()):
        self.db_url, self.args = db_url, args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**os.environ, **frozen_clock.child_env(), **(env or {})}
        self.process: subprocess.Popen | None = None
        self.engine = None

    def start(self) -> Coordinator:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "sync" / "frozen_clock.py"), "serve",
             "--db", self.db_url,
             "--port", str(self.port), *self.args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            env=self.env)
        log.close()

        def healthy() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"coordinator exited:\n{self.log_path.read_text()}")
            try:
                return requests.get(self.url + "/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        poll_until(healthy, what=f"the coordinator to start (log: {self.log_path})")
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
            "sent_at": frozen_clock.local_now().isoformat(timespec="seconds"),
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


class FaultProxy:
    """A TCP proxy for one HTTP request per connection, misbehaving on cue.

    `script` lists what to do with each incoming request, in order; once it is used up
    every request is forwarded. Actions: "forward"; "503" (answer 503 without forwarding);
    "retry-after" (answer 429 with `Retry-After: 999999`); "drop" (forward, let the server
    commit and answer, then close without passing the answer on); a callable (forward, call
    it — e.g. to kill the coordinator — then close without an answer).
    """

    def __init__(self, upstream_port: int, script=()):
        self.upstream_port = upstream_port
        self.script = list(script)
        self.log: list[tuple[float, str]] = []
        self.bodies: list[bytes] = []
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(64)
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            request = _read_http(client)
            if request is None:
                return
            with self._lock:
                action = self.script.pop(0) if self.script else "forward"
                self.log.append((time.monotonic(), action if isinstance(action, str) else "hook"))
                self.bodies.append(request.split(b"\r\n\r\n", 1)[1])
            if action == "503":
                client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                               b"Connection: close\r\n\r\n")
                return
            if action == "retry-after":
                client.sendall(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 999999\r\n"
                               b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                return
            try:
                with socket.create_connection(("127.0.0.1", self.upstream_port), 30) as up:
                    up.sendall(request)
                    answer = _read_http(up)
            except OSError:
                return  # upstream down: the client sees the connection close
            if action == "forward" and answer is not None:
                head, body = answer.split(b"\r\n\r\n", 1)
                lines = [h for h in head.split(b"\r\n")
                         if not h.lower().startswith(b"connection:")]
                client.sendall(b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body)
            elif callable(action):
                action()


def _read_http(sock: socket.socket) -> bytes | None:
    """One HTTP message (headers and a Content-Length body) from `sock`, or None."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


class KioskSide:
    """A real kiosk store and sync client in this process, with a clock that can travel."""

    def __init__(self, folder: Path, url: str, token: str, **client_options):
        from kiosk.clock import SystemClock
        from kiosk.config import parse
        from kiosk.store import Store
        from sync.client import SyncClient

        folder.mkdir(parents=True, exist_ok=True)
        self.token_file = folder / "token"
        self.token_file.write_text(token + "\n")
        self.token_file.chmod(0o600)
        synced = folder / "synchronized"
        synced.touch()
        self.offset = dt.timedelta(0)
        clock = SystemClock(synced, now=lambda: frozen_clock.local_now() + self.offset)
        self.config = parse({
            "kiosk": {"data_dir": str(folder / "data")},
            "coordinator": {"url": url, "token_file": str(self.token_file), "interval_s": 30,
                            "timeout_s": 10},
        })
        self.store = Store(folder / "data", clock=clock)
        self.client = SyncClient(self.config, self.store, **client_options)

    def tap(self, category: str = "service_public", times: int = 1) -> None:
        for _ in range(times):
            self.store.record(category)

    def totals(self) -> dict[str, int]:
        far = frozen_clock.today() + dt.timedelta(days=2)
        return {c: n for c, n in self.store.totals(dt.date(2000, 1, 1), far).items() if n}

    def close(self) -> None:
        self.client.stop()
        self.store.close()
