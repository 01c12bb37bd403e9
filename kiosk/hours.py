"""When is a day over? The rule behind the push policy (docs/sync.md, "When the kiosk pushes").

A day's counts leave the kiosk only once the day is over, so the coordinator never sees a
count change while visitors are still coming (two pushes an hour apart would tell the hour
of a visit). A day is over when it is past, or when the permanence has closed for the day by
its configured hours: the local wall time is at or after the end of that weekday's last
slot. Wall time, not elapsed time, so the rule holds on the days the clocks change. A day
with no slot (no hours configured, a closed weekday, a closed date) is over at midnight:
nobody should be tapping then, and a tap that does happen must not leave the same evening.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from kiosk.config import Permanence


def closing_time(permanence: Permanence, day: dt.date) -> dt.time | None:
    """The end of the last opening slot on `day`, or None when nothing opens that day."""
    if not permanence.hours or day in permanence.closed_dates:
        return None
    slots = permanence.hours.get(day.weekday(), ())
    return max((slot.end for slot in slots), default=None)


def day_is_over(permanence: Permanence, day: dt.date, now: dt.datetime,
                tz: ZoneInfo | None = None) -> bool:
    """True when `day`'s counts may leave: `day` is past, or today's last slot has ended.

    `now` is an aware moment; `tz` is the permanence's zone (the machine's local zone when
    None). A naive `now` is read as local wall time already.
    """
    if now.tzinfo is not None:
        now = now.astimezone(tz) if tz is not None else now.astimezone()
    today = now.date()
    if day != today:
        return day < today
    closing = closing_time(permanence, day)
    return closing is not None and now.time() >= closing
