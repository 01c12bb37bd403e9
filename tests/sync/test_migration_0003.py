"""Migration 0003 on a database filled by 0002: install ids seeded, times cut to the hour."""

from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.config import Config
from sqlalchemy import insert, select

from sync.coordinator import db
from sync.coordinator.schema import day_revisions, kiosk_installs, kiosks

EXACT = dt.datetime(2026, 11, 20, 14, 37, 12, 345678, tzinfo=dt.UTC)
INSTALLS = ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"]


def _upgrade(engine, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, target)


def _naive_utc(moment):
    # SQLite hands back naive datetimes (stored in UTC), PostgreSQL aware ones.
    return moment if moment.tzinfo is None else moment.astimezone(dt.UTC).replace(tzinfo=None)


def test_0003_seeds_install_ids_and_cuts_times_to_the_hour(db_url):
    engine = db.make_engine(db_url)
    try:
        _upgrade(engine, "0002")
        with engine.begin() as conn:
            conn.execute(insert(kiosks).values(
                id=1, name="Crolles-1", commune="Crolles", token_hash="0" * 64,
                created_at=EXACT, last_contact_at=EXACT, clock_skew_s=-437.0))
            conn.execute(insert(day_revisions), [
                {"kiosk_id": 1, "install_id": install, "day": dt.date(2026, 11, d),
                 "revision": 1, "received_at": EXACT + dt.timedelta(seconds=d)}
                for install in INSTALLS for d in (18, 19)])
        _upgrade(engine, "head")
        with engine.connect() as conn:
            kiosk = conn.execute(select(kiosks)).one()
            received = conn.execute(select(day_revisions.c.received_at)).scalars().all()
            seen = conn.execute(select(kiosk_installs.c.install_id,
                                       kiosk_installs.c.first_seen_at)).all()
        hour = dt.datetime(2026, 11, 20, 14)
        assert _naive_utc(kiosk.last_contact_at) == hour
        assert kiosk.clock_skew_s == -420.0
        assert {_naive_utc(m) for m in received} == {hour}
        assert sorted(i for i, _ in seen) == INSTALLS
        assert {_naive_utc(m) for _, m in seen} == {hour}
    finally:
        engine.dispose()
