"""Mediator PIN: salted KDF hashes, constant-time check, throttling that survives restarts."""

import base64
import hashlib

import pytest

from kiosk import config
from kiosk.pin import PinThrottle, delay_after, hash_pin, verify_pin


def test_hash_is_salted_scrypt_and_verifies():
    first, second = hash_pin("4821"), hash_pin("4821")
    assert first != second  # a fresh salt each time
    assert first.startswith("scrypt$32768$8$1$")
    assert verify_pin("4821", first) and verify_pin("4821", second)
    assert not verify_pin("4822", first)
    assert not verify_pin("", first)
    # The config loader accepts what set-pin writes.
    cfg = config.parse({"kiosk": {"data_dir": "/tmp/k"},
                        "coordinator": {"url": "", "token_file": ""},
                        "mediator": {"pin_hash": first}})
    assert cfg.mediator.pin_hash == first


def test_pbkdf2_hashes_are_accepted():
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", b"1234", salt, 600_000)
    stored = (f"pbkdf2_sha256$600000${base64.b64encode(salt).decode()}$"
              f"{base64.b64encode(digest).decode()}")
    assert verify_pin("1234", stored)
    assert not verify_pin("1235", stored)
    weak = stored.replace("$600000$", "$1000$")
    assert not verify_pin("1234", weak)  # too few iterations is never accepted


@pytest.mark.parametrize("stored", ["", "scrypt$", "scrypt$x$8$1$AA==$AA==", "md5$abc",
                                    "pbkdf2_sha256$600000$!!$!!", "scrypt$1024$8$1$AA==$AA=="])
def test_malformed_hashes_never_match(stored):
    assert not verify_pin("1234", stored)


def test_delay_grows_and_is_capped():
    delays = [delay_after(n) for n in range(0, 12)]
    assert delays[:3] == [0, 0, 0]
    assert delays[3] > 0
    assert all(b >= a for a, b in zip(delays, delays[1:], strict=False))
    assert delay_after(100) == 3600


def test_throttle_survives_a_restart_and_resets_on_success(tmp_path):
    now = [1_800_000_000.0]
    throttle = PinThrottle(tmp_path, now=lambda: now[0])
    assert throttle.wait_s() == 0
    for _ in range(3):
        throttle.failed()
    assert throttle.failed() == 60  # the fourth wrong PIN in a row
    restarted = PinThrottle(tmp_path, now=lambda: now[0])
    assert restarted.wait_s() == 60
    assert restarted.failures == 4
    now[0] += 61
    assert restarted.wait_s() == 0
    restarted.succeeded()
    assert PinThrottle(tmp_path, now=lambda: now[0]).failures == 0


def test_a_clock_set_back_does_not_lock_out_for_longer_than_the_delay(tmp_path):
    now = [1_800_000_000.0]
    throttle = PinThrottle(tmp_path, now=lambda: now[0])
    for _ in range(4):
        throttle.failed()
    now[0] -= 10 * 86400
    assert throttle.wait_s() == 60


def test_unreadable_throttle_file_still_throttles(tmp_path):
    (tmp_path / "pin_throttle.json").write_text("{garbage")
    throttle = PinThrottle(tmp_path, now=lambda: 1_800_000_000.0)
    assert throttle.failures == 3
    assert throttle.failed() > 0
