"""Workshops and exit answers, end to end: a real kiosk store and sync client push them to
the real coordinator on 127.0.0.1; they reach the reports apart from the visits, count once
whatever the replay or transfer, and a bad body is refused naming the field."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import frozen_clock
import pytest
from sync_helpers import ROOT, KioskSide, post, push_body

from sync import transfer
from sync.coordinator.reports import extras

#: A fixed past day (never today): the kiosk's clock is set to it.
DAY = dt.date(2026, 6, 15)
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def on_day(kiosk: KioskSide, day: dt.date = DAY) -> None:
    wanted = dt.datetime.combine(day, dt.time(11)).astimezone()
    kiosk.offset = wanted - frozen_clock.local_now()


def figures(server):
    with server.engine.connect() as conn:
        return extras.workshops(conn, *YEAR), extras.exit_answers(conn, *YEAR)


@pytest.fixture
def kiosk(tmp_path, coordinator):
    side = KioskSide(tmp_path / "kiosk", coordinator.url, coordinator.add_kiosk())
    on_day(side)
    yield side
    side.close()


def test_a_workshop_and_an_exit_answer_reach_the_annual_report(coordinator, kiosk):
    from sync.coordinator import reports

    kiosk.tap("autre", 2)
    kiosk.store.record_workshop(DAY, "securite_numerique", 8)
    kiosk.store.record_workshop(DAY, "securite_numerique", 5)
    assert kiosk.store.record_exit("oui") == DAY
    kiosk.store.record_exit("non")
    assert kiosk.client.sync_now().ok
    assert kiosk.store.unsynced() == []
    workshops, exits = figures(coordinator)
    assert [(w.commune, w.theme, w.sessions, w.participants) for w in workshops] == [
        ("Crolles", "securite_numerique", 2, 13)]
    assert [(e.commune, e.answers) for e in exits] == [
        ("Crolles", {"oui": 1, "un_peu": 0, "non": 1})]
    # Apart from the visits: the annual report's visits are the two taps only.
    report = reports.annual_report(coordinator.engine, 2026)
    assert report.total == 2
    assert report.extras.sessions == 2 and report.extras.participants == 13
    assert report.extras.exit_totals.answers == {"oui": 1, "un_peu": 0, "non": 1}

    # Taking a workshop back is a new revision: the coordinator follows it.
    assert kiosk.store.remove_workshop(DAY, "securite_numerique", 8)
    assert kiosk.client.sync_now().ok
    workshops, _ = figures(coordinator)
    assert [(w.sessions, w.participants) for w in workshops] == [(1, 5)]


def test_replays_and_a_transfer_count_once(tmp_path, sqlite_coordinator):
    server = sqlite_coordinator
    token = server.add_kiosk()
    body = push_body(DAY, 3, {"autre": 1})
    body["days"][0]["workshops"] = {"outil_numerique": {"sessions": 2, "participants": 9}}
    body["days"][0]["exits"] = {"un_peu": 4}
    for _ in range(3):
        assert post(server, token, body).status_code == 200
    expected = ([("Crolles", "outil_numerique", 2, 9)], [("Crolles", {"oui": 0, "un_peu": 4,
                                                                      "non": 0})])

    def now():
        workshops, exits = figures(server)
        return ([(w.commune, w.theme, w.sessions, w.participants) for w in workshops],
                [(e.commune, e.answers) for e in exits])

    assert now() == expected
    # The same revision by transfer file (an offline kiosk's): nothing changes.
    day = transfer.Day(DAY, 3, {"autre": 1}, body["days"][0]["workshops"], {"un_peu": 4})
    source = transfer.Source(transfer.derive_key(token), body["install_id"], True, "1")
    path = tmp_path / "transfer.txt"
    path.write_text(transfer.file_text(transfer.file_payloads_for(source, [day])))
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "sync.coordinator.cli", "import",
                               str(path), "--db", server.db_url],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert done.returncode == 0, done.stderr
    assert now() == expected
    # An older revision changes nothing; a newer one without workshops leaves none.
    older = push_body(DAY, 2, {"autre": 1})
    assert post(server, token, older).status_code == 200
    assert now() == expected
    newer = push_body(DAY, 4, {"autre": 1})
    assert post(server, token, newer).status_code == 200
    assert now() == ([], [])


@pytest.mark.parametrize(("part", "value", "field"), [
    ("workshops", {"cuisine": {"sessions": 1, "participants": 3}}, "workshops.cuisine"),
    ("workshops", {"autre": {"sessions": "1", "participants": 3}}, "workshops.autre.sessions"),
    ("workshops", {"autre": {"sessions": True, "participants": 3}}, "workshops.autre.sessions"),
    ("workshops", {"autre": {"sessions": 1, "participants": 3.0}},
     "workshops.autre.participants"),
    ("workshops", {"autre": {"sessions": 0, "participants": 0}}, "workshops.autre.sessions"),
    ("workshops", {"autre": {"sessions": 1, "participants": 100}}, "workshops.autre"),
    ("workshops", {"autre": {"sessions": 2, "participants": 1}}, "workshops.autre"),
    ("workshops", {"autre": {"sessions": 1, "participants": 3, "names": "x"}},
     "workshops.autre.names"),
    ("workshops", {"autre": 3}, "workshops.autre"),
    ("exits", {"peut_etre": 1}, "exits.peut_etre"),
    ("exits", {"oui": -1}, "exits.oui"),
    ("exits", {"oui": "1"}, "exits.oui"),
    ("exits", {"oui": False}, "exits.oui"),
    ("exits", {"oui": 10**6}, "exits.oui"),
    ("comment", "merci beaucoup", "comment"),
])
def test_a_bad_workshop_or_exit_answer_is_refused_naming_the_field(sqlite_coordinator, part,
                                                                    value, field):
    token = sqlite_coordinator.add_kiosk()
    body = push_body(DAY, 1, {"autre": 1})
    body["days"][0][part] = value
    answer = post(sqlite_coordinator, token, body)
    assert answer.status_code == 422, answer.text
    fields = [e.get("field", "") for e in answer.json()["errors"]]
    assert any(f.startswith(f"days.0.{field}") or f == f"days[0].{field}" for f in fields), \
        (fields, answer.text)
    assert figures(sqlite_coordinator) == ([], [])
    assert sqlite_coordinator.day_totals() == {}
