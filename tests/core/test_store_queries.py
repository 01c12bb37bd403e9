"""Queries never write: upkeep is the writer's one explicit step.

`counts`, `days`, `totals`, `unsynced`, `clock_state`, `sync_status` and `install_id`
answer from the files and the clock without touching the disk, even when upkeep is due;
`upkeep()` then does it all in one write and says what it did.
"""

import datetime as dt
import json

import pytest
from core_helpers import DAY

from kiosk.store import Store, StoreError, UpkeepReport


def disk(data_dir) -> dict:
    """Every file of the store: name -> (bytes, inode, mtime in ns)."""
    return {p.name: (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(data_dir.iterdir())}


def ask_everything(store) -> tuple:
    """Every query of the store, with its answers."""
    start, end = DAY - dt.timedelta(days=30), DAY + dt.timedelta(days=30)
    return (store.counts(DAY), store.counts(DAY + dt.timedelta(days=10)),
            store.days(start, end), store.totals(start, end), store.unsynced(),
            store.clock_state(), store.sync_status, store.install_id)


def test_no_query_writes_even_when_upkeep_is_due(data_dir, fake_time):
    with Store(data_dir, clock=fake_time.clock()) as store:
        store.record("autre")
        store.mark_synced([(DAY, 1)])
        store.set_sync_status(last_success=fake_time.wall.astimezone(), last_error="")
    # A boot with an unset clock: two taps wait for a date.
    fake_time.reboot(dt.datetime(1970, 1, 1, 0, 1), "boot-2")
    store = Store(data_dir, clock=fake_time.clock())
    store.record("service_public")
    store.record("service_public")
    # Ten days later by the network: every kind of upkeep is due (re-date the waiting
    # taps, archive the acknowledged day, cut the time of the last push to its day).
    later = dt.datetime(2026, 12, 6, 10, 0)
    fake_time.set_wall(later, mono_elapsed=60)
    fake_time.synced = True
    before = disk(data_dir)

    answers = ask_everything(store)
    for _ in range(3):
        assert ask_everything(store) == answers
    with Store(data_dir, readonly=True, clock=fake_time.clock()) as reader:
        assert ask_everything(reader) == answers
        assert reader.upkeep() == UpkeepReport()
    assert disk(data_dir) == before
    clock = answers[5]
    assert (clock.trusted, clock.pending) == (True, 2)  # not yet filed: nothing written

    report = store.upkeep()
    assert (report.redated, report.archived, report.scrubbed) == (2, 1, True)
    assert report.changed and disk(data_dir) != before
    assert store.counts(later.date())["service_public"] == 2
    assert store.clock_state().pending == 0
    assert store.sync_status.last_success == dt.datetime.combine(DAY, dt.time())
    archived = json.loads((data_dir / "archive.json").read_text())["data"]["days"]
    assert [d["day"] for d in archived.values()] == [DAY.isoformat()]
    # Nothing more is due: a second upkeep writes nothing.
    after = disk(data_dir)
    assert store.upkeep() == UpkeepReport() and disk(data_dir) == after
    store.close()


def test_a_jump_seen_by_a_query_is_written_by_the_next_upkeep(store, data_dir, fake_time):
    store.record("autre")
    before = disk(data_dir)
    fake_time.set_wall(dt.datetime(2027, 11, 26, 10, 0))  # a year ahead in one second
    assert store.clock_state().reason == "jump_forward"
    assert store.unsynced()[0].day == DAY
    assert store.clock_state().reason == "jump_forward"  # remembered, in memory
    assert disk(data_dir) == before
    assert not store.upkeep().changed  # the jump is clock memory, not housework
    clock = json.loads((data_dir / "current.json").read_text())["data"]["clock"]["1"]
    assert (clock["jump_boot"], clock["jump_reason"]) == ("boot-1", "jump_forward")
    store.close()
    # A restart in the same boot stays careful.
    with Store(data_dir, clock=fake_time.clock()) as again:
        assert again.clock_state().reason == "jump_forward"


def test_a_readonly_store_answers_without_a_folder_and_refuses_writes(tmp_path, fake_time):
    missing = tmp_path / "nothing-yet"
    with Store(missing, readonly=True, clock=fake_time.clock()) as reader:
        counts, *_rest, clock, status, install_id = ask_everything(reader)
        assert sum(counts.values()) == 0 and install_id == "" and clock.pending == 0
        assert status.last_success is None
        assert reader.upkeep() == UpkeepReport()
        with pytest.raises(StoreError, match="read-only"):
            reader.record("autre")
        reader.mark_synced([(DAY, 1)])  # nothing to remember read-only: a no-op
    assert not missing.exists()
