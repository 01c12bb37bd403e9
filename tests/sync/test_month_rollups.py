"""The month rollups (migration 0012) equal a GROUP BY over the raw tables, whoever writes:
pushes through the real coordinator, a higher revision, a second install, direct deletes,
and the rows already there when a database is upgraded. SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import Counter

from alembic import command
from alembic.config import Config
from polling import poll_until
from sqlalchemy import Date, delete, insert, inspect, literal, select, text
from sync_helpers import post, push_body
from test_migration_0003 import _upgrade

from sync.coordinator import db
from sync.coordinator.reports.figures import month_days, month_grid
from sync.coordinator.schema import counts, day_revisions, kiosks, month_counts
from sync.coordinator.schema import month_days as month_days_table

OTHER_INSTALL = str(uuid.UUID(int=7))
NOW = dt.datetime(2026, 11, 20, 14, tzinfo=dt.UTC)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def expected(engine) -> tuple[dict, dict]:
    """The rollups recomputed from the raw rows, in Python: (kiosk, month, category) -> count
    and (kiosk, month) -> distinct days."""
    with engine.connect() as conn:
        raw = conn.execute(select(counts.c.kiosk_id, counts.c.day, counts.c.category,
                                  counts.c.count)).all()
        days = conn.execute(select(day_revisions.c.kiosk_id, day_revisions.c.day)).all()
    sums: Counter = Counter()
    for kid, day, cat, n in raw:
        sums[(kid, _month(day), cat)] += n  # a cell summing to zero is still a cell
    return dict(sums), dict(Counter((kid, _month(day)) for kid, day in set(days)))


def rollups(engine) -> tuple[dict, dict]:
    with engine.connect() as conn:
        cells = {(r.kiosk_id, r.month, r.category): r.count
                 for r in conn.execute(select(month_counts))}
        days = {(r.kiosk_id, r.month): r.days for r in conn.execute(select(month_days_table))}
    return cells, days


def assert_rollups_exact(engine) -> tuple[dict, dict]:
    actual = rollups(engine)
    assert actual == expected(engine)
    return actual


def test_rollups_follow_pushes_revisions_installs_and_deletes(coordinator):
    first = coordinator.add_kiosk("Crolles-1", "Crolles")
    second = coordinator.add_kiosk("Pontcharra-1", "Pontcharra")
    nov, nov2, dec = dt.date(2026, 11, 25), dt.date(2026, 11, 3), dt.date(2025, 12, 31)
    for token, body in [
        (first, push_body(nov, 1, {"autre": 4, "service_public": 1})),
        (first, push_body(nov2, 1, {"autre": 2})),
        (first, push_body(dec, 5, {"imprimante_scan": 3})),
        (second, push_body(nov, 1, {"autre": 9})),
        # a higher revision: one count goes down, one up, one to zero
        (first, push_body(nov, 2, {"autre": 1, "viatrajectoire": 2})),
        (first, push_body(nov, 1, {"autre": 50})),  # late and older: changes nothing
        # the same day from a second install of the same kiosk (a reflashed card)
        (first, push_body(nov, 3, {"autre": 5}, install_id=OTHER_INSTALL)),
    ]:
        answer = post(coordinator, token, body)
        assert answer.status_code == 200, answer.text
    engine = coordinator.engine
    cells, days = assert_rollups_exact(engine)
    with engine.connect() as conn:
        kid = conn.execute(select(kiosks.c.id).where(kiosks.c.name == "Crolles-1")).scalar_one()
    assert cells[(kid, dt.date(2026, 11, 1), "autre")] == 1 + 2 + 5
    assert cells[(kid, dt.date(2026, 11, 1), "service_public")] == 0
    assert cells[(kid, dt.date(2026, 11, 1), "viatrajectoire")] == 2
    assert cells[(kid, dt.date(2025, 12, 1), "imprimante_scan")] == 3
    assert days[(kid, dt.date(2026, 11, 1))] == 2  # two days, one of them from two installs
    assert days[(kid, dt.date(2025, 12, 1))] == 1
    # The report functions read the rollups with the keys they are written with.
    grid, received = month_grid(engine, [2025, 2026]), month_days(engine, [2025, 2026])
    assert grid[2026][10][kid]["autre"] == 8 and grid[2025][11][kid]["imprimante_scan"] == 3
    assert received[2026][10][kid] == 2 and received[2025][11] == {kid: 1}
    assert all(not per_kiosk for per_kiosk in received[2025][:11])

    # Direct deletes: one install's day (the other still holds it), then a whole month.
    with engine.begin() as conn:
        mine = [counts.c.kiosk_id == kid, counts.c.day == nov, counts.c.install_id != OTHER_INSTALL]
        conn.execute(delete(counts).where(*mine))
        conn.execute(delete(day_revisions).where(
            day_revisions.c.kiosk_id == kid, day_revisions.c.day == nov,
            day_revisions.c.install_id != OTHER_INSTALL))
    cells, days = assert_rollups_exact(engine)
    assert cells[(kid, dt.date(2026, 11, 1), "autre")] == 2 + 5
    assert days[(kid, dt.date(2026, 11, 1))] == 2
    with engine.begin() as conn:
        conn.execute(delete(counts).where(counts.c.day == dec))
        conn.execute(delete(day_revisions).where(day_revisions.c.day == dec))
    cells, days = assert_rollups_exact(engine)
    assert (kid, dt.date(2025, 12, 1)) not in days
    assert not any(month == dt.date(2025, 12, 1) for _, month, _ in cells)
    assert month_days(engine, [2025])[2025][11] == {}


def _rows(kid: int, install: str, day: dt.date, revision: int, **day_counts):
    return ({"kiosk_id": kid, "install_id": install, "day": day, "revision": revision,
             "received_at": NOW},
            [{"kiosk_id": kid, "install_id": install, "day": day, "category": cat, "count": n}
             for cat, n in day_counts.items()])


def _write(engine, *days) -> None:
    with engine.begin() as conn:
        conn.execute(insert(day_revisions), [revision for revision, _ in days])
        conn.execute(insert(counts), [row for _, rows in days for row in rows])


def test_upgrade_fills_the_rollups_from_existing_rows_and_downgrade_drops_them(db_url):
    engine = db.make_engine(db_url)
    a, b = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))
    try:
        _upgrade(engine, "0011")
        with engine.begin() as conn:
            conn.execute(insert(kiosks), [
                {"id": i, "name": f"K{i}", "commune": "Crolles", "token_hash": f"{i:064d}",
                 "created_at": NOW} for i in (1, 2)])
        _write(engine,
               _rows(1, a, dt.date(2026, 10, 31), 3, autre=2, service_public=1),
               _rows(1, b, dt.date(2026, 10, 31), 1, autre=4),  # same day, second install
               _rows(1, a, dt.date(2026, 11, 1), 1, autre=0),  # held, nobody came
               _rows(2, a, dt.date(2024, 2, 29), 2, imprimante_scan=6))
        _upgrade(engine, "head")
        cells, days = assert_rollups_exact(engine)
        assert cells[(1, dt.date(2026, 10, 1), "autre")] == 6
        assert days == {(1, dt.date(2026, 10, 1)): 1, (1, dt.date(2026, 11, 1)): 1,
                        (2, dt.date(2024, 2, 1)): 1}
        # The triggers run from then on.
        _write(engine, _rows(2, b, dt.date(2024, 2, 29), 1, imprimante_scan=1),
               _rows(2, a, dt.date(2024, 3, 1), 1, autre=1))
        cells, days = assert_rollups_exact(engine)
        assert cells[(2, dt.date(2024, 2, 1), "imprimante_scan")] == 7
        assert days[(2, dt.date(2024, 2, 1))] == 1 and days[(2, dt.date(2024, 3, 1))] == 1
        # One statement writing, then deleting, two installs' rows of one day: each row's
        # trigger sees the rows before it, so the day counts once and goes once.
        copy = dt.date(2026, 8, 3)
        with engine.begin() as conn:
            conn.execute(insert(day_revisions).from_select(
                ["kiosk_id", "install_id", "day", "revision", "received_at"],
                select(day_revisions.c.kiosk_id, day_revisions.c.install_id,
                       literal(copy, Date), day_revisions.c.revision,
                       day_revisions.c.received_at)
                .where(day_revisions.c.day == dt.date(2026, 10, 31))))
        assert assert_rollups_exact(engine)[1][(1, dt.date(2026, 8, 1))] == 1
        with engine.begin() as conn:
            assert conn.execute(delete(day_revisions).where(
                day_revisions.c.day == copy)).rowcount == 2
        assert (1, dt.date(2026, 8, 1)) not in assert_rollups_exact(engine)[1]

        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0011")
        tables = set(inspect(engine).get_table_names())
        assert not {"month_counts", "month_days"} & tables
        _write(engine, _rows(1, a, dt.date(2026, 9, 1), 1, autre=1))  # no trigger left
        _upgrade(engine, "head")
        assert_rollups_exact(engine)
    finally:
        engine.dispose()


def test_two_installs_filing_one_new_day_at_once_count_it_once(pg_url):
    """PostgreSQL: the second insert of the day waits for the first to commit, then sees it.
    (SQLite runs one writer at a time: there the second cannot start before.)"""
    engine = db.make_engine(pg_url)
    day = dt.date(2026, 11, 2)
    try:
        db.migrate(engine)
        with engine.begin() as conn:
            conn.execute(insert(kiosks).values(id=1, name="K1", commune="Crolles",
                                               token_hash="1" * 64, created_at=NOW))
        first_revision, _ = _rows(1, str(uuid.UUID(int=1)), day, 1)
        second_revision, _ = _rows(1, str(uuid.UUID(int=2)), day, 1)
        errors: list[BaseException] = []

        def second() -> None:
            try:
                with engine.begin() as conn:
                    conn.execute(insert(day_revisions).values(**second_revision))
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        with engine.connect() as first:
            transaction = first.begin()
            first.execute(insert(day_revisions).values(**first_revision))
            thread = threading.Thread(target=second)
            thread.start()
            # Each look its own transaction: within one, PostgreSQL shows pg_stat_activity
            # as it was at the first look, and a second insert that starts waiting after it
            # (a busy machine) is never seen.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
                poll_until(lambda: watch.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()")).scalar(), what="the second insert to wait")
            transaction.commit()
        thread.join(60)
        assert not errors and not thread.is_alive()
        assert assert_rollups_exact(engine)[1] == {(1, dt.date(2026, 11, 1)): 1}
    finally:
        engine.dispose()
