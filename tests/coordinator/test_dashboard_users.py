"""Dashboard accounts: argon2id hashes, refused names and passwords, login throttling."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sync.coordinator import users
from sync.coordinator.schema import users as users_table


def test_create_and_verify(engine):
    user = users.create_user(engine, "marie.dupont", "correct horse battery")
    with engine.connect() as conn:
        stored = conn.execute(select(users_table.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert users.verify_user(engine, "marie.dupont", "correct horse battery") == user
    assert users.verify_user(engine, "marie.dupont", "correct horse batterY") is None
    assert users.verify_user(engine, "nobody", "correct horse battery") is None
    assert users.get_user(engine, user.id) == user


def test_refusals(engine):
    users.create_user(engine, "coord", "0123456789")
    with pytest.raises(users.UserError, match="already exists"):
        users.create_user(engine, "coord", "0123456789")
    with pytest.raises(users.UserError, match="at least 10"):
        users.create_user(engine, "other", "short")
    for bad in ("", "a", "with space", "é" * 3, "x" * 81):
        with pytest.raises(users.UserError, match="login must"):
            users.create_user(engine, bad, "0123456789")
    with engine.connect() as conn:
        assert conn.execute(select(users_table.c.login)).scalars().all() == ["coord"]


def test_set_password(engine):
    users.create_user(engine, "coord", "first password")
    users.set_password(engine, "coord", "second password")
    assert users.verify_user(engine, "coord", "first password") is None
    assert users.verify_user(engine, "coord", "second password") is not None
    with pytest.raises(users.UserError, match="no account"):
        users.set_password(engine, "ghost", "second password")


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_throttle_doubles_the_wait_and_resets_on_success():
    clock = FakeClock()
    throttle = users.LoginThrottle(free_failures=3, max_wait_s=60, clock=clock)
    for _ in range(3):
        assert throttle.wait_s("coord", "10.0.0.1") == 0
        throttle.failed("coord", "10.0.0.1")
    assert throttle.wait_s("coord", "10.0.0.1") == pytest.approx(1.0)
    # the same login from elsewhere and another login from the same address are slowed too
    assert throttle.wait_s("COORD", "10.9.9.9") > 0
    assert throttle.wait_s("someone", "10.0.0.1") > 0
    assert throttle.wait_s("someone", "10.9.9.9") == 0
    clock.now += 1.0
    throttle.failed("coord", "10.0.0.1")
    assert throttle.wait_s("coord", "10.0.0.1") == pytest.approx(2.0)
    for _ in range(20):
        throttle.failed("coord", "10.0.0.1")
    assert throttle.wait_s("coord", "10.0.0.1") == pytest.approx(60.0)  # capped
    throttle.succeeded("coord", "10.0.0.1")
    assert throttle.wait_s("coord", "10.0.0.1") == 0
