"""The PIN throttle fails closed: a try that cannot be recorded durably (read-only or full
data folder) is refused before the PIN is even checked, so a card that cannot be written
never gives unthrottled guesses. The faults are real: a tmpfs remounted read-only, a full
tmpfs (or, when not root, a folder without write permission)."""

import contextlib
import json
import os
import subprocess

import pytest
from core_helpers import small_tmpfs

from kiosk.pin import FREE_TRIES, PinThrottle, hash_pin

NOW = 1_800_000_000.0
PIN = "482193"
STORED = hash_pin(PIN)


@pytest.fixture
def mounted(tmp_path):
    """(data folder, whether it is a tmpfs of our own)."""
    with small_tmpfs(tmp_path / "data", "64k") as mnt:
        yield (mnt, True) if mnt is not None else (tmp_path / "data", False)


def make_readonly(mnt, is_mount):
    if is_mount:
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
    elif os.geteuid() != 0:
        mnt.chmod(0o555)
    else:
        pytest.skip("root without mount: no way to make a read-only folder here")


def test_a_read_only_data_folder_refuses_every_try(mounted):
    mnt, is_mount = mounted
    throttle = PinThrottle(mnt, now=lambda: NOW)
    assert throttle.attempt("000000", STORED).outcome == "wrong"  # recorded: 1 failure
    make_readonly(mnt, is_mount)
    with pytest.raises(OSError):
        (mnt / "probe").write_text("x")  # the fault is real
    for guess in ("111111", "222222", "333333", "444444", PIN):
        attempt = throttle.attempt(guess, STORED)
        assert attempt.outcome == "unavailable", attempt
        assert attempt.reason
    assert throttle.failures == 1  # nothing counted, and nothing let through either


def test_a_full_data_folder_refuses_the_try(mounted):
    mnt, is_mount = mounted
    if not is_mount:
        pytest.skip("filling a folder needs a small tmpfs (root)")
    throttle = PinThrottle(mnt, now=lambda: NOW)
    with contextlib.suppress(OSError), open(mnt / "filler", "wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)
    assert throttle.attempt(PIN, STORED).outcome == "unavailable"
    assert not (mnt / "pin_throttle.json").exists()


def test_each_try_is_recorded_before_the_check(tmp_path, monkeypatch):
    """Power cut during the (slow) KDF: the try is already counted as wrong."""
    throttle = PinThrottle(tmp_path, now=lambda: NOW)
    seen = []

    def check_during_kdf(pin, stored):
        seen.append(json.loads((tmp_path / "pin_throttle.json").read_text())["failures"])
        return False

    monkeypatch.setattr("kiosk.pin.verify_pin", check_during_kdf)
    for _ in range(FREE_TRIES):
        assert throttle.attempt("000000", STORED).outcome == "wrong"
    assert seen == [1, 2, 3]
    assert throttle.attempt("000000", STORED).outcome == "wait"
    assert len(seen) == FREE_TRIES  # a throttled try never reaches the check


def test_the_right_pin_clears_the_failures(tmp_path):
    now = [NOW]
    throttle = PinThrottle(tmp_path, now=lambda: now[0])
    for _ in range(FREE_TRIES):
        throttle.attempt("000000", STORED)
    wrong = throttle.attempt("000000", STORED)
    assert wrong.outcome == "wait" and wrong.wait_s == 30
    assert throttle.attempt(PIN, STORED).outcome == "wait"  # even the right one waits
    now[0] += 31
    assert throttle.attempt(PIN, STORED).outcome == "ok"
    assert throttle.failures == 0 and throttle.wait_s() == 0
