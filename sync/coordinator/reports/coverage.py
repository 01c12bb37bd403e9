"""Is a period's figure complete? Days held and "partiel" per commune, for the funder's sheet.

A funder compares this quarter with the previous one and with last year's: a figure from a
period with holes must say so. A commune's period is *partial* when, for one of its kiosks:
  - the period is not over on the extraction day (in progress), or
  - the kiosk started during the period (its first days are missing by construction), or
  - an expected open day has no data: expected days are the weekdays its permanence opens
    (its annex-1 profile's hours, `places`), or when it sent no hours, the weekdays on which
    it reported at least once in the period; a kiosk that reported nothing at all while it
    existed is silent, so partial too.
A holiday on an opening weekday counts as a missing day: the coordinator does not receive
the closed dates, and over-warning is the safe side for a comparison.
Days held are the kiosk-days with data (visits or a day held with nobody), so two
permanences of one commune open the same day count two days.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine

from kiosk.config import WEEKDAYS
from sync.coordinator.schema import places

from .figures import PeriodStats


@dataclass
class PeriodState:
    days_held: int = 0
    missing_days: int = 0  # expected open days without data
    started: bool = False  # a kiosk started during the period
    in_progress: bool = False  # the period ends after the extraction day

    @property
    def partial(self) -> bool:
        return bool(self.missing_days or self.started or self.in_progress)

    def mark(self) -> str:
        """"" when complete, else "partiel" and why, for a cell beside the figure."""
        if not self.partial:
            return ""
        why = []
        if self.in_progress:
            why.append("en cours")
        if self.started:
            why.append("borne installée pendant la période")
        if self.missing_days:
            why.append(f"{self.missing_days} j. d'ouverture sans données")
        return "partiel (" + ", ".join(why) + ")"

    def add(self, other: PeriodState) -> None:
        self.days_held += other.days_held
        self.missing_days += other.missing_days
        self.started |= other.started
        self.in_progress |= other.in_progress


def opening_weekdays(engine: Engine) -> dict[int, set[int]]:
    """Kiosk id -> the weekdays (0 = Monday) its profile says it opens; absent if no hours."""
    result: dict[int, set[int]] = {}
    with engine.connect() as conn:
        for kid, hours in conn.execute(select(places.c.kiosk_id, places.c.hours)):
            try:
                held = json.loads(hours) or {}
            except ValueError:
                continue
            days = {i for i, name in enumerate(WEEKDAYS) if held.get(name)}
            if days:
                result[kid] = days
    return result


def period_states(stats: PeriodStats, opening: dict[int, set[int]], today: dt.date
                  ) -> dict[str, PeriodState]:
    """Commune -> its PeriodState over `stats.period`, for the kiosks that existed in it."""
    period = stats.period
    reported: dict[int, set[dt.date]] = {}
    for kid, day in stats.day_totals:
        reported.setdefault(kid, set()).add(day)
    result: dict[str, PeriodState] = {}
    for kid, kiosk in stats.kiosks.items():
        first = period.start
        if kiosk.created_at is not None:
            first = max(first, kiosk.created_at.date())
        last = min(period.end, today)
        if kiosk.revoked_at is not None:
            last = min(last, kiosk.revoked_at.date())
        days = reported.get(kid, set())
        if first > last and not days:
            continue  # the kiosk did not exist during the period (or not yet)
        state = PeriodState(days_held=len(days), in_progress=period.end >= today,
                            started=first > period.start)
        weekdays = opening.get(kid) or {d.weekday() for d in days}
        day = first
        while day <= last:
            if day.weekday() in weekdays and day not in days:
                state.missing_days += 1
            day += dt.timedelta(days=1)
        if not days and first <= last:
            state.missing_days = max(state.missing_days, 1)  # silent the whole time
        result.setdefault(kiosk.commune, PeriodState()).add(state)
    return result
