"""The kiosk's durable, anonymous store: per-day counts per category, nothing else.

Two TinyDB files on `AtomicJSONStorage` (see kiosk/storage.py and docs/store.md):

- `current.json`, rewritten by every tap: the install id, the days not yet archived
  (today, days not acknowledged by the coordinator), taps waiting for a trusted date, the
  clock's memory and the sync status. It stays a few KiB whatever the history.
- `archive.json`: closed days that the coordinator acknowledged (or older than
  `ARCHIVE_UNSYNCED_AFTER_DAYS`), rewritten at most about once a day.

A day found in both files is read from `current.json` (it shadows the archive), which
makes every move between the two files safe to interrupt. One writer process holds
`store.lock` (fcntl.flock); readers open with `readonly=True` and take no lock.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import logging
import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tinydb import TinyDB
from tinydb.table import Document

from kiosk.catalogue import CATEGORY_IDS
from kiosk.clock import BUILD_DATE, SystemClock, TrustTracker, Verdict, explain, wall_at
from kiosk.storage import AtomicJSONStorage

log = logging.getLogger(__name__)

CURRENT_FILE = "current.json"
ARCHIVE_FILE = "archive.json"
LOCK_FILE = "store.lock"
#: Days the coordinator never acknowledged still move to the archive after this many days,
#: so that a kiosk without a coordinator keeps a small current file.
ARCHIVE_UNSYNCED_AFTER_DAYS = 14
#: How far the mediator's "today" may be from the device's date (a year and a bit).
MAX_CONFIRMED_OFFSET_DAYS = 400
#: A pending bucket is closed after this much monotonic time without a tap (a night), or
#: once it spans this long: short buckets can more often be re-dated to a single day.
PENDING_GAP_S = 3 * 3600
PENDING_SPAN_S = 12 * 3600

#: Every key the store may write, per table. Nothing else is ever stored (see docs/store.md).
ALLOWED_KEYS: dict[str, frozenset[str]] = {
    "meta": frozenset({"install_id"}),
    "days": frozenset({"day", "revision", "acked", "counts"}),
    "pending": frozenset({"boot", "first", "last", "seen", "counts"}),
    "clock": frozenset({"last_day", "jump_boot", "jump_reason", "vouched_boot",
                        "vouched_offset"}),
    "sync": frozenset({"last_success", "last_error"}),
}
ARCHIVE_TABLES = ("meta", "days")


class StoreError(Exception):
    """The store cannot do what was asked; str() is one line for the user."""


class StoreLocked(StoreError):
    """Another process is the store's writer."""


@dataclass(frozen=True)
class Tap:
    """A recorded tap: its day, or None while it waits for a trusted date."""

    day: dt.date | None
    category: str
    seq: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class DayRecord:
    day: dt.date
    revision: int
    counts: dict[str, int]
    acked: int = 0


@dataclass(frozen=True)
class ClockState:
    trusted: bool
    reason: str  # a code of kiosk.clock.REASONS
    pending: int  # taps waiting for a date
    today: dt.date | None = None  # the day taps are filed on now (None when untrusted)

    def message(self, lang: str = "fr") -> str:
        return explain(self.reason, lang)


@dataclass(frozen=True)
class SyncStatus:
    last_success: dt.datetime | None
    last_error: str


_UNSET = object()


# --- validation of what is read back -----------------------------------------------------


def _check_counts(counts) -> None:
    if not isinstance(counts, dict):
        raise ValueError("counts is not an object")
    for cid, n in counts.items():
        if cid not in CATEGORY_IDS:
            raise ValueError(f"unknown category {cid!r}")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"bad count for {cid!r}")


def _check_int(doc: dict, key: str) -> None:
    value = doc[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} is not a count")


