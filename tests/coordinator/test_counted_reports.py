"""Workshops and exit answers in every report, apart from the visits: the statistics page,
the quarterly CSV and XLSX, the annual page (its qualitative part) and XLSX, and the
`reports.extras` functions other report writers use. Fixed days, explicit periods."""

from __future__ import annotations

import csv
import datetime as dt
import io

import dashboard_seed as seed
import pytest
from dashboard_helpers import number, sql_totals, tables_of
from openpyxl import load_workbook

from sync.coordinator import reports
from sync.coordinator.ingest import ingest
from sync.protocol import CountsPush

INSTALL = "00000000-0000-4000-8000-0000000000aa"
Q4 = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def push(engine, kiosk: str, day: dt.date, workshops=None, exits=None) -> None:
    entry = {"day": day.isoformat(), "revision": 1, "counts": {}}
    entry.update({"workshops": workshops} if workshops else {})
    entry.update({"exits": exits} if exits else {})
    body = CountsPush.model_validate({
        "install_id": INSTALL, "sent_at": "2026-11-30T10:00:00+01:00", "clock_trusted": True,
        "catalogue_version": "1", "days": [entry]})
    ingest(engine, seed.kiosk_id(engine, kiosk), body,
           now=dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC))


@pytest.fixture
def counted(network):
    push(network, "Crolles – mairie", dt.date(2026, 10, 5),
         {"securite_numerique": {"sessions": 2, "participants": 13}},
         {"oui": 4, "un_peu": 1})
    push(network, "Crolles – médiathèque", dt.date(2026, 11, 2),
         {"securite_numerique": {"sessions": 1, "participants": 6},
          "outil_numerique": {"sessions": 1, "participants": 9}})
    push(network, "Pontcharra", dt.date(2026, 3, 9), None, {"non": 2, "oui": 1})
    return network


def test_the_functions_other_report_writers_use(counted):
    with counted.connect() as conn:
        workshops = reports.extras.workshops(conn, *Q4)
        exits = reports.extras.exit_answers(conn, *YEAR)
        crolles = reports.extras.workshops(conn, *YEAR, commune="Crolles")
        first_half = reports.extras.exit_answers(conn, dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert [(w.commune, w.theme, w.sessions, w.participants) for w in workshops] == [
        ("Crolles", "outil_numerique", 1, 9), ("Crolles", "securite_numerique", 3, 19)]
    assert workshops[1].label == reports.category_label("securite_numerique")
    assert crolles == workshops
    assert [(e.commune, e.answers, e.total) for e in exits] == [
        ("Crolles", {"oui": 4, "un_peu": 1, "non": 0}, 5),
        ("Pontcharra", {"oui": 1, "un_peu": 0, "non": 2}, 3)]
    assert [e.commune for e in first_half] == ["Pontcharra"]
    # An engine works as well as a connection.
    assert reports.extras.workshops(counted, *Q4) == workshops


def test_the_annual_report_shows_them_in_its_qualitative_part_apart_from_visits(counted,
                                                                                client):
    html = client.get("/rapports/annuel?annee=2026").text
    tables = tables_of(html)
    assert "Partie qualitative — Ateliers collectifs" in html
    assert number(tables["table-synthese"][-1][2]) == sum(sql_totals(counted, *YEAR).values())
    workshops = tables["table-ateliers"]
    assert ["Crolles", reports.category_label("securite_numerique"), "3", "19"] in workshops
    assert workshops[-1][-2:] == ["4", "28"]  # all themes, all communes
    avis = tables["table-avis"]
    assert ["Crolles", "4", "1", "0", "5"] in avis and ["Pontcharra", "1", "0", "2", "3"] in avis
    assert avis[-1] == ["Total", "5", "1", "2", "8"]
    only = tables_of(client.get("/rapports/annuel?annee=2026&commune=Pontcharra").text)
    assert "table-ateliers" not in only and only["table-avis"][-1][-1] == "3"

    wb = load_workbook(io.BytesIO(client.get("/rapports/annuel?annee=2026&format=xlsx").content))
    sheet = wb["Ateliers et avis"]
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["Crolles", reports.category_label("securite_numerique"), 3, 19] in values
    assert ["Pontcharra", 1, 0, 2, 3] in values


def test_the_quarterly_files_and_page_show_them_apart(counted, client):
    raw = client.get("/rapports/trimestre?trimestre=2026-Q4&format=csv").content
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    # The visits' totals are untouched by the section after them.
    totals = {r[1]: int(r[4]) for r in rows[1:] if r[2] == "Total"}
    assert totals[str(reports.NETWORK)] == sum(sql_totals(counted, *Q4).values())
    start = rows.index(["trimestre", "commune", "atelier collectif : thème", "", "ateliers",
                        "participants", "source"])
    label = reports.category_label("securite_numerique")
    assert ["2026-Q4", "Crolles", label, "", "3", "19", "borne"] in rows[start:]
    assert ["2026-Q4", "Réseau (toutes les communes)", "Tous les thèmes", "", "4", "28",
            "borne"] in rows
    assert ["2026-Q4", "Crolles", "Oui", "", "4", "", "borne"] in rows[start:]
    assert all(len(r) == 7 for r in rows)

    wb = load_workbook(io.BytesIO(
        client.get("/rapports/trimestre?trimestre=2026-Q4&format=xlsx").content))
    # The funder's workbook: its summary, the visits' sheets, then theirs, apart.
    assert wb.sheetnames == ["Synthèse", "Réseau", "Crolles", "Froges", "Pontcharra",
                             "Ateliers et avis", "Année en cours"]
    # A quarter without any: the files are the visits' table alone, as before.
    wb = load_workbook(io.BytesIO(
        client.get("/rapports/trimestre?trimestre=2026-Q3&format=xlsx").content))
    assert "Ateliers et avis" not in wb.sheetnames

    tables = tables_of(client.get("/?periode=trimestre&trimestre=2026-Q4").text)
    assert tables["table-ateliers"][-1][-2:] == ["4", "28"]
    assert tables["table-avis"][-1] == ["Total", "4", "1", "0", "5"]
    empty = client.get("/?periode=trimestre&trimestre=2026-Q3").text
    assert "Aucun atelier enregistré, sur la période." in empty
