"""Test-only launcher: the real KioskApp, plus one Clock callback that freezes the UI thread.

    python watchdog_launcher.py CONFIG BLOCK_AFTER_S BLOCK_FOR_S

It tells the test when the freeze starts and ends with STATUS= lines on $NOTIFY_SOCKET,
the same socket the app pings, so the order of events is the order of the datagrams.
"""

from __future__ import annotations

import sys
import time

from kivy.clock import Clock

from kiosk.app import KioskApp
from kiosk.config import load
from kiosk.sdnotify import notify


def freeze(seconds: float) -> None:
    notify("STATUS=blocking")
    time.sleep(seconds)  # the UI thread does nothing else meanwhile, like a hung app
    notify("STATUS=unblocked")


def main() -> None:
    config_path, after, duration = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    app = KioskApp(load(config_path))
    Clock.schedule_once(lambda _dt: freeze(duration), after)
    app.run()


if __name__ == "__main__":
    main()
