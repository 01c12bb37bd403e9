"""The trusted-clock rule and what happens to taps made while the clock is not trusted."""

import datetime as dt
import json

import pytest
from core_helpers import DAY

from kiosk.catalogue import CATEGORY_IDS
from kiosk.clock import BUILD_DATE, REASON_CODES, Reading, TrustTracker
from kiosk.i18n import SENTENCES, Message, translate
from kiosk.store import Store


def reading(wall, mono, boot="b", synced=False):
    return Reading(wall=wall, mono=mono, boot_id=boot, synced=synced)


# --- the rule alone ------------------------------------------------------------------------


def test_rule_plausible_date_is_trusted_and_drift_is_tolerated():
    tracker = TrustTracker()
    t0 = dt.datetime(2026, 11, 26, 10, 0)
    assert tracker.assess(reading(t0, 100.0), None).reason == "plausible"
    # NTP-sized corrections and normal time passing are not jumps.
    later = t0 + dt.timedelta(hours=2, seconds=90)
    assert tracker.assess(reading(later, 100.0 + 7200), None).trusted
    assert tracker.assess(reading(later - dt.timedelta(seconds=30), 7301.0), None).trusted


def test_rule_old_dates_and_days_before_the_last_one_are_not_trusted():
    tracker = TrustTracker()
    v = tracker.assess(reading(dt.datetime(1970, 1, 1, 0, 0, 12), 12.0), None)
    assert (v.trusted, v.reason) == (False, "before_build")
    v = TrustTracker().assess(reading(dt.datetime(2026, 11, 25, 18, 0), 5.0), DAY)
    assert (v.trusted, v.reason) == (False, "before_last_day")
    assert TrustTracker().assess(reading(dt.datetime(1970, 1, 1), 5.0, synced=True), DAY).trusted
    assert BUILD_DATE <= DAY


def test_rule_jumps_are_seen_and_remembered_for_the_boot():
    tracker = TrustTracker()
    t0 = dt.datetime(2026, 11, 26, 10, 0)
    tracker.assess(reading(t0, 100.0), None)
    v = tracker.assess(reading(t0 + dt.timedelta(days=365), 101.0), None)
    assert (v.trusted, v.reason, v.jumped) == (False, "jump_forward", True)
    v = tracker.assess(reading(t0, 102.0), None)
    assert (v.trusted, v.reason, v.jumped) == (False, "jump_backward", True)
    # Another process of the same boot knows it from the store.
    fresh = TrustTracker()
    v = fresh.assess(reading(t0, 200.0), None, ("b", "jump_backward"))
    assert (v.trusted, v.reason) == (False, "jump_backward")
    assert fresh.assess(reading(t0, 201.0, boot="other"), None, ("b", "jump_backward")).trusted
    said = translate("fr", Message("jump_backward")), translate("en", Message("jump_backward"))
    assert "recul" in said[0] and "backwards" in said[1]
    assert set(REASON_CODES) <= set(SENTENCES)  # every reason can be said


# --- the store with that rule --------------------------------------------------------------


def test_boot_at_1970_then_ntp_redates_the_taps(store, fake_time):
    fake_time.reboot(dt.datetime(1970, 1, 1, 0, 0, 8), "boot-2")
    tap = store.record("service_public")
    store.record("autre")
    assert tap.day is None
    state = store.clock_state()
    assert (state.trusted, state.reason, state.pending) == (False, "before_build", 2)
    assert store.days(dt.date(1970, 1, 1), dt.date(2100, 1, 1)) == []
    # 40 minutes later the network comes up and timesyncd sets the clock.
    fake_time.set_wall(dt.datetime(2026, 11, 26, 10, 40), mono_elapsed=2400)
    fake_time.synced = True
    # A query only looks: the taps wait until the writer's upkeep files them.
    assert store.clock_state().pending == 2
    assert store.upkeep().redated == 2
    state = store.clock_state()
    assert (state.trusted, state.reason, state.pending) == (True, "synced", 0)
    assert store.counts(DAY)["service_public"] == 1
    assert store.counts(DAY)["autre"] == 1
    assert [r.day for r in store.unsynced()] == [DAY]


def test_jump_forward_a_year_and_back(store, fake_time, data_dir):
    store.record("autre")  # 2026-11-26, trusted
    fake_time.set_wall(dt.datetime(2027, 11, 26, 10, 0))
    assert store.record("autre").day is None
    assert store.clock_state().reason == "jump_forward"
    fake_time.set_wall(dt.datetime(2026, 11, 26, 10, 1))
    assert store.record("autre").day is None
    assert store.clock_state().reason == "jump_backward"
    # No day was filed in the future, and a restart in the same boot stays careful.
    assert [r.day for r in store.days(DAY, DAY + dt.timedelta(days=800))] == [DAY]
    store.close()
    with Store(data_dir, clock=fake_time.clock()) as again:
        assert not again.clock_state().trusted
        assert again.record("autre").day is None
        assert again.clock_state().pending == 3
        # timesyncd: trusted again, the taps of this boot are re-dated to their real day.
        fake_time.synced = True
        fake_time.tick(60)
        assert again.upkeep().redated == 3
        assert again.clock_state().pending == 0
        assert again.counts(DAY)["autre"] == 4


