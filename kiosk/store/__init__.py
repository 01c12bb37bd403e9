"""The kiosk's durable, anonymous store: per-day counts per category, nothing else.

    >>> from kiosk.store import Store
    >>> with Store(data_dir) as store:
    ...     store.record("imprimante_scan")
    ...     store.counts(day)

`Store` (facade.py) is the only class callers need; behind it each module has one job:

- `files.py`: the two TinyDB files and the allowlist of keys; `lock.py`: one writer;
- `records.py`: the values handed out (`Tap`, `DayRecord`, `ClockState`…);
- `clock_memory.py`: what the store remembers about the clock, and its verdict;
- `days.py`: per-day counts with their revision and acknowledged revision;
- `pending.py`: taps waiting for a date, re-dated or scrubbed by the upkeep;
- `archive.py`: closed days moved out of the file each tap rewrites; old times cut.

docs/store.md describes the files on disk; docs/architecture.md the API.
"""

from kiosk.store.archive import ARCHIVE_UNSYNCED_AFTER_DAYS
from kiosk.store.clock_memory import MAX_CONFIRMED_OFFSET_DAYS
from kiosk.store.facade import Store
from kiosk.store.files import (
    ALLOWED_KEYS,
    ARCHIVE_FILE,
    ARCHIVE_TABLES,
    CURRENT_FILE,
    validate_tables,
)
from kiosk.store.lock import LOCK_FILE, StoreError, StoreLocked
from kiosk.store.pending import PENDING_GAP_S, PENDING_SPAN_S
from kiosk.store.records import ClockState, DayRecord, SyncStatus, Tap, UpkeepReport

__all__ = [
    "ALLOWED_KEYS", "ARCHIVE_FILE", "ARCHIVE_TABLES", "ARCHIVE_UNSYNCED_AFTER_DAYS",
    "CURRENT_FILE", "LOCK_FILE", "MAX_CONFIRMED_OFFSET_DAYS", "PENDING_GAP_S",
    "PENDING_SPAN_S", "ClockState", "DayRecord", "Store", "StoreError", "StoreLocked",
    "SyncStatus", "Tap", "UpkeepReport", "validate_tables",
]
