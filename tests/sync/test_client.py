"""A real kiosk store and sync client against a real coordinator process, with faults.

Every fault test ends with the coordinator holding exactly the kiosk's counts.
"""

from __future__ import annotations

import datetime as dt
import json

import frozen_clock
import pytest
from polling import poll_until
from sync_helpers import FaultProxy, KioskSide, free_port

from kiosk.i18n import translate
from sync.coordinator import tokens


@pytest.fixture
def kiosks(tmp_path):
    made = []

    def make(url: str, token: str, name: str = "kiosk", **options) -> KioskSide:
        side = KioskSide(tmp_path / name, url, token, **options)
        made.append(side)
        return side

    yield make
    for side in made:
        side.close()


@pytest.fixture
def proxies():
    made = []

    def make(upstream_port: int, script=()) -> FaultProxy:
        proxy = FaultProxy(upstream_port, script)
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


def test_taps_then_sync_give_the_same_totals(coordinator, kiosks):
    kiosk = kiosks(coordinator.url, coordinator.add_kiosk())
    kiosk.tap("service_public", 3)
    kiosk.tap("imprimante_scan", 2)
    result = kiosk.client.sync_now()
    assert result.ok, result.message
    assert result.sent == 1
    assert coordinator.totals() == kiosk.totals() == {"service_public": 3, "imprimante_scan": 2}
    assert kiosk.store.unsynced() == []
    state = kiosk.client.state
    assert state.days_pending == 0 and state.last_error is None and state.last_success


def test_only_changed_days_are_sent(sqlite_coordinator, kiosks, proxies):
    proxy = proxies(sqlite_coordinator.port)
    kiosk = kiosks(proxy.url, sqlite_coordinator.add_kiosk())
    for days_ago in range(30, 0, -1):
        kiosk.offset = -dt.timedelta(days=days_ago)
        kiosk.tap("autre")
    kiosk.offset = dt.timedelta(0)
    assert kiosk.client.sync_now().sent == 30
    kiosk.tap("autre")
    result = kiosk.client.sync_now()
    assert result.ok and result.sent == 1
    last_push = json.loads(proxy.bodies[-1])
    assert [d["day"] for d in last_push["days"]] == [frozen_clock.today().isoformat()]
    assert sqlite_coordinator.totals() == kiosk.totals() == {"autre": 31}


def test_nothing_to_send_is_a_success(sqlite_coordinator, kiosks):
    kiosk = kiosks(sqlite_coordinator.url, sqlite_coordinator.add_kiosk())
    result = kiosk.client.sync_now()
    assert (result.ok, result.sent) == (True, 0)


def test_503_twice_then_200(sqlite_coordinator, kiosks, proxies):
    proxy = proxies(sqlite_coordinator.port, ["503", "503"])
    kiosk = kiosks(proxy.url, sqlite_coordinator.add_kiosk())
    kiosk.tap("viatrajectoire", 4)
    result = kiosk.client.sync_now()
    assert result.ok, result.message
    assert [action for _, action in proxy.log] == ["503", "503", "forward"]
    assert sqlite_coordinator.totals() == kiosk.totals() == {"viatrajectoire": 4}


def test_connection_dropped_after_the_server_committed(sqlite_coordinator, kiosks, proxies):
    proxy = proxies(sqlite_coordinator.port, ["drop"])
    kiosk = kiosks(proxy.url, sqlite_coordinator.add_kiosk())
    kiosk.tap("outil_numerique", 2)
    result = kiosk.client.sync_now()  # urllib3 retries the (idempotent) POST
    assert result.ok, result.message
    assert [action for _, action in proxy.log] == ["drop", "forward"]
    kiosk.tap("outil_numerique")
    assert kiosk.client.sync_now().ok
    assert sqlite_coordinator.totals() == kiosk.totals() == {"outil_numerique": 3}


