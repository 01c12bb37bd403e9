"""deploy/coordinator/backup.sh: a backup taken while a writer keeps committing restores into
a working, consistent database; old backups are pruned; bad arguments get one clear line."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deploy_helpers import DEPLOY
from sqlalchemy import create_engine, func, select

from sync.coordinator.schema import counts, day_revisions, kiosks, metadata

BACKUP = DEPLOY / "coordinator/backup.sh"
CATEGORIES = ["service_public", "navigation_internet", "recherche_emploi", "viatrajectoire",
              "outil_numerique", "imprimante_scan", "securite_numerique", "autre"]

# A separate process pushing one day per transaction (a day_revisions row and its eight
# counts together), as the coordinator's ingestion does, until it is killed.
WRITER = """
import datetime as dt, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
day = dt.date(2020, 1, 1)
now = dt.datetime(2026, 11, 26, 10, 0).isoformat()
cats = sys.argv[2].split(",")
n = 0
while True:
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO day_revisions VALUES (1, 'a1b2', ?, 1, ?)", (day.isoformat(), now))
    db.executemany("INSERT INTO counts VALUES (1, 'a1b2', ?, ?, ?)",
                   [(day.isoformat(), c, i + 1) for i, c in enumerate(cats)])
    db.execute("COMMIT")
    n += 1
    if n == 50:
        print("ready", flush=True)
    day += dt.timedelta(days=1)
"""


def backup(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(BACKUP), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def live_db(tmp_path):
    path = tmp_path / "coordinator.db"
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(kiosks.insert().values(
            id=1, name="crolles-mairie", commune="Crolles", token_hash="0" * 64,
            created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)))
    engine.dispose()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), ",".join(CATEGORIES)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "ready"
    yield path
    writer.kill()
    writer.wait()


def test_backup_of_a_live_database_restores_and_answers_queries(live_db, tmp_path):
    dest = tmp_path / "backups"
    result = backup("--db", f"sqlite:///{live_db}", "--dest", str(dest), "--keep-days", "7")
    assert result.returncode == 0, result.stderr
    files = list(dest.glob("coordinator-*.sqlite3.gz"))
    assert len(files) == 1 and f"wrote {files[0]}" in result.stdout
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"

    restored = tmp_path / "restored" / "coordinator.db"
    result = backup("--db", f"sqlite:///{restored}", "--restore", str(files[0]))
    assert result.returncode == 0, result.stderr

    engine = create_engine(f"sqlite:///{restored}")
    with engine.connect() as conn:
        assert conn.execute(select(kiosks.c.name)).scalars().all() == ["crolles-mairie"]
        days = conn.execute(select(func.count()).select_from(day_revisions)).scalar_one()
        rows = conn.execute(select(func.count()).select_from(counts)).scalar_one()
        total = conn.execute(select(func.sum(counts.c.count))).scalar_one()
    engine.dispose()
    # The writer had committed 50 days before the backup started; the copy is one
    # consistent snapshot, so each day it holds came with its eight counts.
    assert days >= 50
    assert rows == days * len(CATEGORIES)
    assert total == days * sum(range(1, len(CATEGORIES) + 1))


def test_restore_replaces_the_contents_of_an_existing_database(live_db, tmp_path):
    dest = tmp_path / "backups"
    assert backup("--db", f"sqlite:///{live_db}", "--dest", str(dest)).returncode == 0
    target = tmp_path / "target.db"
    other = sqlite3.connect(target)
    other.execute("CREATE TABLE leftover (x)")
    other.commit()
    other.close()
    (archive,) = dest.glob("coordinator-*")
    assert backup("--db", f"sqlite:///{target}", "--restore", str(archive)).returncode == 0
    tables = {r[0] for r in sqlite3.connect(target).execute("SELECT name FROM sqlite_master")}
    assert "leftover" not in tables and {"kiosks", "counts", "day_revisions"} <= tables


def test_old_backups_are_pruned_and_the_newest_kept(live_db, tmp_path):
    dest = tmp_path / "backups"
    dest.mkdir()
    old = dest / "coordinator-20200101T023000Z.sqlite3.gz"
    recent = dest / "coordinator-20991231T023000Z.sqlite3.gz"  # newer name, older mtime
    # Ages from the wall clock, because the script's `find -mtime` reads it: 10 and 28 days
    # away from the 30-day limit, so no date, weekday or DST switch can tip either file.
    for path, age_days in ((old, 40), (recent, 2)):
        path.write_bytes(b"x")
        stamp = time.time() - age_days * 86400
        os.utime(path, (stamp, stamp))
    result = backup("--db", f"sqlite:///{live_db}", "--dest", str(dest), "--keep-days", "30")
    assert result.returncode == 0, result.stderr
    assert not old.exists() and recent.exists()
    assert f"removed {old}" in result.stdout
    assert len(list(dest.glob("coordinator-*"))) == 2


@pytest.mark.parametrize("args, message", [
    ([], "--db URL is required"),
    (["--db", "mysql://x/y", "--dest", "/tmp"], "must be a sqlite:/// or postgresql:// URL"),
    (["--db", "sqlite:////nonexistent/c.db", "--dest", "{tmp}"], "no such database file"),
    (["--db", "sqlite:////x.db", "--dest", "{tmp}", "--keep-days", "ten"], "whole number"),
    (["--db", "sqlite:///{tmp}/r.db", "--restore", "{tmp}/missing.gz"], "no such backup file"),
])
def test_bad_input_gets_one_clear_line(tmp_path, args, message):
    result = backup(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode != 0
    assert result.stderr.startswith("backup: error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_corrupt_backup_is_refused_and_the_database_left_alone(live_db, tmp_path):
    target = tmp_path / "target.db"
    keep = sqlite3.connect(target)
    keep.execute("CREATE TABLE precious (x)")
    keep.commit()
    keep.close()
    junk = tmp_path / "coordinator-junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    result = backup("--db", f"sqlite:///{target}", "--restore", str(junk))
    assert result.returncode != 0 and "backup: error:" in result.stderr
    tables = {r[0] for r in sqlite3.connect(target).execute("SELECT name FROM sqlite_master")}
    assert tables == {"precious"}


@pytest.mark.postgres
def test_postgresql_dump_and_restore(tmp_path):
    url = os.environ.get("KIOSK_TEST_PG_URL")
    if not url:
        pytest.skip("KIOSK_TEST_PG_URL not set: scripts/test starts PostgreSQL and sets it")
    engine = create_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(kiosks.insert().values(
            id=1, name="pontcharra", commune="Pontcharra", token_hash="1" * 64,
            created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC)))
    dest = tmp_path / "backups"
    result = backup("--db", url, "--dest", str(dest))
    assert result.returncode == 0, result.stderr
    (dump,) = dest.glob("coordinator-*.pgdump")
    with engine.begin() as conn:
        conn.execute(kiosks.delete())
    result = backup("--db", url, "--restore", str(dump))
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        assert conn.execute(select(kiosks.c.name)).scalars().all() == ["pontcharra"]
    metadata.drop_all(engine)
    engine.dispose()
    assert Path(dump).stat().st_size > 0
