"""The annual report's "Évolution": a change against last year only where it means something.

A change is honest only between periods whose data cover the same ground: a 2025 whose
first kiosk reported in June, a month still under way, a kiosk silent for half a month, all
make a percentage lie. Each month's coverage is its count of kiosk-days received
(`day_revisions`); two months compare when both are over, both hold data and their
coverages differ by less than COVERAGE_TOLERANCE. A year compares when both years are over,
both start in January and every month compares. Otherwise the change is "—" with the reason.

`evolution_table` computes every line of the annual page and of the annual XLSX: both
render these lines and nothing else, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sync.coordinator import texts

from .disclosure import NETWORK, AnnualCells, Cell
from .figures import AnnualReport, Coverage, category_ids, category_label, category_thematique

#: Two coverages compare when the smaller is at least this share of the larger.
COVERAGE_TOLERANCE = 0.8


@dataclass(frozen=True)
class Line:
    """One row of an "Évolution" table: the figures shown and the change, or why none."""

    label: str
    current: int | str  # a count, a hidden mark ("< 5", "s") or a note ("aucune donnée")
    previous: int | str
    change: float | None  # percent; None with a reason
    reason: str = ""
    extra: str = ""  # a second label column (the category's national thématique)


def change_text(change: float | None) -> str:
    """"+12,3 %", "−4,0 %", "0,0 %" or "—": the page's and the XLSX check's one format."""
    if change is None:
        return "—"
    sign = "+" if change > 0 else ("−" if change < 0 else "")
    return f"{sign}{abs(change):.1f}".replace(".", ",") + "\u00a0%"


def _sum(coverages: list[Coverage], year: int) -> list[int]:
    return [sum(c.get(year, [0] * 12)[m] for c in coverages) for m in range(12)]


def _close(a: int, b: int) -> bool:
    return min(a, b) >= COVERAGE_TOLERANCE * max(a, b)


class _Calendar:
    """What "over", "under way" and "to come" mean for the report's year on `today`."""

    def __init__(self, year: int, today: dt.date):
        self.year, self.today = year, today

    def month_state(self, month: int) -> str:
        first = dt.date(self.year, month + 1, 1)
        if first > self.today:
            return "future"
        if (self.today.year, self.today.month) == (self.year, month + 1):
            return "current"
        return "past"


def _month_reason(cal: _Calendar, m: int, cur: list[int], prev: list[int]) -> str:
    state = cal.month_state(m)
    if state == "future":
        return texts.TO_COME
    if state == "current":
        return texts.EVOLUTION_MONTH_RUNNING
    if not cur[m]:
        return texts.NO_DATA_SHORT
    if not prev[m]:
        return texts.EVOLUTION_NO_DATA_IN.format(year=cal.year - 1)
    if not _close(cur[m], prev[m]):
        return texts.EVOLUTION_COVERAGE.format(cur=cur[m], prev=prev[m])
    return ""


def _year_reason(cal: _Calendar, cur: list[int], prev: list[int]) -> str:
    """Why the year's totals do not compare ("" when they do)."""
    if dt.date(cal.year, 1, 1) > cal.today:
        return texts.TO_COME
    for year, days in ((cal.year - 1, prev), (cal.year, cur)):
        started = [m for m in range(12) if days[m]]
        if not started:
            return texts.EVOLUTION_NO_DATA_IN.format(year=year)
        if started[0] > 0:
            return texts.EVOLUTION_STARTS.format(year=year, month=texts.MONTHS[started[0]])
    if cal.today <= dt.date(cal.year, 12, 31):
        return texts.EVOLUTION_YEAR_RUNNING.format(year=cal.year, day=cal.today)
    if any(_month_reason(cal, m, cur, prev) for m in range(12)):
        return texts.EVOLUTION_COVERAGE_MONTHS
    return ""


def _compare(cells: AnnualCells, cur: Cell, prev: Cell, reason: str, year: int) -> tuple:
    """(change, reason) for two figures that compare as far as coverage goes."""
    if reason:
        return None, reason
    if cur.hidden or prev.hidden:
        return None, texts.EVOLUTION_HIDDEN
    change = cells.change(cur, prev)
    return (change, "") if change is not None else (None, texts.EVOLUTION_ZERO.format(year=year))


def _shown(cell: Cell, days: list[int]) -> int | str:
    """The figure, or "aucune donnée" for a year from which no day was received (never 0)."""
    return cell.shown() if any(days) or cell.value else texts.NO_DATA_SHORT


@dataclass
class EvolutionTable:
    year: int
    categories: list[Line]  # one per category, then the total
    months: list[Line]  # twelve
    communes: list[Line]  # one per commune, then the total


def evolution_table(report: AnnualReport, cells: AnnualCells) -> EvolutionTable:
    """Every line of the annual page and XLSX, with its change or the reason there is none."""
    year, cal = report.year, _Calendar(report.year, report.today)
    rows = [report.commune] if report.commune else list(report.coverage)
    cur_days = _sum([report.coverage.get(r, {}) for r in rows], year)
    prev_days = _sum([report.coverage.get(r, {}) for r in rows], year - 1)
    year_reason = _year_reason(cal, cur_days, prev_days)

    year_row = cells.months[NETWORK]
    categories = []
    for cat in [*category_ids(), "total"]:
        cur, prev = year_row[cat], cells.previous_categories[cat]
        change, reason = _compare(cells, cur, prev, year_reason, year - 1)
        label = texts.TOTAL if cat == "total" else category_label(cat)
        extra = "" if cat == "total" else category_thematique(cat)
        categories.append(Line(label, _shown(cur, cur_days), _shown(prev, prev_days), change,
                               reason, extra))

    months = []
    for m in range(12):
        name = texts.MONTHS[m]
        cur, prev = cells.months[name]["total"], cells.previous[name]["n"]
        reason = _month_reason(cal, m, cur_days, prev_days)
        change, reason = _compare(cells, cur, prev, reason, year - 1)
        shown_cur: int | str = cur.shown()
        if cal.month_state(m) == "future":
            shown_cur = texts.TO_COME
        elif not cur_days[m] and not cur.value:
            shown_cur = texts.NO_DATA_SHORT
        shown_prev = prev.shown() if prev_days[m] or prev.value else texts.NO_DATA_SHORT
        months.append(Line(name, shown_cur, shown_prev, change, reason))

    communes = []
    for name in [*report.communes, NETWORK]:
        cur, prev = cells.communes[name]["cur"], cells.communes[name]["prev"]
        if name is NETWORK:
            own_cur, own_prev, reason = cur_days, prev_days, year_reason
        else:
            own = report.coverage.get(name, {})
            own_cur, own_prev = own.get(year, [0] * 12), own.get(year - 1, [0] * 12)
            reason = _year_reason(cal, own_cur, own_prev)
        change, reason = _compare(cells, cur, prev, reason, year - 1)
        label = texts.TOTAL if name is NETWORK else name
        communes.append(Line(label, _shown(cur, own_cur), _shown(prev, own_prev), change,
                             reason))
    return EvolutionTable(year, categories, months, communes)