def test_coordinator_killed_mid_sync_then_restarted(coordinator, kiosks, proxies):
    proxy = proxies(coordinator.port, [coordinator.kill])
    kiosk = kiosks(proxy.url, coordinator.add_kiosk())
    for days_ago in range(5, -1, -1):
        kiosk.offset = -dt.timedelta(days=days_ago)
        kiosk.tap("securite_numerique", days_ago + 1)
    kiosk.offset = dt.timedelta(0)
    failed = kiosk.client.sync_now()
    assert not failed.ok
    assert failed.message.code == "unreachable"
    assert kiosk.client.state.days_pending == 6  # nothing marked without a 200
    coordinator.start()  # same database, same port
    result = kiosk.client.sync_now()
    assert result.ok, result.message
    assert coordinator.totals() == kiosk.totals() == {"securite_numerique": 21}


def test_a_reflashed_kiosk_adds_to_the_old_counts(sqlite_coordinator, kiosks):
    token = sqlite_coordinator.add_kiosk()
    old = kiosks(sqlite_coordinator.url, token, "old-card")
    old.tap("autre", 5)
    assert old.client.sync_now().ok
    new = kiosks(sqlite_coordinator.url, token, "new-card")  # fresh store, new install_id
    assert new.store.install_id != old.store.install_id
    new.tap("autre", 2)
    assert new.client.sync_now().ok
    assert sqlite_coordinator.totals() == {"autre": 7}


def test_ninety_days_offline_then_online(sqlite_coordinator, kiosks, proxies):
    proxy = proxies(free_port())  # nothing listens upstream: the network is down
    kiosk = kiosks(proxy.url, sqlite_coordinator.add_kiosk())
    for days_ago in range(90, 0, -1):
        kiosk.offset = -dt.timedelta(days=days_ago)
        kiosk.tap("recherche_emploi", 1 + days_ago % 3)
        if days_ago % 30 == 0:
            assert not kiosk.client.sync_now().ok
    kiosk.offset = dt.timedelta(0)
    assert kiosk.client.state.days_pending == 90
    assert kiosk.client.state.last_error.code == "unreachable"  # kept in the store
    proxy.upstream_port = sqlite_coordinator.port  # back online
    result = kiosk.client.sync_now()
    assert result.ok, result.message
    assert result.sent == 90
    assert sqlite_coordinator.totals() == kiosk.totals()
    assert sum(kiosk.totals().values()) == sum(1 + d % 3 for d in range(1, 91))
    assert kiosk.client.state.days_pending == 0


def test_retry_after_is_capped(sqlite_coordinator, kiosks, proxies):
    proxy = proxies(sqlite_coordinator.port, ["retry-after"])
    kiosk = kiosks(proxy.url, sqlite_coordinator.add_kiosk(), retry_after_max_s=1)
    kiosk.tap("autre")
    result = kiosk.client.sync_now()
    assert result.ok, result.message
    (asked, _), (retried, _) = proxy.log
    # The server asked for 999999 s; the client waited its cap (1 s) and went on.
    assert 0.9 <= retried - asked < 30
    assert sqlite_coordinator.totals() == kiosk.totals() == {"autre": 1}


def test_a_revoked_kiosk_keeps_its_days_and_says_why(sqlite_coordinator, kiosks):
    kiosk = kiosks(sqlite_coordinator.url, sqlite_coordinator.add_kiosk())
    tokens.revoke_kiosk(sqlite_coordinator.engine, "Crolles-1")
    kiosk.tap("autre")
    result = kiosk.client.sync_now()
    assert not result.ok
    assert result.message.code == "unknown_kiosk"
    state = kiosk.client.state
    assert state.days_pending == 1 and state.last_error.code == "unknown_kiosk"
    said = [translate("fr", m) for m in state.messages()]
    assert said[-1] == "Dernier problème : La borne n'est pas reconnue par le coordinateur " \
        "(jeton révoqué ou erroné)."
    assert translate("en", state.messages()[1]) == "Days waiting to be sent: 1."


def test_a_token_file_readable_by_others_is_refused(sqlite_coordinator, kiosks, proxies):
    proxy = proxies(sqlite_coordinator.port)
    kiosk = kiosks(proxy.url, sqlite_coordinator.add_kiosk())
    kiosk.token_file.chmod(0o644)
    kiosk.tap("autre")
    result = kiosk.client.sync_now()
    assert not result.ok and result.message.code == "token_too_open"
    assert "600" in translate("fr", result.message)
    assert proxy.log == []  # nothing left the kiosk


