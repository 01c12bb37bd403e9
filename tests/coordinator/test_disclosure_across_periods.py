"""Small-cell suppression holds across the quarterly tables and the annual report (issue 13,
item 13): the published year of a commune minus its three published quarters (or a quarter
minus its published months) must never give back a hidden cell.

The attack is played on what the reports publish (quarter_table, annual_cells, the XLSX),
then random small networks check every linear relation between the year's cells.
"""

from __future__ import annotations

import datetime as dt
import random

import dashboard_seed as seed
from openpyxl import load_workbook

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import reports, texts
from sync.coordinator.reports.disclosure import suppress_year, year_groups

THRESHOLD = 5
COLUMNS = [*CATEGORY_IDS, "total"]
MONTHS_OF = {q: [3 * q - 2, 3 * q - 1, 3 * q] for q in range(1, 5)}


def network_with_one_small_quarter(engine):
    """Three communes; Bernin has 2 visits in Q4 2026 only, busy quarters before."""
    for commune in ("Bernin", "Crolles", "Pontcharra"):
        seed.add_kiosk(engine, commune, commune, dt.date(2025, 1, 1))
    busy = {"service_public": 9, "autre": 7}
    for commune in ("Crolles", "Pontcharra"):
        seed.put_days(engine, commune, {dt.date(2026, m, 5): busy for m in range(1, 13)})
    seed.put_days(engine, "Bernin", {
        dt.date(2026, 2, 3): {"service_public": 30, "autre": 11},
        dt.date(2026, 5, 3): {"service_public": 40, "autre": 12},
        dt.date(2026, 8, 3): {"service_public": 50, "autre": 13},
        dt.date(2026, 10, 3): {"autre": 2},  # the small quarter
        # A small month in a published quarter: January hidden, the quarter shown.
        dt.date(2026, 1, 20): {"imprimante_scan": 2},
        dt.date(2026, 3, 20): {"imprimante_scan": 20},
    })


def published(engine) -> dict:
    """(commune, period, column) -> what the reports show: an int, or a string when hidden.
    Periods: "Q1".."Q4" from the quarterly tables, "M1".."M12" and "Y" from the annual."""
    shown = {}
    for q in range(1, 5):
        table = reports.quarter_table(engine, f"2026-Q{q}", suppress_below=THRESHOLD)
        for sheet in table.sheets:
            if not sheet.network:
                for row in sheet.rows:
                    shown[(sheet.title, f"Q{q}", row.category)] = row.count
                shown[(sheet.title, f"Q{q}", "total")] = sheet.total
    whole = reports.annual_cells(reports.annual_report(engine, 2026), THRESHOLD)
    for commune, cells in whole.communes.items():
        if commune is not reports.NETWORK:
            shown[(commune, "Y", "total")] = cells["cur"].shown()
    for commune in ("Bernin", "Crolles", "Pontcharra"):
        own = reports.annual_cells(reports.annual_report(engine, 2026, commune), THRESHOLD)
        for m in range(12):
            for col in COLUMNS:
                shown[(commune, f"M{m + 1}", col)] = own.months[texts.MONTHS[m]][col].shown()
        for col in COLUMNS:
            year = own.months[reports.NETWORK][col].shown()
            # the commune's page and the network's page agree on the commune's year
            assert shown.setdefault((commune, "Y", col), year) == year
    return shown


def recover(parts: list, whole) -> int | None:
    """What subtracting gives back: the one hidden term of `sum(parts) == whole`, if only
    one of them is hidden."""
    terms = [*parts, whole]
    hidden = [i for i, v in enumerate(terms) if isinstance(v, str)]
    if len(hidden) != 1:
        return None
    if hidden[0] == len(parts):
        return sum(parts)
    return whole - sum(v for v in parts if not isinstance(v, str))


