"""The real coordinator under uvicorn on 127.0.0.1, for the browser tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

from polling import poll_until

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(engine):
    """Serve `engine`'s database (its pool is closed first); yields the base URL."""
    db_url = str(engine.url)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "KIOSK_COORDINATOR_SECRET": "test-secret-for-the-browser-run"}
    # The app runs on the dashboard tests' frozen clock (dashboard_seed.NOW), like TestClient.
    code = ("import sys, uvicorn; from sync.coordinator.app import create_app; "
            "sys.path.insert(0, 'tests/coordinator'); import dashboard_seed as seed; "
            "uvicorn.run(create_app(sys.argv[1], now=seed.frozen_now), host='127.0.0.1', "
            "port=int(sys.argv[2]), log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code, db_url, str(port)], cwd=ROOT, env=env)

    def listening() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            assert proc.poll() is None, "the server exited"
            return False

    try:
        poll_until(listening, what=f"the server to listen on port {port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
