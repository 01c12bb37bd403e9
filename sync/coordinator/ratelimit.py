"""Rate limits: a token bucket per key in memory, refilled continuously.

Pushes are limited per kiosk, never below 60 requests a minute, bursts included (the
Contract): a bucket starts full with `burst` tokens and refills `per_minute`. Failed
authentications are limited per client address with a lower `floor` (gate.py).
"""

from __future__ import annotations

import math
import threading
import time

MIN_PER_MINUTE = 60


class RateLimiter:
    def __init__(self, per_minute: int = 120, burst: int = 120, clock=time.monotonic, *,
                 floor: int = MIN_PER_MINUTE):
        if per_minute < floor or burst < floor:
            raise ValueError(f"the limit is never below {floor} requests a minute")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()
        self._last_prune = clock()

    def acquire(self, key: str) -> float:
        """0 when a request for `key` may go ahead (and takes its token), else the seconds
        to wait for one."""
        return self._take(key, take=True)

    def wait(self, key: str) -> float:
        """Like acquire(), but takes nothing: 0 when `key` has a token left."""
        return self._take(key, take=False)

    def _take(self, key: str, take: bool) -> float:
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if not take:
                return 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) / self.rate
            if now - self._last_prune > 60:
                self._prune(now)
        return wait

    def _prune(self, now: float) -> None:
        # A bucket that would be full again carries no state: drop it (bounded memory).
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
        self._last_prune = now


def retry_after(wait_s: float) -> str:
    """A Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait_s)))
