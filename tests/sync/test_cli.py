"""`kiosk-coordinator` end to end: serve, add-kiosk, revoke-kiosk, add-user, report."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys

import pytest
from sync_helpers import ROOT, post, push_body

TODAY = dt.date(2026, 11, 26)  # a fixed past day: the coordinator takes any past day


def cli(*args, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    script = shutil.which("kiosk-coordinator", path=str(ROOT / ".venv" / "bin"))
    command = [script] if script else [sys.executable, "-m", "sync.coordinator.cli"]
    return subprocess.run([*command, *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=120)


def test_add_kiosk_serve_push_report_revoke(start_coordinator, db_url):
    added = cli("add-kiosk", "--name", "Crolles-mairie", "--commune", "Crolles", "--db", db_url)
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert len(token) >= 22 and " " not in token  # >= 128 random bits, alone on its line
    assert token not in cli("add-kiosk", "--name", "Other", "--commune", "Crolles",
                            "--db", db_url).stdout

    server = start_coordinator(db_url)  # `kiosk-coordinator serve --db ... --port ...`
    answer = post(server, token, push_body(TODAY, 2, {"service_public": 3, "autre": 1}))
    assert answer.status_code == 200, answer.text

    report = cli("report", "--quarter", _quarter(TODAY), "--format", "json", "--db", db_url)
    assert report.returncode == 0, report.stderr
    table = json.loads(report.stdout)
    assert table["quarter"] == _quarter(TODAY)
    assert table["total"] == 4
    mine = {r["category"]: r["count"] for r in table["rows"]
            if r["kiosk"] == "Crolles-mairie" and r["count"]}
    assert mine == {"service_public": 3, "autre": 1}
    assert all(r["commune"] == "Crolles" for r in table["rows"] if r["kiosk"] == "Crolles-mairie")

    revoked = cli("revoke-kiosk", "Crolles-mairie", "--db", db_url)
    assert revoked.returncode == 0, revoked.stderr
    assert post(server, token, push_body(TODAY, 3, {"autre": 9})).status_code == 401


def test_add_user_reads_the_password_from_stdin(sqlite_url):
    created = cli("add-user", "coordinatrice", "--db", sqlite_url, stdin="un mot de passe long\n")
    assert created.returncode == 0, created.stderr
    again = cli("add-user", "coordinatrice", "--db", sqlite_url, stdin="un mot de passe long\n")
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1


def test_the_default_database_lives_in_the_data_dir(tmp_path):
    added = cli("add-kiosk", "--name", "k", "--commune", "c",
                env={"KIOSK_COORDINATOR_DATA": str(tmp_path / "data")})
    assert added.returncode == 0, added.stderr
    assert (tmp_path / "data" / "coordinator.db").is_file()


@pytest.mark.parametrize("args, says", [
    (("frobnicate",), "invalid choice"),
    ((), "required"),
    (("report", "--quarter", "2026-Q5"), "not a quarter"),
    (("report", "--quarter", "2026-Q4", "--format", "pdf"), "invalid choice"),
    (("serve", "--port", "http"), "not a port"),
    (("add-kiosk", "--name", "x"), "--commune"),
    (("add-kiosk", "--name", " ", "--commune", "Crolles"), "kiosk name"),
    (("revoke-kiosk", "nobody"), "no kiosk named"),
    (("add-kiosk", "--name", "x", "--commune", "y", "--db", "nosuchdb://x"), "nosuchdb"),
    (("add-kiosk", "--name", "x", "--commune", "y", "--db", "sqlite:////no/such/dir/c.db"),
     "does not exist"),
])
def test_bad_input_gets_one_line_and_exit_2(args, says, sqlite_url):
    if "--db" not in args and args and args[0] in ("add-kiosk", "revoke-kiosk", "report"):
        args = (*args, "--db", sqlite_url)
    done = cli(*args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kiosk-coordinator: ")
    assert says in lines[0]
    assert "Traceback" not in done.stderr


def test_duplicate_kiosk_name_is_refused(sqlite_url):
    assert cli("add-kiosk", "--name", "k", "--commune", "c", "--db", sqlite_url).returncode == 0
    again = cli("add-kiosk", "--name", "k", "--commune", "c", "--db", sqlite_url)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert again.stdout == ""


def _quarter(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
