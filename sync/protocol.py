"""The sync protocol, one definition for both ends: `POST /api/v1/counts`.

A kiosk pushes absolute per-day counts with a per-(install, day) revision that only grows;
the coordinator keeps a day only when its revision is higher than the one it holds, so a
retry, a duplicate or a late packet never counts twice. The models refuse unknown fields
(no personal field can slip in), booleans and strings where numbers are expected, dates
that are not `YYYY-MM-DD` strings, categories outside the catalogue, absurd counts and days
after the validating side's today + 1. A day may also carry `workshops` (sessions and
participants per theme) and `exits` (answers to the exit question), per-day aggregates
under the day's revision (kiosk/extras.py). The optional `profile` is the permanence's annex-1
description (institutional facts from the kiosk's config, never anything about a visitor).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from kiosk.catalogue import CATEGORY_IDS
from kiosk.config import WEEKDAYS
from kiosk.extras import EXIT_ANSWERS, MAX_EXITS, MAX_PARTICIPANTS, MAX_WORKSHOPS

PATH = "/api/v1/counts"
#: More visits than this in one category on one day cannot come from one desk.
MAX_COUNT = 5000
#: Revisions are stored as 32-bit integers on every database.
MAX_REVISION = 2**31 - 1
#: One push never carries more days than this (a year and a bit); the client batches.
MAX_DAYS = 400
#: No permanence counted before this day.
FIRST_DAY = dt.date(2000, 1, 1)

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _whole_number(value):
    # JSON true/false are ints to Python and "3" is lax-coerced by pydantic: refuse both.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a JSON integer (not a string, boolean or decimal)")
    return value


def _day_text(value):
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DAY.match(value):
        raise ValueError("must be a date string like 2026-11-26")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None


def _day_in_range(day: dt.date) -> dt.date:
    # The future check needs the receiver's clock, so the coordinator makes it (latest_day).
    if day < FIRST_DAY:
        raise ValueError(f"{day.isoformat()} is before {FIRST_DAY.isoformat()}")
    return day


def latest_day(now: dt.datetime) -> dt.date:
    """The last day a push may name when received at `now`: tomorrow by UTC, which is
    today or tomorrow in every time zone a kiosk may be in."""
    return now.astimezone(dt.UTC).date() + dt.timedelta(days=1)


def _text_only(value):
    # pydantic would read a number as a Unix time; only ISO text is a timestamp here.
    if not isinstance(value, str | dt.datetime):
        raise ValueError("must be an ISO 8601 timestamp string with a UTC offset")
    return value


def _uuid_text(value):
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise ValueError("must be a UUID string")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a UUID") from None


# Field(...) comes before the validators so that the JSON schema keeps standard bounds.
Count = Annotated[int, Field(ge=0, le=MAX_COUNT), BeforeValidator(_whole_number)]
Revision = Annotated[int, Field(ge=0, le=MAX_REVISION), BeforeValidator(_whole_number)]
Day = Annotated[
    dt.date,
    Field(json_schema_extra={"pattern": _DAY.pattern}),
    BeforeValidator(_day_text),
    AfterValidator(_day_in_range),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
]
CategoryId = Literal[CATEGORY_IDS]  # type: ignore[valid-type]
InstallId = Annotated[
    str,
    Field(
        min_length=36,
        max_length=36,
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    ),
    BeforeValidator(_uuid_text),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ExitAnswer = Literal[EXIT_ANSWERS]  # type: ignore[valid-type]


def _bounded(low: int, high: int):
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_whole_number)]


class Workshops(_Strict):
    """One theme's workshops of one day: how many, and their participants together."""

    sessions: _bounded(1, MAX_WORKSHOPS)
    participants: _bounded(1, MAX_WORKSHOPS * MAX_PARTICIPANTS)

    @model_validator(mode="after")
    def _plausible(self) -> Workshops:
        if not self.sessions <= self.participants <= self.sessions * MAX_PARTICIPANTS:
            raise ValueError(f"{self.sessions} workshops cannot have {self.participants} "
                             f"participants (1 to {MAX_PARTICIPANTS} each)")
        return self


class DayCounts(_Strict):
    """One day's absolute counts on one install; a category left out counts 0.

    `workshops` and `exits` are absolute too, and optional: a day without them has none
    (the revision replaces the whole day)."""

    day: Day
    revision: Revision
    counts: dict[CategoryId, Count]
    workshops: dict[CategoryId, Workshops] | None = None
    exits: dict[ExitAnswer, _bounded(0, MAX_EXITS)] | None = None


