"""Taps waiting for a date: made while the clock was not trusted.

Such taps are not filed on a day that may be wrong. They wait in buckets (table
`pending`), each holding counts and, for a while, when its taps were made::

    {"boot": "<boot id>", "first": 812.5, "last": 3020.0, "seen": "2026-11-27",
     "counts": {"autre": 3}}

`first` and `last` are monotonic seconds of that boot. Once the clock is trusted again in
the same boot they give each tap's real wall time, and a bucket whose taps all fall on
one day is filed on it (`redate`). A bucket is closed after `PENDING_GAP_S` without a tap
or once it spans `PENDING_SPAN_S`: short buckets more often fall on a single day.

The times are detail finer than a day, so they are dropped (the counts kept, for the
mediator to date with `drain`) once they cannot help: after a reboot, `retention_days`
after the first trusted day the bucket was seen, or `retention_days` of monotonic time
after its first tap.
"""

from __future__ import annotations

import datetime as dt

from tinydb.table import Document

from kiosk.clock import wall_at
from kiosk.store.records import UpkeepReport

#: A bucket is closed after this much monotonic time without a tap (a night), or once it
#: spans this long.
PENDING_GAP_S = 3 * 3600
PENDING_SPAN_S = 12 * 3600


def pending_total(current: dict) -> int:
    """How many taps wait for a date, in `current.json`'s tables."""
    return sum(sum(b["counts"].values()) for b in current.get("pending", {}).values())


class PendingTaps:
    """The writer's side of the `pending` table (inside files.writing())."""

    def __init__(self, files, days, retention_days: int):
        self.files = files
        self.days = days
        self.retention_days = retention_days
        #: bucket id -> the day its taps were filed on since (so `undo` can find a tap).
        self.redated: dict[int, dt.date] = {}

    def _table(self):
        return self.files.current.table("pending")

    def add(self, reading, category_id: str) -> int:
        """Count one tap in the open bucket of this boot, or a new one; its bucket id."""
        pending = self._table()
        for bucket in reversed(pending.all()):
            if (bucket.get("boot") == reading.boot_id and bucket.get("first") is not None
                    and reading.mono - bucket["last"] <= PENDING_GAP_S
                    and reading.mono - bucket["first"] <= PENDING_SPAN_S):
                counts = dict(bucket["counts"])
                counts[category_id] = counts.get(category_id, 0) + 1
                pending.update({"counts": counts, "last": reading.mono},
                               doc_ids=[bucket.doc_id])
                return bucket.doc_id
            break
        bucket_id = pending.insert({"boot": reading.boot_id, "first": reading.mono,
                                    "last": reading.mono, "seen": None,
                                    "counts": {category_id: 1}})
        self.redated.pop(bucket_id, None)  # TinyDB may reuse the id of a filed bucket
        return bucket_id

    def take(self, bucket_id: int, category_id: str) -> bool:
        """Take one tap back from a bucket (undo); False when it is no longer there."""
        pending = self._table()
        bucket = pending.get(doc_id=bucket_id)
        if bucket is None or not bucket["counts"].get(category_id):
            return False
        counts = dict(bucket["counts"])
        counts[category_id] -= 1
        if sum(counts.values()):
            pending.update({"counts": {c: n for c, n in counts.items() if n}},
                           doc_ids=[bucket_id])
        else:
            pending.remove(doc_ids=[bucket_id])
            self.files.scrub = True
        return True

    def put_back(self, counts: dict) -> None:
        """Taps whose day turned out wrong wait again, with no time at all."""
        self._table().insert({"boot": None, "first": None, "last": None, "seen": None,
                              "counts": dict(counts)})

    def drain(self, day: dt.date) -> int:
        """File every waiting tap on `day` (the mediator says when they were made)."""
        pending = self._table()
        total: dict[str, int] = {}
        for bucket in pending.all():
            for cid, n in bucket["counts"].items():
                total[cid] = total.get(cid, 0) + n
            self.redated[bucket.doc_id] = day
        filed = sum(total.values())
        if filed:
            self.days.file(day, total)
            pending.truncate()
            self.files.scrub = True
        return filed

    def redate(self, seen) -> UpkeepReport:
        """Upkeep: file the buckets whose day is now known; drop times that cannot help."""
        reading, trusted = seen.reading, seen.verdict.trusted
        pending = self._table()
        redated, scrubbed = 0, False
        for key, bucket in list(self.files.raw("pending").items()):
            bucket = Document(bucket, doc_id=int(key))
            if bucket.get("first") is None:
                continue
            same_boot = bucket.get("boot") == reading.boot_id
            if same_boot and trusted:
                first = wall_at(reading, bucket["first"]).date()
                if first == wall_at(reading, bucket["last"]).date():
                    self.days.file(first, bucket["counts"], vouched=True)
                    self.redated[bucket.doc_id] = first
                    pending.remove(doc_ids=[bucket.doc_id])
                    redated += sum(bucket["counts"].values())
                    continue
            expired = not same_boot or (reading.mono - bucket["first"]
                                        > self.retention_days * 86400)
            if trusted and not expired:
                if bucket.get("seen") is None:
                    pending.update({"seen": reading.wall.date().isoformat()},
                                   doc_ids=[bucket.doc_id])
                elif (reading.wall.date() - dt.date.fromisoformat(bucket["seen"])).days \
                        >= self.retention_days:
                    expired = True
            if expired:
                # Past the retention window (or another boot) the times can no longer
                # date anything: keep the counts for the mediator, drop the times.
                pending.update({"boot": None, "first": None, "last": None, "seen": None},
                               doc_ids=[bucket.doc_id])
                scrubbed = True
        if redated or scrubbed:
            self.files.scrub = True
        return UpkeepReport(redated=redated, scrubbed=scrubbed)
