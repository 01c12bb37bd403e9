"""Drive the real KioskApp in a real window: configs, a step runner, touches.

A test gives `run_app` a generator: each `yield <seconds>` lets the Kivy loop run that long
(frames are drawn, clocks fire) before the next step. Never import kivy.core.window before
the app is made: KioskApp sets Kivy's config first.

The app and its store never read the real date here: `run_app` gives both one
`RunningClock`, which starts at `UI_NOW` (or the moment a test chooses) and runs at the real
pace. Waits are either Kivy-clock steps whose length cannot change the outcome, or
`wait_until` (poll for the expected state with a generous deadline).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kiosk.config import parse  # noqa: E402

#: When UI tests run unless they choose: a Thursday morning (local time), inside any
#: opening hours a test sets, far from a DST switch, a month's or a quarter's end.
UI_NOW = dt.datetime(2026, 11, 26, 10, 0)
UI_TODAY = UI_NOW.date()


class RunningClock:
    """A wall clock that starts at `start` (naive = local time) and runs at the real pace.

    Its readings are aware datetimes in the system's zone, like the kiosk's own clock
    (`kiosk.app.local_now`), so a DST switch inside a run is read as the kiosk would.
    """

    def __init__(self, start: dt.datetime = UI_NOW):
        self.start = start.astimezone()
        self._origin = time.monotonic()
        self._held = False

    def now(self) -> dt.datetime:
        if self._held:
            return self.start
        elapsed = dt.timedelta(seconds=time.monotonic() - self._origin)
        return (self.start + elapsed).astimezone()

    def today(self) -> dt.date:
        return self.now().date()

    def set(self, moment: dt.datetime) -> None:
        """From now on the clock reads `moment` (naive = local time) and runs on from it."""
        self.start = moment.astimezone()
        self._origin = time.monotonic()
        self._held = False

    def hold(self, moment: dt.datetime) -> None:
        """The clock reads `moment` and stands still until the next `set`: what a test
        checks just before a boundary must not depend on how fast the machine is."""
        self.set(moment)
        self._held = True


def clocked_store(config, clock: RunningClock, **clock_kw):
    """The store of `config`, reading `clock` (the synced flag and the rest from config)."""
    from kiosk.clock import SystemClock
    from kiosk.store import Store

    clock_kw.setdefault("hardware_clock", config.kiosk.hardware_clock)
    return Store.for_config(config, clock=SystemClock(config.kiosk.synced_flag, now=clock.now,
                                                      **clock_kw))


def make_config(tmp_path: Path, *, kiosk=None, permanence=None, privacy=None, mediator=None,
                **fast):
    """A config with a data dir in tmp_path, no coordinator, a synchronised clock.

    `fast` overrides KioskSettings fields after validation (e.g. idle_timeout_s=2) so that
    tests do not wait the minutes a visitor gets.
    """
    flag = tmp_path / "clock-synchronized"
    flag.touch()
    data = {
        "kiosk": {"data_dir": str(tmp_path / "data"), "fullscreen": False,
                  "synced_flag": str(flag), **(kiosk or {})},
        "coordinator": {"url": "", "token_file": ""},
        "permanence": {"name": "Permanence numérique de Crolles", **(permanence or {})},
        "privacy": {"notice_url": "https://permanence.example.org/donnees",
                    "mandate_url": "https://permanence.example.org/mandat",
                    **(privacy or {})},
        "mediator": mediator or {},
    }
    config = parse(data)
    if fast:
        config = dataclasses.replace(config, kiosk=dataclasses.replace(config.kiosk, **fast))
    return config


def unreachable_coordinator(tmp_path: Path, config):
    """`config` with a coordinator on a 127.0.0.1 port where nothing listens (and a token)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = tmp_path / "token"
    token.write_text("k" * 43 + "\n")
    token.chmod(0o600)
    return dataclasses.replace(config, coordinator=dataclasses.replace(
        config.coordinator, url=f"http://127.0.0.1:{port}", token_file=token, timeout_s=2))


def store_with_days(config, taps: dict, today):
    """The config's store with `taps` ({date: [category id, ...]}) counted on their days,
    its clock then stopped at 10:00 on `today`: the test says which day it is, never the
    machine."""
    import datetime as dt

    from kiosk.clock import SystemClock
    from kiosk.store import Store

    def at(day):
        return dt.datetime.combine(day, dt.time(10)).astimezone()

    wall = [at(min([*taps, today]))]
    clock = SystemClock(config.kiosk.synced_flag, now=lambda: wall[0], boot_id="ui-test")
    store = Store(config.kiosk.data_dir, clock=clock)
    for day in sorted(taps):
        wall[0] = at(day)
        for category in taps[day]:
            store.record(category)
    wall[0] = at(today)
    return store


