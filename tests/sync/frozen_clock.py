"""One clock for a sync test run, shared by the kiosk side and the coordinator subprocess.

Both read the same moment: 2026-11-26 10:00 local time (a Thursday, the UI tests' day) when
the run starts, then the real pace (CLOCK_MONOTONIC, one for every process of the machine).
So no sync test reads the machine's date: none depends on the day, the weekday, a midnight
or a DST switch during the run, and the coordinator's "no day after tomorrow" rule sees the
days the kiosk side sends.

In the tests' own process, `install` makes it the default wall clock of the kiosk's
`SystemClock` and `SyncClient` (tests/sync/conftest.py does, for every sync test). Run as a
script, it is `kiosk-coordinator serve` (same arguments) with its app on this clock, one
worker or several (`Coordinator` in sync_helpers.py starts it so), or, with `kiosk` first,
the kiosk's command line on it (`kiosk_command`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import time
from pathlib import Path

START = dt.datetime(2026, 11, 26, 10, 0).astimezone()
#: The parent's monotonic origin, handed to the coordinator and its workers.
ORIGIN_ENV = "SYNC_TEST_CLOCK_ORIGIN"
_origin = float(os.environ.get(ORIGIN_ENV) or time.monotonic())


def local_now() -> dt.datetime:
    """The test moment in the system's zone, as the kiosk reads its wall clock."""
    return (START + dt.timedelta(seconds=time.monotonic() - _origin)).astimezone()


def now() -> dt.datetime:
    """The same moment in UTC, as the coordinator reads it."""
    return local_now().astimezone(dt.UTC)


def today() -> dt.date:
    """The kiosk's day at the test moment."""
    return local_now().date()


def child_env() -> dict[str, str]:
    return {ORIGIN_ENV: repr(_origin)}


def install():
    """Make this clock the kiosk's default wall clock (store and sync client); returns the
    undo."""
    from kiosk.clock import SystemClock
    from sync.client import SyncClient

    undo = []
    for cls in (SystemClock, SyncClient):
        init = cls.__init__

        @functools.wraps(init)
        def on_this_clock(self, *args, now=None, _init=init, **kwargs):
            _init(self, *args, now=now or local_now, **kwargs)

        cls.__init__ = on_this_clock
        undo.append((cls, init))

    def uninstall():
        for cls, init in undo:
            cls.__init__ = init

    return uninstall


def kiosk_command(*args: str) -> list[str]:
    """The argv of `kiosk ARGS` on this clock (run it with `child_env()` in its env)."""
    return [sys.executable, __file__, "kiosk", *args]


def app_from_env():
    """`serve --workers N`'s factory, each worker on this clock."""
    from sync.coordinator import app

    return app.app_from_env(now=now)


def _serve_on_this_clock(argv: list[str]) -> int:
    import uvicorn

    from sync.coordinator import app, cli

    app.create_app = functools.partial(app.create_app, now=now)
    real_run = uvicorn.run

    def run(target, *args, **kwargs):
        if target == "sync.coordinator.app:app_from_env":
            target = "frozen_clock:app_from_env"
        return real_run(target, *args, **kwargs)

    uvicorn.run = run
    return cli.main(argv)


if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[2])]
    if sys.argv[1:2] == ["kiosk"]:
        from kiosk import cli

        install()
        sys.exit(cli.main(sys.argv[2:]))
    sys.exit(_serve_on_this_clock(sys.argv[1:]))