def day_body(record) -> dict:
    """A push's day (JSON-ready) from an object with .day, .revision, .counts and
    optionally .workshops / .exits; zeros and empty parts left out."""
    body = {"day": record.day.isoformat(), "revision": record.revision,
            "counts": {c: n for c, n in record.counts.items() if n}}
    workshops = getattr(record, "workshops", None)
    exits = {a: n for a, n in (getattr(record, "exits", None) or {}).items() if n}
    if workshops:
        body["workshops"] = {t: dict(w) for t, w in workshops.items()}
    if exits:
        body["exits"] = exits
    return body


def _one_line(value: str) -> str:
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise ValueError("must be one line of text without control characters")
    return value


def _slot(value: str) -> str:
    start, end = (dt.time.fromisoformat(part) for part in value.split("-"))
    if end <= start:
        raise ValueError(f"{value!r} ends before it starts")
    return value


def _text(limit: int, min_length: int = 0):
    return Annotated[str, Field(min_length=min_length, max_length=limit),
                     AfterValidator(_one_line)]


Name = _text(120, 1)
Line = _text(120)
LongLine = _text(300)
Weekday = Literal[WEEKDAYS]  # type: ignore[valid-type]
Slot = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"),
                 AfterValidator(_slot)]


class Profile(_Strict):
    """The permanence's annex-1 profile, as its config describes it: institutional data only.

    No phone number and no staff names: a mediator's own mobile must never reach the
    coordinator by accident; the booking text is the commune's public booking rule.
    """

    name: Name
    commune: Line
    place: LongLine
    address: LongLine
    hours: Annotated[dict[Weekday, Annotated[list[Slot], Field(max_length=8)]],
                     Field(max_length=7)]
    by_appointment: Annotated[bool, Field(strict=True)]
    booking: LongLine
    categories: Annotated[list[CategoryId], Field(min_length=1, max_length=len(CATEGORY_IDS))]

    @field_validator("categories")
    @classmethod
    def _each_once(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("a category is listed twice")
        return ids


def profile_of(permanence) -> Profile:
    """The profile of a `kiosk.config.Permanence`; ValidationError when a field is too long."""
    return Profile.model_validate({
        "name": permanence.name, "commune": permanence.commune, "place": permanence.place,
        "address": permanence.address,
        "hours": {WEEKDAYS[weekday]: [f"{s.start:%H:%M}-{s.end:%H:%M}" for s in slots]
                  for weekday, slots in sorted(permanence.hours.items())},
        "by_appointment": permanence.by_appointment, "booking": permanence.booking,
        "categories": list(permanence.categories),
    })


class CountsPush(_Strict):
    """The body of `POST /api/v1/counts`. The token, not the body, names the kiosk."""

    install_id: InstallId
    sent_at: Annotated[AwareDatetime, BeforeValidator(_text_only)]
    clock_trusted: Annotated[bool, Field(strict=True)]
    catalogue_version: Annotated[str, Field(min_length=1, max_length=20)]
    days: Annotated[list[DayCounts], Field(max_length=MAX_DAYS)]
    #: Sent after each start of the kiosk and whenever the config changes it; absent otherwise.
    profile: Profile | None = None

    @field_validator("days")
    @classmethod
    def _one_entry_per_day(cls, days: list[DayCounts]) -> list[DayCounts]:
        seen: set[dt.date] = set()
        for entry in days:
            if entry.day in seen:
                raise ValueError(f"day {entry.day.isoformat()} is listed twice")
            seen.add(entry.day)
        return days


class Accepted(_Strict):
    """A (day, revision) the coordinator now holds, or holds a newer revision of."""

    day: Day
    revision: Revision


class CountsAnswer(_Strict):
    """The 200 answer: every pushed (day, revision) is acknowledged, `updated` were new."""

    accepted: list[Accepted]
    updated: Annotated[int, Field(ge=0)]
    server_time: AwareDatetime


class ErrorAnswer(BaseModel):
    """Every error answer: one line for people, the fields at fault for programs."""

    detail: str
    errors: list[dict[str, str]] = []


def build_push(install_id: str, clock_trusted: bool, catalogue_version: str, days,
               sent_at: dt.datetime | None = None, profile: Profile | None = None) -> CountsPush:
    """The push for `days` (see `day_body`), validated as the server will.

    Zero counts are left out: the server reads a missing category as 0.
    """
    sent_at = sent_at or dt.datetime.now().astimezone()
    return CountsPush.model_validate({
        "install_id": install_id,
        "sent_at": sent_at.isoformat(timespec="seconds"),
        "clock_trusted": bool(clock_trusted),
        "catalogue_version": catalogue_version,
        "days": [day_body(d) for d in days],
        **({"profile": profile.model_dump()} if profile is not None else {}),
    })
