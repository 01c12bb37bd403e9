"""The mediator PIN: a salted KDF hash in the config, and throttling that survives restarts.

Hashes look like `scrypt$<n>$<r>$<p>$<salt>$<hash>` (what `hash_pin` writes) or
`pbkdf2_sha256$<iterations>$<salt>$<hash>` (accepted too); salt and hash in base64.
A short PIN can be brute-forced offline from a stolen card whatever the KDF, so the real
protection is `PinThrottle`: a growing delay after wrong PINs, kept on disk. It fails
closed: `PinThrottle.attempt` records the try durably *before* the PIN is checked, and a
try that cannot be recorded (read-only or full card) is refused, never let through
unthrottled. At least 6 digits (`valid_pin`): 10^6 tries at the capped delay take decades.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from kiosk.storage import write_atomic

log = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
PBKDF2_MIN_ITERATIONS = 600_000
# hashlib.scrypt refuses n=2**15, r=8 under its default 32 MiB limit: 128*r*n is 32 MiB.
_MAXMEM = 256 * 1024 * 1024
THROTTLE_FILE = "pin_throttle.json"
FREE_TRIES = 3
FIRST_DELAY_S = 30.0
MAX_DELAY_S = 3600.0
#: After this long without a wrong PIN the time of the last one is forgotten (privacy).
FORGET_TIME_AFTER_S = 86400


MIN_DIGITS, MAX_DIGITS = 6, 12
_PIN = re.compile(rf"[0-9]{{{MIN_DIGITS},{MAX_DIGITS}}}")


def valid_pin(pin: str) -> bool:
    """True for 6 to 12 ASCII digits (what `kiosk set-pin` accepts)."""
    return _PIN.fullmatch(pin) is not None


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_pin(pin: str) -> str:
    """A salted scrypt hash of `pin`, for the config's `mediator.pin_hash`."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, maxmem=_MAXMEM, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    """True when `pin` matches `stored`; a malformed hash never matches."""
    try:
        kind, *parts = stored.split("$")
        if kind == "scrypt" and len(parts) == 5:
            n, r, p = (int(x) for x in parts[:3])
            salt, expected = base64.b64decode(parts[3]), base64.b64decode(parts[4])
            if n < 2**14 or not expected:
                return False
            actual = hashlib.scrypt(pin.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                                    maxmem=_MAXMEM, dklen=len(expected))
        elif kind == "pbkdf2_sha256" and len(parts) == 3:
            iterations = int(parts[0])
            salt, expected = base64.b64decode(parts[1]), base64.b64decode(parts[2])
            if iterations < PBKDF2_MIN_ITERATIONS or not expected:
                return False
            actual = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations,
                                         dklen=len(expected))
        else:
            return False
    except (ValueError, TypeError, MemoryError, AttributeError):
        return False
    return hmac.compare_digest(actual, expected)


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` wrong PINs in a row: 0, 0, 0, 30, 60, 120 … 1 h."""
    if failures < FREE_TRIES:
        return 0.0
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - FREE_TRIES))


@dataclass(frozen=True)
class Attempt:
    """The outcome of one try: "ok", "wrong", "wait" (throttled) or "unavailable" (the try
    could not be recorded, so it was refused); `wait_s` before the next try; `reason` in
    plain words for the log when unavailable."""

    outcome: str
    wait_s: float = 0.0
    reason: str = ""


class PinThrottle:
    """Wrong-PIN counter and delay, kept in `data_dir` so that a restart does not reset it."""

    def __init__(self, data_dir, *, now=time.time):
        self.path = Path(data_dir) / THROTTLE_FILE
        self._now = now

    def _read(self) -> tuple[int, float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            failures, not_before = int(data["failures"]), float(data["not_before"])
            if failures < 0:
                raise ValueError("negative")
            return failures, not_before
        except FileNotFoundError:
            return 0, 0.0
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Someone tampered with it or the card is failing: start from a short delay.
            log.warning("PIN throttle file unreadable (%s); assuming %d failures", exc,
                        FREE_TRIES)
            return FREE_TRIES, 0.0

    def _write(self, failures: int, not_before: float) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"failures": failures, "not_before": int(not_before)}
        write_atomic(self.path, json.dumps(body).encode("utf-8"), 0o600)

    def wait_s(self) -> float:
        """Seconds before the next try is allowed (0 when it is allowed now)."""
        failures, not_before = self._read()
        now = self._now()
        if not_before and now - not_before > FORGET_TIME_AFTER_S:
            try:
                self._write(failures, 0)
            except OSError as exc:  # forgetting is for privacy; `attempt` still fails closed
                log.warning("PIN throttle: could not forget the last failure time (%s)", exc)
        # A clock set backwards must not lock the mediator out for longer than the delay.
        return max(0.0, min(not_before - now, delay_after(failures)))

    @property
    def failures(self) -> int:
        return self._read()[0]

    def failed(self) -> float:
        """Count a wrong PIN; returns the delay before the next try."""
        failures = self._read()[0] + 1
        delay = delay_after(failures)
        self._write(failures, self._now() + delay if delay else 0)
        return delay

    def succeeded(self) -> None:
        """The right PIN: forget the failures."""
        if self.path.exists():
            self._write(0, 0)

    def attempt(self, pin: str, stored: str) -> Attempt:
        """One try of `pin` against `stored`, throttled and failing closed (see module doc).

        Runs the slow KDF: call it off the UI thread."""
        wait = self.wait_s()
        if wait > 0:
            return Attempt("wait", wait)
        failures = self._read()[0] + 1
        delay = delay_after(failures)
        try:
            # Counted as wrong until proven right: pulling the plug during the check, or a
            # card that cannot be written, never yields a free guess.
            self._write(failures, self._now() + delay if delay else 0)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            log.error("PIN try refused: %s cannot be written (%s)", self.path, reason)
            return Attempt("unavailable", 0.0, reason)
        if not verify_pin(pin, stored):
            return Attempt("wrong", delay)
        try:
            self._write(0, 0)
        except OSError as exc:  # it was writable a moment ago; the PIN was right
            log.warning("PIN throttle: could not clear the failures (%s)", exc)
        return Attempt("ok")
