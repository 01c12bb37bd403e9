"""A date confirmed by the mediator on a Pi restored to "last evening" holds past the
device's own midnight (found by the soak simulation, issue 17).

fake-hwclock sets the clock to the time saved at last evening's power cut: at 08:30 the
device says 19:00 the day before. The mediator confirms today's date; about five hours
later the device reaches its midnight. Before the fix, every later tap of that boot was
filed on tomorrow, and so on each day until the network gave the time.
"""

import datetime as dt

from core_helpers import FakeTime

from kiosk.store import Store

THURSDAY = dt.date(2026, 11, 26)


def test_the_confirmed_day_does_not_turn_at_the_devices_midnight(tmp_path):
    fake_time = FakeTime(tmp_path, dt.datetime(2026, 11, 25, 19, 0))  # truly 26/11 08:30
    with Store(tmp_path / "data", clock=fake_time.clock(hardware_clock=False)) as store:
        fake_time.tick(600)
        assert store.record("service_public").day is None  # waits for a date
        assert store.confirm_today(THURSDAY) == 1
        assert store.counts(THURSDAY)["service_public"] == 1
        fake_time.tick(3600)  # truly 09:40, device 20:10
        assert store.record("autre").day == THURSDAY
        fake_time.tick(5 * 3600)  # truly 14:40, device 01:10 the next day
        assert store.clock_state().today == THURSDAY
        assert store.record("imprimante_scan").day == THURSDAY
        fake_time.tick(19 * 3600)  # truly Friday 09:40: the kiosk stayed on overnight
        assert store.record("autre").day == THURSDAY + dt.timedelta(days=1)
        assert [r.day for r in store.unsynced()] == [THURSDAY, THURSDAY + dt.timedelta(days=1)]
        assert sum(store.counts(THURSDAY).values()) == 3
