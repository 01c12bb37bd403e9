"""Equipment handed over (article 2.3): add, edit and remove on the dashboard, French
messages for bad input, and the flags on fixed days (a permanence not started three weeks
after delivery, a warranty ending within three months)."""

from __future__ import annotations

import datetime as dt

from dashboard_helpers import csrf_of, login, tables_of
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync.coordinator import equipment, manual, users

D = dt.date


def _post(client, url: str, form: dict):
    return client.post(url, data={"csrf": csrf_of(client.get(url).text), **form},
                       follow_redirects=False)


def _add(client, **form):
    full = {"commune": "", "item": "", "delivered_on": "", "warranty_end": "", "invoice_ref": ""}
    return _post(client, "/saisies/materiel/ajouter", {**full, **form})


def _rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        # str(): SQLite gives the dates as text, PostgreSQL as dates
        return [tuple(v if v is None else str(v) for v in r) for r in conn.execute(text(
            "SELECT commune, item, delivered_on, warranty_end, invoice_ref FROM equipment "
            "ORDER BY id"))]


def _kinds(engine, today: dt.date) -> set[tuple[str, str]]:
    return {(f.commune, f.kind) for f in equipment.flags(engine, today)}


def test_a_permanence_not_started_three_weeks_after_delivery_is_flagged(network):
    # Froges (seed): its kiosk reports 2026-10-03 and 2026-10-10.
    equipment.add(network, equipment.Draft("Froges", "borne", D(2026, 9, 10), None, ""))
    assert _kinds(network, D(2026, 9, 30)) == set()  # 20 days: not yet
    assert _kinds(network, D(2026, 10, 1)) == {("Froges", "not_started")}  # 21 days
    assert _kinds(network, D(2026, 10, 3)) == set()  # its first day counts
    # Crolles reported until 2026-11-20, before this delivery: days before do not count.
    equipment.add(network, equipment.Draft("Crolles", "écran", D(2026, 11, 25), None, ""))
    assert ("Crolles", "not_started") in _kinds(network, D(2026, 12, 16))
    assert ("Crolles", "not_started") not in _kinds(network, D(2026, 12, 15))
    # A commune with no kiosk starts with a paper tally.
    equipment.add(network, equipment.Draft("Bernin", "ordinateur", D(2026, 6, 1), None, ""))
    assert ("Bernin", "not_started") in _kinds(network, D(2026, 8, 15))
    manual.add_entry(network, manual.Draft("Bernin", D(2026, 7, 1), D(2026, 7, 31),
                                           {"autre": 4}, ""), "admin:x", dt.datetime(2026, 8, 1, tzinfo=dt.UTC))
    assert ("Bernin", "not_started") not in _kinds(network, D(2026, 8, 15))
    assert ("Bernin", "not_started") in _kinds(network, D(2026, 6, 30))  # tally not begun


def test_a_warranty_ending_within_three_months_is_flagged(network):
    equipment.add(network, equipment.Draft("Crolles", "borne", D(2024, 2, 1), D(2027, 2, 28),
                                           "F-2024-018"))
    assert equipment.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert ("Crolles", "warranty") in _kinds(network, D(2026, 11, 28))
    assert ("Crolles", "warranty") in _kinds(network, D(2027, 2, 28))  # its last day
    assert ("Crolles", "warranty") not in _kinds(network, D(2026, 11, 27))
    assert ("Crolles", "warranty") not in _kinds(network, D(2027, 3, 1))  # ended
    message = next(f.message for f in equipment.flags(network, D(2027, 1, 5)))
    assert message == "Crolles : la garantie de « borne » finit le 28/02/2027."


