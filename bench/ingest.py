"""Ingestion benchmark: N simulated kiosks push one day each, concurrently, to a real server.

Prints pushes per second, p50/p99 latency and errors for the coordinator, and the same
figures for a trivial FastAPI endpoint measured in the same run (the baseline ratio), with
the machine's load average (the figures mean little on a busy machine). "coordinator" is
each kiosk's first push (its token unknown to the worker: a lookup; its install and day
new), "again" its second. Each figure is the median of --rounds rounds, each round with
kiosks of its own, after a warm-up of both servers that is not counted.

    .venv/bin/python bench/ingest.py [--kiosks 200 1000] [--workers 64] [--db URL]
                                     [--server-workers N] [--rounds 3]

Goal (issue 15): ratio >= 0.5 and p99 <= 3x the trivial endpoint's at 64 clients, 0
errors, on SQLite with one server worker and on PostgreSQL with 2.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from servers import free_port, start  # noqa: E402

from sync.coordinator import db, tokens  # noqa: E402


def body(day: dt.date, revision: int = 3, install: uuid.UUID | None = None) -> bytes:
    """One day's push; `install`: the kiosk's install id (a new one each time if None)."""
    return (f'{{"install_id": "{install or uuid.uuid4()}", "sent_at": "{dt.datetime.now().astimezone().isoformat()}",'
            f' "clock_trusted": true, "catalogue_version": "1", "days": [{{"day": "{day}",'
            f' "revision": {revision}, "counts": {{"service_public": 4, "imprimante_scan": 2, "autre": 1}}}}]}}'
            ).encode()


def run(url: str, kiosk_tokens: list[str], workers: int, revision: int = 3) -> dict:
    """Every kiosk pushes once; all start together behind a barrier."""
    local = threading.local()
    day = dt.date.today()
    gate = threading.Barrier(min(workers, len(kiosk_tokens)))

    def push(token: str):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait(30)
        started = time.perf_counter()
        try:
            # One install per kiosk, as a real one: a 4th install id would be refused (409).
            install = uuid.uuid5(uuid.NAMESPACE_URL, token)
            answer = session.post(url, data=body(day, revision, install), timeout=60,
                                  headers={"Authorization": f"Bearer {token}",
                                           "Content-Type": "application/json"})
            ok = answer.status_code == 200
        except requests.RequestException:
            ok = False
        return time.perf_counter() - started, ok

    began = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(push, kiosk_tokens))
    elapsed = time.perf_counter() - began
    latencies = sorted(r[0] for r in results)
    return {"rate": len(results) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
            "errors": sum(not r[1] for r in results)}


def median_of(rounds: list[dict]) -> dict:
    """Each figure's median over the rounds (errors: their sum)."""
    return {"rate": statistics.median(r["rate"] for r in rounds),
            "p50": statistics.median(r["p50"] for r in rounds),
            "p99": statistics.median(r["p99"] for r in rounds),
            "errors": sum(r["errors"] for r in rounds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--db", help="SQLAlchemy URL (default: a fresh SQLite file)")
    parser.add_argument("--server-workers", type=int, default=1,
                        help="uvicorn workers of the coordinator (and of the trivial app)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    url = args.db or f"sqlite:///{folder / 'coordinator.db'}"
    engine = db.make_engine(url)
    db.migrate(engine)
    # Every round's first pushes need kiosks never seen; the warm-up has its own.
    warm_up = 4 * args.workers
    needed = warm_up + args.rounds * sum(args.kiosks)
    kiosk_tokens = [tokens.add_kiosk(engine, f"bench-{i}-{uuid.uuid4().hex[:6]}", "Bench")
                    for i in range(needed)]
    engine.dispose()

    port, base_port = free_port(), free_port()
    env_python = sys.executable
    os.environ.setdefault("KIOSK_COORDINATOR_RATE_LIMIT", "120")
    server = start([env_python, "-m", "sync.coordinator.cli", "serve", "--db", url,
                    "--port", str(port), "--workers", str(args.server_workers)], port,
                   folder / "coordinator.log")
    baseline = start([env_python, "-m", "uvicorn", "--app-dir", str(ROOT / "bench"),
                      "trivial_app:app", "--port", str(base_port), "--log-level", "warning",
                      "--workers", str(args.server_workers)], base_port, folder / "baseline.log")
    counts_url = f"http://127.0.0.1:{port}/api/v1/counts"
    base_url = f"http://127.0.0.1:{base_port}/api/v1/counts"
    try:
        warm = kiosk_tokens[:warm_up]
        run(base_url, warm, args.workers)
        run(counts_url, warm, args.workers, revision=1)
        run(counts_url, warm, args.workers, revision=2)
        unused = iter(kiosk_tokens[warm_up:])
        print(f"database: {url.split('://')[0]}, {args.workers} concurrent clients, "
              f"{args.server_workers} uvicorn worker(s) each, {os.cpu_count()} CPU, "
              f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}, "
              f"median of {args.rounds} rounds")
        print(f"{'kiosks':>7} {'server':>10} {'pushes/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'errors':>6} {'ratio':>6}")
        for n in args.kiosks:
            rounds: dict[str, list[dict]] = {"trivial": [], "coordinator": [], "again": []}
            for _ in range(args.rounds):
                batch = [next(unused) for _ in range(n)]
                rounds["trivial"].append(run(base_url, batch, args.workers))
                rounds["coordinator"].append(run(counts_url, batch, args.workers, revision=3))
                # Each kiosk again, a higher revision: its token now known to the worker (as
                # every push but a kiosk's first after a restart is).
                rounds["again"].append(run(counts_url, batch, args.workers, revision=4))
            base, real, again = (median_of(rounds[name])
                                 for name in ("trivial", "coordinator", "again"))
            for name, figures in (("trivial", base), ("coordinator", real),
                                  ("again", again)):
                ratio = figures["rate"] / base["rate"]
                print(f"{n:>7} {name:>10} {figures['rate']:>9.0f} {figures['p50']:>8.1f} "
                      f"{figures['p99']:>8.1f} {figures['errors']:>6} {ratio:>6.2f}")
            print(f"{'':>7} {'p99 ratio':>10} {real['p99'] / base['p99']:>36.2f} "
                  f"{again['p99'] / base['p99']:>6.2f}  (goal <= 3)")
    finally:
        for process in (server, baseline):
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
