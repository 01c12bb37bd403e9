"""The database password never appears on a command line: `ps` and `systemctl status` show
argv to every local user. The URL comes from $KIOSK_COORDINATOR_DB_FILE (or the
environment); pg_dump gets the password through a private PGPASSFILE."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from polling import poll_until
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sync_helpers import ROOT, free_port

SECRET = "pw-s3cret:with\\odd@chars"
UNITS = ROOT / "deploy" / "systemd"
BACKUP = ROOT / "deploy" / "coordinator" / "backup.sh"
CLI = [sys.executable, "-m", "sync.coordinator.cli"]


def with_password(url: str) -> str:
    """The test server trusts every local connection: a password is accepted and ignored."""
    return make_url(url).set(password=SECRET).render_as_string(hide_password=False)


def url_file(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "db-url"
    path.write_text(url + "\n")
    path.chmod(0o600)
    return path


def env_without_db(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_COORDINATOR_DB")}
    return {**env, **extra}


def test_no_unit_puts_the_database_url_on_a_command_line():
    for unit in ("kiosk-coordinator.service", "kiosk-coordinator-backup.service"):
        starts = [line for line in (UNITS / unit).read_text().splitlines()
                  if line.startswith("ExecStart")]
        assert starts, unit
        for line in starts:
            assert "--db" not in line and "KIOSK_COORDINATOR_DB" not in line, (unit, line)


@pytest.mark.postgres
def test_serve_reads_the_url_from_a_file_and_keeps_it_off_its_command_line(pg_url, tmp_path):
    port = free_port()
    env = env_without_db(KIOSK_COORDINATOR_DB_FILE=str(url_file(tmp_path, with_password(pg_url))))
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([*CLI, "serve", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        def healthy() -> bool:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
            except requests.RequestException:
                return False

        poll_until(healthy, what="the coordinator to start")
        argv = Path(f"/proc/{server.pid}/cmdline").read_bytes().decode()
        assert "serve" in argv and SECRET not in argv and "postgresql" not in argv
        with create_engine(pg_url).connect() as conn:  # it really migrated that database
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    finally:
        server.terminate()
        server.wait(30)
        log.close()


def test_a_missing_url_file_is_one_clear_line(tmp_path):
    env = env_without_db(KIOSK_COORDINATOR_DB_FILE=str(tmp_path / "nowhere"))
    result = subprocess.run([*CLI, "revoke-kiosk", "x"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kiosk-coordinator: KIOSK_COORDINATOR_DB_FILE {tmp_path / 'nowhere'}: "
        "No such file or directory"]


def test_errors_never_repeat_the_password(tmp_path):
    unreachable = f"postgresql+psycopg://coordinator:{SECRET}@127.0.0.1:{free_port()}/x"
    for env in (env_without_db(KIOSK_COORDINATOR_DB=unreachable),
                env_without_db(KIOSK_COORDINATOR_DB=f"not a url {SECRET}")):
        result = subprocess.run([*CLI, "revoke-kiosk", "x"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode in (1, 2)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert SECRET not in result.stderr and "s3cret" not in result.stderr


# A pg_dump ahead of the real one on PATH: records its arguments and the password file it
# was given, then runs the real pg_dump.
SPY = """#!/bin/sh
printf '%s\\n' "$*" > "$SPY_DIR/argv"
stat -c %a "$PGPASSFILE" > "$SPY_DIR/mode"
cp "$PGPASSFILE" "$SPY_DIR/pgpass"
echo "$PGPASSFILE" > "$SPY_DIR/where"
exec /usr/bin/pg_dump "$@"
"""


@pytest.mark.postgres
def test_backup_gives_pg_dump_the_password_in_a_private_file(pg_url, tmp_path):
    with create_engine(pg_url).begin() as conn:
        conn.execute(text("CREATE TABLE marker (n integer)"))
        conn.execute(text("INSERT INTO marker VALUES (42)"))
    spy = tmp_path / "bin"
    spy.mkdir()
    (spy / "pg_dump").write_text(SPY)
    (spy / "pg_dump").chmod(0o755)
    env = env_without_db(KIOSK_COORDINATOR_DB_FILE=str(url_file(tmp_path, with_password(pg_url))),
                         PATH=f"{spy}:{os.environ['PATH']}", SPY_DIR=str(tmp_path))
    dest = tmp_path / "backups"
    result = subprocess.run(["bash", str(BACKUP), "--dest", str(dest)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    argv = (tmp_path / "argv").read_text()
    assert SECRET not in argv and "s3cret" not in argv and "postgresql" not in argv
    assert (tmp_path / "mode").read_text().strip() == "600"
    assert (tmp_path / "pgpass").read_text() == "*:*:*:*:pw-s3cret\\:with\\\\odd@chars\n"
    assert not Path((tmp_path / "where").read_text().strip()).exists()  # removed afterwards
    (dump,) = dest.glob("coordinator-*.pgdump")

    with create_engine(pg_url).begin() as conn:
        conn.execute(text("DELETE FROM marker"))
    env = env_without_db(KIOSK_COORDINATOR_DB=with_password(pg_url))
    result = subprocess.run(["bash", str(BACKUP), "--restore", str(dump)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with create_engine(pg_url).connect() as conn:
        assert conn.execute(text("SELECT n FROM marker")).scalar() == 42
    assert shlex.quote(SECRET) not in result.stdout + result.stderr
