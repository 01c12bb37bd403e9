"""Fixtures for the kiosk core tests."""

import datetime as dt

import pytest
from core_helpers import FakeTime

from kiosk.store import Store


@pytest.fixture
def fake_time(tmp_path):
    return FakeTime(tmp_path, dt.datetime(2026, 11, 26, 10, 0))


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def store(data_dir, fake_time):
    s = Store(data_dir, clock=fake_time.clock())
    yield s
    s.close()