def test_taps_of_an_earlier_boot_wait_for_the_mediator(store, fake_time, data_dir):
    fake_time.reboot(dt.datetime(1970, 1, 1, 0, 1), "boot-2")
    store.record("imprimante_scan")
    store.record("imprimante_scan")
    store.close()
    # Power cut; the next boot has a good clock, but the monotonic clock restarted.
    fake_time.reboot(dt.datetime(2026, 11, 27, 9, 0), "boot-3")
    fake_time.synced = True
    with Store(data_dir, clock=fake_time.clock()) as s:
        state = s.clock_state()
        assert state.trusted and state.pending == 2
        with pytest.raises(ValueError, match="future"):
            s.confirm_pending(dt.date(2026, 11, 28))
        with pytest.raises(ValueError, match="before this kiosk's software existed"):
            s.confirm_pending(dt.date(1970, 1, 1))  # date.today() on an unset clock
        assert s.confirm_pending(DAY) == 2
        assert s.counts(DAY)["imprimante_scan"] == 2
        assert s.clock_state().pending == 0
        assert s.confirm_pending(DAY) == 0
    raw = (data_dir / "current.json").read_text()
    assert "boot-2" not in raw


def test_pending_taps_across_midnight_are_not_guessed(store, fake_time):
    fake_time.reboot(dt.datetime(2026, 1, 1, 12, 0), "boot-2")  # before the build date
    for _ in range(3):  # one bucket: an hour between taps
        assert store.record("autre").day is None
        fake_time.tick(3600)
    # Synced at 02:20 on the 27th: the taps were at 23:20 on the 26th, 00:20 and 01:20.
    fake_time.set_wall(dt.datetime(2026, 11, 27, 2, 20), mono_elapsed=0)
    fake_time.synced = True
    state = store.clock_state()
    assert state.trusted and state.pending == 3  # the bucket spans two days
    assert store.counts(DAY)["autre"] == 0


def test_undo_of_a_pending_tap(store, fake_time):
    fake_time.reboot(dt.datetime(1970, 1, 1, 0, 1), "boot-2")
    store.record("autre")
    tap = store.record("autre")
    assert store.undo(tap)
    assert store.clock_state().pending == 1
    # Confirmed, then a new pending tap (its bucket may get the old bucket's id): undo
    # takes back the new tap, not one of the confirmed day.
    assert store.confirm_pending(DAY) == 1
    tap = store.record("autre")
    assert store.undo(tap)
    assert store.counts(DAY)["autre"] == 1
    assert store.clock_state().pending == 0
    # A tap re-dated (here: confirmed) before its undo is taken back from its day.
    tap = store.record("service_public")
    store.confirm_pending(DAY)
    assert store.undo(tap)
    assert store.counts(DAY)["service_public"] == 0


def test_a_long_untrusted_boot_keeps_counts_but_drops_times(store, fake_time, data_dir):
    fake_time.reboot(dt.datetime(1970, 1, 1, 0, 1), "boot-2")
    store.record("autre")
    first_tap_mono = fake_time.mono
    fake_time.tick(8 * 86400)  # retention_days is 7
    store.record("service_public")
    assert store.clock_state().pending == 2
    for name in ("current.json", "current.json.prev"):
        buckets = json.loads((data_dir / name).read_text())["data"]["pending"].values()
        old = [b for b in buckets if "autre" in b["counts"]]
        assert old and all(b["first"] is None and b["last"] is None for b in old)
        assert all(b["first"] != first_tap_mono for b in buckets)


def test_last_day_only_moves_with_a_trusted_clock(store, fake_time, data_dir):
    store.record("autre")
    with pytest.raises(ValueError, match="future"):
        store.correct(DAY + dt.timedelta(days=30), "autre", +1)
    store.close()
    fake_time.reboot(dt.datetime(1970, 1, 1, 0, 1), "boot-2")
    with Store(data_dir, clock=fake_time.clock()) as s:
        s.record("autre")
        # With no trusted date, the mediator's day is taken as given (here: a typo).
        assert s.confirm_pending(DAY + dt.timedelta(days=30)) == 1
    fake_time.reboot(dt.datetime(2026, 11, 27, 9, 0), "boot-3")
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.clock_state().trusted  # the typo did not move "the last counted day"
    fake_time.reboot(dt.datetime(2026, 11, 25, 9, 0), "boot-4")
    with Store(data_dir, clock=fake_time.clock()) as s:
        state = s.clock_state()
        assert (state.trusted, state.reason) == (False, "before_last_day")