def test_year_minus_three_quarters_gives_nothing_back(engine):
    network_with_one_small_quarter(engine)
    shown = published(engine)
    assert shown[("Bernin", "Q4", "total")] == "< 5"  # the small quarter is hidden
    assert shown[("Bernin", "Q4", "autre")] == "< 5"
    assert shown[("Bernin", "M1", "imprimante_scan")] == "< 5"  # and the small month
    for commune in ("Bernin", "Crolles", "Pontcharra"):
        for col in COLUMNS:
            quarters = [shown[(commune, f"Q{q}", col)] for q in range(1, 5)]
            year = shown[(commune, "Y", col)]
            assert recover(quarters, year) is None, (commune, col, quarters, year)
            for q, months in MONTHS_OF.items():
                parts = [shown[(commune, f"M{m}", col)] for m in months]
                assert recover(parts, shown[(commune, f"Q{q}", col)]) is None, (commune, col, q)
    # whatever is shown is the true figure: Bernin's year, or its quarters, are hidden
    assert shown[("Crolles", "Y", "total")] == 12 * 16


def test_annual_xlsx_hides_what_the_quarters_need(engine, tmp_path):
    network_with_one_small_quarter(engine)
    report = reports.annual_report(engine, 2026)
    sheet = reports.annual_workbook(report, THRESHOLD)["Par commune"]
    bernin = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "Bernin")
    year = sheet.cell(bernin, 2).value
    quarters = []
    for q in range(1, 5):
        out = reports.write_report(engine, f"2026-Q{q}", "xlsx", tmp_path / f"q{q}.xlsx",
                                   suppress_below=THRESHOLD)
        ws = load_workbook(out)["Bernin"]
        total = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == texts.TOTAL)
        quarters.append(ws.cell(total, 3).value)
    assert quarters[3] == "< 5"
    assert recover(quarters, year) is None, (quarters, year)


def random_network(rng: random.Random) -> dict[str, list[dict[str, int]]]:
    communes = {}
    for i in range(rng.randint(1, 4)):
        months = []
        for _ in range(12):
            months.append({c: rng.choice([0, 0, 0, 1, 2, 3, 4, 6, 9, 15])
                           for c in rng.sample(CATEGORY_IDS, rng.randint(0, 3))})
        communes[f"C{i}"] = months
    return communes


def test_random_networks_leave_no_group_with_one_hidden_cell():
    rng = random.Random(13)
    hidden_seen = secondary_seen = 0
    for _ in range(150):
        months = random_network(rng)
        cube = suppress_year(months, THRESHOLD)
        for group in year_groups(cube):
            assert sum(c.value for c in group[:-1]) == group[-1].value  # a true relation
            assert sum(bool(c.hidden) for c in group) != 1, [
                (c.value, c.hidden) for c in group]
        for series in cube.values():
            for cells in series.values():
                for cell in cells.values():
                    if 0 < cell.value < THRESHOLD:
                        assert cell.hidden == f"< {THRESHOLD}"
                    hidden_seen += bool(cell.hidden)
                    secondary_seen += cell.hidden == reports.SECONDARY_MARK
    # the draws did exercise both kinds of suppression
    assert hidden_seen > 1000 and secondary_seen > 100


def test_the_same_figures_hide_the_same_cells():
    rng = random.Random(7)
    months = random_network(rng)
    first = suppress_year(months, THRESHOLD)
    again = suppress_year(dict(reversed(list(months.items()))), THRESHOLD)
    for row, series in first.items():
        for key, cells in series.items():
            for col, cell in cells.items():
                assert again[row][key][col] == cell, (row, key, col)


def test_json_is_never_an_anonymised_file(engine, tmp_path):
    network_with_one_small_quarter(engine)
    target = tmp_path / "q4.json"
    try:
        reports.write_report(engine, "2026-Q4", "json", target, suppress_below=THRESHOLD)
    except reports.ReportError as exc:
        assert "csv or xlsx" in str(exc)
    else:
        raise AssertionError("an exact table went out as if anonymised")
    assert not target.exists()