def run_app(config, script, *, timeout_s: float = 60.0, store=None,
            clock: RunningClock | None = None):
    """Run KioskApp(config) and the step generator `script(app)`; re-raise its failure.

    The app and its store read `clock` (a new `RunningClock` from `UI_NOW` by default); a
    test passing its own `store` makes it read the same clock.
    """
    from kiosk.app import KioskApp

    clock = clock or RunningClock()
    if store is None:
        store = clocked_store(config, clock)
    app = KioskApp(config, store=store, now=clock.now)
    from kivy.clock import Clock

    steps = script(app)
    outcome: dict = {"steps": 0}

    def step(_dt):
        outcome["steps"] += 1
        try:
            delay = next(steps)
        except StopIteration:
            outcome["done"] = True
            app.stop()
            return
        except BaseException as error:  # handed back to pytest below
            outcome["error"] = error
            app.stop()
            return
        Clock.schedule_once(step, delay)

    deadline = time.monotonic() + timeout_s
    guard = []

    def too_long(_dt):
        # Kivy counts a timeout from its clock's last tick. Between two apps of one process
        # the clock stands still (while other tests run, or run other programs), so an
        # event scheduled before run() is measured from a stale tick and can come at the
        # first frame: the deadline is checked against the real time.
        left = deadline - time.monotonic()
        if left > 0:
            guard[:] = [Clock.schedule_once(too_long, left)]
            return
        root = app.root.current if app.root is not None else None
        outcome["error"] = TimeoutError(
            f"the UI script took more than {timeout_s} s (first frame drawn: {app.ready}, "
            f"steps run: {outcome['steps']}, screen: {root})")
        app.stop()

    def start(_dt):
        # Wait for the first drawn frame, then let the layout settle for a few frames.
        if not app.ready:
            Clock.schedule_once(start, 0.05)
            return
        Clock.schedule_once(step, 0.2)

    Clock.schedule_once(start, 0)
    guard.append(Clock.schedule_once(too_long, timeout_s))
    app.run()
    guard[0].cancel()
    if "error" in outcome:
        raise outcome["error"]
    assert outcome.get("done"), "the app stopped before the script ended"
    return app


def wait_until(condition, timeout_s: float = 10.0, step_s: float = 0.05):
    """Let the app run until `condition()` holds (for work done on the worker thread)."""
    waited = 0.0
    while not condition():
        if waited > timeout_s:
            raise TimeoutError(f"still false after {timeout_s} s: {condition.__doc__ or condition}")
        yield step_s
        waited += step_s


def tap(widget) -> None:
    """A real touch (down then up) at the centre of `widget`, through Kivy's input loop."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def press(widget):
    """Touch down at the centre of `widget` and keep pressing; returns the touch."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    return touch


def hold(widget, seconds: float):
    """Press `widget`, keep pressing `seconds` (the app runs meanwhile), then release."""
    touch = press(widget)
    yield seconds
    touch.touch_up()


def touch_at(x: float, y: float):
    from kivy.tests.common import UnitTestTouch

    return UnitTestTouch(x, y)


def open_mediator_view(app):
    """Open the mediator view (as the PIN does) and wait for its figures; yields, then
    returns the screen."""
    app.open_mediator()
    mediator = screen(app, "mediateur")
    yield from wait_until(lambda: mediator.snapshot is not None)
    yield 0.2
    return mediator


def tap_in_view(mediator, button):
    """Scroll the mediator view to `button`, then touch it."""
    mediator.ids.scroll.scroll_to(button, animate=False)
    yield 0.2
    tap(button)


def key(app, label: str):
    """The PIN pad key showing `label` ("OK" for the check key)."""
    keypad = screen(app, "pin").ids.keypad
    for child in keypad.children:
        if (label == "OK" and child.icon == "check") or child.text == label:
            return child
    raise LookupError(label)


def type_pin(app, digits: str):
    """Tap `digits` on the PIN pad, then OK."""
    for digit in digits:
        tap(key(app, digit))
        yield 0.05
    tap(key(app, "OK"))


def screen(app, name: str):
    return app.root.get_screen(name)


def today_counts(app) -> dict[str, int]:
    """The counts of the app's today (by the clock it was given)."""
    return app.store.counts(app.now().date())


def stored_counts(config, day: dt.date = UI_TODAY) -> dict[str, int]:
    """A day's counts as read back from disk after the app stopped (readonly store)."""
    from kiosk.store import Store

    with Store(config.kiosk.data_dir, readonly=True) as store:
        return store.counts(day)


def in_subprocess() -> bool:
    return os.environ.get("KIOSK_UI_SUBPROCESS") == "1"
