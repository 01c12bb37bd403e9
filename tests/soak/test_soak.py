"""The short form of the soak simulation (issue 17): a few kiosks, two months, many faults.

The long form is `bench/soak.py` (20 kiosks, a year, a thousand faults). A failure prints
each difference with the history that led to it; the seed replays it.
"""

from __future__ import annotations

import os

import pytest
from soak_sim import Options, Simulation

pytestmark = pytest.mark.soak


def _run(tmp_path, **options):
    outcome = Simulation(Options(workdir=tmp_path / "soak", **options)).run()
    print(outcome.summary())
    assert not outcome.differences, "\n".join(outcome.differences[:20])
    return outcome


def test_five_kiosks_sixty_days_a_hundred_faults_on_sqlite(tmp_path):
    outcome = _run(tmp_path, kiosks=5, days=60, faults=100, seed=17)
    assert sum(outcome.faults.values()) >= 80  # a few are skipped when their moment is wrong
    assert outcome.faults["coord_restore"] >= 1 and outcome.faults["kill_tap"] >= 1
    assert outcome.taps > 500


@pytest.mark.postgres
def test_three_kiosks_a_month_on_postgresql(tmp_path):
    url = os.environ.get("KIOSK_TEST_PG_URL")
    if not url:
        pytest.skip("KIOSK_TEST_PG_URL is not set: run `source scripts/start-postgres.sh`")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"kiosk_soak_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        db = make_url(url).set(database=name).render_as_string(hide_password=False)
        _run(tmp_path, kiosks=3, days=30, faults=30, seed=1717, db_url=db)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
