"""Wait for a state, never for a time: the suite's one way to wait outside the Kivy loop.

A busy machine only makes the wait longer; a deadline far above the usual time turns a state
that never comes into one clear failure. (UI tests wait on the Kivy clock instead:
tests/ui/ui_helpers.py `wait_until`.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(condition: Callable[[], T], *, what: str, timeout_s: float = 60.0,
               interval_s: float = 0.1) -> T:
    """The first true value of `condition()`; AssertionError naming `what` after timeout_s.

    `condition` may raise to stop at once (e.g. the awaited process has exited).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout_s:.0f} s for {what}")
        time.sleep(interval_s)
