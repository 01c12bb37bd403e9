"""The long form of the soak simulation (issue 17): N kiosks over a year, with faults.

    .venv/bin/python bench/soak.py [--kiosks 20] [--days 365] [--faults 1100] [--seed 17]
                                   [--db URL] [--keep DIR]

Real stores, the real sync client and the real coordinator on 127.0.0.1 (SQLite, or the
PostgreSQL URL given with --db), driven by a simulated clock (tests/soak/soak_sim.py).
Prints the faults by kind, the taps, the differences found (each with its history) and
the run time; exits 1 when there is a difference.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "soak"), str(ROOT / "tests" / "sync")]

from soak_sim import Options, Simulation  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--faults", type=int, default=1100)  # ~1,010 applied
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--db", help="a PostgreSQL URL (an empty database); default SQLite")
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it")
    args = parser.parse_args()
    # Killed by SIGTERM: unwind, so that the coordinator subprocess is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The store logs each recovery from a torn file; the history of a difference says more.
    logging.getLogger("kiosk").setLevel(logging.CRITICAL)
    # A RAM disk when there is one: the figures are about the logic, not the SD card's
    # fsync (torn writes are made by the simulation itself).
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(prefix="soak-", dir=shm if shm.is_dir() else None) as tmp:
        workdir = args.keep or Path(tmp) / "soak"
        outcome = Simulation(Options(kiosks=args.kiosks, days=args.days, faults=args.faults,
                                     seed=args.seed, workdir=workdir, db_url=args.db,
                                     progress=lambda line: print(line, file=sys.stderr,
                                                                 flush=True))).run()
    for difference in outcome.differences:
        print("DIFFERENCE", difference)
    print(f"soak: {args.kiosks} kiosks, {args.days} days, seed {args.seed}, "
          f"{'PostgreSQL' if args.db else 'SQLite'}")
    print(outcome.summary())
    return 1 if outcome.differences else 0


if __name__ == "__main__":
    sys.exit(main())
