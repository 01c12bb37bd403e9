"""The dashboard through Starlette's TestClient: access control, every page, every export."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import dashboard_seed as seed
import pytest
from dashboard_helpers import LOGIN, PASSWORD, csrf_of, login, number, sql_totals, tables_of
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from kiosk.catalogue import CATEGORY_IDS
from sync.coordinator import reports, tokens
from sync.coordinator.schema import kiosks

Q4 = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
PAGES = [
    "/",
    "/?periode=annee&annee=2026",
    "/bornes",
    "/bornes/ajouter",
    "/bornes/1/revoquer",
    "/rapports",
    "/rapports/trimestre?trimestre=2026-Q4&format=xlsx",
    "/rapports/trimestre?trimestre=2026-Q4&format=csv",
    "/rapports/annuel?annee=2026",
    "/rapports/annuel?annee=2026&format=xlsx",
]
FORMS = {
    "/bornes/ajouter": {"nom": "Intrus", "commune": "Crolles"},
    "/bornes/1/revoquer": {},
    "/deconnexion": {},
}


def kiosk_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(kiosks)).scalar_one()


def revoked(engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(kiosks.c.revoked_at).where(kiosks.c.name == name)
                            ).scalar_one() is not None


def push(client: TestClient, token: str, day: dt.date, n: int = 3):
    body = {"install_id": str(uuid.uuid4()), "sent_at": seed.NOW.isoformat(),
            "clock_trusted": True, "catalogue_version": "1",
            "days": [{"day": day.isoformat(), "revision": 1, "counts": {"autre": n}}]}
    return client.post("/api/v1/counts", json=body, headers={"Authorization": f"Bearer {token}"})


# --------------------------------------------------------------------------- access control


@pytest.mark.parametrize("path", PAGES)
def test_every_page_needs_a_session(anonymous, path):
    answer = anonymous.get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/connexion?suite=")


@pytest.mark.parametrize("path", PAGES)
def test_a_kiosk_token_opens_nothing(anonymous, network, path):
    token = tokens.add_kiosk(network, "Borne jeton", "Crolles")
    assert push(anonymous, token, seed.TODAY - dt.timedelta(days=1)).status_code == 200
    answer = anonymous.get(path, headers={"Authorization": f"Bearer {token}"},
                           follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/connexion")


@pytest.mark.parametrize("path", ["/bornes/ajouter", "/bornes/1/revoquer"])
def test_forms_without_session_change_nothing(anonymous, network, path):
    page = anonymous.get("/connexion")  # a session with a CSRF token, but no login
    data = {"csrf": csrf_of(page.text), **FORMS[path]}
    answer = anonymous.post(path, data=data, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/connexion")
    assert kiosk_count(network) == 4
    assert not revoked(network, "Crolles – mairie")


@pytest.mark.parametrize("path", list(FORMS))
@pytest.mark.parametrize("csrf", [None, "forged-token"])
def test_forms_without_csrf_are_refused(client, network, path, csrf):
    data = dict(FORMS[path])
    if csrf:
        data["csrf"] = csrf
    answer = client.post(path, data=data, follow_redirects=False)
    assert answer.status_code == 403
    assert "formulaire a expiré" in answer.text
    assert kiosk_count(network) == 4
    assert not revoked(network, "Crolles – mairie")
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_login_without_csrf_is_refused(anonymous):
    answer = anonymous.post("/connexion", data={"login": LOGIN, "password": PASSWORD},
                            follow_redirects=False)
    assert answer.status_code == 403
    assert anonymous.get("/", follow_redirects=False).status_code == 303


def test_login_logout(anonymous):
    assert login(anonymous, password="wrong password!").status_code == 401
    answer = login(anonymous)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert anonymous.get("/").status_code == 200
    csrf = csrf_of(anonymous.get("/").text)
    assert anonymous.post("/deconnexion", data={"csrf": csrf},
                          follow_redirects=False).status_code == 303
    assert anonymous.get("/", follow_redirects=False).status_code == 303


def test_login_returns_to_the_asked_page_and_only_locally(anonymous):
    first = anonymous.get("/bornes", follow_redirects=False)
    page = anonymous.get(first.headers["location"])
    assert 'name="suite" value="/bornes"' in page.text
    for target, expected in [("/bornes", "/bornes"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/")]:
        page = anonymous.get("/connexion")
        answer = anonymous.post("/connexion", data={"csrf": csrf_of(page.text), "login": LOGIN,
                                                    "password": PASSWORD, "suite": target},
                                follow_redirects=False)
        assert answer.headers["location"] == expected


def test_tampered_session_cookie_is_ignored(client):
    cookie = client.cookies.get("coordinateur_session")
    client.cookies.set("coordinateur_session", cookie[:-4] + "AAAA")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_throttling(anonymous):
    for _ in range(5):
        assert login(anonymous, password="not the password").status_code == 401
    answer = login(anonymous)  # even the right password waits now
    assert answer.status_code == 429
    assert "Trop d&#39;essais" in answer.text


# --------------------------------------------------------------------------- statistics


def test_quarter_page_matches_the_database(client, network):
    html = client.get("/?periode=trimestre&trimestre=2026-Q4").text
    tables = tables_of(html)
    by_cat = sql_totals(network, *Q4)
    total = sum(by_cat.values())
    rows = tables["table-categories"]
    assert rows[0] == ["Catégorie", "Thématique nationale", "Nombre", "%"]
    for row, cat in zip(rows[1:9], CATEGORY_IDS, strict=True):
        assert row[0] == reports.category_label(cat)
        assert number(row[2]) == by_cat.get(cat, 0)
        assert row[3] == f"{100 * by_cat.get(cat, 0) / total:.1f}".replace(".", ",") + "\u00a0%"
    assert rows[9][0] == "Total" and number(rows[9][2]) == total

    cells = sql_totals(network, *Q4, by="commune_category")
    matrix = tables["table-communes"]
    assert [r[0] for r in matrix[1:-1]] == ["Crolles", "Froges", "Pontcharra"]
    for row in matrix[1:-1]:
        values = [number(v) for v in row[1:]]
        assert values[:8] == [cells.get(f"{row[0]}|{c}", 0) for c in CATEGORY_IDS]
        assert values[8] == sum(values[:8])
    assert [number(v) for v in matrix[-1][1:]] == [by_cat.get(c, 0) for c in CATEGORY_IDS] + [total]

    months = {r[0]: r[1] for r in tables["table-mois"][1:]}
    october = sum(sql_totals(network, dt.date(2026, 10, 1), dt.date(2026, 10, 31)).values())
    assert number(months["oct."]) == october
    assert months["déc."] in ("à venir", "aucune donnée")
    assert sum(number(r[1]) for r in tables["table-semaine"][1:]) == total
    assert html.count('class="bar"') >= 2 + 7  # months with data + the seven weekdays

    coverage = {r[0]: r[2:5] for r in tables["table-couverture"][1:]}
    assert coverage["Froges"][:2] == ["1", "1"]  # one day with visitors, one held with none


def test_zero_day_and_no_data_are_told_apart(client, network):
    html = client.get("/?periode=plage&du=2026-10-10&au=2026-10-10&commune=Froges").text
    tables = tables_of(html)
    assert tables["table-couverture"][1][2:5] == ["0", "1", "0"]
    html = client.get("/?periode=plage&du=2026-10-11&au=2026-10-11&commune=Froges").text
    assert tables_of(html)["table-couverture"][1][2:5] == ["0", "0", "1"]
    assert "Aucune donnée reçue pour cette période" in html


@pytest.mark.parametrize(("query", "start", "end"), [
    ("periode=mois&mois=2026-02", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
    ("periode=annee&annee=2025", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("periode=plage&du=2025-12-15&au=2026-01-15", dt.date(2025, 12, 15), dt.date(2026, 1, 15)),
])
def test_period_selector(client, network, query, start, end):
    tables = tables_of(client.get("/?" + query).text)
    assert number(tables["table-categories"][9][2]) == sum(sql_totals(network, start, end).values())


def test_commune_filter(client, network):
    tables = tables_of(client.get("/?trimestre=2026-Q4&commune=Pontcharra").text)
    assert number(tables["table-categories"][9][2]) == \
        sql_totals(network, *Q4, by="commune")["Pontcharra"]
    assert [r[0] for r in tables["table-communes"][1:-1]] == ["Pontcharra"]


@pytest.mark.parametrize("query", [
    "periode=mois&mois=2026-13", "periode=trimestre&trimestre=2026-Q9", "periode=annee&annee=abc",
    "periode=plage&du=2026-05-01&au=2026-04-01", "periode=plage&du=hier", "periode=semaine",
    "commune=Atlantis", "periode=trimestre&trimestre=٢٠٢٦-Q4", "periode=annee&annee=²",
    "periode=annee&annee=٢٠٢٦", "periode=mois&mois=٢٠٢٦-11", "periode=plage&du=٢٠٢٦-05-01",
])
def test_bad_statistics_queries(client, query):
    answer = client.get("/?" + query)
    assert answer.status_code == 400
    assert answer.text.count('role="alert"') == 1 and "Traceback" not in answer.text


# --------------------------------------------------------------------------- kiosks


def test_kiosk_list_warnings(client):
    rows = {r[0]: r for r in tables_of(client.get("/bornes").text)["table-bornes"][1:]}
    assert rows["Crolles – mairie"][6] == "aucune"
    assert "plus de 14 jours" in rows["Crolles – médiathèque"][6]
    assert rows["Crolles – médiathèque"][3] == "20"
    assert "horloge non fiable" in rows["Pontcharra"][6]
    assert rows["Pontcharra"][4] == "+90 min"
    assert rows["Froges"][2] == "jamais" and "jamais contactée" in rows["Froges"][6]


def test_add_kiosk_shows_the_token_once_and_it_works(client, network):
    form = client.get("/bornes/ajouter")
    answer = client.post("/bornes/ajouter", data={"csrf": csrf_of(form.text), "nom": "Froges 2",
                                                  "commune": "Froges"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    token = answer.text.split('data-token="')[1].split('"')[0]
    assert len(token) >= 22
    assert '<svg' not in answer.text  # no QR code: the kiosk has no camera (issue 14, 7)
    assert push(client, token, seed.TODAY - dt.timedelta(days=1)).status_code == 200
    listing = client.get("/bornes").text
    assert "Froges 2" in listing and token not in listing
    again = client.post("/bornes/ajouter", data={"csrf": csrf_of(form.text), "nom": "Froges 2",
                                                 "commune": "Froges"})
    assert again.status_code == 400 and "une borne porte déjà le nom « Froges 2 »" in again.text
    assert "already exists" not in again.text  # a French page says it in French
    blank = client.post("/bornes/ajouter", data={"csrf": csrf_of(form.text), "nom": " ",
                                                 "commune": "Froges"})
    assert blank.status_code == 400 and "le nom de la borne doit faire" in blank.text


def test_revoke_kiosk(client, network):
    token = tokens.add_kiosk(network, "À révoquer", "Crolles")
    with network.connect() as conn:
        kid = conn.execute(select(kiosks.c.id).where(kiosks.c.name == "À révoquer")).scalar_one()
    page = client.get(f"/bornes/{kid}/revoquer")
    assert "Révoquer la borne À révoquer" in page.text
    answer = client.post(f"/bornes/{kid}/revoquer", data={"csrf": csrf_of(page.text)},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert push(client, token, seed.TODAY - dt.timedelta(days=1)).status_code == 401
    revoked_rows = tables_of(client.get("/bornes").text)["table-revoquees"]
    assert revoked_rows[1][0] == "À révoquer"
    assert client.get("/bornes/9999/revoquer").status_code == 404


# --------------------------------------------------------------------------- exports


def test_quarter_exports(client, network):
    cells = sql_totals(network, *Q4, by="commune_category")
    answer = client.get("/rapports/trimestre?trimestre=2026-Q4&format=xlsx")
    assert answer.headers["content-disposition"] == \
        'attachment; filename="tableau-de-suivi-2026-Q4.xlsx"'
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb["Pontcharra"]["C13"].value == sum(
        v for k, v in cells.items() if k.startswith("Pontcharra|"))
    answer = client.get("/rapports/trimestre?trimestre=2026-Q4&format=csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.text.splitlines()[0].count(";") == 6  # ...;%;source
    hidden = client.get("/rapports/trimestre?trimestre=2026-Q4&format=xlsx&masquer=1&seuil=5")
    assert "anonymise" in hidden.headers["content-disposition"]
    assert load_workbook(io.BytesIO(hidden.content))["Froges"]["C13"].value == "< 5"


@pytest.mark.parametrize("query", ["trimestre=2026-Q5", "trimestre=2026-Q4&format=pdf",
                                   "trimestre=2026-Q4&masquer=1&seuil=1",
                                   "trimestre=2026-Q4&masquer=1&seuil=x",
                                   "trimestre=2026-Q4&masquer=1&seuil=²",
                                   "trimestre=٢٠٢٦-Q4"])
def test_bad_export_requests(client, query):
    answer = client.get("/rapports/trimestre?" + query)
    assert answer.status_code == 400 and answer.text.count('role="alert"') == 1


def test_reports_page_has_labelled_controls(client):
    html = client.get("/rapports").text
    for control in ("trimestre", "seuil-t", "masquer-t", "annee", "commune-a", "seuil-a"):
        assert f'for="{control}"' in html and f'id="{control}"' in html


def test_annual_page_and_xlsx(client, network):
    this = sum(sql_totals(network, dt.date(2026, 1, 1), dt.date(2026, 12, 31)).values())
    last = sum(sql_totals(network, dt.date(2025, 1, 1), dt.date(2025, 12, 31)).values())
    tables = tables_of(client.get("/rapports/annuel?annee=2026").text)
    total_row = tables["table-synthese"][-1]
    assert number(total_row[2]) == this and number(total_row[3]) == last
    # 2025 had one kiosk in January, 2026 three: no percentage, and the reason why
    assert total_row[4] == "—" and total_row[5]
    communes = {r[0]: r for r in tables["table-communes-annee"][1:]}
    assert number(communes["Crolles"][1]) == sql_totals(
        network, dt.date(2026, 1, 1), dt.date(2026, 12, 31), by="commune")["Crolles"]
    hidden = tables_of(client.get("/rapports/annuel?annee=2026&masquer=1").text)
    assert {r[0]: r for r in hidden["table-communes-annee"][1:]}["Froges"][1] == "< 5"
    answer = client.get("/rapports/annuel?annee=2026&format=xlsx")
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb["Synthèse"]["C12"].value == this
    assert client.get("/rapports/annuel?annee=20x6").status_code == 400
    assert client.get("/rapports/annuel?annee=²").status_code == 400


def test_pages_are_french_and_printable(client):
    for path in ("/", "/bornes", "/rapports", "/rapports/annuel?annee=2026"):
        html = client.get(path).text
        assert '<html lang="fr">' in html and "/static/style.css" in html
        assert "<script" not in html
    css = client.get("/static/style.css").text
    assert "@media print" in css
