"""Privacy: every key the kiosk writes is on an allowlist, and nothing finer than a day
(tap times, boot-relative times, sync or PIN times) outlives the retention window."""

import datetime as dt
import json
import re

from core_helpers import DAY

from kiosk.pin import PinThrottle
from kiosk.store import ALLOWED_KEYS, Store

FILE_NAMES = re.compile(r"^(current\.json|archive\.json)(\.prev)?(\.bad-\d+)?$"
                        r"|^store\.lock$|^pin_throttle\.json$")
ENVELOPE = {"format", "checksum", "data"}
THROTTLE_KEYS = {"failures", "not_before"}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_OF_DAY = re.compile(r"\d{1,2}:\d{2}")


def finer_than_a_day(data_dir) -> list[str]:
    """Check every file against the allowlist; list every value finer than a day."""
    found = []
    for path in sorted(data_dir.iterdir()):
        assert FILE_NAMES.match(path.name), f"unexpected file {path.name}"
        if path.name == "store.lock":
            assert re.fullmatch(r"\d*\n?", path.read_text()), "the lock holds only a pid"
            continue
        whole = json.loads(path.read_text())
        if path.name == "pin_throttle.json":
            assert set(whole) <= THROTTLE_KEYS
            if whole["not_before"]:
                found.append(f"{path.name}: not_before")
            continue
        assert set(whole) == ENVELOPE
        for table, docs in whole["data"].items():
            allowed = ALLOWED_KEYS[table]
            for doc in docs.values():
                assert set(doc) <= allowed, f"{path.name}: {table} has {set(doc) - allowed}"
                for key, value in doc.items():
                    if key in ("first", "last", "boot", "jump_boot") and value is not None:
                        found.append(f"{path.name}: {table}.{key}")
                    elif isinstance(value, str) and key != "last_error" and \
                            TIME_OF_DAY.search(value):
                        found.append(f"{path.name}: {table}.{key}={value}")
                    elif isinstance(value, str) and key in ("day", "last_day", "seen"):
                        assert ISO_DAY.match(value)
                    elif key in ("counts", "exits"):
                        assert all(isinstance(n, int) for n in value.values())
                    elif key == "workshops":  # sessions by number of participants
                        assert all(re.fullmatch(r"[1-9]\d?", size) and isinstance(n, int)
                                   for sizes in value.values() for size, n in sizes.items())
    return found


def test_only_allowlisted_keys_and_no_fine_time_after_retention(data_dir, fake_time):
    now = [fake_time.wall.timestamp()]
    throttle = PinThrottle(data_dir, now=lambda: now[0])
    with Store(data_dir, clock=fake_time.clock(), retention_days=7) as store:
        store.record("service_public")
        store.mark_synced([(DAY, 1)])
        store.record_workshop(DAY, "securite_numerique", 7)
        store.record_exit("un_peu")
        store.set_sync_status(last_success=fake_time.wall.astimezone(), last_error="")
        fake_time.set_wall(dt.datetime(2031, 1, 1, 9, 0))  # a jump: taps wait with times
        store.record("securite_numerique")
        store.record("autre")
        for _ in range(5):
            throttle.failed()
        # Inside the window the detail exists (so the check below can see it).
        assert finer_than_a_day(data_dir)

    # Eight days later, after a power cut; the clock is synchronised again.
    fake_time.reboot(dt.datetime(2026, 12, 4, 9, 0), "boot-2")
    fake_time.synced = True
    now[0] = fake_time.wall.timestamp()
    assert throttle.wait_s() == 0
    with Store(data_dir, clock=fake_time.clock(), retention_days=7) as store:
        store.record("autre")
        assert store.clock_state().pending == 2  # the counts are kept for the mediator
        assert store.sync_status.last_success.date() == DAY  # the day is kept
    assert finer_than_a_day(data_dir) == []
