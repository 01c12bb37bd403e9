"""The days table: counts per day and category, each change with a new revision.

The revision is what makes sync safe: the coordinator keeps a day's counts only when the
revision is higher than the one it holds, so a day is never written twice with the same
revision and other counts. `acked` is the highest revision the coordinator accepted; a
day with `revision > acked` is still to be sent.

A day lives in `current.json` until it is archived (see `archive.py`); a day found in
both files is read from `current.json`, so a move between the two is safe to interrupt.
Changing an archived day brings it back to `current.json` with a new revision::

    >>> book.add(day, "autre", +1)           # the writer, inside files.writing()
    >>> merged_days(*files.tables())["2026-11-26"]["revision"]
    8
"""

from __future__ import annotations

import datetime as dt
import logging

from kiosk.store.clock_memory import ClockMemory
from kiosk.store.records import EXTRA_KEYS, day_doc

log = logging.getLogger("kiosk.store")


# --- reading (pure: any tables, the writer's or a reader's) --------------------------------


def merged_days(current: dict, archive: dict) -> dict[str, dict]:
    """Every day document by ISO day; `current.json` shadows the archive."""
    days = {doc["day"]: doc for doc in archive.get("days", {}).values()}
    days.update({doc["day"]: doc for doc in current.get("days", {}).values()})
    return days


def unacked_days(current: dict, archive: dict) -> dict[str, dict]:
    """The day documents whose revision is above the acknowledged one, by ISO day.

    Only those are gathered: merging ten years of acknowledged history would make every
    sync slower as the years pass.
    """
    current_days = {doc["day"]: doc for doc in current.get("days", {}).values()}
    docs = {d: doc for d, doc in current_days.items() if doc["revision"] > doc["acked"]}
    for doc in archive.get("days", {}).values():
        if doc["revision"] > doc["acked"] and doc["day"] not in current_days:
            docs[doc["day"]] = doc
    return docs


# --- writing (the writer, inside files.writing()) ------------------------------------------


def _replace_with(new: dict):
    """A TinyDB update that replaces the document: a plain dict update would keep a key
    the new revision dropped (a day's last workshop taken back)."""
    def replace(doc: dict) -> None:
        doc.clear()
        doc.update(new)
    return replace


class DayBook:
    """Adds to days and acknowledges them, one revision per change."""

    def __init__(self, files):
        self.files = files

    def find(self, day: dt.date) -> dict | None:
        """The day's document, from the current file, else from the archive."""
        key = str(day.toordinal())
        doc = self.files.raw("days").get(key)
        return doc if doc is not None else self.files.raw("days", archive=True).get(key)

    def add(self, day: dt.date, category_id: str, delta: int, *, vouched=False) -> bool:
        """Change one count by `delta`, never below zero; False when nothing changed."""
        doc = self.find(day)
        counts = dict(doc["counts"]) if doc else {}
        new = max(0, counts.get(category_id, 0) + delta)
        if doc is not None and new == counts.get(category_id, 0):
            return False
        counts[category_id] = new
        self.write(day, doc, counts, vouched=vouched)
        return True

    def file(self, day: dt.date, add: dict, *, vouched=False) -> None:
        """Add several counts at once (waiting taps that found their day)."""
        doc = self.find(day)
        counts = dict(doc["counts"]) if doc else {}
        for cid, n in add.items():
            counts[cid] = counts.get(cid, 0) + n
        self.write(day, doc, counts, vouched=vouched)

    def write(self, day: dt.date, doc: dict | None, counts: dict, *, vouched: bool,
              extras: dict | None = None) -> None:
        """Store `counts` (and `extras`, else the day's own) as the day's new revision.

        `vouched` says the machine's clock chose the day: only such a day moves "the last
        recorded day"; a day a mediator chose (corrections, confirmed taps) does not.
        """
        revision = (doc["revision"] if doc else 0) + 1
        kept = {k: doc[k] for k in EXTRA_KEYS if doc and k in doc}
        new = day_doc(day, revision, doc["acked"] if doc else 0, counts,
                      {**kept, **(extras or {})})
        days = self.files.current.table("days")
        if str(new.doc_id) in self.files.raw("days"):
            days.update(_replace_with(dict(new)), doc_ids=[new.doc_id])
        else:
            days.insert(new)
        if vouched:
            ClockMemory.move_last_day(self.files, day)

    def bump_all(self) -> None:
        """Raise every current day's revision by one: after a recovery from the previous
        generation, the lost generation's revisions (which the coordinator may hold) must
        never be reused with other counts."""
        days = self.files.current.table("days")
        for doc in days.all():
            days.update(dict(doc, revision=doc["revision"] + 1), doc_ids=[doc.doc_id])

    def acknowledge(self, pairs: list[tuple[dt.date, int]]) -> None:
        """The coordinator accepted these (day, revision) pairs: raise `acked`, never
        above the day's own revision (a stale answer cannot hide a newer change)."""
        days = self.files.current.table("days")
        archived = []
        for day, revision in pairs:
            doc = days.get(doc_id=day.toordinal())
            if doc is not None:
                acked = max(doc["acked"], min(revision, doc["revision"]))
                if acked != doc["acked"]:
                    days.update({"acked": acked}, doc_ids=[doc.doc_id])
                continue
            old = self.files.raw("days", archive=True).get(str(day.toordinal()))
            if old is not None and old["acked"] < min(revision, old["revision"]):
                archived.append(dict(old, acked=min(revision, old["revision"])))
        if archived:
            archive = self.files.archive
            with archive.storage.batch():
                for doc in archived:
                    archive.table("days").update(
                        doc, doc_ids=[dt.date.fromisoformat(doc["day"]).toordinal()])

    def unfile_future(self, today: dt.date, pending) -> int:
        """A synchronised clock shows days filed in the future (the clock was ahead at
        boot): their taps go back to waiting for a date, and the day is kept with zero
        counts and a new revision, so a revision the coordinator may hold is never
        reused. Returns how many taps went back."""
        moved = 0
        future = [doc for doc in self.files.raw("days").values()
                  if doc["day"] > today.isoformat() and sum(doc["counts"].values())]
        for doc in future:
            taps = sum(doc["counts"].values())
            log.warning("store: %s was filed with a clock that was ahead; its %d taps wait "
                        "for a date again", doc["day"], taps)
            pending.put_back(doc["counts"])
            self.write(dt.date.fromisoformat(doc["day"]), doc, {}, vouched=False)
            moved += taps
        ClockMemory.rewind_last_day(self.files, today)
        return moved
