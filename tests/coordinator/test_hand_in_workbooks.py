"""Paper tallies in the annual XLSX and the funder's workbook: a block of their own under the
kiosks' figures, with the rule and their own total, never in the kiosks' totals; a commune's
file shows its own entries; an anonymised file gives each entry's total only."""

from __future__ import annotations

import datetime as dt
import io

import dashboard_seed as seed
from dashboard_helpers import sql_totals
from openpyxl import load_workbook

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import manual, reports, texts
from sync.coordinator.reports import hand
from sync.coordinator.reports.funder import funder_workbook

EXTRACTED = dt.date(2031, 1, 2)  # not today: the date comes from the caller
D = dt.date
BERNIN = {"service_public": 12, "autre": 3, "imprimante_scan": 4}  # no kiosk there: 19
CROLLES_JULY = {"service_public": 2, "recherche_emploi": 5}  # 7
FROGES_WEEK = {"autre": 2}  # under the threshold of 5
CROLLES_FEB = {"outil_numerique": 6}  # Q1: in the year to date, not in Q3's Synthèse
PONTCHARRA_OCT = {"viatrajectoire": 8}  # Q4: in the annual report only
ACROSS_YEARS = {"autre": 50}  # 2025-12-15 to 2026-01-15: inside no year, counted nowhere


def _add(engine, commune: str, start: dt.date, end: dt.date, counts: dict, note: str = ""):
    draft = manual.Draft(commune, start, end, {c: counts.get(c, 0) for c in CATEGORY_IDS}, note)
    manual.add_entry(engine, draft, "admin:test", seed.NOW)


def _tallies(engine) -> None:
    _add(engine, "Bernin", D(2026, 7, 1), D(2026, 9, 30), BERNIN, "relevé de la mairie")
    _add(engine, "Crolles", D(2026, 7, 1), D(2026, 7, 31), CROLLES_JULY, "borne en panne")
    _add(engine, "Froges", D(2026, 8, 3), D(2026, 8, 7), FROGES_WEEK)
    _add(engine, "Crolles", D(2026, 2, 1), D(2026, 2, 28), CROLLES_FEB)
    _add(engine, "Pontcharra", D(2026, 10, 1), D(2026, 10, 31), PONTCHARRA_OCT)
    _add(engine, "Crolles", D(2025, 12, 15), D(2026, 1, 15), ACROSS_YEARS)


