"""The permanence's profile reaches the coordinator's `places` (issue 12, Contract).

A real kiosk client pushes to a real coordinator on 127.0.0.1; `kiosk-coordinator places`
runs as the real command. The profile is institutional data only, sent after each start
and whenever it changes; `changed_at` moves only when the content changes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys

import pytest
from push_helpers import HoursKiosk
from sqlalchemy import select, update
from sync_helpers import ROOT, FaultProxy, post, push_body

from sync.coordinator import db, tokens
from sync.coordinator.ingest import ingest
from sync.coordinator.places import NATIONAL_COLUMNS, osm_hours
from sync.coordinator.schema import kiosks, places
from sync.protocol import CountsPush

PROFILE = {"name": "Permanence numérique de Crolles", "commune": "Crolles",
           "place": "Mairie, salle du conseil", "address": "1 place de la Mairie, 38920 Crolles",
           "by_appointment": True, "booking": "https://rdv.example.org/crolles",
           "categories": ["service_public", "imprimante_scan", "autre"],
           "hours": {"monday": ["09:00-12:00"], "thursday": ["14:00-17:30"]}}


def run_places(db_url: str, fmt: str = "json") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sync.coordinator.cli", "places", "--format", fmt,
         "--db", db_url], cwd=ROOT, capture_output=True, text=True, timeout=120)


def places_json(db_url: str) -> list[dict]:
    done = run_places(db_url)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_changed_timetable_reaches_places(coordinator, tmp_path):
    token = coordinator.add_kiosk("Crolles-1", "Crolles")
    first = HoursKiosk(tmp_path / "a", coordinator.url, token, **PROFILE)
    result = first.client.sync_now(include_today=False)  # a heartbeat carries the profile
    first.close()
    assert result.ok, result.message
    [entry] = places_json(coordinator.db_url)
    assert entry["kiosk"] == "Crolles-1" and entry["commune"] == "Crolles"
    assert entry["place"] == PROFILE["place"] and entry["address"] == PROFILE["address"]
    assert entry["hours"] == PROFILE["hours"]
    assert entry["categories"] == PROFILE["categories"] and entry["by_appointment"] is True
    contact = dt.datetime.fromisoformat(entry["last_contact"])
    assert (contact.minute, contact.second, contact.microsecond) == (0, 0, 0)  # to the hour

    # The commune changes the timetable; the kiosk restarts with the new config.
    new_hours = {"tuesday": ["13:30-16:00"], "saturday": ["09:00-11:00"]}
    second = HoursKiosk(tmp_path / "a", coordinator.url, token,
                        **{**PROFILE, "hours": new_hours})
    result = second.client.sync_now(include_today=False)
    second.close()
    assert result.ok, result.message
    [entry] = places_json(coordinator.db_url)
    assert entry["hours"] == new_hours


def test_changed_at_moves_only_when_the_content_changes(db_url):
    engine = db.make_engine(db_url)
    try:
        db.migrate(engine)
        tokens.add_kiosk(engine, "Crolles-1", "Crolles")
        with engine.connect() as conn:
            kiosk_id = conn.execute(select(kiosks.c.id)).scalar_one()
        body = push_body("2026-11-02", 1, {"autre": 1}, profile=PROFILE)
        t0 = dt.datetime(2026, 11, 2, 17, 42, 13, 123456, tzinfo=dt.UTC)

        def changed_at(push, now):
            ingest(engine, kiosk_id, CountsPush.model_validate(push), now=now)
            with engine.connect() as conn:
                moment = conn.execute(select(places.c.changed_at)).scalar_one()
            return moment.replace(tzinfo=moment.tzinfo or dt.UTC)

        assert changed_at(body, t0) == dt.datetime(2026, 11, 2, 17, tzinfo=dt.UTC)
        # The same profile again, days later (each restart sends it): no change.
        assert changed_at(body, t0 + dt.timedelta(days=3)) == dt.datetime(
            2026, 11, 2, 17, tzinfo=dt.UTC)
        # A push without a profile keeps what is held.
        no_profile = {k: v for k, v in body.items() if k != "profile"}
        assert changed_at(no_profile, t0 + dt.timedelta(days=4)) == dt.datetime(
            2026, 11, 2, 17, tzinfo=dt.UTC)
        # A new address: changed, to the hour.
        moved = push_body("2026-11-02", 1, {"autre": 1},
                          profile={**PROFILE, "address": "3 rue du Lac, 38920 Crolles"})
        assert changed_at(moved, t0 + dt.timedelta(days=5, minutes=7)) == dt.datetime(
            2026, 11, 7, 17, tzinfo=dt.UTC)
    finally:
        engine.dispose()


def test_the_profile_goes_until_acknowledged_then_after_each_start(sqlite_coordinator,
                                                                    tmp_path):
    proxy = FaultProxy(sqlite_coordinator.port, script=["503"] * 4)
    token = sqlite_coordinator.add_kiosk()
    kiosk = HoursKiosk(tmp_path / "k", proxy.url, token, **PROFILE)
    try:
        assert not kiosk.client.sync_now(include_today=False).ok  # 503s (retried by urllib3)
        assert kiosk.client.sync_now(include_today=False).ok  # acknowledged now
        assert kiosk.client.sync_now(include_today=False).ok  # unchanged: not sent again
        kiosk.close()
        restarted = HoursKiosk(tmp_path / "k", proxy.url, token, **PROFILE)
        assert restarted.client.sync_now(include_today=False).ok
        restarted.close()
    finally:
        proxy.close()
    carried = ["profile" in json.loads(body) for body in proxy.bodies]
    refused = len(carried) - 3
    assert refused >= 1 and carried == [True] * refused + [True, False, True]


def test_a_profile_too_long_for_the_protocol_does_not_hold_back_the_counts(sqlite_coordinator,
                                                                          tmp_path, caplog):
    kiosk = HoursKiosk(tmp_path / "k", sqlite_coordinator.url, sqlite_coordinator.add_kiosk(),
                       address="x" * 400)
    try:
        kiosk.store.record("autre")
        result = kiosk.client.sync_now()
        assert result.ok and result.sent == 1, result.message
    finally:
        kiosk.close()
    assert "profile is not sent" in caplog.text and "address" in caplog.text
    assert sqlite_coordinator.totals() == {"autre": 1}
    [entry] = places_json(sqlite_coordinator.db_url)
    assert entry["changed_at"] is None and entry["commune"] == "Crolles"


@pytest.mark.parametrize(("change", "field"), [
    ({"mediator_name": "Jeanne"}, "mediator_name"),
    ({"address": "y" * 301}, "address"),
    ({"name": ""}, "name"),
    ({"place": "Mairie\nBureau 2"}, "place"),
    ({"by_appointment": "yes"}, "by_appointment"),
    ({"hours": {"monday": ["25:00-26:00"]}}, "hours"),
    ({"hours": {"monday": ["12:00-09:00"]}}, "hours"),
    ({"hours": {"lundi": ["09:00-12:00"]}}, "hours"),
    ({"categories": ["autre", "autre"]}, "categories"),
    ({"categories": ["cuisine"]}, "categories"),
    ({"booking": 12}, "booking"),
])
def test_a_bad_profile_is_refused_and_files_nothing(sqlite_coordinator, change, field):
    token = sqlite_coordinator.add_kiosk()
    answer = post(sqlite_coordinator, token,
                  push_body("2026-11-02", 1, {"autre": 1}, profile={**PROFILE, **change}))
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert sqlite_coordinator.totals() == {}
    assert places_json(sqlite_coordinator.db_url)[0]["changed_at"] is None


def test_places_lists_active_kiosks_and_the_national_csv(sqlite_coordinator):
    token = sqlite_coordinator.add_kiosk("Crolles-1", "Crolles")
    sqlite_coordinator.add_kiosk("Bernin-1", "Bernin")  # never pushed
    gone = sqlite_coordinator.add_kiosk("Old-1", "Lumbin")
    assert post(sqlite_coordinator, gone, push_body("2026-11-02", 1, {},
                                                    profile=PROFILE)).status_code == 200
    tokens.revoke_kiosk(sqlite_coordinator.engine, "Old-1")
    hostile = {**PROFILE, "name": "=HYPERLINK(\"http://evil\")", "place": "-1+2",
               "by_appointment": False, "booking": ""}
    assert post(sqlite_coordinator, token, push_body("2026-11-02", 1, {},
                                                     profile=hostile)).status_code == 200
    entries = places_json(sqlite_coordinator.db_url)
    assert [e["kiosk"] for e in entries] == ["Bernin-1", "Crolles-1"]
    assert entries[0]["commune"] == "Bernin" and entries[0]["hours"] == {}

    done = run_places(sqlite_coordinator.db_url, "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert tuple(rows[0]) == NATIONAL_COLUMNS
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    crolles = dict(zip(NATIONAL_COLUMNS, rows[2], strict=True))
    assert crolles["id"] == "Crolles-1" and crolles["commune"] == "Crolles"
    assert crolles["nom"].startswith("'=") and crolles["complement_adresse"] == "'-1+2"
    assert crolles["code_postal"] == "38920"
    assert crolles["adresse"] == "1 place de la Mairie, 38920 Crolles"
    assert crolles["horaires"] == "Mo 09:00-12:00; Th 14:00-17:30"
    assert crolles["services"] == ("Aide aux démarches administratives;"
                                   "Accès internet et matériel informatique")
    assert crolles["modalites_acces"] == "Se présenter" and crolles["prise_rdv"] == ""
    assert crolles["date_maj"] == entries[1]["changed_at"][:10]
    bernin = dict(zip(NATIONAL_COLUMNS, rows[1], strict=True))
    assert bernin["id"] == "Bernin-1" and bernin["horaires"] == "" and bernin["date_maj"] == ""


def test_osm_hours_groups_days_with_the_same_slots():
    same = ["09:00-12:00", "14:00-17:00"]
    assert osm_hours({"monday": same, "tuesday": same, "wednesday": same,
                      "friday": same, "saturday": ["10:00-12:00"]}) == (
        "Mo-We 09:00-12:00,14:00-17:00; Fr 09:00-12:00,14:00-17:00; Sa 10:00-12:00")
    assert osm_hours({}) == ""


def test_places_with_a_bad_format_is_one_line_and_exit_2(sqlite_url):
    done = subprocess.run([sys.executable, "-m", "sync.coordinator.cli", "places",
                           "--format", "xlsx", "--db", sqlite_url],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_last_contact_is_never_finer_than_the_hour(sqlite_coordinator):
    token = sqlite_coordinator.add_kiosk()
    assert post(sqlite_coordinator, token, push_body("2026-11-02", 1, {})).status_code == 200
    with sqlite_coordinator.engine.begin() as conn:
        conn.execute(update(kiosks).values(
            last_contact_at=dt.datetime(2026, 11, 2, 9, 59, 59, 999, tzinfo=dt.UTC)))
    [entry] = places_json(sqlite_coordinator.db_url)
    assert entry["last_contact"] == "2026-11-02T09:00:00+00:00"
