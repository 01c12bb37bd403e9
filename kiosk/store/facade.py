"""`Store`: the one object the app, the CLI and the sync client talk to.

The store keeps per-day counts per category and nothing else (docs/store.md). Its
methods come in two kinds:

- **Queries** (`counts`, `days`, `totals`, `unsynced`, `clock_state`, `sync_status`,
  `install_id`) answer from what is on disk and the current clock reading. They never
  write, so a read-only store answers them all and a query can run at any time.
- **Writes** (`record`, `undo`, `correct`, `mark_held`, `confirm_today`,
  `confirm_pending`, `mark_synced`, `set_sync_status`, `upkeep`) need the writer. Each is
  one durable write (or none, when nothing changes).

Upkeep is the writer's housework: write down a clock jump seen by a query, file waiting
taps whose day is now known, send back taps filed on days in the future, drop times older
than the retention window, move closed days to the archive. It runs when the store opens,
inside the writes that depend on it (`record`, `mark_held`, `mark_synced`,
`confirm_today`), and whenever the app or the sync client calls `upkeep()`::

    >>> store = Store(data_dir)                 # one writer process only
    >>> store.record("imprimante_scan")         # durable on disk when it returns
    Tap(day=datetime.date(2026, 11, 26), category='imprimante_scan')
    >>> store.counts(dt.date(2026, 11, 26))["imprimante_scan"]
    1
    >>> store.upkeep()                          # e.g. from the app's schedule
    UpkeepReport(redated=0, unfiled=0, archived=0, scrubbed=False)
    >>> store.close()

The store is thread-safe: the UI thread taps while the sync thread reads and acks.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid

from tinydb.table import Document

from kiosk.catalogue import CATEGORY_IDS
from kiosk.clock import SystemClock
from kiosk.config import KioskSettings
from kiosk.extras import check_answer
from kiosk.store.archive import Archiver
from kiosk.store.clock_memory import ClockMemory, Observation, clock_doc
from kiosk.store.days import DayBook, merged_days, unacked_days
from kiosk.store.extras import add_exit, change_workshop, exit_counts, workshop_sizes
from kiosk.store.files import CURRENT_FILE, StoreFiles, check_category, check_day
from kiosk.store.pending import PendingTaps, pending_total
from kiosk.store.records import (
    ClockState,
    DayRecord,
    SyncStatus,
    Tap,
    UpkeepReport,
    day_record,
    sync_status,
)

log = logging.getLogger("kiosk.store")

_UNSET = object()


class Store:
    """Per-day aggregate counts, durable before `record()` returns. Thread-safe.

    `readonly=True` opens without the writer's lock (`kiosk tally`, `kiosk export` while
    the app runs): queries only. `clock` is a `kiosk.clock.SystemClock` (tests inject
    one); `retention_days` bounds how long anything finer than a day is kept.
    """

    def __init__(self, data_dir, *, readonly: bool = False, clock=None,
                 retention_days: int = KioskSettings.retention_days):
        self.readonly = readonly
        self.retention_days = retention_days
        self._clock = clock or SystemClock()
        self._mutex = threading.RLock()
        self._files = StoreFiles.open(data_dir, readonly=readonly)
        self.data_dir = self._files.data_dir
        self._memory = ClockMemory(self._clock)
        self._days = DayBook(self._files)
        self._pending = PendingTaps(self._files, self._days, retention_days)
        self._archiver = Archiver(self._files, retention_days)
        self._seq = 0
        self._last_tap: tuple[int, str, object] | None = None
        if not readonly:
            try:
                self._prepare()
            except BaseException:
                self._files.release()
                raise

    @classmethod
    def for_config(cls, config, *, readonly: bool = False, clock=None) -> Store:
        """The store of a loaded `kiosk.config.Config`, with its clock and retention."""
        clock = clock or SystemClock(config.kiosk.synced_flag,
                                     hardware_clock=config.kiosk.hardware_clock)
        return cls(config.kiosk.data_dir, readonly=readonly, clock=clock,
                   retention_days=config.kiosk.retention_days)

    def _prepare(self) -> None:
        """Give a new store its install id; after a recovery, raise the revisions; then
        do the upkeep that is due."""
        with self._mutex, self._files.writing():
            if "1" not in self._files.raw("meta"):
                self._files.current.table("meta").insert(
                    Document({"install_id": str(uuid.uuid4())}, doc_id=1))
                if self._files.archive.storage.data:
                    log.warning("store: %s was lost; counting goes on under a new install id",
                                CURRENT_FILE)
            if self._files.recovered:
                log.error("store: recovered from an unreadable file (%s)",
                          self._files.recovered)
                self._days.bump_all()
            self._upkeep(self._observe())

    def close(self) -> None:
        with self._mutex:
            self._files.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- queries: never write ----------------------------------------------------------

    @property
    def install_id(self) -> str:
        """The random UUID made with the store ("" before the first writer opened it)."""
        with self._mutex:
            for tables in self._files.tables():
                meta = tables.get("meta", {}).get("1")
                if meta:
                    return meta["install_id"]
            return ""

    def counts(self, day: dt.date) -> dict[str, int]:
        """That day's counts, all eight ids (zeros too); waiting taps are not included."""
        check_day(day)
        with self._mutex:
            doc = merged_days(*self._files.tables()).get(day.isoformat())
        return day_record(doc).counts if doc else dict.fromkeys(CATEGORY_IDS, 0)

    def workshops(self, day: dt.date) -> dict[str, dict[int, int]]:
        """That day's workshops: {theme: {participants: sessions}} (store/extras.py)."""
        check_day(day)
        with self._mutex:
            return workshop_sizes(merged_days(*self._files.tables()).get(day.isoformat()))

    def exits(self, day: dt.date) -> dict[str, int]:
        """That day's answers to the exit question, {answer: n}, zeros left out."""
        check_day(day)
        with self._mutex:
            return exit_counts(merged_days(*self._files.tables()).get(day.isoformat()))

    def days(self, start: dt.date, end: dt.date) -> list[DayRecord]:
        """The days holding counts between start and end (both included), in order."""
        check_day(start)
        check_day(end)
        with self._mutex:
            docs = merged_days(*self._files.tables())
        first, last = start.isoformat(), end.isoformat()
        return [day_record(docs[d]) for d in sorted(docs) if first <= d <= last]

    def totals(self, start: dt.date, end: dt.date) -> dict[str, int]:
        """The counts of every day between start and end (both included), added up."""
        total = dict.fromkeys(CATEGORY_IDS, 0)
        for record in self.days(start, end):
            for cid, n in record.counts.items():
                total[cid] += n
        return total

    def unsynced(self) -> list[DayRecord]:
        """Days whose revision is above the one the coordinator acknowledged, in order.

        Never a day after tomorrow by a trusted clock: the coordinator would refuse it.
        A writer calls `upkeep()` first, so that taps whose day is now known are in.
        """
        with self._mutex:
            current, archive = self._files.tables()
            seen = self._memory.judge(clock_doc(current))
            docs = unacked_days(current, archive)
        latest = ((seen.reading.wall.date() + dt.timedelta(days=1)).isoformat()
                  if seen.verdict.trusted else "9999-12-31")
        return [day_record(docs[d]) for d in sorted(docs) if d <= latest]

    @property
    def sync_status(self) -> SyncStatus:
        """The last successful push and the last error, as `set_sync_status` left them."""
        with self._mutex:
            current = self._files.tables(archive=False)[0]
        return sync_status(current.get("sync", {}).get("1", {}))

    def clock_state(self) -> ClockState:
        """Is the clock trusted now, why, and how many taps wait for a date."""
        with self._mutex:
            current = self._files.tables(archive=False)[0]
            seen = self._memory.judge(clock_doc(current))
            pending = pending_total(current)
        return ClockState(seen.verdict.trusted, seen.verdict.reason, pending, seen.today)

    # --- upkeep ------------------------------------------------------------------------

    def upkeep(self) -> UpkeepReport:
        """Do the writer's housework that is due now (see the module's docstring).

        Cheap when nothing is due (no write at all); a read-only store does nothing.
        """
        if self.readonly:
            self._files.check_open()
            return UpkeepReport()
        with self._mutex, self._files.writing():
            return self._upkeep(self._observe())

    def _observe(self) -> Observation:
        """Read the clock and write down what it taught (writer, inside `writing`)."""
        seen = self._memory.judge(clock_doc(self._files.raw_tables()))
        self._memory.remember(self._files, seen)
        return seen

    def _upkeep(self, seen: Observation) -> UpkeepReport:
        report = self._pending.redate(seen)
        unfiled = archived = 0
        scrubbed = report.scrubbed
        if seen.reading.synced:
            unfiled = self._days.unfile_future(seen.reading.wall.date(), self._pending)
        if seen.verdict.trusted:
            today = seen.reading.wall.date()
            scrubbed = self._archiver.cut_sync_time(today) or scrubbed
            archived = self._archiver.move_closed_days(today)
        return UpkeepReport(report.redated, unfiled, archived, scrubbed)

    # --- writes ------------------------------------------------------------------------

    def record(self, category_id: str) -> Tap:
        """Count one visit; durable on disk when this returns.

        With a trusted clock the tap goes to today; otherwise it waits for a date
        (`Tap.day` is None). A failed write raises `StoreError` and counts nothing.
        """
        check_category(category_id)
        with self._mutex, self._files.writing():
            seen = self._observe()
            self._upkeep(seen)
            self._seq += 1
            if seen.verdict.trusted:
                day = seen.reading.wall.date()
                self._days.add(day, category_id, +1, vouched=True)
                self._last_tap = (self._seq, category_id, day)
            else:
                day = None
                bucket = self._pending.add(seen.reading, category_id)
                self._last_tap = (self._seq, category_id, bucket)
            return Tap(day, category_id, self._seq)

    def mark_held(self) -> dt.date | None:
        """The permanence is open and the kiosk is on: make sure today's day exists.

        A day with zero counts (revision 1) is what lets the coordinator tell "held, no
        visitor" from "no data received". Returns the day, or None while the clock is not
        trusted. Writes only the first time in a day.
        """
        with self._mutex, self._files.writing():
            day = self._trusted_today()
            if day is not None and self._days.find(day) is None:
                self._days.write(day, None, {}, vouched=True)
            return day

    def _trusted_today(self) -> dt.date | None:
        """Today by a trusted clock after the due upkeep, else None (the writer, inside
        `writing`)."""
        seen = self._observe()
        self._upkeep(seen)
        return seen.reading.wall.date() if seen.verdict.trusted else None

    def undo(self, tap: Tap) -> bool:
        """Take back the most recent tap of this process; False for any other tap."""
        with self._mutex:
            if self._last_tap is None or tap.seq != self._last_tap[0]:
                return False
            _, category_id, where = self._last_tap
            with self._files.writing():
                if isinstance(where, dt.date):
                    changed = self._days.add(where, category_id, -1)
                elif str(where) in self._files.raw("pending"):
                    changed = self._pending.take(where, category_id)
                elif where in self._pending.redated:  # re-dated or confirmed since the tap
                    changed = self._days.add(self._pending.redated[where], category_id, -1)
                else:
                    changed = False
            self._last_tap = None
            return changed

    def correct(self, day: dt.date, category_id: str, delta: int) -> int:
        """Mediator correction of +1 or -1; never below zero. Returns the new count."""
        check_day(day)
        check_category(category_id)
        if delta not in (1, -1):
            raise ValueError(f"a correction is +1 or -1, not {delta!r}")
        with self._mutex, self._files.writing():
            self._memory.check_mediator_day(day, self._observe(), pending=False)
            self._days.add(day, category_id, delta)
            doc = self._days.find(day)
            return doc["counts"].get(category_id, 0) if doc else 0

    def record_workshop(self, day: dt.date, theme: str, participants: int) -> None:
        """The mediator records a workshop of `theme` with `participants` on `day`."""
        self._workshop(day, theme, participants, +1)

    def remove_workshop(self, day: dt.date, theme: str, participants: int) -> bool:
        """Take back one workshop of `theme` with `participants`; False when there is none."""
        return self._workshop(day, theme, participants, -1)

    def _workshop(self, day: dt.date, theme: str, participants: int, delta: int) -> bool:
        check_day(day)
        with self._mutex, self._files.writing():
            self._memory.check_mediator_day(day, self._observe(), pending=False)
            return change_workshop(self._days, day, theme, participants, delta)

    def record_exit(self, answer: str) -> dt.date | None:
        """Count one answer to the exit question on today; durable when this returns.

        While the clock is not trusted the answer is not counted (None): it cannot be
        dated, and an opinion is not worth a wrong day (visits wait instead, see pending).
        """
        check_answer(answer)
        with self._mutex, self._files.writing():
            day = self._trusted_today()
            if day is not None:
                add_exit(self._days, day, answer)
            return day

    def confirm_today(self, day: dt.date) -> int:
        """The mediator says today is `day`: trust that date for the rest of this boot (or
        until the network gives the time) and file this boot's waiting taps on their days.
        Returns how many waiting taps were filed."""
        check_day(day)
        with self._mutex, self._files.writing():
            before = pending_total(self._files.raw_tables())
            self._memory.vouch(self._files, day)
            self._upkeep(self._observe())
            return before - pending_total(self._files.raw_tables())

    def confirm_pending(self, day: dt.date) -> int:
        """File every tap waiting for a date on `day` (the mediator says when they were)."""
        check_day(day)
        with self._mutex, self._files.writing():
            self._memory.check_mediator_day(day, self._observe(), pending=True)
            return self._pending.drain(day)

    def mark_synced(self, acknowledged) -> None:
        """Remember the (day, revision) pairs the coordinator accepted (no-op read-only)."""
        pairs = [(d if isinstance(d, dt.date) else dt.date.fromisoformat(d), int(r))
                 for d, r in acknowledged]
        if self.readonly:
            return
        with self._mutex, self._files.writing():
            self._days.acknowledge(pairs)
            self._upkeep(self._observe())

    def set_sync_status(self, *, last_success=_UNSET, last_error=_UNSET) -> None:
        """Remember the last successful push (a datetime) and/or the last error (text)."""
        if self.readonly:
            return
        fields = {}
        if last_success is not _UNSET:
            fields["last_success"] = last_success.isoformat() if last_success else None
        if last_error is not _UNSET:
            fields["last_error"] = str(last_error or "")[:300]
        with self._mutex, self._files.writing():
            self._files.put("sync", 1, fields)