def test_a_clock_ahead_at_boot_is_undone_when_synchronised(store, fake_time, data_dir):
    store.record("autre")
    store.mark_synced([(DAY, 1)])
    store.close()
    ahead = DAY + dt.timedelta(days=365)
    fake_time.reboot(dt.datetime(2027, 11, 26, 9, 0), "boot-2")  # plausible: not caught
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.record("service_public").day == ahead
        s.record("service_public")
        # Network: the synchronised clock says it is really the 27th of November 2026.
        fake_time.set_wall(dt.datetime(2026, 11, 27, 9, 5), mono_elapsed=300)
        fake_time.synced = True
        assert s.upkeep().unfiled == 2
        state = s.clock_state()
        assert state.trusted and state.pending == 2
        assert s.counts(ahead)["service_public"] == 0
        assert all(r.day <= DAY + dt.timedelta(days=2) for r in s.unsynced())
        assert s.confirm_pending(DAY + dt.timedelta(days=1)) == 2
        assert s.counts(DAY + dt.timedelta(days=1))["service_public"] == 2
    # The wrong future day no longer blocks the next boot without network.
    fake_time.reboot(dt.datetime(2026, 11, 28, 9, 0), "boot-3")
    with Store(data_dir, clock=fake_time.clock()) as s:
        assert s.clock_state().trusted


# --- a Pi without a battery clock, switched off at the wall every evening ----------------


def test_a_restored_clock_is_not_trusted_until_the_mediator_confirms_today(data_dir, fake_time):
    """fake-hwclock restores "last evening" at boot: without a battery clock and without
    the network, the date waits for the mediator, and taps are never filed on yesterday."""
    evening = dt.datetime(2026, 11, 25, 17, 55)
    fake_time.reboot(evening, "boot-thursday")        # really Thursday 26, 9:00
    with Store(data_dir, clock=fake_time.clock(hardware_clock=False)) as store:
        state = store.clock_state()
        assert (state.trusted, state.reason) == (False, "no_hardware_clock")
        store.record("service_public")
        fake_time.tick(600)
        store.record("imprimante_scan")
        assert store.days(dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == []
        assert store.clock_state().pending == 2

        assert store.confirm_today(dt.date(2026, 11, 26)) == 2
        assert store.counts(dt.date(2026, 11, 26))["service_public"] == 1
        assert store.counts(dt.date(2026, 11, 25)) == dict.fromkeys(CATEGORY_IDS, 0)
        state = store.clock_state()
        assert (state.trusted, state.reason, state.today) == (True, "confirmed",
                                                             dt.date(2026, 11, 26))
        fake_time.tick(3600)                           # later taps of this boot: today
        assert store.record("autre").day == dt.date(2026, 11, 26)
        assert [r.day for r in store.unsynced()] == [dt.date(2026, 11, 26)]

    # The next morning the clock is restored again: the mediator's word was for one boot.
    fake_time.reboot(dt.datetime(2026, 11, 26, 18, 40), "boot-friday")
    with Store(data_dir, clock=fake_time.clock(hardware_clock=False)) as store:
        assert store.record("autre").day is None
        # The network comes back: the real time re-dates the taps of this boot at the
        # next upkeep (the app runs it on a schedule).
        fake_time.wall, fake_time.synced = dt.datetime(2026, 11, 27, 9, 30), True
        assert store.clock_state().reason == "synced"
        assert store.upkeep().redated == 1
        assert store.counts(dt.date(2026, 11, 27))["autre"] == 1


def test_confirming_today_refuses_what_cannot_be_today(data_dir, fake_time):
    with Store(data_dir, clock=fake_time.clock(hardware_clock=False)) as store:
        with pytest.raises(ValueError, match="before this kiosk's software existed"):
            store.confirm_today(dt.date(2020, 1, 1))
        with pytest.raises(ValueError, match="too far from the device's date"):
            store.confirm_today(dt.date(2029, 1, 1))
        fake_time.synced = True
        with pytest.raises(ValueError, match="synchronised"):
            store.confirm_today(dt.date(2026, 11, 26))
        assert store.clock_state().trusted


def test_the_config_chooses_the_clock_kind(tmp_path):
    from kiosk.config import parse

    base = {"kiosk": {"data_dir": str(tmp_path / "d"), "synced_flag": str(tmp_path / "no")},
            "coordinator": {"url": "", "token_file": ""}}
    pi = parse(base)
    assert pi.kiosk.hardware_clock is False  # a Raspberry Pi has no battery clock
    with Store.for_config(pi) as store:
        assert store.clock_state().reason == "no_hardware_clock"
    pc = parse({**base, "kiosk": {**base["kiosk"], "hardware_clock": True}})
    with Store.for_config(pc) as store:
        assert store.clock_state().trusted
