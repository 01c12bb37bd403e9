"""limits.py: one bucket and one login throttle for every worker, in the database.

Two SharedBucket objects on one database stand for two workers; the clock is injected."""

from __future__ import annotations

import pytest

from sync.coordinator import db
from sync.coordinator.limits import SharedBucket, SharedLoginThrottle, limits_engine


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shared(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'coordinator.db'}")
    db.migrate(engine)
    side = limits_engine(engine)
    yield side
    side.dispose()
    engine.dispose()


def test_two_workers_share_one_bucket(shared):
    clock = Clock()
    first, second = (SharedBucket(shared, "push", per_minute=60, burst=60, clock=clock)
                     for _ in range(2))
    waits = [(first if n % 2 else second).acquire("kiosk:1") for n in range(60)]
    assert waits == [0.0] * 60
    assert first.acquire("kiosk:1") == pytest.approx(1.0)  # the 61st, on either worker
    assert second.wait("kiosk:1") == pytest.approx(1.0)
    assert second.acquire("kiosk:2") == 0.0  # another kiosk has its own bucket
    clock.now += 1.0  # one token a second comes back
    assert second.acquire("kiosk:1") == 0.0
    assert first.acquire("kiosk:1") > 0


def test_never_below_60_a_minute():
    with pytest.raises(ValueError, match="never below 60"):
        SharedBucket(None, "push", per_minute=59, burst=120)


def test_login_throttle_shared_doubles_and_clears(shared):
    clock = Clock()
    first, second = (SharedLoginThrottle(shared, free_failures=3, max_wait_s=60, clock=clock)
                     for _ in range(2))
    for n in range(3):
        assert (first if n % 2 else second).wait_s("Marie", "10.0.0.1") == 0
        (first if n % 2 else second).failed("Marie", "10.0.0.1")
    assert second.wait_s("marie", "10.0.0.9") == pytest.approx(1.0)  # per login, any case
    assert first.wait_s("paul", "10.0.0.1") == pytest.approx(1.0)  # per address
    first.failed("Marie", "10.0.0.1")
    assert second.wait_s("Marie", "10.0.0.1") == pytest.approx(2.0)
    clock.now += 2.0
    assert second.wait_s("Marie", "10.0.0.1") == 0
    second.succeeded("Marie", "10.0.0.1")
    assert first.wait_s("Marie", "10.0.0.1") == 0
