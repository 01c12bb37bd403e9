"""Helpers for the kiosk core tests: a controllable clock, ten years of history, a small
tmpfs for disk faults."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import sys
from pathlib import Path

from kiosk.clock import SystemClock
from kiosk.storage import AtomicJSONStorage

DAY = dt.date(2026, 11, 26)
INSTALL_ID = "6f1c1d3e-8d0a-4c55-9d2b-2b8f0d7c9a11"
KIOSK_BIN = Path(sys.executable).parent / "kiosk"


class FakeTime:
    """Wall clock, monotonic clock, boot id and synced flag, each set by the test."""

    def __init__(self, tmp_path: Path, wall: dt.datetime, *, boot: str = "boot-1"):
        self.wall = wall
        self.mono = 1000.0
        self.boot = boot
        self.flag = tmp_path / "timesync-synchronized"

    def clock(self, *, hardware_clock: bool = True) -> SystemClock:
        return SystemClock(self.flag, now=lambda: self.wall, monotonic=lambda: self.mono,
                           boot_id=lambda: self.boot, hardware_clock=hardware_clock)

    def tick(self, seconds: float) -> None:
        """Time passes normally: both clocks move together."""
        self.wall += dt.timedelta(seconds=seconds)
        self.mono += seconds

    def set_wall(self, wall: dt.datetime, *, mono_elapsed: float = 1.0) -> None:
        """The wall clock is set (a jump); the monotonic clock moves only a little."""
        self.wall = wall
        self.mono += mono_elapsed

    def reboot(self, wall: dt.datetime, boot: str) -> None:
        self.wall, self.boot, self.mono = wall, boot, 5.0
        self.synced = False

    @property
    def synced(self) -> bool:
        return self.flag.exists()

    @synced.setter
    def synced(self, value: bool) -> None:
        if value:
            self.flag.touch()
        else:
            self.flag.unlink(missing_ok=True)


def seed_history(data_dir: Path, first: dt.date, days: int, *, acked: bool = True) -> dict:
    """Write `days` days x 8 categories of past counts straight into the archive file,
    in the layout of docs/store.md (recording 29,200 fsync'd taps would take minutes)."""
    from kiosk.catalogue import CATEGORY_IDS

    docs = {}
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        counts = {cid: 1 + (offset + i) % 7 for i, cid in enumerate(CATEGORY_IDS)}
        docs[str(day.toordinal())] = {"day": day.isoformat(), "revision": 3,
                                      "acked": 3 if acked else 0, "counts": counts}
    data_dir.mkdir(parents=True, exist_ok=True)
    meta = {"1": {"install_id": INSTALL_ID}}
    AtomicJSONStorage(data_dir / "archive.json").write({"meta": meta, "days": docs})
    if not (data_dir / "current.json").exists():
        AtomicJSONStorage(data_dir / "current.json").write({"meta": meta})
    return docs


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str):
    """A tmpfs of `size` mounted at `path` (made here), or None when mounting is not allowed
    (not root); unmounted on exit."""
    path.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        yield None
        return
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
