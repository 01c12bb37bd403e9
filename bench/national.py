"""National scale: 30,000 kiosks on PostgreSQL, N workers, on their real schedule.

A kiosk pushes every 30 minutes (its own offset in the half hour, plus a jitter). Time is
compressed: the sustained phase plays `--window` simulated minutes of the schedule in
window / `--compress` real minutes, each push sent at its compressed due time (open loop:
the offered rate is `--compress` times the network's real one, 30,000 / 1,800 s = 16.7/s).
Then the morning after an outage: `--outage` kiosks come back at the same moment, each with
the 3 days it kept, sent as fast as `--clients` connections allow (closed loop).

Kiosks, tokens, transfer keys and a quarter of history (every kiosk, 5 days a week) are
written straight into the database (executemany and INSERT ... SELECT generate_series), not
through 30,000 CLI calls. Prints sustained pushes/s, p50/p99, errors, the database size per
kiosk-year and the time of the quarter report for the whole network, with the load average.

    source scripts/start-postgres.sh
    .venv/bin/python bench/national.py [--db URL] [--kiosks 30000] [--server-workers 2]

The database is a fresh one created on the server of `--db` (default $KIOSK_TEST_PG_URL),
dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from servers import free_port, start  # noqa: E402

from kiosk.catalogue import CATEGORY_IDS  # noqa: E402
from sync.coordinator import db, reports  # noqa: E402
from sync.coordinator.kiosks import hash_token  # noqa: E402
from sync.coordinator.schema import kiosks, transfer_keys  # noqa: E402
from sync.transfer import derive_key, key_id  # noqa: E402

HISTORY = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))  # 2026-Q3, weekdays
QUARTER = "2026-Q3"
TODAY = dt.date(2026, 10, 1)
OPEN_DAYS_A_YEAR = 250
HALF_HOUR_S = 1800.0


#: The last schema revision without the month rollups (migration 0012).
ROLLUPS_BEFORE = "0011"


def install_of(kiosk_id: int) -> str:
    return f"00000000-0000-4000-8000-{kiosk_id:012d}"


def seed(engine, n: int) -> list[tuple[int, str]]:
    """n kiosks with their tokens, keys, one install and a quarter of history."""
    tokens = [secrets.token_urlsafe(32) for _ in range(n)]
    created = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(insert(kiosks), [
            {"name": f"Borne {i:05d}", "commune": f"Commune {i % 3000:04d}",
             "token_hash": hash_token(t), "created_at": created} for i, t in enumerate(tokens)])
        ids = dict(conn.execute(text("SELECT token_hash, id FROM kiosks")).all())
        pairs = [(ids[hash_token(t)], t) for t in tokens]
        keys = [(kid, derive_key(t)) for kid, t in pairs]
        conn.execute(insert(transfer_keys), [
            {"kiosk_id": kid, "key_id": key_id(k), "key": k.hex()} for kid, k in keys])
        conn.execute(text(
            "INSERT INTO kiosk_installs (kiosk_id, install_id, first_seen_at) "
            "SELECT id, '00000000-0000-4000-8000-' || lpad(id::text, 12, '0'), created_at "
            "FROM kiosks"))
        conn.execute(text(
            "INSERT INTO day_revisions (kiosk_id, install_id, day, revision, received_at) "
            "SELECT i.kiosk_id, i.install_id, d::date, 1, d + interval '18 hours' "
            "FROM kiosk_installs i CROSS JOIN generate_series(CAST(:a AS date), "
            "CAST(:b AS date), interval '1 day') d WHERE extract(isodow FROM d) < 6"),
            {"a": HISTORY[0], "b": HISTORY[1]})
        conn.execute(text(
            "INSERT INTO counts (kiosk_id, install_id, day, category, count) "
            "SELECT r.kiosk_id, r.install_id, r.day, c, floor(random() * 7)::int "
            "FROM day_revisions r CROSS JOIN unnest(CAST(:cats AS text[])) c"),
            {"cats": list(CATEGORY_IDS)})
    return pairs


def body(kiosk_id: int, days: list[dt.date], revision: int, rng: random.Random) -> bytes:
    return json.dumps({
        "install_id": install_of(kiosk_id), "sent_at": dt.datetime.now(dt.UTC).isoformat(),
        "clock_trusted": True, "catalogue_version": "1",
        "days": [{"day": str(d), "revision": revision,
                  "counts": {c: rng.randint(0, 4) for c in CATEGORY_IDS[:4]}} for d in days],
    }).encode()


def play(url: str, plan: list[tuple[float, str, bytes]], clients: int) -> dict:
    """Send each (due second, token, body) at its due time (0: at once); latency per push."""
    local = threading.local()
    began = time.perf_counter()

    def send(item):
        due, token, data = item
        delay = began + due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        try:
            answer = session.post(url, data=data, timeout=120, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            ok = answer.status_code == 200
        except requests.RequestException:
            ok = False
        return time.perf_counter() - started, ok

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(send, sorted(plan, key=lambda p: p[0])))
    elapsed = time.perf_counter() - began
    latencies = sorted(r[0] for r in results)
    return {"pushes": len(results), "seconds": elapsed, "rate": len(results) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
            "errors": sum(not r[1] for r in results)}


def fresh_database(server_url: str) -> tuple[str, object]:
    name = f"kiosk_national_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), admin


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("KIOSK_TEST_PG_URL"),
                        help="a PostgreSQL server URL (default: $KIOSK_TEST_PG_URL)")
    parser.add_argument("--kiosks", type=int, default=30000)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--window", type=float, default=10.0,
                        help="simulated minutes of the sustained phase")
    parser.add_argument("--compress", type=float, default=4.0,
                        help="simulated seconds per real second")
    parser.add_argument("--outage", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=64)
    args = parser.parse_args()
    if not args.db or not args.db.startswith("postgresql"):
        raise SystemExit("national.py needs PostgreSQL: --db or $KIOSK_TEST_PG_URL "
                         "(source scripts/start-postgres.sh)")
    rng = random.Random(15)
    overall = time.perf_counter()
    url, admin = fresh_database(args.db)
    engine = db.make_engine(url)
    folder = Path(tempfile.mkdtemp(prefix="bench-national-"))
    server = None
    try:
        # History is written as on a coordinator from before the month rollups, which the
        # upgrade then fills in one pass: their row triggers would run 18 million times.
        db.migrate(engine, ROLLUPS_BEFORE)
        began = time.perf_counter()
        pairs = seed(engine, args.kiosks)
        db.migrate(engine)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM day_revisions")).scalar()
            rows = conn.execute(text("SELECT count(*) FROM counts")).scalar()
        print(f"seeded {args.kiosks:,} kiosks, {stored:,} kiosk-days, {rows:,} count rows "
              f"in {time.perf_counter() - began:.0f} s (load average {load()})")

        port = free_port()
        server = start([sys.executable, "-m", "sync.coordinator.cli", "serve", "--db", url,
                        "--port", str(port), "--workers", str(args.server_workers)], port,
                       folder / "coordinator.log")
        push_url = f"http://127.0.0.1:{port}/api/v1/counts"

        # Sustained: each kiosk's offset in the half hour plus up to 2 min of jitter; those
        # due inside the window push today's counts, at due / compress real seconds.
        window_s = args.window * 60
        plan = []
        for kid, token in pairs:
            due = rng.uniform(0, HALF_HOUR_S) + rng.uniform(-60, 60)
            while due < window_s:
                if due >= 0:
                    plan.append((due / args.compress, token, body(kid, [TODAY], 2, rng)))
                due += HALF_HOUR_S
        offered = len(plan) / (window_s / args.compress)
        sustained = play(push_url, plan, args.clients)
        print(f"sustained: {args.window:g} simulated min x{args.compress:g} = "
              f"{window_s / args.compress:.0f} s real, offered {offered:.0f}/s "
              f"(the network needs {args.kiosks / HALF_HOUR_S:.1f}/s) "
              f"(load average {load()})")

        back = rng.sample(pairs, min(args.outage, len(pairs)))
        missed = [TODAY + dt.timedelta(days=d) for d in range(1, 4)]
        outage = play(push_url, [(0.0, t, body(k, missed, 3, rng)) for k, t in back],
                      args.clients)
        print(f"outage: {len(back):,} kiosks back at once with 3 days each, {args.clients} "
              f"connections (load average {load()})")

        print(f"{'phase':>10} {'pushes':>7} {'seconds':>8} {'pushes/s':>9} {'p50 ms':>8} "
              f"{'p99 ms':>8} {'errors':>6}")
        for name, f in (("sustained", sustained), ("outage", outage)):
            print(f"{name:>10} {f['pushes']:>7} {f['seconds']:>8.1f} {f['rate']:>9.1f} "
                  f"{f['p50']:>8.1f} {f['p99']:>8.1f} {f['errors']:>6}")

        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM day_revisions")).scalar()
            data = conn.execute(text(
                "SELECT pg_total_relation_size('counts') + "
                "pg_total_relation_size('day_revisions')")).scalar()
            whole = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        per_year = data / stored * OPEN_DAYS_A_YEAR
        print(f"database: {whole / 2**20:,.0f} MiB in all; counts and day revisions "
              f"{data / stored:,.0f} bytes per kiosk-day = {per_year / 2**10:,.0f} KiB per "
              f"kiosk-year ({OPEN_DAYS_A_YEAR} open days), "
              f"{per_year * args.kiosks / 2**30:,.1f} GiB a year for the network")
        began = time.perf_counter()
        report = reports.quarter_json(engine, QUARTER)
        print(f"quarter report {QUARTER} for the whole network (JSON, {len(report['rows']):,} "
              f"rows, {report['total']:,} visits): {time.perf_counter() - began:.1f} s "
              f"(load average {load()})")
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        engine.dispose()
        name = make_url(url).database
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"total {time.perf_counter() - overall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
