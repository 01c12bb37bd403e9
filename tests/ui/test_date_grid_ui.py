"""The real app on the date grid's awkward moments (tests/core/test_date_grid.py has the
rest): the app, its store and the mediator's view read one injected clock, in Europe/Paris.

Each run holds its clock a moment before the boundary once the window is up (starting a
window takes a variable time) while it checks the "before", then lets it run and waits for
the boundary by polling the clock: a busy machine changes neither side.
"""

from __future__ import annotations

import datetime as dt

import pytest
from ui_helpers import RunningClock, make_config, run_app, screen, stored_counts, tap, wait_until

pytestmark = pytest.mark.ui


def test_spring_switch_in_the_app(tmp_path, paris):
    config = make_config(tmp_path, double_tap_guard_s=0.1)
    clock = RunningClock(dt.datetime(2026, 3, 29, 1, 59))
    read = []

    def script(app):
        buttons = screen(app, "accueil").category_buttons()
        clock.hold(dt.datetime(2026, 3, 29, 1, 59, 58))
        tap(buttons[0])
        read.append(app.now())
        yield 0.1
        app.go_home()
        clock.set(dt.datetime(2026, 3, 29, 1, 59, 59))
        yield from wait_until(lambda: app.now().hour == 3, timeout_s=30)  # 02:00 CET is 03:00
        tap(buttons[1])
        read.append(app.now())
        yield 0.1

    run_app(config, script, clock=clock)
    assert [moment.strftime("%H %Z") for moment in read] == ["01 CET", "03 CEST"]
    counts = stored_counts(config, dt.date(2026, 3, 29))
    assert (counts["service_public"], counts["navigation_internet"]) == (1, 1)


def test_the_mediator_view_turns_the_year_at_midnight(tmp_path, paris):
    config = make_config(tmp_path, double_tap_guard_s=0.1)
    clock = RunningClock(dt.datetime(2026, 12, 31, 23, 0))

    def script(app):
        clock.hold(dt.datetime(2026, 12, 31, 23, 59, 58))
        tap(screen(app, "accueil").category_buttons()[0])
        yield 0.1
        app.open_mediator()
        mediator = screen(app, "mediateur")
        yield from wait_until(lambda: mediator.snapshot is not None)
        before = mediator.snapshot
        assert (before.today, before.quarter_name) == (dt.date(2026, 12, 31), "2026-Q4")
        assert before.counts["service_public"] == 1 and before.week["service_public"] == 1
        clock.set(dt.datetime(2026, 12, 31, 23, 59, 59))
        yield from wait_until(lambda: app.now().year == 2027, timeout_s=30)
        mediator.refresh()
        yield from wait_until(lambda: mediator.snapshot is not before)
        after = mediator.snapshot
        assert (after.today, after.quarter_name) == (dt.date(2027, 1, 1), "2027-Q1")
        # Same week (Monday 28 December to Sunday 3 January), new day and new quarter.
        assert after.counts["service_public"] == 0 and after.week["service_public"] == 1
        assert after.quarter["service_public"] == 0

    run_app(config, script, clock=clock)
