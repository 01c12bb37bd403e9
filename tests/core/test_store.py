"""Store basics: record, counts, undo, corrections, sync marks, archive, lock, threads."""

import datetime as dt
import subprocess
import sys
import threading
import uuid

import pytest
from core_helpers import DAY, seed_history

from kiosk.catalogue import CATEGORY_IDS
from kiosk.store import CURRENT_FILE, Store, StoreError, StoreLocked


def test_counts_list_every_category_with_zeros(store):
    assert store.counts(DAY) == dict.fromkeys(CATEGORY_IDS, 0)


def test_record_is_counted_on_today_and_survives_reopen(store, data_dir, fake_time):
    tap = store.record("imprimante_scan")
    store.record("imprimante_scan")
    store.record("autre")
    assert tap.day == DAY and tap.category == "imprimante_scan"
    install_id = store.install_id
    store.close()
    with Store(data_dir, clock=fake_time.clock()) as again:
        counts = again.counts(DAY)
        assert again.install_id == install_id
    assert counts["imprimante_scan"] == 2 and counts["autre"] == 1
    assert sum(counts.values()) == 3
    uuid.UUID(install_id)


def test_unknown_category_is_refused_and_nothing_written(store, data_dir):
    store.record("autre")
    before = (data_dir / CURRENT_FILE).read_bytes()
    with pytest.raises(ValueError, match="unknown category 'cafe'"):
        store.record("cafe")
    with pytest.raises(ValueError, match="unknown category"):
        store.correct(DAY, "cafe", 1)
    assert (data_dir / CURRENT_FILE).read_bytes() == before


def test_undo_takes_back_only_the_last_tap_once(store):
    first = store.record("service_public")
    last = store.record("service_public")
    revision = store.days(DAY, DAY)[0].revision
    assert not store.undo(first)
    assert store.undo(last)
    assert not store.undo(last)
    assert store.counts(DAY)["service_public"] == 1
    assert store.days(DAY, DAY)[0].revision == revision + 1


def test_corrections_never_go_below_zero_and_bump_the_revision(store):
    assert store.correct(DAY, "viatrajectoire", +1) == 1
    rev = store.days(DAY, DAY)[0].revision
    assert store.correct(DAY, "viatrajectoire", -1) == 0
    assert store.days(DAY, DAY)[0].revision == rev + 1
    assert store.correct(DAY, "viatrajectoire", -1) == 0
    assert store.days(DAY, DAY)[0].revision == rev + 1  # nothing changed, no new revision
    with pytest.raises(ValueError):
        store.correct(DAY, "viatrajectoire", 2)
    # A past day can be corrected too.
    past = DAY - dt.timedelta(days=40)
    assert store.correct(past, "autre", +1) == 1
    assert store.counts(past)["autre"] == 1


def test_unsynced_and_mark_synced(store, fake_time):
    store.record("autre")
    store.record("autre")
    [pending] = store.unsynced()
    assert (pending.day, pending.revision, pending.counts["autre"]) == (DAY, 2, 2)
    store.mark_synced([(DAY, 2)])
    assert store.unsynced() == []
    store.record("autre")
    assert [r.revision for r in store.unsynced()] == [3]
    store.mark_synced([("2026-11-26", 1)])  # a late, older acknowledgement changes nothing
    assert [r.revision for r in store.unsynced()] == [3]


def test_totals_and_days_span_both_files(store, fake_time):
    store.record("autre")
    store.mark_synced([(DAY, 1)])
    fake_time.tick(86400)
    store.record("autre")  # the next day: yesterday, acknowledged, moves to the archive
    nxt = DAY + dt.timedelta(days=1)
    assert [r.day for r in store.days(DAY, nxt)] == [DAY, nxt]
    assert store.totals(DAY, nxt)["autre"] == 2
    current = store.data_dir / "current.json"
    assert DAY.isoformat() not in current.read_text()
    assert DAY.isoformat() in (store.data_dir / "archive.json").read_text()


def test_ten_years_of_history_stay_out_of_the_tap_file(data_dir, fake_time):
    seed_history(data_dir, DAY - dt.timedelta(days=3650), 3650)
    with Store(data_dir, clock=fake_time.clock()) as s:
        s.record("autre")
        assert s.totals(DAY - dt.timedelta(days=3650), DAY)["autre"] > 3650
        assert s.install_id == "6f1c1d3e-8d0a-4c55-9d2b-2b8f0d7c9a11"
    assert (data_dir / "current.json").stat().st_size < 2048
    assert (data_dir / "archive.json").stat().st_size > 300_000


def test_unacknowledged_days_stay_current_until_old(data_dir, fake_time):
    seed_history(data_dir, DAY - dt.timedelta(days=10), 5, acked=False)
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert len(s.unsynced()) == 5
        s.record("autre")
        assert len(s.unsynced()) == 6
        s.mark_synced([(r.day, r.revision) for r in s.unsynced()])
        assert s.unsynced() == []


