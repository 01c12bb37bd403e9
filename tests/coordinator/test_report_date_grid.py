"""The coordinator's periods, quarterly table and annual report on the calendar's awkward days.

The same grid as tests/core/test_date_grid.py: a Sunday, both Europe/Paris DST switches of
2026, 31 December -> 1 January, 29 February 2028, the last day of a quarter. The reports
only ever see days (never times), so each day must land in its month, quarter and year,
and "today" is always passed in: nothing here reads the real date.
"""

from __future__ import annotations

import datetime as dt

import dashboard_seed as seed
import pytest

from sync.coordinator import reports

D = dt.date
#: One kiosk's reported days: the boundaries, each with its own number of visits.
DAYS = {
    D(2026, 3, 29): 1,  # spring switch (a Sunday)
    D(2026, 9, 30): 2,  # last day of Q3
    D(2026, 10, 1): 4,  # first day of Q4
    D(2026, 10, 25): 8,  # autumn switch (a Sunday)
    D(2026, 11, 29): 16,  # a Sunday
    D(2026, 12, 31): 32,  # last day of the year
    D(2027, 1, 1): 64,  # first day of the next
    D(2028, 2, 28): 128,
    D(2028, 2, 29): 256,  # leap day
    D(2028, 3, 1): 512,
}


@pytest.fixture
def grid(engine, paris):
    seed.add_kiosk(engine, "Crolles – mairie", "Crolles", D(2026, 1, 1))
    seed.put_days(engine, "Crolles – mairie", {day: {"autre": n} for day, n in DAYS.items()})
    return engine


def visits(start: dt.date, end: dt.date) -> int:
    return sum(n for day, n in DAYS.items() if start <= day <= end)


@pytest.mark.parametrize(("quarter", "start", "end", "label"), [
    ("2026-Q1", D(2026, 1, 1), D(2026, 3, 31), "1er trimestre 2026"),
    ("2026-Q3", D(2026, 7, 1), D(2026, 9, 30), "3e trimestre 2026"),
    ("2026-Q4", D(2026, 10, 1), D(2026, 12, 31), "4e trimestre 2026"),
    ("2027-Q1", D(2027, 1, 1), D(2027, 3, 31), "1er trimestre 2027"),
    ("2028-Q1", D(2028, 1, 1), D(2028, 3, 31), "1er trimestre 2028"),
])
def test_quarter_periods_and_their_tables(grid, quarter, start, end, label):
    period = reports.quarter_period(quarter)
    assert (period.start, period.end, period.label) == (start, end, label)
    table = reports.quarter_json(grid, quarter)
    assert table["quarter"] == quarter
    assert table["total"] == visits(start, end) > 0
    network = reports.quarter_table(grid, quarter).sheets[0]
    assert network.network and network.total == visits(start, end)


def test_months_and_years_have_their_real_length(grid):
    assert reports.month_period(2028, 2).days == 29
    assert reports.month_period(2027, 2).days == 28
    assert reports.month_period(2026, 12).end == D(2026, 12, 31)
    assert reports.year_period(2028).days == 366
    assert reports.year_period(2027).days == 365
    new_year = reports.range_period(D(2026, 12, 31), D(2027, 1, 1))
    assert new_year.days == 2
    assert reports.period_stats(grid, new_year).total == 32 + 64
    leap = reports.month_period(2028, 2)
    assert reports.period_stats(grid, leap).total == 128 + 256
    stats = reports.period_stats(grid, reports.month_period(2026, 3))
    assert stats.months == [(D(2026, 3, 1), 1)]
    assert dict((n, v) for n, v, _ in stats.weekdays)["dimanche"] == 1  # the switch's Sunday


@pytest.mark.parametrize(("start", "end", "today", "expected_days"), [
    (D(2026, 9, 1), D(2026, 9, 30), D(2026, 9, 30), 30),  # asked on a quarter's last day
    (D(2026, 10, 1), D(2026, 11, 29), D(2026, 11, 29), 31 + 29),  # asked on a Sunday
    (D(2026, 10, 1), D(2026, 12, 31), D(2026, 12, 31), 92),
    (D(2026, 10, 1), D(2026, 12, 31), D(2027, 1, 1), 92),  # no day beyond the period
    (D(2026, 1, 1), D(2026, 12, 31), D(2027, 1, 1), 365),
    (D(2028, 1, 1), D(2028, 3, 31), D(2028, 3, 1), 31 + 29 + 1),
    (D(2028, 1, 1), D(2028, 3, 31), D(2028, 4, 1), 91),
])
def test_coverage_counts_the_period_s_days_up_to_today(grid, start, end, today, expected_days):
    seed.add_kiosk(grid, "Froges", "Froges", D(2025, 6, 1))  # reported nothing
    stats = reports.period_stats(grid, reports.range_period(start, end))
    covered = {c.kiosk.name: c for c in stats.coverage(today=today)}
    reported = sum(1 for day in DAYS if start <= day <= end)
    mairie, froges = covered["Crolles – mairie"], covered["Froges"]
    assert (mairie.days_with_visits, mairie.days_zero) == (reported, 0)
    assert mairie.days_no_data == expected_days - reported
    assert (froges.days_with_visits, froges.days_no_data) == (0, expected_days)


def test_annual_report_puts_each_boundary_day_in_its_month_and_year(grid):
    report = reports.annual_report(grid, 2027)
    assert report.total == 64 and report.months[0]["autre"] == 64
    assert report.previous_total == visits(D(2026, 1, 1), D(2026, 12, 31))
    assert report.previous_months[10:] == [16, 32]  # November, December up to the 31st
    assert report.previous_months[2] == 1 and report.previous_months[9] == 4 + 8
    assert report.months_reported == [True] + [False] * 11

    leap = reports.annual_report(grid, 2028)
    assert leap.months[1]["autre"] == 128 + 256  # February holds its 29th
    assert leap.months[2]["autre"] == 512
    assert leap.previous_total == 64
    assert leap.communes == {"Crolles": (128 + 256 + 512, 64)}
