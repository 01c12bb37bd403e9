"""Shared helpers for the deployment tests: paths and the system tools they need."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def require_tool(name: str, package: str) -> str:
    """The tool's path; a missing tool fails the test loudly instead of skipping it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: apt-get install {package} (scripts/setup.sh test does)")
    return path




def start_xvfb(screen: str) -> tuple[subprocess.Popen, str]:
    """A private Xvfb with one screen like "1280x1280x24"; returns it and its DISPLAY.

    NOTIFY_SOCKET is kept from it: an X server sends READY=1 to any socket it is given.
    """
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is not installed: apt-get install xvfb (scripts/setup.sh test does)")
    read_fd, write_fd = os.pipe()
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    server = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", screen,
                               "-nolisten", "tcp"], pass_fds=(write_fd,), env=env,
                              stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.fail("Xvfb did not start")
    return server, f":{number}"


def unit_environment(text: str) -> dict[str, str]:
    """The Environment= assignments of a unit file or drop-in (no quoting used in ours)."""
    env = {}
    for line in text.splitlines():
        if line.startswith("Environment="):
            for pair in line.removeprefix("Environment=").split():
                key, value = pair.split("=", 1)
                env[key] = value
    return env
