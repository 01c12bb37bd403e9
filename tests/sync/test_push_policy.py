"""Contract: no push ever follows a tap (DESIGN.md, "When the kiosk pushes").

A real store and the real sync client's background thread push to a real coordinator on
127.0.0.1 through a recording proxy. The kiosk's clock is injected: it is put on a day three
days back, mid-morning, during opening hours, and moved past closing by the test, so nothing
depends on today's date, the weekday or the hour the suite runs at.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess

import frozen_clock
import pytest
from polling import poll_until
from push_helpers import HOURS, HoursKiosk
from sqlalchemy import select
from sync_helpers import ROOT, FaultProxy

from sync.coordinator.schema import kiosks


@pytest.fixture
def hours_kiosk(tmp_path, sqlite_coordinator):
    proxy = FaultProxy(sqlite_coordinator.port)
    kiosk = HoursKiosk(tmp_path / "kiosk", proxy.url, sqlite_coordinator.add_kiosk())
    kiosk.proxy = proxy
    kiosk.day = frozen_clock.today() - dt.timedelta(days=3)
    kiosk.set_wall(kiosk.day, 10)  # open: 09:00-12:00 every day
    yield kiosk
    kiosk.close()
    proxy.close()


def _last_contact(coordinator):
    with coordinator.engine.connect() as conn:
        return conn.execute(select(kiosks.c.last_contact_at)).scalar_one()


def test_taps_stay_on_the_kiosk_until_the_day_is_over(sqlite_coordinator, hours_kiosk):
    kiosk = hours_kiosk
    for category in ("service_public", "autre", "service_public"):
        kiosk.store.record(category)
    kiosk.client.start()
    # Two scheduled rounds while the permanence is open: heartbeats, no day.
    poll_until(lambda: len(kiosk.proxy.bodies) >= 2, what="two scheduled pushes", timeout_s=90)
    assert [json.loads(body)["days"] for body in kiosk.proxy.bodies[:2]] == [[], []]
    assert sqlite_coordinator.day_totals() == {}
    assert _last_contact(sqlite_coordinator) is not None  # fleet health still sees it
    # 12:30: the permanence has closed for the day; the next scheduled round carries it.
    kiosk.set_wall(kiosk.day, 12, 30)
    poll_until(lambda: sqlite_coordinator.day_totals() != {}, what="the day to leave",
               timeout_s=90)
    assert sqlite_coordinator.day_totals() == {kiosk.day: {"service_public": 2, "autre": 1}}
    # The server commits before it answers: the kiosk marks the day sent a moment later.
    poll_until(lambda: kiosk.store.unsynced() == [], what="the day marked sent", timeout_s=90)


def test_a_tap_does_not_shorten_the_wait_for_the_next_round(sqlite_coordinator, hours_kiosk):
    kiosk = hours_kiosk
    kiosk.client.start()
    poll_until(lambda: len(kiosk.proxy.bodies) >= 1, what="a first push", timeout_s=90)
    first = kiosk.proxy.log[0][0]
    kiosk.store.record("imprimante_scan")
    poll_until(lambda: len(kiosk.proxy.bodies) >= 2, what="a second push", timeout_s=90)
    # The next round comes at least interval_s / 2 after the first, tap or no tap.
    assert kiosk.proxy.log[1][0] - first >= 4.5
    assert json.loads(kiosk.proxy.bodies[1])["days"] == []


def test_the_mediator_may_send_today(sqlite_coordinator, hours_kiosk):
    """"Envoyer maintenant" calls sync_now(): a person's act sends the open day too."""
    kiosk = hours_kiosk
    kiosk.store.record("viatrajectoire")
    automatic = kiosk.client.sync_now(include_today=False)
    assert automatic.ok and automatic.sent == 0
    assert sqlite_coordinator.day_totals() == {}
    result = kiosk.client.sync_now()
    assert result.ok and result.sent == 1, result.message
    assert sqlite_coordinator.day_totals() == {kiosk.day: {"viatrajectoire": 1}}


def test_a_day_before_today_leaves_even_while_the_permanence_is_open(sqlite_coordinator,
                                                                       hours_kiosk):
    kiosk = hours_kiosk
    kiosk.set_wall(kiosk.day - dt.timedelta(days=1), 10)
    kiosk.store.record("autre")
    kiosk.set_wall(kiosk.day, 10)
    kiosk.store.record("recherche_emploi")
    result = kiosk.client.sync_now(include_today=False)
    assert result.ok and result.sent == 1, result.message
    assert sqlite_coordinator.day_totals() == {kiosk.day - dt.timedelta(days=1): {"autre": 1}}
    assert [d.day for d in kiosk.store.unsynced()] == [kiosk.day]


def test_kiosk_sync_sends_today(tmp_path, sqlite_coordinator):
    from kiosk.store import Store

    token = tmp_path / "token"
    token.write_text(sqlite_coordinator.add_kiosk() + "\n")
    token.chmod(0o600)
    (tmp_path / "synchronized").touch()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[kiosk]\ndata_dir = "{tmp_path / "data"}"\nsynced_flag = "{tmp_path / "synchronized"}"\n'
        f'[coordinator]\nurl = "{sqlite_coordinator.url}"\ntoken_file = "{token}"\n'
        '[permanence.hours]\n' + "".join(f'{day} = ["00:00-23:59"]\n' for day in HOURS))
    from kiosk.config import load

    with Store.for_config(load(config)) as store:
        tap = store.record("securite_numerique")
        store.record("securite_numerique")
    done = subprocess.run(frozen_clock.kiosk_command("sync", "--config", str(config)),
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **frozen_clock.child_env()})
    assert done.returncode == 0, done.stderr
    assert sqlite_coordinator.day_totals() == {tap.day: {"securite_numerique": 2}}
