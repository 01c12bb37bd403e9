"""systemd notifications (READY=1, WATCHDOG=1) over $NOTIFY_SOCKET, stdlib only.

Outside systemd (no NOTIFY_SOCKET) every call is a cheap no-op, so the app can always call
them. See sd_notify(3) and sd_watchdog_enabled(3).
"""

from __future__ import annotations

import os
import socket


def notify(message: str) -> bool:
    """Send one notification; True when a notify socket was there to take it."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # abstract namespace socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError:
        return False
    return True


def watchdog_period_s() -> float | None:
    """Half the watchdog interval systemd asked for (the ping period), or None if unset."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        interval = int(usec) / 1_000_000
    except ValueError:
        return None
    return interval / 2 if interval > 0 else None