def test_records_are_added_edited_and_removed_on_the_dashboard(client, engine):
    answer = _add(client, commune="Crolles", item="Borne tactile 22 pouces",
                  delivered_on="2025-01-15", warranty_end="2028-01-15", invoice_ref="F-2025-004")
    assert answer.status_code == 303
    assert _rows(engine) == [("Crolles", "Borne tactile 22 pouces", "2025-01-15",
                              "2028-01-15", "F-2025-004")]
    listing = client.get("/saisies/materiel")
    row = tables_of(listing.text)["table-materiel"][1]
    assert row[:5] == ["Crolles", "Borne tactile 22 pouces", "15/01/2025", "15/01/2028",
                       "F-2025-004"]
    record_id = equipment.list_all(engine)[0].id
    edit = client.get(f"/saisies/materiel/{record_id}/modifier")
    assert 'value="2028-01-15"' in edit.text
    assert _post(client, f"/saisies/materiel/{record_id}/modifier", {
        "commune": "Crolles", "item": "Borne tactile 22 pouces", "delivered_on": "2025-01-15",
        "warranty_end": "", "invoice_ref": "F-2025-004"}).status_code == 303
    assert _rows(engine)[0][3] is None
    confirm = client.get(f"/saisies/materiel/{record_id}/supprimer")
    assert "Supprimer « Borne tactile 22 pouces » (Crolles)" in confirm.text
    assert len(_rows(engine)) == 1
    assert _post(client, f"/saisies/materiel/{record_id}/supprimer", {}).status_code == 303
    assert _rows(engine) == []


def test_bad_input_gets_a_french_message_and_stores_nothing(client, engine):
    good = {"commune": "Crolles", "item": "Borne", "delivered_on": "2025-01-15"}
    cases = [
        ({**good, "commune": ""}, "nom de la commune"),
        ({**good, "item": " "}, "quel matériel"),
        ({**good, "delivered_on": "15/01/2025"}, "date comme 2026-09-15"),
        ({**good, "delivered_on": "2025-02-30"}, "date comme 2026-09-15"),
        ({**good, "delivered_on": "2026-11-27"}, "dans le futur"),  # the app's today + 1
        ({**good, "warranty_end": "2024-12-31"}, "avant la date de remise"),
        ({**good, "invoice_ref": "F" * 81}, "trop long"),
    ]
    for form, message in cases:
        answer = _add(client, **form)
        assert answer.status_code == 400, form
        assert message in answer.text.replace("&#39;", "'"), (form, message)
    assert _rows(engine) == []
    forged = client.post("/saisies/materiel/ajouter", data={"csrf": "x", **good})
    assert forged.status_code == 403 and _rows(engine) == []


def test_the_dashboard_shows_the_flags_to_administrators_only(client, engine, app):
    # The app's clock says 2026-11-26 (dashboard_seed.TODAY).
    _add(client, commune="Bernin", item="Ordinateur portable", delivered_on="2026-11-05")
    _add(client, commune="Crolles", item="Borne", delivered_on="2024-03-01",
         warranty_end="2027-02-26")
    _add(client, commune="Pontcharra", item="Borne", delivered_on="2024-03-01",
         warranty_end="2027-02-27")
    home = client.get("/", params={"periode": "trimestre", "trimestre": "2026-Q3"})
    flags = home.text[home.text.index('id="alertes-materiel"'):]
    flags = flags[:flags.index("</section>")]
    assert "Bernin : matériel remis le 05/11/2026" in flags  # 21 days, no day counted
    assert "la garantie de « Borne » finit le 26/02/2027" in flags  # three months to the day
    assert "Pontcharra" not in flags and "Crolles : matériel" not in flags
    assert "Bernin : matériel remis le 05/11/2026" in client.get("/saisies/materiel").text
    users.create_user(engine, "lectrice", "un autre mot de passe long", role="reader")
    with TestClient(app) as reader:
        assert login(reader, "lectrice", "un autre mot de passe long").status_code == 303
        page = reader.get("/", params={"periode": "trimestre", "trimestre": "2026-Q3"})
        assert 'id="alertes-materiel"' not in page.text
        assert reader.get("/saisies/materiel").status_code == 403
