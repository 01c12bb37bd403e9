"""Reporting periods shared by the kiosk and the coordinator: quarters, weeks, years."""

from __future__ import annotations

import datetime as dt
import re

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_quarter(text: str) -> tuple[dt.date, dt.date]:
    """'2026-Q4' -> (first day, last day), both included. ValueError names the format."""
    match = _QUARTER.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a quarter like 2026-Q4")
    year, quarter = int(match.group(1)), int(match.group(2))
    if not 2000 <= year <= 2999:
        raise ValueError(f"{text!r}: year out of range")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return start, end - dt.timedelta(days=1)


def quarter_of(day: dt.date) -> str:
    """The quarter holding `day`, as 'YYYY-QN'."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week holding `day`."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


def days(start: dt.date, end: dt.date):
    """Every day from start to end, both included."""
    for offset in range((end - start).days + 1):
        yield start + dt.timedelta(days=offset)
