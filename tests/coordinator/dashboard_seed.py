"""Fill a coordinator database with known per-day counts, as ingestion would store them."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import tokens
from sync.coordinator.schema import counts, day_revisions, kiosks

#: The dashboard tests' frozen "now": Thursday 26 November 2026, 10:00 in Paris. The apps
#: under test get it as their clock, so no figure depends on the day the suite runs.
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)


def frozen_now() -> dt.datetime:
    return NOW


def add_kiosk(engine, name: str, commune: str, created: dt.date | None = None) -> str:
    token = tokens.add_kiosk(engine, name, commune)
    if created is not None:
        with engine.begin() as conn:
            conn.execute(
                kiosks.update().where(kiosks.c.name == name).values(
                    created_at=dt.datetime.combine(created, dt.time(8), tzinfo=dt.UTC)
                )
            )
    return token


def kiosk_id(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(kiosks.c.id).where(kiosks.c.name == name)).scalar_one()


def put_days(engine, name: str, days: dict[dt.date, dict[str, int]],
             install_id: str = "00000000-0000-4000-8000-000000000001") -> None:
    """Store reported days (all eight categories each, missing ones as 0) in one transaction."""
    kid = kiosk_id(engine, name)
    now = NOW
    if not days:
        return
    with engine.begin() as conn:
        conn.execute(insert(day_revisions), [
            {"kiosk_id": kid, "install_id": install_id, "day": day, "revision": 1,
             "received_at": now} for day in days])
        conn.execute(insert(counts), [
            {"kiosk_id": kid, "install_id": install_id, "day": day, "category": cat,
             "count": per_category.get(cat, 0)}
            for day, per_category in days.items() for cat in CATEGORY_IDS])


def put_day(engine, name: str, day: dt.date, per_category: dict[str, int], **kw) -> None:
    put_days(engine, name, {day: per_category}, **kw)


def random_days(engine, name: str, start: dt.date, end: dt.date, seed: int,
                zero_every: int = 9, skip_every: int = 4) -> None:
    """Reported days with random counts; some days held with zero visitors, some unreported."""
    rng = random.Random(seed)
    days: dict[dt.date, dict[str, int]] = {}
    day, n = start, 0
    while day <= end:
        n += 1
        if n % skip_every:
            days[day] = {} if n % zero_every == 0 else {
                c: rng.choice([0, 0, 1, 2, 3, 7]) for c in CATEGORY_IDS}
        day += dt.timedelta(days=1)
    put_days(engine, name, days)


def set_contact(engine, name: str, last: dt.datetime | None, skew_s: float | None = None,
                trusted: bool | None = True) -> None:
    """What ingestion records about a kiosk's last push."""
    with engine.begin() as conn:
        conn.execute(kiosks.update().where(kiosks.c.name == name).values(
            last_contact_at=last, clock_skew_s=skew_s, clock_trusted=trusted))