def validate_tables(data: dict) -> None:
    """Raise ValueError unless `data` holds only allowlisted tables, keys and types."""
    for table, docs in data.items():
        if table not in ALLOWED_KEYS:
            raise ValueError(f"unknown table {table!r}")
        for doc_id, doc in docs.items():
            extra = set(doc) - ALLOWED_KEYS[table]
            if extra:
                raise ValueError(f"unknown key {sorted(extra)[0]!r} in {table}")
            if table == "days":
                day = dt.date.fromisoformat(doc["day"])
                if str(day.toordinal()) != doc_id:
                    raise ValueError(f"day {doc['day']} filed under the wrong id")
                _check_int(doc, "revision")
                _check_int(doc, "acked")
                _check_counts(doc["counts"])
            elif table == "pending":
                _check_counts(doc["counts"])
            elif table == "meta":
                uuid.UUID(doc["install_id"])


def _day_doc(day: dt.date, revision: int, acked: int, counts: dict) -> Document:
    return Document({"day": day.isoformat(), "revision": revision, "acked": acked,
                     "counts": {c: n for c, n in counts.items() if n}},
                    doc_id=day.toordinal())


def _record(doc: dict) -> DayRecord:
    counts = dict.fromkeys(CATEGORY_IDS, 0)
    counts.update(doc["counts"])
    return DayRecord(dt.date.fromisoformat(doc["day"]), doc["revision"], counts, doc["acked"])


def _check_category(category_id) -> None:
    if category_id not in CATEGORY_IDS:
        raise ValueError(f"unknown category {category_id!r} "
                         f"(known: {', '.join(CATEGORY_IDS)})")


def _check_day(day) -> None:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise TypeError(f"a datetime.date is expected, not {day!r}")


