"""The systemd watchdog with the real app: READY=1, then WATCHDOG=1 every WATCHDOG_USEC/2
from the Kivy clock; a frozen UI thread stops the pings (so systemd would restart it).

The app runs as its own process (under Xvfb), with the Environment= of the kiosk unit
(except the KMSDRM video driver) and NOTIFY_SOCKET pointing at a datagram socket owned by
this test: exactly what systemd gives it on the Pi.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deploy_helpers import DEPLOY, REPO, start_xvfb, unit_environment

WATCHDOG_USEC = 2_000_000  # systemd's WatchdogSec=2: the app must ping every second
PERIOD_S = WATCHDOG_USEC / 2_000_000
LAUNCHER = Path(__file__).with_name("watchdog_launcher.py")

pytestmark = pytest.mark.ui


@pytest.fixture
def notify_socket(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    yield sock, path
    sock.close()


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\nfullscreen = false\n'
                    '[coordinator]\nurl = ""\ntoken_file = ""\n')
    return path


@pytest.fixture(scope="module")
def display():
    """The X display to draw on: the one scripts/test runs under, else a private Xvfb."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    server, name = start_xvfb("1280x1280x24")
    yield name
    server.terminate()
    server.wait(timeout=10)


def start(command: list[str], sock_path: Path, tmp_path: Path, display: str) -> subprocess.Popen:
    env = {**os.environ, **unit_environment((DEPLOY / "systemd/permanence-kiosk.service").read_text())}
    env.pop("SDL_VIDEODRIVER")  # no DRM device here: Xvfb instead
    env.update(KIVY_HOME=str(tmp_path / "kivy"), KIOSK_CONFIG="")
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
        env.pop(name, None)
    # Only the app may talk to the socket (an X server sends READY=1 when it sees one).
    command = ["env", f"NOTIFY_SOCKET={sock_path}", f"WATCHDOG_USEC={WATCHDOG_USEC}", *command]
    env["DISPLAY"] = display
    return subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=open(tmp_path / "app.log", "wb"), start_new_session=True)


def receive(sock: socket.socket, until: float) -> tuple[str, float] | None:
    """The next datagram and when it arrived, or None once `until` (monotonic) has passed."""
    remaining = until - time.monotonic()
    if remaining <= 0:
        return None
    sock.settimeout(remaining)
    try:
        data = sock.recv(4096)
    except TimeoutError:
        return None
    return data.decode(), time.monotonic()


def collect(sock, proc, seconds: float, log: Path) -> list[tuple[str, float]]:
    until = time.monotonic() + seconds
    messages = []
    while (message := receive(sock, until)) is not None:
        messages.append(message)
    if proc.poll() is not None:
        pytest.fail(f"the app exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
    return messages


def wait_for(sock, proc, wanted: str, seconds: float, log: Path) -> float:
    until = time.monotonic() + seconds
    while (message := receive(sock, until)) is not None:
        if message[0] == wanted:
            return message[1]
    pytest.fail(f"no {wanted} within {seconds} s (app running: {proc.poll() is None}):\n"
                f"{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> int:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail("the app did not stop within 30 s of SIGTERM")


def test_ready_then_periodic_watchdog_pings(notify_socket, config, tmp_path, display):
    sock, path = notify_socket
    kiosk = REPO / ".venv/bin/kiosk"
    proc = start([str(kiosk), "run", "--config", str(config)], path, tmp_path, display)
    log = tmp_path / "app.log"
    try:
        wait_for(sock, proc, "READY=1", 90, log)
        messages = collect(sock, proc, 6 * PERIOD_S, log)
        pings = [t for m, t in messages if m == "WATCHDOG=1"]
        assert {m for m, _ in messages} <= {"WATCHDOG=1"}, messages
        # About one ping per period; a loaded CI machine may be late, never silent.
        assert len(pings) >= 3, messages
        assert max(b - a for a, b in zip(pings, pings[1:], strict=False)) < 2 * WATCHDOG_USEC / 1e6
    finally:
        code = stop(proc)
    # SIGTERM is how systemd stops the kiosk: the app closes its store and exits cleanly.
    assert code == 0, log.read_text()[-3000:]


def test_a_frozen_ui_thread_stops_the_pings(notify_socket, config, tmp_path, display):
    sock, path = notify_socket
    block_s = 5 * PERIOD_S
    proc = start([sys.executable, str(LAUNCHER), str(config), "3", str(block_s)], path, tmp_path,
                 display)
    log = tmp_path / "app.log"
    try:
        wait_for(sock, proc, "READY=1", 90, log)
        blocked_at = wait_for(sock, proc, "STATUS=blocking", 30, log)
        during = []
        until = time.monotonic() + 30
        while (message := receive(sock, until)) is not None and message[0] != "STATUS=unblocked":
            during.append(message)
        assert message is not None, "the freeze never ended"
        unblocked_at = message[1]
        assert unblocked_at - blocked_at >= block_s * 0.9
        # Longer than systemd's WatchdogSec with no ping at all: systemd would have killed it.
        assert [m for m, _ in during if m == "WATCHDOG=1"] == []
        assert unblocked_at - blocked_at > WATCHDOG_USEC / 1e6
        # Once the UI thread runs again, so do the pings: they stopped because of the freeze.
        after = collect(sock, proc, 4 * PERIOD_S, log)
        assert sum(1 for m, _ in after if m == "WATCHDOG=1") >= 2, after
    finally:
        stop(proc)
