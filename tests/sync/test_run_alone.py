"""db.run_alone: the push limiter's one statement, run straight on a pooled DBAPI connection.

It must commit, leave the connection as it found it (a later transaction on it still rolls
back), keep SQLite's per-file lock, and fail as SQLAlchemy would: an OperationalError (503)
for a dropped connection, which then leaves the pool so that the next take works."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import bindparam, create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from sync.coordinator import db
from sync.coordinator.limits import SharedBucket, limits_engine
from sync.coordinator.schema import shared_limits


@pytest.fixture
def one_connection(monkeypatch):
    """Engines made in the test keep one connection: every take reuses it."""
    monkeypatch.setattr(db, "POOL_SIZE", 1)


def _held(engine, key: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(shared_limits)
                            .where(shared_limits.c.key == key)).scalar_one()


def test_a_take_is_committed_and_leaves_the_connection_transactional(db_url, one_connection):
    engine = db.make_engine(db_url)
    db.migrate(engine)
    side = limits_engine(engine)
    def frozen():
        return 1_000_000.0

    bucket = SharedBucket(side, "push", per_minute=60, burst=2, floor=1, clock=frozen)
    assert [bucket.acquire("kiosk:1") for _ in range(3)] == [0.0, 0.0, 1.0]
    # Another engine (another worker) sees the takes: they were committed.
    other = db.make_engine(db_url)
    assert SharedBucket(limits_engine(other), "push", per_minute=60, burst=2, floor=1,
                        clock=frozen).wait("kiosk:1") == 1.0
    # The same pooled connection, used next for a transaction, is not in autocommit.
    with engine.connect() as conn:
        conn.execute(text("INSERT INTO shared_limits (key, level, at, taken) "
                          "VALUES ('left:out', 0, 0, false)"))
        conn.rollback()
    assert _held(engine, "left:out") == 0
    for each in (other, side, engine):
        each.dispose()


def test_an_sqlite_error_is_sqlalchemys_and_releases_the_file_lock(sqlite_url):
    engine = db.make_engine(sqlite_url)  # no migration: shared_limits does not exist yet
    run = db.run_alone(engine, text("INSERT INTO shared_limits (key, level, at, taken) "
                                    "VALUES (:key, 1, 0, true) RETURNING level"))
    with pytest.raises(OperationalError, match="no such table"):
        run({"key": "kiosk:1"})
    db.migrate(engine)  # a transaction on the same file lock: it was released
    assert run({"key": "kiosk:1"}) == [(1.0,)]
    assert _held(engine, "kiosk:1") == 1
    engine.dispose()


@pytest.mark.postgres
def test_a_dropped_connection_fails_one_take_then_is_replaced(pg_url, one_connection,
                                                              caplog):
    engine = db.make_engine(pg_url)
    db.migrate(engine)
    bucket = SharedBucket(limits_engine(engine), "push")
    assert bucket.acquire("kiosk:1") == 0.0
    admin = create_engine(pg_url, poolclass=NullPool)
    with admin.connect() as conn:  # the server drops the pool's one connection
        dropped = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    assert dropped == 1
    with (caplog.at_level(logging.WARNING, logger="sqlalchemy.pool"),
          pytest.raises(OperationalError)):
        bucket.acquire("kiosk:1")
    # Dropped by run_alone itself, not left for the pool to find in a failed reset.
    assert not [r for r in caplog.records if r.name.startswith("sqlalchemy.pool")]
    assert bucket.acquire("kiosk:1") == 0.0  # on a new connection
    assert _held(engine, "push:kiosk:1") == 1
    admin.dispose()
    engine.dispose()


def test_a_statement_whose_sql_changes_with_its_parameters_is_refused(sqlite_url):
    engine = db.make_engine(sqlite_url)
    expanding = select(shared_limits.c.level).where(
        shared_limits.c.key.in_(bindparam("keys", expanding=True)))
    with pytest.raises(ValueError, match="the same for every call"):
        db.run_alone(engine, expanding)
    engine.dispose()
