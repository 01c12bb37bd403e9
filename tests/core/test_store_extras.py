"""Workshops and exit answers in the store: per-day aggregates under the revision rule,
archived and read back like the visits, refused when out of bounds."""

import datetime as dt
import json

import pytest
from core_helpers import DAY

from kiosk.extras import MAX_PARTICIPANTS, MAX_WORKSHOPS
from kiosk.store import Store


def revision(store, day=DAY):
    (record,) = store.days(day, day)
    return record.revision


def test_a_workshop_bumps_the_day_s_revision_and_is_read_back_as_aggregates(store):
    store.record("autre")
    before = revision(store)
    store.record_workshop(DAY, "securite_numerique", 8)
    store.record_workshop(DAY, "securite_numerique", 5)
    store.record_workshop(DAY, "outil_numerique", 12)
    assert revision(store) == before + 3
    assert store.workshops(DAY) == {"securite_numerique": {5: 1, 8: 1},
                                    "outil_numerique": {12: 1}}
    (record,) = store.days(DAY, DAY)
    assert record.workshops == {"securite_numerique": {"sessions": 2, "participants": 13},
                                "outil_numerique": {"sessions": 1, "participants": 12}}
    assert record.counts["autre"] == 1  # the visits are untouched
    assert store.counts(DAY)["securite_numerique"] == 0  # workshops are not visits


def test_taking_back_a_workshop_is_exact_and_never_below_zero(store):
    store.record_workshop(DAY, "imprimante_scan", 4)
    store.record_workshop(DAY, "imprimante_scan", 4)
    rev = revision(store)
    assert store.remove_workshop(DAY, "imprimante_scan", 4)
    assert store.workshops(DAY) == {"imprimante_scan": {4: 1}}
    assert store.remove_workshop(DAY, "imprimante_scan", 4)
    assert store.workshops(DAY) == {}
    assert revision(store) == rev + 2
    assert not store.remove_workshop(DAY, "imprimante_scan", 4)
    assert not store.remove_workshop(DAY, "imprimante_scan", 7)
    assert revision(store) == rev + 2  # nothing to take back: no new revision
    (record,) = store.days(DAY, DAY)
    assert record.workshops == {}


def test_exit_answers_count_per_day_and_bump_the_revision(store):
    store.mark_held()
    rev = revision(store)
    assert store.record_exit("oui") == DAY
    store.record_exit("oui")
    store.record_exit("non")
    assert store.exits(DAY) == {"oui": 2, "non": 1}
    assert revision(store) == rev + 3
    (record,) = store.unsynced()
    assert record.exits == {"oui": 2, "non": 1}
    assert sum(store.counts(DAY).values()) == 0  # an answer is not a visit


def test_an_exit_answer_without_a_trusted_clock_is_not_counted(data_dir, fake_time):
    with Store(data_dir, clock=fake_time.clock(hardware_clock=False)) as store:
        assert not store.clock_state().trusted
        assert store.record_exit("un_peu") is None
        assert store.unsynced() == []


def test_bad_extras_are_refused_and_write_nothing(store, data_dir):
    store.record("autre")
    before = (data_dir / "current.json").read_bytes()
    for theme, n in (("cuisine", 5), ("autre", 0), ("autre", MAX_PARTICIPANTS + 1),
                     ("autre", True), ("autre", "5"), ("autre", 2.0)):
        with pytest.raises(ValueError):
            store.record_workshop(DAY, theme, n)
    for answer in ("peut-être", "", None, 1):
        with pytest.raises(ValueError):
            store.record_exit(answer)
    with pytest.raises(ValueError, match="future"):
        store.record_workshop(DAY + dt.timedelta(days=1), "autre", 3)
    assert (data_dir / "current.json").read_bytes() == before
    for _ in range(MAX_WORKSHOPS):
        store.record_workshop(DAY, "autre", 2)
    with pytest.raises(ValueError, match="at most"):
        store.record_workshop(DAY, "autre", 2)


def test_extras_survive_a_correction_a_tap_the_archive_and_a_reopen(data_dir, fake_time):
    with Store(data_dir, clock=fake_time.clock()) as store:
        store.record_workshop(DAY, "service_public", 6)
        store.record_exit("oui")
        store.record("autre")
        store.correct(DAY, "autre", +1)
        rev = revision(store)
        store.mark_synced([(DAY, rev)])
    fake_time.set_wall(dt.datetime(2026, 11, 28, 10, 0))
    with Store(data_dir, clock=fake_time.clock()) as store:  # the day moves to the archive
        assert "days" not in json.loads((data_dir / "current.json").read_text())["data"] or \
            str(DAY.toordinal()) not in json.loads(
                (data_dir / "current.json").read_text())["data"]["days"]
        assert store.workshops(DAY) == {"service_public": {6: 1}}
        assert store.exits(DAY) == {"oui": 1}
        # A late workshop of an archived day brings it back with a new revision.
        store.record_workshop(DAY, "service_public", 3)
        (record,) = store.unsynced()
        assert record.day == DAY and record.revision == rev + 1
        assert record.workshops == {"service_public": {"sessions": 2, "participants": 9}}
        assert record.exits == {"oui": 1} and record.counts["autre"] == 2


@pytest.mark.parametrize("bad", [
    {"workshops": {"cuisine": {"5": 1}}}, {"workshops": {"autre": {"0": 1}}},
    {"workshops": {"autre": {"100": 1}}}, {"workshops": {"autre": {"05": 1}}},
    {"workshops": {"autre": {"5": 0}}}, {"workshops": {"autre": {"5": True}}},
    {"workshops": ["autre"]}, {"exits": {"peut_etre": 1}}, {"exits": {"oui": -1}},
    {"exits": {"oui": "2"}},
])
def test_a_file_with_bad_extras_is_unreadable(data_dir, fake_time, bad):
    """The allowlist's checks: such a file is moved aside and the previous one used."""
    from kiosk.store import validate_tables

    doc = {"day": DAY.isoformat(), "revision": 1, "acked": 0, "counts": {}, **bad}
    with pytest.raises(ValueError):
        validate_tables({"days": {str(DAY.toordinal()): doc}})
    good = {"day": DAY.isoformat(), "revision": 1, "acked": 0, "counts": {},
            "workshops": {"autre": {"5": 2}}, "exits": {"oui": 1}}
    validate_tables({"days": {str(DAY.toordinal()): good}})
