"""Fault injection: a real child process taps in a loop and is SIGKILLed at random moments.

Each acknowledged tap (record() returned) is reported on a pipe. After every kill the store
must reopen, hold every acknowledged tap, and at most the one tap that was in flight more.
"""

import datetime as dt
import os
import random
import select
import signal
import time

from core_helpers import DAY

from kiosk.catalogue import CATEGORY_IDS
from kiosk.clock import SystemClock
from kiosk.store import Store

KILLS = 220
START = dt.datetime(2026, 11, 26, 9, 0)


def _tapper(data_dir, flag, round_no, out_fd) -> None:
    """The child: tap forever, report each acknowledged tap, acknowledge syncs now and then.
    A new day every few rounds makes the child archive days while it may be killed."""
    wall = START + dt.timedelta(days=round_no // 5)
    clock = SystemClock(flag, now=lambda: wall, boot_id="fault-boot")
    store = Store(data_dir, clock=clock)
    i = round_no
    while True:
        index = i % len(CATEGORY_IDS)
        store.record(CATEGORY_IDS[index])
        os.write(out_fd, bytes([index]))
        i += 1
        if i % 7 == 0:
            store.mark_synced([(r.day, r.revision) for r in store.unsynced()])


def _stored(data_dir, flag) -> dict[str, int]:
    clock = SystemClock(flag, now=lambda: START + dt.timedelta(days=400), boot_id="check")
    with Store(data_dir, clock=clock) as store:  # must always reopen
        return store.totals(DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=100))


def test_sigkill_never_loses_an_acknowledged_tap(tmp_path):
    data_dir = tmp_path / "data"
    flag = tmp_path / "synced"
    flag.touch()
    rng = random.Random(20261126)
    baseline = dict.fromkeys(CATEGORY_IDS, 0)
    acknowledged_total = in_flight_total = 0
    for round_no in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns into pytest
            try:
                os.close(read_fd)
                _tapper(data_dir, flag, round_no, write_fd)
            finally:
                os._exit(1)
        os.close(write_fd)
        # Kill at a random moment *after* the child has started tapping: on a loaded machine
        # a fixed delay from fork could land before the first tap every time.
        started = select.select([read_fd], [], [], 120)[0]
        first = os.read(read_fd, 1) if started else b""
        time.sleep(rng.uniform(0.0, 0.06))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert first, f"round {round_no}: the child made no tap in 120 s"
        acked = dict.fromkeys(CATEGORY_IDS, 0)
        with os.fdopen(read_fd, "rb") as pipe:
            for index in first + pipe.read():
                acked[CATEGORY_IDS[index]] += 1
        stored = _stored(data_dir, flag)
        extra = 0
        for cid in CATEGORY_IDS:
            gained = stored[cid] - baseline[cid]
            assert gained >= acked[cid], f"round {round_no}: acknowledged {cid} taps lost"
            extra += gained - acked[cid]
        assert extra <= 1, f"round {round_no}: {extra} taps counted that were never made"
        acknowledged_total += sum(acked.values())
        in_flight_total += extra
        baseline = stored
    assert not list(data_dir.glob("*.bad-*")), "a kill left a file that had to be set aside"
    assert acknowledged_total > KILLS  # the kills really landed in the middle of tapping
    print(f"{KILLS} kills, {acknowledged_total} acknowledged taps, "
          f"{in_flight_total} in-flight taps kept")
