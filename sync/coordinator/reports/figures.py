"""The network's figures: grouped queries over the counts for a period or a year.

Pure functions over an SQLAlchemy engine; the dashboard pages and the exports both use them,
so a number on screen and the same number in a file come from one place. Only aggregate
counts exist in the database: nothing here can show a person. Each query reads the asked
period's days only, so the length of the history does not matter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Integer, bindparam, cast, extract, func, select
from sqlalchemy.engine import Engine

from kiosk import catalogue as catalogue_mod
from sync.coordinator import manual, texts
from sync.coordinator.kiosks import Kiosk, list_kiosks
from sync.coordinator.schema import counts, day_revisions, month_counts
from sync.coordinator.schema import month_days as month_days_table

from .expected import DayCounts, OpenDays, count_days, open_weekdays
from .periods import Period, year_period

if TYPE_CHECKING:
    from .extras import Section


def category_ids() -> tuple[str, ...]:
    return catalogue_mod.load().ids


def category_label(category_id: str) -> str:
    try:
        return catalogue_mod.load().get(category_id).label["fr"]
    except KeyError:
        return category_id


def category_heading(category_id: str) -> str:
    """The label without its examples, for a column heading."""
    return category_label(category_id).split(" (")[0].split(" :")[0]


def category_thematique(category_id: str) -> str:
    """The national thématiques (La Coop de la médiation numérique) this category maps to."""
    try:
        names = catalogue_mod.load().get(category_id).coop_thematiques
    except KeyError:
        return ""
    return " / ".join(names) if names else "—"


@dataclass
class PeriodStats:
    """Everything the statistics page shows for one period (and optional commune)."""

    period: Period
    commune: str | None
    kiosks: dict[int, Kiosk]
    by_kiosk: dict[int, dict[str, int]]  # kiosk id -> category -> count
    day_totals: dict[tuple[int, dt.date], int]  # (kiosk id, day) -> visits, reported days only
    open_days: dict[int, OpenDays] = field(default_factory=dict)  # from the kiosks' hours

    @property
    def category_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(category_ids(), 0)
        for per_cat in self.by_kiosk.values():
            for cat, n in per_cat.items():
                totals[cat] = totals.get(cat, 0) + n
        return totals

    @property
    def total(self) -> int:
        return sum(self.category_totals.values())

    @property
    def by_commune(self) -> dict[str, dict[str, int]]:
        """Commune -> category -> count, for communes with at least one reported day."""
        reporting = {kid for kid, _ in self.day_totals}
        result: dict[str, dict[str, int]] = {}
        for kid in sorted(reporting | set(self.by_kiosk), key=lambda k: self.kiosks[k].commune):
            commune = self.kiosks[kid].commune
            row = result.setdefault(commune, dict.fromkeys(category_ids(), 0))
            for cat, n in self.by_kiosk.get(kid, {}).items():
                row[cat] = row.get(cat, 0) + n
        return dict(sorted(result.items()))

    @property
    def months(self) -> list[tuple[dt.date, int | None]]:
        """(first day of month, visits) for each month of the period; None = no data at all."""
        sums: dict[tuple[int, int], int] = {}
        for (_, day), n in self.day_totals.items():
            key = (day.year, day.month)
            sums[key] = sums.get(key, 0) + n
        result = []
        month = dt.date(self.period.start.year, self.period.start.month, 1)
        while month <= self.period.end:
            result.append((month, sums.get((month.year, month.month))))
            month = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        return result

    @property
    def weekdays(self) -> list[tuple[str, int, int]]:
        """(weekday name, visits, reported kiosk-days) from Monday to Sunday."""
        visits = [0] * 7
        reported = [0] * 7
        for (_, day), n in self.day_totals.items():
            visits[day.weekday()] += n
            reported[day.weekday()] += 1
        return list(zip(texts.WEEKDAYS, visits, reported, strict=True))

    def coverage(self, today: dt.date) -> list[KioskCoverage]:
        """Per kiosk: days with visits, held with zero visitors, closed by its hours, and
        expected open without data (expected.py), up to `today` (the caller's clock)."""
        last = min(self.period.end, today)
        reported: dict[int, dict[dt.date, int]] = defaultdict(dict)
        for (kid, day), n in self.day_totals.items():
            reported[kid][day] = n
        result = []
        for kid, info in self.kiosks.items():
            first = self.period.start
            if info.created_at is not None:
                first = max(first, info.created_at.date())
            until = last
            if info.revoked_at is not None:
                until = min(until, info.revoked_at.date())
            own = reported.get(kid, {})
            if until < first and not own:
                continue  # the kiosk did not exist (or was revoked) during the period
            days = count_days(first, until, own, self.open_days.get(kid))
            # every reported day counts, even one before the kiosk's recorded creation
            with_visits = sum(1 for n in own.values() if n > 0)
            result.append(KioskCoverage(info, with_visits, len(own) - with_visits,
                                        days.open_no_data, days))
        return result


@dataclass(frozen=True)
class KioskCoverage:
    kiosk: Kiosk
    days_with_visits: int
    days_zero: int  # the kiosk reported the day, and nobody came
    days_no_data: int  # an expected opening day, nothing received: switched off or offline
    days: DayCounts = DayCounts()  # the detail: closed days, silences, hours known

    @property
    def days_closed(self) -> int:
        return self.days.closed


def _kiosk_filter(column, kiosk_ids: list[int] | None) -> list:
    # Filtering by kiosk id spares a join per count row; a commune has a handful of kiosks.
    return [] if kiosk_ids is None else [column.in_(kiosk_ids)]


def period_stats(engine: Engine, period: Period, commune: str | None = None) -> PeriodStats:
    """Three grouped queries over the period's days only, so history length does not matter.

    Per (kiosk, category) and per (kiosk, day) from `counts`, and the reported days from
    `day_revisions` (a day reported with no visitor has a revision but sums to zero).
    """
    all_kiosks = {k.id: k for k in list_kiosks(engine) if not commune or k.commune == commune}
    ids = sorted(all_kiosks) if commune else None
    in_period = [counts.c.day >= period.start, counts.c.day <= period.end]
    by_kiosk: dict[int, dict[str, int]] = defaultdict(dict)
    day_totals: dict[tuple[int, dt.date], int] = {}
    with engine.connect() as conn:
        query = (
            select(counts.c.kiosk_id, counts.c.category, func.sum(counts.c.count))
            .where(*in_period, *_kiosk_filter(counts.c.kiosk_id, ids))
            .group_by(counts.c.kiosk_id, counts.c.category)
        )
        for kid, cat, n in conn.execute(query):
            by_kiosk[kid][cat] = int(n or 0)
        query = (
            select(day_revisions.c.kiosk_id, day_revisions.c.day)
            .where(day_revisions.c.day >= period.start, day_revisions.c.day <= period.end,
                   *_kiosk_filter(day_revisions.c.kiosk_id, ids))
        )
        for kid, day in conn.execute(query):
            day_totals[(kid, day)] = 0
        query = (
            select(counts.c.kiosk_id, counts.c.day, func.sum(counts.c.count))
            .where(*in_period, *_kiosk_filter(counts.c.kiosk_id, ids))
            .group_by(counts.c.kiosk_id, counts.c.day)
        )
        for kid, day, n in conn.execute(query):
            day_totals[(kid, day)] = int(n or 0)
    known = set(all_kiosks)  # counts of a kiosk deleted from the table are not shown
    return PeriodStats(
        period, commune or None, all_kiosks,
        {k: v for k, v in by_kiosk.items() if k in known},
        {key: n for key, n in day_totals.items() if key[0] in known},
        open_weekdays(engine, sorted(known)),
    )


Coverage = dict[int, list[int]]  # year -> 12 kiosk-day counts
CommuneMonths = dict[int, dict[str, list[dict[str, int]]]]  # year -> commune -> 12 x category -> count


@dataclass
class AnnualReport:
    year: int
    commune: str | None
    months: list[dict[str, int]]  # 12 x category -> count
    months_reported: list[bool]  # was any day of that month reported?
    previous_months: list[int]  # 12 totals of the previous year
    communes: dict[str, tuple[int, int]]  # commune -> (this year, previous year)
    category_totals: dict[str, int]
    previous_category_totals: dict[str, int]
    # commune -> year -> 12 kiosk-days received: what "Évolution" may compare (evolution.py)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    today: dt.date = dt.date.max  # the day the report was made: later months are "to come"
    # Workshops and exit answers of the year, apart from the visits (reports/extras.py).
    extras: Section | None = None
    # The paper tallies lying wholly in the year: shown apart, never summed (manual.RULE).
    manual: list[manual.ManualEntry] = field(default_factory=list)
    # Reads the two years in detail (commune_months) when first asked.
    detail: Callable[[], CommuneMonths] | None = field(default=None, repr=False, compare=False)

    @property
    def total(self) -> int:
        return sum(self.category_totals.values())

    @property
    def previous_total(self) -> int:
        return sum(self.previous_category_totals.values())

    @cached_property
    def commune_months(self) -> CommuneMonths:
        """Year -> commune -> 12 x category -> count, this year and the previous one, every
        commune of the network: disclosure control hides cells consistently across them.

        Read when first asked: only a report with its small cells hidden needs the previous
        year in this detail, and reading it was most of what an older year cost the report.
        """
        return self.detail() if self.detail else {}


def trend(current: int, previous: int) -> float | None:
    """Change against the previous year in percent; None when there is nothing to compare."""
    if not previous:
        return None
    return round(100 * (current - previous) / previous, 1)


def annual_report(engine: Engine, year: int, commune: str | None = None,
                  today: dt.date | None = None) -> AnnualReport:
    """Yearly totals, month by month, per commune, against the previous year.

    The year's months are read once, summed by kiosk and category (`month_grid`), and every
    figure of the year comes from that grid. The previous year only gives totals (per month
    and kiosk, per category: `year_totals`), so the comparison costs a fraction of the year
    itself; its full detail is read only if disclosure control asks (`commune_months`).
    """
    year_period(year)
    kiosk_list = list_kiosks(engine)
    commune_of = {k.id: k.commune for k in kiosk_list}
    ids = {k.id for k in kiosk_list if k.commune == commune} if commune else None
    grid = month_grid(engine, (year,))
    days = month_days(engine, (year - 1, year))
    months = [dict.fromkeys(category_ids(), 0) for _ in range(12)]
    cats = dict.fromkeys(category_ids(), 0)
    per_commune: dict[str, list[int]] = {}
    for month, per_kiosk in enumerate(grid[year]):
        for kid, per_cat in per_kiosk.items():
            if ids is not None and kid not in ids:
                continue
            if kid in commune_of:
                per_commune.setdefault(commune_of[kid], [0, 0])[0] += sum(per_cat.values())
            for cat, n in per_cat.items():
                months[month][cat] = months[month].get(cat, 0) + n
                cats[cat] = cats.get(cat, 0) + n
    before = year_totals(engine, year - 1, ids)
    for kid, n in before.kiosks.items():
        if kid in commune_of:
            per_commune.setdefault(commune_of[kid], [0, 0])[1] += n
    reported = [any(ids is None or kid in ids for kid in per_kiosk)
                for per_kiosk in days[year]]

    def detail() -> CommuneMonths:
        return _by_commune({**month_grid(engine, (year - 1,)), **grid}, commune_of)

    return AnnualReport(
        year=year,
        commune=commune or None,
        months=months,
        months_reported=reported,
        previous_months=before.months,
        communes={c: (v[0], v[1]) for c, v in sorted(per_commune.items())},
        category_totals=cats,
        previous_category_totals={**dict.fromkeys(category_ids(), 0), **before.categories},
        coverage=_coverage(days, commune_of),
        today=today or dt.date.today(),
        extras=_extras(engine, dt.date(year, 1, 1), dt.date(year, 12, 31), commune),
        manual=manual.entries_within(engine, year_period(year), commune or None),
        detail=detail,
    )


def _extras(engine: Engine, start: dt.date, end: dt.date, commune: str | None) -> Section:
    # Imported here: reports/extras.py words its rows with this module's labels.
    from .extras import section

    return section(engine, start, end, commune)


Grid = dict[int, list[dict[int, dict[str, int]]]]  # year -> 12 x kiosk -> category -> count


def _year_query(table, *columns):
    """The month's index (0-11) and `columns` of a month rollup's rows in a year (:first,
    :after). The index comes from the database: parsing ten thousand dates in Python was a
    third of the read."""
    index = cast(extract("month", table.c.month), Integer) - 1
    return select(index, *columns).where(table.c.month >= bindparam("first"),
                                         table.c.month < bindparam("after"))


def _year_bounds(year: int) -> dict[str, dt.date]:
    return {"first": dt.date(year, 1, 1), "after": dt.date(year + 1, 1, 1)}


def month_grid(engine: Engine, years) -> Grid:
    """Per year, per month: kiosk -> category -> count, over the whole network.

    Read from `month_counts`, which database triggers keep equal to the counts summed by
    month (migration 0012): one query per year returns a few thousand rows however long the
    history, where grouping the raw counts scanned the year's ~200k rows.
    """
    query = _year_query(month_counts, month_counts.c.kiosk_id, month_counts.c.category,
                        month_counts.c.count)
    result: Grid = {}
    with engine.connect() as conn:
        for year in sorted(years):
            months: list[dict[int, dict[str, int]]] = [{} for _ in range(12)]
            for month, kid, cat, n in conn.execute(query, _year_bounds(year)).all():
                per_kiosk = months[month]
                if kid in per_kiosk:
                    per_kiosk[kid][cat] = n
                else:
                    per_kiosk[kid] = {cat: n}
            result[year] = months
    return result


@dataclass(frozen=True)
class YearTotals:
    months: list[int]  # 12 x visits
    kiosks: dict[int, int]  # kiosk -> visits
    categories: dict[str, int]  # category -> visits


def year_totals(engine: Engine, year: int, kiosk_ids=None) -> YearTotals:
    """A year's visits per month, per kiosk and per category (of `kiosk_ids` only, if given).

    What the annual report compares with: two grouped queries over `month_counts` send back
    about an eighth of the rows `month_grid` does (1,200 and 8 for 100 kiosks, against 9,600).
    Their rows are fetched at once and folded in one pass (stepping the cursor row by row
    into twelve dicts, folded again by the report, cost ~0.3 ms more of ~3.6).
    """
    bounds, scope = _year_bounds(year), _kiosk_filter(month_counts.c.kiosk_id, kiosk_ids)
    per_kiosk = (_year_query(month_counts, month_counts.c.kiosk_id, func.sum(month_counts.c.count))
                 .where(*scope).group_by(month_counts.c.month, month_counts.c.kiosk_id))
    per_category = (select(month_counts.c.category, func.sum(month_counts.c.count))
                    .where(month_counts.c.month >= bindparam("first"),
                           month_counts.c.month < bindparam("after"), *scope)
                    .group_by(month_counts.c.category))
    months, kiosks = [0] * 12, defaultdict(int)
    with engine.connect() as conn:
        for month, kid, n in conn.execute(per_kiosk, bounds).all():
            months[month] += n
            kiosks[kid] += n
        categories = {cat: int(n) for cat, n in conn.execute(per_category, bounds).all()}
    return YearTotals([int(n) for n in months], {k: int(n) for k, n in kiosks.items()},
                      categories)


def month_days(engine: Engine, years) -> dict[int, list[dict[int, int]]]:
    """Per year, per month: kiosk -> days received (reported, even with no visitor), all
    installs together; read from the `month_days` rollup, kept by triggers like month_counts."""
    query = _year_query(month_days_table, month_days_table.c.kiosk_id, month_days_table.c.days)
    result: dict[int, list[dict[int, int]]] = {}
    with engine.connect() as conn:
        for year in sorted(years):
            months: list[dict[int, int]] = [{} for _ in range(12)]
            for month, kid, n in conn.execute(query, _year_bounds(year)).all():
                months[month][kid] = n
            result[year] = months
    return result


def _coverage(days: dict[int, list[dict[int, int]]],
              kiosk_commune: dict[int, str]) -> dict[str, Coverage]:
    """Per commune, per year, per month: the kiosk-days received."""
    result: dict[str, Coverage] = defaultdict(lambda: {y: [0] * 12 for y in days})
    for year, per_month in days.items():
        for month, per_kiosk in enumerate(per_month):
            for kid, n in per_kiosk.items():
                if kid in kiosk_commune:
                    result[kiosk_commune[kid]][year][month] += n
    return dict(result)


def _by_commune(grid: Grid, commune_of: dict[int, str]) -> CommuneMonths:
    cats = category_ids()
    result = {y: {c: [dict.fromkeys(cats, 0) for _ in range(12)]
                  for c in sorted(set(commune_of.values()))} for y in sorted(grid)}
    for year, per_month in grid.items():
        for month, per_kiosk in enumerate(per_month):
            for kid, per_cat in per_kiosk.items():
                if kid not in commune_of:
                    continue
                row = result[year][commune_of[kid]][month]
                for cat, n in per_cat.items():
                    if cat in row:
                        row[cat] += n
    return result


def commune_months(engine: Engine, years) -> CommuneMonths:
    """Per year, per commune of the network: 12 x category -> count.

    The whole network whatever page asks, so that the hidden cells of a quarter, a month and
    the year are chosen from the same figures by every report that shows them.
    """
    return _by_commune(month_grid(engine, years), {k.id: k.commune for k in list_kiosks(engine)})
