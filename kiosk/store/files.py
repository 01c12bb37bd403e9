"""What the store keeps on disk, and the rules every byte of it must follow.

A store is a folder holding two TinyDB files on `kiosk.storage.AtomicJSONStorage`:

- `current.json` is rewritten by every tap. It holds the install id, the days not yet
  archived, the taps waiting for a date, the clock's memory and the sync status, so it
  stays a few KiB whatever the history.
- `archive.json` holds closed days; it is rewritten about once a day.

`ALLOWED_KEYS` is the privacy allowlist: every table and key the store may write. A file
holding anything else (or a value of the wrong type) is treated as unreadable, so a bug can
never smuggle a new field onto the disk unnoticed. docs/store.md shows the same table,
and a test keeps the two equal.

One process is the writer: it holds `store.lock` (lock.py) and keeps the tables in
memory. Readers take no lock and read the files afresh at each question::

    >>> files = StoreFiles.open(data_dir, readonly=False)
    >>> with files.writing():             # one durable write for the whole block
    ...     files.put("sync", 1, {"last_error": ""})
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from pathlib import Path

from tinydb import TinyDB
from tinydb.table import Document

from kiosk.catalogue import CATEGORY_IDS
from kiosk.extras import EXIT_ANSWERS, MAX_PARTICIPANTS
from kiosk.storage import AtomicJSONStorage
from kiosk.store.lock import StoreError, WriterLock

CURRENT_FILE = "current.json"
ARCHIVE_FILE = "archive.json"

#: Every key the store may write, per table. Nothing else is ever stored (docs/store.md).
ALLOWED_KEYS: dict[str, frozenset[str]] = {
    "meta": frozenset({"install_id"}),
    "days": frozenset({"day", "revision", "acked", "counts", "workshops", "exits"}),
    "pending": frozenset({"boot", "first", "last", "seen", "counts"}),
    "clock": frozenset({"last_day", "jump_boot", "jump_reason", "vouched_boot",
                        "vouched_offset", "vouched_mono"}),
    "sync": frozenset({"last_success", "last_error"}),
}
#: The tables `archive.json` may hold (the others live only in `current.json`).
ARCHIVE_TABLES = ("meta", "days")


# --- checks --------------------------------------------------------------------------------


def check_category(category_id) -> None:
    """Refuse an id that is not in the catalogue, naming the known ones."""
    if category_id not in CATEGORY_IDS:
        raise ValueError(f"unknown category {category_id!r} "
                         f"(known: {', '.join(CATEGORY_IDS)})")


def check_day(day) -> None:
    """Refuse anything but a plain date (a datetime would carry a time of day)."""
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise TypeError(f"a datetime.date is expected, not {day!r}")


def _check_counts(counts) -> None:
    if not isinstance(counts, dict):
        raise ValueError("counts is not an object")
    for cid, n in counts.items():
        if cid not in CATEGORY_IDS:
            raise ValueError(f"unknown category {cid!r}")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"bad count for {cid!r}")


def _check_positive(n, what: str) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"bad count for {what}")


def _check_extras(doc: dict) -> None:
    """`workshops`: {theme: {"<participants>": sessions}}; `exits`: {answer: n}."""
    if not all(isinstance(doc.get(k, {}), dict) for k in ("workshops", "exits")):
        raise ValueError("workshops and exits must be objects")
    for theme, sizes in doc.get("workshops", {}).items():
        if theme not in CATEGORY_IDS or not isinstance(sizes, dict) or not sizes:
            raise ValueError(f"bad workshop theme {theme!r}")
        for size, sessions in sizes.items():
            if not (size.isascii() and size.isdigit()
                    and 1 <= int(size) <= MAX_PARTICIPANTS) or size != str(int(size)):
                raise ValueError(f"bad workshop size {size!r}")
            _check_positive(sessions, f"workshops of {theme}")
    for answer, n in doc.get("exits", {}).items():
        if answer not in EXIT_ANSWERS:
            raise ValueError(f"unknown exit answer {answer!r}")
        _check_positive(n, f"exit answer {answer}")


def _check_int(doc: dict, key: str) -> None:
    value = doc[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} is not a count")


def validate_tables(data: dict) -> None:
    """Raise ValueError unless `data` holds only allowlisted tables, keys and types.

    The storage calls this on every file it reads; a failure makes it fall back to the
    previous generation, as for a torn file.
    """
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
                _check_extras(doc)
            elif table == "pending":
                _check_counts(doc["counts"])
            elif table == "meta":
                uuid.UUID(doc["install_id"])


# --- the two files -------------------------------------------------------------------------


class StoreFiles:
    """The two TinyDB files of one store, for its writer or for a reader.

    Use `StoreFiles.open()`. The writer reads its tables from memory (`raw`, `tables`) and
    changes them through TinyDB inside `writing()`; a reader's `tables()` reads the disk.
    """

    def __init__(self, data_dir: Path, readonly: bool, lock: WriterLock | None):
        self.data_dir = data_dir
        self.readonly = readonly
        self._lock = lock
        self.closed = False
        #: Set when detail finer than a day was dropped: `writing()` then writes twice, so
        #: that the previous generation (`.prev`) does not keep it either.
        self.scrub = False
        try:
            self.current = self._db(CURRENT_FILE)
            self.archive = self._db(ARCHIVE_FILE)
        except OSError as exc:
            self.release()
            raise StoreError(f"cannot open the store in {data_dir}: "
                             f"{exc.strerror or exc}") from None

    @classmethod
    def open(cls, data_dir, *, readonly: bool) -> StoreFiles:
        """Take the writer's lock (unless `readonly`) and open both files.

        A reader of a folder that does not exist sees an empty store (`kiosk tally`
        before the first tap); a writer creates the folder.
        """
        data_dir = Path(data_dir)
        return cls(data_dir, readonly, None if readonly else WriterLock(data_dir))

    def _db(self, name: str) -> TinyDB:
        return TinyDB(self.data_dir / name, storage=AtomicJSONStorage,
                      readonly=self.readonly, validate=validate_tables)

    @property
    def recovered(self) -> str | None:
        """Why `current.json`'s previous generation is in use (None when it is not)."""
        return self.current.storage.recovered

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.current.close()
            self.archive.close()
            self.release()

    def check_open(self) -> None:
        if self.closed:
            raise StoreError("the store is closed")

    # --- reading -----------------------------------------------------------------------

    def tables(self, *, archive: bool = True) -> tuple[dict, dict]:
        """(current, archive) tables as stored: the writer's memory, or a fresh read.

        With `archive=False` the archive is not read (it is the big file) and `{}` stands
        for it. The result is for reading only.
        """
        self.check_open()
        if self.readonly:
            return (self.current.storage.read() or {},
                    (self.archive.storage.read() or {}) if archive else {})
        return self.current.storage.data, self.archive.storage.data

    def raw_tables(self) -> dict:
        """The writer's `current.json` tables as stored, for reading only."""
        return self.current.storage.data

    def raw(self, table: str, *, archive: bool = False) -> dict:
        """One of the writer's tables as stored, for reading only (TinyDB's own reads
        copy every document, which a tap does not need)."""
        return (self.archive if archive else self.current).storage.data.get(table, {})

    # --- writing (the writer only) -----------------------------------------------------

    def put(self, table: str, doc_id: int, fields: dict) -> None:
        """Set `fields` on the document `doc_id` of `table`; write only what changes."""
        old = self.raw(table).get(str(doc_id))
        if old is None:
            self.current.table(table).insert(Document(fields, doc_id=doc_id))
        elif any(old.get(k) != v for k, v in fields.items()):
            self.current.table(table).update(fields, doc_ids=[doc_id])

    @contextlib.contextmanager
    def writing(self):
        """One durable write of `current.json` for everything done inside the block.

        On an exception nothing changes, in memory or on disk. A full or read-only disk
        becomes a `StoreError` with one line for the user.
        """
        self.check_open()
        if self.readonly:
            raise StoreError("the store is open read-only")
        try:
            with self.current.storage.batch():
                yield
            if self.scrub:
                self.scrub = False
                self.current.storage.write(self.current.storage.data)
        except OSError as exc:
            raise StoreError(f"could not write the store in {self.data_dir}: "
                             f"{exc.strerror or exc}") from None
