"""A kiosk with opening hours and a wall clock the test sets, for the push-policy tests."""

from __future__ import annotations

import datetime as dt
import random

import frozen_clock

HOURS = {day: ["09:00-12:00"] for day in ("monday", "tuesday", "wednesday", "thursday",
                                          "friday", "saturday", "sunday")}


class Soon(random.Random):
    """No start delay and the shortest jittered interval: rounds every interval_s / 2."""

    def uniform(self, a, b):
        return a


class HoursKiosk:
    """A kiosk with opening hours whose wall clock the test sets (store and client alike)."""

    def __init__(self, folder, url, token, **config):
        from kiosk.clock import SystemClock
        from kiosk.config import parse
        from kiosk.store import Store
        from sync.client import SyncClient

        folder.mkdir(parents=True, exist_ok=True)
        token_file = folder / "token"
        token_file.write_text(token + "\n")
        token_file.chmod(0o600)
        (folder / "synchronized").touch()  # NTP says the time is right: a set clock is trusted
        self.offset = dt.timedelta(0)
        self.config = parse({
            "kiosk": {"data_dir": str(folder / "data")},
            "coordinator": {"url": url, "token_file": str(token_file), "interval_s": 10},
            "permanence": {"commune": "Crolles", "hours": HOURS, **config},
        })
        self.store = Store(folder / "data",
                           clock=SystemClock(folder / "synchronized", now=self.now))
        self.client = SyncClient(self.config, self.store, rng=Soon(), now=self.now)

    def now(self) -> dt.datetime:
        return frozen_clock.local_now() + self.offset

    def set_wall(self, day: dt.date, hour: int, minute: int = 0) -> None:
        wanted = dt.datetime.combine(day, dt.time(hour, minute)).astimezone()
        self.offset = wanted - frozen_clock.local_now()

    def close(self) -> None:
        self.client.stop()
        self.store.close()
