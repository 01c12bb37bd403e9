"""Reporting periods, parsed in one place for the CLI and the dashboard.

Only ASCII digits are read: Python's int() and `\\d` also take `٢٠٢٦` or `²`, which used to
reach date arithmetic and end in a 500. Quarters are written `2026-Q3`, and `2026-T3`
(trimestre) or lower case are read too. A refusal carries two sentences: English for the
CLI and logs (`str(exc)`), French for the dashboard's French pages (`exc.fr`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sync.coordinator import texts

FIRST_YEAR, LAST_YEAR = 2000, 2999
_QUARTER = re.compile(r"([0-9]{4})-[QqTt]([1-4])", re.ASCII)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_FR = {"the year": "l'année", "seuil": "le seuil"}  # what whole_number names, in French


class ReportError(ValueError):
    """A bad report request (period, format, output); the message is one plain sentence,
    `fr` the same in French (the English one when no French was given)."""

    def __init__(self, message: str, fr: str | None = None):
        super().__init__(message)
        self.fr = fr or message


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # included
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def whole_number(text, what: str, low: int, high: int) -> int:
    """`text` as an int in [low, high], ASCII digits only; ReportError names `what`."""
    raw = text.strip() if isinstance(text, str) else ""
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ReportError(f"{what} must be a whole number from {low} to {high}, not {text!r}",
                          f"{_FR.get(what, what)} doit être un nombre entier de {low} à {high}, "
                          f"pas « {text} »")
    return int(raw)


def _year(value: int, text) -> int:
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ReportError(f"{text!r}: the year must be between {FIRST_YEAR} and {LAST_YEAR}",
                          f"« {text} » : l'année doit être entre {FIRST_YEAR} et {LAST_YEAR}")
    return value


def normalise_quarter(text) -> str:
    """'2026-t3' -> '2026-Q3'; ReportError for anything that is not a quarter."""
    match = _QUARTER.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ReportError(f"{text!r} is not a quarter like 2026-Q4",
                          f"« {text} » n'est pas un trimestre comme 2026-T4 ou 2026-Q4")
    return f"{_year(int(match.group(1)), text)}-Q{match.group(2)}"


def quarter_period(text) -> Period:
    quarter = normalise_quarter(text)
    year, q = int(quarter[:4]), int(quarter[-1])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return Period(start, end - dt.timedelta(days=1), texts.quarter_label(year, q))


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def month_period(year: int, month: int) -> Period:
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise ReportError(f"{year}-{month:02d} is not a month like 2026-11",
                          f"« {year}-{month:02d} » n'est pas un mois comme 2026-11")
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return Period(start, end, texts.month_label(year, month))


def parse_month(text) -> Period:
    match = _MONTH.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ReportError(f"{text!r} is not a month like 2026-11",
                          f"« {text} » n'est pas un mois comme 2026-11")
    return month_period(int(match.group(1)), int(match.group(2)))


def parse_year(text) -> int:
    return whole_number(text, "the year", FIRST_YEAR, LAST_YEAR)


def year_period(year: int) -> Period:
    _year(year, str(year))
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), texts.year_label(year))


def parse_day(text) -> dt.date:
    match = _DAY.fullmatch(text.strip()) if isinstance(text, str) else None
    try:
        if match:
            return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        pass
    raise ReportError(f"{text!r} is not a date like 2026-11-26",
                      f"« {text} » n'est pas une date comme 2026-11-26")


def range_period(start: dt.date, end: dt.date) -> Period:
    if end < start:
        raise ReportError("the end of the range comes before its start",
                          "la fin de la plage de dates vient avant son début")
    if (end - start).days > 366 * 10:
        raise ReportError("a range covers at most ten years",
                          "une plage de dates couvre au plus dix ans")
    return Period(start, end, texts.range_label(start, end))