class Store:
    """Per-day aggregate counts, durable before `record()` returns. Thread-safe."""

    def __init__(self, data_dir, *, readonly: bool = False, clock=None,
                 retention_days: int = 7):
        self.data_dir = Path(data_dir)
        self.readonly = readonly
        self.retention_days = retention_days
        self._clock = clock or SystemClock()
        self._tracker = TrustTracker(getattr(self._clock, "build_date", BUILD_DATE),
                                     getattr(self._clock, "hardware_clock", True))
        self._mutex = threading.RLock()
        self._lock_file = None
        self._seq = 0
        self._last_tap: tuple[int, str, object] | None = None
        self._redated: dict[int, dt.date] = {}
        self._archived_on: dt.date | None = None
        self._closed = False
        self._scrub = False
        if readonly:
            self._open_readonly()
        else:
            self._open_writer()

    @classmethod
    def for_config(cls, config, *, readonly: bool = False, clock=None) -> Store:
        """The store of a loaded `kiosk.config.Config`, with its synced flag and retention."""
        clock = clock or SystemClock(config.kiosk.synced_flag,
                                     hardware_clock=config.kiosk.hardware_clock)
        return cls(config.kiosk.data_dir, readonly=readonly, clock=clock,
                   retention_days=config.kiosk.retention_days)

    # --- opening -------------------------------------------------------------------------

    def _open_files(self) -> None:
        try:
            self._db = TinyDB(self.data_dir / CURRENT_FILE, storage=AtomicJSONStorage,
                              readonly=self.readonly, validate=validate_tables)
            self._archive = TinyDB(self.data_dir / ARCHIVE_FILE, storage=AtomicJSONStorage,
                                   readonly=self.readonly, validate=validate_tables)
        except OSError as exc:
            self._release_lock()
            raise StoreError(f"cannot open the store in {self.data_dir}: "
                             f"{exc.strerror or exc}") from None

    def _open_readonly(self) -> None:
        # A missing folder reads as an empty store: `kiosk tally` before the first tap.
        self._open_files()

    def _open_writer(self) -> None:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(self.data_dir / LOCK_FILE, "a+")  # noqa: SIM115
        except OSError as exc:
            raise StoreError(f"cannot use {self.data_dir} for the store: "
                             f"{exc.strerror or exc}") from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            holder = self._lock_file.read().strip() or "?"
            self._lock_file.close()
            self._lock_file = None
            raise StoreLocked(f"the store in {self.data_dir} is in use by another kiosk "
                              f"process (pid {holder}); stop it, or open the store "
                              f"read-only") from None
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(f"{os.getpid()}\n")
        self._lock_file.flush()
        self._open_files()
        try:
            self._prepare()
        except BaseException:
            self._release_lock()
            raise

    def _prepare(self) -> None:
        """Give a new store its install id; after a recovery, raise the revisions; then
        re-date, purge and archive what is due."""
        storage: AtomicJSONStorage = self._db.storage
        with self._mutex, self._writing():
            meta = self._db.table("meta")
            if not meta.contains(doc_id=1):
                install_id = str(uuid.uuid4())
                meta.insert(Document({"install_id": install_id}, doc_id=1))
                if self._archive.storage.data:
                    log.warning("store: %s was lost; counting goes on under a new install id",
                                CURRENT_FILE)
            if storage.recovered:
                self._after_recovery(storage.recovered)
            self._maintain(self._observe())

    def _after_recovery(self, why: str) -> None:
        """An older generation is in use: raise every revision so none is ever reused."""
        log.error("store: recovered from an unreadable file (%s)", why)
        days = self._db.table("days")
        for doc in days.all():
            bumped = dict(doc, revision=doc["revision"] + 1)
            days.update(bumped, doc_ids=[doc.doc_id])

    # --- the lock ------------------------------------------------------------------------

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def close(self) -> None:
        with self._mutex:
            if self._closed:
                return
            self._closed = True
            self._db.close()
            self._archive.close()
            self._release_lock()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------------

    def _tables(self) -> tuple[dict, dict]:
        """(current, archive) tables: the writer's memory, or a fresh read for readers."""
        if self._closed:
            raise StoreError("the store is closed")
        if self.readonly:
            return self._db.storage.read() or {}, self._archive.storage.read() or {}
        return self._db.storage.data, self._archive.storage.data

    def _all_days(self, current: dict, archive: dict) -> dict[str, dict]:
        days = {doc["day"]: doc for doc in archive.get("days", {}).values()}
        days.update({doc["day"]: doc for doc in current.get("days", {}).values()})
        return days

    @property
    def install_id(self) -> str:
        with self._mutex:
            current, archive = self._tables()
            for tables in (current, archive):
                meta = tables.get("meta", {}).get("1")
                if meta:
                    return meta["install_id"]
            return ""

    def counts(self, day: dt.date) -> dict[str, int]:
        """That day's counts, all eight ids (zeros too); pending taps are not included."""
        _check_day(day)
        with self._mutex:
            doc = self._all_days(*self._tables()).get(day.isoformat())
        return _record(doc).counts if doc else dict.fromkeys(CATEGORY_IDS, 0)

    def days(self, start: dt.date, end: dt.date) -> list[DayRecord]:
        """The days holding counts between start and end (both included), in order."""
        _check_day(start)
        _check_day(end)
        with self._mutex:
            docs = self._all_days(*self._tables())
        first, last = start.isoformat(), end.isoformat()
        return [_record(docs[d]) for d in sorted(docs) if first <= d <= last]

    def totals(self, start: dt.date, end: dt.date) -> dict[str, int]:
        total = dict.fromkeys(CATEGORY_IDS, 0)
        for record in self.days(start, end):
            for cid, n in record.counts.items():
                total[cid] += n
        return total

    def unsynced(self) -> list[DayRecord]:
        """Days whose revision is above the one the coordinator acknowledged (never a day
        after tomorrow by a trusted clock: the coordinator would refuse it)."""
        with self._mutex, self._writing():
            reading, verdict = self._observe()
            current, archive = self._tables()
            # Only unacknowledged days are gathered: merging and sorting ten years of
            # acknowledged history would make every sync slower as the years pass.
            current_days = {doc["day"]: doc for doc in current.get("days", {}).values()}
            docs = {d: doc for d, doc in current_days.items() if doc["revision"] > doc["acked"]}
            for doc in archive.get("days", {}).values():
                if doc["revision"] > doc["acked"] and doc["day"] not in current_days:
                    docs[doc["day"]] = doc
        latest = ((reading.wall.date() + dt.timedelta(days=1)).isoformat()
                  if verdict.trusted else "9999-12-31")
        return [_record(docs[d]) for d in sorted(docs) if d <= latest]

    @property
    def sync_status(self) -> SyncStatus:
        with self._mutex:
            doc = self._tables()[0].get("sync", {}).get("1", {})
        raw = doc.get("last_success")
        moment = None
        if raw:
            moment = (dt.datetime.fromisoformat(raw) if "T" in raw else
                      dt.datetime.combine(dt.date.fromisoformat(raw), dt.time()))
        return SyncStatus(moment, doc.get("last_error", ""))

    def clock_state(self) -> ClockState:
        """Is the clock trusted now, why, and how many taps wait for a date."""
        with self._mutex, self._writing():
            reading, verdict = self._observe()
            if not self.readonly:
                self._maintain((reading, verdict))
            current = self._tables()[0]
            pending = sum(sum(b["counts"].values())
                          for b in current.get("pending", {}).values())
        today = reading.wall.date() if verdict.trusted else None
        return ClockState(verdict.trusted, verdict.reason, pending, today)

    # --- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self):
        """One durable write for everything done inside; readers just read."""
        if self._closed:
            raise StoreError("the store is closed")
        if self.readonly:
            yield
            return
        try:
            with self._db.storage.batch():
                yield
            if self._scrub:
                # Detail was just purged: write once more so that the previous
                # generation (`.prev`) does not keep it either.
                self._scrub = False
                self._db.storage.write(self._db.storage.data)
        except OSError as exc:
            raise StoreError(f"could not write the store in {self.data_dir}: "
                             f"{exc.strerror or exc}") from None

    def _require_writer(self) -> None:
        if self.readonly:
            raise StoreError("the store is open read-only")

    def record(self, category_id: str) -> Tap:
        """Count one visit; durable on disk when this returns."""
        _check_category(category_id)
        with self._mutex:
            self._require_writer()
            with self._writing():
                reading, verdict = self._observe()
                self._maintain((reading, verdict))
                self._seq += 1
                if verdict.trusted:
                    day = reading.wall.date()
                    self._add(day, category_id, +1, vouched=True)
                    self._last_tap = (self._seq, category_id, day)
                else:
                    day = None
                    bucket = self._add_pending(reading, category_id)
                    self._last_tap = (self._seq, category_id, bucket)
            return Tap(day, category_id, self._seq)

    def mark_held(self) -> dt.date | None:
        """The permanence is open and the kiosk is on: make sure today's day exists.

        A day with zero counts (revision 1) is what lets the coordinator tell "held, no
        visitor" from "no data received". Returns the day, or None while the clock is not
        trusted. Writes only the first time in a day.
        """
        with self._mutex:
            self._require_writer()
            with self._writing():
                reading, verdict = self._observe()
                self._maintain((reading, verdict))
                if not verdict.trusted:
                    return None
                day = reading.wall.date()
                if self._day_doc(day) is None:
                    self._write_day(day, None, {}, vouched=True)
                return day

    def undo(self, tap: Tap) -> bool:
        """Take back the most recent tap of this process; False for any other tap."""
        with self._mutex:
            self._require_writer()
            if self._last_tap is None or tap.seq != self._last_tap[0]:
                return False
            _, category_id, where = self._last_tap
            with self._writing():
                if isinstance(where, dt.date):
                    changed = self._add(where, category_id, -1)
                elif str(where) in self._raw("pending"):
                    changed = self._take_pending(where, category_id)
                elif where in self._redated:  # re-dated or confirmed since the tap
                    changed = self._add(self._redated[where], category_id, -1)
                else:
                    changed = False
            self._last_tap = None
            return changed

    def correct(self, day: dt.date, category_id: str, delta: int) -> int:
        """Mediator correction of +1 or -1; never below zero. Returns the new count."""
        _check_day(day)
        _check_category(category_id)
        if delta not in (1, -1):
            raise ValueError(f"a correction is +1 or -1, not {delta!r}")
        with self._mutex:
            self._require_writer()
            with self._writing():
                self._check_mediator_day(day, self._observe(), pending=False)
                self._add(day, category_id, delta)
                doc = self._day_doc(day)
                return doc["counts"].get(category_id, 0) if doc else 0

    def confirm_today(self, day: dt.date) -> int:
        """The mediator says today is `day`: trust that date for the rest of this boot (or
        until the network gives the time) and file this boot's waiting taps on their days.
        Returns how many waiting taps were filed."""
        _check_day(day)
        with self._mutex:
            self._require_writer()
            with self._writing():
                raw = self._clock.read()
                if raw.synced:
                    raise ValueError("the clock is synchronised: its date needs no confirmation")
                if day < self._tracker.build_date:
                    raise ValueError(f"{day} is before this kiosk's software existed")
                offset = (day - raw.wall.date()).days
                if abs(offset) > MAX_CONFIRMED_OFFSET_DAYS:
                    raise ValueError(f"{day} is too far from the device's date "
                                     f"({raw.wall.date()}) to be today")
                before = self._pending_total()
                self._put("clock", 1, {"vouched_boot": raw.boot_id, "vouched_offset": offset,
                                       "jump_boot": None, "jump_reason": None})
                self._maintain(self._observe())
                return before - self._pending_total()

    def _pending_total(self) -> int:
        return sum(sum(b["counts"].values()) for b in self._raw("pending").values())

    def confirm_pending(self, day: dt.date) -> int:
        """File every tap waiting for a date on `day` (the mediator says when they were)."""
        _check_day(day)
        with self._mutex:
            self._require_writer()
            with self._writing():
                self._check_mediator_day(day, self._observe(), pending=True)
                pending = self._db.table("pending")
                total = dict.fromkeys(CATEGORY_IDS, 0)
                for bucket in pending.all():
                    for cid, n in bucket["counts"].items():
                        total[cid] += n
                    self._redated[bucket.doc_id] = day
                filed = sum(total.values())
                if filed:
                    self._file(day, total)
                    pending.truncate()
                    self._scrub = True
                return filed

    def mark_synced(self, acknowledged) -> None:
        """Remember the (day, revision) pairs the coordinator accepted (no-op read-only)."""
        pairs = [(d if isinstance(d, dt.date) else dt.date.fromisoformat(d), int(r))
                 for d, r in acknowledged]
        if self.readonly:
            return
        with self._mutex, self._writing():
            days = self._db.table("days")
            archive_changes = []
            for day, revision in pairs:
                doc = days.get(doc_id=day.toordinal())
                if doc is not None:
                    acked = max(doc["acked"], min(revision, doc["revision"]))
                    if acked != doc["acked"]:
                        days.update({"acked": acked}, doc_ids=[doc.doc_id])
                    continue
                old = self._archive.table("days").get(doc_id=day.toordinal())
                if old is not None and old["acked"] < min(revision, old["revision"]):
                    archive_changes.append(dict(old, acked=min(revision, old["revision"])))
            if archive_changes:
                with self._archive.storage.batch():
                    for doc in archive_changes:
                        self._archive.table("days").update(
                            doc, doc_ids=[dt.date.fromisoformat(doc["day"]).toordinal()])
            self._maintain(self._observe())

    def set_sync_status(self, *, last_success=_UNSET, last_error=_UNSET) -> None:
        """Remember the last successful push (a datetime) and/or the last error (text)."""
        if self.readonly:
            return
        fields = {}
        if last_success is not _UNSET:
            fields["last_success"] = last_success.isoformat() if last_success else None
        if last_error is not _UNSET:
            fields["last_error"] = str(last_error or "")[:300]
        with self._mutex, self._writing():
            self._put("sync", 1, fields)

    # --- internals (writer, inside `_writing`) -------------------------------------------

    def _check_mediator_day(self, day: dt.date, observed, *, pending: bool) -> None:
        reading, verdict = observed
        if verdict.trusted and day > reading.wall.date():
            raise ValueError(f"{day} is in the future")
        # Taps of this software cannot predate it (a past day may be corrected, e.g. to
        # enter a paper tally, but pending taps are not filed on an unset clock's date).
        if pending and day < self._tracker.build_date:
            raise ValueError(f"{day} is before this kiosk's software existed "
                             "(is the device's date set?)")

    def _raw(self, table: str, db=None) -> dict:
        """A writer's table as stored, for reading only (TinyDB's reads copy everything)."""
        return (self._db if db is None else db).storage.data.get(table, {})

    def _put(self, table: str, doc_id: int, fields: dict) -> None:
        old = self._raw(table).get(str(doc_id))
        if old is None:
            self._db.table(table).insert(Document(fields, doc_id=doc_id))
        elif any(old.get(k) != v for k, v in fields.items()):
            self._db.table(table).update(fields, doc_ids=[doc_id])

    def _clock_doc(self) -> dict:
        return self._tables()[0].get("clock", {}).get("1", {})

    def _observe(self) -> tuple:
        """Read the clock and judge it; a jump is remembered for the rest of the boot."""
        reading = self._clock.read()
        doc = self._clock_doc()
        last_day = dt.date.fromisoformat(doc["last_day"]) if doc.get("last_day") else None
        jump = (doc["jump_boot"], doc.get("jump_reason") or "jump_forward") \
            if doc.get("jump_boot") else None
        vouched = doc.get("vouched_boot") == reading.boot_id and not reading.synced
        verdict: Verdict = self._tracker.assess(reading, last_day, jump, vouched)
        if not self.readonly:
            if verdict.jumped:
                self._put("clock", 1, {"jump_boot": reading.boot_id,
                                       "jump_reason": verdict.reason})
            elif doc.get("jump_boot") and (reading.synced
                                           or doc["jump_boot"] != reading.boot_id):
                self._put("clock", 1, {"jump_boot": None, "jump_reason": None})
            if doc.get("vouched_boot") and not vouched:
                # A new boot, or the network gave the real time: the mediator's word ends.
                self._put("clock", 1, {"vouched_boot": None, "vouched_offset": None})
        if verdict.reason == "confirmed":
            # The machine's time of day runs on; its date is shifted to the mediator's day.
            shift = dt.timedelta(days=doc.get("vouched_offset") or 0)
            reading = dataclasses.replace(reading, wall=reading.wall + shift)
        return reading, verdict

    def _maintain(self, observed) -> None:
        """Re-date pending taps, purge old detail, archive closed days (writer only)."""
        reading, verdict = observed
        pending = self._db.table("pending")
        for key, bucket in list(self._raw("pending").items()):
            bucket = Document(bucket, doc_id=int(key))
            if bucket.get("first") is None:
                continue
            same_boot = bucket.get("boot") == reading.boot_id
            if same_boot and verdict.trusted:
                first = wall_at(reading, bucket["first"]).date()
                last = wall_at(reading, bucket["last"]).date()
                if first == last:
                    self._file(first, bucket["counts"], vouched=True)
                    self._redated[bucket.doc_id] = first
                    pending.remove(doc_ids=[bucket.doc_id])
                    self._scrub = True
                    continue
            expired = not same_boot or (reading.mono - bucket["first"]
                                        > self.retention_days * 86400)
            if verdict.trusted and not expired:
                seen = bucket.get("seen")
                if seen is None:
                    pending.update({"seen": reading.wall.date().isoformat()},
                                   doc_ids=[bucket.doc_id])
                elif (reading.wall.date() - dt.date.fromisoformat(seen)).days \
                        >= self.retention_days:
                    expired = True
            if expired:
                # Past the retention window (or another boot) the detail can no longer be
                # used: keep the counts for the mediator, drop the times.
                pending.update({"boot": None, "first": None, "last": None, "seen": None},
                               doc_ids=[bucket.doc_id])
                self._scrub = True
        if reading.synced:
            self._unfile_future_days(reading.wall.date())
        if verdict.trusted:
            today = reading.wall.date()
            self._purge_sync_time(today)
            if self._archived_on != today:
                self._archive_closed_days(today)
                self._archived_on = today

    def _unfile_future_days(self, today: dt.date) -> None:
        """A synchronised clock shows days filed in the future (the clock was ahead at
        boot): their taps go back to waiting for a date, and the day is kept with zero
        counts and a new revision, so a revision the coordinator may hold is never reused."""
        future = [doc for doc in self._raw("days").values()
                  if doc["day"] > today.isoformat() and sum(doc["counts"].values())]
        for doc in future:
            log.warning("store: %s was filed with a clock that was ahead; its %d taps wait "
                        "for a date again", doc["day"], sum(doc["counts"].values()))
            self._db.table("pending").insert({"boot": None, "first": None, "last": None,
                                              "seen": None, "counts": dict(doc["counts"])})
            self._write_day(dt.date.fromisoformat(doc["day"]), doc, {}, vouched=False)
        last = self._clock_doc().get("last_day")
        if last and last > today.isoformat():
            self._put("clock", 1, {"last_day": today.isoformat()})

    def _purge_sync_time(self, today: dt.date) -> None:
        raw = self._tables()[0].get("sync", {}).get("1", {}).get("last_success")
        if raw and "T" in raw:
            day = dt.datetime.fromisoformat(raw).date()
            if (today - day).days > self.retention_days:
                self._put("sync", 1, {"last_success": day.isoformat()})
                self._scrub = True

    def _archive_closed_days(self, today: dt.date) -> None:
        cutoff = today - dt.timedelta(days=ARCHIVE_UNSYNCED_AFTER_DAYS)
        days = self._db.table("days")
        moving = [Document(doc, doc_id=int(key)) for key, doc in self._raw("days").items()
                  if dt.date.fromisoformat(doc["day"]) < today
                  and (doc["acked"] >= doc["revision"]
                       or dt.date.fromisoformat(doc["day"]) < cutoff)]
        if not moving:
            return
        archive = self._archive
        with archive.storage.batch():
            if not archive.table("meta").contains(doc_id=1):
                archive.table("meta").insert(Document(self._db.table("meta").get(doc_id=1),
                                                      doc_id=1))
            adays = archive.table("days")
            for doc in moving:
                if adays.contains(doc_id=doc.doc_id):
                    adays.update(dict(doc), doc_ids=[doc.doc_id])
                else:
                    adays.insert(Document(dict(doc), doc_id=doc.doc_id))
        # Only once the archive is durable do the days leave the current file.
        days.remove(doc_ids=[doc.doc_id for doc in moving])

    def _day_doc(self, day: dt.date) -> dict | None:
        """The day's document, from the current file, else from the archive."""
        key = str(day.toordinal())
        doc = self._raw("days").get(key)
        return doc if doc is not None else self._raw("days", self._archive).get(key)

    def _add(self, day: dt.date, category_id: str, delta: int, vouched=False) -> bool:
        doc = self._day_doc(day)
        counts = dict(doc["counts"]) if doc else {}
        new = max(0, counts.get(category_id, 0) + delta)
        if doc is not None and new == counts.get(category_id, 0):
            return False
        counts[category_id] = new
        self._write_day(day, doc, counts, vouched)
        return True

    def _file(self, day: dt.date, add: dict, vouched=False) -> None:
        doc = self._day_doc(day)
        counts = dict(doc["counts"]) if doc else {}
        for cid, n in add.items():
            counts[cid] = counts.get(cid, 0) + n
        self._write_day(day, doc, counts, vouched)

    def _write_day(self, day: dt.date, doc: dict | None, counts: dict,
                   vouched: bool) -> None:
        revision = (doc["revision"] if doc else 0) + 1
        acked = doc["acked"] if doc else 0
        new = _day_doc(day, revision, acked, counts)
        days = self._db.table("days")
        if str(new.doc_id) in self._raw("days"):
            days.update(dict(new), doc_ids=[new.doc_id])
        else:
            days.insert(new)
        last = self._clock_doc().get("last_day")
        # Only days the machine's clock vouched for move "the last recorded day"; a day a
        # mediator chose (corrections, confirmed pending taps) does not.
        if vouched and (last is None or day.isoformat() > last):
            self._put("clock", 1, {"last_day": day.isoformat()})

    def _add_pending(self, reading, category_id: str) -> int:
        pending = self._db.table("pending")
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
        self._redated.pop(bucket_id, None)  # TinyDB may reuse the id of a filed bucket
        return bucket_id

    def _take_pending(self, bucket_id: int, category_id: str) -> bool:
        pending = self._db.table("pending")
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
            self._scrub = True
        return True
