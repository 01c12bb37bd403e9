"""Fixtures shared by every part of the suite."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import pytest


@pytest.fixture
def paris(monkeypatch):
    """Run the test in Europe/Paris local time (the kiosks' zone, with its DST switches),
    whatever the machine's zone; the previous zone is restored afterwards."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield ZoneInfo("Europe/Paris")
    monkeypatch.undo()
    time.tzset()
