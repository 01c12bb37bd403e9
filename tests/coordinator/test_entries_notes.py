"""Quarterly notes: written on the dashboard (administrator any commune, a commune account its
own), escaped, length-limited, shown in the annual report and given as data by
notes_for_year."""

from __future__ import annotations

from dashboard_helpers import csrf_of, login
from fastapi.testclient import TestClient
from sqlalchemy import text

from sync.coordinator import notes, users

GOOD = {"went_well": "Beaucoup de demandes CAF traitées.\nLes ateliers du jeudi sont pleins.",
        "difficulties": "<script>alert(1)</script> & la borne a été éteinte deux semaines",
        "needs": "Un second écran."}


def _save(client, commune: str, quarter: str, fields: dict):
    form = client.get("/saisies/notes/modifier", params={"commune": commune,
                                                        "trimestre": quarter})
    return client.post("/saisies/notes/modifier", follow_redirects=False, data={
        "csrf": csrf_of(form.text), "commune": commune, "trimestre": quarter, **fields})


def _count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM quarter_notes")).scalar_one()


def test_notes_are_saved_escaped_and_shown_in_the_annual_report(client, engine):
    assert _save(client, "Crolles", "2026-Q3", GOOD).status_code == 303
    assert _save(client, "Pontcharra", "2026-q1", {"needs": "Du papier."}).status_code == 303
    assert _save(client, "Crolles", "2025-Q4", {"needs": "Rien cette année-là."}).status_code == 303
    listing = client.get("/saisies/notes", params={"trimestre": "2026-Q3"})
    assert "Beaucoup de demandes CAF" in listing.text
    annual = client.get("/rapports/annuel", params={"annee": "2026"})
    assert annual.status_code == 200
    section = annual.text[annual.text.index('id="bilan-qualitatif"'):]
    assert "<script>alert(1)</script>" not in annual.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; la borne" in section
    assert section.index("Crolles") < section.index("2026-Q3") < section.index("Pontcharra")
    assert "Rien cette année-là" not in section  # 2025's note is in 2025's report
    assert "Du papier." in section
    only = client.get("/rapports/annuel", params={"annee": "2026", "commune": "Pontcharra"})
    assert "Beaucoup de demandes" not in only.text and "Du papier." in only.text
    with engine.connect() as conn:
        data = notes.notes_for_year(conn, 2026)
    assert list(data) == ["Crolles", "Pontcharra"]
    crolles = data["Crolles"][0]
    assert (crolles.quarter, crolles.went_well, crolles.difficulties, crolles.needs) == (
        "2026-Q3", GOOD["went_well"], GOOD["difficulties"], GOOD["needs"])
    assert crolles.updated_by == "admin:coordinatrice"
    assert crolles.updated_at.minute == 0 and crolles.updated_at.second == 0
    assert [n.quarter for n in data["Pontcharra"]] == ["2026-Q1"]


def test_editing_replaces_and_emptying_removes(client, engine):
    _save(client, "Crolles", "2026-Q3", GOOD)
    edit = client.get("/saisies/notes/modifier", params={"commune": "Crolles",
                                                        "trimestre": "2026-Q3"})
    assert "Un second écran." in edit.text
    _save(client, "Crolles", "2026-Q3", {**GOOD, "needs": "Deux écrans."})
    assert notes.get_note(engine, "Crolles", "2026-Q3").needs == "Deux écrans."
    assert _count(engine) == 1
    _save(client, "Crolles", "2026-Q3", {"went_well": " ", "difficulties": "", "needs": ""})
    assert _count(engine) == 0


def test_bad_notes_get_a_french_message_and_change_nothing(client, engine):
    _save(client, "Crolles", "2026-Q3", GOOD)
    before = notes.get_note(engine, "Crolles", "2026-Q3")
    too_long = _save(client, "Crolles", "2026-Q3", {**GOOD, "needs": "é" * 1001})
    assert too_long.status_code == 400 and "trop long" in too_long.text
    hidden = _save(client, "Crolles", "2026-Q3", {**GOOD, "needs": "un\x07bip"})
    assert hidden.status_code == 400 and "caractère invisible" in hidden.text
    no_commune = _save(client, "  ", "2026-Q3", GOOD)
    assert no_commune.status_code == 400 and "nom de la commune" in no_commune.text
    bad_quarter = _save(client, "Crolles", "2026-Q5", GOOD)
    assert bad_quarter.status_code == 400 and "2026-Q3" in bad_quarter.text
    assert notes.get_note(engine, "Crolles", "2026-Q3") == before
    assert _count(engine) == 1


def test_a_commune_account_writes_its_own_notes_only_and_a_reader_none(app, engine, client):
    users.create_user(engine, "crolles", "un mot de passe de commune", role="commune",
                      commune="Crolles")
    users.create_user(engine, "lectrice", "un autre mot de passe long", role="reader")
    with TestClient(app) as commune:
        assert login(commune, "crolles", "un mot de passe de commune").status_code == 303
        assert _save(commune, "Crolles", "2026-Q3", GOOD).status_code == 303
        form = commune.get("/saisies/notes/modifier", params={"commune": "Crolles",
                                                             "trimestre": "2026-Q3"})
        other = commune.post("/saisies/notes/modifier", data={
            "csrf": csrf_of(form.text), "commune": "Pontcharra", "trimestre": "2026-Q3",
            **GOOD})
        assert other.status_code == 403
        assert commune.get("/saisies/notes/modifier", params={
            "commune": "Pontcharra", "trimestre": "2026-Q3"}).status_code == 403
        listing = commune.get("/saisies/notes", params={"trimestre": "2026-Q3"})
        assert "Pontcharra" not in listing.text and "Beaucoup de demandes" in listing.text
    with TestClient(app) as reader:
        assert login(reader, "lectrice", "un autre mot de passe long").status_code == 303
        assert "Beaucoup de demandes" in reader.get(
            "/saisies/notes", params={"trimestre": "2026-Q3"}).text
        form = reader.get("/saisies/notes", params={"trimestre": "2026-Q3"})
        refused = reader.post("/saisies/notes/modifier", data={
            "csrf": csrf_of(form.text), "commune": "Crolles", "trimestre": "2026-Q3",
            "needs": "effacé ?"})
        assert refused.status_code == 403
    assert notes.get_note(engine, "Crolles", "2026-Q3").needs == GOOD["needs"]
    assert notes.get_note(engine, "Pontcharra", "2026-Q3") is None
    with engine.connect() as conn:
        assert notes.notes_for_year(conn, 2026)["Crolles"][0].updated_by == "commune:crolles"
