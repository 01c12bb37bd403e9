"""A `serve` worker sets its start-up objects aside from the garbage collector, so that a
full collection under load walks only what came after (app.app_from_env: the p99 of
bench/ingest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc
from sync.coordinator.app import app_from_env
app_from_env()
print(gc.get_freeze_count(), sum(gc.get_count()), len(gc.get_objects()))
"""


def test_a_worker_freezes_its_start_up_objects(sqlite_url):
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=120,
                         env={**os.environ, "KIOSK_COORDINATOR_SERVE_DB": sqlite_url})
    assert run.returncode == 0, run.stderr
    frozen, pending, tracked = map(int, run.stdout.split())
    # Modules, routes and tables: tens of thousands of objects, none left for the collector.
    assert frozen > 50_000
    assert tracked < frozen / 10 and pending < 2_000