def test_the_token_never_reaches_the_logs(sqlite_coordinator, kiosks, caplog):
    token = sqlite_coordinator.add_kiosk()
    kiosk = kiosks(sqlite_coordinator.url, token)
    kiosk.tap("autre")
    with caplog.at_level("DEBUG"):
        assert kiosk.client.sync_now().ok
        tokens.revoke_kiosk(sqlite_coordinator.engine, "Crolles-1")
        kiosk.tap("autre")
        assert not kiosk.client.sync_now().ok
    assert caplog.records  # urllib3 did log the requests
    assert token not in caplog.text
    assert token not in kiosk.client.state.last_error.dumps()


def test_the_background_thread_pushes_past_days_on_its_schedule(sqlite_coordinator, kiosks):
    import random

    class Soon(random.Random):
        def uniform(self, a, b):  # no start delay, the shortest scheduled interval
            return a

    kiosk = kiosks(sqlite_coordinator.url, sqlite_coordinator.add_kiosk(), rng=Soon())
    kiosk.offset = -dt.timedelta(days=1)
    kiosk.tap("imprimante_scan", 2)  # yesterday: over, so the schedule carries it
    kiosk.offset = dt.timedelta(0)
    changes = []
    kiosk.client.on_change = lambda: changes.append(kiosk.client.state)
    kiosk.client.start()
    poll_until(lambda: sqlite_coordinator.totals() == {"imprimante_scan": 2},
               what="the background push")
    assert sqlite_coordinator.totals() == kiosk.totals() == {"imprimante_scan": 2}
    poll_until(lambda: changes, what="the client's on_change call")
    assert changes[-1].days_pending == 0


def test_without_a_coordinator_sync_says_so(tmp_path):
    from kiosk.config import parse
    from kiosk.store import Store
    from sync.client import SyncClient

    config = parse({"kiosk": {"data_dir": str(tmp_path / "data")},
                    "coordinator": {"url": "", "token_file": ""}})
    with Store(tmp_path / "data") as store:
        client = SyncClient(config, store)
        client.start()  # no thread, no network
        result = client.sync_now()
        assert not result.ok and result.message.code == "no_coordinator"
        client.stop()


def test_a_day_the_server_would_refuse_stays_on_the_kiosk_and_the_rest_go(sqlite_coordinator,
                                                                          kiosks):
    kiosk = kiosks(sqlite_coordinator.url, sqlite_coordinator.add_kiosk())
    kiosk.tap("autre", 2)
    kiosk.offset = dt.timedelta(days=3)  # a clock far ahead of the coordinator's
    kiosk.tap("autre")
    result = kiosk.client.sync_now()
    assert not result.ok and result.sent == 1
    ahead = (frozen_clock.today() + dt.timedelta(days=3)).isoformat()
    assert result.message.code == "days_refused" and ahead in result.message.params["days"]
    assert sqlite_coordinator.day_totals() == {frozen_clock.today(): {"autre": 2}}
    assert [d.day.isoformat() for d in kiosk.store.unsynced()] == [ahead]


