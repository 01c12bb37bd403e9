"""Sync client benchmark: bytes and time of a sync after one tap, empty vs ten years of history.

Two real kiosk stores push to a real coordinator: one new, one holding ten years of
acknowledged days. After each tap a sync must send one day, whatever the history, so both
figures should be the same within 10%.

    .venv/bin/python bench/sync_client.py [--years 10] [--rounds 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from servers import free_port, start  # noqa: E402

from kiosk.clock import SystemClock  # noqa: E402
from kiosk.config import parse  # noqa: E402
from kiosk.store import Store  # noqa: E402
from sync.client import SyncClient  # noqa: E402
from sync.coordinator import db, tokens  # noqa: E402


class Kiosk:
    def __init__(self, folder: Path, url: str, token: str):
        folder.mkdir(parents=True)
        (folder / "token").write_text(token)
        (folder / "token").chmod(0o600)
        (folder / "synced").touch()
        self.offset = dt.timedelta(0)
        clock = SystemClock(folder / "synced",
                            now=lambda: dt.datetime.now().astimezone() + self.offset)
        self.config = parse({"kiosk": {"data_dir": str(folder / "data")},
                             "coordinator": {"url": url, "token_file": str(folder / "token")}})
        self.clock = clock
        self.sent_bytes: list[int] = []
        self.open()

    def open(self) -> None:
        self.store = Store(self.config.kiosk.data_dir, clock=self.clock)
        self.client = SyncClient(self.config, self.store)
        session = self.client._http()
        session.hooks["response"].append(
            lambda r, *a, **k: self.sent_bytes.append(len(r.request.body or b"")))

    def fill(self, days: int) -> None:
        """One count on each of the last `days` days, then one sync of them all.

        Mediator corrections file past days without making the clock travel (much faster
        than a tap a day); the acknowledged days then move to the store's archive.
        """
        today = dt.date.today()
        for back in range(days, 0, -1):
            self.store.correct(today - dt.timedelta(days=back), "service_public", +1)
        result = self.client.sync_now()
        if not result.ok:
            raise SystemExit(f"history sync failed: {result.message}")
        # As after a night: a new day's first write moves the closed days to the archive.
        self.client.stop()
        self.store.close()
        self.open()

    def one_tap_sync(self) -> tuple[float, int, int]:
        self.store.record("autre")
        self.sent_bytes.clear()
        started = time.perf_counter()
        result = self.client.sync_now()
        elapsed = time.perf_counter() - started
        if not result.ok:
            raise SystemExit(f"sync failed: {result.message}")
        return elapsed, sum(self.sent_bytes), result.sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    url = f"sqlite:///{folder / 'coordinator.db'}"
    engine = db.make_engine(url)
    db.migrate(engine)
    empty_token = tokens.add_kiosk(engine, "empty", "Bench")
    old_token = tokens.add_kiosk(engine, "ten-years", "Bench")
    engine.dispose()
    port = free_port()
    server = start([sys.executable, "-m", "sync.coordinator.cli", "serve", "--db", url,
                    "--port", str(port)], port, folder / "coordinator.log")
    try:
        base = f"http://127.0.0.1:{port}"
        empty = Kiosk(folder / "empty", base, empty_token)
        old = Kiosk(folder / "old", base, old_token)
        days = 365 * args.years
        started = time.perf_counter()
        old.fill(days)
        print(f"history: {days} days filed and acknowledged in {time.perf_counter() - started:.0f} s")
        kiosks = {"empty history": empty, f"{args.years} years": old}
        runs: dict[str, list] = {name: [] for name in kiosks}
        for kiosk in kiosks.values():
            kiosk.one_tap_sync()  # warm-up: connection, first file reads
        for _ in range(args.rounds):  # interleaved, so both see the same machine noise
            for name, kiosk in kiosks.items():
                runs[name].append(kiosk.one_tap_sync())
        figures = {name: (statistics.median(r[0] for r in rs) * 1000,
                          statistics.median(r[1] for r in rs), max(r[2] for r in rs))
                   for name, rs in runs.items()}
        base_ms, base_bytes, _ = figures["empty history"]
        print(f"{'kiosk':>15} {'days sent':>9} {'body bytes':>10} {'median ms':>9} "
              f"{'time ratio':>10} {'bytes ratio':>11}")
        for name, (ms, size, sent) in figures.items():
            print(f"{name:>15} {sent:>9} {size:>10.0f} {ms:>9.1f} {ms / base_ms:>10.2f} "
                  f"{size / base_bytes:>11.2f}")
        for kiosk in kiosks.values():
            kiosk.client.stop()
            kiosk.store.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
