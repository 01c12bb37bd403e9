"""Accounts managed in the dashboard (issue 14, point 10), and per-commune sharing: an
administrator adds, resets, changes and disables accounts; the last administrator stays; a
commune account reads its commune only, even after its commune is renamed."""

from __future__ import annotations

import csv
import io
import re

from dashboard_helpers import LOGIN, csrf_of, login, tables_of
from fastapi.testclient import TestClient

from sync.coordinator import communes, users


def post(client, **fields):
    page = client.get("/comptes")
    return client.post("/comptes", data={"csrf": csrf_of(page.text), **fields})


def shown_password(html: str) -> str:
    return re.search(r'id="mot-de-passe" class="token-groups">([^<]+)<', html).group(1)


def accounts_table(client) -> dict[str, list[str]]:
    return {r[0]: r[1:] for r in tables_of(client.get("/comptes").text)["table-comptes"][1:]}


def test_an_admin_adds_an_account_whose_password_is_shown_once(client, app, network):
    answer = post(client, action="ajouter", login="mairie-crolles", role="commune",
                  commune="crolles")
    assert answer.status_code == 200
    password = shown_password(answer.text)
    assert len(password) >= users.MIN_PASSWORD_LENGTH
    later = client.get("/comptes").text
    assert password not in later and "<option>Crolles</option>" in later  # shown once
    assert accounts_table(client)["mairie-crolles"][:2] == ["lecteur, commune de Crolles",
                                                            "actif"]
    with TestClient(app) as other:
        assert login(other, "mairie-crolles", password).status_code == 303
    refused = post(client, action="ajouter", login="mairie-crolles", role="reader")
    assert refused.status_code == 400 and "existe déjà" in refused.text
    refused = post(client, action="ajouter", login="x", role="commune", commune="")
    assert refused.status_code == 400


def test_a_new_password_ends_the_old_one_and_disabling_locks_out(client, app, network):
    users.create_user(network, "lectrice", "ancien mot de passe", "reader")
    with TestClient(app) as reader:
        assert login(reader, "lectrice", "ancien mot de passe").status_code == 303
        assert reader.get("/", follow_redirects=False).status_code == 200
        answer = post(client, action="mot_de_passe", login="lectrice")
        new = shown_password(answer.text)
        assert reader.get("/", follow_redirects=False).status_code == 303  # session ended
        assert login(reader, "lectrice", "ancien mot de passe").status_code != 303
        assert login(reader, "lectrice", new).status_code == 303
        post(client, action="desactiver", login="lectrice")
        assert reader.get("/", follow_redirects=False).status_code == 303
        assert login(reader, "lectrice", new).status_code != 303
        assert accounts_table(client)["lectrice"][1] == "désactivé"
        post(client, action="reactiver", login="lectrice")
        assert login(reader, "lectrice", new).status_code == 303


def test_the_last_administrator_cannot_be_disabled_or_demoted(client, network):
    for action in ({"action": "desactiver"}, {"action": "role", "role": "reader"}):
        answer = post(client, login=LOGIN, **action)
        assert answer.status_code == 400 and "dernier compte administrateur" in answer.text
    assert [u.role for u in users.list_users(network) if u.login == LOGIN] == ["admin"]
    post(client, action="ajouter", login="adjoint", role="admin", mot_de_passe="x" * 12)
    assert post(client, action="role", login="adjoint", role="reader").status_code == 200
    assert {u.login: u.role for u in users.list_users(network)}["adjoint"] == "reader"


def test_accounts_are_for_administrators_with_csrf(client, app, network):
    forged = client.post("/comptes", data={"csrf": "faux", "action": "desactiver",
                                           "login": LOGIN})
    assert forged.status_code == 403
    users.create_user(network, "lecteur", "un mot de passe assez long", "reader")
    with TestClient(app) as reader:
        login(reader, "lecteur", "un mot de passe assez long")
        assert reader.get("/comptes").status_code == 403
        assert reader.get("/communes").status_code == 403
        assert reader.get("/bornes/export.csv").status_code == 403
        page = reader.get("/")
        assert reader.post("/comptes", data={"csrf": csrf_of(page.text), "action": "ajouter",
                                             "login": "intrus", "role": "admin"}).status_code == 403
    assert "intrus" not in {u.login for u in users.list_users(network)}


def test_a_commune_account_reads_only_its_commune_even_after_a_rename(app, network):
    users.create_user(network, "pontcharra", "un mot de passe assez long", "commune",
                      "Pontcharra")
    communes.rename(network, "Pontcharra", "Pontcharra-sur-Bréda")
    with TestClient(app) as mine:
        assert login(mine, "pontcharra", "un mot de passe assez long").status_code == 303
        home = mine.get("/?periode=annee&annee=2026")
        assert "commune de Pontcharra-sur-Bréda" in home.text
        assert [r[0] for r in tables_of(home.text)["table-communes"][1:-1]] == [
            "Pontcharra-sur-Bréda"]
        for other in ("Crolles", "Froges", "Pontcharra"):
            assert mine.get(f"/?commune={other}").status_code == 403
            assert mine.get(f"/rapports/annuel?annee=2026&commune={other}").status_code == 403
        raw = mine.get("/rapports/trimestre?trimestre=2026-Q4&format=csv").content
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))[1:]
        assert rows and {row[1] for row in rows} == {"Pontcharra-sur-Bréda"}
        for admin_only in ("/comptes", "/communes", "/bornes", "/bornes/export.csv"):
            assert mine.get(admin_only).status_code == 403
