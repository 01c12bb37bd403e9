"""The writer's lock: one process writes a store, the others read it.

`store.lock` is held with `flock` for the writer's whole life and holds its pid. The
kernel drops a flock when its process dies, so a killed kiosk never leaves a stale lock
behind; the pid is only there to name the holder in the error a second writer gets::

    >>> WriterLock(data_dir)
    StoreLocked: the store in /var/lib/permanence-kiosk is in use by another kiosk
    process (pid 812); stop it, or open the store read-only
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_FILE = "store.lock"


class StoreError(Exception):
    """The store cannot do what was asked; str() is one line for the user."""


class StoreLocked(StoreError):
    """Another process is the store's writer."""


class WriterLock:
    """Hold `store.lock` for the writer; `StoreLocked` when another process holds it."""

    def __init__(self, data_dir: Path):
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            self._file = open(data_dir / LOCK_FILE, "a+")  # noqa: SIM115
        except OSError as exc:
            raise StoreError(f"cannot use {data_dir} for the store: "
                             f"{exc.strerror or exc}") from None
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read().strip() or "?"
            self._file.close()
            raise StoreLocked(f"the store in {data_dir} is in use by another kiosk "
                              f"process (pid {holder}); stop it, or open the store "
                              f"read-only") from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{os.getpid()}\n")
        self._file.flush()

    def release(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
