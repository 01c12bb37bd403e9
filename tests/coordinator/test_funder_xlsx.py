"""The funder's quarterly XLSX: Synthèse first, figures cross-checked with plain SQL."""

from __future__ import annotations

import datetime as dt
import io
import json

import dashboard_seed as seed
from dashboard_helpers import LOGIN, PASSWORD, login, sql_totals
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import insert, text

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import reports, users
from sync.coordinator.schema import places

EXTRACTED = dt.date(2031, 1, 2)  # not today: the date comes from the caller
Q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
Q2 = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
Q3_2025 = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))


def _columns(ws, header_row: int) -> dict[str, int]:
    return {ws.cell(row=header_row, column=c).value: c for c in range(1, ws.max_column + 1)}


def _rows(ws, first: int) -> dict[str, list]:
    result = {}
    for row in ws.iter_rows(min_row=first, values_only=True):
        if row[0] is None:
            break
        result[row[0]] = list(row)
    return result


def _workbook(engine, tmp_path, quarter="2026-Q3", **kw):
    path = reports.write_report(engine, quarter, "xlsx", tmp_path / "q.xlsx", today=EXTRACTED,
                                **kw)
    return load_workbook(path)


def test_synthese_opens_the_workbook_and_adds_up(network, tmp_path):
    wb = _workbook(network, tmp_path)
    assert wb.sheetnames == ["Synthèse", "Réseau", "Crolles", "Froges", "Pontcharra",
                             "Année en cours"]
    assert wb.active.title == "Synthèse"
    ws = wb["Synthèse"]
    assert ws["A3"].value == "Extrait le 02/01/2031"
    cols = _columns(ws, 5)
    rows = _rows(ws, 6)
    cells = sql_totals(network, *Q3, by="commune_category")
    headings = [reports.category_heading(c) for c in CATEGORY_IDS]
    for commune in ("Crolles", "Pontcharra"):
        for cat, heading in zip(CATEGORY_IDS, headings, strict=True):
            assert rows[commune][cols[heading] - 1] == cells.get(f"{commune}|{cat}", 0)
        assert rows[commune][cols["Total T3 2026"] - 1] == sum(
            v for k, v in cells.items() if k.startswith(commune + "|"))
    assert rows["Total"][cols["Total T3 2026"] - 1] == sum(cells.values())
    for cat, heading in zip(CATEGORY_IDS, headings, strict=True):
        assert rows["Total"][cols[heading] - 1] == sum(
            v for k, v in cells.items() if k.endswith("|" + cat))
    # Froges started in September and reported only in October: no figure, not a zero
    assert rows["Froges"][cols["Total T3 2026"] - 1] == "—"
    # beside it: the previous quarter and the same quarter last year, from SQL
    for column, period in (("Total T2 2026", Q2), ("Total T3 2025", Q3_2025)):
        by_commune = sql_totals(network, *period, by="commune")
        for commune, total in by_commune.items():
            assert rows[commune][cols[column] - 1] == total
        assert rows["Total"][cols[column] - 1] == sum(by_commune.values())
    # days held: the kiosk-days with data, from SQL
    held = _days_held(network, *Q3)
    for commune in ("Crolles", "Pontcharra"):
        assert rows[commune][cols["Jours de permanence tenus"] - 1] == held[commune]
    assert rows["Total"][cols["Jours de permanence tenus"] - 1] == sum(held.values())


def _days_held(engine, start, end) -> dict[str, int]:
    query = text("SELECT k.commune, COUNT(*) FROM (SELECT DISTINCT kiosk_id, day FROM "
                 "day_revisions WHERE day BETWEEN :a AND :b) d JOIN kiosks k ON k.id = "
                 "d.kiosk_id GROUP BY 1")
    with engine.connect() as conn:
        return {c: int(n) for c, n in conn.execute(query, {"a": start, "b": end})}


def test_year_to_date_sheet(network, tmp_path):
    ws = _workbook(network, tmp_path)["Année en cours"]
    assert ws["A1"].value.endswith("du 01/01/2026 au 30/09/2026")
    assert ws["A2"].value == "Extrait le 02/01/2031"
    cols, rows = _columns(ws, 4), _rows(ws, 5)
    cells = sql_totals(network, dt.date(2026, 1, 1), Q3[1], by="commune_category")
    for commune in ("Crolles", "Froges", "Pontcharra"):
        for cat in CATEGORY_IDS:
            heading = reports.category_heading(cat)
            assert rows[commune][cols[heading] - 1] == cells.get(f"{commune}|{cat}", 0)
    assert rows["Total"][cols["Total"] - 1] == sum(cells.values())


def _opening(engine, kiosk: str, weekdays: dict) -> None:
    kid = seed.kiosk_id(engine, kiosk)
    with engine.begin() as conn:
        conn.execute(insert(places).values(
            kiosk_id=kid, name=kiosk, commune="x", place="", address="",
            hours=json.dumps(weekdays), by_appointment=False, booking="", categories="[]",
            changed_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)))


def _tuesdays(start: dt.date, end: dt.date) -> list[dt.date]:
    day = start + dt.timedelta(days=(1 - start.weekday()) % 7)
    result = []
    while day <= end:
        result.append(day)
        day += dt.timedelta(days=7)
    return result


