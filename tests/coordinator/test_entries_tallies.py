"""Paper tallies: entered, corrected and removed on the dashboard; shown marked "saisi à la
main" on the statistics page and in the CSV, XLSX and JSON quarterly tables; never summed
into a kiosk's counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

from dashboard_helpers import LOGIN, csrf_of, login, number, sql_totals, tables_of
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import manual, reports, texts, users
from sync.coordinator.reports import hand

Q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
BERNIN = {"service_public": 12, "autre": 3, "imprimante_scan": 4}  # a commune with no kiosk
CROLLES_JULY = {"service_public": 2, "recherche_emploi": 5}


def _form(**fields) -> dict:
    form = {"commune": "", "periode": "mois", "mois": "", "trimestre": "", "du": "", "au": "",
            "note": ""}
    form.update(fields)
    return form


def _post(client, url: str, form: dict):
    page = client.get(url)
    return client.post(url, data={"csrf": csrf_of(page.text), **form}, follow_redirects=False)


def _add(client, counts: dict, **fields):
    form = _form(**fields)
    form.update({f"n_{c}": str(n) for c, n in counts.items()})
    return _post(client, "/saisies/papier/ajouter", form)


def _stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT e.commune, e.first_day, e.last_day, e.note, e.entered_by, c.category, c.count "
            "FROM manual_entries e JOIN manual_counts c ON c.entry_id = e.id "
            "WHERE c.count > 0 ORDER BY e.id, c.category")).all()


def _both(client):
    assert _add(client, BERNIN, commune="Bernin", periode="trimestre", trimestre="2026-Q3",
                note="relevé papier de la mairie").status_code == 303
    assert _add(client, CROLLES_JULY, commune="Crolles", periode="mois", mois="2026-07",
                note="borne en panne").status_code == 303


def test_an_entry_is_stored_with_its_period_and_who_entered_it_on_the_hour(client, engine):
    _both(client)
    rows = _stored(engine)
    assert {(r.commune, r.category, r.count) for r in rows} == {
        *(("Bernin", c, n) for c, n in BERNIN.items()),
        *(("Crolles", c, n) for c, n in CROLLES_JULY.items())}
    bernin = next(r for r in rows if r.commune == "Bernin")
    assert (str(bernin.first_day), str(bernin.last_day)) == ("2026-07-01", "2026-09-30")
    assert bernin.entered_by == f"admin:{LOGIN}" and bernin.note == "relevé papier de la mairie"
    with engine.connect() as conn:
        stamps = conn.execute(text("SELECT entered_at FROM manual_entries")).scalars().all()
    assert all(re.search(r"[ T]\d\d:00:00", str(s)) for s in stamps), stamps
    listing = client.get("/saisies/papier")
    assert "Bernin" in listing.text and "jamais ajoutés" in listing.text


def test_the_statistics_page_shows_them_apart_and_never_in_the_kiosk_totals(client, engine):
    _both(client)
    page = client.get("/", params={"periode": "trimestre", "trimestre": "2026-Q3"})
    kiosk_sql = sum(sql_totals(engine, *Q3).values())
    assert number(re.search(r'id="total-visites">([^<]+)<', page.text).group(1)) == kiosk_sql
    hand_rows = tables_of(page.text)["table-main"]
    assert [r[0] for r in hand_rows[1:3]] == ["Bernin", "Crolles"]
    assert all(r[-1].startswith("saisi à la main") for r in hand_rows[1:])
    assert hand_rows[1][-1].endswith("relevé papier de la mairie")
    hand_total = sum(BERNIN.values()) + sum(CROLLES_JULY.values())
    assert number(hand_rows[-1][-2]) == hand_total
    communes = tables_of(page.text)["table-communes"]
    crolles = next(r for r in communes if r[0] == "Crolles")
    assert number(crolles[-1]) == sql_totals(engine, *Q3, by="commune")["Crolles"]
    # August alone: the quarter's tally straddles it, listed but not counted; July's is out.
    august = client.get("/", params={"periode": "mois", "mois": "2026-08"})
    assert "table-main" not in tables_of(august.text)
    assert re.search(r'id="main-a-cheval">[^<]*Bernin du 01/07/2026 au 30/09/2026', august.text)
    assert "Crolles du 01/07/2026" not in august.text
    # A commune's page shows its own entries only.
    crolles_page = client.get("/", params={"periode": "trimestre", "trimestre": "2026-Q3",
                                          "commune": "Crolles"})
    rows = tables_of(crolles_page.text)["table-main"]
    assert [r[0] for r in rows[1:-1]] == ["Crolles"]


def test_csv_marks_each_row_with_its_source_and_keeps_the_kiosk_totals(client, engine):
    _both(client)
    answer = client.get("/rapports/trimestre", params={"trimestre": "2026-Q3", "format": "csv"})
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-1] == "source"
    kiosk_totals = {r[1]: int(r[4]) for r in rows[1:] if len(r) == 7 and r[2] == "Total"}
    assert all(r[6] == "borne" for r in rows[1:] if len(r) == 7 and r[2] == "Total")
    by_commune = sql_totals(engine, *Q3, by="commune")
    assert kiosk_totals[texts.NETWORK_LABEL] == sum(by_commune.values())
    assert kiosk_totals["Crolles"] == by_commune["Crolles"]
    saisie = [r for r in rows if len(r) == 7 and r[6] == "saisie"]
    label = reports.category_label("service_public")
    assert ["Bernin", label, "12"] == [saisie[0][1], saisie[0][2], saisie[0][4]]
    per_entry = [r for r in saisie if r[2].startswith("Total saisi à la main,")]
    assert [int(r[4]) for r in per_entry] == [sum(BERNIN.values()), sum(CROLLES_JULY.values())]
    assert "relevé papier de la mairie" in per_entry[0][2]
    assert int(saisie[-1][4]) == sum(BERNIN.values()) + sum(CROLLES_JULY.values())
    assert [manual.RULE] in rows
    # Anonymised: one total per entry, hidden under the threshold.
    _add(client, {"autre": 2}, commune="Froges", periode="plage", du="2026-08-03", au="2026-08-07")
    masked = client.get("/rapports/trimestre", params={"trimestre": "2026-Q3", "format": "csv",
                                                      "masquer": "1", "seuil": "5"})
    masked_rows = list(csv.reader(io.StringIO(masked.content.decode("utf-8-sig")), delimiter=";"))
    saisie = [r for r in masked_rows if len(r) == 7 and r[6] == "saisie"]
    # The block's total would give the hidden 2 back (28 - 19 - 7): it is hidden too.
    assert [r[4] for r in saisie] == ["19", "7", "< 5", texts.SECONDARY_MARK]


def test_xlsx_has_a_marked_block_and_a_legend_on_the_right_sheets(client, engine):
    _both(client)
    answer = client.get("/rapports/trimestre", params={"trimestre": "2026-Q3", "format": "xlsx"})
    wb = load_workbook(io.BytesIO(answer.content))
    network, crolles = wb["Réseau"], wb["Crolles"]

    def marked(ws):
        return [r for r in ws.iter_rows(values_only=True) if r[4] == manual.MARK]

    assert len(marked(network)) == 2 * (len(CATEGORY_IDS) + 1) + 1  # + the block's total
    assert len(marked(crolles)) == len(CATEGORY_IDS) + 1 + 1
    assert marked(network)[-1][:3] == (hand.TOTAL_ALL, None, 19 + 7)
    assert marked(crolles)[-1][2] == sum(CROLLES_JULY.values())
    assert any(r[0] == manual.RULE for r in crolles.iter_rows(values_only=True))
    assert any(r[0] == hand.TITLE for r in crolles.iter_rows(values_only=True))
    kiosk_total = next(r for r in crolles.iter_rows(values_only=True) if r[0] == "Total")
    assert kiosk_total[2] == sql_totals(engine, *Q3, by="commune")["Crolles"]
    assert "Bernin" not in wb.sheetnames  # no kiosk, no sheet: on the network's sheet only


def test_json_keeps_the_contract_rows_and_gives_hand_rows_apart(client, engine):
    out = io.StringIO()
    reports.write_quarter(engine, "2026-Q3", "json", out)
    before = json.loads(out.getvalue())
    assert set(before) == {"quarter", "rows", "total"}
    _both(client)
    out = io.StringIO()
    reports.write_quarter(engine, "2026-Q3", "json", out)
    data = json.loads(out.getvalue())
    assert data["rows"] == before["rows"] and data["total"] == before["total"]
    assert data["total"] == sum(sql_totals(engine, *Q3).values())
    assert {r["source"] for r in data["manual_rows"]} == {"saisie"}
    assert data["manual_total"] == sum(BERNIN.values()) + sum(CROLLES_JULY.values())
    bernin = {r["category"]: r["count"] for r in data["manual_rows"] if r["commune"] == "Bernin"}
    assert {c: n for c, n in bernin.items() if n} == BERNIN


def test_an_entry_is_corrected_then_removed_after_a_confirmation(client, engine):
    _both(client)
    with engine.connect() as conn:
        entry_id = conn.execute(text("SELECT id FROM manual_entries WHERE commune = 'Crolles'")
                                ).scalar_one()
    edit = client.get(f"/saisies/papier/{entry_id}/modifier")
    assert 'value="2026-07-01"' in edit.text and 'value="5"' in edit.text
    fixed = _form(commune="Crolles", periode="plage", du="2026-07-01", au="2026-07-15",
                  note="corrigé")
    fixed.update({"n_service_public": "9"})
    answer = _post(client, f"/saisies/papier/{entry_id}/modifier", fixed)
    assert answer.status_code == 303
    crolles = [r for r in _stored(engine) if r.commune == "Crolles"]
    assert [(r.category, r.count, str(r.last_day), r.note) for r in crolles] == [
        ("service_public", 9, "2026-07-15", "corrigé")]
    confirm = client.get(f"/saisies/papier/{entry_id}/supprimer")
    assert "Supprimer le relevé de Crolles" in confirm.text
    assert [r.commune for r in _stored(engine)].count("Crolles") == 1  # a GET removes nothing
    assert _post(client, f"/saisies/papier/{entry_id}/supprimer", {}).status_code == 303
    assert {r.commune for r in _stored(engine)} == {"Bernin"}
    again = _post(client, f"/saisies/papier/{entry_id}/supprimer", {})
    assert again.status_code == 404 and "n'existe plus" in again.text.replace("&#39;", "'")


def test_bad_input_gets_a_french_message_and_stores_nothing(client, engine):
    cases = [
        ({"autre": "abc"}, {"commune": "Bernin", "mois": "2026-07"}, "nombre entier"),
        ({"autre": "-3"}, {"commune": "Bernin", "mois": "2026-07"}, "nombre entier"),
        ({"autre": "100000"}, {"commune": "Bernin", "mois": "2026-07"}, "nombre entier"),
        ({"autre": "0"}, {"commune": "Bernin", "mois": "2026-07"}, "au moins un nombre"),
        ({"autre": "4"}, {"commune": "  ", "mois": "2026-07"}, "nom de la commune"),
        ({"autre": "4"}, {"commune": "Bernin", "mois": "2026-12"}, "pas encore commencé"),
        ({"autre": "4"}, {"commune": "Bernin", "mois": "juillet"}, "période n'est pas valable"),
        ({"autre": "4"}, {"commune": "Bernin", "periode": "plage", "du": "2026-07-09",
                          "au": "2026-07-01"}, "période n'est pas valable"),
        ({"autre": "4"}, {"commune": "Bernin", "mois": "2026-07", "note": "x" * 201},
         "trop long"),
        ({"autre": "4"}, {"commune": "B" * 121, "mois": "2026-07"}, "trop long"),
    ]
    for counts, fields, message in cases:
        answer = _add(client, counts, **fields)
        assert answer.status_code == 400, (counts, fields)
        assert message in answer.text.replace("&#39;", "'"), (counts, fields, message)
        assert 'id="saisie-erreur"' in answer.text
    assert _stored(engine) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM manual_entries")).scalar_one() == 0
    forged = client.post("/saisies/papier/ajouter", data={"csrf": "x", **_form(
        commune="Bernin", mois="2026-07"), "n_autre": "4"})
    assert forged.status_code == 403 and _stored(engine) == []


def test_readers_see_the_figures_but_cannot_enter_them(client, engine, app):
    _both(client)
    users.create_user(engine, "lectrice", "un autre mot de passe long", role="reader")
    with TestClient(app) as reader:
        assert login(reader, "lectrice", "un autre mot de passe long").status_code == 303
        assert reader.get("/saisies/papier").status_code == 403
        assert reader.get("/saisies/papier/1/supprimer").status_code == 403
        page = reader.get("/", params={"periode": "trimestre", "trimestre": "2026-Q3"})
        assert "table-main" in tables_of(page.text)


def test_the_annual_report_lists_the_years_hand_figures_apart(client, engine):
    _both(client)
    annual = client.get("/rapports/annuel", params={"annee": "2026"})
    tables = tables_of(annual.text)
    year_sql = sum(sql_totals(engine, dt.date(2026, 1, 1), dt.date(2026, 12, 31)).values())
    assert number(tables["table-synthese"][-1][2]) == year_sql
    assert number(tables["table-main"][-1][-2]) == sum(BERNIN.values()) + sum(CROLLES_JULY.values())
    assert "table-main" not in tables_of(client.get("/rapports/annuel",
                                                    params={"annee": "2025"}).text)


def test_the_anonymised_annual_page_hides_a_small_tally_as_its_files_do(client, engine):
    _both(client)
    page = client.get("/rapports/annuel", params={"annee": "2026", "masquer": "1",
                                                   "seuil": "10"})
    rows = {row[0]: row for row in tables_of(page.text)["table-main"]}
    assert rows["Bernin"][-2] == "19" and rows["Crolles"][-2] == "< 10"
    assert set(rows["Crolles"][2:-2]) == {"—"}  # no figure per category, not even a zero
    assert rows["Total saisi à la main"][-2] == "s"  # 26 - 19 would give the 7 back
    plain = tables_of(client.get("/rapports/annuel", params={"annee": "2026"}).text)
    assert {row[0]: row[-2] for row in plain["table-main"]}["Crolles"] == "7"
