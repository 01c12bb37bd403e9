"""Test-only launcher: the real KioskApp; once it is up, print its window's geometry as
JSON on standard output and stop.

    python window_probe.py CONFIG
"""

from __future__ import annotations

import json
import sys

from kivy.clock import Clock

from kiosk.app import KioskApp
from kiosk.config import load


def main() -> None:
    app = KioskApp(load(sys.argv[1]))

    def report(_dt):
        from kivy.core.window import Window

        print(json.dumps({"rotation": Window.rotation, "size": list(Window.size),
                          "system_size": list(Window.system_size),
                          "home": app.root.current}), flush=True)
        app.stop()

    Clock.schedule_once(report, 1.5)
    app.run()


if __name__ == "__main__":
    main()
