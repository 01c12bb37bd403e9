"""What the store remembers about the clock, and its verdict on each reading.

The rule itself lives in `kiosk.clock` (docs/clock.md). To apply it across restarts the
store keeps one document, `clock` #1, in `current.json`:

- `last_day`: the last day a tap was filed with a trusted clock ("today" cannot be before
  it);
- `jump_boot`, `jump_reason`: a jump seen during that boot, so that a restart in the same
  boot stays careful;
- `vouched_boot`, `vouched_offset`, `vouched_mono`: the mediator confirmed today's date
  during that boot (the device's date was `vouched_offset` days off, at monotonic second
  `vouched_mono`). Until the boot ends or the network gives the time, "today" is that day
  plus the days of monotonic time since, the day changing 12 hours after the
  confirmation: the device's time of day is wrong too ("last evening"), so its midnight
  must not turn the day (found by the soak simulation, issue 17).

`judge()` reads the clock and never writes: a jump it sees is kept in memory until the
writer's next `remember()`, which also forgets what no longer applies::

    >>> seen = memory.judge(clock_doc)        # a query: nothing written
    >>> memory.remember(files, seen)          # the writer, inside files.writing()
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from kiosk.clock import BUILD_DATE, Reading, TrustTracker, Verdict

#: How far the mediator's "today" may be from the device's date (a year and a bit).
MAX_CONFIRMED_OFFSET_DAYS = 400


@dataclass(frozen=True)
class Observation:
    """One reading of the clock (its date shifted when the mediator confirmed it) and
    the verdict of the trusted-clock rule on it."""

    reading: Reading
    verdict: Verdict

    @property
    def today(self) -> dt.date | None:
        """The day taps are filed on now, or None while the clock is not trusted."""
        return self.reading.wall.date() if self.verdict.trusted else None


def clock_doc(current: dict) -> dict:
    """The `clock` document of `current.json`'s tables ({} before the first)."""
    return current.get("clock", {}).get("1", {})


class ClockMemory:
    """The clock, the rule's tracker, and the jump seen but not yet written."""

    def __init__(self, clock):
        self.clock = clock
        self.tracker = TrustTracker(getattr(clock, "build_date", BUILD_DATE),
                                    getattr(clock, "hardware_clock", True))
        self._seen_jump: tuple[str, str] | None = None  # (boot id, reason), not yet on disk

    @property
    def build_date(self) -> dt.date:
        return self.tracker.build_date

    def judge(self, doc: dict) -> Observation:
        """Read the clock and judge it against the remembered `doc`; writes nothing."""
        reading = self.clock.read()
        last_day = dt.date.fromisoformat(doc["last_day"]) if doc.get("last_day") else None
        jump = None
        if self._seen_jump and self._seen_jump[0] == reading.boot_id:
            jump = self._seen_jump
        elif doc.get("jump_boot"):
            jump = (doc["jump_boot"], doc.get("jump_reason") or "jump_forward")
        vouched = doc.get("vouched_boot") == reading.boot_id and not reading.synced
        verdict = self.tracker.assess(reading, last_day, jump, vouched)
        if verdict.jumped:
            self._seen_jump = (reading.boot_id, verdict.reason)
        elif reading.synced:
            self._seen_jump = None  # the network's time ends any doubt
        if verdict.reason == "confirmed":
            # The machine's time of day runs on; its date is shifted to the mediator's day.
            shift = dt.timedelta(days=_confirmed_shift(reading, doc))
            reading = dataclasses.replace(reading, wall=reading.wall + shift)
        return Observation(reading, verdict)

    def remember(self, files, seen: Observation) -> None:
        """Write a jump seen in this boot; forget a jump or a confirmation that no longer
        applies (another boot, or the clock is synchronised). Writer only."""
        reading = seen.reading
        doc = clock_doc(files.raw_tables())
        if self._seen_jump and self._seen_jump[0] == reading.boot_id and not reading.synced:
            boot, reason = self._seen_jump
            files.put("clock", 1, {"jump_boot": boot, "jump_reason": reason})
        elif doc.get("jump_boot") and (reading.synced or doc["jump_boot"] != reading.boot_id):
            files.put("clock", 1, {"jump_boot": None, "jump_reason": None})
        self._seen_jump = None
        if doc.get("vouched_boot") and (reading.synced
                                        or doc["vouched_boot"] != reading.boot_id):
            # A new boot, or the network gave the real time: the mediator's word ends.
            files.put("clock", 1, {"vouched_boot": None, "vouched_offset": None,
                                   "vouched_mono": None})

    def vouch(self, files, day: dt.date) -> None:
        """The mediator says today is `day`: trust it for the rest of this boot. Writer
        only; ValueError (one line) when `day` cannot be today."""
        raw = self.clock.read()
        if raw.synced:
            raise ValueError("the clock is synchronised: its date needs no confirmation")
        if day < self.build_date:
            raise ValueError(f"{day} is before this kiosk's software existed")
        offset = (day - raw.wall.date()).days
        if abs(offset) > MAX_CONFIRMED_OFFSET_DAYS:
            raise ValueError(f"{day} is too far from the device's date "
                             f"({raw.wall.date()}) to be today")
        self._seen_jump = None
        files.put("clock", 1, {"vouched_boot": raw.boot_id, "vouched_offset": offset,
                               "vouched_mono": raw.mono,
                               "jump_boot": None, "jump_reason": None})

    def check_mediator_day(self, day: dt.date, seen: Observation, *, pending: bool) -> None:
        """Refuse a day the mediator cannot mean: after today by a trusted clock, or,
        for waiting taps, before this software existed (an unset clock's date)."""
        if seen.verdict.trusted and day > seen.reading.wall.date():
            raise ValueError(f"{day} is in the future")
        # A past day may be corrected (e.g. to enter a paper tally), but waiting taps are
        # not filed on an unset clock's date.
        if pending and day < self.build_date:
            raise ValueError(f"{day} is before this kiosk's software existed "
                             "(is the device's date set?)")

    @staticmethod
    def move_last_day(files, day: dt.date) -> None:
        """A tap was filed on `day` by the machine's own clock: the last day moves on."""
        last = clock_doc(files.raw_tables()).get("last_day")
        if last is None or day.isoformat() > last:
            files.put("clock", 1, {"last_day": day.isoformat()})

    @staticmethod
    def rewind_last_day(files, today: dt.date) -> None:
        """A synchronised clock says `today`: a last day after it was a clock ahead."""
        last = clock_doc(files.raw_tables()).get("last_day")
        if last and last > today.isoformat():
            files.put("clock", 1, {"last_day": today.isoformat()})


def _confirmed_shift(reading: Reading, doc: dict) -> int:
    """Days to add to the device's date while the mediator's confirmation holds.

    The mediator gave a date, not a time: a Pi restored to "last evening" reaches its own
    midnight in the afternoon. So the day moves on with the monotonic clock instead, 12
    hours after the confirmation and every 24 hours after that (a permanence is open by
    day). A document written before `vouched_mono` existed keeps the plain offset.
    """
    offset = doc.get("vouched_offset") or 0
    since = doc.get("vouched_mono")
    if since is None:
        return offset
    elapsed = max(0.0, reading.mono - since)
    at_vouch = (reading.wall - dt.timedelta(seconds=elapsed)).date()
    today = at_vouch + dt.timedelta(days=offset + int((elapsed + 43200) // 86400))
    return (today - reading.wall.date()).days
