"""Tap cost: median `Store.record()` latency, empty store vs ten years of history, and
against a bare write + fsync + rename of the same bytes. Prints figures; asserts nothing.

    .venv/bin/python bench/tap_cost.py [--taps 300] [--dir /var/tmp]

Goals: ten years / empty <= 1.3, record / bare write <= 3. The three are measured in
the same run, interleaved, on the same filesystem, so a noisy machine shifts them alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.catalogue import CATEGORY_IDS  # noqa: E402
from kiosk.clock import SystemClock  # noqa: E402
from kiosk.storage import AtomicJSONStorage  # noqa: E402
from kiosk.store import ARCHIVE_UNSYNCED_AFTER_DAYS, Store  # noqa: E402

TODAY = dt.datetime(2026, 11, 26, 10, 0)
HISTORY_DAYS = 3650


def seed_ten_years(data_dir: Path, *, acked: bool = True) -> None:
    """3650 days x 8 categories, in the archive layout of docs/store.md; `acked=False` is a
    kiosk without a coordinator (its last two months stay in the tap file)."""
    docs = {}
    for offset in range(1, HISTORY_DAYS + 1):
        day = TODAY.date() - dt.timedelta(days=offset)
        counts = {cid: 1 + (offset * 7 + i) % 23 for i, cid in enumerate(CATEGORY_IDS)}
        docs[str(day.toordinal())] = {"day": day.isoformat(), "revision": 9, "acked": 9 if acked else 0,
                                      "counts": counts}
    meta = {"1": {"install_id": "0b5c8f1e-2a57-4a0e-9a59-6d3c2f8e9b10"}}
    recent = {} if acked else {k: docs.pop(k) for k in list(docs)[:ARCHIVE_UNSYNCED_AFTER_DAYS]}
    data_dir.mkdir(parents=True)
    AtomicJSONStorage(data_dir / "archive.json").write({"meta": meta, "days": docs})
    AtomicJSONStorage(data_dir / "current.json").write({"meta": meta, "days": recent})


def bare_write(directory: Path, raw: bytes) -> None:
    tmp = directory / "bare.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.write(fd, raw)
    os.fsync(fd)
    os.close(fd)
    os.replace(tmp, directory / "bare.json")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=300)
    parser.add_argument("--dir", default="/var/tmp", help="a folder on the disk to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="tap-cost-") as root:
        root = Path(root)
        flag = root / "synced"
        flag.touch()
        clock = SystemClock(flag, now=lambda: TODAY)
        seed_ten_years(root / "history")
        seed_ten_years(root / "offline", acked=False)
        empty = Store(root / "empty", clock=clock)
        history = Store(root / "history", clock=clock)
        offline = Store(root / "offline", clock=clock)
        bare_dir = root / "bare"
        bare_dir.mkdir()
        for store in (empty, history, offline):  # warm up: first-day work, page cache
            for cid in CATEGORY_IDS:
                store.record(cid)
        raw = (root / "history" / "current.json").read_bytes()
        times: dict[str, list[float]] = {"empty": [], "history": [], "offline": [],
                                         "bare": []}
        for i in range(args.taps):
            cid = CATEGORY_IDS[i % len(CATEGORY_IDS)]
            times["empty"].append(timed(lambda c=cid: empty.record(c)))
            times["history"].append(timed(lambda c=cid: history.record(c)))
            times["offline"].append(timed(lambda c=cid: offline.record(c)))
            times["bare"].append(timed(lambda: bare_write(bare_dir, raw)))
        sizes = {name: (root / name / "current.json").stat().st_size
                 for name in ("empty", "history", "offline")}
        archive = (root / "history" / "archive.json").stat().st_size
        for store in (empty, history, offline):
            store.close()
    med = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"taps measured per case      : {args.taps} (interleaved, {args.dir})")
    print(f"median record(), empty store: {med['empty']:.3f} ms "
          f"(tap file {sizes['empty']} B)")
    print(f"median record(), ten years  : {med['history']:.3f} ms "
          f"(tap file {sizes['history']} B, archive {archive // 1024} KiB, "
          f"{HISTORY_DAYS} days x {len(CATEGORY_IDS)} categories)")
    print(f"median record(), ten years, never synced: {med['offline']:.3f} ms "
          f"(tap file {sizes['offline']} B: unsent days stay in it up to "
          f"{ARCHIVE_UNSYNCED_AFTER_DAYS} days)")
    print(f"median bare write+fsync+rename of the same bytes: {med['bare']:.3f} ms")
    print(f"ratio ten years / empty     : {med['history'] / med['empty']:.2f} (goal <= 1.3)")
    print(f"ratio never synced / empty  : {med['offline'] / med['empty']:.2f}")
    print(f"ratio record / bare write   : {med['history'] / med['bare']:.2f} (goal <= 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
