"""What one kiosk token may file, and what the coordinator keeps of a push: through a real
coordinator process on SQLite and PostgreSQL, and the real `kiosk-coordinator` CLI.

- at most three install ids per token: a 4th gets 409 and files nothing until a reset;
- a daily ceiling per kiosk on a day's visits (422 naming the field);
- no time finer than the hour, and no per-request access log with client addresses.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import frozen_clock
from sqlalchemy import select
from sync_helpers import post, push_body
from test_cli import cli

from sync.coordinator.schema import day_revisions, kiosk_installs, kiosks

YESTERDAY = dt.date(2026, 11, 26)  # a fixed past day: the coordinator takes any past day


def _snapshot(engine):
    with engine.connect() as conn:
        return [conn.execute(select(table)).all()
                for table in (kiosks, kiosk_installs, day_revisions)]


def test_a_fourth_install_id_gets_409_files_nothing_until_reset(coordinator):
    token = coordinator.add_kiosk()
    installs = [str(uuid.uuid4()) for _ in range(4)]
    for install in installs[:3]:
        answer = post(coordinator, token, push_body(YESTERDAY, 1, {"autre": 2},
                                                    install_id=install))
        assert answer.status_code == 200, answer.text
    before = _snapshot(coordinator.engine)
    for _ in range(2):  # a retry changes nothing either
        refused = post(coordinator, token, push_body(YESTERDAY, 1, {"autre": 500},
                                                     install_id=installs[3]))
        assert refused.status_code == 409
        assert "réinitialiser" in refused.json()["detail"]
        assert "install ids" in refused.json()["detail"]
        heartbeat = post(coordinator, token, push_body(YESTERDAY, 1, {}, install_id=installs[3],
                                                       days=[]))
        assert heartbeat.status_code == 409
    assert _snapshot(coordinator.engine) == before
    assert coordinator.totals() == {"autre": 6}
    # the three known installs still push
    assert post(coordinator, token, push_body(YESTERDAY, 2, {"autre": 3},
                                              install_id=installs[0])).status_code == 200

    reset = cli("reset-installs", "Crolles-1", "--db", coordinator.db_url)
    assert reset.returncode == 0, reset.stderr
    assert "3 install id(s) forgotten" in reset.stdout
    assert "reset by cli" in reset.stderr  # logged
    accepted = post(coordinator, token, push_body(YESTERDAY, 1, {"autre": 1},
                                                  install_id=installs[3]))
    assert accepted.status_code == 200, accepted.text
    assert coordinator.totals() == {"autre": 3 + 2 + 2 + 1}  # old counts kept


def test_new_installs_pushing_at_once_cannot_pass_the_cap(coordinator):
    """Eight reflashed cards of one kiosk push at the same moment: three are admitted,
    whatever the order the database serves them in."""
    token = coordinator.add_kiosk()
    installs = [str(uuid.uuid4()) for _ in range(8)]
    together = threading.Barrier(len(installs))

    def push(install: str) -> int:
        together.wait(30)
        return post(coordinator, token, push_body(YESTERDAY, 1, {"autre": 1},
                                                  install_id=install)).status_code

    with ThreadPoolExecutor(len(installs)) as pool:
        statuses = sorted(pool.map(push, installs))
    assert statuses == [200] * 3 + [409] * 5
    with coordinator.engine.connect() as conn:
        held = conn.execute(select(kiosk_installs.c.install_id)).scalars().all()
    assert len(held) == 3 and set(held) <= set(installs)
    assert coordinator.totals() == {"autre": 3}


def test_reset_installs_of_an_unknown_kiosk_is_one_line(sqlite_url):
    done = cli("reset-installs", "nobody", "--db", sqlite_url)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["kiosk-coordinator: no kiosk named 'nobody'"]


def test_daily_ceiling_per_kiosk_is_refused_with_422_naming_the_field(start_coordinator,
                                                                      sqlite_url):
    coordinator = start_coordinator(sqlite_url, KIOSK_COORDINATOR_DAILY_CEILING="10")
    token = coordinator.add_kiosk()
    body = push_body(YESTERDAY, 1, {"autre": 6, "service_public": 5})
    body["days"].insert(0, {"day": (YESTERDAY - dt.timedelta(days=1)).isoformat(),
                            "revision": 1, "counts": {"autre": 1}})
    answer = post(coordinator, token, body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "days[1].counts"
    assert "ceiling of 10" in answer.json()["detail"]
    assert coordinator.totals() == {}
    # the ceiling is per kiosk: a second install cannot add its own 10
    first = post(coordinator, token, push_body(YESTERDAY, 1, {"autre": 6}))
    assert first.status_code == 200
    second = post(coordinator, token, push_body(YESTERDAY, 1, {"autre": 6},
                                                install_id=str(uuid.uuid4())))
    assert second.status_code == 422 and "12 visits" in second.json()["detail"]
    assert coordinator.totals() == {"autre": 6}


def test_a_bad_ceiling_setting_is_one_line(sqlite_url):
    done = cli("add-kiosk", "--name", "k", "--commune", "c", "--db", sqlite_url,
               env={"KIOSK_COORDINATOR_DAILY_CEILING": "²"})
    assert done.returncode == 0  # only `serve` reads it
    served = cli("serve", "--db", sqlite_url, "--port", "1",
                 env={"KIOSK_COORDINATOR_DAILY_CEILING": "²"})
    assert served.returncode == 2
    assert served.stderr.strip().splitlines() == [
        "kiosk-coordinator: KIOSK_COORDINATOR_DAILY_CEILING must be a whole number >= 1, "
        "not '²'"]


def test_no_time_finer_than_the_hour_and_no_access_log(coordinator):
    token = coordinator.add_kiosk()
    sent_at = (frozen_clock.now() - dt.timedelta(seconds=437)).isoformat(timespec="seconds")
    answer = post(coordinator, token, push_body(YESTERDAY, 1, {"autre": 1}, sent_at=sent_at))
    assert answer.status_code == 200
    with coordinator.engine.connect() as conn:
        kiosk = conn.execute(select(kiosks)).one()
        received = conn.execute(select(day_revisions.c.received_at)).scalar_one()
        seen = conn.execute(select(kiosk_installs.c.first_seen_at)).scalar_one()
    for moment in (kiosk.last_contact_at, received, seen):
        assert (moment.minute, moment.second, moment.microsecond) == (0, 0, 0), moment
    assert kiosk.clock_skew_s in (-420.0, -480.0)  # rounded to the minute
    log = coordinator.log_path.read_text()
    # uvicorn's access lines read: INFO: 127.0.0.1:50312 - "POST /api/v1/counts HTTP/1.1" 200
    assert '"POST /api/v1/counts' not in log and '"GET /healthz' not in log


def test_access_log_is_a_debugging_flag():
    from sync.coordinator.cli import _parser

    assert _parser().parse_args(["serve"]).access_log is False
    assert _parser().parse_args(["serve", "--access-log"]).access_log is True


def test_report_reads_ascii_quarters_only(sqlite_url):
    for text in ("٢٠٢٦-Q4", "2026-Q²", "２０２６-Q4"):
        done = cli("report", "--quarter", text, "--db", sqlite_url)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "not a quarter" in done.stderr
    for text in ("2026-T4", "2026-q4"):
        done = cli("report", "--quarter", text, "--db", sqlite_url)
        assert done.returncode == 0, done.stderr
        assert '"quarter": "2026-Q4"' in done.stdout
