"""One kiosk step in its own process, so that the soak simulation can SIGKILL it.

`python kiosk_child.py JSON`: open the kiosk's store with the simulated clock given in
JSON, then either tap the listed categories (printing one line per acknowledged tap, as
the app's touch handler would return) or run one scheduled sync round. The parent kills
it mid-tap (after some acknowledged lines) or mid-push (from its TCP proxy).
"""

from __future__ import annotations

import datetime as dt
import json
import sys


def main(spec: dict) -> None:
    from kiosk.clock import SystemClock
    from kiosk.store import Store

    wall = dt.datetime.fromisoformat(spec["wall"])
    clock = SystemClock(spec["flag"], now=lambda: wall, monotonic=lambda: spec["mono"],
                        boot_id=spec["boot_id"],
                        build_date=dt.date.fromisoformat(spec["build_date"]),
                        hardware_clock=False)
    store = Store(spec["data_dir"], clock=clock)
    if spec["mode"] == "tap":
        for category in spec["categories"]:
            store.record(category)
            sys.stdout.write("ok\n")
            sys.stdout.flush()
    else:
        from kiosk.config import parse
        from sync.client import SyncClient

        config = parse(spec["config"])
        SyncClient(config, store, now=lambda: wall).sync_now(include_today=False)
    sys.stdout.write("done\n")
    sys.stdout.flush()
    store.close()


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
