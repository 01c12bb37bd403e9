"""Kiosks managed in the dashboard (issue 14, points 7 and 10): a new-kiosk page in plain
words with a `token.txt` and no QR code, renaming and moving a kiosk with its history, and the
kiosk list as a formula-safe CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from dashboard_helpers import csrf_of, sql_totals, tables_of
from sqlalchemy import select

from sync.coordinator import kiosks
from sync.coordinator.schema import kiosks as kiosks_table

YEAR = (dt.date(2025, 1, 1), dt.date(2026, 12, 31))


def add_from_page(client, **fields):
    form = client.get("/bornes/ajouter")
    return client.post("/bornes/ajouter", data={"csrf": csrf_of(form.text), **fields})


def kiosk_row(engine, name):
    with engine.connect() as conn:
        return conn.execute(select(kiosks_table).where(kiosks_table.c.name == name)).one()


def test_the_new_kiosk_page_picks_a_commune_from_the_list(client, network):
    form = client.get("/bornes/ajouter").text
    options = re.findall(r'<option value="([^"]+)"', form)
    assert len(options) >= 43 and "Crêts-en-Belledonne" in options and "Crolles" in options
    answer = add_from_page(client, nom="Theys – mairie", commune="Theys")
    assert answer.status_code == 200
    assert kiosk_row(network, "Theys – mairie").commune == "Theys"
    # A commune outside the list, typed on purpose, is added as the network's own.
    answer = add_from_page(client, nom="Grenoble 1", commune="Crolles", autre_commune="Grenoble")
    assert answer.status_code == 200 and kiosk_row(network, "Grenoble 1").commune == "Grenoble"
    typo = add_from_page(client, nom="Typo", commune="", autre_commune="Frogess")
    assert typo.status_code == 200  # typed in "other commune": the person meant it


def test_the_token_page_speaks_plainly_and_gives_token_txt(client, network):
    answer = add_from_page(client, nom="Lumbin 1", commune="Lumbin")
    page = answer.text
    token = page.split('data-token="')[1].split('"')[0]
    for jargon in ("[coordinator]", "token_file", "url</code>", "<svg", "adresse du coordinateur"):
        assert jargon not in page
    assert answer.headers["cache-control"] == "no-store"
    # Groups of 4 that never break inside (CSS nowrap), nothing of the token lost.
    groups = re.findall(r"<span>([^<]+)</span>", page.split('id="token"')[1].split("</code>")[0])
    assert "".join(groups) == token and max(len(g) for g in groups) == 4
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    kid = kiosk_row(network, "Lumbin 1").id
    txt = client.post(f"/bornes/{kid}/token.txt", data={"csrf": csrf_of(page), "jeton": token})
    assert txt.status_code == 200 and txt.text == token + "\n"
    assert txt.headers["content-disposition"] == 'attachment; filename="token.txt"'
    assert txt.headers["cache-control"] == "no-store"
    with network.connect() as conn:
        assert kiosks.kiosk_for_token(conn, txt.text.strip()).name == "Lumbin 1"
    # The server keeps only the hash: another kiosk's id, or a made-up token, gets nothing.
    assert client.post(f"/bornes/{kid}/token.txt",
                       data={"csrf": csrf_of(page), "jeton": "x" * 43}).status_code == 404
    assert client.post(f"/bornes/{kid}/token.txt",
                       data={"csrf": "faux", "jeton": token}).status_code == 403
    assert token not in client.get("/bornes").text


def test_renaming_and_moving_a_kiosk_keeps_its_figures(client, network):
    before = sql_totals(network, *YEAR, by="commune")
    kid = kiosk_row(network, "Crolles – médiathèque").id
    page = client.get(f"/bornes/{kid}/modifier")
    assert page.status_code == 200 and 'selected>Crolles' in page.text
    answer = client.post(f"/bornes/{kid}/modifier", data={
        "csrf": csrf_of(page.text), "nom": "Bernin – médiathèque", "commune": "Bernin"})
    assert answer.status_code == 200  # back on the list
    row = kiosk_row(network, "Bernin – médiathèque")
    assert (row.id, row.commune) == (kid, "Bernin")
    after = sql_totals(network, *YEAR, by="commune")
    assert sum(after.values()) == sum(before.values())
    assert after["Bernin"] + after["Crolles"] == before["Crolles"]
    assert "Bernin – médiathèque" in [r[0] for r in tables_of(answer.text)["table-bornes"][1:]]
    taken = client.post(f"/bornes/{kid}/modifier", data={
        "csrf": csrf_of(page.text), "nom": "Pontcharra", "commune": "Bernin"})
    assert taken.status_code == 400 and kiosk_row(network, "Bernin – médiathèque")


def test_the_kiosk_list_exports_as_a_formula_safe_csv(client, network):
    kiosks.add_kiosk(network, "=HYPERLINK(\"http://x\")", "@Commune piège")
    kiosks.revoke_kiosk(network, "Froges")
    answer = client.get("/bornes/export.csv")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="bornes.csv"'
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["borne", "commune", "code INSEE", "état"]
    by_name = {r[0]: r for r in rows[1:]}
    with network.connect() as conn:
        names = set(conn.execute(select(kiosks_table.c.name)).scalars())
    assert len(rows) - 1 == len(names)
    assert by_name["'=HYPERLINK(\"http://x\")"][1] == "'@Commune piège"
    assert by_name["Crolles – mairie"][1:4] == ["Crolles", "38140", "en service"]
    assert by_name["Froges"][3] == "révoquée"
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
