"""Keeping `current.json` small and free of old detail.

Every tap rewrites `current.json`, so closed days leave it for `archive.json`: a tap
then costs the same after ten years (bench/tap_cost.py). A day is closed when it is
before today and the coordinator acknowledged its last revision, or when it is older
than `ARCHIVE_UNSYNCED_AFTER_DAYS` (a kiosk without a coordinator keeps a small file
too; such a day is still sent from the archive).

The archive is written first and `current.json` second: a day found in both files is
read from `current.json`, so a move killed half-way loses nothing and counts nothing
twice. Moves run at most once a day per process.

The time of the last successful push is kept to the second for the mediator, then cut to
its day once it is older than `retention_days`.
"""

from __future__ import annotations

import datetime as dt

from tinydb.table import Document

#: Days the coordinator never acknowledged still move to the archive after this many days,
#: so that a kiosk without a coordinator keeps a small current file.
ARCHIVE_UNSYNCED_AFTER_DAYS = 14


class Archiver:
    """The writer's archiving and privacy upkeep (inside files.writing())."""

    def __init__(self, files, retention_days: int):
        self.files = files
        self.retention_days = retention_days
        self._archived_on: dt.date | None = None

    def move_closed_days(self, today: dt.date) -> int:
        """Move the closed days to the archive (once a day); how many moved."""
        if self._archived_on == today:
            return 0
        self._archived_on = today
        cutoff = today - dt.timedelta(days=ARCHIVE_UNSYNCED_AFTER_DAYS)
        moving = [Document(doc, doc_id=int(key))
                  for key, doc in self.files.raw("days").items()
                  if dt.date.fromisoformat(doc["day"]) < today
                  and (doc["acked"] >= doc["revision"]
                       or dt.date.fromisoformat(doc["day"]) < cutoff)]
        if not moving:
            return 0
        archive = self.files.archive
        with archive.storage.batch():
            if not archive.table("meta").contains(doc_id=1):
                meta = self.files.raw("meta")["1"]
                archive.table("meta").insert(Document(dict(meta), doc_id=1))
            days = archive.table("days")
            for doc in moving:
                if days.contains(doc_id=doc.doc_id):
                    days.update(dict(doc), doc_ids=[doc.doc_id])
                else:
                    days.insert(Document(dict(doc), doc_id=doc.doc_id))
        # Only once the archive is durable do the days leave the current file.
        self.files.current.table("days").remove(doc_ids=[doc.doc_id for doc in moving])
        return len(moving)

    def cut_sync_time(self, today: dt.date) -> bool:
        """Cut `sync.last_success` to its day after the retention window; True if cut."""
        raw = self.files.raw("sync").get("1", {}).get("last_success")
        if raw and "T" in raw:
            day = dt.datetime.fromisoformat(raw).date()
            if (today - day).days > self.retention_days:
                self.files.put("sync", 1, {"last_success": day.isoformat()})
                self.files.scrub = True
                return True
        return False
