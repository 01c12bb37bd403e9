"""The trusted-clock rule: a Raspberry Pi has no battery clock, so "today" may be wrong.

The clock is trusted when the system says it is synchronised (the `synced_flag` file of
systemd-timesyncd exists). Otherwise it is trusted only when all of these hold:

- today is not before the build date of this software (`BUILD_DATE`);
- today is not before the last day on which a tap was filed;
- no implausible jump was seen during this boot: between two readings in one process the
  wall clock went backwards, or went forward far more than the monotonic clock did;
- the machine keeps time while switched off (`hardware_clock`), or the mediator confirmed
  today's date during this boot. A Raspberry Pi without a battery clock restores, at boot,
  the time it saved before the power cut ("last evening"): every day on a wall-powered,
  offline Pi would otherwise be filed a little further in the past.

A jump makes the clock untrusted for the rest of the boot, until the synced flag appears.
Taps made while untrusted wait in a pending bucket (see `kiosk.store`). docs/clock.md says
what a mediator sees and does. Time is injected (`now`, `monotonic`, `boot_id`) in tests.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def _build_date(checkout: dt.date) -> dt.date:
    """The day the installed package was built (setup.py writes it); a source checkout,
    which has no such file, uses the date committed with it."""
    try:
        return dt.date.fromisoformat(Path(__file__).with_name("build_date.txt").read_text().strip())
    except (OSError, ValueError):
        return checkout


#: No kiosk can be running before this software was built.
BUILD_DATE = _build_date(dt.date(2026, 11, 1))
DEFAULT_SYNCED_FLAG = Path("/run/systemd/timesync/synchronized")
#: A backwards step larger than this is a jump (NTP slews small errors instead).
BACKWARD_TOLERANCE_S = 60.0
#: The wall clock may run ahead of the monotonic clock by this much before it is a jump.
FORWARD_TOLERANCE_S = 300.0

#: The reasons a Verdict gives (kept in the store: never renamed). They are codes, not
#: words: the UI and the CLI say them through kiosk.i18n (`translate(lang, Message(code))`).
REASON_CODES: tuple[str, ...] = ("synced", "plausible", "before_build", "before_last_day",
                                 "jump_backward", "jump_forward", "no_hardware_clock",
                                 "confirmed")



@dataclass(frozen=True)
class Reading:
    """One look at the clocks."""

    wall: dt.datetime  # local time (aware when it comes from the system)
    mono: float  # seconds of CLOCK_MONOTONIC, meaningful within one boot only
    boot_id: str
    synced: bool


@dataclass(frozen=True)
class Verdict:
    trusted: bool
    reason: str
    jumped: bool = False  # this reading revealed a jump (to be remembered for the boot)


def _system_boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return _PROCESS_BOOT_ID


_PROCESS_BOOT_ID = str(uuid.uuid4())


class SystemClock:
    """The clocks of this machine; each part can be replaced for tests."""

    def __init__(self, synced_flag: Path | str | None = DEFAULT_SYNCED_FLAG, *,
                 now: Callable[[], dt.datetime] | None = None,
                 monotonic: Callable[[], float] | None = None,
                 boot_id: Callable[[], str] | str | None = None,
                 build_date: dt.date = BUILD_DATE, hardware_clock: bool = True):
        self.synced_flag = Path(synced_flag) if synced_flag else None
        #: False for a Pi without a battery clock: its date needs the network or a mediator.
        self.hardware_clock = hardware_clock
        self._now = now or (lambda: dt.datetime.now().astimezone())
        self._monotonic = monotonic or time.monotonic
        if isinstance(boot_id, str):
            fixed = boot_id
            self._boot_id = lambda: fixed
        elif boot_id is None:
            system = _system_boot_id()  # fixed for the life of the process
            self._boot_id = lambda: system
        else:
            self._boot_id = boot_id
        self.build_date = build_date

    def read(self) -> Reading:
        synced = bool(self.synced_flag and self.synced_flag.exists())
        return Reading(wall=self._now(), mono=self._monotonic(), boot_id=self._boot_id(),
                       synced=synced)


class TrustTracker:
    """Applies the rule to successive readings of one process."""

    def __init__(self, build_date: dt.date = BUILD_DATE, hardware_clock: bool = True):
        self.build_date = build_date
        self.hardware_clock = hardware_clock
        self._previous: Reading | None = None

    def assess(self, reading: Reading, last_day: dt.date | None,
               jump: tuple[str, str] | None = None, vouched: bool = False) -> Verdict:
        """Trust for `reading`, given the last filed day, a remembered (boot_id, reason) and
        whether the mediator confirmed the date during this boot."""
        seen = self._jump(reading)
        self._previous = reading
        if reading.synced:
            return Verdict(True, "synced")
        if seen:
            return Verdict(False, seen, jumped=True)
        if jump is not None and jump[0] == reading.boot_id:
            return Verdict(False, jump[1])
        if vouched:
            return Verdict(True, "confirmed")
        if not self.hardware_clock:
            return Verdict(False, "no_hardware_clock")
        today = reading.wall.date()
        if today < self.build_date:
            return Verdict(False, "before_build")
        if last_day is not None and today < last_day:
            return Verdict(False, "before_last_day")
        return Verdict(True, "plausible")

    def _jump(self, reading: Reading) -> str | None:
        previous = self._previous
        if previous is None or previous.boot_id != reading.boot_id:
            return None
        wall_s = (reading.wall - previous.wall).total_seconds()
        mono_s = reading.mono - previous.mono
        if wall_s < -BACKWARD_TOLERANCE_S:
            return "jump_backward"
        if wall_s - mono_s > FORWARD_TOLERANCE_S:
            return "jump_forward"
        return None


def wall_at(reading: Reading, mono: float) -> dt.datetime:
    """The wall time at monotonic `mono` of the same boot, from a trusted `reading`."""
    moment = reading.wall - dt.timedelta(seconds=reading.mono - mono)
    return moment.astimezone() if moment.tzinfo else moment
