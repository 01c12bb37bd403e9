"""The annual "Évolution": a percentage only between comparable periods, the same on the page
and in the XLSX (issue 14, point 1). Every date is fixed: `today` is passed explicitly."""

from __future__ import annotations

import datetime as dt
import io

import dashboard_seed as seed
import pytest
from dashboard_helpers import LOGIN, PASSWORD, login, tables_of
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from sync.coordinator import reports, texts, users


def _every_day(first: dt.date, last: dt.date, n: int = 2) -> dict:
    days, day = {}, first
    while day <= last:
        days[day] = {"autre": n}
        day += dt.timedelta(days=1)
    return days


@pytest.fixture
def two_communes(engine):
    """Allevard reports every day of 2024-2025; Bernin starts in June 2025."""
    users.create_user(engine, LOGIN, PASSWORD)
    seed.add_kiosk(engine, "Allevard", "Allevard", dt.date(2024, 1, 1))
    seed.add_kiosk(engine, "Bernin", "Bernin", dt.date(2025, 6, 1))
    seed.put_days(engine, "Allevard", _every_day(dt.date(2024, 1, 1), dt.date(2025, 12, 31)))
    seed.put_days(engine, "Bernin", _every_day(dt.date(2025, 6, 1), dt.date(2026, 12, 31), 3))
    return engine


def _table(engine, year, today, commune=None, threshold=None):
    report = reports.annual_report(engine, year, commune, today=today)
    return report, reports.evolution_table(report, reports.annual_cells(report, threshold))


def test_months_compare_only_with_the_same_coverage(two_communes):
    _, table = _table(two_communes, 2025, dt.date(2026, 3, 1))
    jan, june = table.months[0], table.months[5]
    assert jan.change == 0.0 and jan.reason == ""  # Allevard alone, every day, both years
    assert june.change is None  # Bernin joins: twice the kiosk-days of June 2024
    assert june.reason == texts.EVOLUTION_COVERAGE.format(cur=60, prev=30)
    total = table.categories[-1]
    assert total.change is None and total.reason == texts.EVOLUTION_COVERAGE_MONTHS
    communes = {line.label: line for line in table.communes}
    assert communes["Allevard"].change == reports.trend(365 * 2, 366 * 2)  # 2024 was leap
    assert communes["Bernin"].reason == texts.EVOLUTION_NO_DATA_IN.format(year=2024)
    assert communes["Bernin"].previous == texts.NO_DATA_SHORT  # not 0: nothing was received
    _, before = _table(two_communes, 2024, dt.date(2026, 3, 1))
    assert all(line.previous == texts.NO_DATA_SHORT for line in before.categories)


def test_a_year_that_starts_late_or_is_under_way_is_not_compared(two_communes):
    _, table = _table(two_communes, 2026, dt.date(2027, 1, 5), commune="Bernin")
    assert table.categories[-1].reason == "2025 commence en juin"
    assert table.months[0].previous == texts.NO_DATA_SHORT  # never 0 for a month without data
    assert table.months[6].change == 0.0  # July 2026 against July 2025: same days, same counts

    _, table = _table(two_communes, 2025, dt.date(2025, 11, 29))
    assert table.months[10].reason == texts.EVOLUTION_MONTH_RUNNING
    assert table.months[11].current == texts.TO_COME and table.months[11].reason == texts.TO_COME
    assert table.categories[-1].reason == "2025 en cours (données au 29/11/2025)"


def test_a_month_without_data_says_so(two_communes):
    _, table = _table(two_communes, 2026, dt.date(2027, 2, 1), commune="Allevard")
    assert all(line.current == texts.NO_DATA_SHORT for line in table.months)
    assert all(line.change is None and line.reason for line in table.months)


def test_change_text():
    assert reports.change_text(12.34) == "+12,3\u00a0%"
    assert reports.change_text(-16.4) == "−16,4\u00a0%"
    assert reports.change_text(0.0) == "0,0\u00a0%"
    assert reports.change_text(None) == "—"


def _xlsx_text(value, change: bool) -> str:
    if change and isinstance(value, (int, float)):
        return reports.change_text(round(100 * value, 1))
    return "" if value is None else str(value).replace("\u202f", "")


def _page_text(value: str) -> str:
    return value.replace("\u202f", "")


@pytest.mark.parametrize("masked", [False, True])
def test_the_page_and_the_xlsx_agree(app, two_communes, masked):
    """Every figure, change and reason of the three tables, cell by cell."""
    suffix = "&masquer=1&seuil=5" if masked else ""
    with TestClient(app) as client:
        assert login(client).status_code == 303
        tables = tables_of(client.get(f"/rapports/annuel?annee=2025{suffix}").text)
        wb = load_workbook(io.BytesIO(
            client.get(f"/rapports/annuel?annee=2025&format=xlsx{suffix}").content))
    pairs = [("table-synthese", "Synthèse", [1, 3, 4, 5, 6], 2),
             ("table-mois-annee", "Par mois", [1, 10, 11, 12, 13], 1),
             ("table-communes-annee", "Par commune", [1, 2, 3, 4, 5], 1)]
    for page_id, sheet, columns, skip in pairs:
        rows = tables[page_id][1:]
        ws = wb[sheet]
        for offset, row in enumerate(rows):
            on_page = [_page_text(row[0]), *[_page_text(c) for c in row[skip:]]]
            in_file = [_xlsx_text(ws.cell(row=4 + offset, column=c).value, i == 3)
                       for i, c in enumerate(columns)]
            assert on_page == in_file, (sheet, offset)
    assert any("—" in r[3] for r in tables["table-mois-annee"][1:])
    assert any("%" in r[3] for r in tables["table-mois-annee"][1:])


@pytest.mark.parametrize("text", ["2026-T3", "2026-q3", "2026-Q3", " 2026-t3 "])
def test_one_quarter_parser_reads_t_and_q(text):
    assert reports.normalise_quarter(text) == "2026-Q3"
    assert reports.quarter_period(text).start == dt.date(2026, 7, 1)


def test_refusals_on_french_pages_are_french(app, two_communes):
    with TestClient(app) as client:
        assert login(client).status_code == 303
        for path in ("/?periode=trimestre&trimestre=2026-T5", "/?periode=mois&mois=2026-13",
                     "/?periode=plage&du=2026-02-30&au=2026-03-01",
                     "/?periode=plage&du=2026-03-02&au=2026-03-01",
                     "/rapports/trimestre?trimestre=2026-X1", "/rapports/annuel?annee=20x6"):
            answer = client.get(path)
            assert answer.status_code == 400, path
            message = answer.text
            for english in (" is not ", " must ", "the end", " a range", "not a "):
                assert english not in message, (path, english)
            assert "refusé" in message or "n'est pas" in message, path
        quarter = client.get("/?periode=trimestre&trimestre=2025-t3")
        assert quarter.status_code == 200 and "3e trimestre 2025" in quarter.text
    with pytest.raises(reports.ReportError, match="not a quarter"):  # the CLI stays English
        reports.normalise_quarter("2026-T5")