def test_partial_marks(engine, tmp_path):
    """Complete, a missing opening day, a kiosk started in the period, a period in progress."""
    seed.add_kiosk(engine, "Bernin", "Bernin", dt.date(2025, 1, 1))
    seed.add_kiosk(engine, "Crolles", "Crolles", dt.date(2025, 1, 1))
    seed.add_kiosk(engine, "Goncelin", "Goncelin", dt.date(2026, 8, 18))
    for name in ("Bernin", "Crolles", "Goncelin"):
        _opening(engine, name, {"tuesday": ["09:00-12:00"]})
    tuesdays = _tuesdays(dt.date(2025, 7, 1), dt.date(2026, 12, 31))
    seed.put_days(engine, "Bernin", {d: {"autre": 3} for d in tuesdays if d <= dt.date(2026, 9, 30)})
    holes = {dt.date(2026, 5, 12), dt.date(2026, 5, 19)}  # Crolles silent two Tuesdays of Q2
    seed.put_days(engine, "Crolles", {d: {"autre": 2} for d in tuesdays
                                      if d <= dt.date(2026, 9, 30) and d not in holes})
    seed.put_days(engine, "Goncelin", {d: {} for d in tuesdays
                                       if dt.date(2026, 8, 18) <= d <= dt.date(2026, 9, 30)})
    wb = load_workbook(reports.write_report(engine, "2026-Q3", "xlsx", tmp_path / "a.xlsx",
                                            today=dt.date(2026, 10, 5)))
    ws = wb["Synthèse"]
    cols, rows = _columns(ws, 5), _rows(ws, 6)
    mark = {key: {q: row[cols[f"Données {q}"] - 1] for q in ("T3 2026", "T2 2026", "T3 2025")}
            for key, row in rows.items()}
    assert mark["Bernin"] == {"T3 2026": "complètes", "T2 2026": "complètes",
                              "T3 2025": "complètes"}
    assert mark["Crolles"]["T3 2026"] == "complètes"
    assert mark["Crolles"]["T2 2026"] == "partiel (2 j. d'ouverture sans données)"
    assert mark["Goncelin"]["T3 2026"].startswith("partiel (borne installée")
    assert mark["Goncelin"]["T2 2026"] == "—"  # no kiosk there yet
    assert mark["Total"]["T2 2026"].startswith("partiel")
    # Goncelin held every Tuesday from its start, with nobody: days held, zero visits
    assert rows["Goncelin"][cols["Jours de permanence tenus"] - 1] == 7
    assert rows["Goncelin"][cols["Total T3 2026"] - 1] == 0
    # the quarter in progress on the extraction day is partial whatever came in
    wb = load_workbook(reports.write_report(engine, "2026-Q4", "xlsx", tmp_path / "b.xlsx",
                                            today=dt.date(2026, 10, 5)))
    rows = _rows(wb["Synthèse"], 6)
    assert rows["Bernin"][cols["Données T3 2026"] - 1].startswith("partiel (en cours")


def test_hidden_cells_stay_hidden(network, tmp_path):
    wb = _workbook(network, tmp_path, quarter="2026-Q4", suppress_below=5)
    ws = wb["Synthèse"]
    cols, rows = _columns(ws, 5), _rows(ws, 6)
    headings = [reports.category_heading(c) for c in CATEGORY_IDS] + ["Total T4 2026"]
    matrix = {k: [r[cols[h] - 1] for h in headings] for k, r in rows.items() if k != "Total"}
    assert matrix["Froges"][-1] == "< 5"
    cells = sql_totals(network, *(dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
                       by="commune_category")
    for commune, values in matrix.items():
        assert sum(isinstance(v, str) for v in values) != 1
        for cat, value in zip(CATEGORY_IDS, values, strict=False):
            if isinstance(value, int):
                assert value == cells.get(f"{commune}|{cat}", 0)
    for column in zip(*matrix.values(), strict=True):
        assert sum(isinstance(v, str) for v in column) != 1
    year = wb["Année en cours"]
    cols, rows = _columns(year, 4), _rows(year, 5)
    headings = [reports.category_heading(c) for c in CATEGORY_IDS] + ["Total"]
    matrix = {k: [r[cols[h] - 1] for h in headings] for k, r in rows.items()
              if k and not k.startswith("«")}
    assert any(isinstance(v, str) for values in matrix.values() for v in values)
    for values in matrix.values():
        assert sum(isinstance(v, str) for v in values) != 1
    for column in zip(*matrix.values(), strict=True):
        assert sum(isinstance(v, str) for v in column) != 1


def test_formula_safe(engine, tmp_path):
    seed.add_kiosk(engine, "piège", '=HYPERLINK("http://x","y")', dt.date(2026, 1, 1))
    seed.put_day(engine, "piège", dt.date(2026, 8, 4), {"autre": 7})
    wb = _workbook(engine, tmp_path)
    names = [row[0] for row in wb["Synthèse"].iter_rows(min_row=6, values_only=True)]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("=") for v in row)


def test_dashboard_download_is_the_funder_workbook(app, network):
    users.create_user(network, LOGIN + "2", PASSWORD, role="commune", commune="Crolles")
    with TestClient(app) as client:
        assert login(client, LOGIN + "2").status_code == 303
        answer = client.get("/rapports/trimestre?trimestre=2026-Q3&format=xlsx")
    assert answer.status_code == 200
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb.sheetnames == ["Synthèse", "Crolles", "Année en cours"]
    rows = _rows(wb["Synthèse"], 6)
    assert set(rows) == {"Crolles"}  # a commune's reader sees her commune only
    assert wb["Synthèse"]["A3"].value.startswith("Extrait le ")
