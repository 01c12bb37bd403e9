"""What every rate limit shares: the Contract's floor and the Retry-After header.

Pushes are limited per kiosk, never below 60 requests a minute, bursts included (the
Contract); the limits themselves are token buckets kept in the database, so every worker
counts together (limits.py).
"""

from __future__ import annotations

import math

MIN_PER_MINUTE = 60


def retry_after(wait_s: float) -> str:
    """A Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait_s)))