def test_correcting_an_archived_day_brings_it_back_unsynced(store, fake_time):
    store.record("autre")
    store.mark_synced([(DAY, 1)])
    fake_time.tick(86400)
    store.record("autre")
    store.correct(DAY, "autre", +1)
    assert store.counts(DAY)["autre"] == 2
    assert [(r.day, r.revision) for r in store.unsynced()][0] == (DAY, 2)


def test_threads_tapping_and_acking_lose_nothing(store):
    def tap():
        for _ in range(25):
            store.record("outil_numerique")

    def ack():
        for _ in range(25):
            store.mark_synced([(r.day, r.revision) for r in store.unsynced()])

    threads = [threading.Thread(target=tap) for _ in range(4)] + [threading.Thread(target=ack)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts(DAY)["outil_numerique"] == 100


def test_a_second_writer_in_this_process_is_refused(store, data_dir):
    with pytest.raises(StoreLocked, match="in use by another kiosk process"):
        Store(data_dir)


def test_a_second_writer_process_gets_a_clear_error(store, data_dir):
    code = ("import sys\nfrom kiosk.store import Store, StoreLocked\n"
            "try:\n    Store(sys.argv[1])\nexcept StoreLocked as e:\n"
            "    print(e); sys.exit(3)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(data_dir)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "in use by another kiosk process" in proc.stdout
    store.record("autre")  # the first writer is unaffected
    assert store.counts(DAY)["autre"] == 1


def test_writer_lock_is_free_again_after_close(store, data_dir, fake_time):
    store.record("autre")
    store.close()
    with Store(data_dir, clock=fake_time.clock()) as second:
        assert second.counts(DAY)["autre"] == 1


def test_reader_sees_the_writers_taps_without_the_lock(store, data_dir, fake_time):
    store.record("recherche_emploi")
    reader = Store(data_dir, readonly=True, clock=fake_time.clock())
    assert reader.counts(DAY)["recherche_emploi"] == 1
    store.record("recherche_emploi")
    assert reader.counts(DAY)["recherche_emploi"] == 2
    assert reader.install_id == store.install_id
    with pytest.raises(StoreError, match="read-only"):
        reader.record("autre")
    reader.mark_synced([(DAY, 2)])  # read-only: acknowledgements are not saved
    assert len(store.unsynced()) == 1
    reader.close()


def test_reader_of_a_missing_store_sees_zeros(tmp_path):
    with Store(tmp_path / "nothing", readonly=True) as reader:
        assert reader.counts(DAY) == dict.fromkeys(CATEGORY_IDS, 0)
        assert reader.install_id == ""
    assert not (tmp_path / "nothing").exists()


def test_closed_store_refuses_work(store):
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.record("autre")


def test_unwritable_folder_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot use"):
        Store(blocker / "data")


def test_sync_status_round_trip(store, data_dir, fake_time):
    moment = dt.datetime(2026, 11, 26, 10, 15, tzinfo=dt.UTC)
    store.set_sync_status(last_success=moment, last_error="")
    store.set_sync_status(last_error="Le coordinateur ne répond pas.")
    store.close()
    with Store(data_dir, clock=fake_time.clock()) as again:
        status = again.sync_status
    assert status.last_success == moment
    assert status.last_error == "Le coordinateur ne répond pas."


def test_reader_never_sees_a_torn_or_older_state_while_the_writer_taps(store, data_dir,
                                                                        fake_time):
    done = threading.Event()
    seen, errors = [], []

    def read_loop():
        with Store(data_dir, readonly=True, clock=fake_time.clock()) as reader:
            while not done.is_set():
                try:
                    seen.append(reader.counts(DAY)["autre"])
                except Exception as exc:  # noqa: BLE001 - any failure is the finding
                    errors.append(exc)

    thread = threading.Thread(target=read_loop)
    thread.start()
    for _ in range(200):
        store.record("autre")
    done.set()
    thread.join()
    assert errors == []
    assert len(seen) > 10
    # Between the two renames a reader may read the previous generation: one tap behind
    # at most, and never a torn file.
    assert all(b >= a - 1 for a, b in zip(seen, seen[1:], strict=False))
    assert max(seen) <= 200
    assert not list(data_dir.glob("*.bad-*"))


def test_a_held_day_without_visitors_is_a_zero_day_to_send(store, fake_time):
    """So the coordinator can tell "held, nobody came" from "no data received"."""
    assert store.mark_held() == DAY
    [held] = store.unsynced()
    assert (held.day, held.revision, sum(held.counts.values())) == (DAY, 1, 0)
    store.mark_synced([(DAY, 1)])
    assert store.mark_held() == DAY          # once a day: no new revision, nothing to send
    assert store.unsynced() == []
    store.record("autre")                     # taps then count on top as usual
    assert [(r.revision, r.counts["autre"]) for r in store.unsynced()] == [(2, 1)]


def test_no_held_day_while_the_clock_is_not_trusted(data_dir, fake_time):
    fake_time.reboot(dt.datetime(1970, 1, 1, 0, 1), "boot-1970")
    with Store(data_dir, clock=fake_time.clock()) as store:
        assert store.mark_held() is None
        assert store.unsynced() == []
