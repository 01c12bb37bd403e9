"""The kiosk as systemd runs it: a real `python -m kiosk run` process, READY=1 on its notify
socket once Accueil is drawn, and a clean stop on SIGTERM (store lock released)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_stops_the_kiosk_cleanly_after_ready(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\nfullscreen = false\n'
                      '[coordinator]\nurl = ""\ntoken_file = ""\n', encoding="utf-8")
    notify = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(notify))
    server.settimeout(60)
    env = {**os.environ, "NOTIFY_SOCKET": str(notify), "PYTHONPATH": str(ROOT),
           "KIVY_NO_CONSOLELOG": "1"}
    process = subprocess.Popen([sys.executable, "-m", "kiosk", "run", "--config", str(config)],
                               env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert server.recv(64) == b"READY=1"
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        server.close()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    from kiosk.store import Store

    with Store(tmp_path / "data") as store:  # the writer lock was released
        assert store.install_id
