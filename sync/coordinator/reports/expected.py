"""Expected days: which days a permanence was meant to be open, from its profile's hours.

A day without data means nothing by itself: most are days the permanence is closed. With the
weekly hours its kiosk last sent (the `places` table, the same weekdays `kiosk/hours.py`
treats as open: a weekday with at least one slot), a day is "closed", "open but no data"
or reported ("open, nobody came" when it sums to zero). A kiosk with no hours known has every
day expected, as before, and is said to be so. The hours held are the current ones: a
timetable changed during the period is read as if it had always been the new one (the
coordinator keeps no history of hours), which the statistics page says.

A kiosk is *silent* when a run of at least SILENT_OPEN_DAYS expected open days brought no
data (SILENT_ANY_DAYS calendar days when its hours are unknown): a permanence that stopped
sending, not one that is closed on Wednesdays.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from kiosk.config import WEEKDAYS
from sync.coordinator.schema import places

SILENT_OPEN_DAYS = 7
SILENT_ANY_DAYS = 21

OpenDays = frozenset[int] | None  # weekdays open (0 = Monday); None when not known


def open_weekdays(engine: Engine, kiosk_ids) -> dict[int, OpenDays]:
    """Each kiosk's open weekdays from its last profile (None: no profile, or no hours)."""
    query = select(places.c.kiosk_id, places.c.hours).where(places.c.kiosk_id.in_(kiosk_ids))
    result: dict[int, OpenDays] = dict.fromkeys(kiosk_ids)
    with engine.connect() as conn:
        for kid, raw in conn.execute(query):
            try:
                hours = json.loads(raw) or {}
            except ValueError:
                continue
            days = frozenset(i for i, name in enumerate(WEEKDAYS) if hours.get(name))
            result[kid] = days or None
    return result


@dataclass(frozen=True)
class DayCounts:
    """One kiosk's days over a stretch of the period."""

    with_visits: int = 0
    zero: int = 0  # reported, nobody came
    open_no_data: int = 0  # expected open, nothing received
    closed: int = 0  # not an opening day, nothing received
    silent_from: dt.date | None = None  # the longest run of expected days without data
    silent_until: dt.date | None = None
    silent_days: int = 0
    hours_known: bool = False

    @property
    def silent(self) -> bool:
        limit = SILENT_OPEN_DAYS if self.hours_known else SILENT_ANY_DAYS
        return self.silent_days >= limit


def count_days(first: dt.date, last: dt.date, reported: dict[dt.date, int],
               open_days: OpenDays) -> DayCounts:
    """Sort every day from `first` to `last` (included); `reported` maps a day to its visits."""
    with_visits = zero = open_no_data = closed = 0
    run = best = 0
    run_start = best_from = best_until = None
    day = first
    while day <= last:
        if day in reported:
            with_visits += reported[day] > 0
            zero += reported[day] == 0
            run = 0
        elif open_days is None or day.weekday() in open_days:
            open_no_data += 1
            run_start = day if run == 0 else run_start
            run += 1
            if run > best:
                best, best_from, best_until = run, run_start, day
        else:
            closed += 1  # a closed day neither breaks nor lengthens a silence
        day += dt.timedelta(days=1)
    return DayCounts(with_visits, zero, open_no_data, closed, best_from, best_until, best,
                     open_days is not None)
