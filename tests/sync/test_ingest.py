"""Ingestion through a real coordinator process, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import frozen_clock
import requests
from sqlalchemy import select
from sync_helpers import post, push_body

from sync.coordinator import tokens
from sync.coordinator.schema import day_revisions, kiosks

TODAY = dt.date(2026, 11, 26)  # a fixed past day: the coordinator takes any past day
YESTERDAY = TODAY - dt.timedelta(days=1)


def test_push_is_stored_and_acknowledged(coordinator):
    token = coordinator.add_kiosk()
    answer = post(coordinator, token, push_body(YESTERDAY, 3, {"service_public": 2, "autre": 1}))
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == [{"day": YESTERDAY.isoformat(), "revision": 3}]
    assert answer.json()["updated"] == 1
    assert coordinator.day_totals() == {YESTERDAY: {"service_public": 2, "autre": 1}}


def test_the_same_push_twice_counts_once(coordinator):
    token = coordinator.add_kiosk()
    body = push_body(TODAY, 5, {"imprimante_scan": 4})
    first, second = post(coordinator, token, body), post(coordinator, token, body)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["accepted"] == first.json()["accepted"]
    assert second.json()["updated"] == 0
    assert coordinator.totals() == {"imprimante_scan": 4}


def test_an_older_revision_arriving_late_is_ignored(coordinator):
    token = coordinator.add_kiosk()
    newer = post(coordinator, token, push_body(TODAY, 5, {"autre": 5, "viatrajectoire": 1}))
    older = post(coordinator, token, push_body(TODAY, 4, {"autre": 4}))
    assert (newer.status_code, older.status_code) == (200, 200)
    # The late packet is acknowledged (the server holds something newer) but changes nothing.
    assert older.json()["accepted"] == [{"day": TODAY.isoformat(), "revision": 4}]
    assert older.json()["updated"] == 0
    assert coordinator.totals() == {"autre": 5, "viatrajectoire": 1}


def test_a_higher_revision_replaces_the_day_including_categories_that_went_to_zero(coordinator):
    token = coordinator.add_kiosk()
    post(coordinator, token, push_body(TODAY, 1, {"autre": 1}))
    post(coordinator, token, push_body(TODAY, 2, {"service_public": 1}))  # the tap was corrected
    assert coordinator.totals() == {"service_public": 1}


def test_one_push_of_several_days_files_only_the_new_and_the_higher_ones(coordinator):
    token = coordinator.add_kiosk()
    before = TODAY - dt.timedelta(days=2)
    first = push_body(YESTERDAY, 5, {"autre": 5})
    first["days"].append({"day": before.isoformat(), "revision": 2, "counts": {"autre": 2}})
    assert post(coordinator, token, first).status_code == 200
    mixed = push_body(TODAY, 1, {"service_public": 1})  # a new day
    mixed["days"] += [{"day": YESTERDAY.isoformat(), "revision": 4, "counts": {"autre": 4}},
                      {"day": before.isoformat(), "revision": 3, "counts": {"securite_numerique": 3}}]
    answer = post(coordinator, token, mixed)
    assert answer.status_code == 200, answer.text
    assert answer.json()["updated"] == 2  # today is new, the day before yesterday higher
    assert coordinator.day_totals() == {TODAY: {"service_public": 1},
                                        YESTERDAY: {"autre": 5},  # revision 4 < 5: kept
                                        before: {"securite_numerique": 3}}


def test_a_reflashed_kiosk_adds_to_its_old_counts(coordinator):
    token = coordinator.add_kiosk()
    post(coordinator, token, push_body(TODAY, 9, {"autre": 9}))
    fresh = str(uuid.uuid4())  # new card, new install_id, revisions start again
    answer = post(coordinator, token, push_body(TODAY, 1, {"autre": 2}, install_id=fresh))
    assert answer.status_code == 200
    assert coordinator.totals() == {"autre": 11}


def test_two_kiosks_are_kept_apart(coordinator):
    first = coordinator.add_kiosk("Crolles-1", "Crolles")
    second = coordinator.add_kiosk("Pontcharra-1", "Pontcharra")
    body = push_body(TODAY, 1, {"autre": 3})  # same install_id on purpose: the token decides
    post(coordinator, first, body)
    post(coordinator, second, push_body(TODAY, 1, {"autre": 7}))
    assert coordinator.totals("Crolles-1") == {"autre": 3}
    assert coordinator.totals("Pontcharra-1") == {"autre": 7}


def test_last_contact_and_reported_clock_are_recorded(coordinator):
    token = coordinator.add_kiosk()
    sent_at = (frozen_clock.now() - dt.timedelta(minutes=10)).isoformat(timespec="seconds")
    post(coordinator, token, push_body(TODAY, 1, {"autre": 1}, sent_at=sent_at,
                                       clock_trusted=False))
    with coordinator.engine.connect() as conn:
        row = conn.execute(select(kiosks).where(kiosks.c.name == "Crolles-1")).one()
    assert row.last_contact_at is not None
    assert row.clock_trusted is False
    assert -660 < row.clock_skew_s < -540


def test_concurrent_pushes_of_many_kiosks_all_succeed(coordinator):
    names = [f"kiosk-{i}" for i in range(24)]
    kiosk_tokens = {name: coordinator.add_kiosk(name, "Crolles") for name in names}
    days = [TODAY - dt.timedelta(days=d) for d in range(60)]
    statuses: dict[str, int] = {}

    def push(name):
        body = push_body(TODAY, 1, {})
        body["days"] = [{"day": d.isoformat(), "revision": 2, "counts": {"autre": 1}}
                        for d in days]
        statuses[name] = post(coordinator, kiosk_tokens[name], body).status_code

    threads = [threading.Thread(target=push, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(statuses.values()) == {200}
    for name in names:
        assert coordinator.totals(name) == {"autre": len(days)}
    with coordinator.engine.connect() as conn:
        assert len(conn.execute(select(day_revisions)).all()) == len(names) * len(days)


def test_revoking_a_kiosk_refuses_its_token_at_once(coordinator):
    token = coordinator.add_kiosk()
    assert post(coordinator, token, push_body(TODAY, 1, {"autre": 1})).status_code == 200
    tokens.revoke_kiosk(coordinator.engine, "Crolles-1")
    answer = post(coordinator, token, push_body(TODAY, 2, {"autre": 2}))
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]
    assert coordinator.totals() == {"autre": 1}  # what it sent before is kept


def test_healthz_needs_no_token(coordinator):
    answer = requests.get(coordinator.url + "/healthz", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}