def _values(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def _block(ws) -> list[tuple]:
    """The rows from the block's title to the rule, both included; [] when there is none."""
    rows = _values(ws)
    firsts = [r[0] for r in rows]
    if hand.TITLE not in firsts:
        return []
    start = firsts.index(hand.TITLE)
    return rows[start:firsts.index(manual.RULE, start) + 1]


def _without_block(ws) -> list[tuple]:
    """The sheet's non-empty rows but the block's: the kiosks' figures and the notes."""
    block = _block(ws)
    rows = _values(ws)
    if block:
        start = rows.index(block[0])
        rows = rows[:start] + rows[start + len(block):]
    trimmed = [tuple(_trim(list(r))) for r in rows]  # the block may widen the sheet
    return [r for r in trimmed if r]


def _trim(row: list) -> list:
    while row and row[-1] is None:
        row.pop()
    return row


def _annual(engine, year=2026, commune=None, threshold=None):
    report = reports.annual_report(engine, year, commune, today=seed.TODAY)
    data = reports.workbook_bytes(reports.annual_workbook(report, threshold))
    return load_workbook(io.BytesIO(data))


def _funder(engine, quarter="2026-Q3", commune=None, threshold=None):
    data = reports.workbook_bytes(funder_workbook(engine, quarter, EXTRACTED, threshold,
                                                  commune=commune))
    return load_workbook(io.BytesIO(data))


def _entry_totals(block: list[tuple], column: int) -> dict[str, object]:
    return {r[0]: r[column] for r in block if str(r[0]).startswith("Total saisi à la main,")}


def _kiosk_part(wb) -> dict[str, list[tuple]]:
    return {ws.title: _without_block(ws) for ws in wb.worksheets}


def test_annual_workbook_shows_the_years_tallies_apart_and_keeps_the_kiosk_totals(network):
    before = _kiosk_part(_annual(network))
    _tallies(network)
    wb = _annual(network)
    assert _kiosk_part(wb) == before  # every kiosk figure, every sheet: unchanged
    summary = wb["Synthèse"]
    kiosk_total = next(r for r in _values(summary) if r[0] == texts.TOTAL)
    assert kiosk_total[2] == sum(sql_totals(network, D(2026, 1, 1), D(2026, 12, 31)).values())
    block = _block(summary)
    assert block[0][0] == hand.TITLE and block[0][5] == "Source"
    totals = _entry_totals(block, 2)
    assert totals == {
        "Total saisi à la main, Bernin, du 01/07/2026 au 30/09/2026 (relevé de la mairie)": 19,
        "Total saisi à la main, Crolles, du 01/02/2026 au 28/02/2026": 6,
        "Total saisi à la main, Crolles, du 01/07/2026 au 31/07/2026 (borne en panne)": 7,
        "Total saisi à la main, Froges, du 03/08/2026 au 07/08/2026": 2,
        "Total saisi à la main, Pontcharra, du 01/10/2026 au 31/10/2026": 8}
    assert block[-2][0] == hand.TOTAL_ALL and block[-2][2] == 19 + 6 + 7 + 2 + 8
    assert all(r[5] == manual.MARK for r in block[1:-1])
    bernin = block[1:1 + len(CATEGORY_IDS)]  # its category rows, in the catalogue's order
    assert [r[2] for r in bernin] == [BERNIN.get(c, 0) for c in CATEGORY_IDS]
    assert [r[0] for r in bernin] == [reports.category_label(c) for c in CATEGORY_IDS]
    for ws in wb.worksheets[1:]:  # one block, under the summary
        assert _block(ws) == []


def test_annual_workbook_of_a_commune_and_of_a_year_without_tallies(network):
    _tallies(network)
    crolles = _block(_annual(network, commune="Crolles")["Synthèse"])
    assert list(_entry_totals(crolles, 2).values()) == [6, 7]  # not the one across two years
    assert crolles[-2][2] == 13
    assert _block(_annual(network, commune="Goncelin")["Synthèse"]) == []
    # 2025 holds only the entry that runs into 2026: nothing to show, not even a title
    wb = _annual(network, year=2025)
    assert all(manual.RULE not in [r[0] for r in _values(ws)] for ws in wb.worksheets)


def test_annual_workbook_anonymised_gives_each_entry_its_total_only(network):
    _tallies(network)
    block = _block(_annual(network, threshold=5)["Synthèse"])
    assert list(_entry_totals(block, 2).values()) == [19, 6, 7, "< 5", 8]
    assert len(block) == 1 + 5 + 1 + 1  # title, one line per entry, the total, the rule
    # 42 - 19 - 6 - 7 - 8 would give Froges' 2 back: the block's total is hidden too
    assert block[-2][:3] == (hand.TOTAL_ALL, None, texts.SECONDARY_MARK)


def test_annual_download_from_the_dashboard_carries_the_block(client, network):
    _tallies(network)
    answer = client.get("/rapports/annuel", params={"annee": "2026", "format": "xlsx",
                                                    "commune": "Crolles"})
    assert answer.status_code == 200
    block = _block(load_workbook(io.BytesIO(answer.content))["Synthèse"])
    assert block[-2][:3] == (hand.TOTAL_ALL, None, 13)


def _grid(block: list[tuple]) -> tuple[dict[str, int], dict[tuple, tuple]]:
    """The block's heading columns and its rows keyed by (commune, period)."""
    cols = {name: i for i, name in enumerate(block[1]) if name}
    rows = {(r[0], r[cols["Période"]]): r for r in block[2:-1]}
    return cols, rows


def test_funder_synthese_and_year_to_date_show_the_tallies_apart(network):
    before = _kiosk_part(_funder(network))
    _tallies(network)
    wb = _funder(network)
    assert _kiosk_part(wb) == before
    synthese = _block(wb["Synthèse"])
    cols, rows = _grid(synthese)
    headings = [reports.category_heading(c) for c in CATEGORY_IDS]
    assert list(cols)[:len(CATEGORY_IDS) + 2] == [texts.COMMUNE, *headings, texts.TOTAL]
    # the kiosks' table above has its columns in the same places
    assert [c.value for c in wb["Synthèse"][5]][:len(CATEGORY_IDS) + 1] == list(cols)[:9]
    assert set(rows) == {("Bernin", "du 01/07/2026 au 30/09/2026"),
                         ("Crolles", "du 01/07/2026 au 31/07/2026"),
                         ("Froges", "du 03/08/2026 au 07/08/2026"),
                         (hand.TOTAL_ALL, None)}
    bernin = rows["Bernin", "du 01/07/2026 au 30/09/2026"]
    assert [bernin[cols[h]] for h in headings] == [BERNIN.get(c, 0) for c in CATEGORY_IDS]
    assert bernin[cols[texts.TOTAL]] == 19 and bernin[cols["Note"]] == "relevé de la mairie"
    total = rows[hand.TOTAL_ALL, None]
    assert total[cols[texts.TOTAL]] == 19 + 7 + 2
    assert total[cols[reports.category_heading("service_public")]] == 12 + 2
    assert synthese[-1][0] == manual.RULE
    year = _block(wb["Année en cours"])
    cols, rows = _grid(year)
    assert {key[0] for key in rows} == {"Bernin", "Crolles", "Froges", hand.TOTAL_ALL}
    assert rows[hand.TOTAL_ALL, None][cols[texts.TOTAL]] == 19 + 7 + 2 + 6  # Feb, not Oct
    # the quarter's sheets keep their own block, the quarter's entries only
    assert _entry_totals(_block(wb["Réseau"]), 2) == _entry_totals(
        _block(_funder(network)["Réseau"]), 2)
    assert [r[2] for r in _block(wb["Crolles"]) if r[0] == hand.TOTAL_ALL] == [7]


def test_funder_workbook_of_a_commune_shows_its_own_tallies(network):
    _tallies(network)
    wb = _funder(network, commune="Crolles")
    _, rows = _grid(_block(wb["Synthèse"]))
    assert set(rows) == {("Crolles", "du 01/07/2026 au 31/07/2026"), (hand.TOTAL_ALL, None)}
    cols, rows = _grid(_block(wb["Année en cours"]))
    assert {key[0] for key in rows} == {"Crolles", hand.TOTAL_ALL}
    assert rows[hand.TOTAL_ALL, None][cols[texts.TOTAL]] == 6 + 7
    pontcharra = _funder(network, commune="Pontcharra")
    assert all(_block(ws) == [] for ws in pontcharra.worksheets)  # its tally is in Q4


def test_funder_workbook_anonymised_and_empty(network):
    _tallies(network)
    wb = _funder(network, threshold=5)
    cols, rows = _grid(_block(wb["Synthèse"]))
    headings = [reports.category_heading(c) for c in CATEGORY_IDS]
    assert all(row[cols[h]] == "—" for row in rows.values() for h in headings)
    assert {key[0]: row[cols[texts.TOTAL]] for key, row in rows.items()} == {
        "Bernin": 19, "Crolles": 7, "Froges": "< 5", hand.TOTAL_ALL: texts.SECONDARY_MARK}
    notes = [r[0] for r in _values(wb["Synthèse"])]
    assert notes.index(texts.suppression_note(5)) > notes.index(manual.RULE)
    # 2025-Q3: no entry in the quarter nor in 2025 up to September: no block anywhere
    empty = _funder(network, quarter="2025-Q3")
    assert all(_block(ws) == [] for ws in empty.worksheets)


def test_a_tally_cannot_plant_a_formula_in_either_workbook(network):
    _add(network, '=HYPERLINK("http://x","y")', D(2026, 8, 1), D(2026, 8, 31), {"autre": 9},
         "@SUM(A1)")
    funder, annual = _funder(network), _annual(network)
    for wb in (funder, annual):
        cells = [v for ws in wb.worksheets for r in _values(ws) for v in r if isinstance(v, str)]
        assert not any(c.startswith(("=", "@")) for c in cells)
    row = next(r for r in _block(funder["Synthèse"]) if "HYPERLINK" in str(r[0]))
    assert row[0] == "'=HYPERLINK(\"http://x\",\"y\")" and "'@SUM(A1)" in row
    assert 9 in row  # still the figure, beside its defused name