def test_only_allowlisted_keys_leave_the_kiosk(sqlite_coordinator, kiosks, proxies):
    from kiosk.catalogue import CATEGORY_IDS

    proxy = proxies(sqlite_coordinator.port)
    kiosk = kiosks(proxy.url, sqlite_coordinator.add_kiosk())
    kiosk.offset = -dt.timedelta(days=1)
    kiosk.tap("service_public", 2)
    kiosk.offset = dt.timedelta(0)
    kiosk.tap("autre")
    today = frozen_clock.today()
    kiosk.store.record_workshop(today, "securite_numerique", 7)
    kiosk.store.record_exit("un_peu")
    assert kiosk.client.sync_now().ok
    (raw,) = proxy.bodies
    push = json.loads(raw)
    assert set(push) == {"install_id", "sent_at", "clock_trusted", "catalogue_version", "days",
                         "profile"}
    assert set(push["profile"]) == {"name", "commune", "place", "address", "hours",
                                    "by_appointment", "booking", "categories"}
    keys = {"day", "revision", "counts"}
    assert [set(day) for day in push["days"]] == [keys, keys | {"workshops", "exits"}]
    for day in push["days"]:
        assert set(day["counts"]) <= set(CATEGORY_IDS)
        assert all(type(n) is int for n in day["counts"].values())
    # Workshops: sessions and participants per theme, nothing else; answers: known ids.
    assert push["days"][1]["workshops"] == {"securite_numerique": {"sessions": 1,
                                                                   "participants": 7}}
    assert push["days"][1]["exits"] == {"un_peu": 1}
    # Per-day counts only: the timestamp is the push's, to the second, not a tap's.
    assert dt.datetime.fromisoformat(push["sent_at"]).microsecond == 0


def test_backoff_is_exponential_with_full_jitter_and_capped(tmp_path):
    import random

    from kiosk.config import parse
    from sync.client import BACKOFF_BASE_S, SyncClient

    config = parse({"kiosk": {"data_dir": str(tmp_path)},
                    "coordinator": {"url": "https://stats.example.org",
                                    "token_file": str(tmp_path / "token"), "interval_s": 600}})
    client = SyncClient(config, store=None, rng=random.Random(4))
    for failures in range(1, 12):
        cap = min(600, BACKOFF_BASE_S * 2 ** failures)
        delays = []
        for _ in range(200):
            client._failures = failures - 1
            delays.append(client._next_delay(ok=False))
        assert all(1.0 <= d <= cap for d in delays)
        assert max(delays) > 0.8 * cap and min(delays) < max(1.0, 0.2 * cap)  # spread out
    scheduled = [client._next_delay(ok=True) for _ in range(200)]
    assert client._failures == 0
    assert all(300 <= d <= 900 for d in scheduled) and max(scheduled) - min(scheduled) > 300


def test_taps_made_on_an_untrusted_clock_never_leave_until_dated(sqlite_coordinator, kiosks):
    kiosk = kiosks(sqlite_coordinator.url, sqlite_coordinator.add_kiosk())
    kiosk.tap("autre")  # a trusted day first
    (kiosk.token_file.parent / "synchronized").unlink()  # no NTP...
    kiosk.offset = -dt.timedelta(days=400)  # ...and a date before the software existed
    kiosk.tap("service_public", 3)
    result = kiosk.client.sync_now()
    assert not result.ok and result.sent == 1 and result.waiting == 3
    assert [m.code for m in result.messages()] == ["days_sent", "taps_waiting"]
    assert "attendent une date" in translate("fr", result.messages()[1])
    assert sqlite_coordinator.totals() == {"autre": 1}
    state = kiosk.client.state
    assert not state.clock_trusted and state.taps_waiting_for_date == 3
    assert state.clock_reason == "jump_backward"  # 400 days back within one boot
    # The mediator says when they were: now they are a day like any other.
    kiosk.offset = dt.timedelta(0)
    (kiosk.token_file.parent / "synchronized").touch()
    assert kiosk.store.confirm_pending(frozen_clock.today()) == 3
    result = kiosk.client.sync_now()
    assert result.ok, result.message
    assert sqlite_coordinator.totals() == kiosk.totals() == {"autre": 1, "service_public": 3}


def test_a_held_day_without_visitors_reaches_the_coordinator_as_zero(coordinator, kiosks):
    """"Held, nobody came" and "no data received" differ on the coordinator's side too."""
    from sync.coordinator.reports import period_stats, range_period

    kiosk = kiosks(coordinator.url, coordinator.add_kiosk())
    today = kiosk.store.mark_held()
    result = kiosk.client.sync_now()
    assert result.ok and result.sent == 1, result.message
    stats = period_stats(coordinator.engine, range_period(today, today))
    [coverage] = stats.coverage(today)
    assert (coverage.days_with_visits, coverage.days_zero, coverage.days_no_data) == (0, 1, 0)
    assert coordinator.totals() == {}
