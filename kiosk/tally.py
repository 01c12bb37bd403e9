"""A day's tally, as the mediator view and `kiosk tally` show it.

One function, so the screen and the command line can never disagree::

    >>> tally = day_tally(store)               # today, by the clock the store trusts
    >>> tally.counts["imprimante_scan"], tally.total
    (2, 5)

The counts hold every category id in catalogue order, zeros too. Taps waiting for a date
are not in them (their day is not known); `pending` says how many there are and
`clock_reason` why the clock is not trusted (a code of `kiosk.clock.REASONS`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.catalogue import CATEGORY_IDS


@dataclass(frozen=True)
class Tally:
    day: dt.date
    counts: dict[str, int]  # every category id, in catalogue order
    total: int
    pending: int = 0  # taps waiting for a date, not counted above
    clock_reason: str = ""  # why the clock is (not) trusted


def day_tally(store, day: dt.date | None = None) -> Tally:
    """The tally of `day`; by default today by the store's trusted clock, else the
    machine's date. A query: it writes nothing, so a read-only store will do."""
    clock = store.clock_state()
    day = day or clock.today or dt.date.today()
    counts = store.counts(day)
    ordered = {cid: counts[cid] for cid in CATEGORY_IDS}
    return Tally(day, ordered, sum(ordered.values()), clock.pending, clock.reason)
