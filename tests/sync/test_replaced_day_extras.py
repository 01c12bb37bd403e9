"""A day's workshops and exit answers go when a higher revision replaces the day (the
trigger of migration 0013), and only then: filed through `ingest`, on SQLite and
PostgreSQL, then without the trigger after a downgrade."""

from __future__ import annotations

import datetime as dt
import uuid

from alembic import command
from alembic.config import Config
from sqlalchemy import select
from test_migration_0003 import _upgrade

from sync.coordinator import db, ingest, tokens
from sync.coordinator.schema import exit_answers, workshops
from sync.protocol import CountsPush

DAY, OTHER_DAY = dt.date(2026, 6, 15), dt.date(2026, 6, 16)
NOW = dt.datetime(2026, 6, 20, 10, tzinfo=dt.UTC)
INSTALL, OTHER_INSTALL = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))


def push(revision: int, *, day=DAY, install=INSTALL, extras: bool = True) -> CountsPush:
    entry = {"day": day.isoformat(), "revision": revision, "counts": {"autre": 1}}
    if extras:
        entry["workshops"] = {"outil_numerique": {"sessions": 1, "participants": 4}}
        entry["exits"] = {"oui": 2}
    return CountsPush.model_validate({
        "install_id": install, "sent_at": NOW.isoformat(), "clock_trusted": True,
        "catalogue_version": "1", "days": [entry]})


def extras_held(engine) -> set:
    """(table, install, day) of every workshop and exit answer row."""
    with engine.connect() as conn:
        return {(table.name, install[-1], day)
                for table in (workshops, exit_answers)
                for install, day in conn.execute(select(table.c.install_id, table.c.day))}


def test_a_higher_revision_takes_the_replaced_days_extras_with_it_and_no_other(db_url):
    engine = db.make_engine(db_url)
    try:
        db.migrate(engine)
        tokens.add_kiosk(engine, "Borne", "Crolles")
        for filed in (push(1), push(1, day=OTHER_DAY), push(1, install=OTHER_INSTALL)):
            ingest.ingest(engine, 1, filed, NOW)
        everything = {(t, i, d) for t in ("workshops", "exit_answers")
                      for i, d in (("1", DAY), ("1", OTHER_DAY), ("2", DAY))}
        assert extras_held(engine) == everything
        # The same revision again (a replay): nothing is replaced, nothing goes.
        ingest.ingest(engine, 1, push(1, extras=False), NOW)
        assert extras_held(engine) == everything
        # A higher revision without extras: that install's day loses them, alone.
        ingest.ingest(engine, 1, push(2, extras=False), NOW)
        assert extras_held(engine) == {e for e in everything if e[1:] != ("1", DAY)}
        # A higher one with extras files them again, once.
        ingest.ingest(engine, 1, push(3), NOW)
        assert extras_held(engine) == everything
        with engine.connect() as conn:
            assert len(conn.execute(select(workshops)).all()) == 3

        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0012")
        # Without the trigger a replaced day keeps its old rows: the trigger did the work.
        ingest.ingest(engine, 1, push(4, extras=False), NOW)
        assert extras_held(engine) == everything
        _upgrade(engine, "head")
        ingest.ingest(engine, 1, push(5, extras=False), NOW)
        assert extras_held(engine) == {e for e in everything if e[1:] != ("1", DAY)}
    finally:
        engine.dispose()
