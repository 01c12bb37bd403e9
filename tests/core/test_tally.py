"""One day's tally for the CLI and the mediator view: catalogue order, total, waiting taps."""

import datetime as dt

from core_helpers import DAY

from kiosk.catalogue import CATEGORY_IDS
from kiosk.store import Store
from kiosk.tally import Tally, day_tally


def test_the_tally_lists_every_category_in_catalogue_order(store, data_dir, fake_time):
    for cid in ("autre", "service_public", "autre"):
        store.record(cid)
    tally = day_tally(store)
    assert list(tally.counts) == list(CATEGORY_IDS)
    assert (tally.day, tally.total, tally.counts["autre"], tally.pending) == (DAY, 3, 2, 0)
    # A read-only store (`kiosk tally` while the app runs) sees the same tally.
    with Store(data_dir, readonly=True, clock=fake_time.clock()) as reader:
        assert day_tally(reader) == tally
    assert day_tally(store, DAY - dt.timedelta(days=1)) == Tally(
        DAY - dt.timedelta(days=1), dict.fromkeys(CATEGORY_IDS, 0), 0, 0, "plausible")


def test_the_default_day_is_the_one_the_store_files_taps_on(data_dir, fake_time):
    # A Pi without a battery clock restored "last evening": the mediator says the day.
    fake_time.reboot(dt.datetime(2026, 11, 25, 18, 0), "boot-2")
    with Store(data_dir, clock=fake_time.clock(hardware_clock=False)) as store:
        store.record("imprimante_scan")
        waiting = day_tally(store)
        assert (waiting.pending, waiting.total) == (1, 0)
        assert waiting.clock_reason == "no_hardware_clock"
        store.confirm_today(DAY)
        tally = day_tally(store)
    assert (tally.day, tally.total, tally.pending, tally.clock_reason) == (
        DAY, 1, 0, "confirmed")
