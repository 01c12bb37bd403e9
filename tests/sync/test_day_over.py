"""The "is the day over" rule of the push policy (kiosk/hours.py), on a grid of instants.

Every instant is given in UTC and read in Europe/Paris, so the grid crosses the two clock
changes of 2026 (29 March, 25 October), a Sunday with no opening, a closed date and the
turn of the year. Nothing here reads the machine's clock or time zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kiosk.config import parse
from kiosk.hours import closing_time, day_is_over

PARIS = ZoneInfo("Europe/Paris")
D = dt.date


def _permanence(hours=None, closed_dates=()):
    section = {"closed_dates": list(closed_dates)}
    if hours is not None:
        section["hours"] = hours
    return parse({"kiosk": {"data_dir": "/tmp/unused"},
                  "coordinator": {"url": "", "token_file": ""},
                  "permanence": section}).permanence


EVERY_DAY = _permanence({day: ["09:00-12:00", "14:00-18:00"] for day in
                         ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                          "sunday")}, closed_dates=["2026-12-25"])
WEEKDAYS = _permanence({day: ["09:00-12:00"] for day in
                        ("monday", "tuesday", "wednesday", "thursday", "friday")})
NO_HOURS = _permanence()


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


GRID = [
    # (permanence, day, instant in UTC, over?)
    # A weekday with hours: open, between slots, at and after closing (18:00 CET = 17:00 UTC).
    (EVERY_DAY, D(2026, 11, 26), utc(2026, 11, 26, 9, 0), False),
    (EVERY_DAY, D(2026, 11, 26), utc(2026, 11, 26, 11, 30), False),  # 12:30, lunch break
    (EVERY_DAY, D(2026, 11, 26), utc(2026, 11, 26, 16, 59), False),
    (EVERY_DAY, D(2026, 11, 26), utc(2026, 11, 26, 17, 0), True),
    (EVERY_DAY, D(2026, 11, 26), utc(2026, 11, 26, 22, 59), True),
    # Spring forward, Sunday 29 March: closing 18:00 CEST is 16:00 UTC, the day before 17:00.
    (EVERY_DAY, D(2026, 3, 28), utc(2026, 3, 28, 16, 30), False),
    (EVERY_DAY, D(2026, 3, 29), utc(2026, 3, 29, 15, 59), False),
    (EVERY_DAY, D(2026, 3, 29), utc(2026, 3, 29, 16, 0), True),
    (EVERY_DAY, D(2026, 3, 29), utc(2026, 3, 29, 16, 30), True),
    (EVERY_DAY, D(2026, 3, 29), utc(2026, 3, 29, 0, 30), False),  # 01:30 CET, before opening
    # Fall back, Sunday 25 October: closing 18:00 CET is 17:00 UTC, the day before 16:00.
    (EVERY_DAY, D(2026, 10, 24), utc(2026, 10, 24, 16, 30), True),
    (EVERY_DAY, D(2026, 10, 25), utc(2026, 10, 25, 16, 30), False),
    (EVERY_DAY, D(2026, 10, 25), utc(2026, 10, 25, 17, 0), True),
    (EVERY_DAY, D(2026, 10, 25), utc(2026, 10, 25, 0, 30), False),  # 02:30 CEST, the 1st
    (EVERY_DAY, D(2026, 10, 25), utc(2026, 10, 25, 1, 30), False),  # 02:30 CET, the 2nd
    # A closed date is a day without a slot: over at midnight only.
    (EVERY_DAY, D(2026, 12, 25), utc(2026, 12, 25, 20, 0), False),
    (EVERY_DAY, D(2026, 12, 25), utc(2026, 12, 25, 23, 0), True),  # 00:00 on the 26th
    # A Sunday the permanence never opens (29 November 2026): over at midnight.
    (WEEKDAYS, D(2026, 11, 29), utc(2026, 11, 29, 19, 0), False),
    (WEEKDAYS, D(2026, 11, 29), utc(2026, 11, 29, 22, 59), False),
    (WEEKDAYS, D(2026, 11, 29), utc(2026, 11, 29, 23, 0), True),
    (WEEKDAYS, D(2026, 11, 27), utc(2026, 11, 29, 9, 0), True),  # Friday, seen on Sunday
    # 31 December (a Thursday): the morning permanence closes at noon.
    (WEEKDAYS, D(2026, 12, 31), utc(2026, 12, 31, 10, 59), False),
    (WEEKDAYS, D(2026, 12, 31), utc(2026, 12, 31, 11, 0), True),
    # No hours configured: a day is over at midnight, across the year's end too.
    (NO_HOURS, D(2026, 12, 31), utc(2026, 12, 31, 22, 59, 59), False),
    (NO_HOURS, D(2026, 12, 31), utc(2026, 12, 31, 23, 0), True),
    (NO_HOURS, D(2027, 1, 1), utc(2026, 12, 31, 23, 0), False),
    (NO_HOURS, D(2026, 3, 29), utc(2026, 3, 29, 21, 59), False),  # 23:59 CEST
    (NO_HOURS, D(2026, 3, 29), utc(2026, 3, 29, 22, 0), True),
    (NO_HOURS, D(2026, 10, 25), utc(2026, 10, 25, 22, 59), False),  # 23:59 CET
    (NO_HOURS, D(2026, 10, 25), utc(2026, 10, 25, 23, 0), True),
    # A day after today (a clock that was ahead) is never over.
    (NO_HOURS, D(2026, 11, 30), utc(2026, 11, 29, 12, 0), False),
    (EVERY_DAY, D(2026, 11, 30), utc(2026, 11, 29, 22, 0), False),
]


@pytest.mark.parametrize(("permanence", "day", "instant", "over"), GRID,
                         ids=[f"{day}@{instant:%m-%dT%H:%MZ}" for _, day, instant, _ in GRID])
def test_day_is_over_on_the_grid(permanence, day, instant, over):
    assert day_is_over(permanence, day, instant, PARIS) is over


def test_a_naive_moment_is_read_as_local_wall_time():
    assert not day_is_over(WEEKDAYS, D(2026, 12, 31), dt.datetime(2026, 12, 31, 11, 59))
    assert day_is_over(WEEKDAYS, D(2026, 12, 31), dt.datetime(2026, 12, 31, 12, 0))


def test_closing_time_is_the_end_of_the_last_slot():
    assert closing_time(EVERY_DAY, D(2026, 11, 26)) == dt.time(18, 0)
    assert closing_time(EVERY_DAY, D(2026, 12, 25)) is None  # closed date
    assert closing_time(WEEKDAYS, D(2026, 11, 29)) is None  # Sunday
    assert closing_time(NO_HOURS, D(2026, 11, 26)) is None
