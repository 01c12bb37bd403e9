"""Reports over a seeded database, every figure cross-checked with plain SQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys

import pytest
from dashboard_helpers import sql_totals
from openpyxl import load_workbook
from sqlalchemy import text

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import reports

Q4 = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def per_kiosk_sql(engine, start, end) -> dict[tuple[str, str], int]:
    query = text("SELECT k.name, c.category, SUM(c.count) FROM counts c JOIN kiosks k "
                 "ON k.id = c.kiosk_id WHERE c.day BETWEEN :a AND :b GROUP BY 1, 2")
    with engine.connect() as conn:
        return {(k, c): int(n) for k, c, n in conn.execute(query, {"a": start, "b": end})}


def test_json_matches_the_database(network):
    out = io.StringIO()
    reports.write_quarter(network, "2026-Q4", "json", out)
    data = json.loads(out.getvalue())
    assert data["quarter"] == "2026-Q4"
    expected = per_kiosk_sql(network, *Q4)
    got = {(r["kiosk"], r["category"]): r["count"] for r in data["rows"]}
    assert got == expected
    assert data["total"] == sum(expected.values()) == sum(r["count"] for r in data["rows"])
    assert {r["commune"] for r in data["rows"]} == {"Crolles", "Pontcharra", "Froges"}
    assert set(data["rows"][0]) == {"commune", "kiosk", "category", "count"}
    # every reporting kiosk has all eight categories, zeros included, in catalogue order
    assert [r["category"] for r in data["rows"][:8]] == list(CATEGORY_IDS)


def test_json_of_an_empty_quarter(network, tmp_path):
    out = reports.write_report(network, "2024-Q1", "json", tmp_path / "q.json")
    assert json.loads(out.read_text()) == {"quarter": "2024-Q1", "rows": [], "total": 0}


def test_csv_for_french_excel(network, tmp_path):
    path = reports.write_report(network, "2026-Q4", "csv", tmp_path / "q.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["trimestre", "commune", "catégorie", "thématique nationale", "nombre", "%",
                       "source"]
    by_commune = sql_totals(network, *Q4, by="commune")
    totals = {r[1]: int(r[4]) for r in rows[1:] if r[2] == "Total"}
    network_label = str(reports.NETWORK)
    assert totals[network_label] == sum(by_commune.values())
    assert {k: v for k, v in totals.items() if k != network_label} == by_commune
    label = reports.category_label("service_public")
    line = next(r for r in rows if r[1] == "Crolles" and r[2] == label)
    assert line[3] == "Aide aux démarches administratives"
    share = 100 * sql_totals(network, *Q4, by="commune_category")["Crolles|service_public"]
    assert line[5] == f"{share / by_commune['Crolles']:.1f}".replace(".", ",")


def test_xlsx_one_sheet_per_commune(network, tmp_path):
    path = reports.write_report(network, "2026-Q4", "xlsx", tmp_path / "q.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Synthèse", "Réseau", "Crolles", "Froges", "Pontcharra",
                             "Année en cours"]
    cells = sql_totals(network, *Q4, by="commune_category")
    for commune in ["Crolles", "Froges", "Pontcharra"]:
        ws = wb[commune]
        assert [ws.cell(row=4, column=c).value for c in range(1, 5)] == [
            "Catégorie", "Thématique nationale", "Nombre", "%"]
        for i, cat in enumerate(CATEGORY_IDS, start=5):
            assert ws.cell(row=i, column=1).value == reports.category_label(cat)
            assert ws.cell(row=i, column=3).value == cells.get(f"{commune}|{cat}", 0)
        total = sum(v for k, v in cells.items() if k.startswith(commune + "|"))
        assert ws.cell(row=13, column=1).value == "Total"
        assert ws.cell(row=13, column=3).value == total
        share = ws.cell(row=5, column=4)
        assert share.number_format == "0.0%"
        assert share.value == pytest.approx(round(100 * cells[f"{commune}|service_public"]
                                                  / total, 1) / 100)
    assert wb["Réseau"].cell(row=13, column=3).value == sum(cells.values())


def test_commune_without_data_says_so(network, tmp_path):
    import dashboard_seed as seed

    seed.add_kiosk(network, "Goncelin", "Goncelin", dt.date(2026, 10, 15))
    wb = load_workbook(reports.write_report(network, "2026-Q4", "xlsx", tmp_path / "q.xlsx"))
    assert "Aucune donnée reçue" in wb["Goncelin"]["A5"].value
    rows = reports.quarter_json(network, "2026-Q4")["rows"]
    assert "Goncelin" not in {r["kiosk"] for r in rows}  # no invented zeros


def test_small_cells_are_hidden_and_not_recoverable(network, tmp_path):
    table = reports.quarter_table(network, "2026-Q4", suppress_below=5)
    cells = sql_totals(network, *Q4, by="commune_category")
    froges = next(s for s in table.sheets if s.title == "Froges")
    assert froges.total == "< 5"
    by_cat = {r.category: r.count for r in froges.rows}
    assert by_cat["autre"] == "< 5" and by_cat["imprimante_scan"] == "< 5"
    assert by_cat["service_public"] == 0  # a zero reveals nobody
    # every shown figure is the true one; no row or column has exactly one hidden cell
    matrix = {}
    for sheet in table.sheets:
        for row in sheet.rows:
            if isinstance(row.count, int) and not sheet.network:
                assert row.count == cells.get(f"{sheet.title}|{row.category}", 0)
        matrix[sheet.title] = [r.count for r in sheet.rows] + [sheet.total]
    for values in matrix.values():
        assert sum(isinstance(v, str) for v in values) != 1
    for column in zip(*matrix.values(), strict=True):
        assert sum(isinstance(v, str) for v in column) != 1
    wb = load_workbook(reports.write_report(network, "2026-Q4", "xlsx", tmp_path / "s.xlsx",
                                            suppress_below=5))
    assert wb["Froges"]["C13"].value == "< 5"
    assert any("masqué" in str(c.value) for c in wb["Froges"]["A"])


@pytest.mark.parametrize(("quarter", "fmt", "message"), [
    ("2026-Q5", "json", "not a quarter"),
    ("2026-Q4", "pdf", "unknown format"),
    ("٢٠٢٦-Q4", "csv", "not a quarter"),
    ("2026-Q²", "xlsx", "not a quarter"),
])
def test_bad_requests(network, tmp_path, quarter, fmt, message):
    with pytest.raises(reports.ReportError, match=message):
        reports.write_report(network, quarter, fmt, tmp_path / "q")
    assert not (tmp_path / "q").exists()


def test_unwritable_output(network, tmp_path):
    with pytest.raises(reports.ReportError, match="cannot write"):
        reports.write_report(network, "2026-Q4", "csv", tmp_path / "missing" / "q.csv")


def test_cli_report(network, tmp_path):
    """The sync helper's `kiosk-coordinator report` prints the Contract JSON."""
    url = str(network.url)
    run = subprocess.run([sys.executable, "-m", "sync.coordinator.cli", "report", "--quarter",
                          "2026-Q4", "--format", "json", "--db", url],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["total"] == sum(sql_totals(network, *Q4).values())
    run = subprocess.run([sys.executable, "-m", "sync.coordinator.cli", "report", "--quarter",
                          "2026-Q4", "--format", "xlsx", "--db", url],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_annual_report(network, tmp_path):
    report = reports.annual_report(network, 2026)
    this = sql_totals(network, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    last = sql_totals(network, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert report.category_totals == {c: this.get(c, 0) for c in CATEGORY_IDS}
    assert report.previous_total == sum(last.values())
    march = sql_totals(network, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert sum(report.months[2].values()) == sum(march.values())
    assert report.months_reported[11] is False  # nothing received for December yet
    by_commune = sql_totals(network, dt.date(2026, 1, 1), dt.date(2026, 12, 31), by="commune")
    assert {c: v[0] for c, v in report.communes.items()} == by_commune
    wb = load_workbook(io.BytesIO(reports.workbook_bytes(reports.annual_workbook(report))))
    assert wb.sheetnames == ["Synthèse", "Par mois", "Par commune"]
    summary = wb["Synthèse"]
    assert summary["A12"].value == "Total" and summary["C12"].value == report.total
    assert summary["D12"].value == report.previous_total
    assert summary["E12"].value == "—" and summary["F12"].value  # unlike coverages: why
    assert wb["Par mois"]["J15"].value in ("aucune donnée", "à venir")
    assert wb["Par commune"]["A4"].value == "Crolles"
    assert wb["Par commune"]["B4"].value == by_commune["Crolles"]
    hidden = reports.annual_workbook(report, suppress_below=5)["Par commune"]
    assert hidden["B5"].value == "< 5"  # Froges, three visits in 2026


def test_trend():
    assert reports.trend(110, 100) == 10.0
    assert reports.trend(5, 0) is None


def test_annual_suppression_leaves_no_single_hidden_cell(network):
    report = reports.annual_report(network, 2026)
    cells = reports.annual_cells(report, 5)
    communes = cells.communes
    assert communes["Froges"]["cur"].hidden == "< 5"
    for column in ("cur", "prev"):
        assert sum(bool(row[column].hidden) for row in communes.values()) != 1
    for row in communes.values():  # every shown figure is the true one
        assert row["cur"].hidden or row["cur"].value == row["cur"].shown()
    months = cells.months
    for line in months.values():
        assert sum(bool(c.hidden) for c in line.values()) != 1
    for cat in [*CATEGORY_IDS, "total"]:
        assert sum(bool(months[m][cat].hidden) for m in months) != 1
    sheet = reports.annual_workbook(report, 5)["Par commune"]
    shown = [sheet.cell(row=r, column=2).value for r in range(4, 4 + len(communes))]
    assert shown.count("< 5") == 1 and sum(isinstance(v, str) for v in shown) >= 2
