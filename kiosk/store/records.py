"""The small values the store hands out, and the one shape of a day on disk.

A day is stored as one document of the `days` table, under the day's ordinal::

    {"day": "2026-11-26", "revision": 7, "acked": 5, "counts": {"autre": 2},
     "workshops": {"securite_numerique": {"8": 1}}, "exits": {"oui": 3}}

`revision` grows at every change of the day and `acked` is the highest revision the
coordinator accepted; zero counts are left out on disk but every category id is present
in a `DayRecord`. `workshops` (sessions by number of participants, per theme) and `exits`
(exit answers) appear only on a day that has some (kiosk/extras.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tinydb.table import Document

from kiosk.catalogue import CATEGORY_IDS
from kiosk.extras import workshop_totals

#: The optional keys of a day document (store/extras.py), carried over by every change.
EXTRA_KEYS = ("workshops", "exits")


@dataclass(frozen=True)
class Tap:
    """A recorded tap: its day, or None while it waits for a trusted date."""

    day: dt.date | None
    category: str
    seq: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class DayRecord:
    """One day's counts (all eight ids, zeros too), its revision and the acked one.

    `workshops` is {theme: {"sessions": s, "participants": p}} and `exits` {answer: n},
    both without zeros (what a push carries)."""

    day: dt.date
    revision: int
    counts: dict[str, int]
    acked: int = 0
    workshops: dict[str, dict[str, int]] = field(default_factory=dict)
    exits: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ClockState:
    """What the store makes of the clock now."""

    trusted: bool
    reason: str  # a code of kiosk.clock.REASON_CODES (said through kiosk.i18n)
    pending: int  # taps waiting for a date
    today: dt.date | None = None  # the day taps are filed on now (None when untrusted)


@dataclass(frozen=True)
class SyncStatus:
    """The last successful push (cut to its day after the retention window) and the
    last error, as the sync client stored it (a Message as JSON; "" when the last push
    went through)."""

    last_success: dt.datetime | None
    last_error: str


@dataclass(frozen=True)
class UpkeepReport:
    """What one `Store.upkeep()` did; all zero when nothing was due."""

    redated: int = 0  # waiting taps filed on the day they were made
    unfiled: int = 0  # taps of days filed in the future, sent back to wait for a date
    archived: int = 0  # closed days moved to archive.json
    scrubbed: bool = False  # detail finer than a day was dropped

    @property
    def changed(self) -> bool:
        return bool(self.redated or self.unfiled or self.archived or self.scrubbed)


def day_doc(day: dt.date, revision: int, acked: int, counts: dict,
            extras: dict | None = None) -> Document:
    """The document of one day, zero counts and empty extras left out, filed under the
    day's ordinal."""
    doc = {"day": day.isoformat(), "revision": revision, "acked": acked,
           "counts": {c: n for c, n in counts.items() if n}}
    doc.update({k: v for k, v in (extras or {}).items() if k in EXTRA_KEYS and v})
    return Document(doc, doc_id=day.toordinal())


def day_record(doc: dict) -> DayRecord:
    """A stored day document as a `DayRecord` with every category id."""
    counts = dict.fromkeys(CATEGORY_IDS, 0)
    counts.update(doc["counts"])
    return DayRecord(dt.date.fromisoformat(doc["day"]), doc["revision"], counts, doc["acked"],
                     workshop_totals(doc.get("workshops", {})),
                     {a: n for a, n in doc.get("exits", {}).items() if n})


def sync_status(doc: dict) -> SyncStatus:
    """The `sync` document as a `SyncStatus` (a bare day reads as that day's midnight)."""
    raw = doc.get("last_success")
    moment = None
    if raw:
        moment = (dt.datetime.fromisoformat(raw) if "T" in raw else
                  dt.datetime.combine(dt.date.fromisoformat(raw), dt.time()))
    return SyncStatus(moment, doc.get("last_error", ""))
